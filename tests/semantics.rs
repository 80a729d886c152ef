//! The semantics table: every statement form with exactly who must receive it.
//!
//! The table is data, in `tests/semantics/table.toml`: one fixed scenario (named sockets,
//! overlapping rooms, two namespaces) and one row per statement. Two tests read it:
//!
//! - [`table_holds_on_the_lab`] runs every row, in order, on one real lab (`Lab::execute`, the
//!   same path as the playground) and checks the recipients, the non-recipients and the
//!   arguments each recipient got.
//! - [`table_holds_on_node`] runs the same scenario and every row (handlers and client emits
//!   included) on the official Node `socket.io` server (`tests/node/semantics.mjs`) and checks that Node agrees with the
//!   table. Since both tests check against the same table, a row that passes both means the lab
//!   gives a statement the meaning it has on Node. It installs tests/node's npm packages on
//!   first use (`npm ci`, see tests/common/npm.rs); without Node it fails, never passes silently.
//!
//! Run: `cargo test --test semantics`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sio_tutor::lab::ack::TIMED_OUT;
use sio_tutor::lab::execute::arguments;
use sio_tutor::lab::report::{Delivery, Report};
use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, DEPARTURE_EVENTS, Emit, Origin, StatementKind, parse_command};

#[path = "common/npm.rs"]
mod npm;

const TABLE: &str = "tests/semantics/table.toml";

