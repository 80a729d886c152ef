//! The lab's servers: one (every lesson but the scaling one), or two, A and B, each a real
//! socketioxide server on its own port, either sharing the socketioxide-redis adapter over a real
//! Redis or not sharing anything (each then knows only its own sockets).
//!
//! Both servers write one [`ServerState`] (names, handlers, proof-of-life lines): the lab
//! teaches one application scaled out, so a handler set with `on` runs on both, as the same code
//! deployed twice would. What differs per server is the adapter, and so who an emit reaches.
//! The adapter type is a type parameter of socketioxide's API; this module is the one place that
//! says which one a lab has ([`Servers`]) and hands the generic code below the right list.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::SocketRef;

use super::LabError;
use super::redis::{self, RedisServer};
use super::report::Effect;
use super::select::{self, Sender};
use super::server::{LabAdapter, LabServer};
use super::state::{Member, ServerState};
use crate::script::{Emit, Statement};

/// How many servers a lab runs, and what joins them.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scale {
    /// One server (socketioxide's local adapter).
    #[default]
    One,
    /// Two servers, A and B, each with its own local adapter: nothing joins them.
    TwoAlone,
    /// Two servers, A and B, sharing the Redis adapter: a private `redis-server`, or the Redis
    /// at the URL given (`--redis URL`).
    TwoWithRedis { url: Option<String> },
}

