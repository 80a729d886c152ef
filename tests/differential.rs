//! Random differential tests: the lab against the official Node socket.io server.
//!
//! A seeded generator writes random scenarios (two namespaces, 2-6 sockets, joins and leaves
//! including own-id rooms and arrays, chains of to/in/except/broadcast/of, server and client
//! disconnects, `on` handlers and client emits that trigger them). Each scenario runs twice,
//! statement by statement: through the lab (`Lab::execute`, the playground's path) and through
//! `tests/node/semantics.mjs` (the official `socket.io` server with one official
//! `socket.io-client` per socket). Every statement must reach the same sockets with the same
//! arguments, and fail on one side exactly when it fails on the other. Node decides meaning:
//! a difference is a bug in the lab.
//!
//! `cargo test` runs a fixed seed with 300 scenarios. A long campaign with a random seed:
//!
//! ```text
//! SIO_TUTOR_DIFF_SEED=random SIO_TUTOR_DIFF_SCENARIOS=5000 \
//!     cargo test --release --test differential -- --nocapture
//! ```
//!
//! Scenario `i` of seed `S` has its own seed `S + i`, printed with any failure together with
//! the whole scenario as a `play` script; `SIO_TUTOR_DIFF_SEED=<that seed>
//! SIO_TUTOR_DIFF_SCENARIOS=1` runs that scenario alone. The npm packages of tests/node are
//! installed on first use.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use serde_json::{Value, json};
use sio_tutor::lab::report::Report;
use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, parse_command};

#[path = "common/npm.rs"]
mod npm;

const DEFAULT_SEED: u64 = 0x5EED_0010;
const DEFAULT_SCENARIOS: usize = 300;
/// Scenarios per Node process: one process per scenario would cost more than the scenarios.
const NODE_BATCH: usize = 250;
const NAMESPACES: [&str; 2] = ["/", "/tenant-a"];
const NAMES: [&str; 6] = ["alice", "bob", "carol", "dave", "eve", "frank"];

// ---- the generator -----------------------------------------------------------------------------

/// SplitMix64: small, seedable, and the same on every machine (no crate needed for a test).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One random scenario: sockets (name, namespace) in connection order, and play lines.
struct Scenario {
    seed: u64,
    sockets: Vec<(String, String)>,
    lines: Vec<String>,
}

impl Scenario {
    /// The whole scenario as a `play` script, to reproduce a failure by hand.
    fn script(&self) -> String {
        let mut script: Vec<String> = self
            .sockets
            .iter()
            .map(|(name, ns)| format!("connect {name} to {ns}"))
            .collect();
        script.extend(self.lines.iter().cloned());
        script.join("\n")
    }
}

struct Generator {
    rng: Rng,
    sockets: Vec<(String, String)>,
    live: Vec<bool>,
    /// (namespace, event) of handlers that disconnect their sender.
    disconnecting: Vec<(String, String)>,
}

/// Strings a JavaScript hand writes, escapes included (each is a valid JS literal body).
const STRINGS: &[&str] = &[
    "hi",
    "",
    "héllo ✓",
    "a\\u0041 b\\r c\\x41 d\\0",
    "tab\\there\\nnew",
    "it\\'s",
    "\\u{1F600}\\uD83D\\uDE00",
    "\\b\\v\\f\\q",
];
const NUMBERS: &[&str] = &[
    "0",
    "7",
    "-2",
    "1.5",
    "-0",
    "2.0",
    "1e3",
    "0.1",
    "9007199254740993",
    "18446744073709551615",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1e21",
    "5e-324",
];

