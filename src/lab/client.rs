//! One named client socket: a real tf-rust-socketio async client (rust_socketio 0.6 plus answers
//! to the server's acknowledgement requests; `docs/stack-facts.md`, 13), over WebSocket, that
//! writes down every event it receives.
//!
//! The settings below each avoid a trap measured on this stack (see `docs/stack-facts.md`):
//! WebSocket transport, because the default handshake over HTTP polling costs about 100 ms a
//! client; `reconnect(false)`, because the default retries forever after the lab has closed;
//! and at most one acknowledgement in flight per client, because rust_socketio mixes up
//! concurrent acks. Callbacks never await anything that needs the receive loop (that would
//! deadlock it) and never panic (that would kill it silently).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;
use tf_rust_socketio::asynchronous::{Client, ClientBuilder};
use tf_rust_socketio::{Event, Payload, TransportType};
use tokio::sync::{Notify, oneshot, watch};

use super::LabError;
use super::scaffold::lock;
use super::server::{FENCE_EVENT, NAME_KEY, WELCOME_EVENT};

/// Event names that rust_socketio reads as its own events (case does not matter to it): an
/// event with one of these names would not reach a lab socket as sent, so the lab refuses to
/// send one (see `docs/stack-facts.md`, "Small surprises"). Node has no such limit: this is the
/// lab client's concern, not the statement language's.
pub const CLIENT_RESERVED_EVENTS: &[&str] = &["message", "error", "open", "close"];

/// Event names the lab uses for its own bookkeeping start with this prefix.
pub const INTERNAL_EVENT_PREFIX: &str = "sio-tutor:";

/// Why the lab's clients cannot carry an event of this name, if they cannot.
pub fn refuse_event(event: &str) -> Option<LabError> {
    if CLIENT_RESERVED_EVENTS.contains(&event.to_lowercase().as_str()) {
        return Some(LabError::ReservedEvent {
            event: event.to_string(),
            why: "the lab's Rust client (rust_socketio) keeps it for itself, so it could not show who received it: pick another name, such as 'chat message' or 'news'",
        });
    }
    if event.starts_with(INTERNAL_EVENT_PREFIX) {
        return Some(LabError::ReservedEvent {
            event: event.to_string(),
            why: "event names starting with \"sio-tutor:\" belong to the lab itself",
        });
    }
    None
}

/// How long a round trip may take before the lab gives up with an error. This bounds a failure;
/// it is never how the lab decides that an event was not delivered.
pub const ROUND_TRIP_LIMIT: Duration = Duration::from_secs(10);

/// What one lab socket costs this process in file descriptors: the client's end of its TCP
/// connection and the server's end (rust_socketio opens one connection per client; the JS
/// client's multiplexing has no equivalent here).
pub const DESCRIPTORS_PER_SOCKET: u64 = 2;

/// Descriptors kept free for everything else: the listener, the runtime, the terminal, history
/// and lesson files, and the descriptor that counting `/proc/self/fd` itself takes.
const SPARE_DESCRIPTORS: u64 = 32;

/// How many more sockets the file-descriptor limit leaves room for.
pub struct DescriptorRoom {
    /// The soft limit on open files (`ulimit -n`).
    pub limit: u64,
    /// Sockets that still fit under it, beyond those already open.
    pub sockets: usize,
}

/// The room under the file-descriptor limit right now, or `None` where it cannot be known
/// (no `/proc/self/fd`: not Linux). Past the limit a connection does not fail cleanly: the
/// accept loop or the client stalls or errors half-way, so the lab checks before connecting.
pub fn descriptor_room() -> Option<DescriptorRoom> {
    let (limit, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).ok()?;
    let open = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    let free = limit.saturating_sub(open).saturating_sub(SPARE_DESCRIPTORS);
    Some(DescriptorRoom {
        limit,
        sockets: usize::try_from(free / DESCRIPTORS_PER_SOCKET).unwrap_or(usize::MAX),
    })
}

/// An event as one client received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub event: String,
    pub args: Vec<Value>,
}

impl Received {
    /// Turns what rust_socketio hands a callback back into the event the server sent.
    ///
    /// rust_socketio reads a packet with no arguments (`["bye"]`) as the data of an event named
    /// `message`, so `(Message, ["bye"])` means the event `bye` with no arguments. That is why
    /// the statement language does not let a lab emit an event named `message` (see
    /// [`CLIENT_RESERVED_EVENTS`]). The lab's own events are left out.
    fn from_callback(event: Event, payload: Payload) -> Option<Received> {
        let values = match payload {
            Payload::Text(values, _) => values,
            _ => Vec::new(),
        };
        let received = match event {
            Event::Custom(event) => Received {
                event,
                args: values,
            },
            Event::Message => match values.as_slice() {
                [Value::String(event)] => Received {
                    event: event.clone(),
                    args: Vec::new(),
                },
                _ => return None,
            },
            _ => return None,
        };
        (!received.event.starts_with(INTERNAL_EVENT_PREFIX)).then_some(received)
    }
}

