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

async fn run(
    lab: &mut Lab,
    line: &str,
) -> Result<Vec<sio_tutor::lab::report::Report>, sio_tutor::lab::LabError> {
    let command = parse_command(line).ok().flatten().expect("parses");
    lab.execute(&command).await
}

/// The network reasons come from the network: `cut` closes the connection under the client and
/// the server says `transport close`; `silence` closes nothing, and the server says `ping
/// timeout` only once its own heartbeat gave up, so the lab cannot have returned sooner than the
/// ping timeout. A lab without its own network refuses both with a sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_and_silence_give_the_servers_own_reasons() {
    use sio_tutor::lab::NETWORK_HEARTBEAT;
    use sio_tutor::lab::report::Report;
    let mut lab = Lab::start(LabOptions {
        network: true,
        ..LabOptions::default()
    })
    .await
    .expect("the lab starts");
    for line in [
        "connect alice bob carol",
        "on 'disconnect': io.emit('left', reason)",
    ] {
        run(&mut lab, line).await.expect("the setup runs");
    }
    let said = |reports: &[Report]| -> Vec<(String, Vec<String>)> {
        reports
            .iter()
            .filter_map(|r| match r {
                Report::Delivery(d) => Some((d.args[0].to_string(), d.received.clone())),
                _ => None,
            })
            .collect()
    };

    let reports = run(&mut lab, "cut alice").await.expect("cut runs");
    assert_eq!(
        said(&reports),
        [(
            "\"transport close\"".to_string(),
            vec!["bob".to_string(), "carol".to_string()]
        )]
    );

    let started = std::time::Instant::now();
    let reports = run(&mut lab, "silence bob").await.expect("silence runs");
    let waited = started.elapsed();
    assert_eq!(
        said(&reports),
        [("\"ping timeout\"".to_string(), vec!["carol".to_string()])]
    );
    assert!(
        waited >= NETWORK_HEARTBEAT.1,
        "the server cannot time out before its ping timeout; the lab returned after {waited:?}"
    );
    assert_eq!(lab.sockets(), [("carol".to_string(), "/".to_string())]);
    lab.shutdown().await;

    let mut plain = Lab::start(LabOptions::default())
        .await
        .expect("the lab starts");
    run(&mut plain, "connect dave")
        .await
        .expect("dave connects");
    let refused = run(&mut plain, "cut dave")
        .await
        .expect_err("no network to cut");
    assert!(refused.to_string().contains("network = true"), "{refused}");
    plain.shutdown().await;
}
