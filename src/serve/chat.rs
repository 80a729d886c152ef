//! The chat's Socket.IO handlers: the official chat example's protocol, plus the homework its
//! tutorial leaves (nicknames, announcements, typing, who is online, private messages, rooms).
//!
//! Each handler is a small free function whose arguments are socketioxide extractors, all
//! registered in [`admit`]. Every event a browser sends is checked against `super::limits`
//! before anything is relayed, and every relay goes through [`relay`], which sends it so that
//! each page confirms it once shown, and reports, once the pages have answered, who confirmed
//! and who missed it (`super::delivery`, `super::confirm`). The chat page confirms every relayed
//! event. A student's event passes the rate limit where socketioxide reads it ([`Paced`]: a
//! flood is refused there, before any task is spawned), then its handler waits for its
//! [`Turn`]: one socket's events are handled in the order they came, as in Node, although
//! socketioxide runs each in a task of its own (`super::turn`).
//!
//! | the browser sends                       | the server runs                                          |
//! |-----------------------------------------|----------------------------------------------------------|
//! | connect with `auth: { name }` (optional)| `socket.emit('online', names)`, `io.emit('user connected', [names])` (batched), `socket.emit('welcome', { name })` |
//! | (disconnects)                           | `io.emit('user disconnected', [names])` (batched)         |
//! | `'chat message', msg`                   | `io.emit('chat message', msg, name)` (the official example, plus the sender's name) |
//! | `'typing'`                              | `socket.broadcast.emit('typing', name)`                  |
//! | `'private message', { to, text }`       | `socket.to(<to's id>).emit('private message', text, name)` |
//! | `'join', room` / `'leave', room`        | `socket.join(room)` / `socket.leave(room)`, then `socket.emit('rooms', rooms)` |
//! | `'room message', { room, text }`        | `io.to(room).emit('room message', room, text, name)`     |
//! | anything refused                        | `socket.emit('notice', why)` to the sender only          |
//! | `'sio-tutor:sync'` with an ack          | the ack: the barrier the tests use to prove non-receipt  |
//! | `'sio-tutor:shown', [numbers]`          | nothing sent: the relays it names are confirmed for this page (`super::confirm`) |
//!
//! Every event may carry a Socket.IO acknowledgement: the server answers `{ ok: true }` or
//! `{ error }` only after its relay's emit has returned. The page does not need it; the tests
//! do: an acked relay followed by an acked `sio-tutor:sync` from every client is what proves
//! that a socket did not get an event (the lab's two-phase barrier, see `crate::lab`). The turns
//! order one socket's events only; the sender's ack is what orders the relay before the others'
//! syncs.
//!
//! The page written for the official tutorial emits `chat message` with the text and shows the
//! first argument of every `chat message` it receives, so it works unchanged: it ignores the
//! trailing name.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts};
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::{DisconnectReason, Socket};

use super::announce::Announcer;
use super::confirm::{SHOWN_EVENT, Shown};
use super::delivery::{self, Relay};
use super::limits::{self, MAX_ROOMS_PER_SOCKET, Pace, Refusal};
use super::roster::{Arrival, Nickname, Roster};
use super::turn::{Handling, Line, Turn};
use crate::lab::report::MembershipAction;
use crate::lab::scaffold::SYNC_EVENT;
use crate::render::text::js_value;

/// Serves the chat on `/`, one server alone. (`SocketIo::ns` needs socketioxide-core's
/// `DefinedAdapter`, which socketioxide does not re-export: hence one function per adapter.)
pub fn register(io: &SocketIo) {
    io.ns("/", on_connect.with(admit));
}

/// Serves the chat on `/`, one process of a class shared through Redis (`serve --redis`). The
/// result is the adapter's subscription: other processes' broadcasts arrive once it resolves.
pub fn register_shared(
    io: &SocketIo<crate::lab::redis::Adapter>,
) -> socketioxide_redis::InitRes<crate::lab::redis::TapDriver> {
    io.ns("/", on_connect.with(admit))
}

