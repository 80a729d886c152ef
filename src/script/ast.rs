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
    /// `... with auth {token: 'abc'}` sends that handshake auth, as the client's
    /// `io({ auth: { token: 'abc' } })` does (`None`: no auth, as `io()`).
    Connect {
        names: Vec<String>,
        namespace: String,
        auth: Option<Value>,
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
    /// `alice.emitWithAck('question', 'hi')`: the real client sends an event and waits for the
    /// answer the server's handler gives with `callback(...)`.
    ClientEmitWithAck {
        name: String,
        event: String,
        args: Vec<Value>,
        source: String,
    },
    /// `bob.on('question', (q, callback) => callback('yes'))`: bob's client answers the server's
    /// `emitWithAck` for this event. `arity` is how many parameters the arrow function has, the
    /// callback included: as in JavaScript, the callback is the last argument the client is
    /// handed, so it is in the right place only when the server sent `arity - 1` arguments.
    ClientOn {
        name: String,
        event: String,
        arity: usize,
        answer: Value,
        source: String,
    },
    /// `socket.onAny((event, ...args) => console.log(event, args))`: adds a catch-all listener
    /// to every socket of `/`, run for every event a client sends, before the event's own
    /// handler (and after the listeners added before it).
    /// It prints `log` (each part: the event name, its arguments, or a text) as `console.log`
    /// would.
    OnAny { log: Vec<LogPart>, source: String },
    /// `cut bob`: bob's TCP connection is cut under the client, as when a laptop's Wi-Fi drops;
    /// the server sees the transport close. Only in a lab whose clients go through its network.
    Cut { name: String },
    /// `silence bob`: bob's network goes silent, nothing gets through and nothing closes, until
    /// the server's heartbeat gives up (`ping timeout`). Only in a lab with its own network.
    Silence { name: String },
    /// `io.use((socket, next) => ...)` or `io.of('/admin').use(...)`: a middleware that runs
    /// for every later connection to `namespace`, before the connection handler.
    Use {
        namespace: String,
        middleware: Middleware,
    },
}

/// One argument of the `console.log(...)` inside an `onAny` listener.
#[derive(Debug, Clone, PartialEq)]
pub enum LogPart {
    /// The listener's first parameter: the event name.
    Event,
    /// Its rest parameter (`...args`): the event's arguments, as an array.
    Args,
    /// A literal value.
    Value(Value),
}

/// A connection middleware, as the docs write one: `(socket, next) => ...`, whose body sets
/// `socket.data` and then lets the connection in (`next()`) or refuses it
/// (`next(new Error('not authorized'))`), maybe depending on the handshake's auth.
#[derive(Debug, Clone, PartialEq)]
pub struct Middleware {
    /// The whole `io.use(...)` call as written, for printing back.
    pub source: String,
    /// `socket.data.KEY = VALUE;` lines, in order.
    pub assigns: Vec<(String, DataValue)>,
    pub decision: Decision,
}

/// What a middleware stores in `socket.data`.
#[derive(Debug, Clone, PartialEq)]
pub enum DataValue {
    /// A literal value.
    Value(Value),
    /// `socket.handshake.auth.KEY` (`undefined` when the client sent no such key).
    Auth(String),
}

/// How a middleware ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// `next()`: the connection goes on to the connection handler.
    Accept,
    /// `next(new Error(message))`: the client's `connect_error` fires with `err.message`.
    Reject(String),
    /// `CONDITION ? next() : next(new Error(message))`.
    If { check: AuthCheck, reject: String },
}

/// A condition on the handshake's auth.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthCheck {
    /// `socket.handshake.auth.KEY`: the key is truthy, as JavaScript reads it.
    Truthy(String),
    /// `socket.handshake.auth.KEY === VALUE`: strictly equal (same type, same value).
    Equals(String, Value),
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
    /// `callback('yes')` inside an `on` handler: the server answers the client's `emitWithAck`
    /// (a real ACK packet with the client's ack id) with one value.
    Callback(Arg),
    /// `socket.timeout(1000).emitWithAck(...)`, `io.timeout(1000).emitWithAck(...)` and their
    /// chains: the emit asks every recipient for an answer and waits at most `timeout_ms`.
    EmitWithAck { emit: Emit, timeout_ms: u64 },
    /// `socket.volatile.emit(...)`, `io.volatile.emit(...)` and their chains (the flag may stand
    /// anywhere before `emit`): an emit that the server may drop instead of queueing.
    VolatileEmit(Emit),
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
    /// `socket.data` (`None`) or `socket.data.KEY`: what middleware stored for this socket.
    Data(Option<String>),
    /// `socket.handshake.auth` (`None`) or `socket.handshake.auth.KEY`: the auth the client
    /// sent when it connected.
    Auth(Option<String>),
    /// `reason` inside a `disconnecting` or `disconnect` handler: why the socket is leaving, as
    /// Node words it (`'client namespace disconnect'`, `'transport close'`, ...).
    Reason,
    /// `socket.rooms.has('room1')`: whether the socket is in that room right now.
    InRoom(String),
}

impl Arg {
    /// Whether the argument reads the socket the statement runs as (or the event it handles),
    /// so that only a run can say what it sends.
    pub fn needs_socket(&self) -> bool {
        matches!(
            self,
            Arg::Data(_) | Arg::Auth(_) | Arg::Reason | Arg::InRoom(_)
        )
    }
}

/// The server-side events of a socket's departure, whose handlers (`on 'disconnecting': ...`)
/// get `reason` instead of `msg`: `disconnecting` while the socket is still in its rooms,
/// `disconnect` once it has left them.
pub const DEPARTURE_EVENTS: &[&str] = &["disconnecting", "disconnect"];
