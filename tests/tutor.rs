//! The interactive tutor, driven through the real binary as a learner would: in a
//! pseudo-terminal (expectrl), with keys, reading the screen. Plus what happens with no terminal.
//!
//! The expect timeouts wait for text to appear on a screen; they never decide a delivery.

#[path = "common/redis.rs"]
mod redis_here;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::{Eof, Session};

#[path = "common/pty.rs"]
mod pty;
use pty::{expect, fresh_home};

const ENTER: &str = "\r";
const SPACE: &str = " ";
const DOWN: &str = "\x1b[B";
const CTRL_C: &str = "\x03";

fn tutor(home: &Path, args: &[&str]) -> Session {
    pty::tutor(home, args, true)
}

fn send(session: &mut Session, keys: &str) {
    session.send(keys).expect("send keys");
}

/// Answers a multi-select prediction by picking the sockets at these positions (0 = alice).
fn predict(session: &mut Session, picks: &[usize]) {
    expect(session, "Who will receive it?");
    predict_picks(session, picks);
}

fn predict_picks(session: &mut Session, picks: &[usize]) {
    let mut at = 0;
    for &pick in picks {
        while at < pick {
            send(session, DOWN);
            at += 1;
        }
        send(session, SPACE);
    }
    send(session, ENTER);
}

fn continue_(session: &mut Session) {
    expect(session, "[Enter] to continue");
    send(session, ENTER);
}

/// Where the tutor shows, in the first choice quiz of a lesson, the option `wrong` and the
/// (single) right option.
fn choice_positions(lesson: &str, wrong: &str) -> (usize, usize) {
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load");
    let quiz = lessons
        .iter()
        .find(|l| l.id == lesson)
        .and_then(|l| {
            l.steps.iter().find_map(|step| match step {
                sio_tutor::lesson::Step::Quiz(quiz)
                    if matches!(quiz.kind, sio_tutor::lesson::QuizKind::Choice { .. }) =>
                {
                    Some(quiz.clone())
                }
                _ => None,
            })
        })
        .expect("a choice quiz");
    let shown = quiz.options_shown();
    let wrong = shown
        .iter()
        .position(|o| o.text == wrong)
        .expect("that option");
    let right = shown
        .iter()
        .position(|o| o.correct)
        .expect("a right option");
    assert_ne!(
        right, 0,
        "the right answer is not where Enter alone would pick it"
    );
    (wrong, right)
}

fn progress(home: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(home.join("progress.json")).expect("a progress file");
    serde_json::from_str(&text).expect("progress is JSON")
}