/// How a client answers the server's `emitWithAck` for one event, as set by
/// `bob.on('question', (q, callback) => callback('yes'))`.
#[derive(Debug, Clone)]
struct Answer {
    /// The arrow function's parameter count, the callback included.
    arity: usize,
    value: Value,
}

/// The client's answering functions, by event name.
type Answers = Arc<Mutex<HashMap<String, Answer>>>;

pub struct LabClient {
    pub name: String,
    pub namespace: String,
    client: Client,
    inbox: Arc<Mutex<Vec<Received>>>,
    answers: Answers,
    /// Bumped after every event recorded in the inbox, so that the lab can wait for one event
    /// (a volatile one, which the barrier cannot vouch for) without polling.
    arrivals: Arc<watch::Sender<u64>>,
    /// The number of the last fence this client received (see [`Fences`]).
    fence_seen: Arc<AtomicU64>,
    /// This client's id on the lab's fence board.
    pub board_id: u64,
}

/// The fence board: the one piece of memory the lab's clients and the lab share for the proof
/// of receipt (see `crate::lab`, "How bob did NOT receive it is proven").
///
/// The lab arms fence *n* for the clients it has, the server emits `sio-tutor:fence` *n* to
/// every socket, and each client, when that event reaches its receive loop (after everything
/// the server sent it before), crosses itself off here. The last one wakes the lab. Nothing
/// travels back over the network: one broadcast replaces a round trip per client.
///
/// The board waits for *named* clients, not for a count: a client the lab has already let go
/// of (its socket disconnected by the server a moment ago) can still receive a fence, and must
/// not stand in for one that has not. (A count did exactly that, about once in a thousand
/// statements after a server-side disconnect.)
#[derive(Default)]
pub struct Fences {
    /// The fence being waited for, and the clients (by board id) that have not seen it yet.
    current: Mutex<(u64, HashSet<u64>)>,
    /// Woken when that set becomes empty.
    all_seen: Notify,
    /// The next client's board id.
    next_id: AtomicU64,
}

impl Fences {
    /// Arms the next fence for the clients `ids` and returns its number.
    pub fn arm(&self, ids: impl IntoIterator<Item = u64>) -> u64 {
        let mut current = lock(&self.current);
        *current = (current.0 + 1, ids.into_iter().collect());
        current.0
    }

    /// Client `id` has received fence `number`.
    fn saw(&self, id: u64, number: u64) {
        let mut current = lock(&self.current);
        if current.0 == number && current.1.remove(&id) && current.1.is_empty() {
            // A permit is stored if the lab is not waiting yet, so the wake is never lost.
            self.all_seen.notify_one();
        }
    }

    /// Waits until every client armed for has seen fence `number`. No polling and no sleep:
    /// the last client's callback wakes it.
    pub async fn wait(&self, number: u64) {
        loop {
            // Registered before the check, so a wake between the two is not missed.
            let woken = self.all_seen.notified();
            {
                let current = lock(&self.current);
                if current.0 != number || current.1.is_empty() {
                    return;
                }
            }
            woken.await;
        }
    }
}

/// How a connection attempt ended.
pub enum Connection {
    Ready(LabClient),
    /// The server refused the connection; the message is what the client was told.
    Refused(String),
}

/// A one-shot signal that a `FnMut` callback can fire (the first call wins).
type Signal<T> = Arc<Mutex<Option<oneshot::Sender<T>>>>;

fn fire<T>(signal: &Signal<T>, value: T) {
    if let Some(sender) = signal.lock().ok().and_then(|mut slot| slot.take()) {
        let _ = sender.send(value);
    }
}

impl LabClient {
    /// Connects `name` to `namespace` and waits for the server's welcome (or its refusal). The
    /// client reports the fences it receives to `fences`.
    ///
    /// `auth` is the handshake auth a lesson gives the socket (`connect alice with auth {...}`);
    /// the lab's friendly name travels beside it, under [`NAME_KEY`], and the server takes it
    /// out again before anything the learner sees.
    pub async fn connect(
        url: &str,
        name: &str,
        namespace: &str,
        auth: Option<&Value>,
        fences: &Arc<Fences>,
    ) -> Result<Connection, LabError> {
        let fence_seen = Arc::new(AtomicU64::new(0));
        let (board, seen) = (fences.clone(), fence_seen.clone());
        let board_id = fences.next_id.fetch_add(1, Ordering::Relaxed);
        let mut handshake = match auth {
            Some(Value::Object(auth)) => auth.clone(),
            _ => serde_json::Map::new(),
        };
        handshake.insert(NAME_KEY.to_string(), Value::String(name.to_string()));
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), String>>();
        let ready: Signal<Result<(), String>> = Arc::new(Mutex::new(Some(ready_tx)));

