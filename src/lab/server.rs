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
//!   runs each incoming event in its own task, so without this the lab's fence could overtake
//!   the relay. See `crate::lab` for the fence itself.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::{DisconnectReason, Sid};

use super::LabError;
use super::execute::{Arguments, execute, execute_with};
use super::report::Effect;
use super::scaffold::{self, Serving, join_own_room, lock};
use super::state::{Departure, Handshake, Member, ServerState};
use crate::script::{AuthCheck, DataValue, Decision, Statement, StatementKind};

/// Events the lab sends for its own bookkeeping. They never show up in a delivery record.
pub const WELCOME_EVENT: &str = "sio-tutor:welcome";
/// The lab's fence (see `crate::lab`): a numbered event sent to every socket after a statement.
pub const FENCE_EVENT: &str = "sio-tutor:fence";

/// What the lab needs from an adapter beyond socketioxide's [`Adapter`]: to know when a
/// namespace is ready. socketioxide's local adapter is ready at once; a Redis adapter once it
/// has subscribed to the namespace's channels (before that, the other server's broadcasts for
/// it are lost).
pub trait LabAdapter: Adapter + socketioxide_core::adapter::DefinedAdapter {
    /// Waits for what `io.ns(...)` returned.
    fn ready(init: Self::InitRes) -> impl Future<Output = Result<(), LabError>> + Send;
}

impl LabAdapter for LocalAdapter {
    async fn ready(_: ()) -> Result<(), LabError> {
        Ok(())
    }
}

impl LabAdapter for super::redis::Adapter {
    async fn ready(init: Self::InitRes) -> Result<(), LabError> {
        init.await
            .map_err(|e| LabError::server(format!("the Redis adapter did not subscribe: {e}")))
    }
}

/// A running lab server.
pub struct LabServer<A: Adapter = LocalAdapter> {
    pub io: SocketIo<A>,
    pub state: Arc<ServerState>,
    pub address: SocketAddr,
    serving: Serving,
}

impl<A: LabAdapter> LabServer<A> {
    /// Starts a server on an ephemeral loopback port with the adapter `A` (built from
    /// `adapter`: `()` for socketioxide's local adapter), sharing `state` with the lab's other
    /// server if there is one, serving `/` and `namespaces`.
    ///
    /// `heartbeat` is the ping interval and ping timeout, for a lesson that lets the heartbeat
    /// give up on a silent client (`None`: socketioxide's 25 s and 20 s).
    pub async fn start_with(
        namespaces: &[String],
        heartbeat: Option<(Duration, Duration)>,
        state: Arc<ServerState>,
        adapter: A::State,
    ) -> Result<LabServer<A>, LabError> {
        let mut builder = SocketIo::builder()
            .with_state(state.clone())
            .with_adapter::<A>(adapter);
        if let Some((interval, timeout)) = heartbeat {
            builder = builder.ping_interval(interval).ping_timeout(timeout);
        }
        let (layer, io) = builder.build_layer();
        let app = axum::Router::new().layer(layer);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| LabError::server(format!("cannot open a loopback port: {e}")))?;
        let address = listener.local_addr().map_err(LabError::server)?;
        let server = LabServer {
            io,
            state,
            address,
            serving: scaffold::serve(listener, app),
        };
        server.serve("/").await?;
        for namespace in namespaces {
            server.serve(namespace).await?;
        }
        Ok(server)
    }

    /// Makes the server serve a namespace, and returns once its adapter is ready. Serving one
    /// twice is harmless.
    pub async fn serve(&self, namespace: &str) -> Result<(), LabError> {
        if self.io.of(namespace).is_none() {
            A::ready(self.io.ns(
                namespace.to_string(),
                on_connect::<A>.with(run_middlewares::<A>),
            ))
            .await?;
        }
        Ok(())
    }

    pub fn serves(&self, namespace: &str) -> bool {
        self.io.of(namespace).is_some()
    }

    /// The live socket of a member.
    pub fn socket(&self, member: &Member) -> Result<SocketRef<A>, LabError> {
        self.io
            .of(&member.namespace)
            .and_then(|ns| ns.get_socket(member.sid))
            .ok_or_else(|| LabError::UnknownSocket(member.name.clone()))
    }

    /// Runs a statement on the server, as the socket `as_socket` if given.
    pub async fn run(
        &self,
        as_socket: Option<&Member>,
        statement: &Statement,
    ) -> Result<Effect, LabError> {
        let socket = match as_socket {
            Some(member) => Some(self.socket(member)?),
            None => None,
        };
        execute(&self.io, &self.state, socket.as_ref(), statement, None).await
    }

    /// Emits fence `number` to every socket of `namespace`, through the adapter (so behind
    /// everything this server has emitted before), and returns once it is handed to every
    /// local socket's connection (and, with a Redis adapter, published).
    pub async fn fence(&self, namespace: &str, number: u64) -> Result<(), LabError> {
        send_fence(&self.io, namespace, number).await
    }

    /// Closes every Socket.IO session, then stops axum (see [`Serving::stop`]).
    pub async fn stop(self) {
        self.serving.stop(&self.io).await;
    }
}