#[test]
fn a_learner_predicts_answers_quits_and_resumes_lesson_2() {
    let home = fresh_home("lesson-2");

    // First sitting: one prediction right, one wrong, then Ctrl-C.
    let mut session = tutor(&home, &["learn", "2"]);
    expect(&mut session, "Lesson 2: Emit vs broadcast");
    expect(&mut session, "[Enter] to continue  (step 1 of 17)");
    send(&mut session, ENTER); // the first page
    predict(&mut session, &[0]); // socket.emit as alice: alice only
    expect(&mut session, "Right!");
    continue_(&mut session);
    continue_(&mut session); // io.emit, not predicted
    predict(&mut session, &[0]); // broadcast as alice: not alice
    expect(&mut session, "you picked it: it did not receive it");
    expect(&mut session, "missed: it received it");
    expect(&mut session, "Not quite.");
    continue_(&mut session);
    expect(&mut session, "[Enter] to continue"); // the next page
    send(&mut session, CTRL_C);
    expect(&mut session, "\x1b[?25h"); // the cursor is shown again
    expect(&mut session, "your progress is saved");
    let status = session.get_process().wait().expect("exit status");
    assert_eq!(
        format!("{status:?}"),
        format!(
            "{:?}",
            expectrl::WaitStatus::Exited(session.get_process().pid(), 130)
        )
    );
    let saved = progress(&home);
    assert_eq!(saved["lessons"]["emit-vs-broadcast"]["step"], 5, "{saved}");
    assert_eq!(saved["lessons"]["emit-vs-broadcast"]["score"], 1, "{saved}");
    assert_eq!(
        saved["lessons"]["emit-vs-broadcast"]["questions"], 2,
        "{saved}"
    );

    // Second sitting: the menu's cursor is on lesson 2, which resumes where it stopped.
    let mut session = tutor(&home, &[]);
    expect(&mut session, "in progress, score 1/2");
    send(&mut session, ENTER);
    expect(&mut session, "Resuming at step 6 of 17.");
    expect(&mut session, "[Enter] to continue  (step 6 of 17)");
    send(&mut session, ENTER); // page: the interview question
    continue_(&mut session); // page: the handler with broadcast
    predict(&mut session, &[1, 2, 3]); // alice.emit through the broadcast handler
    expect(&mut session, "Right!");
    continue_(&mut session);
    continue_(&mut session); // page
    // The choice question: a wrong answer first (io.emit), its explanation, then the right one.
    // The options are shown in the tutor's mixed order, which the library tells.
    let (wrong, right) = choice_positions("emit-vs-broadcast", "io.emit('hi')");
    expect(&mut session, "Your answer");
    send(&mut session, &DOWN.repeat(wrong));
    send(&mut session, ENTER);
    expect(
        &mut session,
        "io.emit reaches every connected socket, the sender included.",
    );
    expect(&mut session, "What next?");
    send(&mut session, ENTER); // Try again
    expect(&mut session, "Your answer");
    send(&mut session, &DOWN.repeat(right));
    send(&mut session, ENTER); // socket.broadcast.emit('hi')
    expect(&mut session, "Right!");
    expect(&mut session, "Your prediction");
    predict_picks(&mut session, &[0, 1, 2]); // dave.emit through broadcast: alice, bob, carol
    expect(&mut session, "Right!");
    continue_(&mut session);
    expect(&mut session, "Your prediction");
    predict_picks(&mut session, &[1]); // bob: socket.emit: bob only
    expect(&mut session, "Right!");
    continue_(&mut session);
    expect(&mut session, "Your answer");
    send(&mut session, "Broadcast\r");
    expect(&mut session, "Right!");
    // The two write steps: right lines that are not the lesson's text.
    expect(&mut session, "write> ");
    send(
        &mut session,
        "io.except(bob.id).emit('typing', 'bob is typing')\r",
    );
    expect(&mut session, "Right!");
    expect(&mut session, "write> ");
    send(
        &mut session,
        "io.to(carol.id).emit('welcome', 'Hi carol')\r",
    );
    expect(&mut session, "Right!");
    continue_(&mut session); // the summary card
    expect(&mut session, "Lesson 2 done.");
    expect(&mut session, "7 of 9 questions right at the first try.");
    send(&mut session, ENTER);
    expect(&mut session, "Pick a lesson");
    expect(&mut session, "done, score 7/9");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);

    let saved = progress(&home);
    let lesson = &saved["lessons"]["emit-vs-broadcast"];
    assert_eq!(lesson["done"], true, "{saved}");
    assert_eq!(lesson["step"], 17, "{saved}");
    assert_eq!(lesson["score"], 7, "{saved}");
    assert_eq!(lesson["questions"], 9, "{saved}");
}

