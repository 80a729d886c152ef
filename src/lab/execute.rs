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
use super::report::{Effect, own_room_label};
use super::select::{Selection, resolve_rooms, select};
use super::server::LabAdapter;
use super::state::ServerState;
use crate::script::{Arg, Emit, RoomRef, Statement, StatementKind};

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
pub async fn execute<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    socket: Option<&SocketRef<A>>,
    statement: &Statement,
    msg: Option<&Value>,
) -> Result<Effect, LabError> {
    let need_socket = || socket.ok_or_else(|| LabError::NeedsSocket(statement.source.clone()));
    match &statement.kind {
        StatementKind::Emit(emit) => {
            let args = arguments(emit, msg);
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
                .map_err(|e| LabError::server(format!("the disconnect failed: {e}")))?;
            Ok(Effect::Disconnected { namespace })
        }
    }
}

/// The arguments an emit sends: as written, with `msg` (inside an `on` handler) replaced by the
/// first argument the client sent (`null` when it sent none), as `(msg) => ...` in Node.
pub fn arguments(emit: &Emit, msg: Option<&Value>) -> Vec<Value> {
    emit.args
        .iter()
        .map(|arg| match arg {
            Arg::Value(value) => value.clone(),
            Arg::Msg => msg.cloned().unwrap_or(Value::Null),
        })
        .collect()
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
