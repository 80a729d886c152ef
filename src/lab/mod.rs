//! The live lab: a real Socket.IO server and real, named client sockets in one process, and the
//! one place where a [`Command`] is carried out.
//!
//! Every front end (demo, learn, play, serve's rehearsal bots, the tests) drives a [`Lab`] and
//! prints the [`Report`]s it returns. The lab never prints anything itself.
//!
//! ## How "bob did NOT receive it" is proven
//!
//! After a statement, the lab runs a *barrier*: every connected client sends an acknowledged
//! `sync` event and waits for the answer. Each client has one ordered connection, and the server
//! has already handed the statement's event to every recipient's connection before the barrier
//! starts (it awaits its own emit), so the event is ahead of the sync answer on the wire. When all
//! answers are back, every delivery has arrived, and a client with nothing in its inbox provably
//! got nothing. There is no sleep and no timeout in that reasoning.
//!
//! For a client-side emit (`alice.emit(...)`) one more step is needed, because socketioxide runs
//! each incoming event in its own task: the server acknowledges alice's event only after its
//! handler's emit has returned, and alice awaits that ack before the barrier starts. Without
//! that, bob's sync could overtake alice's relay (it did, a few times in a thousand runs).
//!
//! - [`server`]: the axum + socketioxide server and its handlers.
//! - [`client`]: one named rust_socketio client and its inbox.
//! - [`execute`]: one statement onto the socketioxide API, with the JavaScript meaning.
//! - [`report`]: the records the lab returns.

pub mod client;
pub mod execute;
pub mod report;
pub mod server;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::try_join_all;
use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::script::{Command, Statement, StatementKind};
use client::{Connection, LabClient, Received};
use execute::Effect;
use report::{
    ConnectError, Delivery, HandlerSet, Membership, MembershipAction, NamespaceRooms, Report, Room,
    RoomMap, Unhandled, own_room_label,
};
use server::{LabServer, Member};

/// What went wrong while carrying out a command. Each message reads as a sentence for the
/// learner.
#[derive(Debug, Clone, PartialEq)]
pub enum LabError {
    UnknownSocket(String),
    UnknownNamespace(String),
    AlreadyConnected(String),
    NeedsSocket(String),
    TooManySockets(usize),
    /// A `connect` line names the same socket twice.
    NamedTwice(String),
    /// A `connect` line needs more file descriptors than this process may open.
    DescriptorLimit {
        wanted: usize,
        room: usize,
        limit: u64,
    },
    Client(String, String),
    Server(String),
}

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabError::UnknownSocket(name) => write!(
                f,
                "there is no socket named {name}: connect it first (connect {name})"
            ),
            LabError::UnknownNamespace(namespace) => {
                write!(f, "the server does not serve the namespace {namespace}")
            }
            LabError::AlreadyConnected(name) => write!(f, "{name} is already connected"),
            LabError::NeedsSocket(statement) => write!(
                f,
                "`{statement}` needs a socket to run as: put a name in front, as in alice: {statement}"
            ),
            LabError::TooManySockets(limit) => write!(
                f,
                "a lab holds at most {limit} sockets (each one is a real connection)"
            ),
            LabError::NamedTwice(name) => write!(
                f,
                "{name} is named twice in this line: each socket needs its own name (nothing was connected)"
            ),
            LabError::DescriptorLimit {
                wanted,
                room,
                limit,
            } => write!(
                f,
                "cannot connect {wanted} sockets: the limit on open files here (ulimit -n) is \
                 {limit}, which leaves room for {room} more. Each socket is a real TCP connection \
                 with both ends in this process: 2 descriptors. Connect at most {room}, or raise \
                 the limit first (ulimit -n {suggest}). Nothing was connected.",
                suggest = (wanted * 2 + 256).next_power_of_two()
            ),
            LabError::Client(name, message) => write!(f, "{name}'s client failed: {message}"),
            LabError::Server(message) => write!(f, "the lab server failed: {message}"),
        }
    }
}

impl std::error::Error for LabError {}

/// How a lab starts.
#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// Namespaces served from the start, besides `/`.
    pub namespaces: Vec<String>,
    /// Serve a namespace as soon as a socket connects to it (the playground), instead of letting
    /// the connection fail as a real server would (lessons).
    pub serve_on_connect: bool,
}

