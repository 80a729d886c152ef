//! A Redis for Socket.IO: the one owner of "where is the Redis that servers share, and how does a
//! socketioxide server use it".
//!
//! Two ways to get one, both ending in a URL:
//!
//! - [`RedisServer::start`]: a private `redis-server` from PATH, on an ephemeral loopback port,
//!   with a temporary directory and no persistence, stopped when the value is dropped (the lab's
//!   scaling lesson, the tests);
//! - a URL the user gives (`--redis redis://host:port`), checked with [`check`].
//!
//! Then [`adapter`] builds the socketioxide-redis adapter state for a `SocketIo` builder:
//!
//! ```no_run
//! # async fn example() -> Result<(), sio_tutor::lab::redis::RedisError> {
//! use sio_tutor::lab::redis::{self, Adapter, RedisServer};
//! let redis = RedisServer::start()?; // or a URL given with --redis
//! let state = redis::adapter(redis.url(), "sio-tutor-class").await?;
//! let (_layer, _io) = socketioxide::SocketIo::builder()
//!     .with_adapter::<Adapter>(state)
//!     .build_layer();
//! # Ok(()) }
//! ```
//!
//! Every server that builds its adapter with the same URL and the same `prefix` shares one set
//! of pub/sub channels, so their broadcasts reach each other's sockets. A new namespace's
//! adapter subscribes to its channels asynchronously: `io.ns(...)` returns that subscription as a
//! future, and a server must await it before it counts on remote broadcasts (see
//! `docs/stack-facts.md`, "Redis").
//!
//! ## No orphan `redis-server`
//!
//! A private server must not outlive this process, however it ends. Dropping [`RedisServer`]
//! stops it (a panic unwinds through that drop), but a process killed by a signal runs no drop.
//! So `redis-server` is started under a small `sh` watchdog that reads its standard input from
//! a pipe this process holds: when this process ends, in any way, the kernel closes the pipe,
//! `read` returns, and the watchdog stops `redis-server`. The watchdog runs in its own process
//! group, so a Ctrl-C at the terminal (sent to the whole foreground group) does not stop Redis
//! under a lesson that catches Ctrl-C and goes on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use socketioxide_redis::drivers::redis::RedisDriver;
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};

/// The oldest Redis that socketioxide-redis works with: its drivers speak RESP3, which Redis
/// has from version 6, and its pub/sub counting (`PUBSUB NUMSUB`) with RESP3 push messages is
/// tested from 7 (Debian 12 ships 7.0).
pub const MIN_MAJOR_VERSION: u32 = 7;

/// How to install Redis, for the messages below.
pub const INSTALL_HINT: &str = "on Debian or Ubuntu: apt-get install redis-server";

/// How long a private `redis-server` may take to say it is ready. This bounds a failure only.
const START_LIMIT: Duration = Duration::from_secs(10);

/// How many ports to try when another process takes the one picked (it is free when picked,
/// but `redis-server` binds it a moment later).
const START_ATTEMPTS: usize = 5;

/// What went wrong with Redis. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error(
        "this needs a Redis server, and `redis-server` is not installed here (not found on PATH): \
         install it ({INSTALL_HINT}), or give the URL of a running Redis 7 with --redis URL"
    )]
    Missing,
    #[error(
        "{what} is Redis {found}, and socketioxide-redis needs Redis {MIN_MAJOR_VERSION} or \
         newer: install a newer one ({INSTALL_HINT} on Debian 12 or later), or give the URL of \
         one with --redis URL"
    )]
    TooOld { what: String, found: String },
    #[error("redis-server did not start: {0}")]
    Start(String),
    #[error("cannot use the Redis at {url}: {cause}")]
    Connect {
        url: String,
        #[source]
        cause: redis::RedisError,
    },
}

/// A private `redis-server`, listening on 127.0.0.1 on a port of its own, with no persistence.
/// It stops when this value is dropped, and when this process ends in any other way.
pub struct RedisServer {
    url: String,
    port: u16,
    /// The watchdog `sh`; it exits once `redis-server` has.
    watchdog: Child,
    /// The watchdog's standard input: closing it stops the server.
    lifeline: Option<ChildStdin>,
    /// Redis's working directory (it writes nothing there with persistence off, but a crash
    /// report or a `SAVE` from a client would land here rather than in the user's directory).
    _dir: tempfile::TempDir,
}

