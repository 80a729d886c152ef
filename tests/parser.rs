//! The statement language on paper: every form parses to the right tree, and every likely
//! mistake gets the right column and hint. The last tests drive the real binary
//! (`sio-tutor play`) the way the README shows it.
//!
//! Run: `cargo test --test parser`.

mod common;

use std::process::Output;

use common::play;

use serde_json::{Value, json};
use sio_tutor::script::{
    Arg, AuthCheck, Command, DataValue, Decision, Emit, LogPart, Origin, ParseError, RoomRef,
    Statement, StatementKind, Target, parse_command, parse_statement,
};

// ---- building expected trees ------------------------------------------------------------------

fn room(name: &str) -> RoomRef {
    RoomRef::Named(name.to_string())
}

fn rooms(names: &[&str]) -> Vec<RoomRef> {
    names.iter().map(|n| room(n)).collect()
}

fn values(args: &[Value]) -> Vec<Arg> {
    args.iter().cloned().map(Arg::Value).collect()
}

fn io(namespace: &str) -> Origin {
    Origin::Io {
        namespace: namespace.to_string(),
    }
}

fn emit(origin: Origin, chain: Vec<Target>, event: &str, args: Vec<Arg>) -> StatementKind {
    StatementKind::Emit(Emit {
        origin,
        chain,
        event: event.to_string(),
        args,
    })
}

/// `as_socket: source`, or `source` alone at server level.
fn run(as_socket: Option<&str>, source: &str, kind: StatementKind) -> Command {
    Command::Run {
        as_socket: as_socket.map(String::from),
        statement: Statement {
            source: source.to_string(),
            kind,
        },
    }
}

fn parse(line: &str) -> Command {
    match parse_command(line) {
        Ok(Some(command)) => command,
        Ok(None) => panic!("`{line}` parsed as a blank line"),
        Err(error) => panic!("`{line}` does not parse:\n{}", error.draw(line, "    ")),
    }
}

fn parse_error(line: &str) -> ParseError {
    match parse_command(line) {
        Ok(command) => panic!("`{line}` should not parse, but gave {command:?}"),
        Err(error) => error,
    }
}

// ---- every form --------------------------------------------------------------------------------