/// The key under which a lab client sends its friendly name in the handshake auth, beside
/// whatever auth the lesson gives it. The server takes it out before anything the learner sees
/// (`socket.handshake.auth`, a middleware's checks).
pub const NAME_KEY: &str = "sio-tutor:name";

/// Emits fence `number` to every socket of `namespace` on the server `io`, through its adapter.
/// The one way a fence is sent, whether the lab asks for it or a handler sends the one the lab
/// left pending.
async fn send_fence<A: LabAdapter>(
    io: &SocketIo<A>,
    namespace: &str,
    number: u64,
) -> Result<(), LabError> {
    let Some(operator) = io.of(namespace) else {
        return Ok(());
    };
    match operator.emit(FENCE_EVENT, &number).await {
        Ok(()) => Ok(()),
        // A socket closing right now misses it; the lab no longer counts it.
        Err(socketioxide::BroadcastError::Socket(errors))
            if errors
                .iter()
                .all(|e| matches!(e, socketioxide::SocketError::Closed)) =>
        {
            Ok(())
        }
        Err(e) => Err(LabError::server(format!("the fence failed: {e}"))),
    }
}

/// Sends the fence the lab left pending for an event from `sender`, if there is one, after
/// everything the handler emitted (its emits have returned, so the fence is queued behind them
/// on every connection, and with a Redis adapter published behind them on the same channel). A
/// fence that fails is not sent: the lab then times out on it and says which clients it missed.
async fn send_pending_fence<A: LabAdapter>(io: &SocketIo<A>, state: &ServerState, sender: Sid) {
    if let Some(fence) = state.take_pending_fence(Some(sender)) {
        for namespace in &fence.namespaces {
            if send_fence(io, namespace, fence.number).await.is_err() {
                return;
            }
        }
    }
}

/// The auth payload a lab client sends: `{ "sio-tutor:name": "alice", ...the lesson's auth }`.
fn name_from_auth(auth: &Result<Value, impl std::fmt::Debug>) -> String {
    auth.as_ref()
        .ok()
        .and_then(|auth| auth.get(NAME_KEY))
        .and_then(Value::as_str)
        .unwrap_or("anonymous")
        .to_string()
}