/// The watchdog: starts `redis-server` with the arguments given, then waits for its standard
/// input to close (this process ending, or [`RedisServer`]'s drop) and stops the server.
///
/// SIGTERM is the fallback for a process that died: Redis acts on it only at its next timer
/// tick (`serverCron`, ten times a second by default), up to 100 ms later. An orderly stop
/// ([`RedisServer::stop`]) asks first with `SHUTDOWN NOSAVE`, which Redis carries out at once.
/// (SIGKILL would be as fast, but a killed Redis closes its sockets in descriptor order, so a
/// client could see its connection close while the port still listened: a graceful shutdown
/// closes the listener first.) If the
/// server exits by itself first (a port taken), the watchdog exits too, so that the start sees
/// the end of the output. `redis-server`'s own standard input is /dev/null (a background job's
/// is), and SIGINT does not reach it from the terminal (its own process group, see the module
/// docs).
const WATCHDOG: &str = r#"
redis-server "$@" 3<&- &
server=$!
( read -r _ || true; kill -TERM "$server" 2>/dev/null ) <&3 3<&- >/dev/null &
watch=$!
exec 3<&-
wait "$server"
status=$?
kill "$watch" 2>/dev/null
exit "$status"
"#;

impl RedisServer {
    /// Starts a private `redis-server` from PATH and returns once it accepts connections.
    ///
    /// Fails with [`RedisError::Missing`] when there is none, [`RedisError::TooOld`] when it is
    /// older than Redis 7.
    ///
    /// The version is read from the server's own log (`Redis version=7.0.15, ...`), which the
    /// start reads anyway, rather than from a `redis-server --version` run first: that second
    /// process cost about 5 ms of CPU, a fifth of the scaling lesson's.
    pub fn start() -> Result<RedisServer, RedisError> {
        if !on_path("redis-server") {
            return Err(RedisError::Missing);
        }
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            match RedisServer::start_once()? {
                Ok(server) => return Ok(server),
                Err(why) => last = why,
            }
        }
        Err(RedisError::Start(last))
    }

    /// One attempt on one port: `Ok(Err(why))` when the port was taken in the meantime.
    fn start_once() -> Result<Result<RedisServer, String>, RedisError> {
        let dir = tempfile::Builder::new()
            .prefix("sio-tutor-redis-")
            .tempdir()
            .map_err(|e| RedisError::Start(format!("cannot make a temporary directory: {e}")))?;
        let port = free_port()?;
        // The system's shell by its path: the watchdog must not depend on what PATH holds.
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(format!("exec 3<&0; {WATCHDOG}"))
            .arg("redis-watchdog")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            // No persistence: no RDB snapshots, no append-only file.
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            // Logs to standard output, which the start reads for "Ready to accept connections".
            .args([
                "--logfile",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut watchdog = command
            .spawn()
            .map_err(|e| RedisError::Start(format!("cannot run sh: {e}")))?;
        let lifeline = watchdog.stdin.take();
        let stdout = watchdog.stdout.take();
        let mut server = RedisServer {
            url: format!("redis://127.0.0.1:{port}/?protocol=resp3"),
            port,
            watchdog,
            lifeline,
            _dir: dir,
        };
        let Some(stdout) = stdout else {
            return Err(RedisError::Start("no output from redis-server".into()));
        };
        let started = wait_until_ready(stdout);
        let too_old = started
            .version
            .as_deref()
            .and_then(|version| check_version("redis-server on PATH", version).err());
        match (started.outcome, too_old) {
            (_, Some(too_old)) => {
                server.stop();
                Err(too_old)
            }
            (Ok(()), None) => Ok(Ok(server)),
            (Err(why), None) => {
                server.stop();
                Ok(Err(why))
            }
        }
    }

    /// The URL to connect to, with RESP3 asked for (socketioxide-redis needs it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server and waits until it has exited. Dropping does the same.
    fn stop(&mut self) {
        // Asked over its own protocol, Redis shuts down at once (closing its listener first);
        // the signal the watchdog sends waits for Redis's next timer tick, up to 100 ms, which
        // was most of the scaling lesson's wall time. Reading until Redis closes the connection
        // waits for the shutdown itself; the timeout only bounds a Redis that does not answer.
        if let Ok(mut connection) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = connection.set_read_timeout(Some(Duration::from_secs(1)));
            if connection.write_all(b"SHUTDOWN NOSAVE\r\n").is_ok() {
                let _ = connection.read(&mut [0u8; 64]);
            }
        }
        // Closing the watchdog's input is the one way to stop it (see the module docs), so the
        // same path runs here as when this process dies.
        self.lifeline.take();
        let _ = self.watchdog.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the start read in `redis-server`'s log.
struct Started {
    /// Ready to accept connections, or why not (it exited, with its last lines; or it was
    /// silent too long).
    outcome: Result<(), String>,
    /// The version it announced (`Redis version=7.0.15, bits=64, ...`), if it got that far.
    version: Option<String>,
}

/// Reads `redis-server`'s log until it is ready or has exited, then leaves a thread draining
/// the rest, so that a full pipe never blocks the server.
fn wait_until_ready(stdout: impl Read + Send + 'static) -> Started {
    let (ready_tx, ready_rx) = mpsc::channel::<Started>();
    std::thread::spawn(move || {
        let mut told = false;
        let mut version = None;
        let mut tail: Vec<String> = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if told {
                continue;
            }
            if version.is_none()
                && let Some(rest) = line.split("Redis version=").nth(1)
            {
                version = rest.split([',', ' ']).next().map(String::from);
            }
            if line.contains("Ready to accept connections") {
                told = true;
                let _ = ready_tx.send(Started {
                    outcome: Ok(()),
                    version: version.clone(),
                });
                continue;
            }
            tail.push(line);
            if tail.len() > 5 {
                tail.remove(0);
            }
        }
        if !told {
            let _ = ready_tx.send(Started {
                outcome: Err(format!(
                    "it exited before it was ready; its last words: {}",
                    tail.join(" / ")
                )),
                version,
            });
        }
    });
    ready_rx.recv_timeout(START_LIMIT).unwrap_or(Started {
        outcome: Err("it did not say it was ready within 10 s".to_string()),
        version: None,
    })
}

/// Whether an executable file named `program` is in one of the folders of PATH.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
    })
}

