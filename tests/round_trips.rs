//! No command of the lab waits on Nagle's algorithm: over 1,000 commands of every kind that puts
//! packets on the wire (connects, client emits through a handler, statements with their barrier,
//! client-side disconnects), none takes 20 ms or more.
//!
//! Each of these takes well under a millisecond when nothing stalls. The stall this guards against
//! is exact: a client that writes two small frames in a row without `TCP_NODELAY` (a Socket.IO
//! CONNECT after the engine.io handshake, a DISCONNECT and the close frame) has the second held
//! until the server's delayed ACK, 40 ms later. rust_engineio opened its WebSocket that way; the
//! patch in `patches/rust_engineio` turns Nagle off, and this test fails if it ever stops doing so.
//!
//! The machine may be busy (CI runners, other builds): time this process spent ready to run but
//! waiting for a CPU is not a stall, so it is taken off each command's time. The kernel counts it
//! per thread (`/proc/self/task/*/schedstat`, second field); a Nagle stall is time spent asleep,
//! waiting for the peer's ACK, so it stays in.
//!
//! Run: `cargo test --test round_trips`.

use std::time::{Duration, Instant};

use sio_tutor::lab::{Lab, LabOptions};
use sio_tutor::script::{Command, parse_command};

/// Half the 40 ms delayed-ACK stall, and a hundred times a normal round trip.
const SLOW: Duration = Duration::from_millis(20);
const COMMANDS: usize = 1_000;

fn command(line: &str) -> Command {
    parse_command(line)
        .unwrap_or_else(|e| panic!("`{line}`: {e}"))
        .unwrap_or_else(|| panic!("`{line}` is blank"))
}

/// Nanoseconds that the threads of this process have spent runnable but not running.
fn waited_for_cpu() -> Duration {
    let mut total = 0u64;
    let tasks = std::fs::read_dir("/proc/self/task").expect("Linux's /proc/self/task");
    for task in tasks.flatten() {
        // `cpu time, run delay, time slices`; a thread that just ended has no file: skip it.
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += stat
                .split_whitespace()
                .nth(1)
                .and_then(|delay| delay.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(total)
}

// The multi-thread runtime, as the binary uses: on a current-thread runtime the stall does not
// show up (the client's two frames and the server's ACK interleave differently there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_round_trip_waits_for_a_delayed_ack() {
    let mut lab = Lab::start(LabOptions {
        namespaces: Vec::new(),
        serve_on_connect: true,
        network: false,
    })
    .await
    .expect("the lab starts");
    for line in [
        "connect alice bob carol",
        "on 'chat message': io.emit('chat message', msg)",
    ] {
        lab.execute(&command(line)).await.expect(line);
    }

    let mut slow = Vec::new();
    let mut kinds = [0usize; 4];
    for i in 0..COMMANDS {
        // Four kinds in turn; a guest connects and later leaves from its own side.
        let guest = format!("guest{}", i / 4);
        let line = match i % 4 {
            0 => format!("connect {guest}"),
            1 => "alice.emit('chat message', 'hi')".to_string(),
            2 => format!("{guest}: socket.broadcast.emit('x', {i})"),
            _ => format!("disconnect {guest}"),
        };
        let statement = command(&line);
        let (start, waited) = (Instant::now(), waited_for_cpu());
        lab.execute(&statement).await.expect(&line);
        let elapsed = start
            .elapsed()
            .saturating_sub(waited_for_cpu().saturating_sub(waited));
        kinds[i % 4] += 1;
        if elapsed >= SLOW {
            slow.push(format!("{line}: {elapsed:?}"));
        }
    }
    lab.shutdown().await;
    assert_eq!(kinds, [250; 4], "every kind of command ran");
    assert!(
        slow.is_empty(),
        "{} of {COMMANDS} commands took {SLOW:?} or more, not counting waits for a CPU (a Nagle stall is 40 ms):\n{}",
        slow.len(),
        slow.join("\n")
    );
}