/// Runs before the server acknowledges the connection, so everything a socket needs is in place
/// before its browser can send a first event.
///
/// socketioxide sends the CONNECT acknowledgement *before* it runs the connect handler (in a
/// task of its own), and the official page emits as soon as it is connected: a handler
/// registered in the connect handler could miss that first `chat message` (docs/stack-facts.md,
/// 1). Middleware runs before the acknowledgement, so the handlers are registered here. Its
/// error, if any, reaches the browser as a `connect_error` whose `message` the page shows.
async fn admit<A: Adapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<Value>,
    State(roster): State<Arc<Roster>>,
) -> Result<(), Refusal> {
    let requested = auth
        .as_ref()
        .ok()
        .and_then(|auth| auth.get("name"))
        .and_then(Value::as_str);
    let requested = limits::nickname(requested)?;
    // The chat page answers every relayed event; a page that says so and then does not answer
    // is reported as having missed it.
    let confirms = auth
        .as_ref()
        .ok()
        .and_then(|auth| auth.get("confirms"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let name = roster.enter(socket.id, requested, confirms).await?;
    socket.extensions.insert(Nickname(name));
    socket.extensions.insert(Arrival::next());
    socket.extensions.insert(Line::default());

    // As in Node, every socket is in the room named by its own id: private messages
    // (`socket.to(bob.id)`) are sent to that room.
    socket.join(socket.id.to_string());

    socket.on("chat message", on_chat_message::<A>);
    socket.on("typing", on_typing::<A>);
    socket.on("private message", on_private_message::<A>);
    socket.on("join", on_join::<A>);
    socket.on("leave", on_leave::<A>);
    socket.on("room message", on_room_message::<A>);
    socket.on(SYNC_EVENT, on_sync::<A>);
    socket.on(SHOWN_EVENT, on_shown);
    socket.on_disconnect(on_disconnect::<A>);
    Ok(())
}

/// The proof of life of the official example (`a user connected`), then the announcements.
async fn on_connect<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    State(announcer): State<Announcer>,
) {
    roster.log("a user connected", &name);
    // The newcomer gets the whole list, read now that it is in the namespace; everyone else
    // hears about the newcomer in the announcer's next batch (see `super::announce`). Sending
    // the whole list to everyone on every arrival would cost N² names as a class of N fills up.
    let _ = socket.emit("online", &roster.everyone().await);
    announcer.arrived(&name).await;
    // Last, on purpose: once a client has its welcome, the announcements about it have been
    // handed to every connection, so a barrier after the welcome covers them.
    let _ = socket.emit("welcome", &json!({ "name": &*name }));
}

/// The official example's handler: `io.emit('chat message', msg)`.
async fn on_chat_message<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    io: SocketIo<A>,
    TryData(msg): TryData<Value>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    let outcome = match accept(&socket, || limits::message(msg.as_ref().ok())) {
        Ok(text) => {
            let record = Relay {
                sender: &name,
                trigger: trigger(&name, "chat message", &[Value::from(text.as_str())]),
                statement: "io.emit('chat message', msg, name)".into(),
                event: "chat message",
            };
            let Some(everyone) = everyone(&io) else {
                return answer(ack, Err(Refusal::ShuttingDown));
            };
            relay(&roster, everyone, record, &(&text, &*name)).await;
            Ok(())
        }
        Err(refusal) => Err(refusal),
    };
    answer(ack, outcome);
}

/// "X is typing": everyone but the typist, which is what `socket.broadcast` means.
async fn on_typing<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    let record = Relay {
        sender: &name,
        trigger: trigger(&name, "typing", &[]),
        statement: "socket.broadcast.emit('typing', name)".into(),
        event: "typing",
    };
    relay(&roster, socket.broadcast(), record, &(&*name,)).await;
    answer(ack, Ok(()));
}

/// `{ to, text }`: `to` is a nickname; the page never sees socket ids.
#[derive(Debug, Deserialize)]
struct PrivateMessage {
    to: String,
    text: Value,
}

/// A private message goes to the recipient's own-id room, as in the Socket.IO docs.
async fn on_private_message<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    TryData(message): TryData<PrivateMessage>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    // Looked up first: with `--redis` the recipient may be on another process (an await).
    let to = message
        .as_ref()
        .ok()
        .map(|message| limits::nickname_key(&message.to));
    let found = match &to {
        Some(to) => roster.find(to).await,
        None => None,
    };
    let checked = accept(&socket, || {
        let message = message.as_ref().map_err(|_| Refusal::NotText)?;
        let text = limits::message(Some(&message.text))?;
        let to = to.unwrap_or_default();
        let sid = found.ok_or_else(|| Refusal::NoSuchUser(to.clone()))?;
        if sid == socket.id {
            return Err(Refusal::ToYourself);
        }
        Ok((to, sid, text))
    });
    let outcome = match checked {
        Ok((to, sid, text)) => {
            let record = Relay {
                sender: &name,
                trigger: trigger(
                    &name,
                    "private message",
                    &[json!({ "to": &to, "text": &text })],
                ),
                statement: format!(
                    "socket.to({}).emit('private message', msg, name)",
                    id_of(&to)
                ),
                event: "private message",
            };
            let operator = socket.to(sid.to_string());
            relay(&roster, operator, record, &(&text, &*name)).await;
            Ok(())
        }
        Err(refusal) => Err(refusal),
    };
    answer(ack, outcome);
}

