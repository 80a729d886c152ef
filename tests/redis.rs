//! The private Redis of `sio_tutor::lab::redis`: it starts, it answers, and it never outlives
//! its owner (drop, panic, SIGKILL); a missing or old `redis-server` gets a clear error; the
//! adapter built on it subscribes and publishes on the real server.
//!
//! Some tests run this test binary again as a child process (`child_process`, steered by the
//! `SIO_REDIS_CHILD` variable), because what they check is what happens to a process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "common/redis.rs"]
mod redis_here;

use sio_tutor::lab::redis::{self, Adapter, RedisError, RedisServer};

const CHILD: &str = "SIO_REDIS_CHILD";

/// Sends PING over a plain TCP connection and reads the answer.
fn ping(port: u16) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"PING\r\n")?;
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

fn gone(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn a_private_server_answers_and_stops_when_dropped() {
    if !redis_here::available("a_private_server_answers_and_stops_when_dropped") {
        return;
    }
    let server = RedisServer::start().expect("redis-server starts");
    assert!(
        server.url().ends_with("?protocol=resp3"),
        "{}",
        server.url()
    );
    let port = server.port();
    assert_eq!(ping(port).expect("it answers"), "+PONG\r\n");
    drop(server);
    assert!(gone(port), "redis-server still listens after the drop");
}

#[test]
fn a_panic_stops_the_server() {
    if !redis_here::available("a_panic_stops_the_server") {
        return;
    }
    let port = Arc::new(Mutex::new(0u16));
    let seen = port.clone();
    let outcome = std::panic::catch_unwind(move || {
        let server = RedisServer::start().expect("redis-server starts");
        *seen.lock().unwrap() = server.port();
        panic!("on purpose, with the server alive");
    });
    assert!(outcome.is_err());
    let port = *port.lock().unwrap();
    assert_ne!(port, 0);
    assert!(gone(port), "redis-server survived the panic");
}

/// The owner is killed with SIGKILL (no drop runs): the watchdog still stops redis-server.
#[test]
fn a_killed_owner_leaves_no_redis_server_behind() {
    if !redis_here::available("a_killed_owner_leaves_no_redis_server_behind") {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "hold")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the test binary runs again");
    let stdout = child.stdout.take().unwrap();
    let port: u16 = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest writes `test child_process ... ` on the same line first.
        .find_map(|line| {
            line.split("redis-port=")
                .nth(1)
                .map(|p| p.trim().parse().unwrap())
        })
        .expect("the child prints its Redis port");
    // A connection of our own: redis-server closes it when it exits, which we wait for below
    // without polling.
    let mut watcher = TcpStream::connect(("127.0.0.1", port)).expect("redis answers");
    watcher
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let mut byte = [0u8; 1];
    match watcher.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("redis-server outlived its owner (read: {other:?})"),
    }
    assert!(
        gone(port),
        "redis-server still listens after its owner died"
    );
}

fn run_child(mode: &str, path: &std::path::Path) -> (bool, String) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, mode)
        .env("PATH", path)
        .output()
        .expect("the test binary runs again");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn no_redis_server_on_path_says_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    let (ok, out) = run_child("missing", empty.path());
    assert!(ok, "{out}");
    assert!(out.contains("apt-get install redis-server"), "{out}");
}

#[test]
fn an_old_redis_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("redis-server");
    std::fs::write(
        &fake,
        // As Redis 6.2 answers `--version`, and as it starts (the lab reads the version from
        // the server's own log, then refuses it).
        "#!/bin/sh\n\
         if [ \"$1\" = --version ]; then\n\
         echo 'Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64'; exit 0\n\
         fi\n\
         echo '1:C 05 Dec 2026 17:23:51.663 # Redis version=6.2.14, bits=64, commit=00000000, modified=0, pid=1, just started'\n\
         echo '1:M 05 Dec 2026 17:23:51.664 * Ready to accept connections'\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake, permissions).unwrap();
    let (ok, out) = run_child("too-old", dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("Redis 6.2.14"), "{out}");
}

/// Not a test of its own: the child process of the tests above (it does nothing unless
/// `SIO_REDIS_CHILD` is set).
#[test]
fn child_process() {
    match std::env::var(CHILD).as_deref() {
        Ok("hold") => {
            let server = RedisServer::start().expect("redis-server starts");
            println!("redis-port={}", server.port());
            // Hold the server until killed: stdin never closes (the parent keeps it open).
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
        Ok("missing") => match RedisServer::start() {
            Err(error @ RedisError::Missing) => println!("{error}"),
            Err(other) => panic!("expected Missing, got {other}"),
            Ok(_) => panic!("expected Missing, got a server"),
        },
        Ok("too-old") => match RedisServer::start() {
            Err(error @ RedisError::TooOld { .. }) => println!("{error}"),
            Err(other) => panic!("expected TooOld, got {other}"),
            Ok(_) => panic!("expected TooOld, got a server"),
        },
        _ => {}
    }
}

/// The adapter subscribes on the real server (the namespace's init future resolves) and what
/// it publishes for a broadcast goes through the tap.
#[tokio::test]
async fn the_adapter_subscribes_and_publishes_through_redis() {
    if !redis_here::available("the_adapter_subscribes_and_publishes_through_redis") {
        return;
    }
    let server = RedisServer::start().expect("redis-server starts");
    redis::check(server.url()).await.expect("Redis 7 answers");
    let published: Arc<Mutex<Vec<String>>> = Arc::default();
    let requests: Arc<Mutex<Vec<redis::AdapterRequest>>> = Arc::default();
    let (seen, read) = (published.clone(), requests.clone());
    let state = redis::adapter_with_tap(
        server.url(),
        "sio-tutor-test",
        Some(Arc::new(move |channel: &str, bytes: &[u8]| {
            seen.lock().unwrap().push(channel.to_string());
            read.lock().unwrap().extend(redis::read_request(bytes));
        })),
    )
    .await
    .expect("the adapter connects");
    let (_layer, io) = socketioxide::SocketIo::builder()
        .with_adapter::<Adapter>(state)
        .build_layer();
    io.ns("/", async || {})
        .await
        .expect("the namespace subscribes");
    io.emit("news", &"hello")
        .await
        .expect("the broadcast is published");
    assert_eq!(
        *published.lock().unwrap(),
        vec!["sio-tutor-test-request#/#".to_string()]
    );
    io.to("room1")
        .except("room2")
        .emit("more", &1)
        .await
        .expect("published");
    let requests = requests.lock().unwrap();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].kind, "broadcast");
    assert_eq!(requests[0].event.as_deref(), Some("news"));
    assert!(requests[0].rooms.is_empty() && requests[0].except.is_empty());
    assert_eq!(requests[1].event.as_deref(), Some("more"));
    assert_eq!(requests[1].rooms, ["room1"]);
    assert_eq!(requests[1].except, ["room2"]);
}

#[tokio::test]
async fn a_url_with_nothing_behind_it_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let error = redis::check(&url).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot use the Redis at redis://127.0.0.1:"),
        "{error}"
    );
}