/// Runs for every socket that connects, in any namespace.
///
/// The auth is taken with `TryData`: with `Data`, a missing or odd payload would skip the whole
/// handler silently and leave a half-set-up socket.
pub(super) async fn on_connect<A: LabAdapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<Value>,
    State(state): State<Arc<ServerState>>,
) {
    let name = name_from_auth(&auth);
    let namespace = socket.ns().to_string();
    state.print("a user connected", &name, &namespace);

    join_own_room(&socket);
    state.remember_rooms(&socket);

    socket.on_fallback(on_client_event::<A>);
    socket.on_disconnect(on_disconnect::<A>);

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

/// A middleware's refusal: its `Display` is the `err.message` the client's `connect_error`
/// gets, which socketioxide sends as `{"message": ...}`, as Node does for `next(new Error(...))`.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs before the connect handler of every namespace: the namespace's middlewares, set with
/// `io.use(...)` or `io.of(ns).use(...)` (`state.middlewares`), in the order they were added.
/// The first refusal ends the chain, as in Node; the connect handler then never runs, so a
/// refused socket is never logged as connected and never joins a room.
///
/// socketioxide fixes a namespace's middlewares when the namespace is created, and a lesson
/// adds them later, so this one fixed middleware reads the lab's list at each connection.
async fn run_middlewares<A: LabAdapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<Value>,
    State(state): State<Arc<ServerState>>,
) -> Result<(), Refused> {
    let mut handshake = Handshake::default();
    if let Ok(Value::Object(mut sent)) = auth {
        sent.remove(NAME_KEY);
        handshake.auth = sent;
    }
    for middleware in state.middlewares(socket.ns()) {
        for (key, value) in &middleware.assigns {
            let value = match value {
                DataValue::Value(value) => Some(value.clone()),
                DataValue::Auth(name) => handshake.auth.get(name).cloned(),
            };
            match value {
                Some(value) => handshake.data.insert(key.clone(), value),
                // `socket.data.user = undefined`: JSON leaves the key out.
                None => handshake.data.remove(key),
            };
        }
        let refusal = match &middleware.decision {
            Decision::Accept => None,
            Decision::Reject(message) => Some(message),
            Decision::If { check, reject } => (!passes(check, &handshake.auth)).then_some(reject),
        };
        if let Some(message) = refusal {
            return Err(Refused(message.clone()));
        }
    }
    lock(&state.handshakes).insert(socket.id, handshake);
    Ok(())
}

/// A middleware's condition, with JavaScript's meaning: a missing key is `undefined`.
fn passes(check: &AuthCheck, auth: &serde_json::Map<String, Value>) -> bool {
    match check {
        AuthCheck::Truthy(key) => auth.get(key).is_some_and(truthy),
        AuthCheck::Equals(key, wanted) => auth
            .get(key)
            .is_some_and(|value| strictly_equal(value, wanted)),
    }
}

/// JavaScript's truthiness: `false`, `0`, `""` and `null` are falsy; objects and arrays, even
/// empty ones, are truthy.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// JavaScript's `===` between a received value and a literal: numbers by value (`1 === 1.0`),
/// and never for an object or array literal (`===` compares those by identity).
fn strictly_equal(value: &Value, literal: &Value) -> bool {
    match (value, literal) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (a, b) => a == b,
    }
}