async fn on_join<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    TryData(room): TryData<Value>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    let checked = accept(&socket, || {
        let room = limits::room(room.as_ref().ok(), |text| roster.is_socket_id(text))?;
        let rooms = named_rooms(&socket);
        if !rooms.contains(&room) && rooms.len() >= MAX_ROOMS_PER_SOCKET {
            return Err(Refusal::TooManyRooms);
        }
        Ok(room)
    });
    let outcome = checked.map(|room| {
        socket.join(room.clone());
        let statement = format!("socket.join({})", js_value(&Value::from(room.as_str())));
        roster.membership(&name, statement, MembershipAction::Join, &room);
        let _ = socket.emit("rooms", &named_rooms(&socket));
    });
    answer(ack, outcome);
}

async fn on_leave<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    TryData(room): TryData<Value>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    let checked = accept(&socket, || {
        limits::room(room.as_ref().ok(), |text| roster.is_socket_id(text))
    });
    let outcome = checked.map(|room| {
        socket.leave(room.clone());
        let statement = format!("socket.leave({})", js_value(&Value::from(room.as_str())));
        roster.membership(&name, statement, MembershipAction::Leave, &room);
        let _ = socket.emit("rooms", &named_rooms(&socket));
    });
    answer(ack, outcome);
}

#[derive(Debug, Deserialize)]
struct RoomMessage {
    room: String,
    text: Value,
}

/// A message to a room, from a member of it: `io.to(room)` reaches every member, the sender
/// included, so everyone sees the conversation in the same order.
async fn on_room_message<A: Adapter>(
    turn: Paced,
    socket: SocketRef<A>,
    io: SocketIo<A>,
    TryData(message): TryData<RoomMessage>,
    Extension(Nickname(name)): Extension<Nickname>,
    State(roster): State<Arc<Roster>>,
    ack: AckSender<A>,
) {
    let _handling = turn.wait().await;
    let checked = accept(&socket, || {
        let message = message.as_ref().map_err(|_| Refusal::NotText)?;
        let text = limits::message(Some(&message.text))?;
        if !named_rooms(&socket).contains(&message.room) {
            return Err(Refusal::NotInRoom(message.room.clone()));
        }
        Ok((message.room.clone(), text))
    });
    let outcome = match checked {
        Ok((room, text)) => {
            let room_literal = js_value(&Value::from(room.as_str()));
            let record = Relay {
                sender: &name,
                trigger: trigger(
                    &name,
                    "room message",
                    &[json!({ "room": &room, "text": &text })],
                ),
                statement: format!("io.to({room_literal}).emit('room message', room, msg, name)"),
                event: "room message",
            };
            let Some(everyone) = everyone(&io) else {
                return answer(ack, Err(Refusal::ShuttingDown));
            };
            let operator = everyone.to(room.clone());
            relay(&roster, operator, record, &(&room, &text, &*name)).await;
            Ok(())
        }
        Err(refusal) => Err(refusal),
    };
    answer(ack, outcome);
}

async fn on_disconnect<A: Adapter>(
    turn: Turn,
    socket: SocketRef<A>,
    reason: DisconnectReason,
    State(roster): State<Arc<Roster>>,
    State(announcer): State<Announcer>,
) {
    let _handling = turn.wait().await;
    let Some(name) = roster.remove(socket.id) else {
        return;
    };
    // The goodbye line of the shutdown counts everyone at once; one line each would bury it.
    if reason == DisconnectReason::ClosingServer {
        return;
    }
    let line = match reason {
        DisconnectReason::PacketParsingError => {
            "user disconnected (it sent a packet the server does not accept, malformed or over \
             64 KiB; only its connection was closed)"
        }
        DisconnectReason::HeartbeatTimeout => "user disconnected (it stopped answering pings)",
        DisconnectReason::TransportError => {
            "user disconnected (its connection broke or sent too much)"
        }
        _ => "user disconnected",
    };
    roster.log(line, &name);
    announcer.left(&name);
}

/// A page's answer, naming the relays it has shown. Its work is done by the [`Shown`]
/// extractor, in the connection's receive loop (see `super::confirm` for why not here).
async fn on_shown(_: Shown) {}

/// The barrier's round trip (the lab's `on_sync`, for any adapter): answering proves that
/// everything sent to this socket before it has been written to its connection first.
async fn on_sync<A: Adapter>(turn: Turn, ack: AckSender<A>) {
    let _handling = turn.wait().await;
    let _ = ack.send(&());
}

/// Every socket of the chat's namespace: `io` in the JavaScript API. `None` once the server is
/// closing: socketioxide's `io.emit` would panic then, and a student's disconnect can race the
/// shutdown.
fn everyone<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    io.of(super::roster::NAMESPACE)
}

/// Runs the checks of one incoming event (the rate limit has been checked at the door: see
/// [`Paced`]). A refusal is told to the sender as a notice; an error means: relay nothing.
fn accept<A: Adapter, T>(
    socket: &SocketRef<A>,
    check: impl FnOnce() -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    let outcome = check();
    if let Err(refusal) = &outcome {
        let _ = socket.emit("notice", &refusal.to_string());
    }
    outcome
}

