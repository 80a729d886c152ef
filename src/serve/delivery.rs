//! What happened to one relayed event, told by the acknowledgements of the pages that got it.
//!
//! Every relay is emitted with an acknowledgement and a timeout (socketioxide's
//! broadcast-with-ack). The ack stream that comes back yields one answer per socket the emit was
//! addressed to: that stream, not the roster, says who was addressed and who answered. The chat
//! page answers each relayed event as soon as its handler has shown it, so an answer means "it
//! is on that student's screen". A socket is then:
//!
//! - **confirmed**: its page answered;
//! - **missed**, with the reason: its page declared that it answers (the handshake's
//!   `auth.confirms`) but did not in time, or the socket disconnected first, or socketioxide's
//!   buffer for it was full so the packet was never queued;
//! - **sent, not confirmed**: a page that never answers (the official tutorial's page, the
//!   rehearsal bots) got the packet queued and said nothing, as expected. Never shown as ✓.
//!
//! Sockets of the class the emit did not address are listed too, as the lab does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;
use socketioxide::{AckError, SocketError};

use super::roster::{Member, Roster};
use super::shared::Forwarded;

/// How long a page has to answer a relayed event. A browser on loopback answers in a
/// millisecond, a phone on a busy classroom Wi-Fi in tens; past this, the terminal says so.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a socket missed an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Miss {
    /// Its page answers relayed events, but did not answer this one in time.
    NoAnswer,
    /// It disconnected before answering.
    Disconnected,
    /// socketioxide's buffer of packets for it was full (it stopped reading): never queued.
    BufferFull,
}

impl Miss {
    pub fn reason(self) -> String {
        match self {
            Miss::NoAnswer => format!("no answer in {} s", CONFIRM_TIMEOUT.as_secs()),
            Miss::Disconnected => "disconnected".to_string(),
            Miss::BufferFull => "its buffer was full".to_string(),
        }
    }
}

/// One relayed event and its fate at every socket of the class.
#[derive(Debug, Clone, Serialize)]
pub struct Relayed {
    /// The sender's nickname.
    #[serde(rename = "as")]
    pub sender: String,
    /// What the browser sent, as client-side JavaScript: `anna.emit('chat message', 'hi')`.
    pub trigger: String,
    /// The server-side statement that relayed it: `io.emit('chat message', msg, name)`.
    pub statement: String,
    pub event: String,
    pub args: Vec<Value>,
    /// Every socket the emit was addressed to, in connection order.
    pub received: Vec<String>,
    /// Every other socket of the class, in connection order.
    pub not_received: Vec<String>,
    /// Addressed sockets whose page answered.
    pub confirmed: Vec<String>,
    /// Addressed sockets that missed it, with why.
    pub missed: Vec<Missed>,
    /// Addressed sockets whose page does not answer (official tutorial page, bots).
    pub unconfirmed: Vec<String>,
    /// Every socket of the class at the emit, in connection order (for the verbose view).
    #[serde(skip)]
    pub class: Vec<String>,
    /// When it was relayed, in this process's order ([`next_sent`]). Records are finished in
    /// the order their last answer comes, not the order they were sent: a view that cares about
    /// the order (typing before a message) reads this.
    #[serde(skip)]
    pub sent: u64,
}

impl Relayed {
    /// A relay with no answers sorted yet ([`fill`] sorts them).
    fn new(
        sender: String,
        trigger: String,
        statement: String,
        event: String,
        args: Vec<Value>,
        sent: u64,
    ) -> Relayed {
        Relayed {
            sender,
            trigger,
            statement,
            event,
            args,
            received: Vec::new(),
            not_received: Vec::new(),
            confirmed: Vec::new(),
            missed: Vec::new(),
            unconfirmed: Vec::new(),
            class: Vec::new(),
            sent,
        }
    }
}

/// The next number in the order relays are sent (or, for a forwarded record, received).
fn next_sent() -> u64 {
    static SENT: AtomicU64 = AtomicU64::new(0);
    SENT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    pub socket: String,
    pub reason: Miss,
}

/// What a handler is about to relay, for its record.
pub struct Relay<'a> {
    pub sender: &'a str,
    pub trigger: String,
    pub statement: String,
    pub event: &'a str,
}

/// What one addressed socket answered (forwarded between `serve --redis` processes).
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Confirmed,
    Failed(Miss),
    Timeout,
}

