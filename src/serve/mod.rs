//! Classroom mode (`sio-tutor serve`): the Socket.IO chat example, hosted for a room full of
//! browsers, with the terminal showing who got what.
//!
//! One axum server serves the chat page at `/` and Socket.IO at `/socket.io/` (socketioxide).
//! Every event a browser sends is checked, relayed, and reported through the same
//! [`Report`]s and the same [`View`] as the lessons, so a delivery on the projector reads the
//! same as in `play`.
//!
//! - [`listen`]: binding the port, TCP_NODELAY, the URLs to print.
//! - [`page`]: the embedded page (`assets/`) and where it gets the Socket.IO client.
//! - [`chat`]: the Socket.IO handlers, one small function per event.
//! - [`announce`]: arrivals and departures, told to everyone in batches.
//! - [`roster`]: who is connected, by nickname, and the delivery records built from it.
//! - [`limits`]: the safety limits every incoming event is checked against.
//! - [`origin`]: which pages may connect (the chat's own, and `--allow-origin`).
//! - [`delivery`]: each relay emitted so that its pages answer, and what the answers say.
//! - [`turn`]: one socket's events handled in the order they came, as in Node.
//! - [`confirm`]: which pages have shown which relays (their answers, several relays in one).
//! - [`view`]: the terminal's compact, verbose and JSON views.
//! - [`bots`]: rehearsal bots for `--bots N`.
//! - [`shared`]: `--redis URL`, one class across several serve processes.

pub mod announce;
pub mod bots;
pub mod chat;
pub mod confirm;
pub mod delivery;
pub mod limits;
pub mod listen;
pub mod origin;
pub mod page;
pub mod roster;
pub mod shared;
pub mod turn;
pub mod view;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use socketioxide::adapter::{Adapter, LocalAdapter};
use socketioxide::{SocketIo, SocketIoBuilder};
use tokio::sync::{mpsc, oneshot};

use crate::lab::redis;
use crate::lab::scaffold::{self, Serving};
use crate::render::View;
use page::ClientScript;
use roster::{ClassReport, Roster};
use view::ClassView;

/// What `sio-tutor serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub view: View,
    pub bots: usize,
    pub client_js: Option<PathBuf>,
    /// `--allow-origin`: origins accepted besides the page's own.
    pub allow_origins: Vec<String>,
    /// `--verbose`: one line per socket for every event.
    pub verbose: bool,
    /// `--redis URL`: share the class with the other serve processes using this Redis.
    pub redis: Option<String>,
}

/// A running classroom server: alone (the local adapter), or one process of a class shared
/// through Redis (`--redis`, socketioxide-redis's adapter).
pub struct Classroom<A: Adapter = LocalAdapter> {
    pub address: SocketAddr,
    pub io: SocketIo<A>,
    pub roster: Arc<Roster>,
    serving: Serving,
}

/// The pieces every classroom server is built from, before the adapter is chosen.
struct Parts {
    address: SocketAddr,
    roster: Arc<Roster>,
    announcer: announce::Announcer,
    announcing: announce::Pending,
}

impl Parts {
    fn new(listener: &tokio::net::TcpListener, roster: Roster) -> Result<Parts, String> {
        let address = listener
            .local_addr()
            .map_err(|error| format!("cannot read the listening address: {error}"))?;
        let (announcer, announcing) = announce::Announcer::new();
        Ok(Parts {
            address,
            roster: Arc::new(roster),
            announcer,
            announcing,
        })
    }
}

/// The limits and the shared state, on any adapter's builder.
fn configure<A: Adapter>(builder: SocketIoBuilder<A>, parts: &Parts) -> SocketIoBuilder<A> {
    let bytes = limits::MAX_PACKET_BYTES;
    builder
        .max_payload(bytes as u64)
        .ws_max_message_size(bytes)
        .ws_max_frame_size(bytes)
        .max_buffer_size(limits::MAX_QUEUED_PACKETS)
        .with_state(parts.roster.clone())
        .with_state(parts.announcer.clone())
}

impl Classroom {
    /// Starts serving on `listener`; reports go to `reports`.
    pub fn start(
        listener: tokio::net::TcpListener,
        client: ClientScript,
        origins: origin::Origins,
        reports: mpsc::UnboundedSender<ClassReport>,
    ) -> Result<Classroom, String> {
        let parts = Parts::new(&listener, Roster::new(reports))?;
        let (layer, io) = configure(SocketIo::builder(), &parts).build_layer();
        chat::register(&io);
        Ok(Classroom::serve(
            listener, client, origins, parts, layer, io,
        ))
    }
}

