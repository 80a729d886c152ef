//! The live lab: a real Socket.IO server and real, named client sockets in one process, and the
//! one place where a [`Command`] is carried out.
//!
//! Every front end (demo, learn, play, serve's rehearsal bots, the tests) drives a [`Lab`] and
//! prints the [`Report`]s it returns. The lab never prints anything itself.
//!
//! ## How "bob did NOT receive it" is proven: the fence
//!
//! After a statement, the server emits a numbered *fence* event (`sio-tutor:fence`, *n*) to
//! every socket of every namespace that has a lab client, through the same adapter the
//! statement went through; each client, when the fence reaches it, crosses itself off a board
//! in this process ([`client::Fences`]), and the lab waits until every client has seen fence
//! *n*. A client with nothing in its inbox then provably got nothing. There is no sleep and no
//! timeout in that reasoning (the timeout only bounds a failure), and nothing travels back over
//! the network: one broadcast instead of an acknowledged round trip per client.
//!
//! Why the fence comes after everything the statement sent, link by link:
//!
//! 1. **The server.** The statement's emit is awaited before the fence is emitted. With the
//!    local adapter, `emit(...).await` has put the packet on every recipient's outgoing queue
//!    when it returns; the fence's broadcast puts its packet on the same queues after it.
//! 2. **The adapter (two servers, Redis).** A Redis adapter's broadcast publishes one request
//!    to the namespace's channel, then delivers locally; `emit(...).await` returns after the
//!    publish is answered. The fence is published after it, by the same server, on the same
//!    connection, to the same channel. Redis delivers one channel's messages to a subscriber in
//!    the order they were published, and the other server's adapter handles its channel's
//!    requests one at a time, in order (one task reads the subscription), delivering each to its
//!    local sockets' queues before it reads the next. So on the other server too, the fence is
//!    queued behind the statement for every socket. This is why the fence goes out from the
//!    server that ran the statement, through the adapter, and not from each server on its own.
//!    Without an adapter, a statement cannot reach another server's sockets at all, so each
//!    server fences its own.
//! 3. **The connection.** Each client has one ordered WebSocket connection, and rust_socketio
//!    runs a client's callbacks one after another in arrival order: when the fence's callback
//!    runs, the statement's event is already in the inbox.
//!
//! For a client-side emit (`alice.emit(...)`) the fence must come after the handler's relay, and
//! socketioxide runs each incoming event in its own task, so nothing the lab does from outside
//! is ordered with it. So the lab arms the fence *before* alice emits and leaves it with the
//! server (`state::PendingFence`); the handler of alice's event sends it itself, once its own
//! emits have returned (and so, with Redis, after their publish), then acknowledges. The lab
//! waits for alice's acknowledgement (which carries what `callback` answered) and for the fence.
//! Sent by the lab after the acknowledgement, the fence proved the same one network trip later;
//! sent before the handler's emit, it would prove nothing (`tests/fence.rs` fails that way). A
//! handler that disconnects its sender leaves the fence unsent, and the lab sends one after the
//! sender is gone.
//!
//! The fence replaced a barrier in which every client round-tripped an acknowledged `sync`: that
//! proved the same on one server (1,000 round trips for 1,000 sockets), but not on two, where an
//! event for B's sockets travels A → Redis → B while B's clients could have answered a `sync`.
//!
//! The facts about socketioxide and rust_socketio this design rests on, each measured, are in
//! `docs/stack-facts.md`.
//!
//! - [`server`]: the axum + socketioxide server and its handlers.
//! - `servers`: the lab's servers, one or two (A and B), with or without the Redis adapter
//!   between them ([`Scale`]); generic code gets the list whatever its adapter.
//! - [`client`]: one named rust_socketio client and its inbox.
//! - [`execute`]: one statement onto the socketioxide API, with the JavaScript meaning.
//! - `select`: the one operator chain for an emit, used to run it and to preview it
//!   ([`Lab::preview`]).
//! - [`report`]: the records the lab returns.
//! - [`network`]: a relay per client that a lesson can `cut` or `silence` (lesson 6).
//!
//! A socket's departure runs the lesson's `disconnecting` and `disconnect` handlers on the
//! server before the socket counts as gone, so the same barrier proves what they sent; their
//! deliveries follow the line that made the socket leave.
//! - [`ack`]: the server's `emitWithAck`: who answered what, who timed out.
//! - [`timers`]: how long the lab has waited on the timers lessons teach (ack timeouts, the
//!   heartbeat), kept apart from its own overhead.
//! - [`redis`]: a Redis for Socket.IO (a private `redis-server`, or a given URL) and the
//!   socketioxide-redis adapter built on it.

pub mod ack;
pub mod any;
mod client;
pub mod execute;
pub mod network;
pub mod redis;
pub mod report;
pub mod scaffold;
mod select;
mod server;
mod servers;
mod state;
pub mod timers;

pub use select::{EmitPreview, Preview};
pub use servers::{SERVER_NAMES, Scale};
pub use state::Handshake;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::script::{Command, Emit, Origin, Statement, StatementKind};
use client::{Connection, Fences, LabClient, Received};
use report::{
    AdapterMessage, Answers, AnyHandlerSet, ClientHandlerSet, ConnectError, Delivery, Effect,
    HandlerSet, Membership, MembershipAction, MiddlewareSet, NamespaceRooms, Reply, Report, Room,
    RoomMap, SocketAnswer, Unhandled, own_room_label,
};
use servers::Servers;
use state::{Member, PendingFence, ServerState};