#[test]
fn every_statement_form_parses_to_its_tree() {
    use Origin::Socket;
    use Target::{Broadcast, Except, In, To};
    let a = Some("alice");
    let cases: Vec<(&str, Command)> = vec![
        (
            "io.local.to('r').emit('x')",
            run(
                None,
                "io.local.to('r').emit('x')",
                emit(
                    io("/"),
                    vec![Target::Local, Target::To(rooms(&["r"]))],
                    "x",
                    vec![],
                ),
            ),
        ),
        (
            "alice: socket.emit('hi')",
            run(a, "socket.emit('hi')", emit(Socket, vec![], "hi", vec![])),
        ),
        (
            "alice: socket.broadcast.emit('hi', 1)",
            run(
                a,
                "socket.broadcast.emit('hi', 1)",
                emit(Socket, vec![Broadcast], "hi", values(&[json!(1)])),
            ),
        ),
        (
            "alice: socket.to('room1').emit('hi')",
            run(
                a,
                "socket.to('room1').emit('hi')",
                emit(Socket, vec![To(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "alice: socket.to(['room1', \"room2\"]).emit('hi')",
            run(
                a,
                "socket.to(['room1', \"room2\"]).emit('hi')",
                emit(Socket, vec![To(rooms(&["room1", "room2"]))], "hi", vec![]),
            ),
        ),
        (
            "alice: socket.broadcast.to('room1').emit('hi')",
            run(
                a,
                "socket.broadcast.to('room1').emit('hi')",
                emit(Socket, vec![Broadcast, To(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "alice: socket.in('room1').emit('hi')",
            run(
                a,
                "socket.in('room1').emit('hi')",
                emit(Socket, vec![In(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "alice: socket.except('room1').to('room2').except(['r3', 'r4']).emit('hi')",
            run(
                a,
                "socket.except('room1').to('room2').except(['r3', 'r4']).emit('hi')",
                emit(
                    Socket,
                    vec![
                        Except(rooms(&["room1"])),
                        To(rooms(&["room2"])),
                        Except(rooms(&["r3", "r4"])),
                    ],
                    "hi",
                    vec![],
                ),
            ),
        ),
        (
            "io.emit('hi')",
            run(None, "io.emit('hi')", emit(io("/"), vec![], "hi", vec![])),
        ),
        (
            "io.to('room1').emit('hi')",
            run(
                None,
                "io.to('room1').emit('hi')",
                emit(io("/"), vec![To(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "io.in('room1').emit('hi')",
            run(
                None,
                "io.in('room1').emit('hi')",
                emit(io("/"), vec![In(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "io.except('room1').emit('hi')",
            run(
                None,
                "io.except('room1').emit('hi')",
                emit(io("/"), vec![Except(rooms(&["room1"]))], "hi", vec![]),
            ),
        ),
        (
            "io.to(\"room1\").to([\"room2\", \"room3\"]).except(\"room4\").emit(\"hello\")",
            run(
                None,
                "io.to(\"room1\").to([\"room2\", \"room3\"]).except(\"room4\").emit(\"hello\")",
                emit(
                    io("/"),
                    vec![
                        To(rooms(&["room1"])),
                        To(rooms(&["room2", "room3"])),
                        Except(rooms(&["room4"])),
                    ],
                    "hello",
                    vec![],
                ),
            ),
        ),
        (
            "io.of('/tenant-a').emit('hi')",
            run(
                None,
                "io.of('/tenant-a').emit('hi')",
                emit(io("/tenant-a"), vec![], "hi", vec![]),
            ),
        ),
        (
            "io.of('/tenant-a').in('r').except('s').emit('hi')",
            run(
                None,
                "io.of('/tenant-a').in('r').except('s').emit('hi')",
                emit(
                    io("/tenant-a"),
                    vec![In(rooms(&["r"])), Except(rooms(&["s"]))],
                    "hi",
                    vec![],
                ),
            ),
        ),
        (
            "io.to(bob.id).emit('psst')",
            run(
                None,
                "io.to(bob.id).emit('psst')",
                emit(
                    io("/"),
                    vec![To(vec![RoomRef::SocketId("bob".into())])],
                    "psst",
                    vec![],
                ),
            ),
        ),
        (
            "io.of('/tenant-a').to([bob.id, 'room1']).emit('psst')",
            run(
                None,
                "io.of('/tenant-a').to([bob.id, 'room1']).emit('psst')",
                emit(
                    io("/tenant-a"),
                    vec![To(vec![RoomRef::SocketId("bob".into()), room("room1")])],
                    "psst",
                    vec![],
                ),
            ),
        ),
        (
            "alice: io.to(socket.id).emit('me')",
            run(
                a,
                "io.to(socket.id).emit('me')",
                emit(io("/"), vec![To(vec![RoomRef::OwnId])], "me", vec![]),
            ),
        ),
        (
            "alice: socket.join('room1')",
            run(
                a,
                "socket.join('room1')",
                StatementKind::Join(rooms(&["room1"])),
            ),
        ),
        (
            "alice: socket.join(['room1', 'room2'])",
            run(
                a,
                "socket.join(['room1', 'room2'])",
                StatementKind::Join(rooms(&["room1", "room2"])),
            ),
        ),
        (
            "alice: socket.leave('room1')",
            run(
                a,
                "socket.leave('room1')",
                StatementKind::Leave(rooms(&["room1"])),
            ),
        ),
        (
            "alice: socket.disconnect()",
            run(a, "socket.disconnect()", StatementKind::Disconnect),
        ),
        // Spaces and a trailing semicolon are what a JavaScript hand types.
        (
            "  bob:   socket.emit( 'hi' , 1 );  ",
            run(
                Some("bob"),
                "socket.emit( 'hi' , 1 )",
                emit(Socket, vec![], "hi", values(&[json!(1)])),
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (line, expected) in &cases {
        let actual = parse(line);
        if actual != *expected {
            failures.push(format!(
                "`{line}`\n    expected {expected:?}\n    actual   {actual:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

#[test]
fn every_argument_type_parses_to_its_json_value() {
    let cases: Vec<(&str, Vec<Value>)> = vec![
        ("io.emit('e')", vec![]),
        ("io.emit('e', 'single')", vec![json!("single")]),
        ("io.emit('e', \"double\")", vec![json!("double")]),
        (
            r#"io.emit('e', 'it\'s', "say \"hi\"", 'tab\there', '')"#,
            vec![
                json!("it's"),
                json!("say \"hi\""),
                json!("tab\there"),
                json!(""),
            ],
        ),
        (
            "io.emit('e', 0, 42, -7, 1.5, -0.25)",
            vec![json!(0), json!(42), json!(-7), json!(1.5), json!(-0.25)],
        ),
        (
            "io.emit('e', true, false, null)",
            vec![json!(true), json!(false), Value::Null],
        ),
        (
            "io.emit('e', [], [1, 'two', [null]])",
            vec![json!([]), json!([1, "two", [null]])],
        ),
        (
            "io.emit('e', {}, {text: 'hi', \"quoted key\": 1, nested: {list: [true]}})",
            vec![
                json!({}),
                json!({"text": "hi", "quoted key": 1, "nested": {"list": [true]}}),
            ],
        ),
        (
            "io.emit('e', 'a', 2, true, null, [3], {k: 'v'})",
            vec![
                json!("a"),
                json!(2),
                json!(true),
                Value::Null,
                json!([3]),
                json!({"k": "v"}),
            ],
        ),
    ];
    for (line, expected) in cases {
        let Command::Run { statement, .. } = parse(line) else {
            panic!("`{line}` is not a statement");
        };
        let StatementKind::Emit(emit) = statement.kind else {
            panic!("`{line}` is not an emit");
        };
        assert_eq!(emit.args, values(&expected), "the arguments of `{line}`");
    }
    // Object keys keep the order they were written in (what JSON.stringify does in Node).
    let Command::Run { statement, .. } = parse("io.emit('e', {z: 1, a: 2, m: 3})") else {
        unreachable!()
    };
    let StatementKind::Emit(emit) = statement.kind else {
        unreachable!()
    };
    let Arg::Value(object) = &emit.args[0] else {
        panic!("not a value: {:?}", emit.args[0])
    };
    assert_eq!(object.to_string(), r#"{"z":1,"a":2,"m":3}"#);
}

#[test]
fn playground_commands_parse_to_their_trees() {
    let handler = |source: &str, kind| Statement {
        source: source.to_string(),
        kind,
    };
    let cases: Vec<(&str, Option<Command>)> = vec![
        ("", None),
        ("   # only a comment", None),
        ("// also a comment", None),
        (
            "connect alice bob carol",
            Some(Command::Connect {
                names: vec!["alice".into(), "bob".into(), "carol".into()],
                namespace: "/".into(),
                auth: None,
                server: None,
            }),
        ),
        (
            "connect dave to /tenant-a",
            Some(Command::Connect {
                names: vec!["dave".into()],
                namespace: "/tenant-a".into(),
                auth: None,
                server: None,
            }),
        ),
        (
            "connect carol dave on B",
            Some(Command::Connect {
                names: vec!["carol".into(), "dave".into()],
                namespace: "/".into(),
                auth: None,
                server: Some("B".into()),
            }),
        ),
        (
            "connect erin on B to /tenant-a",
            Some(Command::Connect {
                names: vec!["erin".into()],
                namespace: "/tenant-a".into(),
                auth: None,
                server: Some("B".into()),
            }),
        ),
        (
            "on 'chat message': io.emit('chat message', msg)",
            Some(Command::On {
                namespace: "/".into(),
                event: "chat message".into(),
                handler: handler(
                    "io.emit('chat message', msg)",
                    emit(io("/"), vec![], "chat message", vec![Arg::Msg]),
                ),
            }),
        ),
        (
            "on /tenant-a 'typing': socket.broadcast.emit('typing', msg, 'x')",
            Some(Command::On {
                namespace: "/tenant-a".into(),
                event: "typing".into(),
                handler: handler(
                    "socket.broadcast.emit('typing', msg, 'x')",
                    emit(
                        Origin::Socket,
                        vec![Target::Broadcast],
                        "typing",
                        vec![Arg::Msg, Arg::Value(json!("x"))],
                    ),
                ),
            }),
        ),
        (
            "alice.emit('chat message', 'hi', {n: 1})",
            Some(Command::ClientEmit {
                name: "alice".into(),
                event: "chat message".into(),
                args: vec![json!("hi"), json!({"n": 1})],
                source: "alice.emit('chat message', 'hi', {n: 1})".into(),
            }),
        ),
        (
            "alice.emitWithAck('ask', 'hi')",
            Some(Command::ClientEmitWithAck {
                name: "alice".into(),
                event: "ask".into(),
                args: vec![json!("hi")],
                source: "alice.emitWithAck('ask', 'hi')".into(),
            }),
        ),
        (
            "bob.on('ready', (q, callback) => callback({ok: true}))",
            Some(Command::ClientOn {
                name: "bob".into(),
                event: "ready".into(),
                arity: 2,
                answer: json!({"ok": true}),
                source: "bob.on('ready', (q, callback) => callback({ok: true}))".into(),
            }),
        ),
        (
            "on 'ask': callback(msg)",
            Some(Command::On {
                namespace: "/".into(),
                event: "ask".into(),
                handler: handler("callback(msg)", StatementKind::Callback(Arg::Msg)),
            }),
        ),
        (
            "io.to('r').timeout(250).emitWithAck('ready', 1)",
            Some(Command::Run {
                as_socket: None,
                statement: handler(
                    "io.to('r').timeout(250).emitWithAck('ready', 1)",
                    StatementKind::EmitWithAck {
                        emit: Emit {
                            origin: Origin::Io {
                                namespace: "/".into(),
                            },
                            chain: vec![Target::To(vec![RoomRef::Named("r".into())])],
                            event: "ready".into(),
                            args: vec![Arg::Value(json!(1))],
                        },
                        timeout_ms: 250,
                    },
                ),
            }),
        ),
        (
            "socket.onAny((event, ...args) => console.log('got', event, args, 1))",
            Some(Command::OnAny {
                log: vec![
                    LogPart::Value(json!("got")),
                    LogPart::Event,
                    LogPart::Args,
                    LogPart::Value(json!(1)),
                ],
                source: "socket.onAny((event, ...args) => console.log('got', event, args, 1))"
                    .into(),
            }),
        ),
        (
            "alice: socket.broadcast.volatile.emit('position', 1)",
            Some(run(
                Some("alice"),
                "socket.broadcast.volatile.emit('position', 1)",
                StatementKind::VolatileEmit(Emit {
                    origin: Origin::Socket,
                    chain: vec![Target::Broadcast],
                    event: "position".into(),
                    args: vec![Arg::Value(json!(1))],
                }),
            )),
        ),
        (
            "disconnect bob",
            Some(Command::Disconnect { name: "bob".into() }),
        ),
        (
            "rooms",
            Some(Command::Rooms {
                show_own_rooms: false,
            }),
        ),
        (
            "rooms all",
            Some(Command::Rooms {
                show_own_rooms: true,
            }),
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(parse_command(line), Ok(expected), "`{line}`");
    }
    // A lesson's handler is parsed on its own, with `msg` allowed.
    assert_eq!(
        parse_statement("socket.to('room1').emit('m', msg)", true)
            .unwrap()
            .kind,
        emit(
            Origin::Socket,
            vec![Target::To(rooms(&["room1"]))],
            "m",
            vec![Arg::Msg]
        )
    );
}

// ---- mistakes: column, message, hint -----------------------------------------------------------

/// One mistake: the line, the 1-based column the caret must be under, words the message must
/// contain, and words the hint must contain (`None`: no hint expected).
struct Mistake {
    line: &'static str,
    column: usize,
    message: &'static str,
    hint: Option<&'static str>,
}

const MISTAKES: &[Mistake] = &[
    Mistake {
        line: "alice: socket.broadcast().emit('x')",
        column: 24,
        message: "`broadcast` is a flag, not a method",
        hint: Some("socket.broadcast.emit"),
    },
    Mistake {
        line: "alice: socket.emitt('x')",
        column: 15,
        message: "`socket` has no method `emitt`",
        hint: Some("did you mean `emit`?"),
    },
    Mistake {
        line: "alice: socket.brodcast.emit('x')",
        column: 15,
        message: "no method `brodcast`",
        hint: Some("did you mean `broadcast`?"),
    },
    Mistake {
        line: "io.emitt('x')",
        column: 4,
        message: "`io` has no method `emitt`",
        hint: Some("did you mean `emit`?"),
    },
    Mistake {
        line: "io.broadcast.emit('x')",
        column: 4,
        message: "`io` has no `broadcast` flag",
        hint: Some("alice: socket.broadcast.emit(...)"),
    },
    Mistake {
        line: "socket.broadcast.emit('x')",
        column: 1,
        message: "a `socket` statement needs a socket to run as",
        hint: Some("put its name in front: alice: socket.broadcast.emit('x')"),
    },
    Mistake {
        line: "io.emit('hello)",
        column: 9,
        message: "this string never ends: add the closing '",
        hint: None,
    },
    Mistake {
        line: "alice: socket.emit(\"hello, 1)",
        column: 20,
        message: "this string never ends: add the closing \"",
        hint: None,
    },
    Mistake {
        line: "io.emit('hello', 1",
        column: 19,
        message: "expected `,` and another argument, or `)`, but the line ends here",
        hint: None,
    },
    Mistake {
        line: "io.to('room1'.emit('x')",
        column: 14,
        message: "expected `)`, found `.`",
        hint: None,
    },
    Mistake {
        line: "io.emit('chat message', msg)",
        column: 25,
        message: "`msg` only exists inside an `on` handler",
        hint: Some("on 'chat message': io.emit('chat message', msg)"),
    },
    Mistake {
        line: "alice.emit('chat message', msg)",
        column: 28,
        message: "`msg` only exists inside an `on` handler",
        hint: Some("on 'chat message'"),
    },
    Mistake {
        line: "connect alice on B bob",
        column: 20,
        message: "the socket names come first, then `to /namespace` and `on server`",
        hint: Some("connect alice bob to /tenant-a on B"),
    },
    Mistake {
        line: "io.local().emit('x')",
        column: 9,
        message: "`local` is a flag, not a method",
        hint: Some("io.local.emit(...)"),
    },
    Mistake {
        line: "conect alice bob",
        column: 1,
        message: "`conect` is not a command",
        hint: Some("did you mean `connect`?"),
    },
    Mistake {
        line: "romos",
        column: 1,
        message: "`romos` is not a command",
        hint: Some("did you mean `rooms`?"),
    },
    Mistake {
        line: "hello world",
        column: 1,
        message: "`hello` is not a command",
        hint: Some("write `hello: socket.emit(...)`"),
    },
    Mistake {
        line: "io.emit('disconnect')",
        column: 9,
        message: "\"disconnect\" is a reserved event name in Socket.IO",
        hint: Some("pick another name"),
    },
    Mistake {
        line: "alice: socket.emit('connect_error', 1)",
        column: 20,
        message: "\"connect_error\" is a reserved event name",
        hint: Some("pick another name"),
    },
    Mistake {
        line: "io.emit()",
        column: 9,
        message: "emit needs an event name",
        hint: Some("emit('chat message', 'hi')"),
    },
    Mistake {
        line: "io.emit(42)",
        column: 9,
        message: "the event name comes first, in quotes",
        hint: Some("emit('chat message', 'hi')"),
    },
    Mistake {
        line: "io.to('room1', 'room2').emit('x')",
        column: 14,
        message: "several rooms go in one list",
        hint: Some("to(['room1', 'room2'])"),
    },
    Mistake {
        line: "io.to(room1).emit('x')",
        column: 7,
        message: "`room1` is not a room",
        hint: Some("a room name goes in quotes ('room1')"),
    },
    Mistake {
        line: "io.of('tenant-a').emit('x')",
        column: 7,
        message: "a namespace starts with `/`",
        hint: Some("io.of('/tenant-a')"),
    },
    Mistake {
        line: "io.to('r').of('/a').emit('x')",
        column: 12,
        message: "`of` must come right after `io`",
        hint: Some("io.of('/tenant-a').to('room1')"),
    },
    Mistake {
        line: "io.join('room1')",
        column: 4,
        message: "`join` is done by a socket, not by `io`",
        hint: Some("alice: socket.join(...)"),
    },
    Mistake {
        line: "alice: socket.to('r').join('x')",
        column: 23,
        message: "`join` cannot follow a broadcast chain",
        hint: Some("socket.join(...) on its own"),
    },
    Mistake {
        line: "alice.join('room1')",
        column: 7,
        message: "a client socket can `emit` events",
        hint: Some("write `alice: socket.join(...)`"),
    },
    Mistake {
        line: "io.emit('x', undefined)",
        column: 14,
        message: "`undefined` does not travel over Socket.IO",
        hint: Some("use null"),
    },
    Mistake {
        line: "io.emit('x', hello)",
        column: 14,
        message: "`hello` is not a value",
        hint: Some("quote it: 'hello'"),
    },
    Mistake {
        line: "io.emit('x') io.emit('y')",
        column: 14,
        message: "after the end of the statement",
        hint: Some("one statement per line"),
    },
    Mistake {
        line: "io.sockets.emit('x')",
        column: 4,
        message: "write io.emit(...) for the main namespace",
        hint: Some("old spelling"),
    },
    Mistake {
        line: "connect io",
        column: 9,
        message: "`io` is a word of the language",
        hint: None,
    },
    Mistake {
        line: "connect",
        column: 8,
        message: "expected at least one socket name, but the line ends here",
        hint: Some("connect alice bob carol"),
    },
    Mistake {
        line: "io.emit('x') @",
        column: 14,
        message: "unexpected character `@`",
        hint: None,
    },
    Mistake {
        line: "alice: socket.id",
        column: 15,
        message: "`socket.id` is a room, not a statement",
        hint: Some("io.to(socket.id)"),
    },
    // Node's socket.leave takes one room; an array leaves nothing (issue 10, item 2).
    Mistake {
        line: "alice: socket.leave(['room1', 'room2'])",
        column: 21,
        message: "`socket.leave` takes one room, not a list",
        hint: Some("call leave once per room"),
    },
    // socketioxide cannot read a client event name that JSON escapes (issue 10 fuzzing).
    Mistake {
        line: "alice.emit('say \\\"hi\\\"')",
        column: 12,
        message: "cannot read a client event whose name has a quote",
        hint: Some("pick a plain name"),
    },
    Mistake {
        line: "on 'a\\u0000b': io.emit('x')",
        column: 4,
        message: "cannot read a client event whose name has a quote",
        hint: Some("pick a plain name"),
    },
    Mistake {
        line: "alice: nsp.emit('x')",
        column: 8,
        message: "`nsp` is not defined here",
        hint: Some("io.of('/name')"),
    },
    // Middleware and auth (lesson 7).
    Mistake {
        line: "io.use((sock, next) => next())",
        column: 9,
        message: "the lab names this parameter `socket`",
        hint: Some("io.use((socket, next) => next())"),
    },
    Mistake {
        line: "io.use((socket, next) = next())",
        column: 23,
        message: "expected `=>`",
        hint: None,
    },
    Mistake {
        line: "io.use((socket, next) => next(new Error(42)))",
        column: 41,
        message: "the error's message, in quotes",
        hint: Some("next(new Error('not authorized'))"),
    },
    Mistake {
        line: "io.use((socket, next) => socket.handshake.auth.token ? next(new Error('x')) : next())",
        column: 56,
        message: "the `?` branch lets the socket in",
        hint: Some("condition ? next() : next(new Error('not authorized'))"),
    },
    Mistake {
        line: "io.use((socket, next) => { socket.data.user = 'x' next(); })",
        column: 51,
        message: "expected `;` after the assignment",
        hint: None,
    },
    Mistake {
        line: "io.use((socket, next) => socket.handshake.headers ? next() : next(new Error('x')))",
        column: 43,
        message: "the lab knows socket.handshake.auth only",
        hint: None,
    },
    Mistake {
        line: "alice.emit('x', socket.data.user)",
        column: 12,
        message: "socket.data and socket.handshake live on the server",
        hint: Some("alice.emit('chat message', 'hi')"),
    },
    Mistake {
        line: "connect alice with auth 'abc'",
        column: 25,
        message: "the auth is an object",
        hint: Some("connect alice with auth {token: 'abc'}"),
    },
    Mistake {
        line: "connect alice with token {token: 'abc'}",
        column: 20,
        message: "expected `auth` after `with`",
        hint: Some("connect alice with auth {token: 'abc'}"),
    },
    Mistake {
        line: "connect with",
        column: 9,
        message: "`with` is a word of the language",
        hint: None,
    },
    // Acknowledgements (issue 15).
    Mistake {
        line: "io.emitWithAck('ready')",
        column: 4,
        message: "the lab needs a timeout before emitWithAck",
        hint: Some("io.timeout(1000).emitWithAck("),
    },
    Mistake {
        line: "alice: socket.to('r').emitWithAck('ready')",
        column: 23,
        message: "the lab needs a timeout before emitWithAck",
        hint: Some("socket.timeout(1000).emitWithAck("),
    },
    Mistake {
        line: "io.timeout(1000).emit('ready')",
        column: 18,
        message: "after timeout, the lab runs the promise form: emitWithAck",
        hint: Some("emit with a callback, as a promise"),
    },
    Mistake {
        line: "io.timeout(1000).to('r').emitWithAck('ready')",
        column: 18,
        message: "`timeout` comes last, right before `.emitWithAck(...)`",
        hint: Some("io.to('room1').timeout(1000)"),
    },
    Mistake {
        line: "io.timeout(0).emitWithAck('ready')",
        column: 12,
        message: "the lab waits between 1 and 5000 ms",
        hint: Some("timeout(1000)"),
    },
    Mistake {
        line: "io.timeout('1s').emitWithAck('ready')",
        column: 12,
        message: "expected the timeout in milliseconds, found the string '1s'",
        hint: Some("timeout(1000)"),
    },
    Mistake {
        line: "callback('yes')",
        column: 1,
        message: "`callback` only exists inside an `on` handler",
        hint: Some("on 'question': callback('yes')"),
    },
    Mistake {
        line: "on 'ask': callback()",
        column: 20,
        message: "`callback` needs the answer",
        hint: Some("callback(msg)"),
    },
    Mistake {
        line: "on 'ask': callback('a', 'b')",
        column: 23,
        message: "`callback` takes one answer here",
        hint: Some("callback(['yes', 2])"),
    },
    Mistake {
        line: "bob.on('ready', (q, callback) => { callback('yes') })",
        column: 34,
        message: "write the body as one call, without braces",
        hint: Some("(q, callback) => callback('yes')"),
    },
    Mistake {
        line: "bob.on('ready', (q, cb) => callback('yes'))",
        column: 28,
        message: "the body calls `cb`, the function's last parameter, to answer",
        hint: Some("(q, callback) => callback('yes')"),
    },
    Mistake {
        line: "bob.on('ready', () => callback('yes'))",
        column: 18,
        message: "the function needs the callback as its last parameter",
        hint: Some("(q, callback) => callback('yes')"),
    },
    Mistake {
        line: "bob.on('ready', (q, callback) -> callback('yes'))",
        column: 31,
        message: "unexpected character `-`",
        hint: None,
    },
    Mistake {
        line: "bob.on('connect', (callback) => callback(1))",
        column: 8,
        message: "the lab's clients listen to \"connect\" themselves",
        hint: Some("bob.on('question'"),
    },
    Mistake {
        line: "bob.timeout(1000).emitWithAck('ask')",
        column: 5,
        message: "the lab's clients wait for the server's answer without a timeout",
        hint: Some("bob.emitWithAck('question', 'hi')"),
    },
    Mistake {
        line: "io.volatile().emit('x')",
        column: 12,
        message: "`volatile` is a flag, not a method",
        hint: Some("io.volatile.emit("),
    },
    Mistake {
        line: "alice: socket.volatile.timeout(100).emitWithAck('x')",
        column: 15,
        message: "`volatile` and emitWithAck do not go together here",
        hint: Some("io.volatile.emit("),
    },
    Mistake {
        line: "socket.onAny((event, ...args) => alert(event))",
        column: 34,
        message: "the lab's onAny listener prints what it gets with console.log",
        hint: Some("socket.onAny((event, ...args) => console.log(event, args))"),
    },
    Mistake {
        line: "socket.onAny((event, ...args) => console.log(name))",
        column: 46,
        message: "`name` is not defined here: the listener has event and args",
        hint: Some("socket.onAny("),
    },
    Mistake {
        line: "socket.onAny((event, args) => console.log(event))",
        column: 22,
        message: "expected `...` and a name for the arguments",
        hint: None,
    },
    Mistake {
        line: "connect callback",
        column: 9,
        message: "`callback` is a word of the language",
        hint: None,
    },
];

#[test]
fn middleware_and_auth_forms_parse_to_their_trees() {
    let check =
        |text: &str, namespace: &str, assigns: Vec<(String, DataValue)>, decision: Decision| {
            match parse(text) {
                Command::Use {
                    namespace: ns,
                    middleware,
                } => {
                    assert_eq!(ns, namespace, "{text}");
                    assert_eq!(middleware.source, text, "{text}");
                    assert_eq!(middleware.assigns, assigns, "{text}");
                    assert_eq!(middleware.decision, decision, "{text}");
                }
                other => panic!("{text} parsed to {other:?}"),
            }
        };
    check(
        "io.use((socket, next) => next())",
        "/",
        vec![],
        Decision::Accept,
    );
    check(
        "io.of('/admin').use((socket, next) => next(new Error('admins only')))",
        "/admin",
        vec![],
        Decision::Reject("admins only".into()),
    );
    check(
        "io.use((socket, next) => socket.handshake.auth.token ? next() : next(new Error('no')))",
        "/",
        vec![],
        Decision::If {
            check: AuthCheck::Truthy("token".into()),
            reject: "no".into(),
        },
    );
    check(
        "io.use((socket, next) => socket.handshake.auth.level === 2 ? next() : next(new Error('no')))",
        "/",
        vec![],
        Decision::If {
            check: AuthCheck::Equals("level".into(), json!(2)),
            reject: "no".into(),
        },
    );
    check(
        "io.use((socket, next) => { socket.data.user = socket.handshake.auth.name; socket.data.n = [1]; next(); })",
        "/",
        vec![
            ("user".into(), DataValue::Auth("name".into())),
            ("n".into(), DataValue::Value(json!([1]))),
        ],
        Decision::Accept,
    );
    assert_eq!(
        parse("connect alice bob to /admin with auth {token: 'abc', n: 1}"),
        Command::Connect {
            names: vec!["alice".into(), "bob".into()],
            namespace: "/admin".into(),
            auth: Some(json!({"token": "abc", "n": 1})),
            server: None,
        }
    );
    assert_eq!(
        parse("connect alice with auth {}"),
        Command::Connect {
            names: vec!["alice".into()],
            namespace: "/".into(),
            auth: Some(json!({})),
            server: None,
        }
    );
    match parse(
        "alice: socket.emit('me', socket.data, socket.data.user, socket.handshake.auth, socket.handshake.auth.token)",
    ) {
        Command::Run { statement, .. } => match statement.kind {
            StatementKind::Emit(emit) => assert_eq!(
                emit.args,
                vec![
                    Arg::Data(None),
                    Arg::Data(Some("user".into())),
                    Arg::Auth(None),
                    Arg::Auth(Some("token".into())),
                ]
            ),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn mistakes_get_the_right_column_message_and_hint() {
    let mut failures = Vec::new();
    for mistake in MISTAKES {
        let error = parse_error(mistake.line);
        let column_ok = error.column == mistake.column;
        let message_ok = error.message.contains(mistake.message);
        let hint_ok = match (mistake.hint, &error.hint) {
            (Some(wanted), Some(hint)) => hint.contains(wanted),
            (None, None) => true,
            _ => false,
        };
        if !(column_ok && message_ok && hint_ok) {
            failures.push(format!(
                "`{}`\n    expected column {}, a message with {:?}, a hint with {:?}\n    actual   column {}, message {:?}, hint {:?}\n{}",
                mistake.line,
                mistake.column,
                mistake.message,
                mistake.hint,
                error.column,
                error.message,
                error.hint,
                error.draw(mistake.line, "    "),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} mistakes were reported wrongly:\n\n{}\n",
        failures.len(),
        MISTAKES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn draw_puts_the_caret_under_the_column() {
    let line = "alice: socket.broadcast().emit('hi')";
    let expected = [
        "  alice: socket.broadcast().emit('hi')".to_string(),
        // `(` is column 24: 23 characters before it, plus the indent.
        format!("{}^", " ".repeat(2 + 23)),
        "  `broadcast` is a flag, not a method".to_string(),
        "  hint: did you mean socket.broadcast.emit(...)?".to_string(),
    ];
    assert_eq!(parse_error(line).draw(line, "  "), expected.join("\n"));

    // At the end of the line, the caret goes just after the last character.
    let line = "io.emit('hello', 1";
    let expected = [
        line.to_string(),
        format!("{}^", " ".repeat(line.len())),
        "expected `,` and another argument, or `)`, but the line ends here".to_string(),
    ];
    assert_eq!(parse_error(line).draw(line, ""), expected.join("\n"));
}

/// A trailing semicolon is accepted, and so is a comment; both together should be too.
#[test]
fn a_semicolon_before_a_comment_is_accepted() {
    for line in [
        "io.emit('x'); // send it",
        "io.emit('x');   # send it",
        "alice: socket.join('room1'); # join",
    ] {
        assert!(
            matches!(parse_command(line), Ok(Some(Command::Run { .. }))),
            "`{line}`: {:?}",
            parse_command(line)
        );
    }
}

/// `broadcast` is a flag of a socket only: in Node, `socket.to('r')` returns a BroadcastOperator
/// with no `broadcast` property, so `socket.to('r').broadcast.emit(...)` throws a TypeError
/// (checked with tests/node/semantics.mjs).
#[test]
fn broadcast_only_comes_right_after_socket() {
    for (line, column) in [
        ("alice: socket.to('room1').broadcast.emit('x')", 27),
        ("alice: socket.broadcast.broadcast.emit('x')", 25),
    ] {
        let error = parse_error(line);
        assert_eq!(error.column, column, "`{line}`: {error}");
        assert!(
            error
                .hint
                .as_deref()
                .unwrap_or_default()
                .contains("socket.broadcast.to("),
            "`{line}`: {error}"
        );
    }
}

/// JavaScript has one number type: `2.0` is `2` and `1e3` is `1000`, and that is what Node
/// sends (checked with tests/node/semantics.mjs: `socket.emit('n', 2.0, 1e3, -0)` arrives as
/// `[2, 1000, 0]`).
#[test]
fn numbers_mean_what_they_mean_in_javascript() {
    let Command::Run { statement, .. } = parse("io.emit('n', 2.0, 1e3, -0, 1.5, 1e-3)") else {
        unreachable!()
    };
    let StatementKind::Emit(emit) = statement.kind else {
        unreachable!()
    };
    let sent: Vec<String> = emit
        .args
        .iter()
        .map(|arg| match arg {
            Arg::Value(value) => value.to_string(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(sent, ["2", "1000", "0", "1.5", "0.001"]);
}

// ---- the binary --------------------------------------------------------------------------------

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

#[test]
fn play_shows_who_received_a_broadcast_exactly() {
    let output = play(
        &[],
        "connect alice bob\nalice: socket.broadcast.emit(\"hi\")\n",
    );
    assert_eq!(
        stdout(&output),
        "  server: a user connected  (alice)\n\
         \x20 server: a user connected  (bob)\n\
         > alice: socket.broadcast.emit(\"hi\")\n\
         \x20   ✗ alice   not received\n\
         \x20   ✓ bob     received 'hi'\n",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn play_reports_a_bad_line_runs_the_rest_and_exits_1() {
    let script = "connect alice bob\n\
                  alice: socket.broadcast().emit('x')\n\
                  \n\
                  io.emit('still runs', 1)\n\
                  carol: socket.emit('x')\n\
                  bob: socket.emit('last')\n";
    let output = play(&[], script);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "output:\n{text}");
    let expected_parts = [
        "error on line 2: `broadcast` is a flag, not a method\n\
         \x20   alice: socket.broadcast().emit('x')\n\
         \x20                          ^\n\
         \x20   hint: did you mean socket.broadcast.emit(...)?\n",
        "> io.emit('still runs', 1)\n\
         \x20   ✓ alice   received 'still runs' 1\n\
         \x20   ✓ bob     received 'still runs' 1\n",
        "error on line 5: there is no socket named carol: connect it first (connect carol)\n",
        "> bob: socket.emit('last')\n\
         \x20   ✗ alice   not received\n\
         \x20   ✓ bob     received 'last'\n",
    ];
    let mut rest = text.as_str();
    for part in expected_parts {
        let Some(at) = rest.find(part) else {
            panic!("expected, in this order:\n{part}\nin the output:\n{text}");
        };
        rest = &rest[at + part.len()..];
    }
}

#[test]
fn play_runs_a_script_file() {
    let dir = std::env::temp_dir().join(format!("sio-tutor-parser-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("script.txt");
    std::fs::write(&path, "connect alice\nalice: socket.emit('hi')\n").unwrap();
    let output = play(&[path.to_str().unwrap()], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).ends_with("> alice: socket.emit('hi')\n    ✓ alice   received 'hi'\n"),
        "{}",
        stdout(&output)
    );
}

/// Every `--json` line is one JSON object with the fields README.md documents for its kind.
#[test]
fn play_json_lines_have_the_documented_fields() {
    let script = "connect alice bob\n\
                  connect dave to /tenant-a\n\
                  on 'chat message': io.emit('chat message', msg)\n\
                  alice.emit('chat message', 'hi')\n\
                  alice: socket.join('room1')\n\
                  io.to('room1').emit('news', {n: 2}, [true, null])\n\
                  bob.emit('unheard')\n\
                  rooms\n\
                  alice: socket.broadcast().emit('oops')\n\
                  disconnect bob\n";
    let output = play(&["--json"], script);
    assert_eq!(output.status.code(), Some(1));
    let required: &[(&str, &[&str])] = &[
        ("server_log", &["line", "socket", "namespace"]),
        (
            "delivery",
            &[
                "as",
                "statement",
                "namespace",
                "event",
                "args",
                "received",
                "not_received",
            ],
        ),
        (
            "membership",
            &["as", "statement", "namespace", "action", "rooms"],
        ),
        ("handler", &["namespace", "event", "statement"]),
        ("unhandled", &["socket", "namespace", "event", "trigger"]),
        ("rooms", &["own_rooms_shown", "namespaces"]),
        ("error", &["line", "message", "column", "hint"]),
    ];
    let mut kinds = Vec::new();
    for line in stdout(&output).lines() {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        let kind = value["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("no kind: {line}"));
        let (_, fields) = required
            .iter()
            .find(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("undocumented kind {kind}: {line}"));
        for field in *fields {
            assert!(
                value.get(field).is_some(),
                "a {kind} line lacks `{field}`: {line}"
            );
        }
        kinds.push(kind.to_string());
    }
    for (kind, _) in required {
        assert!(
            kinds.iter().any(|k| k == kind),
            "no {kind} line in {kinds:?}"
        );
    }

    // The values, not only the fields, for the lines that matter most.
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let relay = lines
        .iter()
        .find(|v| v["kind"] == "delivery" && v["event"] == "chat message")
        .expect("the relay");
    assert_eq!(
        relay,
        &json!({
            "kind": "delivery", "as": "alice", "statement": "io.emit('chat message', msg)",
            "trigger": "alice.emit('chat message', 'hi')", "namespace": "/",
            "event": "chat message", "args": ["hi"],
            "received": ["alice", "bob"], "not_received": ["dave"],
        })
    );
    let news = lines
        .iter()
        .find(|v| v["kind"] == "delivery" && v["event"] == "news")
        .expect("the news");
    assert_eq!(news["as"], Value::Null);
    assert_eq!(news["args"], json!([{"n": 2}, [true, null]]));
    assert_eq!(news["received"], json!(["alice"]));
    assert_eq!(news["not_received"], json!(["bob", "dave"]));
    let error = lines
        .iter()
        .find(|v| v["kind"] == "error")
        .expect("the error");
    assert_eq!(error["line"], 9);
    assert_eq!(error["column"], 24);
    assert_eq!(error["hint"], "did you mean socket.broadcast.emit(...)?");
    assert_eq!(
        lines.last().unwrap(),
        &json!({"kind": "server_log", "line": "user disconnected", "socket": "bob", "namespace": "/"})
    );
}
