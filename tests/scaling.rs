//! Two servers, A and B: sharing the Redis adapter over a real `redis-server` (started by the
//! lab on an ephemeral port), and not sharing anything. Each statement is run on the live lab
//! and compared with the lab's preview of it (the one selection, asked of both servers), and
//! the Redis case runs many times over, so that the fence's proof across the adapter is
//! exercised (a fence that does not travel behind the statement through Redis loses B's
//! deliveries: seen by emitting it from each server instead of from the origin).
//!
//! Run: `cargo test --test scaling` (needs `redis-server` 7 on PATH).
//!
//! The scaling lesson, byte for byte, many times (each run a fresh lab: two servers and a
//! private `redis-server`): `SIO_SCALING_RUNS=1000 cargo test --release --test scaling
//! the_scaling_lesson -- --nocapture` for the 1,000 runs of issue 16; `cargo test` (and CI) runs
//! 20.

#[path = "common/redis.rs"]
mod redis_here;

use sio_tutor::lab::report::{Delivery, Report};
use sio_tutor::lab::{Lab, LabOptions, Preview, Scale};
use sio_tutor::script::{Command, parse_command};

fn command(line: &str) -> Command {
    parse_command(line)
        .unwrap_or_else(|e| panic!("`{line}`: {e}"))
        .unwrap_or_else(|| panic!("`{line}` is blank"))
}

async fn lab(scale: Scale) -> Lab {
    let mut lab = Lab::start_scaled(LabOptions::default(), &scale)
        .await
        .expect("the lab starts");
    for line in ["connect alice bob", "connect carol dave on B"] {
        lab.execute(&command(line)).await.expect("they connect");
    }
    lab
}

/// The first delivery among `reports`; `what` names the line that should have made one.
fn first_delivery<'a>(reports: &'a [Report], what: &str) -> &'a Delivery {
    reports
        .iter()
        .find_map(|r| match r {
            Report::Delivery(d) => Some(d),
            _ => None,
        })
        .unwrap_or_else(|| panic!("`{what}` delivered nothing: {reports:?}"))
}