/// What went wrong while carrying out a command. Each message reads as a sentence for the
/// learner; a failure of the client or server library keeps that library's error as its
/// [`std::error::Error::source`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum LabError {
    #[error("there is no socket named {0}: connect it first (connect {0})")]
    UnknownSocket(String),
    #[error("the server does not serve the namespace {0}")]
    UnknownNamespace(String),
    #[error("{0} is already connected")]
    AlreadyConnected(String),
    #[error("`{0}` needs a socket to run as: put a name in front, as in alice: {0}")]
    NeedsSocket(String),
    /// `cut` or `silence` in a lab whose clients connect straight to the server.
    #[error(
        "{0}'s connection cannot be cut or silenced here: only a lab with its own network can (a lesson with network = true)"
    )]
    NoNetwork(String),
    #[error("a lab holds at most {0} sockets (each one is a real connection)")]
    TooManySockets(usize),
    /// A `connect` line names the same socket twice.
    #[error(
        "{0} is named twice in this line: each socket needs its own name (nothing was connected)"
    )]
    NamedTwice(String),
    /// A `connect` line needs more file descriptors than this process may open.
    #[error(
        "cannot connect {wanted} sockets: the limit on open files here (ulimit -n) is {limit}, \
         which leaves room for {room} more. Each socket is a real TCP connection with both ends \
         in this process: 2 descriptors. Connect at most {room}, or raise the limit first \
         (ulimit -n {suggest}). Nothing was connected.",
        suggest = (wanted * 2 + 256).next_power_of_two()
    )]
    DescriptorLimit {
        wanted: usize,
        room: usize,
        limit: u64,
    },
    /// An event name the lab's clients cannot carry (`message`, `sio-tutor:sync`, ...).
    #[error("the lab cannot send the event \"{event}\": {why}")]
    ReservedEvent { event: String, why: &'static str },
    /// A named client failed (rust_socketio's error, or what the lab saw, as the cause).
    #[error("{name}'s client failed: {cause}")]
    Client {
        name: String,
        #[source]
        cause: Cause,
    },
    /// `connect ... on X` names a server the lab does not have.
    #[error("{0}")]
    UnknownServer(String),
    /// No Redis for a lab that needs one (the message says how to get one).
    #[error("{cause}")]
    Redis {
        #[source]
        cause: Cause,
    },
    /// The lab's own server failed (socketioxide's or the system's error as the cause).
    #[error("the lab server failed: {cause}")]
    Server {
        #[source]
        cause: Cause,
    },
    /// A plain `emit` reached a handler that calls `callback`: the client asked for no answer,
    /// so in Node `callback` is not a function there and the handler throws.
    #[error(
        "the server's handler for '{event}' calls callback, but {name}.emit asks for no answer, so callback is not a function there (Node throws a TypeError): use {name}.emitWithAck(...)"
    )]
    NotAFunction { name: String, event: String },
    /// An `emitWithAck` that nothing would ever answer: in Node its promise never settles.
    #[error(
        "{name}.emitWithAck('{event}') would wait forever: {why} (give it one that answers, such as on '{event}': callback('ok'))"
    )]
    NeverAnswered {
        name: String,
        event: String,
        why: &'static str,
    },
}

impl LabError {
    /// A client failure with its cause.
    pub fn client(name: &str, cause: impl Into<Cause>) -> LabError {
        LabError::Client {
            name: name.to_string(),
            cause: cause.into(),
        }
    }

    /// A Redis failure: no `redis-server`, an old one, no answer at a URL.
    pub fn redis(error: redis::RedisError) -> LabError {
        LabError::Redis {
            cause: Cause(std::sync::Arc::new(error)),
        }
    }

    /// A server failure with its cause.
    pub fn server(cause: impl Into<Cause>) -> LabError {
        LabError::Server {
            cause: cause.into(),
        }
    }
}

/// Two errors are the same when they say the same thing (causes from other libraries cannot be
/// compared otherwise); `explain` and the lab are checked to refuse with the same error.
impl PartialEq for LabError {
    fn eq(&self, other: &LabError) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.to_string() == other.to_string()
    }
}

/// The cause of a client or server failure: another library's error, or a sentence when the lab
/// itself noticed (no welcome, no acknowledgement). Shared, so that a [`LabError`] stays `Clone`.
#[derive(Debug, Clone)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<tf_rust_socketio::Error> for Cause {
    fn from(error: tf_rust_socketio::Error) -> Cause {
        Cause(std::sync::Arc::new(error))
    }
}

impl From<std::io::Error> for Cause {
    fn from(error: std::io::Error) -> Cause {
        Cause(std::sync::Arc::new(error))
    }
}

impl From<String> for Cause {
    fn from(message: String) -> Cause {
        Cause(std::sync::Arc::new(std::io::Error::other(message)))
    }
}

impl From<&str> for Cause {
    fn from(message: &str) -> Cause {
        Cause::from(message.to_string())
    }
}

/// How a lab starts.
#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// Namespaces served from the start, besides `/`.
    pub namespaces: Vec<String>,
    /// Serve a namespace as soon as a socket connects to it (the playground), instead of letting
    /// the connection fail as a real server would (lessons).
    pub serve_on_connect: bool,
    /// Each client goes through a relay the lab can `cut` or `silence` (see [`network`]), and
    /// the server's heartbeat is short ([`NETWORK_HEARTBEAT`]), so that a silent client's
    /// `ping timeout` comes in a second or two rather than 45 s.
    pub network: bool,
}

/// The ping interval and ping timeout of a lab with its own network. Short, so that a lesson
/// waits at most their sum for a silent client's real timeout; long enough that a client on a
/// busy machine always answers a ping in time (a client answers within milliseconds).
pub const NETWORK_HEARTBEAT: (Duration, Duration) =
    (Duration::from_millis(500), Duration::from_millis(1000));

impl LabOptions {
    /// A lab for a lesson: it serves `/` and `namespaces`, and nothing else, so that a
    /// connection to another namespace fails as it would on a real server.
    pub fn serving(namespaces: &[String]) -> LabOptions {
        LabOptions {
            namespaces: namespaces.to_vec(),
            serve_on_connect: false,
            network: false,
        }
    }
}

/// The most sockets one lab holds. Each is a real TCP connection with two file descriptors in
/// this process; the limit is raised at start to fit.
pub const MAX_SOCKETS: usize = 5_000;

/// How many connections one `connect` line keeps in flight. Enough to keep both cores busy
/// (each connection is a few round trips of waiting); more only queues in the accept loop.
const CONNECTS_IN_FLIGHT: usize = 64;

pub struct Lab {
    servers: Servers,
    /// What the servers know, shared by all of them (one application, scaled out).
    state: Arc<ServerState>,
    options: LabOptions,
    /// Connected clients, in connection order: the order every view lists sockets in.
    clients: Vec<LabClient>,
    /// Each client's relay, by name, in a lab with its own network.
    links: HashMap<String, network::Link>,
    /// Where the clients cross off the fences they receive (the proof of receipt).
    fences: Arc<Fences>,
    /// What the Redis adapters published since the last command (two servers sharing Redis).
    published: servers::Published,
}

impl Lab {
    pub async fn start(options: LabOptions) -> Result<Lab, LabError> {
        Lab::start_scaled(options, &Scale::One).await
    }

