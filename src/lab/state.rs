//! What the lab's server knows between two statements: its sockets by name, the handlers it was
//! given, the proof-of-life lines not yet collected, and what the last handler did.
//!
//! The server's handlers (`super::server`) write it; the lab, the selection (`super::select`) and
//! the statement runner (`super::execute`) read it. It lives apart from the server so that the
//! runner, which the server's handlers call, does not have to import the server back.

use std::collections::HashMap;

use std::sync::Mutex;

use socketioxide::socket::Sid;
use tokio::sync::watch;

use super::LabError;
use super::report::{Effect, ServerLog};
use super::scaffold::lock;
use crate::script::{LogPart, Middleware, Statement};
use serde_json::{Map, Value};

/// A socket the server knows, by name.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub namespace: String,
    pub sid: Sid,
}

/// What the server's handlers share with the lab.
#[derive(Default)]
pub struct ServerState {
    /// Connected sockets, in the order their connect handler finished.
    pub(super) members: Mutex<Vec<Member>>,
    /// The id of every socket that ever connected, by name. A disconnected socket's id still
    /// names a room (an empty one), as a variable holding it would in Node: `io.to(dave.id)`
    /// after dave left reaches nobody, and is not an error.
    pub(super) ids: Mutex<HashMap<String, Sid>>,
    /// Proof-of-life lines not yet collected by the lab.
    pub(super) log: Mutex<Vec<ServerLog>>,
    /// The handler statement for each (namespace, event) that clients may send.
    pub(super) handlers: Mutex<HashMap<(String, String), Statement>>,
    /// What the last client-triggered handler did, for the lab to report.
    pub(super) last_effect: Mutex<Option<Result<Effect, LabError>>>,
    /// Bumped on every connect and disconnect, so the lab can wait for one without polling.
    pub(super) changed: watch::Sender<u64>,
    /// The catch-all listeners (`socket.onAny(...)`) of each namespace, in the order they were
    /// added (onAny adds one; it never replaces), each with what it logs.
    pub(super) on_any: Mutex<HashMap<String, Vec<Vec<LogPart>>>>,
    /// What the catch-all listeners printed, not yet collected. Kept apart from `log` so that
    /// the lab shows it right after the line that triggered it, before what the handler made
    /// the server print (in Node, onAny runs before the event's own handler).
    pub(super) any_log: Mutex<Vec<ServerLog>>,
    /// The middlewares of each namespace (`io.use(...)`), in the order they were added.
    pub(super) middlewares: Mutex<HashMap<String, Vec<Middleware>>>,
    /// What the `disconnecting` and `disconnect` handlers did, in order, since the lab last
    /// looked: the socket's name, the handler, why the socket left (Node's words) and the effect.
    pub(super) departures: Mutex<Vec<Departure>>,
    /// Each socket's `socket.handshake.auth` (as the learner sent it, without the lab's name)
    /// and `socket.data`, from the moment its middlewares run.
    pub(super) handshakes: Mutex<HashMap<Sid, Handshake>>,
    /// Each socket's rooms as they were after its last join or leave: what `socket.rooms` is in
    /// its `disconnecting` handler. socketioxide's own list cannot be read there reliably: when a
    /// client's DISCONNECT packet is followed by the close of its connection, the second close
    /// takes the socket out of every room at once, and that can come before the handler runs
    /// (seen once in 20 runs of lesson 6). Node runs `disconnecting` before anything else can.
    pub(super) rooms: Mutex<HashMap<Sid, Vec<String>>>,
    /// A fence the lab has armed for the next event from one client: the handler of that event
    /// sends it itself, right after its own emits, instead of the lab asking once the client's
    /// acknowledgement is back (see `Lab::client_emit`).
    pub(super) pending_fence: Mutex<Option<PendingFence>>,
}

/// A fence for the server to send when it has handled the next event from `sender`.
#[derive(Debug, Clone)]
pub struct PendingFence {
    pub sender: Sid,
    pub number: u64,
    /// Every namespace that has a lab client: the fence goes to each.
    pub namespaces: Vec<String>,
}

/// A departure handler that ran.
#[derive(Debug, Clone)]
pub struct Departure {
    pub name: String,
    pub namespace: String,
    pub event: String,
    pub reason: String,
    pub handler: Statement,
    pub effect: Result<Effect, LabError>,
}

/// What a socket brought and was given when it connected.
#[derive(Debug, Clone, Default)]
pub struct Handshake {
    /// `socket.handshake.auth`: `{}` when the client sent none, as in Node.
    pub auth: Map<String, Value>,
    /// `socket.data`: `{}` until a middleware sets a key.
    pub data: Map<String, Value>,
}

impl ServerState {
    pub fn members(&self) -> Vec<Member> {
        lock(&self.members).clone()
    }

    pub fn member(&self, name: &str) -> Option<Member> {
        lock(&self.members).iter().find(|m| m.name == name).cloned()
    }

