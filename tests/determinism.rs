//! Repeat-run determinism: the same script gives the same bytes on every run.
//!
//! This is what the acknowledgement barrier promises (no sleeps, so no "usually"): who received
//! an event, in which order sockets are listed, what the server printed. A race anywhere in the
//! lab (a dropped early emit, a sync overtaking a relay, a disconnect not yet seen) shows up here
//! as one run that differs from the others, and the failure prints the first differing line.
//!
//! Run: `cargo test --test determinism`.

mod common;

use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::play::{Session, script};
use sio_tutor::render::View;

/// Two namespaces, overlapping rooms, handlers in both, a client emit nobody handles, asking
/// with a real timeout and answering, a server disconnect and a client disconnect, room maps,
/// and lines that fail.
const SCRIPT: &str = "\
connect alice bob carol
connect dave erin to /tenant-a
socket.onAny((event, ...args) => console.log(event, args))
on 'chat message': io.emit('chat message', msg)
on /tenant-a 'chat message': socket.broadcast.emit('chat message', msg)
alice: socket.join(['room1', 'room2'])
bob: socket.join('room2')
carol: socket.join(['room3', 'room4'])
dave: socket.join('room1')
alice.emit('chat message', 'hi', 2)
dave.emit('chat message', {text: 'tenant', list: [1, null]})
alice: socket.to('room2').emit('news', [1, 2, 3])
bob: socket.broadcast.emit('typing', true)
io.to(\"room1\").to([\"room2\", \"room3\"]).except(\"room4\").emit(\"hello\")
io.of('/tenant-a').to('room1').emit('tenant news', null)
io.to(bob.id).emit('private', {from: 'server'})
io.of('/tenant-a').to(bob.id).emit('nobody')
rooms all
carol.emit('unheard', 1)
alice: socket.broadcast().emit('oops')
bob.on('question', (q, callback) => callback({ok: true}))
io.timeout(250).emitWithAck('question', 'ready?')
io.volatile.emit('position', {x: 1})
bob: socket.broadcast.volatile.emit('position', 2)
on 'ask': callback(msg)
alice.emitWithAck('ask', [1, 2])
alice: socket.disconnect()
disconnect erin
io.emit('after', 1.5)
io.of('/tenant-a').emit('after', 'x')
alice: socket.emit('gone')
rooms
";

/// Lines only a lab that does not serve namespaces on connect can run: a connection to a
/// namespace the server does not have fails, and the client's error is reported.
const CONNECT_ERROR_LINES: &str = "\
connect mallory to /unserved
on /unserved 'x': io.emit('x')
io.of('/unserved').emit('x')
";

const LAB_RUNS: usize = 50;
const BINARY_RUNS: usize = 10;

/// Runs the script on a fresh lab (as `play` does, but with `/tenant-a` declared and no
/// namespace served on connect) and returns the bytes of the view.
async fn run_once(view: View) -> Vec<u8> {
    let lab = Lab::start(LabOptions {
        namespaces: vec!["/tenant-a".to_string()],
        serve_on_connect: false,
        network: false,
    })
    .await
    .expect("the lab starts");
    let mut session = Session { lab };
    let lines = format!("{SCRIPT}{CONNECT_ERROR_LINES}");
    let mut out = Vec::new();
    let all_ok = script::run(
        &mut session,
        lines.lines().map(String::from),
        view,
        &mut out,
    )
    .await
    .expect("writing to memory");
    assert!(!all_ok, "the script has failing lines on purpose");
    session.shutdown().await;
    out
}

/// Panics with the first line that differs between two runs.
fn assert_same(first: &[u8], other: &[u8], what: &str, run: usize) {
    if first == other {
        return;
    }
    let first = String::from_utf8_lossy(first);
    let other = String::from_utf8_lossy(other);
    let mut a = first.lines();
    let mut b = other.lines();
    let mut number = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (x, y) => panic!(
                "{what}: run {run} differs from run 1 at output line {number}:\n    run 1:   {x:?}\n    run {run}: {y:?}\n\nrun 1 in full:\n{first}"
            ),
        }
    }
}

