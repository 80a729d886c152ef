//! What the lab tells the world: one [`Report`] per thing that happened, in the order it
//! happened. Every front end (demo, learn, play, serve, the tests) prints these and nothing else,
//! through `crate::render`.
//!
//! A report names sockets, never their random ids, and never mentions a port, so that the same
//! lesson gives the same reports on every run.

use serde::Serialize;
use serde_json::Value;

/// One thing the lab observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Report {
    /// A line the server printed, as the chat example's server does (`a user connected`).
    ServerLog(ServerLog),
    /// Who received an event, and who provably did not.
    Delivery(Delivery),
    /// A socket joined or left rooms, or was disconnected by the server.
    Membership(Membership),
    /// The server's handler for an event was set.
    Handler(HandlerSet),
    /// A client sent an event that the server has no handler for.
    Unhandled(Unhandled),
    /// A client could not connect; `message` is the error the client received.
    ConnectError(ConnectError),
    /// Which sockets are in which rooms, namespace by namespace.
    Rooms(RoomMap),
    /// A client's answering function was set (`bob.on('question', (q, callback) => ...)`).
    ClientHandler(ClientHandlerSet),
    /// A client's `emitWithAck` got its answer from the server's `callback(...)`.
    Reply(Reply),
    /// What each recipient of a server's `emitWithAck` answered, or that it timed out.
    Answers(Answers),
    /// The server's catch-all listener was set (`socket.onAny(...)`).
    AnyHandler(AnyHandlerSet),
    /// A connection middleware was added to a namespace (`io.use(...)`).
    Middleware(MiddlewareSet),
    /// What one server's adapter published through Redis for the other servers (labs with two
    /// servers sharing Redis only).
    Adapter(AdapterMessage),
}

/// One request a server's Redis adapter published, with socket ids turned into names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdapterMessage {
    /// The server that published it (`A` or `B`).
    pub server: String,
    /// What it asks the other servers to do (`broadcast`, ...).
    pub request: String,
    pub namespace: String,
    pub event: Option<String>,
    /// The rooms it targets (empty: every socket of the namespace) and those it leaves out.
    pub rooms: Vec<String>,
    pub except: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnyHandlerSet {
    pub namespace: String,
    /// The line as written.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiddlewareSet {
    pub namespace: String,
    /// The `io.use(...)` call as written.
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientHandlerSet {
    pub socket: String,
    pub event: String,
    /// The line as written: `bob.on('question', (q, callback) => callback('yes'))`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// The socket whose `emitWithAck` was answered.
    pub socket: String,
    /// The client's line: `alice.emitWithAck('question', 'Ready?')`.
    pub trigger: String,
    /// The handler statement the server ran: `callback('yes')`.
    pub statement: String,
    /// The event the client sent, and its arguments.
    pub event: String,
    pub args: Vec<Value>,
    /// What the promise resolves to: the first argument of the server's callback.
    pub answer: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answers {
    /// The socket the statement ran as, or `None` at server level.
    #[serde(rename = "as")]
    pub as_socket: Option<String>,
    pub statement: String,
    pub timeout_ms: u64,
    /// `socket.timeout(..).emitWithAck` resolves to one answer; every broadcast form to an array
    /// of them, one per recipient.
    pub single: bool,
    /// One entry per recipient, in connection order.
    pub answers: Vec<SocketAnswer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SocketAnswer {
    pub socket: String,
    /// The value it answered, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Value>,
    /// Why there is no answer (`operation has timed out`), when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Answers {
    /// The error the promise rejects with, if any recipient failed to answer: Node rejects the
    /// whole `emitWithAck` with the first error, keeping the answers that came in
    /// `err.responses` (broadcast forms).
    pub fn rejection(&self) -> Option<&str> {
        self.answers.iter().find_map(|a| a.error.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerLog {
    pub line: String,
    pub socket: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// The socket the statement ran as (`alice: socket...`, or the sender for a handler), or
    /// `None` for a statement at server level (`io...`).
    #[serde(rename = "as")]
    pub as_socket: Option<String>,
    /// The statement that the server ran, as written.
    pub statement: String,
    /// For a handler: the client-side emit that triggered it (`alice.emit('chat message', 'hi')`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// The namespace the event was emitted in.
    pub namespace: String,
    pub event: String,
    pub args: Vec<Value>,
    /// Sockets that received the event, in connection order. A socket that received it twice
    /// would be listed twice; Socket.IO never does that, and the tests check it.
    pub received: Vec<String>,
    /// Every other socket of the lab, in every namespace, in connection order.
    pub not_received: Vec<String>,
    /// Sent as a volatile event (`io.volatile.emit(...)`): the server was allowed to drop it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub volatile: bool,
    /// Every socket of the lab with its namespace, in connection order, so that a view can group
    /// the two lists by namespace.
    #[serde(skip)]
    pub sockets: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Membership {
    #[serde(rename = "as")]
    pub as_socket: String,
    pub statement: String,
    pub namespace: String,
    /// `join`, `leave` or `disconnect`.
    pub action: MembershipAction,
    /// The rooms as written (`room1`, `bob's own room`).
    pub rooms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipAction {
    Join,
    Leave,
    Disconnect,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandlerSet {
    pub namespace: String,
    pub event: String,
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unhandled {
    pub socket: String,
    pub namespace: String,
    pub event: String,
    pub trigger: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectError {
    pub socket: String,
    pub namespace: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomMap {
    /// Whether own-id rooms are listed.
    pub own_rooms_shown: bool,
    pub namespaces: Vec<NamespaceRooms>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceRooms {
    pub namespace: String,
    /// The sockets connected to this namespace, in connection order.
    pub sockets: Vec<String>,
    /// Named rooms first, by name; then own-id rooms, in connection order.
    pub rooms: Vec<Room>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Room {
    /// The room's name, or `bob's own room` for an own-id room (the id itself is never shown).
    pub name: String,
    /// For an own-id room, whose it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_room_of: Option<String>,
    /// Members in connection order.
    pub members: Vec<String>,
}

/// The trigger of a delivery that a departure handler sent: `bob: 'disconnect', reason
/// 'transport close'`, as Node's listener `socket.on('disconnect', (reason) => ...)` sees it.
pub fn departure_trigger(socket: &str, event: &str, reason: &str) -> String {
    format!("{socket}: '{event}', reason '{reason}'")
}

/// Whether a delivery was sent by a `disconnecting` or `disconnect` handler (see
/// [`departure_trigger`]), rather than by the statement that made the socket leave.
pub fn is_departure(delivery: &Delivery) -> bool {
    delivery.trigger.as_deref().is_some_and(|trigger| {
        ["'disconnecting', reason '", "'disconnect', reason '"]
            .iter()
            .any(|mark| trigger.contains(mark))
    })
}

/// How an own-id room is named on screen.
pub fn own_room_label(socket: &str) -> String {
    format!("{socket}'s own room")
}

impl Report {
    /// Who received the (first) event among `reports`: the live answer to a predict question.
    pub fn received_by(reports: &[Report]) -> Vec<String> {
        reports
            .iter()
            .find_map(|report| match report {
                Report::Delivery(delivery) => Some(delivery.received.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

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
    /// A handler answered the client's `emitWithAck` with `callback(answer)`.
    Answered { namespace: String, answer: Value },
    /// An `emitWithAck` went out in `namespace` and every recipient answered or timed out.
    Asked {
        namespace: String,
        event: String,
        args: Vec<Value>,
        timeout_ms: u64,
        single: bool,
        answers: Vec<super::ack::AskAnswer>,
    },
}