/// A loopback port free right now (the kernel picks it).
fn free_port() -> Result<u16, RedisError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| RedisError::Start(format!("cannot find a free loopback port: {e}")))
}

/// Checks that `redis-server` is on PATH and recent enough.
pub fn check_installed() -> Result<(), RedisError> {
    let output = Command::new("redis-server")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|_| RedisError::Missing)?;
    // "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=..."
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text
        .split_whitespace()
        .find_map(|word| word.strip_prefix("v="))
        .unwrap_or("unknown")
        .to_string();
    check_version("redis-server on PATH", &version)
}

fn check_version(what: &str, version: &str) -> Result<(), RedisError> {
    let major = version
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_MAJOR_VERSION => Ok(()),
        _ => Err(RedisError::TooOld {
            what: what.to_string(),
            found: version.to_string(),
        }),
    }
}

/// A URL with RESP3 asked for, as socketioxide-redis's driver needs (it reads pub/sub messages
/// as RESP3 pushes on a shared connection): `redis://h:p` becomes `redis://h:p/?protocol=resp3`.
pub fn with_resp3(url: &str) -> String {
    if url.contains("protocol=") {
        return url.to_string();
    }
    let separator = if url.contains('?') {
        "&"
    } else if url.trim_start_matches("redis://").contains('/') {
        "?"
    } else {
        "/?"
    };
    format!("{url}{separator}protocol=resp3")
}

/// Checks that the Redis at `url` answers and is Redis 7 or newer.
pub async fn check(url: &str) -> Result<(), RedisError> {
    let url = with_resp3(url);
    let connect = |cause| RedisError::Connect {
        url: url.clone(),
        cause,
    };
    let client = redis::Client::open(url.as_str()).map_err(connect)?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .map_err(connect)?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut connection)
        .await
        .map_err(connect)?;
    let version = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    check_version(&format!("the server at {url}"), &version)
}

/// Something that wants to see every message the adapter publishes (the lab shows them to the
/// learner): the channel and the msgpack bytes.
pub type Tap = Arc<dyn Fn(&str, &[u8]) + Send + Sync>;

/// One request an adapter published, as the lab shows it: what it asks the other servers to do.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterRequest {
    /// `broadcast`, `disconnect`, `join`, ... (socketioxide-redis's request types).
    pub kind: &'static str,
    /// The namespace's channel it went to.
    pub namespace: String,
    /// For a broadcast: the event.
    pub event: Option<String>,
    /// The rooms it targets (none: every socket) and the rooms it leaves out, as the adapter
    /// names them (a socket's own room by its id).
    pub rooms: Vec<String>,
    pub except: Vec<String>,
}

