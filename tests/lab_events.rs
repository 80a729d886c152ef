//! Event names the lab's clients cannot carry are the lab's concern, not the language's: they
//! parse (Node would send them), and the lab refuses them with a sentence that says why, before
//! anything is sent.
//!
//! Run: `cargo test --test lab_events`.

use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::parse_command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_refuses_events_its_clients_cannot_carry() {
    let mut lab = Lab::start(LabOptions::default())
        .await
        .expect("the lab starts");
    let setup = parse_command("connect alice bob")
        .ok()
        .flatten()
        .expect("parses");
    lab.execute(&setup).await.expect("alice and bob connect");

    let rust_socketio = "the lab's Rust client (rust_socketio) keeps it for itself, so it could not show who received it: pick another name, such as 'chat message' or 'news'";
    let internal = "event names starting with \"sio-tutor:\" belong to the lab itself";
    let cases = [
        ("io.emit('Message')", "Message", rust_socketio),
        (
            "alice: socket.broadcast.emit('open', 1)",
            "open",
            rust_socketio,
        ),
        ("on 'close': io.emit('x')", "close", rust_socketio),
        ("on 'chat': io.emit('error', msg)", "error", rust_socketio),
        ("alice.emit('message', 'hi')", "message", rust_socketio),
        ("io.emit('sio-tutor:sync')", "sio-tutor:sync", internal),
    ];
    let mut failures = Vec::new();
    for (line, event, why) in cases {
        let command = match parse_command(line) {
            Ok(Some(command)) => command,
            other => {
                failures.push(format!("`{line}` should parse, got {other:?}"));
                continue;
            }
        };
        let expected = format!("the lab cannot send the event \"{event}\": {why}");
        match lab.execute(&command).await {
            Err(error) if error.to_string() == expected => {}
            Err(error) => failures.push(format!("`{line}`: {error}")),
            Ok(reports) => failures.push(format!("`{line}` ran: {reports:?}")),
        }
    }
    // A refusal sends nothing: a plain emit afterwards reaches both, and only once.
    let after = parse_command("io.emit('after')")
        .ok()
        .flatten()
        .expect("parses");
    let reports = lab.execute(&after).await.expect("runs");
    let received: Vec<Vec<String>> = reports
        .iter()
        .filter_map(|r| match r {
            sio_tutor::lab::report::Report::Delivery(d) => Some(d.received.clone()),
            _ => None,
        })
        .collect();
    if received != [["alice", "bob"]] {
        failures.push(format!(
            "after the refusals, io.emit delivered {received:?}"
        ));
    }
    lab.shutdown().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
