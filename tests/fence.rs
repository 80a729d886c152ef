//! The lab's fence (`sio_tutor::lab`, "How bob did NOT receive it is proven"): when a command
//! returns, every delivery of it is in the record, however many sockets there are, and nothing
//! of the next command leaks into it.
//!
//! These are the tests that fail when the fence is taken out (the lab returns before the events
//! arrive) or emitted before the statement (it then proves nothing about the statement): seen
//! both ways, by breaking `Lab::barrier` and `Lab::run` on purpose, and by sending a client
//! event's pending fence before its handler runs (`server::on_client_event`).
//!
//! Run: `cargo test --test fence`.

use sio_tutor::lab::report::{Delivery, Report};
use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, parse_command};

const SOCKETS: usize = 100;
const RUNS: usize = 200;

fn command(line: &str) -> Command {
    parse_command(line)
        .unwrap_or_else(|e| panic!("`{line}`: {e}"))
        .unwrap_or_else(|| panic!("`{line}` is blank"))
}

fn delivery(reports: &[Report]) -> &Delivery {
    let deliveries: Vec<&Delivery> = reports
        .iter()
        .filter_map(|r| match r {
            Report::Delivery(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(deliveries.len(), 1, "one event, one record: {reports:?}");
    deliveries[0]
}

async fn lab_with(names: &[String]) -> Lab {
    let mut lab = Lab::start(LabOptions::default())
        .await
        .expect("the lab starts");
    lab.execute(&command(&format!("connect {}", names.join(" "))))
        .await
        .expect("the sockets connect");
    lab
}

/// A server-side emit to every socket, and one to every socket but the sender: each run's
/// record holds exactly its own recipients, each once, with this run's argument.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_is_recorded_when_a_statement_returns() {
    let names: Vec<String> = (0..SOCKETS).map(|i| format!("s{i:03}")).collect();
    let mut lab = lab_with(&names).await;
    for run in 0..RUNS {
        let line = if run % 2 == 0 {
            format!("io.emit('x', {run})")
        } else {
            format!("s000: socket.broadcast.emit('x', {run})")
        };
        let reports = lab.execute(&command(&line)).await.expect("it runs");
        let record = delivery(&reports);
        let expected: Vec<String> = if run % 2 == 0 {
            names.clone()
        } else {
            names[1..].to_vec()
        };
        assert_eq!(record.received, expected, "run {run}: `{line}`");
        assert_eq!(record.args, vec![serde_json::json!(run)], "run {run}");
    }
    lab.shutdown().await;
}

/// A client's emit, relayed by a handler: the relay is recorded too (the handler sends the
/// fence the lab left pending after its relay's emit has returned). Seen failing with the fence
/// sent at the start of the handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_client_emit_is_recorded_when_it_returns() {
    let names: Vec<String> = (0..SOCKETS).map(|i| format!("s{i:03}")).collect();
    let mut lab = lab_with(&names).await;
    lab.execute(&command(
        "on 'chat message': socket.broadcast.emit('chat message', msg)",
    ))
    .await
    .expect("the handler is set");
    for run in 0..RUNS {
        let sender = &names[run % SOCKETS];
        let line = format!("{sender}.emit('chat message', {run})");
        let reports = lab.execute(&command(&line)).await.expect("it runs");
        let record = delivery(&reports);
        let expected: Vec<String> = names.iter().filter(|n| *n != sender).cloned().collect();
        assert_eq!(record.received, expected, "run {run}: `{line}`");
        assert_eq!(record.args, vec![serde_json::json!(run)], "run {run}");
    }
    lab.shutdown().await;
}
