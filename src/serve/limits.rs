//! The classroom server's safety limits: how long a message or a nickname may be, which room
//! names are allowed, how fast one socket may send, and how many bytes one packet may carry.
//!
//! Everything a browser sends is untrusted: a student can open the developer tools and send
//! anything the protocol allows. These checks run on the server, whatever the page does; the
//! page only mirrors them so that an honest student sees the limit before hitting it.

use std::time::{Duration, Instant};

use unicode_normalization::UnicodeNormalization;

use crate::render::text::is_hidden;

/// The longest chat message accepted, in characters (Unicode scalar values).
pub const MAX_MESSAGE_CHARS: usize = 1_000;
/// The longest nickname accepted, in characters.
pub const MAX_NICKNAME_CHARS: usize = 32;
/// The longest room name accepted, in characters.
pub const MAX_ROOM_CHARS: usize = 32;
/// How many named rooms one socket may be in at once.
pub const MAX_ROOMS_PER_SOCKET: usize = 10;
/// How many events one socket may send in a second, on average.
pub const MESSAGES_PER_SECOND: f64 = 10.0;

/// The most bytes one Socket.IO packet may carry. A 1,000-character message is at most 6,000
/// bytes once JSON-escaped (`\u0000` is six bytes for one character), so 64 KiB leaves room for
/// the event name and the other arguments while keeping a hostile client from making the server
/// buffer megabytes.
///
/// socketioxide's `max_payload` applies to HTTP long-polling only; over WebSocket only
/// tungstenite's own limits apply (64 MiB a message by default, see docs/stack-facts.md), so the same
/// bound is also set as the WebSocket message and frame size. A packet over it closes that one
/// connection.
pub const MAX_PACKET_BYTES: usize = 64 * 1024;

/// The most packets the server queues for one socket that it has not yet written (socketioxide's
/// `max_buffer_size`; an emit past it fails, and the terminal says "its buffer was full").
///
/// socketioxide's default, 128, is too few for a class: when everyone sends at once ("everybody
/// say hi!"), every page has one relay per classmate to take in at the same moment. Measured with
/// 200 official clients in one Node process each sending one message at once: with 128, 12 % of
/// the deliveries were lost (and 70 of the senders' own answers); Node's server, which has no
/// bound, delivered all 40,000 in 0.3 s (`tests/node/serve-burst.mjs`). With 1,000 clients, 64 %
/// were lost. 2,048 covers a class of 1,000 saying hi twice over. It costs memory only while
/// packets wait: tokio's channel takes its slots as they fill. A page that stopped reading holds
/// at most this many (about 0.3 MB of ordinary chat, 12 MB of the longest messages) until the
/// heartbeat drops it, within 45 s. Figures with this bound: docs/stack-facts.md, "Server
/// limits".
pub const MAX_QUEUED_PACKETS: usize = 2_048;

