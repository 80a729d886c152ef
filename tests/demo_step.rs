//! `demo --step` through the binary, with Enter fed on standard input: one step per Enter, and a
//! predicted statement asks its question before it runs. Plain `demo` shows a prediction's
//! answer only after the run.

#[path = "common/redis.rs"]
mod redis_here;

use std::io::Write;
use std::process::{Command, Stdio};

fn demo(args: &[&str], input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .arg("demo")
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "80")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sio-tutor starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the Enters go in");
    let output = child.wait_with_output().expect("sio-tutor finishes");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn plain_demo_shows_who_received_a_prediction_after_its_run() {
    let text = demo(&["2"], "");
    let question = text.find("dave sends").expect("the question");
    let run = text[question..]
        .find("> dave.emit('chat message'")
        .expect("the run")
        + question;
    let answer = text[question..].find("Received by:").expect("the answer") + question;
    assert!(question < run && run < answer, "question, run, then answer");
}

#[test]
fn step_waits_for_enter_at_every_step_and_before_a_predicted_run() {
    let steps = 17; // lesson 2
    let text = demo(&["2", "--step"], &"\n".repeat(100));
    assert_eq!(
        text.matches("[Enter] step ").count(),
        steps - 1,
        "one pause before every step but the first"
    );
    assert!(
        text.contains(&format!("[Enter] step {steps} of {steps}")),
        "{text}"
    );
    // A predicted run: the question, a pause that says what Enter runs, then the run.
    let question = text.find("dave sends").expect("the question");
    let pause = text[question..]
        .find("[Enter] runs `dave.emit('chat message'")
        .expect("the pause before the run")
        + question;
    let run = text[pause..].find("> dave.emit").expect("the run") + pause;
    let answer = text[run..].find("Received by:").expect("the answer") + run;
    assert!(question < pause && pause < run && run < answer);
    assert!(!text.contains('\u{1b}'), "no screen clearing into a pipe");
    // A write question: the question, a pause for the class to write its own line, then one
    // possible answer running live.
    let write_pause = text
        .find("[Enter] shows one possible answer")
        .expect("a pause before a write question's answer");
    let quiz = text[..write_pause]
        .rfind("Quiz:")
        .expect("the write question");
    let answer = text[write_pause..]
        .find("One possible answer:")
        .expect("the answer after the pause");
    assert!(!text[quiz..write_pause].contains("One possible answer:"));
    assert!(answer > 0);

    // Apart from the pauses, the lesson is the plain demo's.
    let plain = demo(&["2"], "");
    let unpaused: String = text
        .lines()
        .map(|line| match line.find("  [Enter] ") {
            Some(at) => &line[..at],
            None => line,
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let plain: String = plain
        .lines()
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(unpaused, plain);
}

#[test]
fn step_runs_on_when_the_input_ends() {
    let text = demo(&["1", "--step"], "\n\n");
    assert!(text.contains("End of lesson"), "{text}");
    assert_eq!(text.matches("[Enter]").count(), 3, "{text}");
}

/// With `--all`, each lesson's end waits for Enter before the next lesson clears the screen.
#[test]
fn step_all_pauses_at_the_end_of_every_lesson() {
    // `--all` runs the scaling lesson too, which needs redis-server.
    if !redis_here::available("step_all_pauses_at_the_end_of_every_lesson") {
        return;
    }
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load")
        .len();
    let text = demo(&["--all", "--step"], &"\n".repeat(2000));
    let ends: Vec<usize> = text
        .match_indices("[Enter] ends the lesson")
        .map(|(at, _)| at)
        .collect();
    assert_eq!(ends.len(), lessons, "one pause at the end of each lesson");
    let titles: Vec<String> = (2..=lessons).map(|n| format!("Lesson {n}:")).collect();
    for (lesson, end) in titles.iter().zip(&ends) {
        let start = text.find(lesson.as_str()).expect("the lesson's title");
        assert!(
            end < &start,
            "{lesson} starts after the previous lesson's pause"
        );
    }
}

/// On a terminal, `--step` clears the screen for each step (through a pipe it never does: see
/// above), so a projector shows one step at a time.
#[test]
fn step_clears_the_screen_on_a_terminal() {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(["demo", "2", "--step"])
        .env("TERM", "xterm-256color")
        .env_remove("CI");
    let mut session = expectrl::Session::spawn(command).expect("spawn sio-tutor in a pty");
    session.set_expect_timeout(Some(std::time::Duration::from_secs(20)));
    // The lesson opens on a clear screen with its title.
    let opening = session.expect("Lesson 2:").expect("the title");
    assert!(
        String::from_utf8_lossy(opening.before()).contains("\x1b[2J"),
        "the screen is cleared before the title"
    );
    session
        .expect("[Enter] step 2 of")
        .expect("the first pause");
    session.send("\r").expect("Enter");
    let next = session
        .expect("[Enter] step 3 of")
        .expect("the second pause");
    assert!(
        String::from_utf8_lossy(next.before()).contains("\x1b[2J"),
        "Enter clears the screen before the next step"
    );
    session.send("\x03").expect("Ctrl-C");
}