impl LabOptions {
    /// A lab for a lesson: it serves `/` and `namespaces`, and nothing else, so that a
    /// connection to another namespace fails as it would on a real server.
    pub fn serving(namespaces: &[String]) -> LabOptions {
        LabOptions {
            namespaces: namespaces.to_vec(),
            serve_on_connect: false,
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
    server: LabServer,
    url: String,
    options: LabOptions,
    /// Connected clients, in connection order: the order every view lists sockets in.
    clients: Vec<LabClient>,
}

impl Lab {
    pub async fn start(options: LabOptions) -> Result<Lab, LabError> {
        // Each client costs two descriptors; the usual soft limit of 1,024 would make the
        // thousandth connection hang with no error.
        let _ = rlimit::increase_nofile_limit((MAX_SOCKETS as u64) * 2 + 256);
        let server = LabServer::start(&options.namespaces).await?;
        let url = format!("http://{}", server.address);
        Ok(Lab {
            server,
            url,
            options,
            clients: Vec::new(),
        })
    }

    /// The sockets of the lab, in connection order, with their namespaces.
    pub fn sockets(&self) -> Vec<(String, String)> {
        self.clients
            .iter()
            .map(|c| (c.name.clone(), c.namespace.clone()))
            .collect()
    }

    /// Every socket name that ever connected to this lab, disconnected ones included (their
    /// ids still name empty rooms).
    pub fn known_names(&self) -> Vec<String> {
        self.server.state.known_names()
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

    /// The server's `on` handlers: (namespace, event, statement), sorted.
    pub fn handlers(&self) -> Vec<(String, String, Statement)> {
        self.server.state.handlers()
    }

    /// Carries out one command and returns what happened, in order.
    pub async fn execute(&mut self, command: &Command) -> Result<Vec<Report>, LabError> {
        match command {
            Command::Connect { names, namespace } => self.connect(names, namespace).await,
            Command::On {
                namespace,
                event,
                handler,
            } => {
                if !self.server.serves(namespace) {
                    if !self.options.serve_on_connect {
                        return Err(LabError::UnknownNamespace(namespace.clone()));
                    }
                    self.serve(namespace);
                }
                self.server
                    .state
                    .set_handler(namespace, event, handler.clone());
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
                let client = self.clients.remove(index);
                client.disconnect().await;
                self.server
                    .state
                    .wait_until(|members| !members.iter().any(|m| m.name == *name))
                    .await;
                Ok(self.server_log())
            }
            Command::Rooms { show_own_rooms } => {
                Ok(vec![Report::Rooms(self.room_map(*show_own_rooms).await)])
            }
        }
    }

    fn serve(&mut self, namespace: &str) {
        self.server.serve(namespace);
        if namespace != "/" && !self.options.namespaces.iter().any(|n| n == namespace) {
            self.options.namespaces.push(namespace.to_string());
        }
    }

    /// Connects every name of one `connect` line, in parallel, and reports as if they had
    /// connected one after another in the written order.
    ///
    /// The whole line is checked before anything connects (a repeated name, a name already
    /// connected, more sockets than the lab or the file-descriptor limit allows), so a bad line
    /// leaves the lab as it was, with one error. If a connection then fails, the ones this line
    /// made are closed again: no half-built lab either way.
    async fn connect(
        &mut self,
        names: &[String],
        namespace: &str,
    ) -> Result<Vec<Report>, LabError> {
        self.check_connect(names)?;
        if self.options.serve_on_connect {
            self.serve(namespace);
        }
        // A sliding window, not fixed batches, so one slow connection never holds up the rest.
        // After a failure the window stops taking new names (each is skipped), but lets the
        // connections already in flight finish, so that none is left half-open behind our back.
        let failed = AtomicBool::new(false);
        let (url, failed_ref) = (&self.url, &failed);
        let mut outcomes: Vec<Option<Result<Connection, LabError>>> =
            names.iter().map(|_| None).collect();
        let mut connections =
            stream::iter(names.iter().enumerate().map(|(index, name)| async move {
                if failed_ref.load(Ordering::Relaxed) {
                    return (index, None);
                }
                let outcome = LabClient::connect(url, name, namespace).await;
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
                .unwrap_or_else(|| LabError::Server("a connection failed".into()));
            self.close_new_sockets(names).await;
            return Err(error);
        }

        // The server logs each socket as its connect handler runs, in whatever order they
        // arrive; the report lists them in the order they were written, so the same line gives
        // the same bytes on every run.
        let mut log = self.server_log();
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
            let (own, rest): (Vec<Report>, Vec<Report>) = log
                .into_iter()
                .partition(|report| matches!(report, Report::ServerLog(l) if l.socket == *name));
            reports.extend(own);
            log = rest;
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
        for member in self.server.state.members() {
            if new.contains(member.name.as_str())
                && let Some(socket) = self
                    .server
                    .io
                    .of(&member.namespace)
                    .and_then(|ns| ns.get_socket(member.sid))
            {
                let _ = socket.disconnect();
            }
        }
        let _ = tokio::time::timeout(
            client::ROUND_TRIP_LIMIT,
            self.server
                .state
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
        let effect = self.server.run(member.as_ref(), statement).await?;
        if let Effect::Disconnected { .. } = effect {
            // Wait until the server has run its disconnect handler, then forget the client.
            if let Some(member) = &member {
                self.server
                    .state
                    .wait_until(|members| !members.iter().any(|m| m.sid == member.sid))
                    .await;
                if let Ok(index) = self.client_index(&member.name) {
                    self.clients.remove(index).disconnect().await;
                }
            }
        }
        self.barrier().await?;
        let mut reports = self.describe(as_socket, statement, None, effect);
        reports.extend(self.server_log());
        Ok(reports)
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
        self.server.state.take_last_effect();
        self.clients[index].emit_acked(event, args.to_vec()).await?;
        self.barrier().await?;
        let handler = self.server.state.handler(&namespace, event);
        let reports = match (self.server.state.take_last_effect(), handler) {
            (Some(effect), Some(handler)) => {
                let effect = effect?;
                self.describe(Some(name), &handler, Some(source), effect)
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
        Ok(reports)
    }

    /// Every client round-trips an acknowledged `sync`; see the module docs for why this proves
    /// non-receipt. One ack in flight per client, all clients at once.
    async fn barrier(&self) -> Result<(), LabError> {
        try_join_all(self.clients.iter().map(LabClient::sync)).await?;
        Ok(())
    }

    /// Turns what the statement did, and what every inbox now holds, into reports.
    fn describe(
        &self,
        as_socket: Option<&str>,
        statement: &Statement,
        trigger: Option<&str>,
        effect: Effect,
    ) -> Vec<Report> {
        let inboxes = self.take_inboxes();
        match effect {
            Effect::Emitted {
                namespace,
                event,
                args,
            } => {
                let mut expected = vec![(namespace.clone(), Received { event, args })];
                // Anything else in an inbox (nothing, in every test so far) is reported too,
                // rather than hidden.
                for (client, inbox) in self.clients.iter().zip(&inboxes) {
                    for received in inbox {
                        let key = (client.namespace.clone(), received.clone());
                        if !expected.contains(&key) {
                            expected.push(key);
                        }
                    }
                }
                expected
                    .into_iter()
                    .map(|(namespace, wanted)| {
                        let mut received = Vec::new();
                        let mut not_received = Vec::new();
                        for (client, inbox) in self.clients.iter().zip(&inboxes) {
                            let count = if client.namespace == namespace {
                                inbox.iter().filter(|r| **r == wanted).count()
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
        }
    }

    fn take_inboxes(&self) -> Vec<Vec<Received>> {
        self.clients.iter().map(LabClient::take_inbox).collect()
    }

    fn server_log(&self) -> Vec<Report> {
        self.server
            .state
            .take_log()
            .into_iter()
            .map(Report::ServerLog)
            .collect()
    }

    fn member(&self, name: &str) -> Result<Member, LabError> {
        self.server
            .state
            .member(name)
            .ok_or_else(|| LabError::UnknownSocket(name.to_string()))
    }

    fn client_index(&self, name: &str) -> Result<usize, LabError> {
        self.clients
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| LabError::UnknownSocket(name.to_string()))
    }

    /// The rooms of every namespace, as the server's adapter sees them right now.
    pub async fn room_map(&self, show_own_rooms: bool) -> RoomMap {
        let members = self.server.state.members();
        let order = |name: &str| self.clients.iter().position(|c| c.name == name);
        let mut namespaces = Vec::new();
        for namespace in self.namespaces() {
            let Some(operator) = self.server.io.of(&namespace) else {
                continue;
            };
            let mut sockets: Vec<String> = members
                .iter()
                .filter(|m| m.namespace == namespace)
                .map(|m| m.name.clone())
                .collect();
            sockets.sort_by_key(|name| order(name));
            let mut named = Vec::new();
            let mut own = Vec::new();
            let mut room_names = operator.clone().rooms().await.unwrap_or_default();
            room_names.sort();
            for room in room_names {
                let mut names: Vec<String> = operator
                    .clone()
                    .within(room.clone())
                    .sockets()
                    .into_iter()
                    .filter_map(|s| self.server.state.name_of(&namespace, s.id))
                    .collect();
                names.sort_by_key(|name| order(name));
                if names.is_empty() {
                    // A room exists only while it has members; never show a bare socket id.
                    continue;
                }
                let owner = members
                    .iter()
                    .find(|m| m.namespace == namespace && m.sid.as_str() == room.as_ref());
                match owner {
                    Some(owner) => own.push(Room {
                        name: own_room_label(&owner.name),
                        own_room_of: Some(owner.name.clone()),
                        members: names,
                    }),
                    None => named.push(Room {
                        name: room.to_string(),
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

    /// Closes the lab: the server disconnects every socket, waits until its disconnect handlers
    /// have run, then stops. (Dropping a client does not disconnect it, and axum's graceful
    /// shutdown does not close Socket.IO sessions, hence this order.)
    ///
    /// The server says goodbye rather than the clients because rust_socketio's WebSocket has
    /// Nagle's algorithm on: a client's DISCONNECT and close frames, sent back to back, could
    /// wait 40 ms for the server's delayed ACK. The server's sockets have TCP_NODELAY.
    pub async fn shutdown(self) {
        for namespace in self.namespaces() {
            if let Some(operator) = self.server.io.of(&namespace) {
                let _ = operator.disconnect().await;
            }
        }
        // Bounded, so that a socket that never goes cannot hang the exit.
        let _ = tokio::time::timeout(
            client::ROUND_TRIP_LIMIT,
            self.server.state.wait_until(|members| members.is_empty()),
        )
        .await;
        self.server.stop().await;
    }
}
