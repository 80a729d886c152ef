//! `explain` says, without running anything, who would receive a statement. This test checks
//! every prediction against what the real lab then delivers, over the one semantics table
//! (`tests/semantics/table.toml`): its scenario, then every row in order, explained first and
//! run after. A row that changes the lab (a join, a leave, a disconnect, a handler) changes it
//! for the rows below, and explain must keep up. Refusals are checked too: what the lab refuses,
//! explain refuses with the same error.
//!
//! Run: `cargo test --test explain_semantics`.

use serde::Deserialize;
use sio_tutor::lab::report::{Report, is_departure};
use sio_tutor::lab::{Lab, LabError, LabOptions};
use sio_tutor::render::explain::{ExplainError, explain_command};
use sio_tutor::script::{Command, parse_command};

const TABLE: &str = "tests/semantics/table.toml";

#[derive(Deserialize)]
struct Table {
    namespaces: Vec<String>,
    sockets: Vec<Socket>,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct Socket {
    name: String,
    namespace: String,
    rooms: Vec<String>,
}

#[derive(Deserialize)]
struct Row {
    line: String,
    received: Vec<String>,
}

/// Lines the lab refuses after the table has run (carol and dave are gone by then); explain must
/// refuse each with the same error.
const REFUSED: &[&str] = &[
    "io.to(zed.id).emit('hello')",
    "zed: socket.emit('hello')",
    "dave: socket.emit('hello')",
    "zed.emit('chat message', 'hi')",
    // An emitWithAck nothing answers: in Node its promise would never settle.
    "alice.emitWithAck('nobody handles this', 1)",
    "alice.emitWithAck('chat message', 'hi')",
];

fn command(line: &str) -> Command {
    match parse_command(line) {
        Ok(Some(command)) => command,
        other => panic!("`{line}` is not a command: {other:?}"),
    }
}

/// What running a line did: who received its (first) delivery; `None` when nothing was sent.
fn delivered(result: &Result<Vec<Report>, LabError>) -> Result<Option<Vec<String>>, LabError> {
    let reports = result.as_ref().map_err(Clone::clone)?;
    // A departure handler's delivery is not the statement's: explain previews the statement.
    Ok(reports.iter().find_map(|report| match report {
        Report::Delivery(delivery) if !is_departure(delivery) => Some(delivery.received.clone()),
        _ => None,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_agrees_with_the_lab_on_every_table_row() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    let text = std::fs::read_to_string(&path).expect("the semantics table is readable");
    let table: Table = toml::from_str(&text).expect("the semantics table parses");
    let mut lab = Lab::start(LabOptions::serving(
        &table
            .namespaces
            .iter()
            .filter(|n| *n != "/")
            .cloned()
            .collect::<Vec<_>>(),
    ))
    .await
    .expect("the lab starts");
    let mut setup: Vec<String> = table
        .sockets
        .iter()
        .map(|s| format!("connect {} to {}", s.name, s.namespace))
        .collect();
    for socket in table.sockets.iter().filter(|s| !s.rooms.is_empty()) {
        let rooms: Vec<String> = socket.rooms.iter().map(|r| format!("'{r}'")).collect();
        setup.push(format!(
            "{}: socket.join([{}])",
            socket.name,
            rooms.join(", ")
        ));
    }
    for line in &setup {
        lab.execute(&command(line))
            .await
            .unwrap_or_else(|e| panic!("setting up, `{line}` failed: {e}"));
    }

    let mut failures = Vec::new();
    let mut explained = 0;
    for (index, row) in table.rows.iter().enumerate() {
        let name = format!("row {} `{}`", index + 1, row.line);
        let command = command(&row.line);
        let predicted = explain_command(&lab, &command);
        let result = lab.execute(&command).await;
        // The table's `received` of a row that makes a socket leave is what its departure
        // handler sent, which explain does not preview.
        let departed = result.as_ref().is_ok_and(|reports| {
            reports
                .iter()
                .any(|r| matches!(r, Report::Delivery(d) if is_departure(d)))
        });
        let ran = delivered(&result);
        let predicted = match predicted {
            // `on` and the like are not statements: nothing to explain, the lab just runs them.
            Err(ExplainError::NotAStatement) => continue,
            Ok(explanation) => explanation.recipients().map(<[String]>::to_vec),
            Err(error) => {
                failures.push(format!(
                    "{name}: explain failed ({error}), the lab did {ran:?}"
                ));
                continue;
            }
        };
        explained += 1;
        match ran {
            Ok(received) if received == predicted => {
                let wanted = (!row.received.is_empty()).then(|| row.received.clone());
                // A row that sends nothing expects []; a delivery to nobody is an emit too.
                if !departed
                    && received.clone().unwrap_or_default() != row.received
                    && received != wanted
                {
                    failures.push(format!(
                        "{name}: the table says {:?}, both said {received:?}",
                        row.received
                    ));
                }
            }
            other => failures.push(format!(
                "{name}: explain said {predicted:?}, the lab did {other:?}"
            )),
        }
    }
    assert!(explained > 50, "only {explained} rows were explained");

    for line in REFUSED {
        let command = command(line);
        let predicted = explain_command(&lab, &command);
        let ran = lab.execute(&command).await;
        match (predicted, ran) {
            (Err(ExplainError::Lab(predicted)), Err(ran)) if predicted == ran => {}
            (predicted, ran) => failures.push(format!(
                "`{line}`: explain said {predicted:?}, the lab did {:?}",
                ran.map(|_| "ran")
            )),
        }
    }
    lab.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Node leaves out the room named by the sender's id, not the sender: explain says so when the
/// two differ (issue 10, item 1), and its recipients are the lab's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_the_senders_own_room_when_it_is_not_just_the_sender() {
    let mut lab = Lab::start(LabOptions::default())
        .await
        .expect("the lab starts");
    for line in [
        "connect alice bob carol",
        "alice: socket.leave(socket.id)",
        "bob: socket.join(carol.id)",
    ] {
        lab.execute(&command(line)).await.expect(line);
    }
    let last_step = |line: &str| {
        let explanation = explain_command(&lab, &command(line)).expect(line);
        let step = explanation.steps.last().expect("a step").what.clone();
        let receive = explanation.recipients().map(<[String]>::to_vec);
        (step, receive)
    };
    let (step, receive) = last_step("alice: socket.broadcast.emit('x')");
    assert_eq!(
        step,
        "leave out everyone in alice's own room, alice.id (nobody: alice left it)"
    );
    assert_eq!(
        receive,
        Some(vec!["alice".into(), "bob".into(), "carol".into()])
    );
    let (step, receive) = last_step("carol: socket.broadcast.emit('x')");
    assert_eq!(
        step,
        "leave out everyone in carol's own room, carol.id (bob, carol)"
    );
    assert_eq!(receive, Some(vec!["alice".into()]));
    let (step, _) = last_step("bob: socket.broadcast.emit('x')");
    assert_eq!(step, "leave out the sender, bob");
    lab.shutdown().await;
}

/// `explain` knows the forms of lessons 6 and 7: what a middleware does, where `socket.data`
/// and `socket.handshake.auth` come from (with their values for the socket), and the departure
/// handlers a server-side disconnect runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_middleware_socket_data_and_departures() {
    use sio_tutor::render::explain::{DEPARTURE, MIDDLEWARE, SOCKET_DATA, text};
    colored::control::set_override(false);
    let mut lab = Lab::start(LabOptions::serving(&[]))
        .await
        .expect("the lab starts");
    for line in [
        "io.use((socket, next) => { socket.data.user = socket.handshake.auth.name; next(); })",
        "connect alice with auth {name: 'Alice', token: 'abc'}",
        "on 'disconnecting': io.emit('leaving', reason)",
    ] {
        lab.execute(&command(line)).await.expect("the setup runs");
    }
    let explained = |line: &str| {
        let explanation = explain_command(&lab, &command(line)).expect("explained");
        (
            explanation
                .steps
                .iter()
                .map(|s| s.rule.form)
                .collect::<Vec<_>>(),
            text(&explanation),
        )
    };

    let (rules, said) = explained(
        "io.use((socket, next) => socket.handshake.auth.token === 'abc' ? next() : next(new Error('no')))",
    );
    assert_eq!(rules, [MIDDLEWARE.form], "{said}");
    assert!(
        said.contains("socket.handshake.auth.token === \"abc\""),
        "{said}"
    );
    assert!(said.contains("refuses it with \"no\""), "{said}");

    let (rules, said) =
        explained("alice: socket.emit('me', socket.data.user, socket.handshake.auth.token)");
    assert_eq!(rules[0], SOCKET_DATA.form, "{said}");
    assert!(
        said.contains(
            "for alice, socket.data.user is \"Alice\", socket.handshake.auth.token is \"abc\""
        ),
        "{said}"
    );

    let (rules, said) = explained("alice: socket.disconnect()");
    assert_eq!(rules.last(), Some(&DEPARTURE.form), "{said}");
    assert!(said.contains("io.emit('leaving', reason)"), "{said}");
    lab.shutdown().await;
}

/// An `emitWithAck` is explained as its emit, then the asking: the same recipients, and how the
/// promise settles (issue 15). A client's `emitWithAck` names the answer it would get.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_says_who_is_asked_and_how_the_promise_settles() {
    let mut lab = Lab::start(LabOptions::default())
        .await
        .expect("the lab starts");
    for line in [
        "connect alice bob carol",
        "alice: socket.join('r')",
        "on 'ask': callback('got it')",
    ] {
        lab.execute(&command(line)).await.expect(line);
    }
    let explained = |line: &str| explain_command(&lab, &command(line)).expect(line);
    let ask = explained("io.to('r').timeout(1000).emitWithAck('question', 'x')");
    assert_eq!(ask.recipients(), Some(&["alice".to_string()][..]));
    assert_eq!(
        ask.steps.last().expect("a step").what,
        "ask each of them for an answer: the promise resolves to an array of answers, one per \
         socket, or rejects with \"operation has timed out\" if one has not answered after 1000 ms"
    );
    let single = explained("bob: socket.timeout(500).emitWithAck('question')");
    assert_eq!(single.recipients(), Some(&["bob".to_string()][..]));
    assert!(
        single
            .steps
            .last()
            .expect("a step")
            .what
            .contains("resolves to its answer"),
        "{single:?}"
    );
    let reply = explained("carol.emitWithAck('ask', 1)");
    assert_eq!(reply.recipients(), None);
    assert_eq!(
        reply.verdict,
        sio_tutor::render::explain::Verdict::Nothing(
            "carol's promise would resolve to 'got it'; no event is sent to anyone".to_string()
        )
    );
    lab.shutdown().await;
}
