//! The lessons, run live: a snapshot of what `sio-tutor demo` shows for every lesson (plain
//! text, and JSON for one), repeat-run determinism, and the exact error for each broken lesson
//! file in `tests/broken-lessons/`.

use std::path::Path;

#[path = "common/redis.rs"]
mod redis_here;

use sio_tutor::lab::Scale;
use sio_tutor::lesson::{Lesson, Source, load_all, load_and_check};
use sio_tutor::render::View;

/// The built-in lessons this machine can run: the scaling lesson needs `redis-server` (see
/// `common/redis.rs`: skipped loudly without it, never under CI).
fn built_in() -> Vec<Lesson> {
    colored::control::set_override(false);
    let lessons = match load_all(Source::BuiltIn) {
        Ok(lessons) => lessons,
        Err(errors) => panic!("the built-in lessons do not validate: {errors:#?}"),
    };
    lessons
        .into_iter()
        .filter(|lesson| {
            !matches!(lesson.scale, Scale::TwoWithRedis { .. })
                || redis_here::available(&format!("lesson {}", lesson.id))
        })
        .collect()
}

async fn demo(lesson: &Lesson, view: View) -> String {
    let mut out = Vec::new();
    if let Err(error) = sio_tutor::demo::run(lesson, view, &mut out).await {
        panic!("demo of {} failed: {error}", lesson.id);
    }
    String::from_utf8(out).expect("demo output is UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lesson_demo_matches_its_snapshot() {
    let lessons = built_in();
    assert!(lessons.len() >= 4, "the four core lessons are built in");
    for lesson in &lessons {
        let output = demo(lesson, View::Text).await;
        insta::assert_snapshot!(format!("demo_{:02}_{}", lesson.number, lesson.id), output);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_lesson_json_view_matches_its_snapshot() {
    let lessons = built_in();
    let rooms = lessons
        .iter()
        .find(|l| l.id == "rooms")
        .expect("a rooms lesson");
    let output = demo(rooms, View::Json).await;
    for line in output.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object a line ({e}): {line}"));
        assert!(value["kind"].is_string(), "every object has a kind: {line}");
    }
    insta::assert_snapshot!("demo_rooms_json", output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_gives_the_same_bytes_every_run() {
    let lessons = built_in();
    for lesson in &lessons {
        let first = demo(lesson, View::Text).await;
        for run in 1..5 {
            let again = demo(lesson, View::Text).await;
            assert_eq!(first, again, "lesson {} differed on run {run}", lesson.id);
        }
    }
}

/// `lessons check` loads each file, then runs every lesson that loads on a real lab, so what
/// would fail in `demo` (the last four files: a socket used before it connects, a namespace not
/// served, and handlers that fail only when a client's event runs them) fails here first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_lesson_file_gets_its_exact_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-lessons");
    let (_, errors) = load_and_check(Source::Folder(&dir)).await;
    let found: Vec<String> = errors
        .iter()
        .map(|e| {
            let file = Path::new(&e.file)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy();
            format!("{file}:{}:{}: {}", e.line, e.column, e.message)
        })
        .collect();
    let expected = [
        "ask-nobody-answers.toml:9:7: `alice.emitWithAck('save', 1)` fails on the lab: alice.emitWithAck('save') would wait forever: the server's handler for it never calls callback (give it one that answers, such as on 'save': callback('ok'))",
        "ask-without-timeout.toml:9:11: the lab needs a timeout before emitWithAck: without one, a socket that never answers keeps it waiting forever (hint: io.timeout(1000).emitWithAck('question', 'hi'))",
        "bad-statement.toml:9:31: `broadcast` is a flag, not a method (hint: did you mean socket.broadcast.emit(...)?)",
        "cut-without-network.toml:6:25: `cut alice` fails on the lab: alice's connection cannot be cut or silenced here: only a lab with its own network can (a lesson with network = true)",
        "handler-to-unknown-id.toml:9:7: the server's handler for 'dm' fails: the socket zed is used before it is connected (add `connect zed` to a lab step before this one)",
        "no-correct-option.toml:6:8: a choice quiz needs at least one option with correct = true",
        "no-steps.toml:1:1: the lesson has no steps; add at least one [[steps]]",
        "not-toml.toml:2:18: invalid basic string, expected `\"`",
        "predict-without-why.toml:8:1: a step with predict = true needs a `why`: the reason shown after the prediction",
        "reason-outside-departure.toml:6:52: `reason` only exists inside a `disconnecting` or `disconnect` handler (hint: on 'disconnect': io.emit('user left', reason))",
        "socket-before-connect.toml:9:7: the socket bob is used before it is connected (add `connect bob` to a lab step before this one)",
        "two-kinds.toml:5:1: expected exactly one of page, lab, run, rooms or quiz in this step, found page and rooms",
        "unknown-field.toml:7:1: unknown field `notes`, expected one of `page`, `lab`, `run`, `rooms`, `quiz`, `notice`, `predict`, `why`, `question`, `hint`, `options`, `accept`, `answer`, `explanation`, `reflection`, `recall`",
        "unserved-namespace.toml:6:8: the namespace /tenant-x is not served: add it to `namespaces` at the top of the file",
        "write-lab-command.toml:8:10: a write quiz's `answer` must be a statement the server runs (alice: socket.join('lab'), io.emit('hi')) or a client emit a handler answers (alice.emit('chat message', 'hi'), alice.emitWithAck('question', 'hi'))",
        "write-nothing-to-judge.toml:11:10: the answer `alice.emit('hi')` sends nothing and changes no room, so there is nothing to judge an attempt against",
        "write-without-answer.toml:9:8: a write quiz needs `answer`: one playground line that does what the question asks, such as \"alice: socket.to('lab').emit('ping')\"",
    ];
    assert_eq!(found, expected);
}

#[test]
fn lessons_check_exits_non_zero_on_a_broken_folder_and_zero_on_the_built_in_one() {
    let binary = env!("CARGO_BIN_EXE_sio-tutor");
    let broken = std::process::Command::new(binary)
        .args(["lessons", "check", "tests/broken-lessons"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sio-tutor");
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("17 errors in the lesson files"), "{stderr}");

    // `lessons check` runs every lesson live, the scaling lesson on Redis (lessons/README.md).
    if !redis_here::available("lessons check of the built-in lessons") {
        return;
    }
    let good = std::process::Command::new(binary)
        .args(["lessons", "check"])
        .output()
        .expect("run sio-tutor");
    assert_eq!(good.status.code(), Some(0));
}

#[test]
fn an_unknown_lesson_name_suggests_the_closest() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .args(["demo", "roms"])
        .output()
        .expect("run sio-tutor");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("did you mean \"rooms\" (lesson 3)?"),
        "{stderr}"
    );
}

/// Lessons that were once refused by `lessons check` or failed in `demo`, and that are right on
/// Node: a handler that disconnects the socket that sent the event, and a handler that emits
/// through `io.of` to a namespace nobody serves yet (Node creates it; the emit reaches nobody).
/// `lessons check` and `demo` must agree that they run (issue 10, items 3, 5 and 6).
#[test]
fn lessons_that_run_on_node_pass_the_check_and_run_in_demo() {
    let binary = env!("CARGO_BIN_EXE_sio-tutor");
    let check = std::process::Command::new(binary)
        .args(["lessons", "check", "tests/node-meaning-lessons"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sio-tutor");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let demo = std::process::Command::new(binary)
        .args(["demo", "--all", "--lessons", "tests/node-meaning-lessons"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sio-tutor");
    assert_eq!(
        demo.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let stdout = String::from_utf8_lossy(&demo.stdout);
    assert!(stdout.contains("user disconnected  (alice)"), "{stdout}");
}
