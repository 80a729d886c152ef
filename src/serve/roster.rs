//! Who is in the classroom: every connected socket with its nickname, in connection order, and
//! the reports the terminal prints about them.
//!
//! This is the server's own view of the class: names for the terminal, and whether each page
//! answers relayed events. Who an event reached is not computed from here: it comes from the
//! emit's acknowledgements (see `super::delivery`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socketioxide::socket::Sid;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::confirm::Tally;
use super::delivery::{CONFIRM_TIMEOUT, Relayed};
use super::limits::{Pace, RateLimit, Refusal};
use super::shared::Shared;
use crate::lab::report::{Membership, MembershipAction, Report, ServerLog};
use crate::lab::scaffold::lock;

/// The namespace the classroom serves: the chat example uses only `/`.
pub const NAMESPACE: &str = "/";

/// A socket's nickname, kept in the socket's extensions so that every handler can name the
/// sender without a lookup.
#[derive(Debug, Clone)]
pub struct Nickname(pub Arc<str>);

/// When a socket joined the class: a number that only grows, kept in the socket's extensions.
/// A relay is queued to its sockets in this order, as Node's `io.emit` walks its sockets in the
/// order they connected (socketioxide's selection comes in hash order). Why it matters: see
/// `super::delivery::numbered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Arrival(pub u64);

