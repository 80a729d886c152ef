//! Who a statement addresses: the one place the lab turns a parsed emit (`io.to('r')`,
//! `socket.broadcast`, `io.of(ns).except(bob.id)`, ...) into a socketioxide operator chain.
//!
//! Running a statement and previewing it ("who would receive this?") both start here: the run
//! emits through the [`Selection`], the preview asks the same selection which sockets it holds
//! ([`Selection::sockets`], answered by socketioxide's local adapter, nothing sent). `explain`,
//! the lesson validator and every test that compares the two therefore compare one answer.
//!
//! The meaning is the JavaScript API's (see `docs/stack-facts.md`, "Whose meaning the
//! statements have"); the table in `crate::lab::execute` maps each form.

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;

use super::LabError;
use super::state::ServerState;
use crate::script::{Emit, Origin, RoomRef};

/// The sockets an emit goes to, before anything is sent.
#[derive(Clone)]
pub(crate) enum Selection {
    /// `socket.emit(...)`: that socket only, whatever its rooms.
    Sender(SocketRef),
    /// Every other form: a broadcast operator whose rooms the adapter resolves.
    Broadcast(Box<BroadcastOperators>),
}

impl Selection {
    /// The sockets this selection reaches right now, as the adapter answers (nothing is sent).
    pub(crate) fn sockets(&self) -> Vec<SocketRef> {
        match self {
            Selection::Sender(socket) => vec![socket.clone()],
            Selection::Broadcast(operator) => (**operator).clone().sockets(),
        }
    }
}

/// The selection of `emit` run as `socket` (required for `socket...` forms), with the namespace
/// it goes out in. Refuses what the lab refuses: an unserved namespace, an unknown `bob.id`, a
/// `socket...` form with no socket.
///
/// This is the only function that builds an operator chain for a statement: keep it small, so
/// that a change of meaning (how the sender is left out, say) is one change here.
pub(crate) fn select(
    io: &SocketIo,
    state: &ServerState,
    socket: Option<&SocketRef>,
    source: &str,
    emit: &Emit,
) -> Result<(String, Selection), LabError> {
    let need_socket = || socket.ok_or_else(|| LabError::NeedsSocket(source.to_string()));
    let namespace = match &emit.origin {
        Origin::Io { namespace } => namespace.clone(),
        Origin::Socket => need_socket()?.ns().to_string(),
    };
    let rooms = resolve_rooms(state, socket, &emit.rooms())?;
    let excepted = resolve_rooms(state, socket, &emit.excepted())?;
    let selection = match &emit.origin {
        Origin::Socket if !emit.excludes_sender() => Selection::Sender(need_socket()?.clone()),
        Origin::Socket => Selection::Broadcast(Box::new(apply_rooms(
            socket_broadcast(io, need_socket()?)?,
            rooms,
            excepted,
        ))),
        Origin::Io { namespace } => {
            let operator = namespace_operator(io, namespace)?;
            Selection::Broadcast(Box::new(apply_rooms(operator, rooms, excepted)))
        }
    };
    Ok((namespace, selection))
}

/// The sockets of `namespace` narrowed step by step, as `explain` narrates them: all of them,
/// then those in the `to`/`in` rooms, then without the `except` rooms. Each set is the
/// adapter's answer. The final recipients are [`select`]'s, not the last of these.
pub(crate) fn stages(
    io: &SocketIo,
    state: &ServerState,
    socket: Option<&SocketRef>,
    namespace: &str,
    emit: &Emit,
) -> Result<[Vec<SocketRef>; 3], LabError> {
    let operator = namespace_operator(io, namespace)?;
    let rooms = resolve_rooms(state, socket, &emit.rooms())?;
    let excepted = resolve_rooms(state, socket, &emit.excepted())?;
    let in_rooms = apply_rooms(operator.clone(), rooms.clone(), Vec::new());
    let after_except = apply_rooms(operator.clone(), rooms, excepted);
    Ok([
        operator.sockets(),
        in_rooms.sockets(),
        after_except.sockets(),
    ])
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
pub(crate) fn resolve_rooms(
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

/// What a statement would do, from [`crate::lab::Lab::preview`]: nothing is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// An emit: who would receive it, and how the adapter narrows the namespace down to them.
    Emit(EmitPreview),
    /// A join, a leave or a disconnect: it sends nothing.
    Membership,
}

/// Who an emit would reach, in connection order.
#[derive(Debug, Clone, PartialEq)]
pub struct EmitPreview {
    pub namespace: String,
    pub event: String,
    /// Every socket of the namespace.
    pub in_namespace: Vec<String>,
    /// Those in the `to` / `in` rooms (all of them when none is named).
    pub in_rooms: Vec<String>,
    /// Those left after the `except` rooms.
    pub after_except: Vec<String>,
    /// Who would receive it: the answer of the selection the run would emit through.
    pub receive: Vec<String>,
    /// Every other socket of the lab, in any namespace.
    pub not_receive: Vec<String>,
}