#[derive(Debug, Deserialize)]
struct TableFile {
    #[serde(flatten)]
    scenario: Scenario,
    rows: Vec<RowFile>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct Scenario {
    namespaces: Vec<String>,
    sockets: Vec<SocketSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct SocketSpec {
    name: String,
    namespace: String,
    rooms: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RowFile {
    line: toml::Spanned<String>,
    received: Vec<String>,
    /// For a `connect` row: the error message a middleware refuses it with (absent: it connects).
    connect_error: Option<String>,
    /// The arguments every recipient must get, as JSON, where the statement alone cannot say
    /// (`socket.data`, `socket.handshake.auth`); absent: the arguments as written.
    args: Option<String>,
    /// For a server's `emitWithAck`: who answered what (socket name to answer).
    #[serde(default)]
    answers: Option<BTreeMap<String, Value>>,
    /// For a server's `emitWithAck`: who did not answer in time.
    #[serde(default)]
    timed_out: Vec<String>,
    /// For a client's `emitWithAck`: what its promise resolves to.
    #[serde(default)]
    reply: Option<Value>,
    /// What the server's catch-all listener (`socket.onAny(...)`) prints for this row, line by
    /// line, exactly as Node's console.log does.
    #[serde(default)]
    logged: Vec<String>,
}

/// How an `emitWithAck` row must settle, besides its deliveries.
#[derive(Debug, Clone, PartialEq)]
enum Settle {
    /// A server's `emitWithAck`: each answer by socket, who timed out, and whether the form
    /// resolves to one value (`socket.timeout(..).emitWithAck`) or to an array.
    Answers {
        answers: BTreeMap<String, Value>,
        timed_out: Vec<String>,
        single: bool,
    },
    /// A client's `emitWithAck`: the server's answer.
    Reply(Value),
}

/// One row, parsed, with what it must do.
struct Row {
    /// 1-based position in the table, and the line of the TOML file it is on.
    number: usize,
    file_line: usize,
    text: String,
    command: Command,
    expect: Expect,
    /// The socket this row disconnects (`socket.disconnect()`, directly or in a handler).
    disconnects: Option<String>,
    /// For an `emitWithAck` row (server or client side), how it must settle.
    settle: Option<Settle>,
    /// What the catch-all listener prints for this row.
    logged: Vec<String>,
}

/// What a row must produce.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// Exactly one delivery: this event with these arguments (as written in the statement) in
    /// this namespace, received by exactly these sockets, once each.
    Delivery {
        namespace: String,
        event: String,
        args: Vec<Value>,
        received: Vec<String>,
    },
    /// No delivery at all (join, leave, disconnect, `on`, a client emit nobody handles).
    Nothing,
    /// A `connect` row: the socket connects (`None`) or is refused with this message. Nothing
    /// is delivered either way.
    Connect(Option<String>),
}

impl Row {
    fn name(&self) -> String {
        format!(
            "row {} ({TABLE}:{}): {}",
            self.number, self.file_line, self.text
        )
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads the table and works out, row by row, what each must produce. The expected arguments
/// come from the statement as parsed (for a handler, with the client's first argument in place
/// of `msg`), not from the lab, so "args as received equal args as sent" is a real check.
fn load_table() -> (Scenario, Vec<Row>) {
    let path = manifest_dir().join(TABLE);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: TableFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{TABLE} is not a valid table: {e}"));

    let mut namespace_of: HashMap<String, String> = file
        .scenario
        .sockets
        .iter()
        .map(|s| (s.name.clone(), s.namespace.clone()))
        .collect();
    let mut handlers: HashMap<(String, String), Emit> = HashMap::new();
    // Handlers that disconnect their sender.
    let mut disconnecting: HashSet<(String, String)> = HashSet::new();
    // `disconnecting` and `disconnect` handlers: an emit, or `None` for one that sends nothing.
    let mut departures: HashMap<(String, String), Option<Emit>> = HashMap::new();
    let mut rows = Vec::new();
    for (index, row) in file.rows.into_iter().enumerate() {
        let file_line = text[..row.line.span().start].lines().count();
        let line = row.line.into_inner();
        let name = format!("row {} ({TABLE}:{file_line}): {line}", index + 1);
        let command = match parse_command(&line) {
            Ok(Some(command)) => command,
            Ok(None) => panic!("{name}\n    is blank"),
            Err(error) => panic!("{name}\n    does not parse:\n{}", error.draw(&line, "    ")),
        };
        let written_args: Option<Vec<Value>> = row.args.as_ref().map(|json| {
            serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{name}\n    `args` is not a JSON array: {e}"))
        });
        let delivery = |emit: &Emit, sender: Option<&str>, msg: Option<&Value>| {
            let namespace = match &emit.origin {
                Origin::Io { namespace } => namespace.clone(),
                Origin::Socket => {
                    let sender = sender.unwrap_or_else(|| panic!("{name}\n    needs a socket"));
                    namespace_of[sender].clone()
                }
            };
            // The lab's own substitution of `msg`, so that this test and the lab cannot differ
            // on what a handler sends.
            let needs_written = emit.args.iter().any(|arg| arg.needs_socket());
            let args = match (&written_args, needs_written) {
                (Some(args), true) => args.clone(),
                (None, false) => arguments(emit, msg),
                (None, true) => panic!(
                    "{name}\n    reads socket.data or socket.handshake.auth: write the `args` it sends"
                ),
                (Some(_), false) => panic!("{name}\n    `args` is only for socket.data and auth"),
            };
            Expect::Delivery {
                namespace,
                event: emit.event.clone(),
                args,
                received: row.received.clone(),
            }
        };
        // What a socket's departure sends: the one departure handler of its namespace that emits.
        let departure = |sender: &str| {
            let namespace = namespace_of[sender].clone();
            let emits: Vec<&Emit> = DEPARTURE_EVENTS
                .iter()
                .filter_map(|event| departures.get(&(namespace.clone(), event.to_string())))
                .flatten()
                .collect();
            match emits.as_slice() {
                [] => Expect::Nothing,
                [emit] => delivery(emit, Some(sender), None),
                _ => panic!("{name}\n    one departure handler sends at a time in the table"),
            }
        };
        let mut disconnects = None;
        if let Command::Run {
            as_socket: Some(sender),
            statement,
        } = &command
            && statement.kind == StatementKind::Disconnect
        {
            disconnects = Some(sender.clone());
        }
        let expect = match &command {
            Command::Run {
                as_socket,
                statement,
            } => match (&statement.kind, as_socket) {
                (
                    StatementKind::Emit(emit)
                    | StatementKind::EmitWithAck { emit, .. }
                    | StatementKind::VolatileEmit(emit),
                    _,
                ) => delivery(emit, as_socket.as_deref(), None),
                (StatementKind::Disconnect, Some(sender)) => departure(sender),
                _ => Expect::Nothing,
            },
            Command::Disconnect { name: sender } | Command::Cut { name: sender } => {
                disconnects = Some(sender.clone());
                departure(sender)
            }
            Command::On {
                namespace,
                event,
                handler,
            } => {
                let key = (namespace.clone(), event.clone());
                match &handler.kind {
                    _ if DEPARTURE_EVENTS.contains(&event.as_str()) => {
                        let emit = match &handler.kind {
                            StatementKind::Emit(emit) => Some(emit.clone()),
                            StatementKind::Leave(_) => None,
                            _ => panic!("{name}\n    a departure handler emits or leaves here"),
                        };
                        departures.insert(key, emit);
                    }
                    StatementKind::Emit(emit) | StatementKind::VolatileEmit(emit) => {
                        handlers.insert(key.clone(), emit.clone());
                    }
                    StatementKind::Disconnect => {
                        handlers.remove(&key);
                        disconnecting.insert(key);
                    }
                    // An answering handler sends nothing to anyone: its answer is the ack.
                    StatementKind::Callback(_) => {
                        handlers.remove(&key);
                        disconnecting.remove(&key);
                    }
                    _ => panic!(
                        "{name}\n    the table uses emitting and disconnecting handlers only"
                    ),
                }
                Expect::Nothing
            }
            Command::ClientEmit {
                name: sender,
                event,
                args,
                ..
            } => {
                let key = (namespace_of[sender].clone(), event.clone());
                if disconnecting.contains(&key) {
                    disconnects = Some(sender.clone());
                    departure(sender)
                } else {
                    match handlers.get(&key) {
                        Some(emit) => delivery(emit, Some(sender), args.first()),
                        None => Expect::Nothing,
                    }
                }
            }
            Command::Use { .. } => Expect::Nothing,
            Command::Connect {
                names, namespace, ..
            } => {
                let [socket] = names.as_slice() else {
                    panic!("{name}\n    a connect row connects one socket");
                };
                if row.connect_error.is_none() {
                    namespace_of.insert(socket.clone(), namespace.clone());
                }
                Expect::Connect(row.connect_error.clone())
            }
            Command::ClientOn { .. }
            | Command::ClientEmitWithAck { .. }
            | Command::OnAny { .. } => Expect::Nothing,
            other => panic!("{name}\n    the table has no rows of this kind: {other:?}"),
        };
        let settle = match &command {
            Command::Run {
                statement:
                    sio_tutor::script::Statement {
                        kind: StatementKind::EmitWithAck { emit, .. },
                        ..
                    },
                ..
            } => Some(Settle::Answers {
                answers: row.answers.clone().unwrap_or_default(),
                timed_out: row.timed_out.clone(),
                single: matches!(emit.origin, Origin::Socket) && emit.chain.is_empty(),
            }),
            Command::ClientEmitWithAck { .. } => {
                Some(Settle::Reply(row.reply.clone().unwrap_or_else(|| {
                    panic!("{name}\n    needs `reply`: what the promise resolves to")
                })))
            }
            _ => None,
        };
        if settle.is_none()
            && (row.answers.is_some() || !row.timed_out.is_empty() || row.reply.is_some())
        {
            panic!("{name}\n    only emitWithAck rows have `answers`, `timed_out` or `reply`");
        }
        if row.connect_error.is_some() && !matches!(expect, Expect::Connect(_)) {
            panic!("{name}\n    only a connect row has a `connect_error`");
        }
        if matches!(expect, Expect::Nothing | Expect::Connect(_)) && !row.received.is_empty() {
            panic!("{name}\n    sends nothing, so `received` must be []");
        }
        rows.push(Row {
            number: index + 1,
            file_line,
            text: line,
            command,
            expect,
            disconnects,
            settle,
            logged: row.logged.clone(),
        });
    }
    (file.scenario, rows)
}

/// The playground lines that build the scenario: connections in order, then the rooms.
fn scenario_lines(scenario: &Scenario) -> Vec<String> {
    let quoted = |rooms: &[String]| {
        rooms
            .iter()
            .map(|r| format!("'{r}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines: Vec<String> = scenario
        .sockets
        .iter()
        .map(|s| format!("connect {} to {}", s.name, s.namespace))
        .collect();
    for socket in scenario.sockets.iter().filter(|s| !s.rooms.is_empty()) {
        lines.push(format!(
            "{}: socket.join([{}])",
            socket.name,
            quoted(&socket.rooms)
        ));
    }
    lines
}

fn names(list: &[String]) -> String {
    format!("[{}]", list.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_holds_on_the_lab() {
    let (scenario, rows) = load_table();
    let mut lab = Lab::start(LabOptions {
        namespaces: scenario
            .namespaces
            .iter()
            .filter(|n| *n != "/")
            .cloned()
            .collect(),
        serve_on_connect: false,
        // `cut` rows need the lab's own network: every client of the table goes through it.
        network: true,
    })
    .await
    .expect("the lab starts");
    for line in scenario_lines(&scenario) {
        let command = parse_command(&line).unwrap().unwrap();
        lab.execute(&command)
            .await
            .unwrap_or_else(|e| panic!("setting up the scenario, `{line}` failed: {e}"));
    }

    // The sockets still connected, in connection order: who must be in `not_received`.
    let mut live: Vec<String> = scenario.sockets.iter().map(|s| s.name.clone()).collect();
    let mut failures = Vec::new();
    for row in &rows {
        let reports = match lab.execute(&row.command).await {
            Ok(reports) => reports,
            Err(error) => {
                failures.push(format!("{}\n    the lab failed: {error}", row.name()));
                continue;
            }
        };
        if let Some(name) = &row.disconnects {
            live.retain(|n| n != name);
        }
        if let (Expect::Connect(wanted), Command::Connect { names, .. }) =
            (&row.expect, &row.command)
        {
            let refused = reports.iter().find_map(|r| match r {
                Report::ConnectError(error) => Some(error.message.clone()),
                _ => None,
            });
            if refused == *wanted {
                if refused.is_none() {
                    live.extend(names.iter().cloned());
                }
            } else {
                failures.push(format!(
                    "{}\n    expected connect error: {wanted:?}\n    actual connect error:   {refused:?}",
                    row.name()
                ));
            }
        }
        let deliveries: Vec<&Delivery> = reports
            .iter()
            .filter_map(|r| match r {
                Report::Delivery(d) => Some(d),
                _ => None,
            })
            .collect();
        if let Err(why) = check_row(&row.expect, &deliveries, &live) {
            failures.push(format!("{}\n{why}", row.name()));
        }
        if let Some(settle) = &row.settle
            && let Err(why) = check_settle_on_lab(settle, &reports)
        {
            failures.push(format!("{}\n{why}", row.name()));
        }
        // The lab's own proof-of-life lines aside, the server printed what onAny printed.
        let logged: Vec<String> = reports
            .iter()
            .filter_map(|r| match r {
                Report::ServerLog(log)
                    if log.line != "a user connected" && log.line != "user disconnected" =>
                {
                    Some(log.line.clone())
                }
                _ => None,
            })
            .collect();
        if logged != row.logged {
            failures.push(format!(
                "{}\n    expected the server to print {:?}\n    it printed {logged:?}",
                row.name(),
                row.logged
            ));
        }
    }
    lab.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} rows of the semantics table failed on the lab:\n\n{}\n",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

/// Checks one row's deliveries. A recipient that got other arguments than the ones sent would
/// show up as a second delivery (the lab reports anything unexpected in an inbox), so "exactly
/// one delivery with the sent arguments" also proves every recipient got them as sent.
fn check_row(expect: &Expect, deliveries: &[&Delivery], live: &[String]) -> Result<(), String> {
    let Expect::Delivery {
        namespace,
        event,
        args,
        received,
    } = expect
    else {
        if deliveries.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "    expected no delivery, got {}: {:?}",
            deliveries.len(),
            deliveries
        ));
    };
    let [delivery] = deliveries else {
        let shown: Vec<String> = deliveries
            .iter()
            .map(|d| {
                format!(
                    "      {} {} {}: received by {}",
                    d.namespace,
                    d.event,
                    Value::from(d.args.clone()),
                    names(&d.received)
                )
            })
            .collect();
        return Err(format!(
            "    expected one delivery of '{event}' {} to {}, got {}:\n{}",
            Value::from(args.clone()),
            names(received),
            deliveries.len(),
            shown.join("\n")
        ));
    };
    let mut problems = Vec::new();
    if delivery.received != *received {
        problems.push(format!(
            "    expected received: {}\n    actual received:   {}",
            names(received),
            names(&delivery.received)
        ));
    }
    let not_received: Vec<String> = live
        .iter()
        .filter(|n| !received.contains(n))
        .cloned()
        .collect();
    if delivery.not_received != not_received {
        problems.push(format!(
            "    expected not_received: {}\n    actual not_received:   {}",
            names(&not_received),
            names(&delivery.not_received)
        ));
    }
    if delivery.namespace != *namespace || delivery.event != *event || delivery.args != *args {
        problems.push(format!(
            "    expected {namespace} '{event}' {}\n    actual   {} '{}' {}",
            Value::from(args.clone()),
            delivery.namespace,
            delivery.event,
            Value::from(delivery.args.clone())
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Checks who answered what on the lab, socket by socket: the lab knows each answer's sender.
fn check_settle_on_lab(settle: &Settle, reports: &[Report]) -> Result<(), String> {
    match settle {
        Settle::Answers {
            answers,
            timed_out,
            single,
        } => {
            let Some(got) = reports.iter().find_map(|r| match r {
                Report::Answers(a) => Some(a),
                _ => None,
            }) else {
                return Err("    expected the answers of an emitWithAck, got none".to_string());
            };
            let got_answers: BTreeMap<String, Value> = got
                .answers
                .iter()
                .filter_map(|a| a.answer.clone().map(|v| (a.socket.clone(), v)))
                .collect();
            let got_timed_out: Vec<String> = got
                .answers
                .iter()
                .filter(|a| a.error.as_deref() == Some(TIMED_OUT))
                .map(|a| a.socket.clone())
                .collect();
            if got_answers != *answers || got_timed_out != *timed_out || got.single != *single {
                return Err(format!(
                    "    expected answers {answers:?}, timed out {timed_out:?}, single {single}\n    \
                     actual   answers {got_answers:?}, timed out {got_timed_out:?}, single {}",
                    got.single
                ));
            }
            Ok(())
        }
        Settle::Reply(value) => match reports.iter().find_map(|r| match r {
            Report::Reply(reply) => Some(&reply.answer),
            _ => None,
        }) {
            Some(answer) if answer == value => Ok(()),
            other => Err(format!("    expected the reply {value}, got {other:?}")),
        },
    }
}

/// How Node's promise must settle for this row. Node cannot say who answered (a broadcast's
/// answers come as an array in arrival order), so its answers are compared as a multiset, and a
/// timeout as the rejection with Node's message.
fn check_settle_on_node(settle: &Settle, result: &Value) -> Result<(), String> {
    let settled = &result["settled"];
    let sorted = |values: Vec<Value>| {
        let mut values = values;
        values.sort_by_key(|v| v.to_string());
        Value::Array(values)
    };
    let expected = match settle {
        Settle::Reply(value) => json!({ "resolved": value }),
        Settle::Answers {
            answers,
            timed_out,
            single,
        } => {
            let values: Vec<Value> = answers.values().cloned().collect();
            match (timed_out.is_empty(), single) {
                (true, true) => json!({ "resolved": values.first() }),
                (true, false) => json!({ "resolved": sorted(values) }),
                (false, true) => json!({ "rejected": TIMED_OUT, "responses": null }),
                (false, false) => json!({ "rejected": TIMED_OUT, "responses": sorted(values) }),
            }
        }
    };
    // Node's arrays come in arrival order: sort them the same way before comparing.
    let mut actual = settled.clone();
    let single = matches!(
        settle,
        Settle::Answers { single: true, .. } | Settle::Reply(_)
    );
    if !single {
        for key in ["resolved", "responses"] {
            if let Some(Value::Array(values)) = actual.get(key).cloned() {
                actual[key] = sorted(values);
            }
        }
    }
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "    expected Node to settle {expected}\n    Node settled          {actual}"
        ))
    }
}

/// Fails with the one instruction that fixes it when the Node oracle cannot run here.
fn require_node(node_dir: &Path) {
    npm::installed();
    const FIX: &str = "run `cd tests/node && npm ci` (CI does); the semantics table is also \
                       checked against the official Node socket.io server and must not be skipped";
    let version = Process::new("node").arg("--version").output();
    if !version.is_ok_and(|o| o.status.success()) {
        panic!("`node` is not installed or does not run: install Node.js 20, then {FIX}");
    }
    for package in ["socket.io", "socket.io-client"] {
        let manifest = node_dir
            .join("node_modules")
            .join(package)
            .join("package.json");
        if !manifest.is_file() {
            panic!("tests/node/node_modules/{package} is missing: {FIX}");
        }
    }
}

#[test]
fn table_holds_on_node() {
    let (scenario, rows) = load_table();
    let node_dir = manifest_dir().join("tests/node");
    require_node(&node_dir);

    // Every row goes to Node: statements, `on` handlers and the client emits that run them.
    let node_rows: Vec<&Row> = rows.iter().collect();
    let input = json!({
        "namespaces": scenario.namespaces,
        "sockets": scenario.sockets,
        "rows": node_rows.iter().map(|row| match &row.command {
            Command::Run { as_socket, statement } => json!({
                "as": as_socket,
                "statement": statement.source,
                "ask": matches!(statement.kind, StatementKind::EmitWithAck { .. }),
            }),
            Command::ClientOn { name, source, .. } => json!({
                "clientOn": { "name": name, "source": source },
            }),
            Command::OnAny { source, .. } => json!({
                "onAny": { "source": source },
            }),
            Command::ClientEmitWithAck { name, event, args, .. } => json!({
                "emit": { "name": name, "event": event, "args": args, "withAck": true },
            }),
            Command::On { namespace, event, handler } => json!({
                "on": { "namespace": namespace, "event": event, "statement": handler.source },
            }),
            Command::ClientEmit { name, event, args, .. } => json!({
                "emit": { "name": name, "event": event, "args": args },
            }),
            Command::Disconnect { name } => json!({ "disconnect": name }),
            Command::Cut { name } => json!({ "cut": name }),
            Command::Use { middleware, .. } => json!({
                "use": { "statement": middleware.source },
            }),
            Command::Connect {
                names,
                namespace,
                auth,
                ..
            } => json!({
                "connect": { "name": names[0], "namespace": namespace, "auth": auth },
            }),
            other => panic!("{}\n    the table has no rows of this kind: {other:?}", row.name()),
        }).collect::<Vec<_>>(),
    });

    let mut child = Process::new("node")
        .arg("semantics.mjs")
        .current_dir(&node_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    child
        .stdin
        .take()
        .expect("node's stdin")
        .write_all(input.to_string().as_bytes())
        .expect("the scenario goes to node");
    let output = child.wait_with_output().expect("node finishes");
    assert!(
        output.status.success(),
        "node semantics.mjs failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).expect("node prints JSON");
    let results = answer["results"].as_array().expect("a list of results");
    assert_eq!(results.len(), node_rows.len(), "one result per row");

    let mut failures = Vec::new();
    for (row, result) in node_rows.iter().zip(results) {
        if let Err(why) = check_node_row(&row.expect, result) {
            failures.push(format!("{}\n{why}", row.name()));
        }
        if let Some(settle) = &row.settle
            && let Err(why) = check_settle_on_node(settle, result)
        {
            failures.push(format!("{}\n{why}", row.name()));
        }
        let logs: Vec<String> = serde_json::from_value(result["logs"].clone()).unwrap_or_default();
        if logs != row.logged {
            failures.push(format!(
                "{}\n    expected Node's onAny to print {:?}\n    Node printed {logs:?}",
                row.name(),
                row.logged
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows of the semantics table disagree with the official Node \
         socket.io server (this is a real difference in meaning):\n\n{}\n",
        failures.len(),
        node_rows.len(),
        failures.join("\n\n")
    );
}

fn check_node_row(expect: &Expect, result: &Value) -> Result<(), String> {
    if !result["error"].is_null() {
        return Err(format!("    Node threw: {}", result["error"]));
    }
    let actual: Vec<String> = serde_json::from_value(result["received"].clone())
        .map_err(|e| format!("    Node's `received` is odd: {e}"))?;
    let refused = result["connect_error"].as_str().map(String::from);
    let wanted_refusal = match expect {
        Expect::Connect(wanted) => wanted.clone(),
        _ => None,
    };
    if refused != wanted_refusal {
        return Err(format!(
            "    expected connect error: {wanted_refusal:?}\n    Node's connect error:   {refused:?}"
        ));
    }
    let (expected, event, args) = match expect {
        Expect::Delivery {
            received,
            event,
            args,
            ..
        } => (received.clone(), Some(event), Some(args)),
        Expect::Nothing | Expect::Connect(_) => (Vec::new(), None, None),
    };
    let mut problems = Vec::new();
    if actual != expected {
        problems.push(format!(
            "    expected received: {}\n    Node received:     {}",
            names(&expected),
            names(&actual)
        ));
    }
    let events = result["events"].as_array().cloned().unwrap_or_default();
    let mut seen = HashSet::new();
    for got in events {
        let wanted = json!({
            "name": got["name"],
            "event": event,
            "args": args,
        });
        if got != wanted && seen.insert(got.to_string()) {
            problems.push(format!("    Node delivered {got}, expected {wanted}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