/// Any event a client sends: run the handler the lab was given for it, then acknowledge.
async fn on_client_event<A: LabAdapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    Event(event): Event,
    TryData(payload): TryData<Value>,
    TryData(all): TryData<AllArgs>,
    ack: AckSender<A>,
    State(state): State<Arc<ServerState>>,
) {
    // The catch-all listener first, as in Node, with every argument the client sent. Every lab
    // client event carries an ack id (the barrier's); in Node only an emitWithAck does, and the
    // lab runs an emitWithAck exactly when the handler answers with `callback`.
    if let Some(name) = state.name_of(socket.ns(), socket.id) {
        let all = all.map(|AllArgs(args)| args).unwrap_or_default();
        let with_ack = matches!(
            state.handler(socket.ns(), &event),
            Some(Statement {
                kind: StatementKind::Callback(_),
                ..
            })
        );
        state.run_on_any(socket.ns(), &name, &event, &all, with_ack);
    }
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
        // `callback(answer)`: the answer is the acknowledgement itself, a real ACK packet with
        // the client's ack id, and it still comes after the effect is set (see above).
        Some(Statement {
            kind: StatementKind::Callback(arg),
            ..
        }) => {
            let scope = super::execute::Scope {
                handshake: state.handshake(socket.id),
                rooms: state.rooms_of(socket.id),
                reason: None,
            };
            let answer = super::execute::argument_of(&arg, payload.as_ref().ok(), Some(&scope));
            *lock(&state.last_effect) = Some(Ok(Effect::Answered {
                namespace: socket.ns().to_string(),
                answer: answer.clone(),
            }));
            send_pending_fence(&io, &state, socket.id).await;
            let _ = ack.send(&Arguments(&[answer]));
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
    send_pending_fence(&io, &state, socket.id).await;
    let _ = ack.send(&());
}

/// Every argument of an event, for the catch-all listener's `...args`. socketioxide hands a
/// plain type (`Value`, `Vec<Value>`) the *first* argument only, and reads the whole list only
/// into a type that deserializes as a tuple: this one does, of any length.
struct AllArgs(Vec<Value>);

impl<'de> serde::Deserialize<'de> for AllArgs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Collect;
        impl<'de> serde::de::Visitor<'de> for Collect {
            type Value = AllArgs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the arguments of an event")
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(
                self,
                mut seq: S,
            ) -> Result<AllArgs, S::Error> {
                let mut args = Vec::new();
                while let Some(arg) = seq.next_element::<Value>()? {
                    args.push(arg);
                }
                Ok(AllArgs(args))
            }
        }
        deserializer.deserialize_tuple(usize::MAX, Collect)
    }
}

/// Node's word for why a socket left (the `reason` of its `disconnecting` and `disconnect`
/// events), from socketioxide's.
///
/// socketioxide tells a WebSocket that ends without a close frame (a cut connection) as
/// `TransportError`; Node's `ws` reports the same end as a close (code 1006), and Node's reason is
/// then `transport close`. Node keeps `transport error` for an error on a live transport.
pub fn node_reason(reason: DisconnectReason) -> &'static str {
    match reason {
        DisconnectReason::TransportClose | DisconnectReason::TransportError => "transport close",
        DisconnectReason::HeartbeatTimeout => "ping timeout",
        DisconnectReason::ClientNSDisconnect => "client namespace disconnect",
        DisconnectReason::ServerNSDisconnect => "server namespace disconnect",
        DisconnectReason::ClosingServer => "server shutting down",
        DisconnectReason::PacketParsingError => "parse error",
        DisconnectReason::MultipleHttpPollingError => "transport error",
    }
}

/// Runs the lab's handler for a departure event of this socket, if it has one, and keeps what
/// it did for the lab to report.
async fn on_departure<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    socket: &SocketRef<A>,
    event: &str,
    reason: &str,
) {
    let Some(handler) = state.handler(socket.ns(), event) else {
        return;
    };
    let effect = execute_with(io, state, Some(socket), &handler, None, Some(reason)).await;
    let name = state
        .name_of(socket.ns(), socket.id)
        .unwrap_or_else(|| "anonymous".to_string());
    lock(&state.departures).push(Departure {
        name,
        namespace: socket.ns().to_string(),
        event: event.to_string(),
        reason: reason.to_string(),
        handler,
        effect,
    });
}

async fn on_disconnect<A: LabAdapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    reason: DisconnectReason,
    State(state): State<Arc<ServerState>>,
) {
    let reason = node_reason(reason);
    // `disconnecting` first, while the socket is still in its rooms, as in Node.
    on_departure(&io, &state, &socket, "disconnecting", reason).await;
    // Node leaves every room before it emits `disconnect`; socketioxide runs this handler
    // first and cleans the rooms up after. Leaving here keeps Node's order, so that once the
    // lab sees the socket gone, the room map no longer lists it either.
    socket.leave_all();
    lock(&state.rooms).remove(&socket.id);
    on_departure(&io, &state, &socket, "disconnect", reason).await;
    lock(&state.handshakes).remove(&socket.id);
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