#[test]
fn without_a_terminal_learn_and_the_menu_point_to_demo_and_exit_2() {
    for args in [&["learn", "2"][..], &[][..]] {
        let output = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .args(args)
            .env("SIO_TUTOR_HOME", fresh_home("no-terminal"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sio-tutor");
        assert_eq!(output.status.code(), Some(2), "args {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("needs a terminal"), "{stderr}");
        assert!(stderr.contains("sio-tutor demo 1"), "{stderr}");
    }
}

#[test]
fn with_ci_set_even_a_terminal_gets_the_non_interactive_answer() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(["learn", "1"])
        .env("SIO_TUTOR_HOME", fresh_home("ci"))
        .env("CI", "true");
    let mut session = Session::spawn(command).expect("spawn");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    expect(&mut session, "needs a terminal");
    let status = session.get_process().wait().expect("exit status");
    assert_eq!(
        format!("{status:?}"),
        format!(
            "{:?}",
            expectrl::WaitStatus::Exited(session.get_process().pid(), 2)
        )
    );
}

#[test]
fn reset_without_a_terminal_needs_yes_and_then_forgets() {
    let home = fresh_home("reset");
    std::fs::write(
        home.join("progress.json"),
        r#"{"last":"rooms","lessons":{"rooms":{"step":3,"done":false,"score":1,"questions":1}}}"#,
    )
    .expect("write progress");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .args(args)
            .env("SIO_TUTOR_HOME", &home)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sio-tutor")
    };
    let refused = run(&["reset", "rooms"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert_eq!(progress(&home)["lessons"]["rooms"]["step"], 3);

    let listed = run(&["list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("[in progress, score 1/1]"));

    let done = run(&["reset", "rooms", "--yes"]);
    assert_eq!(done.status.code(), Some(0));
    assert!(progress(&home)["lessons"].get("rooms").is_none());
}

#[test]
fn journal_prints_the_reflections_kept() {
    let home = fresh_home("journal");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .arg("journal")
            .env("SIO_TUTOR_HOME", &home)
            .output()
            .expect("run sio-tutor")
    };
    let empty = run();
    assert!(String::from_utf8_lossy(&empty.stdout).contains("Your journal is empty"));
    std::fs::write(
        home.join("journal.json"),
        r#"[{"date":"2026-11-26T10:00:00Z","lesson":"namespaces","question":"What next?","answer":"scaling with adapters"}]"#,
    )
    .expect("write journal");
    let kept = run();
    assert_eq!(kept.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&kept.stdout);
    assert!(stdout.contains("2026-11-26T10:00:00Z"), "{stdout}");
    assert!(stdout.contains("scaling with adapters"), "{stdout}");
}

#[test]
fn the_reflection_at_the_end_of_the_course_goes_to_the_journal() {
    // The last lesson is the scaling one: resuming it starts a private redis-server.
    if !redis_here::available("the_reflection_at_the_end_of_the_course_goes_to_the_journal") {
        return;
    }
    let home = fresh_home("reflection");
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load");
    let last = lessons.last().expect("a last lesson");
    let steps = last.steps.len();
    // Resume the last lesson at its last step: the reflection question.
    std::fs::write(
        home.join("progress.json"),
        format!(
            r#"{{"last":"{id}","lessons":{{"{id}":{{"step":{step},"done":false,"score":0,"questions":0}}}}}}"#,
            id = last.id,
            step = steps - 1
        ),
    )
    .expect("write progress");
    // The learning goal written at the start of the course, shown back before the question.
    std::fs::write(
        home.join("journal.json"),
        r#"[{"date":"2026-11-26T10:00:00Z","lesson":"basic-chat","question":"Before we start?","answer":"a live scoreboard"}]"#,
    )
    .expect("write journal");
    let mut session = tutor(&home, &["learn", &last.id]);
    expect(
        &mut session,
        &format!("Resuming at step {steps} of {steps}."),
    );
    expect(&mut session, "What would you like to learn next");
    expect(&mut session, "What you wrote at the start:");
    expect(&mut session, "> a live scoreboard");
    expect(&mut session, "Your answer");
    send(&mut session, "middleware and auth\r");
    expect(&mut session, "Kept in your journal");
    expect(&mut session, "[Enter] to continue");
    send(&mut session, ENTER);
    let _ = session.expect(Eof);

    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.join("journal.json")).expect("a journal"),
    )
    .expect("JSON");
    assert_eq!(journal[1]["answer"], "middleware and auth", "{journal}");
    assert_eq!(journal[1]["lesson"], last.id.as_str(), "{journal}");
    assert_eq!(progress(&home)["lessons"][&last.id]["done"], true);
}

const ESC: &str = "\x1b";

/// Writes a progress file that resumes `lesson` at `step` (0-based).
fn resume_at(home: &Path, lesson: &str, step: usize) {
    std::fs::write(
        home.join("progress.json"),
        format!(
            r#"{{"last":"{lesson}","lessons":{{"{lesson}":{{"step":{step},"done":false,"score":0,"questions":0}}}}}}"#
        ),
    )
    .expect("write progress");
}

/// The index of the first step of `lesson` that `matches`.
fn step_index(lesson: &str, matches: impl Fn(&sio_tutor::lesson::Step) -> bool) -> usize {
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load");
    let lesson = lessons.iter().find(|l| l.id == lesson).expect("the lesson");
    lesson.steps.iter().position(matches).expect("such a step")
}

#[test]
fn a_first_run_welcomes_with_the_keys_and_esc_on_a_page_goes_back_to_the_menu() {
    let home = fresh_home("welcome");
    let mut session = tutor(&home, &[]);
    expect(&mut session, "Welcome to sio-tutor");
    expect(&mut session, "Esc on a page goes back to this menu");
    expect(&mut session, "Pick a lesson");
    send(&mut session, ENTER);
    expect(&mut session, "\x1b[2J"); // the lesson starts on a clear screen
    expect(&mut session, "Lesson 1: The basic chat");
    // Lesson 1 opens with the learner's goal for the course, then a page.
    expect(&mut session, "Your answer");
    send(&mut session, "A chat for my team");
    send(&mut session, ENTER);
    expect(&mut session, "[Enter] to continue  (step 2 of");
    send(&mut session, ESC);
    expect(&mut session, "Pick a lesson");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);

    // The menu came back, not the end of the program; and `learn N` goes to it as well.
    let mut session = tutor(&home, &["learn", "2"]);
    expect(&mut session, "[Enter] to continue  (step 1 of");
    send(&mut session, ESC);
    expect(&mut session, "Pick a lesson");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
}

#[test]
fn an_empty_prediction_asks_first_and_an_answer_is_kept_before_its_result() {
    let home = fresh_home("empty-pick");
    let mut session = tutor(&home, &["learn", "2"]);
    send_after(&mut session, "[Enter] to continue", ENTER);
    expect(&mut session, "Who will receive it?");
    // Each socket with its namespace and rooms.
    expect(&mut session, "alice  on /    no rooms");
    send(&mut session, ENTER); // a stray Enter: nothing picked
    expect(&mut session, "Nobody receives it?");
    send(&mut session, "n"); // one key answers
    predict(&mut session, &[1]); // bob: wrong (socket.emit as alice reaches alice)
    expect(&mut session, "Not quite.");
    expect(&mut session, "[Enter] to continue");
    // Quitting at the result cannot retake the question: it is recorded, wrong.
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
    let saved = progress(&home);
    let lesson = &saved["lessons"]["emit-vs-broadcast"];
    assert_eq!(lesson["step"], 3, "{saved}"); // past the page, the lab and the prediction
    assert_eq!(lesson["questions"], 1, "{saved}");
    assert_eq!(lesson["score"], 0, "{saved}");
}

fn send_after(session: &mut Session, text: &str, keys: &str) {
    expect(session, text);
    send(session, keys);
}

#[test]
fn without_colour_the_cursor_is_still_marked_and_gone_sockets_are_listed() {
    let home = fresh_home("no-colour");
    let step = step_index(
        "basic-chat",
        |step| matches!(step, sio_tutor::lesson::Step::Run(run) if run.line.text.contains("Where did dave go?")),
    );
    resume_at(&home, "basic-chat", step);
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(["learn", "1"])
        .env("SIO_TUTOR_HOME", &home)
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CI");
    let mut session = Session::spawn(command).expect("spawn sio-tutor in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    expect(&mut session, "The lab so far:"); // the recap of a resumed lesson
    expect(&mut session, "Who will receive it?");
    expect(&mut session, "❯ "); // the cursor, with no colour to show it
    expect(&mut session, "dave   disconnected");
    send(&mut session, DOWN.repeat(3).as_str());
    send(&mut session, SPACE); // dave
    send(&mut session, ENTER);
    expect(
        &mut session,
        "(disconnected)   ← you picked it: it did not receive it",
    );
    expect(&mut session, "Not quite.");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
}

#[test]
fn a_hint_is_offered_once_and_a_near_miss_is_called_close() {
    let home = fresh_home("hint");
    let step = step_index(
        "emit-vs-broadcast",
        |step| matches!(step, sio_tutor::lesson::Step::Quiz(quiz) if quiz.hint.is_some()),
    );
    resume_at(&home, "emit-vs-broadcast", step);
    let (wrong, _) = choice_positions("emit-vs-broadcast", "io.emit('hi')");
    let mut session = tutor(&home, &["learn", "2"]);
    expect(&mut session, "Your answer");
    send(&mut session, &DOWN.repeat(wrong));
    send(&mut session, ENTER);
    expect(&mut session, "What next?");
    send(&mut session, DOWN);
    send(&mut session, ENTER); // Show a hint, then try again
    expect(&mut session, "hint: It is a flag on the socket.");
    expect(&mut session, "Your answer");
    send(&mut session, &DOWN.repeat(wrong));
    send(&mut session, ENTER);
    expect(&mut session, "What next?");
    send(&mut session, DOWN); // the hint is gone: the second item is the answer
    send(&mut session, ENTER);
    expect(&mut session, "Answer:");
    expect(&mut session, "Your prediction"); // Ctrl-C inside a prompt
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);

    let step = step_index(
        "emit-vs-broadcast",
        |step| matches!(step, sio_tutor::lesson::Step::Quiz(quiz) if matches!(quiz.kind, sio_tutor::lesson::QuizKind::Text { .. })),
    );
    resume_at(&home, "emit-vs-broadcast", step);
    let mut session = tutor(&home, &["learn", "2"]);
    send_after(&mut session, "Your answer", "brodcast\r");
    expect(&mut session, "Close, but not quite");
    send_after(&mut session, "What next?", ENTER);
    send_after(
        &mut session,
        "Your answer",
        "socket.broadcast.emit(\"hi\");\r",
    );
    expect(&mut session, "Right!");
    // Ctrl-C at once, while the tutor may be busy finishing the lesson and not at a prompt yet:
    // the next prompt must not wait for a key. (A race: it hung this test for 20 s in some runs
    // before the fix, not in every run.)
    send(&mut session, CTRL_C);
    session.set_expect_timeout(Some(Duration::from_secs(5)));
    expect(&mut session, "your progress is saved");
    assert!(session.expect(Eof).is_ok(), "Ctrl-C ends the tutor");
}

#[test]
fn a_stored_step_past_the_end_starts_the_lesson_over() {
    let home = fresh_home("past-end");
    resume_at(&home, "rooms", 999);
    let mut session = tutor(&home, &["learn", "3"]);
    expect(&mut session, "Lesson 3: Rooms");
    expect(&mut session, "[Enter] to continue  (step 1 of");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
}

#[test]
fn an_edited_lesson_resumes_at_the_step_by_its_key() {
    let home = fresh_home("edited");
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load");
    let lesson = lessons
        .iter()
        .find(|l| l.id == "emit-vs-broadcast")
        .expect("lesson 2");
    // Saved as step 3 (0-based 2), but the step it named is now at 0-based 5, as if three steps
    // had been inserted before it.
    let key = lesson.steps[5].key();
    std::fs::write(
        home.join("progress.json"),
        format!(
            r#"{{"last":"emit-vs-broadcast","lessons":{{"emit-vs-broadcast":{{"step":2,"done":false,"score":1,"questions":1,"key":"{key}"}}}}}}"#
        ),
    )
    .expect("write progress");
    let mut session = tutor(&home, &["learn", "2"]);
    expect(
        &mut session,
        &format!("Resuming at step 6 of {}.", lesson.steps.len()),
    );
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
}

#[test]
fn a_folder_lesson_has_its_own_progress_and_reset_lessons_forgets_only_it() {
    let home = fresh_home("folder");
    let folder = tempfile::tempdir().expect("a temporary folder");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/03-rooms.toml");
    std::fs::copy(&source, folder.path().join("03-rooms.toml")).expect("copy a lesson");
    let scoped = format!(
        "{}#rooms",
        std::fs::canonicalize(folder.path())
            .expect("canonical")
            .display()
    );
    std::fs::write(
        home.join("progress.json"),
        format!(
            r#"{{"lessons":{{"rooms":{{"step":3,"done":false,"score":1,"questions":1}},"{scoped}":{{"step":2,"done":false,"score":0,"questions":1}}}}}}"#
        ),
    )
    .expect("write progress");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .args(args)
            .env("SIO_TUTOR_HOME", &home)
            .env("COLUMNS", "200")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sio-tutor");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let dir = folder.path().to_str().expect("a UTF-8 path");
    assert!(run(&["list"]).contains("[in progress, score 1/1]"));
    assert!(run(&["list", "--lessons", dir]).contains("[in progress, score 0/1]"));
    run(&["reset", "--lessons", dir, "--yes"]);
    assert!(run(&["list", "--lessons", dir]).contains("[not started]"));
    assert!(
        run(&["list"]).contains("[in progress, score 1/1]"),
        "the built-in lesson's progress is kept"
    );
}

#[test]
fn the_course_ends_with_a_wrap_up() {
    // The last lesson is the scaling one: resuming it starts a private redis-server.
    if !redis_here::available("the_course_ends_with_a_wrap_up") {
        return;
    }
    let home = fresh_home("wrap-up");
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load");
    let last = lessons.last().expect("a last lesson");
    // Every lesson done but the last, which is at its reflection question.
    let mut entries: Vec<String> = lessons
        .iter()
        .filter(|l| l.id != last.id)
        .map(|l| {
            format!(
                r#""{}":{{"step":{},"done":true,"score":2,"questions":3}}"#,
                l.id,
                l.steps.len()
            )
        })
        .collect();
    entries.push(format!(
        r#""{}":{{"step":{},"done":false,"score":4,"questions":5}}"#,
        last.id,
        last.steps.len() - 1
    ));
    std::fs::write(
        home.join("progress.json"),
        format!(
            r#"{{"last":"{}","lessons":{{{}}}}}"#,
            last.id,
            entries.join(",")
        ),
    )
    .expect("write progress");
    let mut session = tutor(&home, &[]);
    send_after(&mut session, "Pick a lesson", ENTER);
    send_after(&mut session, "Your answer", "rooms across servers\r");
    send_after(&mut session, "back to the lessons", ENTER);
    expect(&mut session, "The course is done");
    expect(&mut session, "2 of 3 right at the first try");
    expect(&mut session, "4 of 5 right at the first try");
    expect(&mut session, "rooms across servers"); // the reflection, from the journal
    expect(&mut session, "sio-tutor play");
    expect(&mut session, "sio-tutor serve");
    send_after(&mut session, "back to the lessons", ENTER);
    expect(&mut session, "Pick a lesson");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);
}