impl Classroom<redis::Adapter> {
    /// Starts one process of a class shared through the Redis `shared` is connected to: its
    /// broadcasts reach the other processes' students, and theirs reach this one's.
    pub async fn start_shared(
        listener: tokio::net::TcpListener,
        client: ClientScript,
        origins: origin::Origins,
        reports: mpsc::UnboundedSender<ClassReport>,
        class: shared::Shared,
    ) -> Result<Classroom<redis::Adapter>, String> {
        let adapter = redis::adapter(class.url(), shared::PREFIX)
            .await
            .map_err(|error| error.to_string())?;
        let (forwarded, mut inbox) = mpsc::unbounded_channel();
        class
            .listen(forwarded)
            .await
            .map_err(|error| error.to_string())?;
        let parts = Parts::new(&listener, Roster::shared(reports.clone(), class))?;
        let (layer, io) = configure(
            SocketIo::builder().with_adapter::<redis::Adapter>(adapter),
            &parts,
        )
        .build_layer();
        // Other processes' broadcasts reach this one only once the namespace has subscribed.
        chat::register_shared(&io)
            .await
            .map_err(|error| format!("cannot subscribe to the class's Redis channels: {error}"))?;
        // Deliveries other processes forward, reported for this process's own students.
        let roster = parts.roster.clone();
        tokio::spawn(async move {
            while let Some(forwarded) = inbox.recv().await {
                let record = delivery::forwarded(forwarded, &roster.members());
                if !record.received.is_empty() {
                    let _ = reports.send(ClassReport::Relayed(record));
                }
            }
        });
        Ok(Classroom::serve(
            listener, client, origins, parts, layer, io,
        ))
    }
}

impl<A: Adapter> Classroom<A> {
    fn serve(
        listener: tokio::net::TcpListener,
        client: ClientScript,
        origins: origin::Origins,
        parts: Parts,
        layer: socketioxide::layer::SocketIoLayer<A>,
        io: SocketIo<A>,
    ) -> Classroom<A> {
        let Parts {
            address,
            roster,
            announcing,
            ..
        } = parts;
        announcing.start(io.clone());
        let socket_io = axum::Router::new()
            .layer(layer)
            .layer(axum::middleware::from_fn_with_state(origins, origin::check));
        let app = page::router(client, socket_io);

        // The lab's scaffold: TCP_NODELAY on every connection (without it, about 40 ms on every
        // message; docs/stack-facts.md, 3) and the stop order that closes Socket.IO sessions.
        Classroom {
            address,
            io,
            roster,
            serving: scaffold::serve(listener, app),
        }
    }

    /// Closes every Socket.IO session, then stops axum (whose graceful shutdown alone would wait
    /// for open WebSockets forever).
    pub async fn stop(self) {
        // With --redis: this process's students leave the class's list of names.
        self.roster.release_all().await;
        self.io.close().await;
        // Relays still waiting for answers end now (their sockets are closed): report them.
        self.roster.settle().await;
        self.serving.stop_axum().await;
    }
}

/// Why `serve` could not run: the message, for the command line to print once.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServeError(String);

/// `sio-tutor serve`: runs until Ctrl-C (or SIGTERM).
pub async fn run(options: Options) -> Result<(), ServeError> {
    if options.bots > bots::MAX_BOTS {
        return Err(ServeError(format!(
            "at most {} bots (each is a real connection); you asked for {}",
            bots::MAX_BOTS,
            options.bots
        )));
    }
    // Each connection is a file descriptor; the usual soft limit of 1,024 would make the
    // thousandth student's connection fail.
    let _ = rlimit::increase_nofile_limit(65_536);
    let client = ClientScript::from_option(options.client_js.as_deref()).map_err(ServeError)?;
    let origins = origin::Origins::parse(&options.allow_origins).map_err(ServeError)?;
    let listener = listen::bind(&options.host, options.port)
        .await
        .map_err(ServeError)?;
    let (reports, inbox) = mpsc::unbounded_channel();
    let (finished, finish) = oneshot::channel();
    let printer = tokio::spawn(print(
        inbox,
        finish,
        ClassView::new(options.view, options.verbose),
    ));
    match &options.redis {
        None => {
            let classroom =
                Classroom::start(listener, client, origins, reports).map_err(ServeError)?;
            class(classroom, &options, finished, printer).await
        }
        Some(url) => {
            let shared = shared::SharedClass::connect(url)
                .await
                .map_err(|error| ServeError(error.to_string()))?;
            let classroom =
                Classroom::start_shared(listener, client, origins, reports, Arc::new(shared))
                    .await
                    .map_err(ServeError)?;
            class(classroom, &options, finished, printer).await
        }
    }
}