        let on_welcome = ready.clone();
        let on_error = ready.clone();
        let recorder = inbox.clone();
        let answers: Answers = Arc::new(Mutex::new(HashMap::new()));
        let answering = answers.clone();
        let arrivals = Arc::new(watch::Sender::new(0u64));
        let arrived = arrivals.clone();
        let client = ClientBuilder::new(url)
            .namespace(namespace)
            .auth(Value::Object(handshake))
            .transport_type(TransportType::Websocket)
            .reconnect(false)
            .on(WELCOME_EVENT, move |_, _| {
                fire(&on_welcome, Ok(()));
                async {}.boxed()
            })
            // Callbacks run in the order the events arrived on this one connection, so when the
            // fence's runs, every event sent before it is already in the inbox.
            .on(FENCE_EVENT, move |payload, _| {
                if let Some(number) = fence_number(&payload)
                    && seen.fetch_max(number, Ordering::AcqRel) < number
                {
                    board.saw(board_id, number);
                }
                async {}.boxed()
            })
            .on(Event::Error, move |payload, _| {
                fire(&on_error, Err(error_message(&payload)));
                async {}.boxed()
            })
            .on_any(move |event, payload, client| {
                let ack_id = payload.ack_id();
                let Some(received) = Received::from_callback(event, payload) else {
                    return async {}.boxed();
                };
                let answer = answer_for(&answering, &received, ack_id);
                if let Ok(mut inbox) = recorder.lock() {
                    inbox.push(received);
                }
                arrived.send_modify(|count| *count += 1);
                // Recorded first, answered second: the server's wait for answers ends only
                // after this ack, so the event is in the inbox before the lab reads it.
                // Answering only sends (it never waits on the receive loop), so it is safe here.
                async move {
                    if let Some((id, value)) = answer {
                        let _ = client
                            .ack_with_id(id, Payload::Text(vec![value], None))
                            .await;
                    }
                }
                .boxed()
            })
            .connect()
            .await
            .map_err(|e| LabError::client(name, e))?;

        let outcome = tokio::time::timeout(ROUND_TRIP_LIMIT, ready_rx)
            .await
            .map_err(|_| LabError::client(name, "no welcome from the server"))?
            .map_err(|_| LabError::client(name, "the connection closed"))?;
        match outcome {
            Ok(()) => Ok(Connection::Ready(LabClient {
                name: name.to_string(),
                namespace: namespace.to_string(),
                client,
                inbox,
                answers,
                arrivals,
                fence_seen,
                board_id,
            })),
            Err(message) => {
                let _ = client.disconnect().await;
                Ok(Connection::Refused(message))
            }
        }
    }

    /// The number of the last fence this client received.
    pub fn fence_seen(&self) -> u64 {
        self.fence_seen.load(Ordering::Acquire)
    }

    /// Emits an event and waits for the server to acknowledge it. The server acknowledges a
    /// client event only after its handler's emit has returned.
    pub async fn emit_acked(&self, event: &str, args: Vec<Value>) -> Result<(), LabError> {
        self.emit_with_ack(event, args).await.map(|_| ())
    }

    /// Emits an event, waits for the server's acknowledgement and returns its arguments: what a
    /// client's `emitWithAck` receives when the handler calls `callback(...)`. The ack arrives
    /// nested one level deeper than it was sent (`docs/stack-facts.md`, 9): its argument list
    /// is element 0.
    pub async fn emit_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
    ) -> Result<Vec<Value>, LabError> {
        let (acked_tx, acked_rx) = oneshot::channel::<Vec<Value>>();
        let acked: Signal<Vec<Value>> = Arc::new(Mutex::new(Some(acked_tx)));
        self.client
            .emit_with_ack(
                event,
                Payload::Text(args, None),
                ROUND_TRIP_LIMIT,
                move |payload, _| {
                    fire(&acked, ack_arguments(payload));
                    async {}.boxed()
                },
            )
            .await
            .map_err(|e| LabError::client(&self.name, e))?;
        tokio::time::timeout(ROUND_TRIP_LIMIT, acked_rx)
            .await
            .map_err(|_| LabError::client(&self.name, format!("no acknowledgement for '{event}'")))?
            .map_err(|_| LabError::client(&self.name, "the connection closed"))
    }

    /// Sets how this client answers the server's `emitWithAck` for `event` (replacing an
    /// earlier answer for it), as `socket.on(event, (..., callback) => callback(value))` does.
    pub fn set_answer(&self, event: &str, arity: usize, value: Value) {
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(event.to_string(), Answer { arity, value });
        }
    }

    /// Waits until `wanted` is in the inbox (left there), woken by each arrival; gives up with an
    /// error after `ROUND_TRIP_LIMIT`. For a volatile event only: it travels outside the ordered
    /// queue the barrier relies on, so the lab waits for the event itself at each recipient.
    pub async fn wait_for(&self, wanted: &Received) -> Result<(), LabError> {
        let mut changes = self.arrivals.subscribe();
        let arrived = async {
            loop {
                let here = self
                    .inbox
                    .lock()
                    .map(|inbox| inbox.contains(wanted))
                    .unwrap_or(false);
                if here || changes.changed().await.is_err() {
                    return here;
                }
            }
        };
        match tokio::time::timeout(ROUND_TRIP_LIMIT, arrived).await {
            Ok(true) => Ok(()),
            _ => Err(LabError::client(
                &self.name,
                format!(
                    "the volatile event '{}' did not arrive: the server may have dropped it",
                    wanted.event
                ),
            )),
        }
    }

    /// Everything received since the last call, oldest first.
    pub fn take_inbox(&self) -> Vec<Received> {
        self.inbox
            .lock()
            .map(|mut inbox| std::mem::take(&mut *inbox))
            .unwrap_or_default()
    }

    /// Closes the connection from the client's side.
    pub async fn disconnect(&self) {
        let _ = self.client.disconnect().await;
    }
}

