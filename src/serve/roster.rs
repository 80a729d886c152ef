//! Who is in the classroom: every connected socket with its nickname, in connection order, and
//! the reports the terminal prints about them.
//!
//! This is the server's own view of the class. A [`Delivery`] is built from it at the moment an
//! event goes out: `received` is the set of sockets the emit was addressed to (asked of
//! socketioxide's adapter with the same operator that then emits), `not_received` is everyone
//! else. Unlike the lab, the classroom cannot run a barrier through students' browsers, so this
//! is what the server sent, not what each browser proved it got; the Node tests check the two
//! agree.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::lab::scaffold::lock;
use std::time::Instant;

use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use tokio::sync::mpsc;

use super::limits::{Pace, RateLimit};
use crate::lab::report::{Delivery, Membership, MembershipAction, Report, ServerLog};

/// The namespace the classroom serves: the chat example uses only `/`.
pub const NAMESPACE: &str = "/";

/// A socket's nickname, kept in the socket's extensions so that every handler can name the
/// sender without a lookup.
#[derive(Debug, Clone)]
pub struct Nickname(pub Arc<str>);

struct Member {
    sid: Sid,
    name: Arc<str>,
    pace: RateLimit,
}

/// Shared by every handler (socketioxide's `State`).
pub struct Roster {
    /// Connected sockets in connection order: the order every delivery lists them in.
    members: Mutex<Vec<Member>>,
    /// Numbers `guest-1`, `guest-2`, ... for sockets that sent no nickname (the official page).
    guests: AtomicUsize,
    /// The most sockets connected at once, for the goodbye line.
    peak: AtomicUsize,
    /// Reports go to one printing task, so handlers never wait on the terminal.
    reports: mpsc::UnboundedSender<Report>,
}

impl Roster {
    pub fn new(reports: mpsc::UnboundedSender<Report>) -> Roster {
        Roster {
            members: Mutex::new(Vec::new()),
            guests: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            reports,
        }
    }

    /// Adds a socket and returns the name it will be known by: the requested nickname, made
    /// unique (`anna`, `anna-2`, ...) so that private messages and the terminal can name people,
    /// or `guest-N`.
    pub fn admit(&self, sid: Sid, requested: Option<String>) -> Arc<str> {
        let mut members = lock(&self.members);
        let taken = |name: &str| members.iter().any(|m| &*m.name == name);
        let name = match requested {
            Some(base) => {
                let mut candidate = base.clone();
                let mut n = 2;
                while taken(&candidate) {
                    candidate = format!("{base}-{n}");
                    n += 1;
                }
                candidate
            }
            None => loop {
                let candidate =
                    format!("guest-{}", self.guests.fetch_add(1, Ordering::Relaxed) + 1);
                if !taken(&candidate) {
                    break candidate;
                }
            },
        };
        let name: Arc<str> = name.into();
        members.push(Member {
            sid,
            name: name.clone(),
            pace: RateLimit::default(),
        });
        self.peak.fetch_max(members.len(), Ordering::Relaxed);
        name
    }

    /// Removes a socket; returns its name if it was here.
    pub fn remove(&self, sid: Sid) -> Option<Arc<str>> {
        let mut members = lock(&self.members);
        let index = members.iter().position(|m| m.sid == sid)?;
        Some(members.remove(index).name)
    }

    pub fn len(&self) -> usize {
        lock(&self.members).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Nicknames in connection order (the list a newcomer gets).
    pub fn names(&self) -> Vec<String> {
        lock(&self.members)
            .iter()
            .map(|m| m.name.to_string())
            .collect()
    }

    pub fn sid_of(&self, name: &str) -> Option<Sid> {
        lock(&self.members)
            .iter()
            .find(|m| &*m.name == name)
            .map(|m| m.sid)
    }

    pub fn is_socket_id(&self, text: &str) -> bool {
        lock(&self.members).iter().any(|m| m.sid.as_str() == text)
    }

    /// Counts one event against the sender's rate limit.
    pub fn pace(&self, sid: Sid) -> Pace {
        let now = Instant::now();
        lock(&self.members)
            .iter_mut()
            .find(|m| m.sid == sid)
            .map_or(Pace::Allowed, |m| m.pace.check(now))
    }

    pub fn report(&self, report: Report) {
        // The printer is gone only while shutting down; nothing is left to show then.
        let _ = self.reports.send(report);
    }

    pub fn log(&self, line: impl Into<String>, name: &str) {
        self.report(Report::ServerLog(ServerLog {
            line: line.into(),
            socket: name.to_string(),
            namespace: NAMESPACE.to_string(),
        }));
    }

    pub fn membership(&self, name: &str, statement: String, action: MembershipAction, room: &str) {
        self.report(Report::Membership(Membership {
            as_socket: name.to_string(),
            statement,
            namespace: NAMESPACE.to_string(),
            action,
            rooms: vec![room.to_string()],
        }));
    }

    /// The delivery record of one relayed event. `recipients` are the sockets the emit is
    /// addressed to, taken from the same operator just before it emits.
    pub fn delivery(&self, relay: Relay<'_>, recipients: &[SocketRef]) -> Delivery {
        let addressed: HashSet<Sid> = recipients.iter().map(|s| s.id).collect();
        let members = lock(&self.members);
        let mut received = Vec::new();
        let mut not_received = Vec::new();
        for member in members.iter() {
            if addressed.contains(&member.sid) {
                received.push(member.name.to_string());
            } else {
                not_received.push(member.name.to_string());
            }
        }
        Delivery {
            sockets: members
                .iter()
                .map(|m| (m.name.to_string(), NAMESPACE.to_string()))
                .collect(),
            as_socket: Some(relay.sender.to_string()),
            statement: relay.statement,
            trigger: Some(relay.trigger),
            namespace: NAMESPACE.to_string(),
            event: relay.event.to_string(),
            args: relay.args,
            received,
            not_received,
        }
    }
}

/// What a handler is about to relay, for its delivery record.
pub struct Relay<'a> {
    /// The sender's nickname.
    pub sender: &'a str,
    /// What the browser sent, written as client-side JavaScript: `anna.emit('chat message', 'hi')`.
    pub trigger: String,
    /// The server-side statement that relays it: `io.emit('chat message', msg, name)`.
    pub statement: String,
    pub event: &'a str,
    pub args: Vec<Value>,
}
