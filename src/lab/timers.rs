//! The time this process has spent waiting on the timers a lesson teaches: an acknowledgement
//! that times out (`socket.timeout(1000).emitWithAck(...)` with nobody answering) and a
//! heartbeat that gives up on a silent client (`silence bob`, lesson 6).
//!
//! Those waits are the lesson's content, real on purpose: the learner is shown what a real
//! timeout does, so `demo --all` takes a few seconds that no optimisation may remove. Every other
//! moment a demo spends waiting is the lab's own overhead, which must stay near zero (no Nagle
//! stall, no sleep). Keeping the two apart is what lets `benches/demo-all.sh` check the second
//! while the first stays real: `sio-tutor demo --timings` prints these totals on standard error.
//!
//! The totals are process-wide because a demo runs one lab per lesson and the figure is for the
//! whole run; they only ever grow, and nothing in the lab reads them back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which taught timer a wait was for.
#[derive(Debug, Clone, Copy)]
pub enum Taught {
    /// An `emitWithAck` whose timeout fired for at least one recipient.
    AckTimeout,
    /// The server's heartbeat noticing a silent client (`ping timeout`).
    Heartbeat,
}

static ACK_TIMEOUT_NANOS: AtomicU64 = AtomicU64::new(0);
static ACK_TIMEOUTS: AtomicU64 = AtomicU64::new(0);
static HEARTBEAT_NANOS: AtomicU64 = AtomicU64::new(0);
static HEARTBEATS: AtomicU64 = AtomicU64::new(0);

/// Records that the lab waited `waited` on a taught timer of kind `kind`.
pub fn record(kind: Taught, waited: Duration) {
    let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
    let (total, count) = match kind {
        Taught::AckTimeout => (&ACK_TIMEOUT_NANOS, &ACK_TIMEOUTS),
        Taught::Heartbeat => (&HEARTBEAT_NANOS, &HEARTBEATS),
    };
    total.fetch_add(nanos, Ordering::Relaxed);
    count.fetch_add(1, Ordering::Relaxed);
}

/// The waits on taught timers so far in this process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TaughtWaits {
    pub ack_timeouts: u64,
    pub ack_timeout_time: Duration,
    pub heartbeats: u64,
    pub heartbeat_time: Duration,
}

impl TaughtWaits {
    /// Everything waited on taught timers.
    pub fn total(&self) -> Duration {
        self.ack_timeout_time + self.heartbeat_time
    }
}

/// The totals so far.
pub fn so_far() -> TaughtWaits {
    TaughtWaits {
        ack_timeouts: ACK_TIMEOUTS.load(Ordering::Relaxed),
        ack_timeout_time: Duration::from_nanos(ACK_TIMEOUT_NANOS.load(Ordering::Relaxed)),
        heartbeats: HEARTBEATS.load(Ordering::Relaxed),
        heartbeat_time: Duration::from_nanos(HEARTBEAT_NANOS.load(Ordering::Relaxed)),
    }
}