    /// The id `name` has, or had before it disconnected.
    pub fn id_of(&self, name: &str) -> Option<Sid> {
        lock(&self.ids).get(name).copied()
    }

    /// Every socket name that ever connected, disconnected ones included (their ids still name
    /// empty rooms).
    pub fn known_names(&self) -> Vec<String> {
        lock(&self.ids).keys().cloned().collect()
    }

    pub fn name_of(&self, namespace: &str, sid: Sid) -> Option<String> {
        lock(&self.members)
            .iter()
            .find(|m| m.sid == sid && m.namespace == namespace)
            .map(|m| m.name.clone())
    }

    pub fn add_on_any(&self, namespace: &str, log: Vec<LogPart>) {
        lock(&self.on_any)
            .entry(namespace.to_string())
            .or_default()
            .push(log);
    }

    /// What the catch-all listeners printed since the last call.
    pub fn take_any_log(&self) -> Vec<ServerLog> {
        std::mem::take(&mut *lock(&self.any_log))
    }

    /// Runs the catch-all listener of `namespace`, if it has one, for `event` sent by `socket`.
    pub(super) fn run_on_any(
        &self,
        namespace: &str,
        socket: &str,
        event: &str,
        args: &[Value],
        with_ack: bool,
    ) {
        let listeners = lock(&self.on_any)
            .get(namespace)
            .cloned()
            .unwrap_or_default();
        for parts in listeners {
            lock(&self.any_log).push(ServerLog {
                line: super::any::console_line(&parts, event, args, with_ack),
                socket: socket.to_string(),
                namespace: namespace.to_string(),
            });
        }
    }

    pub fn take_log(&self) -> Vec<ServerLog> {
        std::mem::take(&mut *lock(&self.log))
    }

    pub fn set_handler(&self, namespace: &str, event: &str, statement: Statement) {
        lock(&self.handlers).insert((namespace.to_string(), event.to_string()), statement);
    }

    /// The handler statement for an event clients send on `namespace`, if one was set.
    pub fn handler(&self, namespace: &str, event: &str) -> Option<Statement> {
        lock(&self.handlers)
            .get(&(namespace.to_string(), event.to_string()))
            .cloned()
    }

    pub fn add_middleware(&self, namespace: &str, middleware: Middleware) {
        lock(&self.middlewares)
            .entry(namespace.to_string())
            .or_default()
            .push(middleware);
    }

    /// The middlewares of `namespace`, in order.
    pub fn middlewares(&self, namespace: &str) -> Vec<Middleware> {
        lock(&self.middlewares)
            .get(namespace)
            .cloned()
            .unwrap_or_default()
    }

    /// The handshake of a socket (empty auth and data for one the lab does not know).
    pub fn handshake(&self, sid: Sid) -> Handshake {
        lock(&self.handshakes)
            .get(&sid)
            .cloned()
            .unwrap_or_default()
    }

    /// Remembers a socket's rooms, after a change (see [`ServerState::rooms`]).
    pub fn remember_rooms<A: socketioxide::adapter::Adapter>(
        &self,
        socket: &socketioxide::extract::SocketRef<A>,
    ) {
        let rooms = socket.rooms().into_iter().map(|r| r.to_string()).collect();
        lock(&self.rooms).insert(socket.id, rooms);
    }

    /// A socket's rooms as last remembered.
    pub fn rooms_of(&self, sid: Sid) -> Vec<String> {
        lock(&self.rooms).get(&sid).cloned().unwrap_or_default()
    }

    pub fn take_departures(&self) -> Vec<Departure> {
        std::mem::take(&mut *lock(&self.departures))
    }

    /// Hands the server a fence to send after it handles the next event from `fence.sender`.
    pub fn set_pending_fence(&self, fence: PendingFence) {
        *lock(&self.pending_fence) = Some(fence);
    }

    /// The pending fence, if it is for an event from `sender` (the server's side), or whatever
    /// is left of it (the lab's side, `sender` = `None`: a fence still here was not sent).
    pub fn take_pending_fence(&self, sender: Option<Sid>) -> Option<PendingFence> {
        let mut pending = lock(&self.pending_fence);
        match (&*pending, sender) {
            (Some(fence), Some(sender)) if fence.sender != sender => None,
            _ => pending.take(),
        }
    }

    pub fn take_last_effect(&self) -> Option<Result<Effect, LabError>> {
        lock(&self.last_effect).take()
    }

    /// Waits until `done` holds for the member list. Woken by every connect and disconnect; no
    /// polling, no sleep.
    pub async fn wait_until(&self, done: impl Fn(&[Member]) -> bool) {
        let mut changes = self.changed.subscribe();
        loop {
            if done(&lock(&self.members)) {
                return;
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    pub(super) fn print(&self, line: &str, socket: &str, namespace: &str) {
        lock(&self.log).push(ServerLog {
            line: line.to_string(),
            socket: socket.to_string(),
            namespace: namespace.to_string(),
        });
    }

    pub(super) fn changed(&self) {
        self.changed.send_modify(|version| *version += 1);
    }
}
