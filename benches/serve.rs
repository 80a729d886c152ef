//! The classroom benchmark: `cargo bench --bench serve`.
//!
//! Connects 100 and then 1,000 clients to `sio-tutor serve` (this build) and to the official
//! Node Socket.IO server running the chat example's handler, has one client send messages, and
//! prints p50/p99 of the time until every client has each message, the servers' memory, and the
//! ratio. The load and the measuring are in `tests/node/bench.mjs` (the official JS client is the
//! fair client for both servers); this target only finds the binary and runs it. Arguments after
//! `--` are passed on: `cargo bench --bench serve -- --clients 100 --runs 5`.
//!
//! `cargo bench --bench serve -- --redis` compares one `serve` process with two `serve --redis`
//! processes sharing a private `redis-server` (started here, stopped after; issue 16).

use std::path::Path;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/node/bench.mjs");
    if !root.join("tests/node/node_modules/socket.io").exists() {
        eprintln!("the benchmark needs Node.js 20 and the npm packages: cd tests/node && npm ci");
        return ExitCode::FAILURE;
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and a minutes-long
    // load test has no place in a test run.
    if !std::env::args().any(|a| a == "--bench") {
        println!("the serve benchmark runs with: cargo bench --bench serve");
        return ExitCode::SUCCESS;
    }
    let mut passed: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench" && a != "--redis")
        .collect();
    // Held until the benchmark ends; dropping it stops the private Redis.
    let _redis = if std::env::args().any(|a| a == "--redis") {
        match sio_tutor::lab::redis::RedisServer::start() {
            Ok(redis) => {
                passed.extend(["--redis-url".to_string(), redis.url().to_string()]);
                Some(redis)
            }
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let status = Command::new("node")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_sio-tutor"))
        .args(passed)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("cannot run node: {error} (install Node.js 20)");
            ExitCode::FAILURE
        }
    }
}
