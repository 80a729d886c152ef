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
}