/// Why the server refused something a socket sent. The text is shown to that student as a
/// notice on the page, so it reads as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotText,
    Empty,
    TooLong,
    NicknameTooLong,
    NicknameHidden,
    RoomNameInvalid,
    RoomIsSocketId,
    TooManyRooms,
    NotInRoom(String),
    NoSuchUser(String),
    ToYourself,
    TooFast,
    ShuttingDown,
    /// `serve --redis`: the Redis the class shares did not answer.
    ClassUnavailable,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotText => write!(f, "a message must be text"),
            Refusal::Empty => write!(f, "an empty message was not sent"),
            Refusal::TooLong => write!(
                f,
                "your message was not sent: it is over {MAX_MESSAGE_CHARS} characters"
            ),
            Refusal::NicknameTooLong => write!(
                f,
                "nickname refused: at most {MAX_NICKNAME_CHARS} characters"
            ),
            Refusal::NicknameHidden => write!(
                f,
                "nickname refused: it contains invisible or right-to-left control characters, \
                 which would let it pass for someone else's"
            ),
            Refusal::RoomIsSocketId => write!(
                f,
                "that is a socket's id: every socket is alone in the room named by its id, \
                 which is how private messages reach it, so nobody else may join it"
            ),
            Refusal::RoomNameInvalid => {
                write!(f, "a room name is 1 to {MAX_ROOM_CHARS} characters of text")
            }
            Refusal::TooManyRooms => write!(
                f,
                "you are in {MAX_ROOMS_PER_SOCKET} rooms already: leave one first"
            ),
            Refusal::NotInRoom(room) => write!(f, "join the room {room} before writing to it"),
            Refusal::NoSuchUser(name) => write!(f, "nobody called {name} is online"),
            Refusal::ToYourself => write!(f, "a private message to yourself was not sent"),
            Refusal::ShuttingDown => write!(f, "the server is shutting down"),
            Refusal::ClassUnavailable => write!(
                f,
                "the class's shared register (Redis) did not answer; try again in a moment"
            ),
            Refusal::TooFast => write!(
                f,
                "slow down: at most {MESSAGES_PER_SECOND} messages a second; that one was not sent"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Checks a chat message and returns its text.
pub fn message(value: Option<&serde_json::Value>) -> Result<String, Refusal> {
    let text = value
        .and_then(serde_json::Value::as_str)
        .ok_or(Refusal::NotText)?;
    // A message of only invisible characters (zero-width spaces, a bidi override) would show as
    // an empty line with a name on everyone's page: it is empty.
    if text.chars().all(|c| c.is_whitespace() || is_hidden(c)) {
        return Err(Refusal::Empty);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Refusal::TooLong);
    }
    Ok(text.to_string())
}

/// Checks a requested nickname: spaces trimmed, normalised to NFC (so that `é` typed as one
/// character or as `e` plus an accent is the same name), and refused if it holds anything
/// invisible or any bidirectional control: "viewer" plus a zero-width space looks exactly like
/// "viewer", and a right-to-left override would reverse that student's lines on every page.
/// `None` when nothing is left (the server then picks `guest-N`).
pub fn nickname(requested: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(requested) = requested else {
        return Ok(None);
    };
    let cleaned: String = requested.trim().nfc().collect();
    if cleaned.chars().any(is_hidden) {
        return Err(Refusal::NicknameHidden);
    }
    if cleaned.chars().count() > MAX_NICKNAME_CHARS {
        return Err(Refusal::NicknameTooLong);
    }
    Ok((!cleaned.is_empty()).then_some(cleaned))
}

/// A nickname as a lookup key (the private message's `to`): the same normalisation.
pub fn nickname_key(name: &str) -> String {
    name.trim().nfc().collect()
}

/// Checks a room name. `is_socket_id` says whether the name is some socket's id: every socket
/// is in a room named by its own id (that is how private messages work), so joining one of those
/// would let a student read someone else's private messages.
pub fn room(
    value: Option<&serde_json::Value>,
    is_socket_id: impl Fn(&str) -> bool,
) -> Result<String, Refusal> {
    let name: String = value
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .ok_or(Refusal::RoomNameInvalid)?
        .nfc()
        .collect();
    let length = name.chars().count();
    if length == 0 || length > MAX_ROOM_CHARS || name.chars().any(is_hidden) {
        return Err(Refusal::RoomNameInvalid);
    }
    if is_socket_id(&name) {
        return Err(Refusal::RoomIsSocketId);
    }
    Ok(name)
}

/// A token bucket: a socket may send [`MESSAGES_PER_SECOND`] events a second on average, in
/// bursts of at most that many. A flood is refused event by event rather than by closing the
/// connection, so a student who pasted too fast keeps their seat.
#[derive(Debug, Clone)]
pub struct RateLimit {
    tokens: f64,
    refilled: Instant,
    /// When the sender was last told to slow down, so that a flood does not turn into a flood
    /// of notices back.
    warned: Option<Instant>,
}