/// The output says what it must, so that "identical" is not "identically empty".
fn assert_meaningful(text: &str) {
    for wanted in [
        "could not connect to /unserved",
        "Invalid namespace",
        "the server disconnected alice",
        "user disconnected  (erin, /tenant-a)",
        "error on line 20",
        "the server does not serve the namespace /unserved",
        "the server has no handler for 'unheard'",
        "bob's own room",
        "carol   no answer: operation has timed out",
        "err.responses holds the 1 answer that came",
        "alice   got the answer [1, 2]",
        "server: unheard [ 1 ]  (carol)",
        "io.volatile.emit",
    ] {
        // Compared with spacing collapsed: the text view wraps long lines to the width.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(text).contains(&words(wanted)),
            "the output lacks {wanted:?}:\n{text}"
        );
    }
    assert!(!text.contains("127.0.0.1"), "a port leaked:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_gives_the_same_bytes_every_run() {
    colored::control::set_override(false);
    let text = run_once(View::Text).await;
    let json = run_once(View::Json).await;
    assert_meaningful(&String::from_utf8_lossy(&text));
    assert!(String::from_utf8_lossy(&json).contains(r#""kind":"connect_error""#));
    for run in 2..=LAB_RUNS {
        assert_same(&text, &run_once(View::Text).await, "text view", run);
        assert_same(&json, &run_once(View::Json).await, "JSON view", run);
    }
}

fn play_binary(args: &[&str]) -> (Vec<u8>, Option<i32>) {
    let output = common::play(args, SCRIPT);
    (output.stdout, output.status.code())
}

#[test]
fn the_binary_gives_the_same_bytes_every_run() {
    for args in [&[][..], &["--json"][..]] {
        let (first, status) = play_binary(args);
        assert_eq!(status, Some(1), "line 19 fails on purpose");
        let text = String::from_utf8_lossy(&first);
        assert!(
            text.contains("user disconnected") && text.contains("hello"),
            "{text}"
        );
        assert!(!text.contains("127.0.0.1"), "a port leaked:\n{text}");
        for run in 2..=BINARY_RUNS {
            let (other, status) = play_binary(args);
            assert_eq!(status, Some(1));
            assert_same(&first, &other, &format!("sio-tutor play {args:?}"), run);
        }
    }
}

/// `connect` with many names connects them in parallel, but reports the server's proof-of-life
/// lines and lists the sockets in the written order, so its bytes are the same on every run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_connect_keeps_the_written_order() {
    use sio_tutor::lab::report::Report;
    let names: Vec<String> = (0..200).map(|i| format!("s{i:03}")).collect();
    for _ in 0..3 {
        let mut lab = Lab::start(LabOptions {
            namespaces: Vec::new(),
            serve_on_connect: true,
            network: false,
        })
        .await
        .expect("the lab starts");
        let connect = sio_tutor::script::parse_command(&format!("connect {}", names.join(" ")))
            .expect("the line parses")
            .expect("the line is a command");
        let reports = lab.execute(&connect).await.expect("200 sockets connect");
        let logged: Vec<String> = reports
            .iter()
            .map(|r| match r {
                Report::ServerLog(l) if l.line == "a user connected" => l.socket.clone(),
                other => panic!("connect reported {other:?}"),
            })
            .collect();
        assert_eq!(logged, names, "proof-of-life lines in the written order");
        let listed: Vec<String> = lab.sockets().into_iter().map(|(name, _)| name).collect();
        assert_eq!(listed, names);
        let emit = sio_tutor::script::parse_command("io.emit('x', 1)")
            .unwrap()
            .unwrap();
        let reports = lab.execute(&emit).await.expect("the emit runs");
        let received = reports.iter().find_map(|r| match r {
            Report::Delivery(d) => Some(d.received.clone()),
            _ => None,
        });
        assert_eq!(received, Some(names.clone()));
        lab.shutdown().await;
    }
}
