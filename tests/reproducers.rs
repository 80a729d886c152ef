//! Every reproducer of issue 10 ("Node decides meaning; the lab never breaks"), run through the
//! real binary (`sio-tutor play --json`) exactly as the issue wrote it. The recipients the tests
//! expect are Node's: each recipient list below was checked on the official socket.io 4.8
//! server (the same statements are rows of `tests/semantics/table.toml`, which runs them on Node
//! too, and the random differential tests of `tests/differential.rs` cover the general case).
//!
//! Run: `cargo test --test reproducers`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs `sio-tutor play --json` on `script` (bytes, so that a test can send invalid UTF-8).
fn play_json(script: &[u8]) -> (Vec<Value>, Output) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
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
        .write_all(script)
        .expect("the script goes in");
    let output = child.wait_with_output().expect("sio-tutor finishes");
    let lines = String::from_utf8(output.stdout.clone())
        .expect("the output is UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    (lines, output)
}

/// The `received` lists of the deliveries, in order.
fn received(lines: &[Value]) -> Vec<Vec<String>> {
    lines
        .iter()
        .filter(|l| l["kind"] == "delivery")
        .map(|l| serde_json::from_value(l["received"].clone()).expect("a list of names"))
        .collect()
}

fn errors(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["kind"] == "error").collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Item 1: Node leaves out the sender's own-id room, not the sender.
#[test]
fn a_broadcast_leaves_out_the_senders_own_room_not_the_sender() {
    let (lines, output) = play_json(
        b"connect alice bob\n\
          alice: socket.leave(socket.id)\n\
          alice: socket.broadcast.emit('x')\n",
    );
    assert_eq!(received(&lines), [names(&["alice", "bob"])], "{lines:?}");
    assert!(output.status.success());

    let (lines, output) = play_json(
        b"connect alice bob carol\n\
          bob: socket.join(alice.id)\n\
          alice: socket.broadcast.emit('x')\n\
          alice: socket.except('nothing').emit('x')\n\
          alice: socket.to('room1').emit('x')\n\
          carol: socket.join('room1')\n\
          bob: socket.join('room1')\n\
          alice: socket.to('room1').emit('x')\n",
    );
    assert_eq!(
        received(&lines),
        [
            names(&["carol"]),
            names(&["carol"]),
            names(&[]),
            names(&["carol"]),
        ],
        "{lines:?}"
    );
    assert!(output.status.success());
}

/// Item 2: `socket.leave` takes one room; an array is refused with a hint.
#[test]
fn leave_with_an_array_is_refused() {
    let (lines, output) = play_json(
        b"connect alice\n\
          alice: socket.join(['a', 'b'])\n\
          alice: socket.leave(['a', 'b'])\n\
          io.to('a').emit('still in a')\n",
    );
    let errors = errors(&lines);
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert_eq!(errors[0]["line"], 3);
    assert!(
        errors[0]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("once per room"),
        "{errors:?}"
    );
    assert_eq!(received(&lines), [names(&["alice"])]);
    assert_eq!(output.status.code(), Some(1));
}

/// Item 3: `io.of('/x')` creates the namespace; the emit reaches nobody, and is no error.
#[test]
fn io_of_an_unserved_namespace_creates_it() {
    let (lines, output) = play_json(
        b"connect alice\n\
          io.of('/x').emit('hello')\n\
          io.of('/x').to('r').emit('hello')\n\
          connect bob to /x\n\
          io.of('/x').emit('hello')\n",
    );
    assert!(errors(&lines).is_empty(), "{lines:?}");
    assert_eq!(
        received(&lines),
        [names(&[]), names(&[]), names(&["bob"])],
        "{lines:?}"
    );
    assert!(output.status.success());
}

