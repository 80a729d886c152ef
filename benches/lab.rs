//! How fast the live lab is: starting a lab, one statement with its barrier, and 1,000 sockets.
//!
//! Run: `cargo bench --bench lab` (release build; a plain `main`, no benchmark harness).
//!
//! It prints medians (and p99 where there are enough samples) against the goals of issue 13,
//! measured on the 2-core CI machine, through the code paths a user runs:
//!
//! - (a) a lab started with 3 sockets connected and welcomed (`connect alice bob carol`);
//! - (b) one statement with its proof of receipt, 3 sockets: under 0.1 ms (median);
//! - (c) `connect` of 1,000 names in one lab (the command `play` runs), one `io.emit` that all
//!   1,000 receive with its proof (under 10 ms), and the memory each lab socket costs;
//! - (d) the whole process, as a user runs it: `sio-tutor play` with one `connect` of 1,000
//!   names and one `io.emit` (under 300 ms), and of 5,000 names (under 1.5 s).
//!
//! Every timed statement is also checked for the right recipients, so a fast wrong answer cannot
//! pass for a fast right one.

use std::time::{Duration, Instant};

use sio_tutor::lab::report::Report;
use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, parse_command};

const LAB_RUNS: usize = 30;
const STATEMENT_WARMUP: usize = 100;
const STATEMENT_RUNS: usize = 1_000;
const MANY: usize = 1_000;
const MANY_RUNS: usize = 3;
/// (d): sockets, goal for the whole process, runs.
const PROCESS_CASES: [(usize, Duration, usize); 2] = [
    (1_000, Duration::from_millis(300), 5),
    (5_000, Duration::from_millis(1_500), 3),
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("sio-tutor lab benchmark ({cores} cores, multi-thread runtime, WebSocket transport)");
    println!("file-descriptor soft limit at start: {}", nofile_soft());
    // `cargo bench --bench lab -- many` runs only (c); the words are `three`, `statement`,
    // `many` and `process`. (cargo passes `--bench` itself; flags are ignored.)
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |part: &str| wanted.is_empty() || wanted.iter().any(|w| w == part);
    runtime.block_on(async {
        if runs("three") {
            lab_with_three_sockets().await;
        }
        if runs("statement") {
            statements().await;
        }
        if runs("many") {
            many_sockets().await;
        }
        if runs("process") {
            whole_process();
        }
    });
    println!("file-descriptor soft limit at the end: {}", nofile_soft());
}

fn command(line: &str) -> Command {
    parse_command(line)
        .unwrap_or_else(|e| panic!("`{line}`: {e}"))
        .unwrap_or_else(|| panic!("`{line}` is blank"))
}

async fn playground_lab() -> Lab {
    Lab::start(LabOptions {
        namespaces: Vec::new(),
        serve_on_connect: true,
        network: false,
    })
    .await
    .expect("the lab starts")
}

/// (a) From nothing to a lab whose 3 sockets are connected and welcomed.
async fn lab_with_three_sockets() {
    let connect = command("connect alice bob carol");
    let mut ready = Vec::new();
    let mut shutdown = Vec::new();
    for _ in 0..LAB_RUNS {
        let start = Instant::now();
        let mut lab = playground_lab().await;
        lab.execute(&connect).await.expect("3 sockets connect");
        ready.push(start.elapsed());
        assert_eq!(lab.sockets().len(), 3);
        let start = Instant::now();
        lab.shutdown().await;
        shutdown.push(start.elapsed());
    }
    println!();
    println!(
        "(a) lab started, 3 sockets connected and welcomed: {}   goal < 10 ms: {}",
        summary(&mut ready),
        verdict(median(&mut ready) < Duration::from_millis(10))
    );
    println!("    shutting that lab down: {}", summary(&mut shutdown));
}

/// Runs `line` `STATEMENT_RUNS` times (after a warm-up) and checks every delivery.
async fn time_statement(lab: &mut Lab, line: &str, received: &[&str]) -> Vec<Duration> {
    let statement = command(line);
    let mut samples = Vec::with_capacity(STATEMENT_RUNS);
    for run in 0..STATEMENT_WARMUP + STATEMENT_RUNS {
        let start = Instant::now();
        let reports = lab.execute(&statement).await.expect("the statement runs");
        let elapsed = start.elapsed();
        let delivery = reports.iter().find_map(|r| match r {
            Report::Delivery(d) => Some(d),
            _ => None,
        });
        match delivery {
            Some(d) if d.received == received => {}
            other => panic!("`{line}` delivered wrongly on run {run}: {other:?}"),
        }
        if run >= STATEMENT_WARMUP {
            samples.push(elapsed);
        }
    }
    samples
}

/// (b) One statement, including its barrier, on a lab with 3 sockets.
async fn statements() {
    let mut lab = playground_lab().await;
    lab.execute(&command("connect alice bob carol"))
        .await
        .expect("3 sockets connect");
    lab.execute(&command("on 'chat message': io.emit('chat message', msg)"))
        .await
        .expect("the handler is set");

    println!();
    let cases: [(&str, &[&str]); 3] = [
        ("alice: socket.broadcast.emit('x', 1)", &["bob", "carol"]),
        ("io.emit('x', 1)", &["alice", "bob", "carol"]),
        (
            "alice.emit('chat message', 'hi')",
            &["alice", "bob", "carol"],
        ),
    ];
    for (line, received) in cases {
        let mut samples = time_statement(&mut lab, line, received).await;
        let median = median(&mut samples);
        println!(
            "(b) {line:<40} {}   goal median < 0.1 ms: {}",
            summary(&mut samples),
            verdict(median < Duration::from_micros(100))
        );
    }
    lab.shutdown().await;
}

