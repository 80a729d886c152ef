//! Runs one parsed statement on the real socketioxide server.
//!
//! The statement language has the meaning of the JavaScript API (the one the Socket.IO docs and
//! every tutorial teach). socketioxide's Rust API is close, but not identical in every corner, so
//! this file maps each JavaScript form onto the socketioxide call that delivers to the same
//! sockets:
//!
//! | JavaScript                         | socketioxide                                    |
//! |------------------------------------|-------------------------------------------------|
//! | `socket.emit(ev)`                  | `socket.emit(ev)`: that socket only             |
//! | `socket.broadcast` / `.to` / `.in` / `.except` | `io.of(ns).except(<sender's id>)...`: the sender's own-id room is left out |
//! | `socket.in(r)`                     | `io.of(ns).except(<sender's id>).within(r)` (socketioxide's `socket.within(r)` would include the sender) |
//! | `io.to(r)` / `io.in(r)`            | `io.of("/").within(r)`                          |
//! | `io.except(r)`                     | `io.of("/").except(r)`                          |
//! | `io.of(ns)...`                     | `io.of(ns)...`, creating `ns` if it is not served yet, as Node does |
//!
//! The rooms are then resolved by the real adapter: a socket in two targeted rooms receives once,
//! and `except` wins over `to`. The chain itself is built in one place, `select`, which the
//! preview (`Lab::preview`, behind `explain` and the lesson check) uses too.

use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::{BroadcastError, SocketError, SocketIo};

use super::LabError;
use super::ack;
use super::report::{Effect, own_room_label};
use super::select::{Selection, resolve_rooms, select};
use super::server::LabAdapter;
use super::state::{Handshake, ServerState};
use crate::script::{Arg, Emit, RoomRef, Statement, StatementKind};

/// Serializes a list of arguments as a tuple, which socketioxide sends as several arguments
/// (`["ev", a, b]`), where a `Vec` would be sent as one array argument (`["ev", [a, b]]`).
pub(super) struct Arguments<'a>(pub(super) &'a [Value]);

impl Serialize for Arguments<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

/// Runs `statement` on the server. `socket` is the socket it runs as (required for `socket...`
/// forms); `msg` is the payload being handled, inside an `on` handler.
///
/// Returns only once the emit has been handed to every recipient's connection, so that the
/// barrier that follows proves what was and was not delivered.
pub async fn execute<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    socket: Option<&SocketRef<A>>,
    statement: &Statement,
    msg: Option<&Value>,
) -> Result<Effect, LabError> {
    execute_with(io, state, socket, statement, msg, None).await
}

/// [`execute`] inside a `disconnecting` or `disconnect` handler, where `reason` is why the
/// socket leaves.
pub async fn execute_with<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    socket: Option<&SocketRef<A>>,
    statement: &Statement,
    msg: Option<&Value>,
    reason: Option<&str>,
) -> Result<Effect, LabError> {
    let need_socket = || socket.ok_or_else(|| LabError::NeedsSocket(statement.source.clone()));
    match &statement.kind {
        StatementKind::Emit(emit) => {
            // `socket.data`, `socket.handshake.auth` and `socket.rooms` are read from the
            // socket it runs as.
            let scope = match socket {
                Some(socket) => Some(Scope {
                    handshake: state.handshake(socket.id),
                    rooms: state.rooms_of(socket.id),
                    reason: reason.map(String::from),
                }),
                None if emit.args.iter().any(Arg::needs_socket) => {
                    return Err(LabError::NeedsSocket(statement.source.clone()));
                }
                None => None,
            };
            let args = arguments_of(emit, msg, scope.as_ref());
            let (namespace, selection) = select(io, state, socket, &statement.source, emit)?;
            let failed = |e: String| LabError::server(format!("the emit failed: {e}"));
            match selection {
                Selection::Sender(socket) => socket
                    .emit(&emit.event, &Arguments(&args))
                    .map_err(|e| failed(e.to_string()))?,
                Selection::Broadcast(operator) => {
                    match operator.emit(&emit.event, &Arguments(&args)).await {
                        Ok(()) => {}
                        // A socket whose client has just closed can still be in the namespace
                        // for a moment after the server ran its disconnect handler: the packet
                        // for it is dropped, and the others have theirs. Node drops it the same
                        // way, silently. Anything else is a real failure.
                        Err(BroadcastError::Socket(errors))
                            if errors.iter().all(|e| matches!(e, SocketError::Closed)) => {}
                        Err(e) => return Err(failed(e.to_string())),
                    }
                }
            }
            Ok(Effect::Emitted {
                namespace,
                event: emit.event.clone(),
                args,
            })
        }
        StatementKind::Join(rooms) | StatementKind::Leave(rooms) => {
            let socket = need_socket()?;
            let namespace = socket.ns().to_string();
            let room_refs: Vec<&RoomRef> = rooms.iter().collect();
            let resolved = resolve_rooms(state, Some(socket.id), &room_refs)?;
            let labels = rooms
                .iter()
                .map(|room| room_label(state, socket, room))
                .collect();
            // Join and leave are synchronous on the local adapter: when they return, the next
            // statement already sees the new membership.
            if matches!(statement.kind, StatementKind::Join(_)) {
                socket.join(resolved);
                state.remember_rooms(socket);
                Ok(Effect::Joined {
                    namespace,
                    rooms: labels,
                })
            } else {
                socket.leave(resolved);
                state.remember_rooms(socket);
                Ok(Effect::Left {
                    namespace,
                    rooms: labels,
                })
            }
        }
        // socketioxide sends a volatile packet outside the socket's ordered queue (only the
        // latest one waiting is kept); the lab waits for it at each recipient (`Lab::run`).
        StatementKind::VolatileEmit(emit) => {
            let args = arguments(emit, msg);
            let (namespace, selection) = select(io, state, socket, &statement.source, emit)?;
            let failed = |e: String| LabError::server(format!("the emit failed: {e}"));
            match selection {
                Selection::Sender(socket) => socket
                    .volatile()
                    .emit(&emit.event, &Arguments(&args))
                    .map_err(|e| failed(e.to_string()))?,
                Selection::Broadcast(operator) => operator
                    .volatile()
                    .emit(&emit.event, &Arguments(&args))
                    .await
                    .map_err(|e| failed(e.to_string()))?,
            }
            Ok(Effect::Emitted {
                namespace,
                event: emit.event.clone(),
                args,
            })
        }
        StatementKind::EmitWithAck { emit, timeout_ms } => {
            let args = arguments(emit, msg);
            let (namespace, selection) = select(io, state, socket, &statement.source, emit)?;
            let (single, answers) = ack::ask(
                state,
                &namespace,
                selection,
                &emit.event,
                &args,
                *timeout_ms,
            )
            .await?;
            Ok(Effect::Asked {
                namespace,
                event: emit.event.clone(),
                args,
                timeout_ms: *timeout_ms,
                single,
                answers,
            })
        }
        // Answering needs the client's request, which only the handler of a client event has
        // (`on_client_event` in `super::server` runs it); the parser allows it nowhere else.
        StatementKind::Callback(_) => Err(LabError::server(
            "callback(...) answers a client's emitWithAck, inside an `on` handler only",
        )),
        StatementKind::Disconnect => {
            let socket = need_socket()?.clone();
            let namespace = socket.ns().to_string();
            socket
                .disconnect()
                .map_err(|e| LabError::server(format!("the disconnect failed: {e}")))?;
            Ok(Effect::Disconnected { namespace })
        }
    }
}

