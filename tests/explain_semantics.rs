//! `explain` predicts, without running anything, who would receive a statement. This table
//! checks every prediction against what the real lab then delivers: one scenario (two
//! namespaces, overlapping rooms), every form of the language, one row each. A row that changes
//! the lab (a join, a leave, a disconnect) changes it for the rows below, and explain must keep
//! up.

use sio_tutor::lab::report::Report;
use sio_tutor::lab::{Lab, LabError, LabOptions};
use sio_tutor::play::explain::{ExplainError, Scene, explain_command};
use sio_tutor::script::parse_command;

/// The lab before the first row.
const SETUP: &[&str] = &[
    "connect alice bob carol dave erin",
    "connect frank grace to /tenant-a",
    "alice: socket.join(['room1', 'room2'])",
    "bob: socket.join('room1')",
    "carol: socket.join(['room2', 'room3'])",
    "dave: socket.join(['room4', 'room1'])",
    "frank: socket.join('room1')",
    "grace: socket.join('room5')",
    "on 'chat message': socket.broadcast.emit('chat message', msg)",
    "on 'to room1': io.to('room1').emit('news', msg)",
    "on /tenant-a 'chat message': socket.to('room1').emit('chat message', msg)",
];

/// What a row should do.
#[derive(Debug, PartialEq)]
enum Expected {
    /// These sockets receive the event (connection order).
    Receive(&'static [&'static str]),
    /// Nothing is sent (a membership change, or an event with no handler).
    Nothing,
    /// The lab refuses the statement.
    Fails,
}
use Expected::{Fails, Nothing, Receive};

const ROWS: &[(&str, Expected)] = &[
    // socket.emit: only the sender, whatever its rooms.
    ("alice: socket.emit('hello')", Receive(&["alice"])),
    ("frank: socket.emit('hello', 1, 'two')", Receive(&["frank"])),
    // Broadcasts from a socket leave the sender out.
    (
        "alice: socket.broadcast.emit('hello')",
        Receive(&["bob", "carol", "dave", "erin"]),
    ),
    (
        "alice: socket.to('room1').emit('hello')",
        Receive(&["bob", "dave"]),
    ),
    (
        "alice: socket.in('room1').emit('hello')",
        Receive(&["bob", "dave"]),
    ),
    (
        "bob: socket.to('room1').emit('hello')",
        Receive(&["alice", "dave"]),
    ),
    (
        "alice: socket.to('room3').emit('hello')",
        Receive(&["carol"]),
    ),
    (
        "alice: socket.to(['room2', 'room3']).emit('hello')",
        Receive(&["carol"]),
    ),
    (
        "bob: socket.to(['room2', 'room3']).emit('hello')",
        Receive(&["alice", "carol"]),
    ),
    (
        "alice: socket.broadcast.to('room1').emit('hello')",
        Receive(&["bob", "dave"]),
    ),
    (
        "alice: socket.except('room1').emit('hello')",
        Receive(&["carol", "erin"]),
    ),
    (
        "alice: socket.except(['room1', 'room3']).emit('hello')",
        Receive(&["erin"]),
    ),
    (
        "bob: socket.broadcast.except('room2').emit('hello')",
        Receive(&["dave", "erin"]),
    ),
    (
        "alice: socket.to('room1').except('room4').emit('hello')",
        Receive(&["bob"]),
    ),
    (
        "alice: socket.to('room1').to('room3').emit('hello')",
        Receive(&["bob", "carol", "dave"]),
    ),
    ("alice: socket.to('nowhere').emit('hello')", Receive(&[])),
    ("alice: socket.to(socket.id).emit('hello')", Receive(&[])),
    ("alice: socket.to(bob.id).emit('hello')", Receive(&["bob"])),
    (
        "alice: socket.to([bob.id, 'room3']).emit('hello')",
        Receive(&["bob", "carol"]),
    ),
    ("alice: socket.to(frank.id).emit('hello')", Receive(&[])),
    ("frank: socket.broadcast.emit('hello')", Receive(&["grace"])),
    ("frank: socket.to('room1').emit('hello')", Receive(&[])),
    (
        "grace: socket.to('room1').emit('hello')",
        Receive(&["frank"]),
    ),
    // io: the main namespace unless io.of says otherwise.
    (
        "io.emit('hello')",
        Receive(&["alice", "bob", "carol", "dave", "erin"]),
    ),
    (
        "io.of('/').emit('hello')",
        Receive(&["alice", "bob", "carol", "dave", "erin"]),
    ),
    (
        "io.to('room1').emit('hello')",
        Receive(&["alice", "bob", "dave"]),
    ),
    (
        "io.in('room1').emit('hello')",
        Receive(&["alice", "bob", "dave"]),
    ),
    (
        "io.to(['room1', 'room3']).emit('hello')",
        Receive(&["alice", "bob", "carol", "dave"]),
    ),
    (
        "io.except('room1').emit('hello')",
        Receive(&["carol", "erin"]),
    ),
    (
        "io.except(['room1', 'room2']).emit('hello')",
        Receive(&["erin"]),
    ),
    (
        "io.to(\"room1\").to([\"room2\",\"room3\"]).except(\"room4\").emit(\"hello\")",
        Receive(&["alice", "bob", "carol"]),
    ),
    ("io.to('room1').except('room1').emit('hello')", Receive(&[])),
    (
        "io.in('room4').in('room5').emit('hello')",
        Receive(&["dave"]),
    ),
    (
        "io.to('room2').except(alice.id).emit('hello')",
        Receive(&["carol"]),
    ),
    (
        "io.of('/tenant-a').emit('hello')",
        Receive(&["frank", "grace"]),
    ),
    (
        "io.of('/tenant-a').to('room1').emit('hello')",
        Receive(&["frank"]),
    ),
    (
        "io.of('/tenant-a').except('room5').emit('hello')",
        Receive(&["frank"]),
    ),
    (
        "io.of('/tenant-a').to(['room1', 'room5']).except(grace.id).emit('hi')",
        Receive(&["frank"]),
    ),
    ("io.to(bob.id).emit('hello')", Receive(&["bob"])),
    (
        "io.to([bob.id, carol.id]).emit('hello')",
        Receive(&["bob", "carol"]),
    ),
    ("io.to(frank.id).emit('hello')", Receive(&[])),
    (
        "io.of('/tenant-a').to(frank.id).emit('hello')",
        Receive(&["frank"]),
    ),
    ("alice: io.to(socket.id).emit('hello')", Receive(&["alice"])),
    (
        "alice: io.except(socket.id).emit('hello')",
        Receive(&["bob", "carol", "dave", "erin"]),
    ),
    (
        "alice: io.emit('hello')",
        Receive(&["alice", "bob", "carol", "dave", "erin"]),
    ),
    // A client's emit reaches the server; its handler decides, running as the sender.
    (
        "alice.emit('chat message', 'hi')",
        Receive(&["bob", "carol", "dave", "erin"]),
    ),
    (
        "erin.emit('to room1', 'hi')",
        Receive(&["alice", "bob", "dave"]),
    ),
    ("grace.emit('chat message', 'hi')", Receive(&["frank"])),
    ("alice.emit('no handler', 'hi')", Nothing),
    ("frank.emit('to room1', 'hi')", Nothing),
    // Membership changes send nothing, and the rows below see the new rooms.
    ("erin: socket.join('room3')", Nothing),
    ("io.to('room3').emit('hello')", Receive(&["carol", "erin"])),
    ("bob: socket.leave('room1')", Nothing),
    ("io.to('room1').emit('hello')", Receive(&["alice", "dave"])),
    (
        "alice: socket.to('room1').emit('hello')",
        Receive(&["dave"]),
    ),
    ("dave: socket.join(['room2', 'room3'])", Nothing),
    (
        "io.to('room2').except('room3').emit('hello')",
        Receive(&["alice"]),
    ),
    ("carol: socket.disconnect()", Nothing),
    (
        "io.emit('hello')",
        Receive(&["alice", "bob", "dave", "erin"]),
    ),
    ("io.to('room3').emit('hello')", Receive(&["dave", "erin"])),
    // What the lab refuses, explain refuses, for the same reason.
    ("io.to(zed.id).emit('hello')", Fails),
    ("zed: socket.emit('hello')", Fails),
    ("carol: socket.emit('hello')", Fails),
    // As in Node, a departed socket's id still names a room: an empty one.
    ("io.to(carol.id).emit('hello')", Receive(&[])),
    // io.of creates the namespace, as in Node: nobody is in it (issue 10, item 3).
    ("io.of('/nowhere').emit('hello')", Receive(&[])),
    ("zed.emit('chat message', 'hi')", Fails),
];

