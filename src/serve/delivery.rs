//! What happened to one relayed event, told by the answers of the pages that got it.
//!
//! The emit's operator (`io`, `socket.broadcast`, `io.to(room)`, `socket.to(id)`) selects the
//! sockets; each page that got the event answers once its handler has shown it, so an answer
//! means "it is on that student's screen". Two ways, one meaning:
//!
//! - **One process** (the local adapter): the relay is numbered and queued for each selected
//!   socket, and the pages name the numbers they have shown, several relays in one answer
//!   (`super::confirm`, which says why). Whom the relay was queued for, and whether each queue
//!   took it, is known at the emit.
//! - **`serve --redis`**: the emit is socketioxide's broadcast-with-ack, whose ack stream yields
//!   one answer per addressed socket of every process (the adapter brings the other processes'
//!   answers back). The numbered relay cannot serve here: a process is not told which of its
//!   sockets another process's broadcast reached, so it could not tell a page that stopped
//!   reading from one that was never addressed. The chat page answers both.
//!
//! A socket is then:
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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::to_raw_value;
use socketioxide::ack::AckStream;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;
use socketioxide::{AckError, SendError, SocketError};

use super::roster::{Arrival, Member, Roster};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Confirmed,
    Failed(Miss),
    /// No answer when the record was closed: in time, for a page that answers; ever, for one
    /// that does not (which is not waited for).
    Timeout,
}

/// Relays `data` through `operator` (with a number, or with an acknowledgement under
/// `--redis`: see the module docs), then returns a future that waits for the answers and builds
/// the record. The relay has been handed to every addressed connection when this returns (the
/// sender's own acknowledgement, the tests' barrier, relies on it); the answers are awaited by
/// the caller, in a task of its own.
pub async fn emit<A: Adapter, T: Serialize + ?Sized>(
    roster: &Arc<Roster>,
    operator: BroadcastOperators<A>,
    relay: Relay<'_>,
    data: &T,
) -> impl Future<Output = Relayed> + Send + 'static {
    let args = match serde_json::to_value(data) {
        Ok(Value::Array(args)) => args,
        Ok(other) => vec![other],
        Err(_) => Vec::new(),
    };
    let sent = next_sent();
    let shared = roster.class().cloned();
    let waiting = match &shared {
        None => Waiting::Numbered(numbered(roster, operator, &relay, &args)),
        Some(_) => Waiting::Acks(
            roster.members(),
            operator
                .timeout(CONFIRM_TIMEOUT)
                .emit_with_ack::<_, Value>(relay.event, data)
                .await
                .ok(),
        ),
    };
    let mut record = Relayed::new(
        relay.sender.to_string(),
        relay.trigger,
        relay.statement,
        relay.event.to_string(),
        args,
        sent,
    );
    let roster = roster.clone();
    async move {
        let (class, answers) = match waiting {
            Waiting::Numbered((number, class, complete)) => {
                // Complete when every page that answers has; a page that stopped reading is
                // waited for until the timeout, then reported as a miss.
                let _ = tokio::time::timeout(CONFIRM_TIMEOUT, complete).await;
                (class, roster.tally().close(number))
            }
            Waiting::Acks(class, stream) => (class, acknowledged(stream).await),
        };
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

/// A relay on its way: numbered (one process), or with an ack stream (`--redis`); each with
/// the class as it was at the emit, for names and for who was not addressed.
enum Waiting<A: Adapter> {
    Numbered((u64, Vec<Member>, tokio::sync::oneshot::Receiver<()>)),
    Acks(Vec<Member>, Option<AckStream<Value, A>>),
}

/// Numbers the relay, queues it for every socket `operator` selects, with the number as its
/// last argument, then opens it in the tally with whom it was queued for and whose queue refused
/// it (opening after sending: see `super::confirm`). Each socket gets its own `emit` because a
/// broadcast does not say which sockets' queues refused it; the arguments are written as JSON
/// once, and each packet only copies them.
///
/// The sockets are queued in the order they arrived ([`Arrival`]), as Node's `io.emit` does;
/// socketioxide's selection comes in hash order. Why it matters, measured with 1,000 official
/// clients in one Node process (`tests/node/bench.mjs`, medians of 3 runs of 40 messages):
/// that process spent about 3 ms more CPU a message when the packets came in a random order,
/// with our server in hash order and with Node's server made to emit in a shuffled order
/// (`io.to(shuffled ids)`) alike, and the last page had each message 1.5-2 ms later: the client
/// touches its sockets' state in the order they were created. In a class each page is on its
/// own device and the order costs nothing; it is also the order the terminal lists the class in.
fn numbered<A: Adapter>(
    roster: &Roster,
    operator: BroadcastOperators<A>,
    relay: &Relay<'_>,
    args: &[Value],
) -> (u64, Vec<Member>, tokio::sync::oneshot::Receiver<()>) {
    let tally = roster.tally();
    let mut sockets = operator.sockets();
    sockets.sort_by_cached_key(|socket| socket.extensions.get::<Arrival>());
    let number = tally.number();
    let mut payload = args.to_vec();
    payload.push(super::confirm::marker(number));
    // The same arguments go to every socket: written as JSON once, each socket's packet only
    // copies them (socketioxide writes a `RawValue` as it is). A `Value` always serializes, so
    // the fallback is for form's sake.
    let refused = match payload
        .iter()
        .map(to_raw_value)
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(encoded) => queue(&sockets, relay.event, &encoded),
        Err(_) => queue(&sockets, relay.event, &payload),
    };
    let opened = tally.open(number, roster, sockets.iter().map(|s| s.id), &refused);
    (number, opened.class, opened.complete)
}

/// Queues `event` with `args` for each of `sockets`, in order, and returns those whose queue
/// refused it, with why.
fn queue<A: Adapter, T: Serialize>(
    sockets: &[SocketRef<A>],
    event: &str,
    args: &[T],
) -> Vec<(Sid, Miss)> {
    let payload = Spread(args);
    let mut refused = Vec::new();
    for socket in sockets {
        let miss = match socket.emit(event, &payload) {
            Ok(()) => continue,
            Err(SendError::Socket(SocketError::InternalChannelFull)) => Miss::BufferFull,
            Err(_) => Miss::Disconnected,
        };
        refused.push((socket.id, miss));
    }
    refused
}

/// The event's arguments, serialized as a tuple so that socketioxide sends each as its own
/// argument (a `Vec` would arrive as one array).
struct Spread<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for Spread<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

/// The answers of a broadcast-with-ack, by socket.
async fn acknowledged<A: Adapter>(stream: Option<AckStream<Value, A>>) -> HashMap<Sid, Answer> {
    let mut answers = HashMap::new();
    if let Some(stream) = stream {
        let mut stream = std::pin::pin!(stream);
        while let Some((sid, result)) = stream.next().await {
            let answer = match result {
                Ok(_) | Err(AckError::Decode(_)) => Answer::Confirmed,
                Err(AckError::Timeout) => Answer::Timeout,
                Err(AckError::Socket(SocketError::InternalChannelFull)) => {
                    Answer::Failed(Miss::BufferFull)
                }
                Err(AckError::Socket(SocketError::Closed)) => Answer::Failed(Miss::Disconnected),
            };
            answers.insert(sid, answer);
        }
    }
    answers
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
