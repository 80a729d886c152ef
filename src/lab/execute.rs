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
//! and `except` wins over `to`.

use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;

use super::LabError;
use super::report::own_room_label;
use super::server::ServerState;
use crate::script::{Arg, Origin, RoomRef, Statement, StatementKind};

/// What a statement did on the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// An event went out in `namespace` (to whom is for the clients to tell).
    Emitted {
        namespace: String,
        event: String,
        args: Vec<Value>,
    },
    /// The socket joined rooms (labels as shown to the learner).
    Joined {
        namespace: String,
        rooms: Vec<String>,
    },
    Left {
        namespace: String,
        rooms: Vec<String>,
    },
    /// The server disconnected the socket.
    Disconnected { namespace: String },
}

/// Serializes a list of arguments as a tuple, which socketioxide sends as several arguments
/// (`["ev", a, b]`), where a `Vec` would be sent as one array argument (`["ev", [a, b]]`).
struct Arguments<'a>(&'a [Value]);

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
pub async fn execute(
    io: &SocketIo,
    state: &ServerState,
    socket: Option<&SocketRef>,
    statement: &Statement,
    msg: Option<&Value>,
) -> Result<Effect, LabError> {
    let need_socket = || socket.ok_or_else(|| LabError::NeedsSocket(statement.source.clone()));
    match &statement.kind {
        StatementKind::Emit(emit) => {
            let args: Vec<Value> = emit
                .args
                .iter()
                .map(|arg| match arg {
                    Arg::Value(value) => value.clone(),
                    Arg::Msg => msg.cloned().unwrap_or(Value::Null),
                })
                .collect();
            let namespace = match &emit.origin {
                Origin::Io { namespace } => namespace.clone(),
                Origin::Socket => need_socket()?.ns().to_string(),
            };
            let rooms = resolve_rooms(state, socket, &emit.rooms())?;
            let excepted = resolve_rooms(state, socket, &emit.excepted())?;
            let failed = |e: String| LabError::Server(format!("the emit failed: {e}"));

            match &emit.origin {
                Origin::Socket if !emit.excludes_sender() => {
                    need_socket()?
                        .emit(&emit.event, &Arguments(&args))
                        .map_err(|e| failed(e.to_string()))?;
                }
                Origin::Socket => {
                    let operator = socket_broadcast(io, need_socket()?)?;
                    apply_rooms(operator, rooms, excepted)
                        .emit(&emit.event, &Arguments(&args))
                        .await
                        .map_err(|e| failed(e.to_string()))?;
                }
                Origin::Io { namespace } => {
                    let operator = namespace_operator(io, namespace)?;
                    apply_rooms(operator, rooms, excepted)
                        .emit(&emit.event, &Arguments(&args))
                        .await
                        .map_err(|e| failed(e.to_string()))?;
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
            let resolved = resolve_rooms(state, Some(socket), &room_refs)?;
            let labels = rooms
                .iter()
                .map(|room| room_label(state, socket, room))
                .collect();
            // Join and leave are synchronous on the local adapter: when they return, the next
            // statement already sees the new membership.
            if matches!(statement.kind, StatementKind::Join(_)) {
                socket.join(resolved);
                Ok(Effect::Joined {
                    namespace,
                    rooms: labels,
                })
            } else {
                socket.leave(resolved);
                Ok(Effect::Left {
                    namespace,
                    rooms: labels,
                })
            }
        }
        StatementKind::Disconnect => {
            let socket = need_socket()?.clone();
            let namespace = socket.ns().to_string();
            socket
                .disconnect()
                .map_err(|e| LabError::Server(format!("the disconnect failed: {e}")))?;
            Ok(Effect::Disconnected { namespace })
        }
    }
}

/// The operator that starts a broadcast from `socket` (`socket.broadcast`, `socket.to`,
/// `socket.in`, `socket.except`), with Node's meaning: Node leaves out every socket in *the room
/// named by the sender's id*, not the sender itself (`new BroadcastOperator(adapter, new Set(),
/// new Set([this.id]))` in socket.io's `socket.ts`). The two differ when the sender has left its
/// own room (it then receives its own broadcast) or another socket has joined it (that socket is
/// left out too). socketioxide's `socket.broadcast()` leaves out the sender by id, so it is not
/// used here.
fn socket_broadcast(io: &SocketIo, socket: &SocketRef) -> Result<BroadcastOperators, LabError> {
    Ok(namespace_operator(io, socket.ns())?.except(socket.id.to_string()))
}

/// The operator for every socket of `namespace`. As `io.of(ns)` does in Node, this creates the
/// namespace when the server does not serve it yet: an emit there then reaches nobody, where a
/// lookup would fail. (socketioxide adds a namespace at run time; the connect handler is the
/// lab's own, so a socket that connects to it later is set up like any other.)
fn namespace_operator(io: &SocketIo, namespace: &str) -> Result<BroadcastOperators, LabError> {
    if let Some(operator) = io.of(namespace) {
        return Ok(operator);
    }
    io.ns(namespace.to_string(), super::server::on_connect);
    io.of(namespace)
        .ok_or_else(|| LabError::UnknownNamespace(namespace.to_string()))
}

fn apply_rooms(
    mut operator: BroadcastOperators,
    rooms: Vec<String>,
    excepted: Vec<String>,
) -> BroadcastOperators {
    if !rooms.is_empty() {
        operator = operator.within(rooms);
    }
    if !excepted.is_empty() {
        operator = operator.except(excepted);
    }
    operator
}

/// Turns rooms as written into the room names the adapter uses: `bob.id` becomes bob's real
/// socket id in this namespace.
fn resolve_rooms(
    state: &ServerState,
    socket: Option<&SocketRef>,
    rooms: &[&RoomRef],
) -> Result<Vec<String>, LabError> {
    rooms
        .iter()
        .map(|room| match room {
            RoomRef::Named(name) => Ok(name.clone()),
            RoomRef::OwnId => socket
                .map(|s| s.id.to_string())
                .ok_or_else(|| LabError::NeedsSocket("socket.id".to_string())),
            RoomRef::SocketId(name) => {
                // As in Node, a socket id names a room in the socket's own namespace only:
                // `io.to(bob.id)` in another namespace reaches nobody, and so does the id of a
                // socket that has disconnected; the adapter shows both.
                let sid = state
                    .id_of(name)
                    .ok_or_else(|| LabError::UnknownSocket(name.clone()))?;
                Ok(sid.to_string())
            }
        })
        .collect()
}

fn room_label(state: &ServerState, socket: &SocketRef, room: &RoomRef) -> String {
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