/// An answer longer than the terminal is wide wraps over several rows while it is typed; once
/// answered, the screen must show it once, with no stale prompt row left above it. The screen is
/// read through a terminal emulator (vt100), since the stale row is a matter of what the bytes
/// leave on screen, not of which bytes were sent.
#[test]
fn a_long_answer_leaves_no_stale_prompt_row() {
    let home = fresh_home("long-answer");
    let mut session = tutor(&home, &["learn", "1"]);
    session
        .get_process_mut()
        .set_window_size(60, 40)
        .expect("a 60-column terminal");
    let mut screen = Vec::new();
    let mut read_until = |session: &mut Session, text: &str| {
        let found = session
            .expect(text)
            .unwrap_or_else(|e| panic!("the screen never showed {text:?}: {e}"));
        screen.extend_from_slice(found.before());
        for part in found.matches() {
            screen.extend_from_slice(part);
        }
    };
    // Lesson 1 opens by asking for the learner's goal.
    read_until(&mut session, "Your answer");
    send(
        &mut session,
        "I want to build a live scoreboard for my football club, with rooms per match",
    );
    send(&mut session, ENTER);
    read_until(&mut session, "[Enter] to continue");
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);

    let mut terminal = vt100::Parser::new(40, 60, 0);
    terminal.process(&screen);
    let rows: Vec<String> = terminal.screen().rows(0, 60).collect();
    let reports = rows
        .iter()
        .filter(|row| row.contains("Your answer ·"))
        .count();
    assert_eq!(
        reports,
        1,
        "one row reports the answer:\n{}",
        rows.join("\n")
    );
    assert!(
        !rows.iter().any(|row| row.contains("Your answer ›")),
        "a stale prompt row is left:\n{}",
        rows.join("\n")
    );
}

