//! Who a statement addresses: the one place the lab turns a parsed emit (`io.to('r')`,
//! `socket.broadcast`, `io.of(ns).except(bob.id)`, ...) into a socketioxide operator chain.
//!
//! Running a statement and previewing it ("who would receive this?") both start here: the run
//! emits through the [`Selection`], the preview asks the same selection which sockets it holds
//! ([`Selection::sockets`], answered by socketioxide's local adapter, nothing sent). `explain`,
//! the lesson validator and every test that compares the two therefore compare one answer.
//!
//! It is generic over the adapter, so that the same chain runs on a lone server (socketioxide's
//! local adapter) and on servers that share the Redis adapter (`io.local` only differs there):
//! socketioxide's operators are themselves generic over it, so nothing is duplicated, and a
//! change of meaning stays one change here. (A trait object over both adapters would hide the
//! operators behind a second API of our own; an enum would make every function here match.)
//!
//! The meaning is the JavaScript API's (see `docs/stack-facts.md`, "Whose meaning the
//! statements have"); the table in `crate::lab::execute` maps each form.

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;

use super::LabError;
use super::server::LabAdapter;
use super::state::ServerState;
use crate::script::{Emit, Origin, RoomRef};

/// The sockets an emit goes to, before anything is sent.
pub(crate) enum Selection<A: LabAdapter> {
    /// `socket.emit(...)`: that socket only, whatever its rooms.
    Sender(SocketRef<A>),
    /// Every other form: a broadcast operator whose rooms the adapter resolves.
    Broadcast(Box<BroadcastOperators<A>>),
}

impl<A: LabAdapter> Selection<A> {
    /// The sockets of this server this selection reaches right now, as its adapter answers
    /// (nothing is sent; with two servers, each answers for its own sockets).
    pub(crate) fn sockets(&self) -> Vec<SocketRef<A>> {
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
pub(crate) fn select<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    socket: Option<&SocketRef<A>>,
    source: &str,
    emit: &Emit,
) -> Result<(String, Selection<A>), LabError> {
    if matches!(emit.origin, Origin::Socket) && !emit.excludes_sender() {
        let socket = socket.ok_or_else(|| LabError::NeedsSocket(source.to_string()))?;
        return Ok((socket.ns().to_string(), Selection::Sender(socket.clone())));
    }
    let sender = socket.map(Sender::of);
    let (namespace, operator) = broadcast(io, state, sender.as_ref(), source, emit)?;
    Ok((namespace, Selection::Broadcast(Box::new(operator))))
}

/// The socket a statement runs as, by namespace and id: enough to build a broadcast from it on
/// any server (the socket itself lives on one).
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    pub namespace: String,
    pub sid: Sid,
}

impl Sender {
    pub(crate) fn of<A: LabAdapter>(socket: &SocketRef<A>) -> Sender {
        Sender {
            namespace: socket.ns().to_string(),
            sid: socket.id,
        }
    }
}

/// The broadcast operator of every emit form but `socket.emit`, on the server `io`, with the
/// namespace it goes out in. The server that runs the statement emits through it; in a preview,
/// a server that shares the adapter builds the same operator to say which of *its* sockets the
/// broadcast reaches (that is what its adapter does with the request from Redis).
pub(crate) fn broadcast<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    sender: Option<&Sender>,
    source: &str,
    emit: &Emit,
) -> Result<(String, BroadcastOperators<A>), LabError> {
    let need_sender = || sender.ok_or_else(|| LabError::NeedsSocket(source.to_string()));
    if matches!(emit.origin, Origin::Socket) {
        need_sender()?;
    }
    let sid = sender.map(|s| s.sid);
    let rooms = resolve_rooms(state, sid, &emit.rooms())?;
    let excepted = resolve_rooms(state, sid, &emit.excepted())?;
    match &emit.origin {
        Origin::Socket => {
            let sender = need_sender()?;
            let operator = socket_broadcast(io, sender)?;
            Ok((
                sender.namespace.clone(),
                apply_rooms(operator, rooms, excepted),
            ))
        }
        Origin::Io { namespace } => {
            let mut operator = namespace_operator(io, namespace)?;
            // `io.local`: this server's sockets only; the adapter sends nothing to the others.
            if emit.is_local() {
                operator = operator.local();
            }
            Ok((namespace.clone(), apply_rooms(operator, rooms, excepted)))
        }
    }
}

/// The sockets of `namespace` narrowed step by step, as `explain` narrates them: all of them,
/// then those in the `to`/`in` rooms, then without the `except` rooms. Each set is the
/// adapter's answer. The final recipients are [`select`]'s, not the last of these.
pub(crate) fn stages<A: LabAdapter>(
    io: &SocketIo<A>,
    state: &ServerState,
    sid: Option<Sid>,
    namespace: &str,
    emit: &Emit,
) -> Result<[Vec<SocketRef<A>>; 3], LabError> {
    let operator = namespace_operator(io, namespace)?;
    let rooms = resolve_rooms(state, sid, &emit.rooms())?;
    let excepted = resolve_rooms(state, sid, &emit.excepted())?;
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
fn socket_broadcast<A: LabAdapter>(
    io: &SocketIo<A>,
    sender: &Sender,
) -> Result<BroadcastOperators<A>, LabError> {
    Ok(namespace_operator(io, &sender.namespace)?.except(sender.sid.to_string()))
}

/// The operator for every socket of `namespace`. As `io.of(ns)` does in Node, this creates the
/// namespace when the server does not serve it yet: an emit there then reaches nobody, where a
/// lookup would fail. (socketioxide adds a namespace at run time; the connect handler is the
/// lab's own, so a socket that connects to it later is set up like any other.)
fn namespace_operator<A: LabAdapter>(
    io: &SocketIo<A>,
    namespace: &str,
) -> Result<BroadcastOperators<A>, LabError> {
    if let Some(operator) = io.of(namespace) {
        return Ok(operator);
    }
    // A Redis adapter subscribes in the background here (this is not async); a statement that
    // creates a namespace reaches nobody anyway, so nothing waits for it.
    socketioxide_core::adapter::Spawnable::spawn(
        io.ns(namespace.to_string(), super::server::on_connect::<A>),
    );
    io.of(namespace)
        .ok_or_else(|| LabError::UnknownNamespace(namespace.to_string()))
}

fn apply_rooms<A: LabAdapter>(
    mut operator: BroadcastOperators<A>,
    rooms: Vec<String>,
    excepted: Vec<String>,
) -> BroadcastOperators<A> {
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
    sender: Option<Sid>,
    rooms: &[&RoomRef],
) -> Result<Vec<String>, LabError> {
    rooms
        .iter()
        .map(|room| match room {
            RoomRef::Named(name) => Ok(name.clone()),
            RoomRef::OwnId => sender
                .map(|sid| sid.to_string())
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
