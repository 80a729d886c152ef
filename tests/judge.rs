//! The judge of write steps, as a table: (reference, attempt, verdict), each attempt run on a
//! real shadow lab. An empty verdict means right; otherwise the differences the learner is shown,
//! in order. One loop; a failure names the row.

use sio_tutor::judge::{Judge, JudgeError, describe};
use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, parse_command};

/// The lab every row starts from: ann and bob in 'lab', carol in no room, dave on /tenant-a,
/// the chat example's relay as the handler for 'chat message', ann and bob answering 'ready',
/// and a server handler that answers 'save'.
const SETUP: &[&str] = &[
    "connect ann bob carol",
    "connect dave to /tenant-a",
    "ann: socket.join('lab')",
    "bob: socket.join('lab')",
    "on 'chat message': io.emit('chat message', msg)",
    "ann.on('ready', (q, callback) => callback('yes'))",
    "bob.on('ready', (q, callback) => callback('no'))",
    "on 'save': callback('saved')",
];

const RIGHT: &[&str] = &[];

/// (reference, attempt, the differences shown; none when the attempt is right).
const TABLE: &[(&str, &str, &[&str])] = &[
    // Equivalent forms, written differently.
    (
        "ann: socket.to('lab').emit('ping')",
        "io.in('lab').except(ann.id).emit('ping')",
        RIGHT,
    ),
    (
        "ann: socket.to('lab').emit('ping')",
        "ann: socket.in('lab').emit('ping')",
        RIGHT,
    ),
    (
        "ann: socket.broadcast.emit('ping')",
        "io.except(ann.id).emit('ping')",
        RIGHT,
    ),
    (
        "io.to(bob.id).emit('dm', 'hi')",
        "bob: socket.emit('dm', \"hi\")",
        RIGHT,
    ),
    (
        "ann.emit('chat message', 'hi')",
        "io.emit('chat message', 'hi')",
        RIGHT,
    ),
    (
        "io.of('/tenant-a').emit('hi')",
        "dave: socket.emit('hi')",
        RIGHT,
    ),
    // Near misses: one socket too many, one missing, wrong event, wrong argument.
    (
        "ann: socket.to('lab').emit('ping')",
        "io.to('lab').emit('ping')",
        &["reached but should not have: ann"],
    ),
    (
        "io.emit('ping')",
        "ann: socket.broadcast.emit('ping')",
        &["missed (should have received it): ann"],
    ),
    (
        "io.to('lab').emit('ping')",
        "bob: socket.broadcast.emit('ping')",
        &[
            "reached but should not have: carol",
            "missed (should have received it): bob",
        ],
    ),
    (
        "ann: socket.to('lab').emit('ping')",
        "ann: socket.to('lab').emit('pong')",
        &["the event is 'pong'; the goal sends 'ping'"],
    ),
    (
        "ann: socket.to('lab').emit('ping', 1)",
        "ann: socket.to('lab').emit('ping', '1')",
        &["the arguments are (\"1\"); the goal sends (1)"],
    ),
    (
        "io.of('/tenant-a').emit('hi')",
        "io.emit('hi')",
        &[
            "it went out on /; the goal is on /tenant-a",
            "reached but should not have: ann, bob, carol",
            "missed (should have received it): dave",
        ],
    ),
    (
        "io.emit('ping')",
        "carol.emit('ping')",
        &["it sent nothing; the goal sends 'ping'"],
    ),
    // Membership: judged by the room map afterwards.
    (
        "carol: socket.join('lab')",
        "carol: socket.join(['lab'])",
        RIGHT,
    ),
    (
        "carol: socket.join('lab')",
        "carol: socket.join('lab2')",
        &[
            "carol should be in 'lab' on /, and is not",
            "carol is in 'lab2' on /, and should not be",
        ],
    ),
    (
        "carol: socket.join('lab')",
        "io.to('lab').emit('join')",
        &[
            "it sent 'join'; the goal sends nothing, it changes rooms",
            "carol should be in 'lab' on /, and is not",
        ],
    ),
    (
        "ann: socket.leave('lab')",
        "ann: socket.leave(\"lab\")",
        RIGHT,
    ),
    (
        "ann: socket.leave('lab')",
        "bob: socket.leave('lab')",
        &[
            "bob should be in 'lab' on /, and is not",
            "ann is in 'lab' on /, and should not be",
        ],
    ),
    // Leaving a room one is not in changes nothing; so does the goal of staying put.
    (
        "carol: socket.leave('lab')",
        "carol: socket.leave('other')",
        RIGHT,
    ),
    (
        "carol: socket.join(bob.id)",
        "carol: socket.join('bob')",
        &[
            "carol should be in 'bob's own room' on /, and is not",
            "carol is in 'bob' on /, and should not be",
        ],
    ),
    (
        "bob: socket.disconnect()",
        "bob: socket.disconnect()",
        RIGHT,
    ),
    // Acknowledgements (issue 15): asking for answers is part of the outcome, with its timeout;
    // a client's emitWithAck is judged by who asks, what, and the answer it gets.
    (
        "io.to('lab').timeout(100).emitWithAck('ready', 'x')",
        "io.in('lab').timeout(100).emitWithAck('ready', \"x\")",
        RIGHT,
    ),
    (
        "io.to('lab').timeout(100).emitWithAck('ready', 'x')",
        "io.to('lab').emit('ready', 'x')",
        &[
            "it asks for no answer; the goal waits for each socket's answer (timeout(...).emitWithAck)",
        ],
    ),
    (
        "io.to('lab').emit('ready', 'x')",
        "io.to('lab').timeout(100).emitWithAck('ready', 'x')",
        &["it waits for answers (emitWithAck); the goal only sends"],
    ),
    (
        "io.to('lab').timeout(100).emitWithAck('ready', 'x')",
        "io.to('lab').timeout(200).emitWithAck('ready', 'x')",
        &["it waits 200 ms for the answers; the goal waits 100 ms"],
    ),
    (
        "ann.emitWithAck('save', 'hi')",
        "ann.emitWithAck('save', \"hi\")",
        RIGHT,
    ),
    (
        "ann.emitWithAck('save', 'hi')",
        "bob.emitWithAck('save', 'hi')",
        &["bob asks 'save' 'hi' and gets 'saved'; the goal: ann asks 'save' 'hi' and gets 'saved'"],
    ),
    (
        "ann.emitWithAck('save', 'hi')",
        "io.emit('save', 'hi')",
        &["no client asks for an answer; the goal: ann asks 'save' 'hi' and gets 'saved'"],
    ),
    // volatile is part of the outcome: the same recipients, but the server may drop it.
    (
        "ann: socket.broadcast.volatile.emit('position', 1)",
        "io.volatile.except(ann.id).emit('position', 1)",
        RIGHT,
    ),
    (
        "ann: socket.broadcast.volatile.emit('position', 1)",
        "ann: socket.broadcast.emit('position', 1)",
        &["it is an ordinary emit; the goal is volatile (the server may drop it)"],
    ),
    (
        "io.emit('news', 1)",
        "io.volatile.emit('news', 1)",
        &["it is volatile (the server may drop it); the goal must not be"],
    ),
    (
        "bob: socket.disconnect()",
        "carol: socket.disconnect()",
        &[
            "carol should still be connected to /",
            "bob should have been disconnected from /",
            "bob is in 'lab' on /, and should not be",
        ],
    ),
];