    /// A lab with the servers `scale` asks for: one, or two (A and B) with or without a shared
    /// Redis adapter.
    pub async fn start_scaled(options: LabOptions, scale: &Scale) -> Result<Lab, LabError> {
        // Each client costs two descriptors; the usual soft limit of 1,024 would make the
        // thousandth connection hang with no error.
        let _ = rlimit::increase_nofile_limit((MAX_SOCKETS as u64) * 2 + 256);
        let heartbeat = options.network.then_some(NETWORK_HEARTBEAT);
        let state = Arc::new(ServerState::default());
        let published = servers::Published::default();
        let servers =
            Servers::start(scale, &options.namespaces, heartbeat, &state, &published).await?;
        Ok(Lab {
            servers,
            state,
            options,
            clients: Vec::new(),
            links: HashMap::new(),
            fences: Arc::default(),
            published,
        })
    }

    /// The sockets of the lab, in connection order, with their namespaces.
    pub fn sockets(&self) -> Vec<(String, String)> {
        self.clients
            .iter()
            .map(|c| (c.name.clone(), c.namespace.clone()))
            .collect()
    }

    /// Every socket name that ever connected to this lab, disconnected ones included (the
    /// tutor's prediction list shows them, so that "dave is gone" can be got wrong).
    pub fn known_names(&self) -> Vec<String> {
        self.state.known_names()
    }

    /// The namespaces the server serves, `/` first.
    pub fn namespaces(&self) -> Vec<String> {
        let mut served: BTreeSet<String> = self.options.namespaces.iter().cloned().collect();
        served.remove("/");
        std::iter::once("/".to_string()).chain(served).collect()
    }

    /// Whether a namespace is served as soon as a socket connects to it. The playground's
    /// `--lesson` replays a lesson strictly (as the lesson ran), then turns this on.
    pub fn set_serve_on_connect(&mut self, yes: bool) {
        self.options.serve_on_connect = yes;
    }

    /// Carries out one command and returns what happened, in order.
    pub async fn execute(&mut self, command: &Command) -> Result<Vec<Report>, LabError> {
        if let Some(error) = events_of(command).find_map(client::refuse_event) {
            return Err(error);
        }
        // What the adapters published before this command is not this command's.
        scaffold::lock(&self.published).clear();
        match command {
            Command::Connect {
                names,
                namespace,
                auth,
                server,
            } => {
                let index = self.server_index(server.as_deref())?;
                self.connect(names, namespace, auth.as_ref(), index).await
            }
            Command::Use {
                namespace,
                middleware,
            } => {
                self.serve_for_handler(namespace).await?;
                self.state.add_middleware(namespace, middleware.clone());
                Ok(vec![Report::Middleware(MiddlewareSet {
                    namespace: namespace.clone(),
                    statement: middleware.source.clone(),
                })])
            }
            Command::On {
                namespace,
                event,
                handler,
            } => {
                self.serve_for_handler(namespace).await?;
                self.state.set_handler(namespace, event, handler.clone());
                Ok(vec![Report::Handler(HandlerSet {
                    namespace: namespace.clone(),
                    event: event.clone(),
                    statement: handler.source.clone(),
                })])
            }
            Command::ClientEmit {
                name,
                event,
                args,
                source,
            } => self.client_emit(name, event, args, source).await,
            Command::Run {
                as_socket,
                statement,
            } => self.run(as_socket.as_deref(), statement).await,
            Command::Disconnect { name } => {
                let index = self.client_index(name)?;
                let origin = self.server_of_member(self.member(name).ok().as_ref());
                let client = self.clients.remove(index);
                client.disconnect().await;
                self.state
                    .wait_until(|members| !members.iter().any(|m| m.name == *name))
                    .await;
                self.links.remove(name);
                self.departed(origin).await
            }
            Command::Cut { name } | Command::Silence { name } => {
                let cut = matches!(command, Command::Cut { .. });
                self.break_link(name, cut).await
            }
            Command::Rooms { show_own_rooms } => {
                Ok(vec![Report::Rooms(self.room_map(*show_own_rooms).await)])
            }
            Command::ClientEmitWithAck {
                name,
                event,
                args,
                source,
            } => self.client_emit_with_ack(name, event, args, source).await,
            Command::OnAny { log, source } => {
                self.state.add_on_any("/", log.clone());
                Ok(vec![Report::AnyHandler(AnyHandlerSet {
                    namespace: "/".to_string(),
                    source: source.clone(),
                })])
            }
            Command::ClientOn {
                name,
                event,
                arity,
                answer,
                source,
            } => {
                let index = self.client_index(name)?;
                self.clients[index].set_answer(event, *arity, answer.clone());
                Ok(vec![Report::ClientHandler(ClientHandlerSet {
                    socket: name.clone(),
                    event: event.clone(),
                    source: source.clone(),
                })])
            }
        }
    }

    /// `alice.emitWithAck(...)`: the client sends the event with an ack id, the server's
    /// handler answers with `callback(...)` as that ack, and the promise resolves to its first
    /// argument. A handler that does not answer is refused before anything is sent: in Node
    /// the promise would never settle.
    async fn client_emit_with_ack(
        &mut self,
        name: &str,
        event: &str,
        args: &[Value],
        source: &str,
    ) -> Result<Vec<Report>, LabError> {
        let index = self.client_index(name)?;
        let namespace = self.clients[index].namespace.clone();
        let never = |why| LabError::NeverAnswered {
            name: name.to_string(),
            event: event.to_string(),
            why,
        };
        let handler = match self.state.handler(&namespace, event) {
            None => return Err(never("the server has no handler for it")),
            Some(handler) if !matches!(handler.kind, StatementKind::Callback(_)) => {
                return Err(never("the server's handler for it never calls callback"));
            }
            Some(handler) => handler,
        };
        self.state.take_last_effect();
        let answer = self.clients[index]
            .emit_with_ack(event, args.to_vec())
            .await?
            .into_iter()
            .next()
            .unwrap_or(Value::Null);
        // The server set its effect before it answered; a failure there is the lab's.
        if let Some(Err(error)) = self.state.take_last_effect() {
            return Err(error);
        }
        self.barrier(0).await?;
        self.take_inboxes();
        let mut reports = vec![Report::Reply(Reply {
            socket: name.to_string(),
            trigger: source.to_string(),
            statement: handler.source,
            event: event.to_string(),
            args: args.to_vec(),
            answer,
        })];
        reports.extend(self.any_log());
        reports.extend(self.server_log());
        Ok(reports)
    }