impl Generator {
    fn scenario(seed: u64) -> Scenario {
        let mut rng = Rng(seed);
        let count = 2 + rng.below(5);
        let sockets: Vec<(String, String)> = NAMES[..count]
            .iter()
            .map(|name| {
                let ns = if rng.chance(70) { "/" } else { "/tenant-a" };
                (name.to_string(), ns.to_string())
            })
            .collect();
        let mut generator = Generator {
            rng,
            live: vec![true; sockets.len()],
            sockets,
            disconnecting: Vec::new(),
        };
        let rows = 8 + generator.rng.below(13);
        let lines = (0..rows).map(|_| generator.line()).collect();
        Scenario {
            seed,
            sockets: generator.sockets,
            lines,
        }
    }

    fn live_socket(&mut self) -> Option<usize> {
        let live: Vec<usize> = (0..self.sockets.len()).filter(|i| self.live[*i]).collect();
        (!live.is_empty()).then(|| *self.rng.pick(&live))
    }

    fn line(&mut self) -> String {
        let roll = self.rng.below(100);
        let Some(x) = self.live_socket() else {
            return if roll < 70 {
                self.io_emit(false)
            } else {
                self.on_handler()
            };
        };
        let name = self.sockets[x].0.clone();
        match roll {
            0..30 => format!("{name}: {}", self.socket_emit(false)),
            30..48 => {
                let statement = self.io_emit(false);
                if self.rng.chance(20) {
                    format!("{name}: {statement}")
                } else {
                    statement
                }
            }
            48..63 => format!("{name}: socket.join({})", self.rooms(true)),
            // Node's leave takes one room; with an array it leaves nothing. The lab refuses
            // that form (see `Outcome::agrees_with`); the rows after it check that neither
            // side left a room.
            63..69 => format!("{name}: socket.leave({})", self.room(true)),
            69..71 => format!("{name}: socket.leave([{}])", self.room(true)),
            71..81 => self.on_handler(),
            81..95 => self.client_emit(x),
            95..98 => {
                self.live[x] = false;
                format!("{name}: socket.disconnect()")
            }
            _ => {
                self.live[x] = false;
                format!("disconnect {name}")
            }
        }
    }

    fn room(&mut self, has_socket: bool) -> String {
        match self.rng.below(10) {
            0..6 => format!("'{}'", self.rng.pick(&["r1", "r2", "r3"])),
            6..8 => format!("{}.id", self.rng.pick(&self.sockets).0),
            _ if has_socket => "socket.id".to_string(),
            _ => "'r1'".to_string(),
        }
    }

    fn rooms(&mut self, has_socket: bool) -> String {
        if self.rng.chance(70) {
            return self.room(has_socket);
        }
        let count = 1 + self.rng.below(3);
        let rooms: Vec<String> = (0..count).map(|_| self.room(has_socket)).collect();
        format!("[{}]", rooms.join(", "))
    }

    fn chain(&mut self, has_socket: bool, max: usize) -> String {
        let links = self.rng.below(max + 1);
        (0..links)
            .map(|_| {
                let method = self.rng.pick(&["to", "in", "except"]);
                format!(".{method}({})", self.rooms(has_socket))
            })
            .collect()
    }

    fn socket_emit(&mut self, in_handler: bool) -> String {
        let broadcast = if self.rng.chance(30) {
            ".broadcast"
        } else {
            ""
        };
        let chain = self.chain(true, 2);
        format!(
            "socket{broadcast}{chain}.emit({})",
            self.emit_args(in_handler)
        )
    }

    fn io_emit(&mut self, in_handler: bool) -> String {
        let of = match self.rng.below(10) {
            0..2 => ".of('/')",
            2..5 => ".of('/tenant-a')",
            5 => ".of('/nobody')",
            _ => "",
        };
        // `socket.id` needs a socket: only inside a handler here.
        let chain = self.chain(in_handler, 3);
        format!("io{of}{chain}.emit({})", self.emit_args(in_handler))
    }