/// The class, from the first line printed to the goodbye, on either adapter.
async fn class<A: Adapter>(
    classroom: Classroom<A>,
    options: &Options,
    finished: oneshot::Sender<()>,
    printer: tokio::task::JoinHandle<()>,
) -> Result<(), ServeError> {
    announce(classroom.address, options.view);

    let bots = if options.bots > 0 {
        let url = format!("http://127.0.0.1:{}", classroom.address.port());
        let url = if classroom.address.ip().is_unspecified() {
            url
        } else {
            format!("http://{}", classroom.address)
        };
        match bots::start(&url, options.bots).await {
            Ok(bots) => bots,
            Err(message) => {
                classroom.stop().await;
                return Err(ServeError(message));
            }
        }
    } else {
        Vec::new()
    };

    interrupted().await;
    // Counted before anyone leaves: the people (and bots) who were here when Ctrl-C came.
    let connected = classroom.roster.len();
    let peak = classroom.roster.peak();
    let bot_count = bots.len();
    bots::stop(bots).await;
    classroom.stop().await;
    let _ = finished.send(());
    let _ = printer.await;
    goodbye(options.view, connected, bot_count, peak);
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Prints reports as they come, one task, so handlers never wait for the terminal. Stops when
/// `finish` fires, after printing what is already queued. (Waiting for the channel to close
/// would not do: socketioxide's tasks for closing connections may hold the roster, and with it
/// a sender, a while after the server has stopped.)
async fn print(
    mut inbox: mpsc::UnboundedReceiver<ClassReport>,
    mut finish: oneshot::Receiver<()>,
    mut view: ClassView,
) {
    let mut show = |report: &ClassReport| {
        let text = view.render(report);
        if text.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        // A closed stdout (the teacher piped into `head`) must not stop the class.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    };
    loop {
        tokio::select! {
            biased;
            report = inbox.recv() => match report {
                Some(report) => show(&report),
                None => return,
            },
            _ = &mut finish => {
                while let Ok(report) = inbox.try_recv() {
                    show(&report);
                }
                return;
            }
        }
    }
}

/// The first lines: where to go, and a warning when the whole network can come.
fn announce(address: SocketAddr, view: View) {
    let urls = listen::urls(address);
    let open = listen::is_open_to_network(address);
    let warning = "anyone on this network who can reach this address can join the chat and read it";
    let mut out = std::io::stdout().lock();
    let text = match view {
        View::Json => format!(
            "{}\n",
            json!({ "kind": "serving", "urls": urls, "open_to_network": open })
        ),
        View::Text => {
            let mut text = match urls.as_slice() {
                [url] => format!("sio-tutor serve: the chat is at {url}\n"),
                _ => format!(
                    "sio-tutor serve: the chat is at\n{}",
                    urls.iter()
                        .map(|url| format!("  {url}\n"))
                        .collect::<String>()
                ),
            };
            if open {
                text.push_str(&format!("warning: {warning}\n"));
            }
            text.push_str("press Ctrl-C to stop\n");
            text
        }
    };
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn goodbye(view: View, connected: usize, bots: usize, peak: usize) {
    let text = match view {
        View::Json => format!(
            "{}\n",
            json!({ "kind": "stopped", "connected": connected, "bots": bots, "peak": peak })
        ),
        View::Text => {
            let sockets = if connected == 1 {
                "socket was"
            } else {
                "sockets were"
            };
            let bots = if bots > 0 {
                format!(" ({bots} of them bots)")
            } else {
                String::new()
            };
            format!(
                "sio-tutor serve: stopped; {connected} {sockets} connected{bots}, {peak} at the busiest\n"
            )
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