/// Reads a request socketioxide-redis published (msgpack; see the crate's docs, "How does it
/// work?"). `None` for what is not a request (a response) or cannot be read.
pub fn read_request(bytes: &[u8]) -> Option<AdapterRequest> {
    use socketioxide_core::adapter::remote_packet::{RequestIn, RequestTypeIn};
    use socketioxide_core::packet::PacketData;
    let request: RequestIn = rmp_serde::from_slice(bytes).ok()?;
    let (kind, packet) = match &request.r#type {
        RequestTypeIn::Broadcast(packet) => ("broadcast", Some(packet)),
        RequestTypeIn::BroadcastWithAck(packet) => ("broadcast with acks", Some(packet)),
        RequestTypeIn::DisconnectSockets => ("disconnect", None),
        RequestTypeIn::AllRooms => ("list the rooms", None),
        RequestTypeIn::AddSockets(_) => ("join", None),
        RequestTypeIn::DelSockets(_) => ("leave", None),
        RequestTypeIn::FetchSockets => ("list the sockets", None),
        _ => ("request", None),
    };
    let event = packet.and_then(|packet| match &packet.inner {
        PacketData::Event(value, _) | PacketData::BinaryEvent(value, _) => value
            .as_str()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text.as_str()).ok())
            .and_then(|array| array.get(0).and_then(|e| e.as_str()).map(String::from)),
        _ => None,
    });
    let namespace = packet.map(|p| p.ns.to_string()).unwrap_or_default();
    let (rooms, except) = request
        .opts
        .map(|opts| {
            (
                opts.rooms.iter().map(|r| r.to_string()).collect(),
                opts.except.iter().map(|r| r.to_string()).collect(),
            )
        })
        .unwrap_or_default();
    Some(AdapterRequest {
        kind,
        namespace,
        event,
        rooms,
        except,
    })
}

/// socketioxide-redis's driver for the `redis` crate, with an optional [`Tap`] on what it
/// publishes. One driver type for every user, so that one adapter type ([`Adapter`]) serves
/// the lab and the classroom alike.
#[derive(Clone)]
pub struct TapDriver {
    inner: RedisDriver,
    tap: Option<Tap>,
}

impl Driver for TapDriver {
    type Error = <RedisDriver as Driver>::Error;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        if let Some(tap) = &self.tap {
            tap(&chan, &val);
        }
        self.inner.publish(chan, val).await
    }

    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        self.inner.subscribe(chan, size).await
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        self.inner.unsubscribe(chan).await
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        self.inner.num_serv(chan).await
    }
}

/// The Redis adapter type to give `SocketIo::builder().with_adapter::<Adapter>(...)`.
pub type Adapter = CustomRedisAdapter<socketioxide::adapter::Emitter, TapDriver>;

/// The state [`adapter`] builds: what `with_adapter::<Adapter>` takes.
pub type AdapterState = RedisAdapterCtr<TapDriver>;

/// The adapter state for a `SocketIo` builder, connected to the Redis at `url`. Servers that
/// share `prefix` (and the Redis) share their broadcasts; a different prefix keeps two groups
/// of servers apart on one Redis (the lab uses one per lab).
pub async fn adapter(url: &str, prefix: &str) -> Result<AdapterState, RedisError> {
    adapter_with_tap(url, prefix, None).await
}

/// [`adapter`], with a [`Tap`] that sees every message this server publishes.
pub async fn adapter_with_tap(
    url: &str,
    prefix: &str,
    tap: Option<Tap>,
) -> Result<AdapterState, RedisError> {
    let url = with_resp3(url);
    let connect = |cause| RedisError::Connect {
        url: url.clone(),
        cause,
    };
    let client = redis::Client::open(url.as_str()).map_err(connect)?;
    let inner = RedisDriver::new(&client).await.map_err(connect)?;
    let config = RedisAdapterConfig::new().with_prefix(prefix.to_string());
    Ok(RedisAdapterCtr::new_with_driver(
        TapDriver { inner, tap },
        config,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp3_is_asked_for_once() {
        assert_eq!(
            with_resp3("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379/?protocol=resp3"
        );
        assert_eq!(
            with_resp3("redis://127.0.0.1:6379/2"),
            "redis://127.0.0.1:6379/2?protocol=resp3"
        );
        assert_eq!(
            with_resp3("redis://h:1/?db=1"),
            "redis://h:1/?db=1&protocol=resp3"
        );
        assert_eq!(
            with_resp3("redis://h:1/?protocol=resp3"),
            "redis://h:1/?protocol=resp3"
        );
    }

    #[test]
    fn versions_before_7_are_refused() {
        assert!(check_version("x", "7.0.15").is_ok());
        assert!(check_version("x", "8.2.1").is_ok());
        let error = check_version("redis-server on PATH", "6.2.14").unwrap_err();
        assert!(error.to_string().contains("Redis 6.2.14"), "{error}");
        assert!(check_version("x", "unknown").is_err());
    }
}
