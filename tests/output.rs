//! The output layer through the binary: a closed pipe ends every command quietly with status 0
//! (as `sio-tutor list | head -0`), a full disk (`> /dev/full`) is a clear error with status 1,
//! never a panic; the width comes from `--width` or `COLUMNS`; colour is decided per stream.

use std::path::Path;
use std::process::{Command, Output, Stdio};

#[path = "common/redis.rs"]
mod redis_here;

/// The commands that print for a person or a tool, without a terminal.
const COMMANDS: &[&[&str]] = &[
    &["list"],
    &["journal"],
    &["lessons", "check"],
    &["reset", "--yes"],
    &["demo", "1"],
    &["demo", "--all", "--json"],
    &["play", "tests/output.rs"],
];

/// Whether `args` runs the scaling lesson, which needs `redis-server`.
fn runs_the_scaling_lesson(args: &[&str]) -> bool {
    args.contains(&"--all") || args == ["lessons", "check"]
}

/// The commands this machine can run: without `redis-server` (a fresh clone with only the
/// toolchain, Node and npm), those that run the scaling lesson are skipped loudly; under CI
/// they are never skipped (see `common/redis.rs`).
fn runnable_commands(test: &str) -> Vec<&'static [&'static str]> {
    let redis = COMMANDS.iter().any(|args| runs_the_scaling_lesson(args))
        && redis_here::available(&format!("{test}: demo --all and lessons check"));
    COMMANDS
        .iter()
        .copied()
        .filter(|args| redis || !runs_the_scaling_lesson(args))
        .collect()
}

fn sio_tutor(args: &[&str], home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(args)
        .env("SIO_TUTOR_HOME", home)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn finish(mut command: Command) -> Output {
    command.output().expect("sio-tutor runs")
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let home = tempfile::tempdir().expect("a temporary folder");
    for args in runnable_commands("a_closed_pipe_ends_every_command_quietly") {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let mut command = sio_tutor(args, home.path());
        command.stdout(writer);
        let output = finish(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_a_clear_error_in_every_command() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let home = tempfile::tempdir().expect("a temporary folder");
    for args in runnable_commands("a_full_disk_is_a_clear_error_in_every_command") {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full opens");
        let mut command = sio_tutor(args, home.path());
        command.stdout(full);
        let output = finish(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            "sio-tutor: cannot write the output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
}

fn stdout_of(args: &[&str], env: &[(&str, &str)]) -> String {
    let home = tempfile::tempdir().expect("a temporary folder");
    let mut command = sio_tutor(args, home.path());
    command.stdout(Stdio::piped()).envs(env.iter().copied());
    let output = finish(command);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn colour_is_decided_per_stream_and_never_changes_the_text() {
    let plain = stdout_of(&["demo", "1"], &[]);
    assert!(!plain.contains('\u{1b}'), "a pipe gets no colour");
    let forced = stdout_of(&["demo", "1"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains('\u{1b}'), "CLICOLOR_FORCE colours a pipe");
    let no_color = stdout_of(
        &["demo", "1"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert_eq!(no_color, plain, "NO_COLOR wins");
    let stripped = anstream::adapter::strip_str(&forced).to_string();
    assert_eq!(stripped, plain, "colour adds escapes and nothing else");
    assert!(
        plain.contains("`chat message`"),
        "code spans keep their backticks"
    );
}

fn widest(text: &str) -> usize {
    text.lines()
        .map(textwrap::core::display_width)
        .max()
        .unwrap_or(0)
}

#[test]
fn list_fits_the_width() {
    for width in ["60", "80", "120"] {
        let by_columns = stdout_of(&["list"], &[("COLUMNS", width)]);
        let by_flag = stdout_of(&["list", "--width", width], &[("COLUMNS", "200")]);
        assert_eq!(by_columns, by_flag, "--width and COLUMNS agree at {width}");
        let width: usize = width.parse().expect("a number");
        assert!(widest(&by_columns) <= width, "{by_columns}");
    }
    let lessons = sio_tutor::lesson::load_all(sio_tutor::lesson::Source::BuiltIn)
        .expect("the built-in lessons load")
        .len();
    let wide = stdout_of(&["list"], &[("COLUMNS", "200")]);
    assert_eq!(
        wide.lines().count(),
        lessons,
        "one line a lesson when it fits"
    );
}

#[test]
fn demo_all_fits_60_columns_and_uses_120() {
    if !redis_here::available("demo_all_fits_60_columns_and_uses_120") {
        return;
    }
    let narrow = stdout_of(&["demo", "--all"], &[("COLUMNS", "60")]);
    assert!(widest(&narrow) <= 60, "a line is wider than 60 columns");
    let wide = stdout_of(&["demo", "--all"], &[("COLUMNS", "120")]);
    assert!(widest(&wide) <= 120, "a line is wider than 120 columns");
    assert!(widest(&wide) > 100, "at 120 columns the pages use the room");
    assert!(
        wide.lines().count() < narrow.lines().count(),
        "wider is shorter"
    );
    let flag = stdout_of(&["demo", "--all", "--width", "60"], &[("COLUMNS", "120")]);
    assert_eq!(flag, narrow, "--width wins over COLUMNS");
}

/// Lesson 4 has every kind of line: pages, quizzes, deliveries grouped by namespace, a connect
/// error, room maps.
#[test]
fn the_namespaces_lesson_at_60_and_120_columns() {
    for width in ["60", "120"] {
        let text = stdout_of(&["demo", "4"], &[("COLUMNS", width)]);
        insta::assert_snapshot!(format!("demo_04_at_{width}"), text);
    }
    for width in ["60", "120"] {
        let text = stdout_of(&["list"], &[("COLUMNS", width)]);
        insta::assert_snapshot!(format!("list_at_{width}"), text);
    }
}