/// A student's event that the rate limit lets in, with its place in the sender's line
/// ([`Turn`]). Checked where socketioxide reads the packet, before it spawns the handler: a
/// refused event costs no task. A script sending 200,000 events as fast as it could made the
/// server hold one waiting task each (209 MiB; 85-120 MiB before events waited their turn);
/// refused here, they cost a parse and an answer. The sender is told once a second at most,
/// and the terminal says so once a second too.
struct Paced(Turn);

impl Paced {
    /// See [`Turn::wait`].
    async fn wait(self) -> Handling {
        self.0.wait().await
    }
}

impl<A: Adapter> FromMessageParts<A> for Paced {
    type Error = Refusal;

    fn from_message_parts(
        socket: &Arc<Socket<A>>,
        value: &mut socketioxide_core::Value,
        ack: &Option<i64>,
    ) -> Result<Paced, Refusal> {
        // The roster is the server's state, always there; without it there is nothing to pace.
        let refused = match State::<Arc<Roster>>::from_message_parts(socket, value, ack) {
            Ok(State(roster)) => match roster.pace(socket.id) {
                Pace::Allowed => None,
                Pace::Refused { tell } => Some((roster, tell)),
            },
            Err(_) => None,
        };
        // Only an event let in takes a place in line: a refused one must not stand in it, or
        // the events on either side of it would no longer wait for each other.
        let Some((roster, tell)) = refused else {
            let Ok(turn) = Turn::from_message_parts(socket, value, ack);
            return Ok(Paced(turn));
        };
        if tell {
            if let Some(Nickname(name)) = socket.extensions.get::<Nickname>() {
                roster.log(
                    "sends more than 10 messages a second: the extra ones are dropped",
                    &name,
                );
            }
            let _ = socket.emit("notice", &Refusal::TooFast.to_string());
        }
        let Ok(ack) = AckSender::from_message_parts(socket, value, ack);
        answer(ack, Err(Refusal::TooFast));
        Err(Refusal::TooFast)
    }
}

/// Answers the event's acknowledgement, if the client asked for one (the page does not; the
/// tests do). Sent after the relay's emit has returned: see the module docs.
fn answer<A: Adapter>(ack: AckSender<A>, outcome: Result<(), Refusal>) {
    let reply = match outcome {
        Ok(()) => json!({ "ok": true }),
        Err(refusal) => json!({ "error": refusal.to_string() }),
    };
    let _ = ack.send(&reply);
}

/// Relays one event so that its pages confirm it, and has their answers reported when they are in.
/// Returns once the emit has been handed to every addressed connection (see the module docs).
async fn relay<A: Adapter, T: Serialize + ?Sized>(
    roster: &Arc<Roster>,
    operator: BroadcastOperators<A>,
    record: Relay<'_>,
    data: &T,
) {
    let answers = delivery::emit(roster, operator, record, data).await;
    roster.relayed(answers);
}

/// What the browser sent, as the JavaScript that sent it: `anna.emit('chat message', 'hi')`.
fn trigger(name: &str, event: &str, args: &[Value]) -> String {
    let mut parts = vec![js_value(&Value::from(event))];
    parts.extend(args.iter().map(js_value));
    format!("{name}.emit({})", parts.join(", "))
}

/// A socket's id as the JavaScript of the lessons writes it: `anna.id` when the name is an
/// identifier, `sockets['bot-bob'].id` otherwise (`bot-bob.id` would be a subtraction).
fn id_of(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if identifier {
        format!("{name}.id")
    } else {
        format!("sockets[{}].id", js_value(&Value::from(name)))
    }
}

/// The rooms a socket joined, without its own-id room, sorted.
fn named_rooms<A: Adapter>(socket: &SocketRef<A>) -> Vec<String> {
    let own = socket.id.to_string();
    let mut rooms: Vec<String> = socket
        .rooms()
        .into_iter()
        .map(|room| room.to_string())
        .filter(|room| *room != own)
        .collect();
    rooms.sort();
    rooms
}

#[cfg(test)]
mod tests {
    use super::id_of;

    #[test]
    fn a_socket_id_is_valid_javascript_whatever_the_name() {
        assert_eq!(id_of("anna"), "anna.id");
        assert_eq!(id_of("René"), "René.id");
        assert_eq!(id_of("bot-bob"), "sockets['bot-bob'].id");
        assert_eq!(id_of("anna-2"), "sockets['anna-2'].id");
        assert_eq!(id_of("2pac"), "sockets['2pac'].id");
        assert_eq!(id_of("o'neil"), "sockets['o\\'neil'].id");
    }
}