fn command(line: &str) -> Command {
    match parse_command(line) {
        Ok(Some(command)) => command,
        other => panic!("{line:?} does not parse: {other:?}"),
    }
}

fn setup() -> Vec<Command> {
    SETUP.iter().map(|line| command(line)).collect()
}

fn namespaces() -> Vec<String> {
    vec!["/tenant-a".to_string()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_judge_compares_outcomes_not_text() {
    let mut failures = Vec::new();
    for (reference, attempt, expected) in TABLE {
        let judge = Judge::new(
            &LabOptions::serving(&namespaces()),
            setup(),
            &command(reference),
        )
        .await
        .unwrap_or_else(|error| panic!("the reference {reference:?} fails: {error}"));
        let judgement = judge
            .judge(&command(attempt))
            .await
            .unwrap_or_else(|error| panic!("the attempt {attempt:?} fails: {error}"));
        let found: Vec<String> = judgement.differences.iter().map(describe).collect();
        if found != *expected {
            failures.push(format!(
                "reference {reference:?}, attempt {attempt:?}:\n  expected {expected:?}\n  found    {found:?}"
            ));
        }
        assert_eq!(judgement.right(), expected.is_empty());
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_an_attempt() {
    // A parse error never reaches the judge: the tutor shows the caret and asks again.
    assert!(parse_command("io.emit('ping'").is_err());
    let judge = Judge::new(
        &LabOptions::serving(&namespaces()),
        setup(),
        &command("io.emit('ping')"),
    )
    .await
    .expect("the reference runs");
    // A lab command has no outcome to compare.
    assert_eq!(
        judge.judge(&command("rooms")).await,
        Err(JudgeError::NotAStatement)
    );
    assert_eq!(
        judge.judge(&command("connect erin")).await,
        Err(JudgeError::NotAStatement)
    );
    // A line the lab refuses is an error to show, not a wrong answer.
    assert!(matches!(
        judge.judge(&command("zed: socket.emit('ping')")).await,
        Err(JudgeError::Refused(_))
    ));
    assert!(matches!(
        judge
            .judge(&command("zed.emit('chat message', 'hi')"))
            .await,
        Err(JudgeError::Refused(_))
    ));
    // A plain emit to a handler that answers: Node throws (callback is not a function).
    assert!(matches!(
        judge.judge(&command("ann.emit('save', 'hi')")).await,
        Err(JudgeError::Refused(
            sio_tutor::lab::LabError::NotAFunction { .. }
        ))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_attempt_leaves_every_lab_as_it_was() {
    // The learner's lab, built as the tutor builds it.
    let mut lab = Lab::start(LabOptions::serving(&namespaces()))
        .await
        .expect("a lab");
    for line in setup() {
        lab.execute(&line).await.expect("setup");
    }
    let before = lab.room_map(true).await;

    let judge = Judge::new(
        &LabOptions::serving(&namespaces()),
        setup(),
        &command("carol: socket.join('lab')"),
    )
    .await
    .expect("the reference runs");
    // Wrong attempts that would change the lab: a join, a leave, a disconnect.
    for attempt in [
        "carol: socket.join('lab2')",
        "ann: socket.leave('lab')",
        "ann: socket.disconnect()",
    ] {
        let judgement = judge.judge(&command(attempt)).await.expect("judged");
        assert!(!judgement.right(), "{attempt} is wrong");
    }
    // None of them leaked: not into the learner's lab...
    assert_eq!(lab.room_map(true).await, before);
    // ...nor into the next attempt, which starts from the lesson's state again (ann is still
    // connected and in 'lab', carol in no room).
    let judgement = judge
        .judge(&command("carol: socket.join(['lab'])"))
        .await
        .expect("judged");
    assert!(judgement.right(), "{:?}", judgement.differences);
    // The learner's lab still delivers as before: ann and bob are in 'lab'.
    let reports = lab
        .execute(&command("io.to('lab').emit('ping')"))
        .await
        .expect("runs");
    assert_eq!(
        sio_tutor::lab::report::Report::received_by(&reports),
        vec!["ann".to_string(), "bob".to_string()]
    );
    lab.shutdown().await;
}