/// The arguments of an acknowledgement as the client's callback gets them: nested one level
/// deeper than sent (`Text([["yes"]])` for `callback('yes')`), so the list is element 0.
fn ack_arguments(payload: Payload) -> Vec<Value> {
    match payload {
        Payload::Text(mut values, _) if !values.is_empty() => match values.swap_remove(0) {
            Value::Array(args) => args,
            other => vec![other],
        },
        _ => Vec::new(),
    }
}

/// What this client answers to `received`, with the ack id to answer: only when the server
/// asked for an answer (an ack id) and the client has a function for the event whose callback
/// lands in the callback's place. In JavaScript the callback is the last argument the client is
/// handed, so `(q, callback) => ...` gets it only from an event with exactly one argument; with
/// another count `callback` is some other value, calling it throws in the client, and no answer
/// is sent. The lab sends none either.
fn answer_for(answers: &Answers, received: &Received, ack_id: Option<i32>) -> Option<(i32, Value)> {
    let id = ack_id?;
    let answers = answers.lock().ok()?;
    let answer = answers.get(&received.event)?;
    (answer.arity == received.args.len() + 1).then(|| (id, answer.value.clone()))
}

/// The fence number in a `sio-tutor:fence` event's payload.
fn fence_number(payload: &Payload) -> Option<u64> {
    match payload {
        Payload::Text(values, _) => values.first().and_then(Value::as_u64),
        _ => None,
    }
}

/// The text of a connect error: `{"message": "Invalid namespace"}` becomes `Invalid namespace`.
fn error_message(payload: &Payload) -> String {
    let text = match payload {
        Payload::Text(values, _) => values
            .iter()
            .map(|value| match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    // rust_socketio wraps the server's payload in its own words
    // (`Received an ConnectError frame: {"message":"Invalid namespace"}`): keep the server's.
    let json = text.find('{').map(|start| &text[start..]).unwrap_or(&text);
    serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|value| {
            value
                .get("message")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report from a client the fence was not armed for (one the lab has let go of) does not
    /// count: only the named clients complete a fence. Seen failing with a board that counts.
    #[tokio::test]
    async fn only_the_armed_clients_complete_a_fence() {
        let board = Fences::default();
        let number = board.arm([1, 2]);
        board.saw(7, number); // a client the lab no longer has
        board.saw(1, number);
        board.saw(1, number); // twice is once
        board.saw(2, number - 1); // an old fence does not count either
        assert_eq!(
            lock(&board.current).1,
            HashSet::from([2]),
            "the fence is still waiting for client 2, and for it alone"
        );
        board.saw(2, number);
        tokio::time::timeout(ROUND_TRIP_LIMIT, board.wait(number))
            .await
            .expect("the fence completes once 1 and 2 have seen it");
    }
}
