//! The lab's Socket.IO server: axum + socketioxide on an ephemeral 127.0.0.1 port.
//!
//! It behaves like the server of the official chat example (it prints `a user connected` and
//! `user disconnected`), and it knows each socket by the friendly name the client sent in its
//! handshake auth. Handlers are small free functions, registered in [`on_connect`]; the whole
//! setup reads top to bottom.
//!
//! Two details here keep every lab run exact; please keep them when you change this file:
//!
//! - **The welcome event is the last thing the connect handler does.** A client's `connect()`
//!   returns as soon as it has sent its CONNECT packet, before the server has run the handler
//!   that registers event handlers and joins rooms. An emit sent in that gap is silently dropped.
//!   The client therefore counts as connected only once `sio-tutor:welcome` arrives.
//! - **Client events are acknowledged only after the handler's emit has returned.** socketioxide
//!   runs each incoming event in its own task, so without this the barrier's `sync` of another
//!   client could overtake the relay. See `crate::lab` for the barrier itself.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::serve::ListenerExt;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::socket::Sid;
use tokio::sync::watch;

use super::LabError;
use super::execute::{Effect, execute};
use super::report::ServerLog;
use crate::script::{Statement, StatementKind};

/// Events the lab sends for its own bookkeeping. They never show up in a delivery record.
pub const WELCOME_EVENT: &str = "sio-tutor:welcome";
pub const SYNC_EVENT: &str = "sio-tutor:sync";

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
    members: Mutex<Vec<Member>>,
    /// The id of every socket that ever connected, by name. A disconnected socket's id still
    /// names a room (an empty one), as a variable holding it would in Node: `io.to(dave.id)`
    /// after dave left reaches nobody, and is not an error.
    ids: Mutex<HashMap<String, Sid>>,
    /// Proof-of-life lines not yet collected by the lab.
    log: Mutex<Vec<ServerLog>>,
    /// The handler statement for each (namespace, event) that clients may send.
    handlers: Mutex<HashMap<(String, String), Statement>>,
    /// What the last client-triggered handler did, for the lab to report.
    last_effect: Mutex<Option<Result<Effect, LabError>>>,
    /// Bumped on every connect and disconnect, so the lab can wait for one without polling.
    changed: watch::Sender<u64>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it: the lab's state is