/// What the rate limit says about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    Allowed,
    /// Refused; `tell` is true at most once a second, when the sender should be told.
    Refused {
        tell: bool,
    },
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            tokens: MESSAGES_PER_SECOND,
            refilled: Instant::now(),
            warned: None,
        }
    }
}

impl RateLimit {
    pub fn check(&mut self, now: Instant) -> Pace {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * MESSAGES_PER_SECOND).min(MESSAGES_PER_SECOND);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Pace::Allowed;
        }
        let tell = self
            .warned
            .is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
        if tell {
            self.warned = Some(now);
        }
        Pace::Refused { tell }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_checked_by_characters_not_bytes() {
        assert_eq!(message(Some(&json!("hi"))), Ok("hi".into()));
        assert_eq!(
            message(Some(&json!("é".repeat(1_000)))),
            Ok("é".repeat(1_000))
        );
        assert_eq!(
            message(Some(&json!("a".repeat(1_001)))),
            Err(Refusal::TooLong)
        );
        assert_eq!(message(Some(&json!("   "))), Err(Refusal::Empty));
        assert_eq!(
            message(Some(&json!("\u{200b}\u{202e} \u{feff}"))),
            Err(Refusal::Empty)
        );
        assert_eq!(message(Some(&json!(42))), Err(Refusal::NotText));
        assert_eq!(message(None), Err(Refusal::NotText));
    }

    #[test]
    fn nicknames_are_tidied_and_bounded() {
        assert_eq!(nickname(Some("  anna\n ")), Ok(Some("anna".into())));
        // NFC: `e` + combining acute is the one-character `é`.
        assert_eq!(nickname(Some("Rene\u{301}")), Ok(Some("René".into())));
        assert_eq!(
            nickname(Some("viewer\u{200b}")),
            Err(Refusal::NicknameHidden)
        );
        assert_eq!(nickname(Some("\u{202e}anna")), Err(Refusal::NicknameHidden));
        assert_eq!(
            nickname(Some("an\u{1b}[2Jna")),
            Err(Refusal::NicknameHidden)
        );
        assert_eq!(nickname(Some("   ")), Ok(None));
        assert_eq!(nickname(None), Ok(None));
        assert_eq!(nickname(Some(&"x".repeat(32))), Ok(Some("x".repeat(32))));
        assert_eq!(
            nickname(Some(&"x".repeat(33))),
            Err(Refusal::NicknameTooLong)
        );
    }

    #[test]
    fn a_socket_id_is_not_a_room_anyone_may_join() {
        let ids = |name: &str| name == "Jq2vXoZ3";
        assert_eq!(room(Some(&json!("maths")), ids), Ok("maths".into()));
        assert_eq!(
            room(Some(&json!("Jq2vXoZ3")), ids),
            Err(Refusal::RoomIsSocketId)
        );
        assert_eq!(room(Some(&json!("")), ids), Err(Refusal::RoomNameInvalid));
        assert_eq!(
            room(Some(&json!("maths\u{202e}")), ids),
            Err(Refusal::RoomNameInvalid)
        );
        assert_eq!(room(Some(&json!(7)), ids), Err(Refusal::RoomNameInvalid));
    }

    #[test]
    fn the_eleventh_message_in_a_second_is_refused_and_told_once() {
        let start = Instant::now();
        let mut limit = RateLimit {
            tokens: MESSAGES_PER_SECOND,
            refilled: start,
            warned: None,
        };
        for _ in 0..10 {
            assert_eq!(limit.check(start), Pace::Allowed);
        }
        assert_eq!(limit.check(start), Pace::Refused { tell: true });
        assert_eq!(limit.check(start), Pace::Refused { tell: false });
        // A tenth of a second later, one more token has come back.
        let later = start + Duration::from_millis(100);
        assert_eq!(limit.check(later), Pace::Allowed);
    }
}