/// The arguments an emit sends: as written, with `msg` (inside an `on` handler) replaced by the
/// first argument the client sent (`null` when it sent none), as `(msg) => ...` in Node.
///
/// `socket.data` and `socket.handshake.auth` read as `null` here: they depend on the socket (see
/// [`arguments_of`]).
pub fn arguments(emit: &Emit, msg: Option<&Value>) -> Vec<Value> {
    arguments_of(emit, msg, None)
}

/// The arguments an emit sends from a socket with this scope: `socket.data.KEY`,
/// `socket.handshake.auth.KEY` and `socket.rooms.has(r)` as that socket has them. A key that is not there is `undefined`
/// in Node, which travels as `null` in an argument list.
/// What an argument can read from the socket a statement runs as, besides `msg`.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub handshake: Handshake,
    /// `socket.rooms`, the socket's own-id room included, as Node has it.
    pub rooms: Vec<String>,
    /// `reason`, in a `disconnecting` or `disconnect` handler.
    pub reason: Option<String>,
}

pub fn arguments_of(emit: &Emit, msg: Option<&Value>, scope: Option<&Scope>) -> Vec<Value> {
    emit.args
        .iter()
        .map(|arg| argument_of(arg, msg, scope))
        .collect()
}

/// One argument's value: see [`arguments_of`].
pub fn argument_of(arg: &Arg, msg: Option<&Value>, scope: Option<&Scope>) -> Value {
    let handshake = scope.map(|scope| &scope.handshake);
    let read = |map: Option<&serde_json::Map<String, Value>>, key: &Option<String>| {
        let map = map.cloned().unwrap_or_default();
        match key {
            None => Value::Object(map),
            Some(key) => map.get(key).cloned().unwrap_or(Value::Null),
        }
    };
    match arg {
        Arg::Value(value) => value.clone(),
        Arg::Msg => msg.cloned().unwrap_or(Value::Null),
        Arg::Data(key) => read(handshake.map(|h| &h.data), key),
        Arg::Auth(key) => read(handshake.map(|h| &h.auth), key),
        Arg::Reason => scope
            .and_then(|scope| scope.reason.clone())
            .map(Value::String)
            .unwrap_or(Value::Null),
        Arg::InRoom(room) => Value::Bool(scope.is_some_and(|scope| scope.rooms.contains(room))),
    }
}

fn room_label<A: LabAdapter>(state: &ServerState, socket: &SocketRef<A>, room: &RoomRef) -> String {
    match room {
        RoomRef::Named(name) => name.clone(),
        RoomRef::SocketId(name) => own_room_label(name),
        RoomRef::OwnId => own_room_label(
            &state
                .name_of(socket.ns(), socket.id)
                .unwrap_or_else(|| "this socket".to_string()),
        ),
    }
}