/// Item 4: deep nesting is bounded with a clear error, and within the bound it is delivered (no
/// false "not received"), directly and relayed through a handler; 11,500 levels do not crash.
#[test]
fn nesting_is_bounded_and_never_reported_as_not_received() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let script = format!(
        "connect alice bob\n\
         io.emit('deep', {})\n\
         on 'relay': io.emit('deep', msg)\n\
         alice.emit('relay', {})\n\
         io.emit('deep', {})\n\
         io.emit('deep', {})\n\
         io.emit('after', 1)\n",
        deep(64),
        deep(64),
        deep(65),
        deep(11_500),
    );
    let (lines, output) = play_json(script.as_bytes());
    assert_eq!(
        received(&lines),
        [
            names(&["alice", "bob"]),
            names(&["alice", "bob"]),
            names(&["alice", "bob"]),
        ],
        "{lines:?}"
    );
    let deliveries: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "delivery").collect();
    assert_eq!(deliveries[1]["args"][0], deliveries[0]["args"][0]);
    let errors = errors(&lines);
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in errors {
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("nest at most 64 levels"),
            "{error}"
        );
    }
    assert_eq!(output.status.code(), Some(1));
}

/// Item 5: a handler that disconnects its socket works as on Node.
#[test]
fn a_handler_that_disconnects_its_socket_works() {
    let (lines, output) = play_json(
        b"connect alice bob\n\
          on 'bye': socket.disconnect()\n\
          alice.emit('bye')\n\
          io.emit('x')\n\
          bob.emit('bye')\n\
          rooms\n",
    );
    assert!(errors(&lines).is_empty(), "{lines:?}");
    assert_eq!(received(&lines), [names(&["bob"])], "{lines:?}");
    let gone: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "server_log" && l["line"] == "user disconnected")
        .map(|l| &l["socket"])
        .collect();
    assert_eq!(gone, ["alice", "bob"]);
    assert!(output.status.success());
}

/// Item 7: JavaScript string escapes, and numbers as JavaScript doubles.
#[test]
fn strings_and_numbers_mean_what_they_mean_in_javascript() {
    let (lines, output) = play_json(
        br#"connect alice
io.emit('x', 'a\u0041 b\r c\x41 d\0', '\b\v\f', '\u{1F600}\uD83D\uDE00', 'it\'s \q')
io.emit('x', 9007199254740993, 1e400)
io.emit('x', 9007199254740993, 18446744073709551615, -0, 1e21)
"#,
    );
    let deliveries: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "delivery").collect();
    assert_eq!(deliveries.len(), 2, "{lines:?}");
    assert_eq!(
        deliveries[0]["args"],
        serde_json::json!(["aA b\r cA d\0", "\u{8}\u{b}\u{c}", "😀😀", "it's q"])
    );
    // 2^53 + 1 is not a double: JavaScript reads the nearest one, 2^53; 2^64 - 1 becomes 2^64.
    assert_eq!(
        deliveries[1]["args"].to_string(),
        "[9007199254740992,1.8446744073709552e+19,0,1e+21]"
    );
    assert_eq!(errors(&lines).len(), 1, "1e400 is Infinity: {lines:?}");
    assert_eq!(output.status.code(), Some(1));
}

/// Item 8: a line that is not UTF-8 is reported with its number, and the rest runs.
#[test]
fn invalid_utf8_is_reported_by_line_and_the_script_goes_on() {
    let (lines, output) = play_json(b"connect alice\nio.emit('x', '\xff')\r\nio.emit('y')\n");
    let errors = errors(&lines);
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[0]["column"], 15);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not valid UTF-8"),
        "{errors:?}"
    );
    assert_eq!(received(&lines), [names(&["alice"])]);
    assert_eq!(output.status.code(), Some(1));

    // The same from a file.
    let dir = tempdir("utf8");
    let path = dir.join("script.txt");
    std::fs::write(&path, b"connect alice\n\xc3\x28\nio.emit('y')\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .args(["play", "--json"])
        .arg(&path)
        .output()
        .expect("sio-tutor runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains(r#""kind":"error","line":2"#), "{text}");
    assert!(text.contains(r#""received":["alice"]"#), "{text}");
    assert_eq!(output.status.code(), Some(1));
}

fn tempdir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sio-tutor-reproducers-{what}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
