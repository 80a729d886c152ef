//! `connect` checks its whole line before connecting anything: a repeated name, or more sockets
//! than the file-descriptor limit leaves room for, gives one clear error and leaves the lab as it
//! was (no socket of that line connected, no proof-of-life line), and the script goes on.
//!
//! Run: `cargo test --test connect`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs `sio-tutor play --json` under `ulimit -n LIMIT` (soft and hard), `script` on its input.
fn play_with_file_limit(limit: u32, script: &str) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" play --json"))
        .arg(env!("CARGO_BIN_EXE_sio-tutor"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("the script goes in");
    child.wait_with_output().expect("sio-tutor finishes")
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

fn names(count: usize) -> String {
    (0..count)
        .map(|i| format!("s{i:04}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// With `ulimit -n 1024`, 1,000 names do not fit (each socket takes two descriptors here). The
/// error comes before any connection and says how many would fit; that many then connect and
/// all receive an `io.emit`, so the figure is one the lab can keep.
#[test]
fn a_connect_beyond_the_descriptor_limit_says_how_many_fit_before_connecting() {
    let output = play_with_file_limit(1024, &format!("connect {}\n", names(1000)));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "one error and nothing else: {lines:?}");
    let message = lines[0]["message"].as_str().expect("an error message");
    assert_eq!(lines[0]["kind"], "error");
    assert!(
        message.starts_with(
            "cannot connect 1000 sockets: the limit on open files here (ulimit -n) is 1024"
        ) && message.contains("Nothing was connected"),
        "{message}"
    );
    let room: usize = message
        .split("leaves room for ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.trim_end_matches('.').parse().ok())
        .unwrap_or_else(|| panic!("no figure in: {message}"));
    assert!(
        (400..500).contains(&room),
        "room for {room} sockets under 1,024?"
    );

    let output = play_with_file_limit(1024, &format!("connect {}\nio.emit('x')\n", names(room)));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), room + 1);
    let delivery = &lines[room];
    assert_eq!(delivery["kind"], "delivery");
    assert_eq!(delivery["received"].as_array().map(Vec::len), Some(room));
}

/// `connect alice bob alice carol` connects nobody: alice and bob are not left behind.
#[test]
fn a_connect_line_that_names_a_socket_twice_connects_nobody() {
    let output = common::play(
        &["--json"],
        "connect alice bob alice carol\nconnect dave\nio.emit('x')\n",
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines = json_lines(&output);
    let expected = [
        r#"{"kind":"error","line":1,"message":"alice is named twice in this line: each socket needs its own name (nothing was connected)"}"#,
        r#"{"kind":"server_log","line":"a user connected","socket":"dave","namespace":"/"}"#,
        r#"{"kind":"delivery","as":null,"statement":"io.emit('x')","namespace":"/","event":"x","args":[],"received":["dave"],"not_received":[]}"#,
    ];
    let expected: Vec<Value> = expected
        .iter()
        .map(|line| serde_json::from_str(line).expect("valid JSON"))
        .collect();
    assert_eq!(lines, expected);
}

/// A name already connected fails the line before its other names connect.
#[test]
fn a_connect_line_with_a_name_already_connected_connects_nobody() {
    let output = common::play(
        &["--json"],
        "connect alice\nconnect bob alice carol\nio.emit('x')\n",
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1]["kind"], "error");
    assert_eq!(lines[1]["message"], "alice is already connected");
    assert_eq!(lines[2]["received"], serde_json::json!(["alice"]));
    assert_eq!(lines[2]["not_received"], serde_json::json!([]));
}
