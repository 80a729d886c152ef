//! The parsed forms of the statement language.
//!
//! A [`Statement`] is one server-side Socket.IO call (`socket.to('room1').emit('hi')`); a
//! [`Command`] is one line of the playground, which may wrap a statement (`alice: ...`) or set up
//! the lab (`connect alice bob`). Each statement keeps the text it was parsed from, so that what
//! the learner wrote is what every view prints back.

use serde_json::Value;

/// One line of the playground (and of a lesson's `lab` and `run` steps).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `connect alice bob` or `connect dave to /tenant-a`: one real client socket per name.
    /// `connect carol on B` picks the lab's server, in a lab with two (`None`: the first, A).
    Connect {
        names: Vec<String>,
        namespace: String,
        server: Option<String>,
    },
    /// `on 'chat message': io.emit('chat message', msg)`: the server's handler for an event that
    /// clients send on `namespace`. Inside it, `socket` is the sender and `msg` its first argument.
    On {
        namespace: String,
        event: String,
        handler: Statement,
    },
    /// `alice.emit('chat message', 'hi')`: the real client sends an event to the server.
    ClientEmit {
        name: String,
        event: String,
        args: Vec<Value>,
        source: String,
    },
    /// `alice: socket.join('room1')` or `io.emit('hi')`: a server-side statement.
    Run {
        as_socket: Option<String>,
        statement: Statement,
    },
    /// `disconnect bob`: the client closes its own connection.
    Disconnect { name: String },
    /// `rooms` (own-id rooms hidden) or `rooms all` (shown).
    Rooms { show_own_rooms: bool },
}

/// One server-side call, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement exactly as the learner wrote it (trimmed), for printing back.
    pub source: String,
    pub kind: StatementKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// Any `.emit(...)`, from `io` or from `socket`, with its chain of targets.
    Emit(Emit),
    /// `socket.join(room)` or `socket.join([r1, r2])`.
    Join(Vec<RoomRef>),
    /// `socket.leave(room)`.
    Leave(Vec<RoomRef>),
    /// `socket.disconnect()`: the server closes this socket's connection to its namespace.
    Disconnect,
}

/// Who an emit starts from: the server (`io`, optionally `io.of(ns)`) or the socket the statement
/// runs as.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// `io.emit(...)` or `io.of('/ns').emit(...)`. `io` alone means the main namespace `/`, as it
    /// does in Node: `io.emit` never reaches another namespace.
    Io { namespace: String },
    /// `socket.emit(...)` and its chains. The namespace is the socket's own.
    Socket,
}

/// One link of an emit chain, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `.broadcast`: leave out the emitting socket (its own-id room, as Node does).
    Broadcast,
    /// `.to(rooms)`: add these rooms to the set of targets.
    To(Vec<RoomRef>),
    /// `.in(rooms)`: the same as `.to` (an alias in the Socket.IO API).
    In(Vec<RoomRef>),
    /// `.except(rooms)`: leave out every socket in these rooms.
    Except(Vec<RoomRef>),
    /// `.local` (on `io` only): this server's sockets only, nothing through the adapter to the
    /// other servers. On a lone server it changes nothing.
    Local,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Emit {
    pub origin: Origin,
    pub chain: Vec<Target>,
    pub event: String,
    pub args: Vec<Arg>,
}

impl Emit {
    /// True when the chain makes this a broadcast from a socket, which in the Socket.IO API
    /// leaves the sender out: `socket.broadcast`, `socket.to`, `socket.in` and `socket.except`
    /// all start a broadcast that excludes the room named by the socket's id (which is the
    /// socket itself, unless it left that room or another socket joined it).
    pub fn excludes_sender(&self) -> bool {
        matches!(self.origin, Origin::Socket) && !self.chain.is_empty()
    }

    /// The rooms targeted by `to` and `in`, in the order written. Empty means "every socket".
    pub fn rooms(&self) -> Vec<&RoomRef> {
        self.chain
            .iter()
            .flat_map(|target| match target {
                Target::To(rooms) | Target::In(rooms) => rooms.iter().collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// True for `io.local...`: the emit stays on the server that runs it.
    pub fn is_local(&self) -> bool {
        self.chain.contains(&Target::Local)
    }

    /// The rooms left out by `except`, in the order written.
    pub fn excepted(&self) -> Vec<&RoomRef> {
        self.chain
            .iter()
            .flat_map(|target| match target {
                Target::Except(rooms) => rooms.iter().collect(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// A room as written in a statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoomRef {
    /// `'room1'`: a room with a name.
    Named(String),
    /// `bob.id`: bob's own-id room (the room every socket is in, named by its id).
    SocketId(String),
    /// `socket.id`: the own-id room of the socket the statement runs as.
    OwnId,
}

impl std::fmt::Display for RoomRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoomRef::Named(name) => write!(f, "{name}"),
            RoomRef::SocketId(name) => write!(f, "{name}.id"),
            RoomRef::OwnId => write!(f, "socket.id"),
        }
    }
}

/// One argument of an emit.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Value(Value),
    /// `msg` inside an `on` handler: the first argument the client sent.
    Msg,
}