    async fn serve(&mut self, namespace: &str) -> Result<(), LabError> {
        self.servers.serve(namespace).await?;
        if namespace != "/" && !self.options.namespaces.iter().any(|n| n == namespace) {
            self.options.namespaces.push(namespace.to_string());
        }
        Ok(())
    }

    /// The names of the lab's servers (`A`, or `A` and `B`).
    pub fn server_names(&self) -> Vec<&'static str> {
        SERVER_NAMES[..self.servers.count()].to_vec()
    }

    /// The index of the server named `name` (`None`: the first).
    fn server_index(&self, name: Option<&str>) -> Result<usize, LabError> {
        let Some(name) = name else { return Ok(0) };
        let names = self.server_names();
        names.iter().position(|n| *n == name).ok_or_else(|| {
            LabError::UnknownServer(if names.len() == 1 {
                format!("this lab has one server: leave out `on {name}`")
            } else {
                format!(
                    "this lab's servers are {}: there is no {name}",
                    names.join(" and ")
                )
            })
        })
    }

    /// The server that holds `name`'s socket (0 when unknown).
    fn server_of_member(&self, member: Option<&Member>) -> usize {
        member.and_then(|m| self.servers.server_of(m)).unwrap_or(0)
    }

    /// Before a handler or a middleware is set on `namespace`: a namespace the server does not
    /// serve is refused, as on a real server, unless the lab serves namespaces on demand (the
    /// playground).
    async fn serve_for_handler(&mut self, namespace: &str) -> Result<(), LabError> {
        if !self.servers.serves(namespace) {
            if !self.options.serve_on_connect {
                return Err(LabError::UnknownNamespace(namespace.to_string()));
            }
            self.serve(namespace).await?;
        }
        Ok(())
    }

    /// The whole line is checked before anything connects (a repeated name, a name already
    /// connected, more sockets than the lab or the file-descriptor limit allows), so a bad line
    /// leaves the lab as it was, with one error. If a connection then fails, the ones this line
    /// made are closed again: no half-built lab either way.
    async fn connect(
        &mut self,
        names: &[String],
        namespace: &str,
        auth: Option<&Value>,
        server: usize,
    ) -> Result<Vec<Report>, LabError> {
        self.check_connect(names)?;
        if self.options.serve_on_connect {
            self.serve(namespace).await?;
        }
        // A sliding window, not fixed batches, so one slow connection never holds up the rest.
        // After a failure the window stops taking new names (each is skipped), but lets the
        // connections already in flight finish, so that none is left half-open behind our back.
        let failed = AtomicBool::new(false);
        // In a lab with its own network, each client connects to its own relay.
        let mut urls = Vec::new();
        for name in names {
            if self.options.network {
                let link = network::Link::open(self.servers.address(server))
                    .await
                    .map_err(LabError::server)?;
                urls.push(format!("http://{}", link.address));
                self.links.insert(name.clone(), link);
            } else {
                urls.push(self.servers.url(server));
            }
        }
        let (urls, failed_ref, fences) = (&urls, &failed, &self.fences);
        let mut outcomes: Vec<Option<Result<Connection, LabError>>> =
            names.iter().map(|_| None).collect();
        let mut connections =
            stream::iter(names.iter().enumerate().map(|(index, name)| async move {
                if failed_ref.load(Ordering::Relaxed) {
                    return (index, None);
                }
                let outcome = LabClient::connect(&urls[index], name, namespace, auth, fences).await;
                if outcome.is_err() {
                    failed_ref.store(true, Ordering::Relaxed);
                }
                (index, Some(outcome))
            }))
            .buffer_unordered(CONNECTS_IN_FLIGHT);
        while let Some((index, outcome)) = connections.next().await {
            outcomes[index] = outcome;
        }
        drop(connections);

        if failed.load(Ordering::Relaxed) {
            let error = outcomes
                .iter_mut()
                .find_map(|outcome| match outcome.take() {
                    Some(Err(error)) => Some(error),
                    _ => None,
                })
                .unwrap_or_else(|| LabError::server("a connection failed"));
            self.close_new_sockets(names).await;
            return Err(error);
        }

        // The server logs each socket as its connect handler runs, in whatever order they
        // arrive; the report lists them in the order they were written, so the same line gives
        // the same bytes on every run. Each name's lines are found by a map, not by a scan of
        // the whole log per name (that was quadratic: some 25 million moves for 5,000 names).
        let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let mut by_socket: HashMap<String, Vec<Report>> = HashMap::new();
        let mut log = Vec::new();
        for report in self.server_log() {
            match &report {
                Report::ServerLog(line) if wanted.contains(line.socket.as_str()) => by_socket
                    .entry(line.socket.clone())
                    .or_default()
                    .push(report),
                _ => log.push(report),
            }
        }
        let mut reports = Vec::new();
        for (name, outcome) in names.iter().zip(outcomes) {
            match outcome {
                Some(Ok(Connection::Ready(client))) => self.clients.push(client),
                Some(Ok(Connection::Refused(message))) => {
                    reports.push(Report::ConnectError(ConnectError {
                        socket: name.clone(),
                        namespace: namespace.to_string(),
                        message,
                    }))
                }
                // Not reached: without a failure every name was connected.
                Some(Err(_)) | None => {}
            }
            reports.extend(by_socket.remove(name).unwrap_or_default());
        }
        reports.extend(log);
        Ok(reports)
    }

    /// Checks a whole `connect` line against the lab before any of it connects.
    fn check_connect(&self, names: &[String]) -> Result<(), LabError> {
        let mut seen = BTreeSet::new();
        for name in names {
            if self.clients.iter().any(|c| c.name == *name) {
                return Err(LabError::AlreadyConnected(name.clone()));
            }
            if !seen.insert(name.as_str()) {
                return Err(LabError::NamedTwice(name.clone()));
            }
        }
        if self.clients.len() + names.len() > MAX_SOCKETS {
            return Err(LabError::TooManySockets(MAX_SOCKETS));
        }
        if let Some(room) = client::descriptor_room()
            && names.len() > room.sockets
        {
            return Err(LabError::DescriptorLimit {
                wanted: names.len(),
                room: room.sockets,
                limit: room.limit,
            });
        }
        Ok(())
    }

    /// Closes, from the server's side, every socket of a `connect` line that failed, waits until
    /// the server has let them go, and forgets their proof-of-life lines.
    async fn close_new_sockets(&mut self, names: &[String]) {
        let new: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        for member in self.state.members() {
            if new.contains(member.name.as_str()) {
                self.servers.disconnect(&member);
            }
        }
        let _ = tokio::time::timeout(
            client::ROUND_TRIP_LIMIT,
            self.state
                .wait_until(|members| !members.iter().any(|m| new.contains(m.name.as_str()))),
        )
        .await;
        self.server_log();
    }

    async fn run(
        &mut self,
        as_socket: Option<&str>,
        statement: &Statement,
    ) -> Result<Vec<Report>, LabError> {
        let member = match as_socket {
            Some(name) => Some(self.member(name)?),
            None => None,
        };
        // `io.of(ns)` creates the namespace, as in Node; the lab then lists it too.
        if let StatementKind::Emit(Emit {
            origin: Origin::Io { namespace },
            ..
        })
        | StatementKind::VolatileEmit(Emit {
            origin: Origin::Io { namespace },
            ..
        })
        | StatementKind::EmitWithAck {
            emit:
                Emit {
                    origin: Origin::Io { namespace },
                    ..
                },
            ..
        } = &statement.kind
        {
            self.serve(namespace).await?;
        }
        // A volatile emit skips the socket's ordered queue, so the barrier below cannot prove it
        // arrived: wait for it at each socket it was sent to (the selection, read before the
        // emit), then run the barrier for everyone else.
        let volatile_recipients = match &statement.kind {
            StatementKind::VolatileEmit(_) => match self.preview(as_socket, statement)? {
                Preview::Emit(preview) => preview.receive,
                Preview::Membership => Vec::new(),
            },
            _ => Vec::new(),
        };
        // A statement runs on the server of the socket it runs as; `io...` runs on A.
        let origin = self.server_of_member(member.as_ref());
        let effect = self.servers.run(origin, member.as_ref(), statement).await?;
        self.wait_for_volatile(&volatile_recipients, &Some(Ok(effect.clone())))
            .await?;
        if let Effect::Disconnected { .. } = effect {
            // Wait until the server has run its disconnect handler, then forget the client.
            if let Some(member) = &member {
                self.state
                    .wait_until(|members| !members.iter().any(|m| m.sid == member.sid))
                    .await;
                if let Ok(index) = self.client_index(&member.name) {
                    self.clients.remove(index).disconnect().await;
                }
                self.links.remove(&member.name);
            }
        }
        self.barrier(origin).await?;
        let mut reports = self.describe(as_socket, statement, None, effect);
        reports.extend(self.adapter_log());
        reports.extend(self.server_log());
        Ok(reports)
    }

    /// The reports of a socket's departure once the server has let it go: what its
    /// `disconnecting` and `disconnect` handlers sent (proven by the barrier), then the server's
    /// log. `origin` is the server the socket was on: its handlers ran there, so the fence
    /// goes out from there, behind what they sent (see the module docs).
    async fn departed(&mut self, origin: usize) -> Result<Vec<Report>, LabError> {
        self.barrier(origin).await?;
        let mut inboxes = self.take_inboxes();
        let departures = self.state.take_departures();
        let mut reports = self.departures_in(&mut inboxes, departures);
        reports.extend(self.server_log());
        Ok(reports)
    }

    /// What departure handlers did, as reports, taking the events they sent out of `inboxes`.
    /// Call after a barrier: the handlers ran, and awaited their emits, before the server let
    /// the socket go.
    fn departures_in(
        &self,
        inboxes: &mut [Vec<Received>],
        departures: Vec<state::Departure>,
    ) -> Vec<Report> {
        let mut reports = Vec::new();
        let count = departures.len();
        for (index, departure) in departures.into_iter().enumerate() {
            // Written as Node's listener is: socket.on('disconnecting', (reason) => ...).
            let trigger =
                report::departure_trigger(&departure.name, &departure.event, &departure.reason);
            match departure.effect {
                Ok(effect) => reports.extend(self.describe_in(
                    inboxes,
                    index + 1 == count,
                    Some(&departure.name),
                    &departure.handler,
                    Some(&trigger),
                    effect,
                )),
                // A handler that failed sends nothing; say so rather than hide it.
                Err(error) => reports.push(Report::ServerLog(report::ServerLog {
                    line: format!("the {} handler failed: {error}", departure.event),
                    socket: departure.name.clone(),
                    namespace: departure.namespace.clone(),
                })),
            }
        }
        reports
    }

    /// `cut bob` or `silence bob`: breaks bob's connection under the client and waits, with no
    /// sleep, until the server itself notices and lets bob go (for a silence, that is when its
    /// heartbeat times out).
    async fn break_link(&mut self, name: &str, cut: bool) -> Result<Vec<Report>, LabError> {
        let index = self.client_index(name)?;
        let origin = self.server_of_member(self.member(name).ok().as_ref());
        let Some(link) = self.links.get(name) else {
            return Err(LabError::NoNetwork(name.to_string()));
        };
        if cut {
            link.cut();
        } else {
            link.silence();
        }
        let broken = std::time::Instant::now();
        // Bounded, so that a server that never notices is an error rather than a hang.
        let (interval, timeout) = NETWORK_HEARTBEAT;
        let limit = client::ROUND_TRIP_LIMIT + interval + timeout;
        tokio::time::timeout(
            limit,
            self.state
                .wait_until(|members| !members.iter().any(|m| m.name == name)),
        )
        .await
        .map_err(|_| LabError::client(name, "the server never noticed the broken connection"))?;
        if !cut {
            // A cut is noticed at once (the transport closes); a silence only by the heartbeat,
            // the timer lesson 6 teaches.
            timers::record(timers::Taught::Heartbeat, broken.elapsed());
        }
        // The client's side is broken for good: close what is left of it.
        self.links.remove(name);
        let client = self.clients.remove(index);
        let _ = tokio::time::timeout(client::ROUND_TRIP_LIMIT, client.disconnect()).await;
        self.departed(origin).await
    }

    async fn client_emit(
        &mut self,
        name: &str,
        event: &str,
        args: &[Value],
        source: &str,
    ) -> Result<Vec<Report>, LabError> {
        let index = self.client_index(name)?;
        let namespace = self.clients[index].namespace.clone();
        // Clear what a previous command may have left, so the effect read below is this one's.
        self.state.take_last_effect();
        let sender = self.member(name)?;
        let sid = sender.sid;
        // The sender's handler runs on the sender's server, which then sends the fence.
        let origin = self.server_of_member(Some(&sender));
        if let Some(Statement {
            kind: StatementKind::Callback(_),
            ..
        }) = self.state.handler(&namespace, event)
        {
            return Err(LabError::NotAFunction {
                name: name.to_string(),
                event: event.to_string(),
            });
        }
        // A volatile relay skips the ordered queue: see `run`.
        let volatile_recipients = match self.state.handler(&namespace, event) {
            Some(handler) if matches!(handler.kind, StatementKind::VolatileEmit(_)) => {
                match self.preview(Some(name), &handler)? {
                    Preview::Emit(preview) => preview.receive,
                    Preview::Membership => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        // The fence, sent by the sender's server itself once the handler's emits have returned
        // (before its acknowledgement), rather than by the lab once the acknowledgement is back:
        // the same order on every connection, one trip fewer. It takes one server, or servers
        // sharing an adapter, so that one server's fence reaches every socket; a handler that
        // disconnects its sender leaves it unsent (the sender will not be there to see it) and
        // the lab sends the usual one below, for the clients that remain.
        let armed = (self.servers.count() == 1 || self.servers.shared()).then(|| {
            let (number, namespaces) = self.arm_fence();
            self.state.set_pending_fence(PendingFence {
                sender: sid,
                number,
                namespaces,
            });
            number
        });
        let acked = self.clients[index].emit_acked(event, args.to_vec()).await;
        // Still here after the acknowledgement: the handler did not send it.
        let unsent = self.state.take_pending_fence(None);
        acked?;
        // The server sets the effect before it acknowledges, so it is here now.
        let last_effect = self.state.take_last_effect();
        self.wait_for_volatile(&volatile_recipients, &last_effect)
            .await?;
        if let Some(Ok(Effect::Disconnected { .. })) = &last_effect {
            // The handler disconnected the sender: wait until the server has run its
            // disconnect handler, then forget the client, as `run` does for a statement.
            self.state
                .wait_until(|members| !members.iter().any(|m| m.sid == sid))
                .await;
            self.clients.remove(index).disconnect().await;
            self.links.remove(name);
        }
        match (armed, unsent) {
            (Some(number), None) => self.wait_for_fence(number).await?,
            _ => self.barrier(origin).await?,
        }
        let handler = self.state.handler(&namespace, event);
        let mut reports: Vec<Report> = match (last_effect, handler) {
            (Some(effect), Some(handler)) => {
                let effect = effect?;
                let mut reports = self.describe(Some(name), &handler, Some(source), effect);
                reports.extend(self.adapter_log());
                reports.extend(self.server_log());
                reports
            }
            _ => {
                self.take_inboxes();
                vec![Report::Unhandled(Unhandled {
                    socket: name.to_string(),
                    namespace,
                    event: event.to_string(),
                    trigger: source.to_string(),
                })]
            }
        };
        // The catch-all listener's lines, right after the line that triggered them (the
        // delivery draws that line), before anything else the server printed.
        let at = reports
            .iter()
            .position(|r| matches!(r, Report::ServerLog(_)))
            .unwrap_or(reports.len());
        reports.splice(at..at, self.any_log());
        Ok(reports)
    }

    /// Waits until each of `recipients` has the event a volatile emit sent (nothing to do for
    /// any other effect).
    async fn wait_for_volatile(
        &self,
        recipients: &[String],
        effect: &Option<Result<Effect, LabError>>,
    ) -> Result<(), LabError> {
        let Some(Ok(Effect::Emitted { event, args, .. })) = effect else {
            return Ok(());
        };
        let wanted = Received {
            event: event.clone(),
            args: args.clone(),
        };
        for client in self.clients.iter().filter(|c| recipients.contains(&c.name)) {
            client.wait_for(&wanted).await?;
        }
        Ok(())
    }

    /// The fence: the server emits fence *n* to every socket of every namespace that has a lab
    /// client, after the statement, and the lab waits until every client has received it. See
    /// the module docs for why this proves non-receipt.
    /// `origin` is the server that ran the statement.
    async fn barrier(&self, origin: usize) -> Result<(), LabError> {
        let (number, namespaces) = self.arm_fence();
        let namespaces: BTreeSet<&str> = namespaces.iter().map(String::as_str).collect();
        self.servers.fence(origin, &namespaces, number).await?;
        self.wait_for_fence(number).await
    }

    /// Arms the next fence for every client the lab has; returns its number and the namespaces
    /// it must be sent to (every one that has a lab client).
    fn arm_fence(&self) -> (u64, Vec<String>) {
        let number = self.fences.arm(self.clients.iter().map(|c| c.board_id));
        let namespaces: BTreeSet<&str> =
            self.clients.iter().map(|c| c.namespace.as_str()).collect();
        (number, namespaces.into_iter().map(String::from).collect())
    }

    /// Waits until every client armed for fence `number` has received it; past
    /// `ROUND_TRIP_LIMIT`, an error naming the clients it did not reach.
    async fn wait_for_fence(&self, number: u64) -> Result<(), LabError> {
        if tokio::time::timeout(client::ROUND_TRIP_LIMIT, self.fences.wait(number))
            .await
            .is_err()
        {
            let missing: Vec<&str> = self
                .clients
                .iter()
                .filter(|c| c.fence_seen() < number)
                .map(|c| c.name.as_str())
                .collect();
            return Err(LabError::server(format!(
                "the lab's fence did not reach {} within {} s",
                missing.join(", "),
                client::ROUND_TRIP_LIMIT.as_secs()
            )));
        }
        Ok(())
    }

    /// Turns what the statement did, and what every inbox now holds, into reports.
    ///
    /// A socket that left meanwhile (a `socket.disconnect()`, a handler that disconnects its
    /// sender) may have run `disconnecting` and `disconnect` handlers: their deliveries follow,
    /// each with the events it sent, from the same inboxes.
    fn describe(
        &self,
        as_socket: Option<&str>,
        statement: &Statement,
        trigger: Option<&str>,
        effect: Effect,
    ) -> Vec<Report> {
        let mut inboxes = self.take_inboxes();
        let departures = self.state.take_departures();
        let last = departures.is_empty();
        let mut reports =
            self.describe_in(&mut inboxes, last, as_socket, statement, trigger, effect);
        reports.extend(self.departures_in(&mut inboxes, departures));
        reports
    }

    /// One statement's reports, taking the events it sent out of `inboxes`. With `rest`,
    /// anything else still in an inbox (nothing, in every test so far) is reported too, rather
    /// than hidden.
    fn describe_in(
        &self,
        inboxes: &mut [Vec<Received>],
        rest: bool,
        as_socket: Option<&str>,
        statement: &Statement,
        trigger: Option<&str>,
        effect: Effect,
    ) -> Vec<Report> {
        match effect {
            Effect::Emitted {
                namespace,
                event,
                args,
            } => {
                let mut expected = vec![(namespace.clone(), Received { event, args })];
                let others = if rest { &inboxes[..] } else { &[][..] };
                for (client, inbox) in self.clients.iter().zip(others) {
                    for received in inbox {
                        let key = (client.namespace.clone(), received.clone());
                        if !expected.contains(&key) {
                            expected.push(key);
                        }
                    }
                }
                // The statement's own event is the first expected one.
                let volatile = matches!(statement.kind, StatementKind::VolatileEmit(_));
                expected
                    .into_iter()
                    .enumerate()
                    .map(|(index, (namespace, wanted))| {
                        let mut received = Vec::new();
                        let mut not_received = Vec::new();
                        for (client, inbox) in self.clients.iter().zip(inboxes.iter_mut()) {
                            let count = if client.namespace == namespace {
                                let before = inbox.len();
                                inbox.retain(|r| *r != wanted);
                                before - inbox.len()
                            } else {
                                0
                            };
                            if count == 0 {
                                not_received.push(client.name.clone());
                            }
                            for _ in 0..count {
                                received.push(client.name.clone());
                            }
                        }
                        Report::Delivery(Delivery {
                            sockets: self.sockets(),
                            as_socket: as_socket.map(String::from),
                            statement: statement.source.clone(),
                            trigger: trigger.map(String::from),
                            namespace,
                            event: wanted.event,
                            args: wanted.args,
                            received,
                            not_received,
                            volatile: volatile && index == 0,
                        })
                    })
                    .collect()
            }
            Effect::Joined { namespace, rooms } | Effect::Left { namespace, rooms } => {
                let action = if matches!(statement.kind, StatementKind::Join(_)) {
                    MembershipAction::Join
                } else {
                    MembershipAction::Leave
                };
                vec![Report::Membership(Membership {
                    as_socket: as_socket.unwrap_or_default().to_string(),
                    statement: statement.source.clone(),
                    namespace,
                    action,
                    rooms,
                })]
            }
            Effect::Disconnected { namespace } => vec![Report::Membership(Membership {
                as_socket: as_socket.unwrap_or_default().to_string(),
                statement: statement.source.clone(),
                namespace,
                action: MembershipAction::Disconnect,
                rooms: Vec::new(),
            })],
            // Not reached: `client_emit_with_ack` reports an answer itself, and a plain emit to
            // a `callback` handler is refused before it is sent.
            Effect::Answered { .. } => Vec::new(),
            Effect::Asked {
                namespace,
                event,
                args,
                timeout_ms,
                single,
                answers,
            } => {
                // The deliveries first, exactly as for an emit (the inboxes are put back, since
                // `describe` takes them), then who answered what, in connection order.
                let mut reports = self.describe_in(
                    inboxes,
                    rest,
                    as_socket,
                    statement,
                    trigger,
                    Effect::Emitted {
                        namespace,
                        event,
                        args,
                    },
                );
                let mut answers: Vec<SocketAnswer> = answers
                    .into_iter()
                    .map(|a| {
                        let (answer, error) = match a.answer {
                            Ok(value) => (Some(value), None),
                            Err(error) => (None, Some(error)),
                        };
                        SocketAnswer {
                            socket: a.socket,
                            answer,
                            error,
                        }
                    })
                    .collect();
                answers.sort_by_key(|a| self.clients.iter().position(|c| c.name == a.socket));
                reports.push(Report::Answers(Answers {
                    as_socket: as_socket.map(String::from),
                    statement: statement.source.clone(),
                    timeout_ms,
                    single,
                    answers,
                }));
                reports
            }
        }
    }

    fn take_inboxes(&self) -> Vec<Vec<Received>> {
        self.clients.iter().map(LabClient::take_inbox).collect()
    }

    /// What the catch-all listener printed for the last client event.
    fn any_log(&self) -> Vec<Report> {
        self.state
            .take_any_log()
            .into_iter()
            .map(Report::ServerLog)
            .collect()
    }

    /// What the adapters published for the last command, socket ids turned into names; the
    /// lab's own fences are left out (they are how the lab proves receipt, not the lesson).
    fn adapter_log(&self) -> Vec<Report> {
        let published = std::mem::take(&mut *scaffold::lock(&self.published));
        let label = |room: &String| -> String {
            match self.state.known_names().into_iter().find(|name| {
                self.state
                    .id_of(name)
                    .is_some_and(|sid| sid.as_str() == room)
            }) {
                Some(name) => own_room_label(&name),
                None => room.clone(),
            }
        };
        published
            .into_iter()
            .filter(|(_, request)| {
                !request
                    .event
                    .as_deref()
                    .is_some_and(|e| e.starts_with(client::INTERNAL_EVENT_PREFIX))
            })
            .map(|(server, request)| {
                Report::Adapter(AdapterMessage {
                    server: server.to_string(),
                    request: request.kind.to_string(),
                    namespace: request.namespace,
                    event: request.event,
                    rooms: request.rooms.iter().map(label).collect(),
                    except: request.except.iter().map(label).collect(),
                })
            })
            .collect()
    }

    fn server_log(&self) -> Vec<Report> {
        self.state
            .take_log()
            .into_iter()
            .map(Report::ServerLog)
            .collect()
    }

    fn member(&self, name: &str) -> Result<Member, LabError> {
        self.state
            .member(name)
            .ok_or_else(|| LabError::UnknownSocket(name.to_string()))
    }

    fn client_index(&self, name: &str) -> Result<usize, LabError> {
        self.clients
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| LabError::UnknownSocket(name.to_string()))
    }

    /// What `statement`, run as `as_socket`, would do, without doing it: for an emit, who would
    /// receive it, from the same selection [`Lab::execute`] emits through. It refuses what the
    /// run would refuse, with the same error.
    pub fn preview(
        &self,
        as_socket: Option<&str>,
        statement: &Statement,
    ) -> Result<Preview, LabError> {
        let member = match as_socket {
            Some(name) => Some(self.member(name)?),
            None => None,
        };
        let origin = match &member {
            Some(m) => Some(
                self.servers
                    .server_of(m)
                    .ok_or_else(|| LabError::UnknownSocket(m.name.clone()))?,
            ),
            None => None,
        };
        // An emitWithAck goes to the same sockets as its emit: the answers are the clients'.
        let emit = match &statement.kind {
            StatementKind::Emit(emit)
            | StatementKind::EmitWithAck { emit, .. }
            | StatementKind::VolatileEmit(emit) => emit,
            _ => {
                if origin.is_none() {
                    return Err(LabError::NeedsSocket(statement.source.clone()));
                }
                return Ok(Preview::Membership);
            }
        };
        let (namespace, [in_namespace, in_rooms, after_except, receive]) = self.servers.preview(
            origin.unwrap_or(0),
            member.as_ref(),
            &self.state,
            &statement.source,
            emit,
        )?;
        let order = |mut names: Vec<String>| {
            names.sort_by_key(|name| self.clients.iter().position(|c| c.name == *name));
            names
        };
        let receive = order(receive);
        let not_receive = self
            .clients
            .iter()
            .map(|c| c.name.clone())
            .filter(|name| !receive.contains(name))
            .collect();
        Ok(Preview::Emit(EmitPreview {
            event: emit.event.clone(),
            in_namespace: order(in_namespace),
            in_rooms: order(in_rooms),
            after_except: order(after_except),
            receive,
            not_receive,
            namespace,
        }))
    }

    /// What a statement run as `name` reads from its socket: `socket.handshake.auth`,
    /// `socket.data` and `socket.rooms`.
    pub fn scope(&self, name: &str) -> Result<execute::Scope, LabError> {
        let member = self.member(name)?;
        // Refuses a socket the server no longer has, as a run would.
        self.servers
            .server_of(&member)
            .ok_or_else(|| LabError::UnknownSocket(member.name.clone()))?;
        Ok(execute::Scope {
            handshake: self.state.handshake(member.sid),
            rooms: self.state.rooms_of(member.sid),
            reason: None,
        })
    }

    /// The handler the server would run for `event` sent by the client `name`, with that
    /// client's namespace; `None` when the server has none.
    pub fn handler_for(
        &self,
        name: &str,
        event: &str,
    ) -> Result<(String, Option<Statement>), LabError> {
        let index = self.client_index(name)?;
        let namespace = self.clients[index].namespace.clone();
        let handler = self.state.handler(&namespace, event);
        Ok((namespace, handler))
    }

    /// The rooms of every namespace, as the server's adapter sees them right now.
    pub async fn room_map(&self, show_own_rooms: bool) -> RoomMap {
        let members = self.state.members();
        let order = |name: &str| self.clients.iter().position(|c| c.name == name);
        let mut namespaces = Vec::new();
        for namespace in self.namespaces() {
            if !self.servers.serves(&namespace) {
                continue;
            }
            let mut sockets: Vec<String> = members
                .iter()
                .filter(|m| m.namespace == namespace)
                .map(|m| m.name.clone())
                .collect();
            sockets.sort_by_key(|name| order(name));
            let mut named = Vec::new();
            let mut own = Vec::new();
            // Every server's adapter answers for its own sockets' rooms (a socket's rooms live
            // where it lives); the map shows the whole lab.
            for (room, sids) in self.servers.rooms(&namespace).await {
                let mut names: Vec<String> = sids
                    .into_iter()
                    .filter_map(|sid| self.state.name_of(&namespace, sid))
                    .collect();
                names.sort_by_key(|name| order(name));
                if names.is_empty() {
                    // A room exists only while it has members; never show a bare socket id.
                    continue;
                }
                let owner = members
                    .iter()
                    .find(|m| m.namespace == namespace && m.sid.as_str() == room);
                match owner {
                    Some(owner) => own.push(Room {
                        name: own_room_label(&owner.name),
                        own_room_of: Some(owner.name.clone()),
                        members: names,
                    }),
                    None => named.push(Room {
                        name: room,
                        own_room_of: None,
                        members: names,
                    }),
                }
            }
            own.sort_by_key(|room| room.own_room_of.as_deref().and_then(order));
            if show_own_rooms {
                named.extend(own);
            }
            namespaces.push(NamespaceRooms {
                namespace,
                sockets,
                rooms: named,
            });
        }
        RoomMap {
            own_rooms_shown: show_own_rooms,
            namespaces,
        }
    }

    /// Closes the lab: every client disconnects (all at once), the server disconnects whatever
    /// is left, waits until its disconnect handlers have run, then stops. (Dropping a client
    /// does not disconnect it, and axum's graceful shutdown does not close Socket.IO sessions,
    /// hence this order.)
    pub async fn shutdown(self) {
        // The clients close their own connections first, all at once. A rust_socketio client
        // whose socket the server has disconnected can no longer close its transport (its
        // `disconnect` fails on the DISCONNECT packet before it gets there), so a server-first
        // goodbye left every connection open on both sides: two descriptors a socket leaked
        // per lab, and a process that starts many labs (the differential tests) ran out of
        // them after about 1,500 labs.
        futures_util::future::join_all(self.clients.iter().map(LabClient::disconnect)).await;
        for namespace in self.namespaces() {
            self.servers.disconnect_all(&namespace).await;
        }
        // Bounded, so that a socket that never goes cannot hang the exit.
        let _ = tokio::time::timeout(
            client::ROUND_TRIP_LIMIT,
            self.state.wait_until(|members| members.is_empty()),
        )
        .await;
        self.servers.stop().await;
    }
}

/// The event names a command would send to or from a lab client.
fn events_of(command: &Command) -> impl Iterator<Item = &str> {
    fn emitted(statement: &Statement) -> Option<&str> {
        match &statement.kind {
            StatementKind::Emit(emit)
            | StatementKind::EmitWithAck { emit, .. }
            | StatementKind::VolatileEmit(emit) => Some(emit.event.as_str()),
            _ => None,
        }
    }
    let events: Vec<&str> = match command {
        Command::On { event, handler, .. } => [Some(event.as_str()), emitted(handler)]
            .into_iter()
            .flatten()
            .collect(),
        Command::ClientEmit { event, .. } => vec![event.as_str()],
        Command::Run { statement, .. } => emitted(statement).into_iter().collect(),
        Command::Connect { .. }
        | Command::Disconnect { .. }
        | Command::Rooms { .. }
        | Command::Use { .. }
        | Command::Cut { .. }
        | Command::Silence { .. } => Vec::new(),
        Command::ClientEmitWithAck { event, .. } | Command::ClientOn { event, .. } => {
            vec![event.as_str()]
        }
        Command::OnAny { .. } => Vec::new(),
    };
    events.into_iter()
}