    fn emit_args(&mut self, in_handler: bool) -> String {
        // Server-to-client names may hold anything JavaScript can write (client-to-server
        // ones are plain: the lab refuses what its server cannot read).
        let event = *self
            .rng
            .pick(&["e1", "e2", "chat message", "say \\\"hi\\\"", "é→ \\\\ \\t"]);
        let mut args = vec![format!("'{event}'")];
        for _ in 0..self.rng.below(4) {
            if in_handler && self.rng.chance(40) {
                args.push("msg".to_string());
            } else {
                args.push(self.value(2));
            }
        }
        args.join(", ")
    }

    fn value(&mut self, depth: usize) -> String {
        let kinds = if depth == 0 { 3 } else { 5 };
        match self.rng.below(kinds) {
            0 => format!("'{}'", self.rng.pick(STRINGS)),
            1 => self.rng.pick(NUMBERS).to_string(),
            2 => self.rng.pick(&["true", "false", "null"]).to_string(),
            3 => {
                let items: Vec<String> = (0..self.rng.below(4))
                    .map(|_| self.value(depth - 1))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            _ => {
                let items: Vec<String> = (0..self.rng.below(3))
                    .map(|i| {
                        let key = ["k", "'two words'", "n"][i];
                        format!("{key}: {}", self.value(depth - 1))
                    })
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }

    fn on_handler(&mut self) -> String {
        let namespace = self.rng.pick(&NAMESPACES).to_string();
        let event = self.rng.pick(&["h1", "h2"]).to_string();
        let key = (namespace.clone(), event.clone());
        self.disconnecting.retain(|k| *k != key);
        let statement = match self.rng.below(20) {
            0..8 => self.socket_emit(true),
            8..14 => self.io_emit(true),
            14..16 => format!("socket.join({})", self.rooms(true)),
            16..18 => format!("socket.leave({})", self.room(true)),
            _ => {
                self.disconnecting.push(key);
                "socket.disconnect()".to_string()
            }
        };
        let on = if namespace == "/" {
            String::new()
        } else {
            format!("{namespace} ")
        };
        format!("on {on}'{event}': {statement}")
    }

    fn client_emit(&mut self, x: usize) -> String {
        let (name, namespace) = self.sockets[x].clone();
        let event = self.rng.pick(&["h1", "h2", "unheard"]).to_string();
        if self.disconnecting.contains(&(namespace, event.clone())) {
            self.live[x] = false;
        }
        let mut args = vec![format!("'{event}'")];
        for _ in 0..self.rng.below(3) {
            args.push(self.value(2));
        }
        format!("{name}.emit({})", args.join(", "))
    }
}

// ---- running a scenario on both sides -------------------------------------------------------

/// What one row did: an error, or who received what (sorted, so arrival order does not count).
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Failed(String),
    /// The lab refused the line as written (`socket.leave([...])`): Node accepts it, leaves
    /// nothing and says nothing; the lab says why not.
    Refused(String),
    Delivered(Vec<(String, String, Value)>),
}

impl Outcome {
    /// `self` is the lab's outcome, `node` Node's.
    fn agrees_with(&self, node: &Outcome) -> bool {
        match (self, node) {
            (Outcome::Failed(_), Outcome::Failed(_)) => true,
            (Outcome::Refused(_), Outcome::Delivered(events)) => events.is_empty(),
            (a, b) => a == b,
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Failed(message) => format!("error: {message}"),
            Outcome::Refused(message) => format!("refused: {message}"),
            Outcome::Delivered(events) if events.is_empty() => "nothing delivered".to_string(),
            Outcome::Delivered(events) => events
                .iter()
                .map(|(name, event, args)| format!("{name} '{event}' {args}"))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

fn sorted(mut events: Vec<(String, String, Value)>) -> Outcome {
    events.sort_by_key(|(name, event, args)| (name.clone(), event.clone(), args.to_string()));
    Outcome::Delivered(events)
}

/// The scenario's lines, parsed; `Err` for a line the lab refuses on purpose (its text).
fn commands(scenario: &Scenario) -> Vec<Result<Command, String>> {
    scenario
        .lines
        .iter()
        .map(|line| match parse_command(line) {
            Ok(Some(command)) => Ok(command),
            Err(error) if line.contains("socket.leave([") => Err(error.message),
            other => panic!(
                "the generator wrote a line the lab does not take (seed {}): {line}\n{other:?}",
                scenario.seed
            ),
        })
        .collect()
}

async fn run_on_lab(scenario: &Scenario) -> Vec<Outcome> {
    let mut lab = Lab::start(LabOptions::serving(&["/tenant-a".to_string()]))
        .await
        .expect("the lab starts");
    for (name, namespace) in &scenario.sockets {
        let connect = Command::Connect {
            names: vec![name.clone()],
            namespace: namespace.clone(),
            auth: None,
            server: None,
        };
        lab.execute(&connect).await.expect("a socket connects");
    }
    let mut outcomes = Vec::new();
    for command in commands(scenario) {
        let command = match command {
            Ok(command) => command,
            Err(refusal) => {
                outcomes.push(Outcome::Refused(refusal));
                continue;
            }
        };
        let outcome = match lab.execute(&command).await {
            Err(error) => Outcome::Failed(error.to_string()),
            Ok(reports) => sorted(
                reports
                    .iter()
                    .filter_map(|report| match report {
                        Report::Delivery(d) => Some(d),
                        _ => None,
                    })
                    .flat_map(|d| {
                        d.received.iter().map(|name| {
                            (name.clone(), d.event.clone(), Value::from(d.args.clone()))
                        })
                    })
                    .collect(),
            ),
        };
        outcomes.push(outcome);
    }
    lab.shutdown().await;
    outcomes
}

/// The scenario as `semantics.mjs` reads it.
fn node_document(scenario: &Scenario) -> Value {
    let rows: Vec<Value> = commands(scenario)
        .into_iter()
        .zip(&scenario.lines)
        .map(|(command, line)| match command {
            // A line the lab refuses goes to Node as written: `name: statement`.
            Err(_) => {
                let (name, statement) = line.split_once(": ").expect("`name: statement`");
                json!({ "as": name, "statement": statement })
            }
            Ok(command) => match command {
            Command::Run {
                as_socket,
                statement,
            } => json!({ "as": as_socket, "statement": statement.source }),
            Command::On {
                namespace,
                event,
                handler,
            } => json!({ "on": { "namespace": namespace, "event": event, "statement": handler.source } }),
            Command::ClientEmit {
                name, event, args, ..
            } => json!({ "emit": { "name": name, "event": event, "args": args } }),
            Command::Disconnect { name } => json!({ "disconnect": name }),
            other => panic!("the generator writes no {other:?}"),
            },
        })
        .collect();
    json!({
        "namespaces": NAMESPACES,
        "sockets": scenario.sockets.iter().map(|(name, ns)| json!({
            "name": name, "namespace": ns, "rooms": [],
        })).collect::<Vec<_>>(),
        "rows": rows,
    })
}

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Node and the official packages, installed from tests/node's lockfile on first use: the
/// differential tests compare the lab with the official Node socket.io server and must never be
/// skipped.
fn require_node(_node_dir: &Path) {
    npm::installed();
}

/// Runs a batch of scenarios on Node; one list of outcomes per scenario.
fn run_on_node(scenarios: &[Scenario]) -> Vec<Vec<Outcome>> {
    let input = json!({ "scenarios": scenarios.iter().map(node_document).collect::<Vec<_>>() });
    let mut child = Process::new("node")
        .arg("semantics.mjs")
        .current_dir(node_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().expect("node's stdin");
    let text = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output().expect("node finishes");
    writer
        .join()
        .expect("the writer thread")
        .expect("the scenarios go to node");
    assert!(
        output.status.success(),
        "node semantics.mjs failed ({}) on the batch starting with seed {}:\n{}",
        output.status,
        scenarios[0].seed,
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).expect("node prints JSON");
    let results = answer["scenarios"]
        .as_array()
        .expect("one result per scenario");
    assert_eq!(results.len(), scenarios.len());
    results
        .iter()
        .map(|scenario| {
            scenario["results"]
                .as_array()
                .expect("one result per row")
                .iter()
                .map(|row| {
                    if let Some(error) = row["error"].as_str() {
                        return Outcome::Failed(error.to_string());
                    }
                    let events = row["events"].as_array().cloned().unwrap_or_default();
                    sorted(
                        events
                            .into_iter()
                            .map(|e| {
                                (
                                    e["name"].as_str().unwrap_or_default().to_string(),
                                    e["event"].as_str().unwrap_or_default().to_string(),
                                    e["args"].clone(),
                                )
                            })
                            .collect(),
                    )
                })
                .collect()
        })
        .collect()
}

fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[test]
fn the_lab_agrees_with_node_on_random_scenarios() {
    let node_dir = node_dir();
    require_node(&node_dir);
    let seed = match setting("SIO_TUTOR_DIFF_SEED").as_deref() {
        None => DEFAULT_SEED,
        Some("random") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            Rng(nanos ^ u64::from(std::process::id())).next()
        }
        Some(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("SIO_TUTOR_DIFF_SEED must be a number or `random`")),
    };
    let count: usize = setting("SIO_TUTOR_DIFF_SCENARIOS")
        .map(|text| text.parse().expect("SIO_TUTOR_DIFF_SCENARIOS is a number"))
        .unwrap_or(DEFAULT_SCENARIOS);
    println!("differential: seed {seed}, {count} scenarios");

    let scenarios: Vec<Scenario> = (0..count as u64)
        .map(|i| Generator::scenario(seed.wrapping_add(i)))
        .collect();
    // Node works through its batches on another thread while the lab runs here.
    let batches: Vec<Vec<Scenario>> = scenarios
        .chunks(NODE_BATCH)
        .map(|chunk| {
            chunk
                .iter()
                .map(|s| Scenario {
                    seed: s.seed,
                    sockets: s.sockets.clone(),
                    lines: s.lines.clone(),
                })
                .collect()
        })
        .collect();
    let node = std::thread::spawn(move || {
        batches
            .iter()
            .flat_map(|batch| run_on_node(batch))
            .collect::<Vec<_>>()
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let lab: Vec<Vec<Outcome>> = runtime.block_on(async {
        let mut all = Vec::new();
        for scenario in &scenarios {
            all.push(run_on_lab(scenario).await);
        }
        all
    });
    let node = node.join().expect("the Node thread");

    let mut statements = 0;
    let mut failures = Vec::new();
    for ((scenario, lab), node) in scenarios.iter().zip(&lab).zip(&node) {
        statements += scenario.lines.len();
        let mut differences = Vec::new();
        for (row, ((line, lab), node)) in scenario.lines.iter().zip(lab).zip(node).enumerate() {
            if !lab.agrees_with(node) {
                differences.push(format!(
                    "  row {}: {line}\n    lab:  {}\n    Node: {}",
                    row + 1,
                    lab.describe(),
                    node.describe()
                ));
            }
        }
        if !differences.is_empty() {
            failures.push(format!(
                "scenario seed {} ({} rows differ):\n{}\n  the scenario as a play script:\n    {}",
                scenario.seed,
                differences.len(),
                differences.join("\n"),
                scenario.script().replace('\n', "\n    ")
            ));
        }
    }
    println!(
        "differential: seed {seed}: {} scenarios, {statements} statements, {} scenarios differ",
        scenarios.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} random scenarios (seed {seed}) reach different sockets or arguments on the lab \
         than on Node; rerun one with SIO_TUTOR_DIFF_SEED=<scenario seed> \
         SIO_TUTOR_DIFF_SCENARIOS=1. The first ones:\n\n{}\n",
        failures.len(),
        scenarios.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