/// (c) 1,000 sockets connected by one `connect` line (in parallel, reported in the written
/// order), then one `io.emit` that all of them receive, with its barrier.
async fn many_sockets() {
    let names: Vec<String> = (0..MANY).map(|i| format!("s{i:04}")).collect();
    let connect = command(&format!("connect {}", names.join(" ")));
    let emit = command("io.emit('x', 1)");
    let mut connects = Vec::new();
    let mut emits = Vec::new();
    let mut shutdown = Vec::new();
    let mut per_socket = Vec::new();
    for _ in 0..MANY_RUNS {
        let mut lab = playground_lab().await;
        let before = rss_kib();
        let start = Instant::now();
        let reports = lab.execute(&connect).await.expect("1,000 sockets connect");
        connects.push(start.elapsed());
        assert_eq!(lab.sockets().len(), MANY);
        assert_eq!(reports.len(), MANY, "one proof-of-life line a socket");
        if let (Some(before), Some(after)) = (before, rss_kib()) {
            per_socket.push(after.saturating_sub(before) as f64 / MANY as f64);
        }

        for run in 0..=STATEMENT_RUNS / 100 {
            let start = Instant::now();
            let reports = lab.execute(&emit).await.expect("the emit runs");
            let elapsed = start.elapsed();
            let received = reports
                .iter()
                .find_map(|r| match r {
                    Report::Delivery(d) => Some(d.received.len()),
                    _ => None,
                })
                .unwrap_or(0);
            assert_eq!(received, MANY, "every socket receives the io.emit");
            // The first emit warms the path up.
            if run > 0 {
                emits.push(elapsed);
            }
        }

        let start = Instant::now();
        lab.shutdown().await;
        shutdown.push(start.elapsed());
    }
    per_socket.sort_by(f64::total_cmp);
    println!();
    println!(
        "(c) `connect` of {MANY} names, connected and ready: {}",
        summary(&mut connects),
    );
    println!(
        "    io.emit received by all {MANY}, with its barrier: {}   goal median < 10 ms: {}",
        summary(&mut emits),
        verdict(median(&mut emits) < Duration::from_millis(10))
    );
    println!(
        "    shutting down {MANY} sockets: {}",
        summary(&mut shutdown)
    );
    match per_socket.get(per_socket.len() / 2) {
        Some(kib) => println!(
            "    memory per lab socket (client and server side, resident): median {kib:.1} KiB"
        ),
        None => println!("    memory per lab socket: unknown (no /proc/self/status)"),
    }
    println!("    peak memory of the process (VmHWM): {}", peak_rss());
}

/// (d) The whole process, as a user runs it: `sio-tutor play --json` reading one `connect` line
/// of N names and one `io.emit`, from start to exit.
fn whole_process() {
    let binary = env!("CARGO_BIN_EXE_sio-tutor");
    println!();
    for (count, goal, runs) in PROCESS_CASES {
        let names: Vec<String> = (0..count).map(|i| format!("s{i:04}")).collect();
        let script = format!("connect {}\nio.emit('x', 1)\n", names.join(" "));
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let output = run_play(binary, &script);
            samples.push(start.elapsed());
            assert!(output.status.success(), "play failed: {output:?}");
            let text = String::from_utf8_lossy(&output.stdout);
            let connected = text.matches("\"a user connected\"").count();
            assert_eq!(connected, count, "one proof-of-life line a socket");
            let last = text.lines().last().unwrap_or_default();
            let delivery: serde_json::Value =
                serde_json::from_str(last).expect("the delivery is JSON");
            assert_eq!(
                delivery["received"].as_array().map(Vec::len),
                Some(count),
                "every socket receives the io.emit"
            );
        }
        println!(
            "(d) sio-tutor play: `connect` of {count} names + io.emit, whole process: {}   goal < {} ms: {}",
            summary(&mut samples),
            goal.as_millis(),
            verdict(median(&mut samples) < goal)
        );
    }
}

fn run_play(binary: &str, script: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(binary)
        .args(["play", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sio-tutor starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("the script goes in");
    child.wait_with_output().expect("sio-tutor finishes")
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[index]
}

fn summary(samples: &mut [Duration]) -> String {
    let n = samples.len();
    let median = median(samples);
    let mut out = format!("median {}", ms(median));
    if n >= 100 {
        out.push_str(&format!(", p99 {}", ms(percentile(samples, 0.99))));
    }
    out.push_str(&format!(
        " (min {}, max {}, {n} runs)",
        ms(samples[0]),
        ms(samples[n - 1])
    ));
    out
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1000.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// VmHWM from /proc/self/status: the most resident memory the process has had.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_string())
}

/// VmRSS from /proc/self/status, in KiB: the resident memory right now.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn nofile_soft() -> String {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .map(|(soft, _)| soft.to_string())
        .unwrap_or_else(|e| format!("unknown ({e})"))
}
