//! `demo --timings`: the run's time split into the real timers the lessons teach and the rest.
//! `benches/demo-all.sh` relies on that split to check that a demo spends no time waiting on
//! anything but those timers; these tests check that the split counts what it says.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn demo(lesson: &str, timings: bool) -> Output {
    let home = tempfile::tempdir().expect("a temporary home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command.args(["demo", lesson]);
    if timings {
        command.arg("--timings");
    }
    let output = command
        .env("SIO_TUTOR_HOME", home.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("sio-tutor runs");
    assert!(output.status.success(), "demo {lesson} failed: {output:?}");
    output
}

/// The numbers in `timings: A s in all; the lessons' own timers B s (N ack timeouts C s, M
/// heartbeats D s); everything else E s`, in order.
fn numbers(output: &Output) -> Vec<f64> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("timings: "))
        .unwrap_or_else(|| panic!("no timings line on standard error: {stderr}"));
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|word| word.parse::<f64>().ok())
        .collect()
}

#[test]
fn lesson_5s_two_ack_timeouts_are_counted_as_taught() {
    let output = demo("5", true);
    let n = numbers(&output);
    let (all, taught, acks, ack_time, beats, beat_time, rest) =
        (n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
    // Lesson 5 lets two `timeout(1000)` asks expire (carol's, then the whole namespace's).
    assert_eq!((acks, beats), (2.0, 0.0), "{n:?}");
    assert!(
        ack_time >= 2.0,
        "two real 1 s timeouts take at least 2 s: {n:?}"
    );
    assert_eq!(beat_time, 0.0, "{n:?}");
    assert!((taught - ack_time).abs() < 0.0015, "{n:?}");
    assert!(
        (all - taught - rest).abs() < 0.0025,
        "the parts add up: {n:?}"
    );
}

#[test]
fn lesson_6s_heartbeat_is_counted_as_taught() {
    let output = demo("6", true);
    let n = numbers(&output);
    let (taught, acks, beats, beat_time) = (n[1], n[2], n[4], n[5]);
    // `silence dave`: the server's heartbeat (0.5 s interval, 1 s timeout) gives up on him.
    assert_eq!((acks, beats), (0.0, 1.0), "{n:?}");
    assert!(
        beat_time >= Duration::from_millis(1000).as_secs_f64(),
        "the heartbeat waits at least its 1 s timeout: {n:?}"
    );
    assert!((taught - beat_time).abs() < 0.0015, "{n:?}");
}

#[test]
fn a_lesson_without_timers_has_none_and_the_lesson_text_is_unchanged() {
    let with = demo("2", true);
    let n = numbers(&with);
    assert_eq!((n[1], n[2], n[4]), (0.0, 0.0, 0.0), "{n:?}");
    let without = demo("2", false);
    assert_eq!(
        with.stdout, without.stdout,
        "--timings writes only to standard error"
    );
    assert!(
        !String::from_utf8_lossy(&without.stderr).contains("timings:"),
        "no timings line without the flag"
    );
}