/// plain data, always consistent between statements.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    /// Every name that ever connected.
    pub fn known_names(&self) -> Vec<String> {
        lock(&self.ids).keys().cloned().collect()
    }

    pub fn name_of(&self, namespace: &str, sid: Sid) -> Option<String> {
        lock(&self.members)
            .iter()
            .find(|m| m.sid == sid && m.namespace == namespace)
            .map(|m| m.name.clone())
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

    /// Every handler that was set, sorted by namespace and event.
    pub fn handlers(&self) -> Vec<(String, String, Statement)> {
        let mut handlers: Vec<_> = lock(&self.handlers)
            .iter()
            .map(|((ns, event), statement)| (ns.clone(), event.clone(), statement.clone()))
            .collect();
        handlers.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        handlers
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

    fn print(&self, line: &str, socket: &str, namespace: &str) {
        lock(&self.log).push(ServerLog {
            line: line.to_string(),
            socket: socket.to_string(),
            namespace: namespace.to_string(),
        });
    }

    fn changed(&self) {
        self.changed.send_modify(|version| *version += 1);
    }
}

/// A running lab server.
pub struct LabServer {
    pub io: SocketIo,
    pub state: Arc<ServerState>,
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl LabServer {
    /// Starts the server on an ephemeral loopback port, serving `/` and `namespaces`.
    pub async fn start(namespaces: &[String]) -> Result<LabServer, LabError> {
        let state = Arc::new(ServerState::default());
        let (layer, io) = SocketIo::builder().with_state(state.clone()).build_layer();
        let app = axum::Router::new().layer(layer);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| LabError::Server(format!("cannot open a loopback port: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| LabError::Server(e.to_string()))?;
        // Without TCP_NODELAY, Nagle's algorithm holds small packets back until the previous
        // one is acknowledged, and every barrier round trip costs about 40 ms.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });

        let server = LabServer {
            io,
            state,
            address,
            stop: Some(stop),
            task,
        };
        server.serve("/");
        for namespace in namespaces {
            server.serve(namespace);
        }
        Ok(server)
    }

    /// Makes the server serve a namespace. Serving one twice is harmless.
    pub fn serve(&self, namespace: &str) {
        if self.io.of(namespace).is_none() {
            self.io.ns(namespace.to_string(), on_connect);
        }
    }

    pub fn serves(&self, namespace: &str) -> bool {
        self.io.of(namespace).is_some()
    }

    /// Runs a statement on the server, as the socket `as_socket` if given.
    pub async fn run(
        &self,
        as_socket: Option<&Member>,
        statement: &Statement,
    ) -> Result<Effect, LabError> {
        let socket = match as_socket {
            Some(member) => Some(
                self.io
                    .of(&member.namespace)
                    .and_then(|ns| ns.get_socket(member.sid))
                    .ok_or_else(|| LabError::UnknownSocket(member.name.clone()))?,
            ),
            None => None,
        };
        execute(&self.io, &self.state, socket.as_ref(), statement, None).await
    }

    /// Closes every Socket.IO session, then stops axum. (axum's graceful shutdown alone would
    /// wait for the open WebSocket connections forever.)
    pub async fn stop(mut self) {
        self.io.close().await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// The auth payload a lab client sends: `{ "name": "alice" }`.
fn name_from_auth(auth: &Result<Value, impl std::fmt::Debug>) -> String {
    auth.as_ref()
        .ok()
        .and_then(|auth| auth.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("anonymous")
        .to_string()
}

/// Runs for every socket that connects, in any namespace.
///
/// The auth is taken with `TryData`: with `Data`, a missing or odd payload would skip the whole
/// handler silently and leave a half-set-up socket.
pub(super) async fn on_connect(
    socket: SocketRef,
    TryData(auth): TryData<Value>,
    State(state): State<Arc<ServerState>>,
) {
    let name = name_from_auth(&auth);
    let namespace = socket.ns().to_string();
    state.print("a user connected", &name, &namespace);

    // Node's Socket.IO puts every socket in a room named by its own id; socketioxide leaves
    // that to us. Private messages (`io.to(bob.id)`) depend on it.
    socket.join(socket.id.to_string());

    socket.on(SYNC_EVENT, on_sync);
    socket.on_fallback(on_client_event);
    socket.on_disconnect(on_disconnect);

    lock(&state.ids).insert(name.clone(), socket.id);
    lock(&state.members).push(Member {
        name,
        namespace,
        sid: socket.id,
    });
    state.changed();

    // Last, on purpose: see the module docs.
    let _ = socket.emit(WELCOME_EVENT, &());
}

/// The barrier's round trip: answering proves that everything sent to this socket before it
/// has been written to its connection first.
async fn on_sync(ack: AckSender) {
    let _ = ack.send(&());
}

/// Any event a client sends: run the handler the lab was given for it, then acknowledge.
async fn on_client_event(
    socket: SocketRef,
    io: SocketIo,
    Event(event): Event,
    TryData(payload): TryData<Value>,
    ack: AckSender,
    State(state): State<Arc<ServerState>>,
) {
    let effect = match state.handler(socket.ns(), &event) {
        // A handler that disconnects its own socket: acknowledge first, because after the
        // disconnect the ack could no longer reach the client, which would wait for it in
        // vain. The ack and the DISCONNECT packet travel in that order on one connection, and
        // the lab then waits for the disconnect itself (see `Lab::client_emit`).
        Some(handler) if handler.kind == StatementKind::Disconnect => {
            *lock(&state.last_effect) = Some(Ok(Effect::Disconnected {
                namespace: socket.ns().to_string(),
            }));
            let _ = ack.send(&());
            let _ = socket.disconnect();
            return;
        }
        Some(handler) => {
            // `msg` is the first argument the client sent, as in `(msg) => ...` in Node.
            let msg = payload.unwrap_or(Value::Null);
            Some(execute(&io, &state, Some(&socket), &handler, Some(&msg)).await)
        }
        None => None,
    };
    *lock(&state.last_effect) = effect;
    let _ = ack.send(&());
}

async fn on_disconnect(socket: SocketRef, State(state): State<Arc<ServerState>>) {
    // Node leaves every room before it emits `disconnect`; socketioxide runs this handler
    // first and cleans the rooms up after. Leaving here keeps Node's order, so that once the
    // lab sees the socket gone, the room map no longer lists it either.
    socket.leave_all();
    let name = {
        let mut members = lock(&state.members);
        let position = members
            .iter()
            .position(|m| m.sid == socket.id && m.namespace == socket.ns());
        position.map(|i| members.remove(i).name)
    };
    if let Some(name) = name {
        state.print("user disconnected", &name, socket.ns());
    }
    state.changed();
}