/// What running a line did, in the same terms.
fn delivered(result: &Result<Vec<Report>, LabError>) -> Result<Option<Vec<String>>, LabError> {
    let reports = result.as_ref().map_err(Clone::clone)?;
    Ok(reports.iter().find_map(|report| match report {
        Report::Delivery(delivery) => Some(delivery.received.clone()),
        _ => None,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_agrees_with_the_lab_on_every_row() {
    let mut lab = Lab::start(LabOptions {
        namespaces: vec!["/tenant-a".into()],
        serve_on_connect: false,
    })
    .await
    .expect("the lab starts");
    for line in SETUP {
        let command = parse_command(line)
            .unwrap_or_else(|e| panic!("setup line {line:?} does not parse: {e}"))
            .expect("a command");
        lab.execute(&command)
            .await
            .unwrap_or_else(|e| panic!("setup line {line:?} failed: {e}"));
    }

    let mut failures = Vec::new();
    for (index, (line, expected)) in ROWS.iter().enumerate() {
        let row = format!("row {} `{line}`", index + 1);
        let command = parse_command(line)
            .unwrap_or_else(|e| panic!("{row} does not parse: {e}"))
            .expect("a command");
        let scene = Scene::read(&lab).await;
        let predicted = explain_command(&scene, &command);
        let ran = delivered(&lab.execute(&command).await);

        // explain and the lab agree...
        let agree = match (&predicted, &ran) {
            (Ok(explanation), Ok(received)) => {
                explanation.recipients().map(<[String]>::to_vec) == *received
            }
            (Err(ExplainError::Lab(predicted)), Err(ran)) => predicted == ran,
            _ => false,
        };
        if !agree {
            failures.push(format!(
                "{row}: explain said {:?}, the lab did {ran:?}",
                predicted
                    .as_ref()
                    .map(|e| e.recipients().map(<[String]>::to_vec))
            ));
            continue;
        }
        // ... and both say what the row says.
        let actual = match &ran {
            Ok(Some(received)) => format!("{received:?}"),
            Ok(None) => format!("{Nothing:?}"),
            Err(_) => format!("{Fails:?}"),
        };
        let wanted = match expected {
            Receive(names) => format!("{names:?}"),
            other => format!("{other:?}"),
        };
        if actual != wanted {
            failures.push(format!("{row}: expected {wanted}, both said {actual}"));
        }
    }
    lab.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} rows disagree:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}
