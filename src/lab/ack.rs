//! Acknowledgements: the server asking its clients for an answer
//! (`socket.timeout(1000).emitWithAck(...)`, `io.timeout(1000).emitWithAck(...)`), and what
//! each recipient answered or why it did not.
//!
//! Every answer travels as a real Socket.IO ACK packet carrying the id of the server's request
//! (the lab's clients answer with tf-rust-socketio's `ack_with_id`, `crate::lab::client`). A
//! socket that does not answer is given up on by socketioxide's own timer after the statement's
//! timeout: the "no answer" a lesson shows is that real timeout, never a guess. Waiting for
//! every answer or timeout before the barrier keeps the proof of receipt as it is: each
//! recipient records the event before it answers, so once the answers are in, so are the
//! events.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use socketioxide::AckError;
use socketioxide::socket::Sid;

use super::LabError;
use super::execute::Arguments;
use super::select::Selection;
use super::server::LabAdapter;
use super::state::ServerState;
use super::timers::{self, Taught};

/// Node's error for an acknowledgement that did not come in time (`new Error("operation has
/// timed out")` in socket.io's `socket.js` and `broadcast-operator.js`, 4.8). socketioxide says
/// `ack timeout error`; the lab teaches Node's words.
pub const TIMED_OUT: &str = "operation has timed out";

/// One recipient's answer: the value it answered (the first argument of its callback, as Node
/// resolves it), or the error it gave instead.
#[derive(Debug, Clone, PartialEq)]
pub struct AskAnswer {
    pub socket: String,
    pub answer: Result<Value, String>,
}

/// Emits through `selection` asking every recipient for an answer, and waits until each has
/// answered or timed out. Returns whether the form resolves to one value (`socket.timeout(..)
/// .emitWithAck`) rather than an array, and the answers by socket name (in no particular order).
pub(super) async fn ask<A: LabAdapter>(
    state: &ServerState,
    namespace: &str,
    selection: Selection<A>,
    event: &str,
    args: &[Value],
    timeout_ms: u64,
) -> Result<(bool, Vec<AskAnswer>), LabError> {
    let timeout = Duration::from_millis(timeout_ms);
    let asked = Instant::now();
    let failed = |e: String| LabError::server(format!("the emit failed: {e}"));
    let name = |sid| {
        state
            .name_of(namespace, sid)
            .unwrap_or_else(|| "a socket that left".to_string())
    };
    match selection {
        Selection::Sender(socket) => {
            let stream = socket
                .timeout(timeout)
                .emit_with_ack::<_, Value>(event, &Arguments(args))
                .map_err(|e| failed(e.to_string()))?;
            let answer = stream.await;
            if matches!(answer, Err(AckError::Timeout)) {
                timers::record(Taught::AckTimeout, asked.elapsed());
            }
            let answer = answer.map_err(describe);
            Ok((
                true,
                vec![AskAnswer {
                    socket: name(socket.id),
                    answer,
                }],
            ))
        }
        Selection::Broadcast(operator) => {
            let stream = operator
                .timeout(timeout)
                .emit_with_ack::<_, Value>(event, &Arguments(args))
                .await
                .map_err(|e| failed(e.to_string()))?;
            let answers: Vec<(Sid, Result<Value, AckError>)> = stream.collect().await;
            if answers
                .iter()
                .any(|(_, answer)| matches!(answer, Err(AckError::Timeout)))
            {
                timers::record(Taught::AckTimeout, asked.elapsed());
            }
            let answers = answers
                .into_iter()
                .map(|(sid, answer)| AskAnswer {
                    socket: name(sid),
                    answer: answer.map_err(describe),
                })
                .collect();
            Ok((false, answers))
        }
    }
}

/// An acknowledgement error in Node's words where Node has them.
fn describe(error: AckError) -> String {
    match error {
        AckError::Timeout => TIMED_OUT.to_string(),
        other => other.to_string(),
    }
}
