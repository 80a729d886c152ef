//! Helpers shared by the integration tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `sio-tutor play ARGS` with `input` on standard input. Standard output is a pipe, so the
/// output has no colour, as a learner's piped output would.
pub fn play(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .arg("play")
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sio-tutor starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the script goes in");
    child.wait_with_output().expect("sio-tutor finishes")
}
