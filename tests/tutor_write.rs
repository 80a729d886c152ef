//! Write steps in the tutor, driven through the real binary in a pseudo-terminal (expectrl), on a
//! teacher's own lesson (`tests/write-lessons/`): wrong lines are shown with what they did next to
//! the goal, an equivalent line that differs from the reference is accepted, a typo is not an
//! attempt, and no wrong attempt leaks into the lab.
//!
//! The expect timeouts wait for text to appear on a screen; they never decide a delivery.

use std::path::Path;

use expectrl::{Eof, Session};

#[path = "common/pty.rs"]
mod pty;
use pty::{expect, fresh_home};

const ENTER: &str = "\r";
const TAB: &str = "\t";
const UP: &str = "\x1b[A";
const CTRL_U: &str = "\x15";

fn tutor(home: &Path, args: &[&str]) -> Session {
    pty::tutor(home, args, false)
}

/// Types a line at the write prompt.
fn write(session: &mut Session, line: &str) {
    expect(session, "write> ");
    session.send(line).expect("type");
    session.send(ENTER).expect("enter");
}

#[test]
fn a_write_step_judges_by_outcome_and_scores_the_first_attempt() {
    let home = fresh_home("write");
    let mut s = tutor(&home, &["learn", "--lessons", "tests/write-lessons", "1"]);

    expect(
        &mut s,
        "Quiz: As ann, send 'ping' to everyone in the lab room",
    );
    // `rooms` looks at the lab; it is not an attempt.
    write(&mut s, "rooms");
    expect(&mut s, "lab  ann, bob");
    // A wrong join: it sends nothing, and carol ends up in the room.
    write(&mut s, "carol: socket.join('lab')");
    expect(&mut s, "Not quite:");
    expect(&mut s, "it sent nothing; the goal sends 'ping'");
    expect(&mut s, "carol is in 'lab' on /, and should not be");
    expect(&mut s, "What next?");
    s.send(ENTER).expect("try again");
    // A wrong emit: the feedback names the extra and the missing sockets, and the rules.
    write(&mut s, "io.except(bob.id).emit('ping')");
    expect(&mut s, "reached but should not have: ann, carol");
    expect(&mut s, "missed (should have received it): bob");
    expect(&mut s, "rule: .except(r) leaves out every socket in r");
    expect(&mut s, "What next?");
    s.send(ENTER).expect("try again");
    // Right, though it is not the reference's text.
    write(&mut s, "io.in('lab').except(ann.id).emit('ping')");
    expect(&mut s, "Right!");
    expect(
        &mut s,
        "The lesson's answer was: ann: socket.to('lab').emit('ping')",
    );
    // The next step runs on the learner's lab: carol's wrong join did not leak into it.
    expect(&mut s, "io.to('lab').emit('after')");
    expect(&mut s, "not received");
    expect(&mut s, "Only ann and bob are in the lab room");
    expect(&mut s, "[Enter] to continue");
    s.send(ENTER).expect("continue");

    // Tab completes (`jo` becomes `join(`); a typo (the missing parenthesis) is shown with a
    // caret and is not an attempt; the arrow up brings the line back from the history to be
    // fixed, and the fixed line scores.
    expect(&mut s, "Quiz: Put carol in the lab room too.");
    expect(&mut s, "write> ");
    // The history goes back to the last step's lines; Ctrl-U clears the recalled line.
    s.send(UP).expect("up");
    expect(&mut s, "io.in('lab').except(ann.id).emit('ping')");
    s.send(CTRL_U).expect("clear");
    s.send("carol: socket.jo").expect("type");
    s.send(TAB).expect("tab");
    expect(&mut s, "join(");
    s.send("'lab'").expect("type");
    s.send(ENTER).expect("enter");
    expect(&mut s, "^");
    expect(&mut s, "write> ");
    s.send(UP).expect("up");
    expect(&mut s, "carol: socket.join('lab'");
    s.send(")").expect("type");
    s.send(ENTER).expect("enter");
    expect(&mut s, "Right!");
    expect(&mut s, "lab  ann, bob, carol");
    expect(&mut s, "1 of 2 questions right at the first try.");
    expect(&mut s, "[Enter] to continue");
    s.send(ENTER).expect("back to the lessons");
    s.expect(Eof).expect("the tutor ends");

    let progress: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.join("progress.json")).expect("a progress file"),
    )
    .expect("progress is JSON");
    // A teacher's lesson keeps its progress under its folder (`DIR#id`), apart from any
    // built-in lesson of the same id.
    let key = progress["lessons"]
        .as_object()
        .and_then(|lessons| {
            lessons
                .keys()
                .find(|k| k.ends_with("write-lessons#write-practice"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no progress for the teacher's lesson: {progress}"));
    let lesson = &progress["lessons"][key.as_str()];
    assert_eq!(lesson["score"], 1, "{progress}");
    assert_eq!(lesson["questions"], 2, "{progress}");
    let _ = std::fs::remove_dir_all(&home);
}
