//! `sio-tutor serve` end to end: the real binary on a free port, driven by the official
//! socket.io-client from Node (tests/node/serve-*.mjs) and by headless Debian chromium.
//!
//! These tests need Node.js 20 and npm (tests/node's packages are installed on first use, see
//! tests/common/npm.rs), and `/usr/bin/chromium` for the browser test, which is ignored unless
//! asked for (`cargo test -- --include-ignored`, as `.ci/run` does after installing chromium).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

#[path = "common/npm.rs"]
mod npm;

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn client_js() -> PathBuf {
    node_dir().join("node_modules/socket.io-client/dist/socket.io.min.js")
}

/// Fails with what to install when Node or the npm packages are missing.
fn require_node() {
    npm::installed();
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|out| out.status.success()),
        "these tests need Node.js 20: install it (Debian: apt-get install -y nodejs npm), then run `cd tests/node && npm ci`"
    );
    assert!(
        client_js().exists() && node_dir().join("node_modules/playwright-core").exists(),
        "the npm packages of the tests are missing: run `cd tests/node && npm ci`"
    );
}

/// A running `sio-tutor serve --port 0`, its stdout collected line by line.
struct Serve {
    child: Child,
    url: String,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl Serve {
    fn start(extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sio-tutor serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut first = String::new();
        stdout.read_line(&mut first).expect("read the first line");
        // `{"kind":"serving","urls":[...]}` with --json, `... the chat is at URL` without.
        let url = match serde_json::from_str::<Value>(&first) {
            Ok(serving) => serving["urls"][0].as_str().map(String::from),
            Err(_) => first
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
                .map(String::from),
        }
        .unwrap_or_else(|| panic!("no URL in the first line: {first:?}"));
        let lines = Arc::new(Mutex::new(vec![first.trim_end().to_string()]));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                sink.lock().expect("lines").push(line);
            }
        });
        Serve {
            child,
            url,
            lines,
            reader: Some(reader),
        }
    }

    /// Runs `node SCRIPT URL args...` in tests/node and fails with its output if it fails.
    fn node(&self, script: &str, args: &[&str]) {
        let out = Command::new("node")
            .arg(script)
            .arg(&self.url)
            .args(args)
            .current_dir(node_dir())
            .output()
            .expect("run node");
        assert!(
            out.status.success(),
            "node {script} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Ctrl-C, as a teacher would; returns everything the server printed.
    fn stop(mut self) -> Vec<String> {
        // The shell's builtin kill: a fresh Debian box may lack procps' /bin/kill.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status()
            .expect("send SIGINT");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for serve");
        assert!(exit.success(), "serve exited with {exit}");
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.lines.lock().expect("lines").clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn delivery<'a>(reports: &'a [Value], trigger: &str) -> &'a Value {
    reports
        .iter()
        .find(|r| r["kind"] == "delivery" && r["trigger"] == trigger)
        .unwrap_or_else(|| panic!("no delivery for {trigger}"))
}

fn names(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn node_clients_get_exactly_what_the_terminal_says() {
    require_node();
    let serve = Serve::start(&["--json"]);
    serve.node("serve-interop.mjs", &[]);
    let reports = json_lines(&serve.stop());

    let chat = delivery(&reports, "anna.emit('chat message', 'hello')");
    assert_eq!(chat["statement"], "io.emit('chat message', msg, name)");
    assert_eq!(names(&chat["received"]), ["anna", "ben", "cleo"]);
    assert!(names(&chat["not_received"]).is_empty());

    let typing = delivery(&reports, "ben.emit('typing')");
    assert_eq!(typing["statement"], "socket.broadcast.emit('typing', name)");
    assert_eq!(names(&typing["received"]), ["anna", "cleo"]);
    assert_eq!(names(&typing["not_received"]), ["ben"]);

    let private = delivery(
        &reports,
        "anna.emit('private message', { to: 'cleo', text: 'psst' })",
    );
    assert_eq!(
        private["statement"],
        "socket.to(cleo.id).emit('private message', msg, name)"
    );
    assert_eq!(names(&private["received"]), ["cleo"]);
    assert_eq!(names(&private["not_received"]), ["anna", "ben"]);

    let room = delivery(
        &reports,
        "ben.emit('room message', { room: 'maths', text: '2+2' })",
    );
    assert_eq!(names(&room["received"]), ["ben", "cleo"]);
    assert_eq!(names(&room["not_received"]), ["anna"]);

    assert!(reports.iter().any(|r| r["kind"] == "membership"
        && r["as"] == "ben"
        && r["statement"] == "socket.join('maths')"));
    assert!(reports.iter().any(|r| r["kind"] == "server_log"
        && r["line"] == "a user connected"
        && r["socket"] == "guest-1"));
    assert_eq!(reports.last().map(|r| &r["kind"]), Some(&"stopped".into()));
}

#[test]
fn faults_close_or_slow_only_the_offender() {
    require_node();
    let serve = Serve::start(&["--json"]);
    serve.node("serve-faults.mjs", &[]);
    let reports = json_lines(&serve.stop());
    let log = |socket: &str, starts: &str| {
        reports.iter().any(|r| {
            r["kind"] == "server_log"
                && r["socket"] == socket
                && r["line"].as_str().is_some_and(|l| l.starts_with(starts))
        })
    };
    assert!(log(
        "mallory",
        "user disconnected (it sent a malformed packet"
    ));
    assert!(log("oscar", "user disconnected"));
    assert!(log("flo", "sends more than 10 messages a second"));
}

#[test]
#[ignore = "needs Debian's chromium: cargo test -- --include-ignored"]
fn two_browsers_chat_and_html_stays_text() {
    require_node();
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser test needs Debian's chromium: apt-get install -y chromium"
    );
    let js = client_js();
    let serve = Serve::start(&["--client-js", js.to_str().expect("a UTF-8 path")]);
    serve.node("serve-browser.mjs", &[]);
    let lines = serve.stop();
    let text = lines.join("\n");
    // The text view, as the projector shows it.
    assert!(text.contains("server: a user connected  (anna)"), "{text}");
    assert!(text.contains("> anna.emit('chat message', '<img src=x onerror=alert(1)>')"));
    assert!(text.contains("server runs: io.emit('chat message', msg, name)"));
    assert!(text.contains("sio-tutor serve: stopped;"), "{text}");
}

#[test]
fn bots_answer_a_lone_teacher() {
    require_node();
    let serve = Serve::start(&["--bots", "3"]);
    serve.node("serve-bots.mjs", &[]);
    let text = serve.stop().join("\n");
    for bot in ["bot-alice", "bot-bob", "bot-carol"] {
        assert!(
            text.contains(&format!("server: a user connected  ({bot})")),
            "{text}"
        );
    }
    assert!(text.contains("> teacher.emit('chat message', 'hello bots')"));
    assert!(text.contains("3 of them bots"), "{text}");
}

#[test]
fn the_cdn_integrity_hash_is_the_npm_file_s() {
    require_node();
    let script = "const c=require('crypto'),f=require('fs');\
        process.stdout.write('sha384-'+c.createHash('sha384').update(f.readFileSync(process.argv[1])).digest('base64'))";
    let out = Command::new("node")
        .args(["-e", script])
        .arg(client_js())
        .output()
        .expect("run node");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        sio_tutor::serve::page::CLIENT_SRI
    );
    let package: Value = serde_json::from_str(
        &std::fs::read_to_string(node_dir().join("node_modules/socket.io-client/package.json"))
            .expect("read package.json"),
    )
    .expect("parse package.json");
    assert_eq!(package["version"], sio_tutor::serve::page::CLIENT_VERSION);
    assert!(
        sio_tutor::serve::page::CLIENT_CDN_URL.contains(sio_tutor::serve::page::CLIENT_VERSION)
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("address").port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .args(["serve", "--port", &port])
        .output()
        .expect("run serve");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(stderr.contains("--port 0"), "{stderr}");
}

#[test]
fn a_missing_client_file_says_how_to_get_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .args([
            "serve",
            "--port",
            "0",
            "--client-js",
            "/nonexistent/socket.io.min.js",
        ])
        .output()
        .expect("run serve");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("npm pack socket.io-client@"));
}