/// Runs `line` (as `as_socket`), checks the preview said the same, returns who received it.
async fn received(lab: &mut Lab, line: &str) -> Vec<String> {
    let Command::Run {
        as_socket,
        statement,
    } = command(line)
    else {
        panic!("`{line}` is not a statement");
    };
    let preview = lab
        .preview(as_socket.as_deref(), &statement)
        .expect("the preview");
    let reports = lab.execute(&command(line)).await.expect("it runs");
    let delivery = first_delivery(&reports, line);
    if let Preview::Emit(preview) = preview {
        assert_eq!(
            preview.receive, delivery.received,
            "preview and run of `{line}`"
        );
    }
    delivery.received.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_a_broadcast_reaches_both_servers() {
    if !redis_here::available("with_redis_a_broadcast_reaches_both_servers") {
        return;
    }
    let mut lab = lab(Scale::TwoWithRedis { url: None }).await;
    assert_eq!(lab.server_names(), ["A", "B"]);
    lab.execute(&command("carol: socket.join('room1')"))
        .await
        .unwrap();
    lab.execute(&command("on 'chat message': io.emit('chat message', msg)"))
        .await
        .unwrap();
    let cases: [(&str, &[&str]); 6] = [
        ("io.emit('x', 1)", &["alice", "bob", "carol", "dave"]),
        ("io.local.emit('x', 2)", &["alice", "bob"]),
        ("io.to('room1').emit('x', 3)", &["carol"]),
        (
            "alice: socket.broadcast.emit('x', 4)",
            &["bob", "carol", "dave"],
        ),
        (
            "carol: socket.broadcast.emit('x', 5)",
            &["alice", "bob", "dave"],
        ),
        ("io.to(dave.id).emit('x', 6)", &["dave"]),
    ];
    // Many rounds: each must be exact, every time (the fence across Redis).
    for round in 0..50 {
        for (line, expected) in cases {
            assert_eq!(
                received(&mut lab, line).await,
                expected,
                "round {round}: `{line}`"
            );
        }
        let reports = lab
            .execute(&command("dave.emit('chat message', 'hi')"))
            .await
            .unwrap();
        let delivery = first_delivery(&reports, "dave.emit('chat message', 'hi')");
        assert_eq!(delivery.received, ["alice", "bob", "carol", "dave"]);
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_adapter_each_server_knows_only_its_own_sockets() {
    let mut lab = lab(Scale::TwoAlone).await;
    lab.execute(&command("carol: socket.join('room1')"))
        .await
        .unwrap();
    let cases: [(&str, &[&str]); 4] = [
        ("io.emit('x', 1)", &["alice", "bob"]),
        ("io.to('room1').emit('x', 2)", &[]),
        ("carol: socket.broadcast.emit('x', 3)", &["dave"]),
        ("carol: socket.to('room1').emit('x', 4)", &[]),
    ];
    for (line, expected) in cases {
        assert_eq!(received(&mut lab, line).await, expected, "`{line}`");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn a_server_the_lab_does_not_have_is_refused() {
    let mut lab = Lab::start(LabOptions::default()).await.unwrap();
    let error = lab
        .execute(&command("connect alice on B"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "this lab has one server: leave out `on B`"
    );
    lab.shutdown().await;
}

/// The scaling lesson's demo gives the same bytes on every run, over a real Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scaling_lesson_gives_the_same_bytes_every_run() {
    if !redis_here::available("the_scaling_lesson_gives_the_same_bytes_every_run") {
        return;
    }
    use sio_tutor::lesson::{Source, load_all};
    use sio_tutor::render::View;
    colored::control::set_override(false);
    let runs: usize = std::env::var("SIO_SCALING_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let lessons = load_all(Source::BuiltIn).expect("the lessons load");
    let lesson = lessons
        .iter()
        .find(|l| l.id == "scaling-out")
        .expect("the scaling lesson");
    let mut first: Option<String> = None;
    let started = std::time::Instant::now();
    for run in 1..=runs {
        let mut out = Vec::new();
        sio_tutor::demo::run(lesson, View::Text, &mut out)
            .await
            .expect("the lesson runs");
        let out = String::from_utf8(out).expect("UTF-8");
        match &first {
            None => {
                assert!(
                    out.contains("carol and dave, on B, received it too"),
                    "{out}"
                );
                first = Some(out);
            }
            Some(first) => assert_eq!(first, &out, "run {run} differs from run 1"),
        }
    }
    println!(
        "the scaling lesson: {runs} runs, byte-identical, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The lab reports what each command's adapter published: one broadcast request for an emit
/// that reaches the other server, named rooms, the sender's own room by name; none for
/// `io.local`, and none of the lab's own fences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_shows_what_goes_through_redis() {
    if !redis_here::available("the_lab_shows_what_goes_through_redis") {
        return;
    }
    use sio_tutor::lab::report::AdapterMessage;
    let mut lab = lab(Scale::TwoWithRedis { url: None }).await;
    let mut adapter = async |line: &str| -> Vec<AdapterMessage> {
        let reports = lab.execute(&command(line)).await.expect("it runs");
        reports
            .into_iter()
            .filter_map(|r| match r {
                Report::Adapter(m) => Some(m),
                _ => None,
            })
            .collect()
    };
    let sent = adapter("alice: socket.broadcast.emit('typing', true)").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].server.as_str(), sent[0].request.as_str()),
        ("A", "broadcast")
    );
    assert_eq!(sent[0].event.as_deref(), Some("typing"));
    assert!(sent[0].rooms.is_empty());
    assert_eq!(sent[0].except, ["alice's own room"]);
    let sent = adapter("carol: socket.to('support').emit('x')").await;
    assert_eq!(sent[0].server, "B");
    assert_eq!(sent[0].rooms, ["support"]);
    assert!(adapter("io.local.emit('x')").await.is_empty());
    lab.shutdown().await;
}

/// `demo --redis URL` runs the lesson on a Redis that is already running, with the same bytes
/// as on the private one the lab starts itself.
#[test]
fn demo_uses_a_given_redis_with_the_same_bytes() {
    if !redis_here::available("demo_uses_a_given_redis_with_the_same_bytes") {
        return;
    }
    let redis = sio_tutor::lab::redis::RedisServer::start().expect("a Redis to point at");
    let demo = |extra: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
            .args(["demo", "scaling-out"])
            .args(extra)
            .output()
            .expect("sio-tutor runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let url = format!("redis://127.0.0.1:{}", redis.port());
    let given = demo(&["--redis", &url]);
    assert!(given.contains("adapter: A → Redis"), "{given}");
    assert_eq!(given, demo(&[]));
}

/// A socket on B leaves, and its `disconnect` handler emits from B: the fence must go out from
/// B, behind that emit, or A's sockets may be proven not to have it before it comes through
/// Redis (seen with the fence sent from A: alice and bob missing in most rounds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_departure_handler_on_b_is_proven_on_a() {
    if !redis_here::available("a_departure_handler_on_b_is_proven_on_a") {
        return;
    }
    let mut lab = lab(Scale::TwoWithRedis { url: None }).await;
    lab.execute(&command("on 'disconnect': io.emit('gone', reason)"))
        .await
        .unwrap();
    for round in 0..30 {
        let name = format!("guest{round}");
        lab.execute(&command(&format!("connect {name} on B")))
            .await
            .unwrap();
        let reports = lab
            .execute(&command(&format!("disconnect {name}")))
            .await
            .unwrap();
        let delivery = first_delivery(&reports, &format!("round {round}: disconnect {name}"));
        assert_eq!(
            delivery.received,
            ["alice", "bob", "carol", "dave"],
            "round {round}"
        );
    }
    lab.shutdown().await;
}