/// Emits `data` through `operator` with an acknowledgement, then returns a future that waits
/// for the answers and builds the record. The emit itself has been handed to every addressed
/// connection when this returns (the sender's own acknowledgement, the tests' barrier, relies
/// on it); the answers are awaited by the caller, in a task of its own.
pub async fn emit<A: Adapter, T: Serialize + ?Sized>(
    roster: &Roster,
    operator: BroadcastOperators<A>,
    relay: Relay<'_>,
    data: &T,
) -> impl Future<Output = Relayed> + Send + 'static {
    let args = match serde_json::to_value(data) {
        Ok(Value::Array(args)) => args,
        Ok(other) => vec![other],
        Err(_) => Vec::new(),
    };
    // The class as it is at the moment of the emit, for names and for who was not addressed.
    let class = roster.members();
    let shared = roster.class().cloned();
    let sent = next_sent();
    let stream = operator
        .timeout(CONFIRM_TIMEOUT)
        .emit_with_ack::<_, Value>(relay.event, data)
        .await;
    let mut record = Relayed::new(
        relay.sender.to_string(),
        relay.trigger,
        relay.statement,
        relay.event.to_string(),
        args,
        sent,
    );
    async move {
        let mut answers: HashMap<Sid, Answer> = HashMap::new();
        if let Ok(stream) = stream {
            let mut stream = std::pin::pin!(stream);
            while let Some((sid, result)) = stream.next().await {
                let answer = match result {
                    Ok(_) | Err(AckError::Decode(_)) => Answer::Confirmed,
                    Err(AckError::Timeout) => Answer::Timeout,
                    Err(AckError::Socket(SocketError::InternalChannelFull)) => {
                        Answer::Failed(Miss::BufferFull)
                    }
                    Err(AckError::Socket(SocketError::Closed)) => {
                        Answer::Failed(Miss::Disconnected)
                    }
                };
                answers.insert(sid, answer);
            }
        }
        if let Some(shared) = shared {
            // Answers from the pages of other processes: theirs to report (`super::shared`).
            let others: Vec<(String, Answer)> = answers
                .iter()
                .filter(|(sid, _)| !class.iter().any(|m| m.sid == **sid))
                .map(|(sid, answer)| (sid.to_string(), *answer))
                .collect();
            if !others.is_empty() {
                shared
                    .forward(&Forwarded {
                        origin: shared.origin().to_string(),
                        sender: record.sender.clone(),
                        trigger: record.trigger.clone(),
                        statement: record.statement.clone(),
                        event: record.event.clone(),
                        args: record.args.clone(),
                        answers: others,
                    })
                    .await;
            }
        }
        fill(&mut record, &class, answers);
        record
    }
}

/// The record of a relay another process sent, for this process's own students: those the
/// forwarded answers name, and the others as not addressed.
pub fn forwarded(forwarded: Forwarded, class: &[Member]) -> Relayed {
    let mut record = Relayed::new(
        forwarded.sender,
        forwarded.trigger,
        forwarded.statement,
        forwarded.event,
        forwarded.args,
        next_sent(),
    );
    let answers = forwarded
        .answers
        .into_iter()
        .filter_map(|(sid, answer)| sid.parse::<Sid>().ok().map(|sid| (sid, answer)))
        .collect();
    fill(&mut record, class, answers);
    record
}

/// Sorts the answers into the record's lists, in connection order.
fn fill(record: &mut Relayed, class: &[Member], answers: HashMap<Sid, Answer>) {
    for member in class {
        let name = member.name.to_string();
        record.class.push(name.clone());
        let Some(answer) = answers.get(&member.sid) else {
            record.not_received.push(name);
            continue;
        };
        record.received.push(name.clone());
        match answer {
            Answer::Confirmed => record.confirmed.push(name),
            // A page that never answers and then closed: the packet may well have reached it
            // first; nobody can tell, so it stays "sent, not confirmed".
            Answer::Failed(Miss::Disconnected) if !member.confirms => record.unconfirmed.push(name),
            Answer::Failed(reason) => record.missed.push(Missed {
                socket: name,
                reason: *reason,
            }),
            Answer::Timeout if member.confirms => record.missed.push(Missed {
                socket: name,
                reason: Miss::NoAnswer,
            }),
            Answer::Timeout => record.unconfirmed.push(name),
        }
    }
}