impl Arrival {
    /// The next arrival, in this process.
    pub fn next() -> Arrival {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Arrival(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// One connected socket.
#[derive(Debug, Clone)]
pub struct Member {
    pub sid: Sid,
    pub name: Arc<str>,
    /// Whether its page answers relayed events (`auth.confirms`, sent by the chat page): only
    /// then is a missing answer a miss rather than "sent, not confirmed".
    pub confirms: bool,
}

struct Seat {
    member: Member,
    pace: RateLimit,
}

/// What the printing task receives: a report the lab's views know, or a relayed event with the
/// answers of the pages.
#[derive(Debug, Clone)]
pub enum ClassReport {
    Lab(Report),
    Relayed(Relayed),
}

/// Shared by every handler (socketioxide's `State`).
pub struct Roster {
    /// Connected sockets in connection order: the order every delivery lists them in.
    members: Mutex<Vec<Seat>>,
    /// Numbers `guest-1`, `guest-2`, ... for sockets that sent no nickname (the official page).
    guests: AtomicUsize,
    /// The most sockets connected at once, for the goodbye line.
    peak: AtomicUsize,
    /// Reports go to one printing task, so handlers never wait on the terminal.
    reports: mpsc::UnboundedSender<ClassReport>,
    /// The tasks waiting for pages' answers to relayed events; shutdown lets them finish, so
    /// that the last messages are reported too.
    pending: Mutex<JoinSet<()>>,
    /// With `serve --redis`: the class other processes share (names, forwarded deliveries).
    shared: Option<Shared>,
    /// The relays waiting for their pages' answers (one process; `super::confirm`).
    tally: Tally,
}

impl Roster {
    pub fn new(reports: mpsc::UnboundedSender<ClassReport>) -> Roster {
        Roster {
            members: Mutex::new(Vec::new()),
            guests: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            reports,
            pending: Mutex::new(JoinSet::new()),
            shared: None,
            tally: Tally::default(),
        }
    }

    /// A roster for one process of a class shared through Redis (`serve --redis`).
    pub fn shared(reports: mpsc::UnboundedSender<ClassReport>, shared: Shared) -> Roster {
        Roster {
            shared: Some(shared),
            ..Roster::new(reports)
        }
    }

    /// Which pages have shown which relays.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The class other processes share, if this process is one of several.
    pub fn class(&self) -> Option<&Shared> {
        self.shared.as_ref()
    }

    /// Seats a socket under a name unique in the whole class: [`Roster::admit`] alone, or a
    /// name claimed in the shared class first (see `super::shared`).
    pub async fn enter(
        &self,
        sid: Sid,
        requested: Option<String>,
        confirms: bool,
    ) -> Result<Arc<str>, Refusal> {
        let Some(shared) = &self.shared else {
            return Ok(self.admit(sid, requested, confirms));
        };
        let name: Arc<str> = shared
            .claim(requested.as_deref(), sid.as_str())
            .await
            .map_err(|_| Refusal::ClassUnavailable)?
            .into();
        let mut members = lock(&self.members);
        members.push(Seat {
            member: Member {
                sid,
                name: name.clone(),
                confirms,
            },
            pace: RateLimit::default(),
        });
        self.peak.fetch_max(members.len(), Ordering::Relaxed);
        Ok(name)
    }

    /// Everyone in the class, in arrival order: this process's students, or with `--redis`
    /// every process's.
    pub async fn everyone(&self) -> Vec<String> {
        if let Some(shared) = &self.shared
            && let Ok(names) = shared.names().await
        {
            return names;
        }
        self.names()
    }

    /// The socket id of a student, on this process or (with `--redis`) another.
    pub async fn find(&self, name: &str) -> Option<Sid> {
        if let Some(sid) = self.sid_of(name) {
            return Some(sid);
        }
        let shared = self.shared.as_ref()?;
        shared.sid_of(name).await.ok()??.parse().ok()
    }

    /// With `--redis`: gives back this process's names to the class (when it stops).
    pub async fn release_all(&self) {
        if let Some(shared) = &self.shared {
            shared.release(&self.names()).await;
        }
    }

    /// Adds a socket and returns the name it will be known by: the requested nickname, made
    /// unique (`anna`, `anna-2`, ...) so that private messages and the terminal can name people,
    /// or `guest-N`.
    pub fn admit(&self, sid: Sid, requested: Option<String>, confirms: bool) -> Arc<str> {
        let mut members = lock(&self.members);
        let taken = |name: &str| members.iter().any(|m| &*m.member.name == name);
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
        members.push(Seat {
            member: Member {
                sid,
                name: name.clone(),
                confirms,
            },
            pace: RateLimit::default(),
        });
        self.peak.fetch_max(members.len(), Ordering::Relaxed);
        name
    }

    /// Removes a socket; returns its name if it was here. Relays still waiting for its page
    /// record that it disconnected (under the tally's lock: see `super::confirm`).
    pub fn remove(&self, sid: Sid) -> Option<Arc<str>> {
        let name = self.tally.departed(sid, || {
            let mut members = lock(&self.members);
            let index = members.iter().position(|m| m.member.sid == sid)?;
            Some(members.remove(index).member.name)
        })?;
        if let Some(shared) = &self.shared {
            let shared = shared.clone();
            let released = vec![name.to_string()];
            tokio::spawn(async move { shared.release(&released).await });
        }
        Some(name)
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
            .map(|m| m.member.name.to_string())
            .collect()
    }

    /// Everyone connected, in connection order.
    pub fn members(&self) -> Vec<Member> {
        lock(&self.members)
            .iter()
            .map(|m| m.member.clone())
            .collect()
    }

    /// The socket id of a student of this process.
    pub fn sid_of(&self, name: &str) -> Option<Sid> {
        lock(&self.members)
            .iter()
            .find(|m| &*m.member.name == name)
            .map(|m| m.member.sid)
    }

    pub fn is_socket_id(&self, text: &str) -> bool {
        lock(&self.members)
            .iter()
            .any(|m| m.member.sid.as_str() == text)
    }

    /// Counts one event against the sender's rate limit.
    pub fn pace(&self, sid: Sid) -> Pace {
        let now = Instant::now();
        lock(&self.members)
            .iter_mut()
            .find(|m| m.member.sid == sid)
            .map_or(Pace::Allowed, |m| m.pace.check(now))
    }

    pub fn report(&self, report: Report) {
        // The printer is gone only while shutting down; nothing is left to show then.
        let _ = self.reports.send(ClassReport::Lab(report));
    }

    /// Waits (in a task) for the answers to a relayed event, then reports it.
    pub fn relayed(self: &Arc<Self>, answers: impl Future<Output = Relayed> + Send + 'static) {
        let roster = self.clone();
        let mut pending = lock(&self.pending);
        // Finished tasks stay in a JoinSet until joined: reap them as we go.
        while pending.try_join_next().is_some() {}
        pending.spawn(async move {
            let relayed = answers.await;
            let _ = roster.reports.send(ClassReport::Relayed(relayed));
        });
    }

    /// Lets every relayed event still waiting for answers be reported (each waits at most
    /// [`CONFIRM_TIMEOUT`]); used at shutdown.
    pub async fn settle(&self) {
        let mut pending = std::mem::take(&mut *lock(&self.pending));
        let all = async { while pending.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(CONFIRM_TIMEOUT + Duration::from_secs(1), all).await;
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
}