/// What the servers' Redis adapters published, oldest first, by server name.
pub(crate) type Published = Arc<std::sync::Mutex<Vec<(&'static str, redis::AdapterRequest)>>>;

/// The names of the servers, in order.
pub const SERVER_NAMES: [&str; 2] = ["A", "B"];

/// The servers of one lab.
pub(crate) enum Servers {
    Local(Vec<LabServer<LocalAdapter>>),
    Redis {
        servers: Vec<LabServer<redis::Adapter>>,
        /// The private Redis, when the lab started one; dropped (stopped) after the servers.
        _redis: Option<RedisServer>,
    },
}

/// Runs `$body` with `$list` bound to the servers' list, whatever their adapter: the body is
/// generic code, compiled once per adapter.
macro_rules! each {
    ($servers:expr, $list:ident => $body:expr) => {
        match $servers {
            Servers::Local($list) => $body,
            Servers::Redis { servers: $list, .. } => $body,
        }
    };
}

/// A short unique prefix for one lab's Redis channels, so that labs sharing a Redis (`--redis`,
/// parallel tests) never hear each other.
fn channel_prefix() -> String {
    static LABS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "sio-tutor-lab-{}-{}-{:x}",
        std::process::id(),
        LABS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

impl Servers {
    /// Starts the servers. With Redis, every request a server's adapter publishes is written
    /// to `published`, with the server's name.
    pub(crate) async fn start(
        scale: &Scale,
        namespaces: &[String],
        heartbeat: Option<(Duration, Duration)>,
        state: &Arc<ServerState>,
        published: &Published,
    ) -> Result<Servers, LabError> {
        match scale {
            Scale::One => Ok(Servers::Local(vec![
                LabServer::start_with(namespaces, heartbeat, state.clone(), ()).await?,
            ])),
            Scale::TwoAlone => {
                let mut servers = Vec::new();
                for _ in SERVER_NAMES {
                    servers.push(
                        LabServer::start_with(namespaces, heartbeat, state.clone(), ()).await?,
                    );
                }
                Ok(Servers::Local(servers))
            }
            Scale::TwoWithRedis { url } => {
                let (private, url) = match url {
                    Some(url) => {
                        redis::check(url).await.map_err(LabError::redis)?;
                        (None, url.clone())
                    }
                    None => {
                        let server = RedisServer::start().map_err(LabError::redis)?;
                        let url = server.url().to_string();
                        (Some(server), url)
                    }
                };
                let prefix = channel_prefix();
                let mut servers = Vec::new();
                for name in SERVER_NAMES {
                    let log = published.clone();
                    let tap: redis::Tap = Arc::new(move |channel: &str, bytes: &[u8]| {
                        // Requests only: responses (to `rooms()` and the like) are bookkeeping.
                        if channel.contains("-request#")
                            && let Some(request) = redis::read_request(bytes)
                        {
                            super::scaffold::lock(&log).push((name, request));
                        }
                    });
                    let adapter = redis::adapter_with_tap(&url, &prefix, Some(tap))
                        .await
                        .map_err(LabError::redis)?;
                    servers.push(
                        LabServer::start_with(namespaces, heartbeat, state.clone(), adapter)
                            .await?,
                    );
                }
                Ok(Servers::Redis {
                    servers,
                    _redis: private,
                })
            }
        }
    }

    /// Whether the servers share an adapter (an emit on one reaches the other's sockets).
    pub(crate) fn shared(&self) -> bool {
        matches!(self, Servers::Redis { .. })
    }

    pub(crate) fn count(&self) -> usize {
        each!(self, list => list.len())
    }

    /// The URL clients connect to, for server `index`.
    pub(crate) fn url(&self, index: usize) -> String {
        each!(self, list => format!("http://{}", list[index].address))
    }

    /// The address of server `index` (a lab with its own network puts a relay in front).
    pub(crate) fn address(&self, index: usize) -> SocketAddr {
        each!(self, list => list[index].address)
    }

    pub(crate) fn serves(&self, namespace: &str) -> bool {
        each!(self, list => list[0].serves(namespace))
    }

    /// Every server serves `namespace` (the same application runs on each).
    pub(crate) async fn serve(&self, namespace: &str) -> Result<(), LabError> {
        each!(self, list => {
            for server in list {
                server.serve(namespace).await?;
            }
            Ok(())
        })
    }

    /// The server that holds `member`'s socket.
    pub(crate) fn server_of(&self, member: &Member) -> Option<usize> {
        each!(self, list => list.iter().position(|server| server.socket(member).is_ok()))
    }

    /// Runs a statement on server `index`, as `member` if given (its socket lives there).
    pub(crate) async fn run(
        &self,
        index: usize,
        member: Option<&Member>,
        statement: &Statement,
    ) -> Result<Effect, LabError> {
        each!(self, list => list[index].run(member, statement).await)
    }

    /// Emits fence `number` in `namespaces` after a statement run on server `origin`: from
    /// `origin` alone when the servers share an adapter (it then travels behind the statement
    /// through Redis; see `crate::lab`), from each server otherwise.
    pub(crate) async fn fence(
        &self,
        origin: usize,
        namespaces: &BTreeSet<&str>,
        number: u64,
    ) -> Result<(), LabError> {
        let shared = self.shared();
        each!(self, list => {
            for (index, server) in list.iter().enumerate() {
                if shared && index != origin {
                    continue;
                }
                for namespace in namespaces {
                    server.fence(namespace, number).await?;
                }
            }
            Ok(())
        })
    }

    /// The sockets `emit`, run on server `origin` as `member`, would reach, by name, with the
    /// stages `explain` narrates (each the union over the servers the emit reaches).
    pub(crate) fn preview(
        &self,
        origin: usize,
        member: Option<&Member>,
        state: &ServerState,
        source: &str,
        emit: &Emit,
    ) -> Result<(String, [Vec<String>; 4]), LabError> {
        let shared = self.shared();
        each!(self, list => preview_on(list, shared, origin, member, state, source, emit))
    }

    /// Every room of `namespace` with its members' socket ids, over all servers (each adapter
    /// knows the rooms of its own sockets).
    pub(crate) async fn rooms(
        &self,
        namespace: &str,
    ) -> Vec<(String, Vec<socketioxide::socket::Sid>)> {
        let mut rooms: std::collections::BTreeMap<String, Vec<socketioxide::socket::Sid>> =
            Default::default();
        each!(self, list => {
            for server in list {
                let Some(operator) = server.io.of(namespace) else { continue };
                let names = operator.clone().local().rooms().await.unwrap_or_default();
                for room in names {
                    let sids = operator
                        .clone()
                        .local()
                        .within(room.clone())
                        .sockets()
                        .into_iter()
                        .map(|s| s.id);
                    rooms.entry(room.to_string()).or_default().extend(sids);
                }
            }
        });
        rooms.into_iter().collect()
    }

    /// The server disconnects `member`'s socket, if it still has it.
    pub(crate) fn disconnect(&self, member: &Member) {
        each!(self, list => {
            for server in list {
                if let Ok(socket) = server.socket(member) {
                    let _ = socket.disconnect();
                }
            }
        })
    }

    /// Every server disconnects every socket it has left in `namespace`.
    pub(crate) async fn disconnect_all(&self, namespace: &str) {
        each!(self, list => {
            for server in list {
                if let Some(operator) = server.io.of(namespace) {
                    let _ = operator.local().disconnect().await;
                }
            }
        })
    }

    /// Stops every server, then the private Redis if there is one.
    pub(crate) async fn stop(self) {
        match self {
            Servers::Local(list) => {
                for server in list {
                    server.stop().await;
                }
            }
            Servers::Redis { servers, _redis } => {
                for server in servers {
                    server.stop().await;
                }
                drop(_redis);
            }
        }
    }
}

/// [`Servers::preview`] for one adapter type.
fn preview_on<A: LabAdapter>(
    list: &[LabServer<A>],
    shared: bool,
    origin: usize,
    member: Option<&Member>,
    state: &ServerState,
    source: &str,
    emit: &Emit,
) -> Result<(String, [Vec<String>; 4]), LabError> {
    let socket: Option<SocketRef<A>> = match member {
        Some(member) => Some(list[origin].socket(member)?),
        None => None,
    };
    let (namespace, selection) =
        select::select(&list[origin].io, state, socket.as_ref(), source, emit)?;
    let sid = socket.as_ref().map(|s| s.id);
    let [in_namespace, in_rooms, after_except] =
        select::stages(&list[origin].io, state, sid, &namespace, emit)?;
    let names = |sockets: Vec<SocketRef<A>>| -> Vec<String> {
        sockets
            .into_iter()
            .filter_map(|s| state.name_of(&namespace, s.id))
            .collect()
    };
    let mut stages = [
        names(in_namespace),
        names(in_rooms),
        names(after_except),
        names(selection.sockets()),
    ];
    let reaches_others =
        shared && !emit.is_local() && matches!(selection, select::Selection::Broadcast(_));
    let sender = socket.as_ref().map(Sender::of);
    for (index, server) in list.iter().enumerate() {
        if index == origin {
            continue;
        }
        // Every server's sockets are in the namespace (the lab's view), but only a shared
        // adapter carries the emit to them.
        let [all, rooms, except] = select::stages(&server.io, state, sid, &namespace, emit)?;
        stages[0].extend(names(all));
        if reaches_others {
            stages[1].extend(names(rooms));
            stages[2].extend(names(except));
            let (_, operator) =
                select::broadcast(&server.io, state, sender.as_ref(), source, emit)?;
            stages[3].extend(names(operator.sockets()));
        }
    }
    Ok((namespace, stages))
}
