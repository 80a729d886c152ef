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

use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};

use super::LabError;
use super::execute::execute;
use super::report::Effect;
use super::scaffold::{self, Serving, join_own_room, lock};
use super::state::{Member, ServerState};
use crate::script::{Statement, StatementKind};

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
    /// `adapter`: `()` for socketioxide's local adapter), sharing `state` with the
    /// lab's other server if there is one, serving `/` and `namespaces`.
    pub async fn start_with(
        namespaces: &[String],
        state: Arc<ServerState>,
        adapter: A::State,
    ) -> Result<LabServer<A>, LabError> {
        let (layer, io) = SocketIo::builder()
            .with_state(state.clone())
            .with_adapter::<A>(adapter)
            .build_layer();
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
            A::ready(self.io.ns(namespace.to_string(), on_connect::<A>)).await?;
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
        let Some(operator) = self.io.of(namespace) else {
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

    /// Closes every Socket.IO session, then stops axum (see [`Serving::stop`]).
    pub async fn stop(self) {
        self.serving.stop(&self.io).await;
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
pub(super) async fn on_connect<A: LabAdapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<Value>,
    State(state): State<Arc<ServerState>>,
) {
    let name = name_from_auth(&auth);
    let namespace = socket.ns().to_string();
    state.print("a user connected", &name, &namespace);

    join_own_room(&socket);

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

/// Any event a client sends: run the handler the lab was given for it, then acknowledge.
async fn on_client_event<A: LabAdapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    Event(event): Event,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
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

async fn on_disconnect<A: Adapter>(socket: SocketRef<A>, State(state): State<Arc<ServerState>>) {
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