/// The menu lists every lesson with its status in one column, after the longest title (lesson
/// 9's title is 35 characters; the statuses were once padded to 20 and ran out of line).
#[test]
fn the_menu_lines_up_every_status() {
    let home = fresh_home("menu-columns");
    let mut session = tutor(&home, &[]);
    let mut screen = Vec::new();
    let found = session
        .expect("Quit")
        .unwrap_or_else(|e| panic!("the menu never showed Quit: {e}"));
    screen.extend_from_slice(found.before());
    send(&mut session, CTRL_C);
    let _ = session.expect(Eof);

    let mut terminal = vt100::Parser::new(40, 100, 0);
    terminal.process(&screen);
    let rows: Vec<String> = terminal.screen().rows(0, 100).collect();
    let columns: Vec<(usize, &String)> = rows
        .iter()
        // In characters, not bytes: the cursor row starts with a three-byte `❯`.
        .filter_map(|row| {
            row.find("not started")
                .map(|byte| (row[..byte].chars().count(), row))
        })
        .collect();
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load")
        .len();
    assert_eq!(
        columns.len(),
        lessons,
        "a row a lesson:\n{}",
        rows.join("\n")
    );
    assert!(
        columns.iter().all(|(column, _)| *column == columns[0].0),
        "the statuses start in different columns:\n{}",
        rows.join("\n")
    );
}
