//! `explain STATEMENT`: which sockets *would* receive a statement, and the rule behind each step.
//! Nothing is sent.
//!
//! Who is left at each step is not worked out here: the lab answers it ([`Lab::preview`]), from
//! the same selection its run emits through, so `explain` cannot disagree with a run
//! (`tests/explain_semantics.rs` checks that over the whole semantics table). What this module
//! adds is the narration: the rules of the JavaScript server API, spelled out once in the
//! [`RULES`] table below, one quoted beside each step.

use colored::Colorize;

use crate::lab::{EmitPreview, Lab, LabError, Preview};
use crate::script::{
    Arg, AuthCheck, Command, DEPARTURE_EVENTS, DataValue, Decision, Emit, Middleware, Origin,
    RoomRef, Statement, StatementKind, Target,
};

/// One rule of Socket.IO's addressing: a form of the API and what it means for recipients.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub form: &'static str,
    pub says: &'static str,
}

// ---- The rules ------------------------------------------------------------------------------
//
// Read top to bottom, this is the whole of how the JavaScript server API picks recipients.
// An emit starts from a namespace, narrows to rooms, removes the excepted rooms, and, for a
// broadcast started from a socket, removes the sockets in the room named by the sender's id (the
// sender alone, unless it left that room or another socket joined it). Nothing else decides.

pub const SOCKET_EMIT: Rule = Rule {
    form: "socket.emit(...)",
    says: "goes to this one socket only, whatever its rooms",
};
pub const SOCKET_NAMESPACE: Rule = Rule {
    form: "socket.<anything>",
    says: "stays in the sender's own namespace",
};
pub const IO_MAIN: Rule = Rule {
    form: "io.emit(...)",
    says: "means the main namespace / only, never another one",
};
pub const IO_OF: Rule = Rule {
    form: "io.of(ns)...",
    says: "reaches the sockets connected to ns, and only them",
};
pub const TO_ROOMS: Rule = Rule {
    form: ".to(r) / .in(r)",
    says: "keeps the sockets in r; several rooms add up (one copy each)",
};
pub const OWN_ROOM: Rule = Rule {
    form: "bob.id / socket.id",
    says: "is that socket's own room: only it is in it, in its namespace",
};
pub const EXCEPT_ROOMS: Rule = Rule {
    form: ".except(r)",
    says: "leaves out every socket in r, even one .to() named: except wins",
};
pub const SOCKET_BROADCAST: Rule = Rule {
    form: "socket.broadcast",
    says: "starts a broadcast: everyone in the namespace but the sender (its own-id room)",
};
pub const SOCKET_TO: Rule = Rule {
    form: "socket.to(r) / socket.in(r)",
    says: "starts a broadcast: the sender is left out even when it is in r",
};
pub const SOCKET_EXCEPT: Rule = Rule {
    form: "socket.except(r)",
    says: "starts a broadcast too: the sender is left out as well as r",
};
pub const MEMBERSHIP: Rule = Rule {
    form: "socket.join / leave / disconnect",
    says: "changes rooms or connections; sends nothing",
};
pub const HANDLER: Rule = Rule {
    form: "alice.emit(...) (a client)",
    says: "reaches the server; its `on` handler decides, run as alice",
};

// Two rules that pick no recipients, so they are not in [`RULES`]: they say what a middleware
// does to a connection, and where the values of `socket.data` and `socket.handshake.auth` come
// from.
pub const MIDDLEWARE: Rule = Rule {
    form: "io.use(fn) / io.of(ns).use(fn)",
    says: "runs for every later connection to that namespace, before 'connection'; next(new Error(m)) refuses it and the client's connect_error gets m",
};
pub const DEPARTURE: Rule = Rule {
    form: "socket.on('disconnecting' | 'disconnect', (reason) => ...)",
    says: "runs as the socket leaves: disconnecting while it is still in its rooms, disconnect after it left them",
};
pub const SOCKET_DATA: Rule = Rule {
    form: "socket.data / socket.handshake.auth",
    says: "belong to the socket the statement runs as: what its middleware stored, what its client sent as auth",
};
pub const ASK: Rule = Rule {
    form: ".timeout(ms).emitWithAck(...)",
    says: "asks each recipient for an answer; one that does not answer in ms makes it reject",
};
pub const VOLATILE: Rule = Rule {
    form: ".volatile",
    says: "the same recipients, but the server may drop the packet instead of queueing it",
};
pub const CALLBACK: Rule = Rule {
    form: "callback(answer) (in a handler)",
    says: "answers the client's emitWithAck, to it alone: nothing is sent to anyone else",
};

/// Every rule, in the order an explanation applies them (`explain` alone prints this).
pub const RULES: &[&Rule] = &[
    &SOCKET_EMIT,
    &IO_MAIN,
    &IO_OF,
    &SOCKET_NAMESPACE,
    &TO_ROOMS,
    &OWN_ROOM,
    &EXCEPT_ROOMS,
    &SOCKET_BROADCAST,
    &SOCKET_TO,
    &SOCKET_EXCEPT,
    &MEMBERSHIP,
    &HANDLER,
    &ASK,
    &CALLBACK,
    &VOLATILE,
];

// ---- Explanations ---------------------------------------------------------------------------

/// One step of an explanation: what it does, the rule behind it, and who is left after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub what: String,
    pub rule: &'static Rule,
    /// Who is still in line to receive after this step; `None` for a step that is a note.
    pub sockets: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The event would go out in `namespace`; `receive` in connection order.
    Emit {
        namespace: String,
        event: String,
        receive: Vec<String>,
        not_receive: Vec<String>,
    },
    /// Nothing would be sent (a join, a leave, a disconnect, an unhandled client event).
    Nothing(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The command as written, without `explain`.
    pub heading: String,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
}

impl Explanation {
    /// Who would receive the event, in connection order; `None` when nothing would be sent.
    pub fn recipients(&self) -> Option<&[String]> {
        match &self.verdict {
            Verdict::Emit { receive, .. } => Some(receive),
            Verdict::Nothing(_) => None,
        }
    }
}

/// Why `explain` could not explain a line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExplainError {
    /// The line is a command such as `connect`, not something that sends.
    #[error("explain takes a statement, such as explain alice: socket.to('room1').emit('hi')")]
    NotAStatement,
    /// The statement cannot run here, for the same reason the lab would refuse it.
    #[error("it would fail: {0}")]
    Lab(#[from] LabError),
}

/// Explains a parsed playground command: a statement (`alice: socket.to('r').emit('x')`,
/// `io.emit('x')`) or a client emit that a handler answers (`alice.emit('chat message', 'hi')`).
pub fn explain_command(lab: &Lab, command: &Command) -> Result<Explanation, ExplainError> {
    match command {
        Command::Run {
            as_socket,
            statement,
        } => {
            let mut explanation = explain(lab, as_socket.as_deref(), statement)?;
            explanation.heading = match as_socket {
                Some(name) => format!("{name}: {}", statement.source),
                None => statement.source.clone(),
            };
            Ok(explanation)
        }
        Command::ClientEmit {
            name,
            event,
            source,
            ..
        } => {
            let (namespace, handler) = lab.handler_for(name, event)?;
            let Some(handler) = handler else {
                return Ok(Explanation {
                    heading: source.clone(),
                    steps: Vec::new(),
                    verdict: Verdict::Nothing(format!(
                        "the server has no handler for '{event}' on {namespace}, so it would send nothing to anyone"
                    )),
                });
            };
            let mut explanation = explain(lab, Some(name), &handler)?;
            explanation.steps.insert(
                0,
                Step {
                    what: format!("the server runs its handler as {name}: {}", handler.source),
                    rule: &HANDLER,
                    sockets: None,
                },
            );
            explanation.heading = source.clone();
            Ok(explanation)
        }
        Command::Use {
            namespace,
            middleware,
        } => Ok(Explanation {
            heading: middleware.source.clone(),
            steps: vec![Step {
                what: format!(
                    "every later connection to {namespace} runs it first: {}",
                    middleware_says(middleware)
                ),
                rule: &MIDDLEWARE,
                sockets: None,
            }],
            verdict: Verdict::Nothing(
                "a middleware sends nothing; it decides who may connect".into(),
            ),
        }),
        Command::ClientEmitWithAck {
            name,
            event,
            source,
            ..
        } => {
            let (_, handler) = lab.handler_for(name, event)?;
            let why = match handler {
                Some(Statement {
                    kind: StatementKind::Callback(answer),
                    source: handler,
                }) => {
                    let answer = match answer {
                        crate::script::Arg::Value(value) => super::text::js_value(&value),
                        crate::script::Arg::Msg => "msg, the first argument it sent".to_string(),
                        crate::script::Arg::Data(key) => format!("socket.data{}", dotted(&key)),
                        crate::script::Arg::Auth(key) => {
                            format!("socket.handshake.auth{}", dotted(&key))
                        }
                        crate::script::Arg::InRoom(room) => format!("socket.rooms.has('{room}')"),
                        crate::script::Arg::Reason => "reason".to_string(),
                    };
                    return Ok(Explanation {
                        heading: source.clone(),
                        steps: vec![Step {
                            what: format!("the server runs its handler as {name}: {handler}"),
                            rule: &CALLBACK,
                            sockets: None,
                        }],
                        verdict: Verdict::Nothing(format!(
                            "{name}'s promise would resolve to {answer}; no event is sent to anyone"
                        )),
                    });
                }
                // Refused as the lab refuses it: the promise would never settle.
                Some(_) => "the server's handler for it never calls callback",
                None => "the server has no handler for it",
            };
            Err(ExplainError::Lab(LabError::NeverAnswered {
                name: name.clone(),
                event: event.clone(),
                why,
            }))
        }
        _ => Err(ExplainError::NotAStatement),
    }
}

/// What a middleware does, in words.
fn middleware_says(middleware: &Middleware) -> String {
    let mut parts: Vec<String> = middleware
        .assigns
        .iter()
        .map(|(key, value)| match value {
            DataValue::Value(value) => format!("it sets socket.data.{key} to {value}"),
            DataValue::Auth(from) => {
                format!("it copies socket.handshake.auth.{from} into socket.data.{key}")
            }
        })
        .collect();
    parts.push(match &middleware.decision {
        Decision::Accept => "it lets every socket in".to_string(),
        Decision::Reject(message) => format!("it refuses every socket with \"{message}\""),
        Decision::If { check, reject } => {
            let test = match check {
                AuthCheck::Truthy(key) => format!("socket.handshake.auth.{key} is set"),
                AuthCheck::Equals(key, value) => {
                    format!("socket.handshake.auth.{key} === {value}")
                }
            };
            format!("it lets a socket in when {test}, and refuses it with \"{reject}\" otherwise")
        }
    });
    parts.join(", then ")
}

/// The explanation of `statement` as if it were a plain emit of `emit` (the same recipients):
/// an ask or a volatile emit adds its own step to it.
fn explain_as_plain_emit(
    lab: &Lab,
    as_socket: Option<&str>,
    statement: &Statement,
    emit: &Emit,
) -> Result<Explanation, LabError> {
    explain(
        lab,
        as_socket,
        &Statement {
            source: statement.source.clone(),
            kind: StatementKind::Emit(emit.clone()),
        },
    )
}

/// Explains one statement run as `as_socket` (or at server level). Who is left after each step
/// is the lab's answer ([`Lab::preview`]); this function only says which rule each step is.
pub fn explain(
    lab: &Lab,
    as_socket: Option<&str>,
    statement: &Statement,
) -> Result<Explanation, LabError> {
    let preview = lab.preview(as_socket, statement)?;
    let sender = as_socket.unwrap_or("the socket");
    let mut explanation = Explanation {
        heading: statement.source.clone(),
        steps: Vec::new(),
        verdict: Verdict::Nothing("nothing would be sent to anyone".into()),
    };
    let (emit, preview) = match (&statement.kind, preview) {
        (StatementKind::Emit(emit), Preview::Emit(preview)) => (emit, preview),
        (StatementKind::EmitWithAck { emit, timeout_ms }, Preview::Emit(_)) => {
            let mut explanation = explain_as_plain_emit(lab, as_socket, statement, emit)?;
            let answers = if matches!(emit.origin, Origin::Socket) && !emit.excludes_sender() {
                "its answer"
            } else {
                "an array of answers, one per socket"
            };
            explanation.steps.push(Step {
                what: format!(
                    "ask each of them for an answer: the promise resolves to {answers}, or \
                     rejects with \"operation has timed out\" if one has not answered after {timeout_ms} ms"
                ),
                rule: &ASK,
                sockets: None,
            });
            return Ok(explanation);
        }
        (StatementKind::VolatileEmit(emit), Preview::Emit(_)) => {
            let mut explanation = explain_as_plain_emit(lab, as_socket, statement, emit)?;
            explanation.steps.push(Step {
                what: "volatile: each of them gets it unless its connection is not ready to take \
                       it right now (then it is dropped, never sent later)"
                    .to_string(),
                rule: &VOLATILE,
                sockets: None,
            });
            return Ok(explanation);
        }
        (StatementKind::Callback(_), _) => {
            explanation.steps.push(Step {
                what: "the server would answer the client's emitWithAck".to_string(),
                rule: &CALLBACK,
                sockets: None,
            });
            return Ok(explanation);
        }
        (StatementKind::Join(rooms) | StatementKind::Leave(rooms), _) => {
            let rooms = rooms.iter().map(|r| r.to_string()).collect::<Vec<_>>();
            let verb = if matches!(statement.kind, StatementKind::Join(_)) {
                "join"
            } else {
                "leave"
            };
            explanation.steps.push(Step {
                what: format!("{sender} would {verb} {}", rooms.join(", ")),
                rule: &MEMBERSHIP,
                sockets: None,
            });
            return Ok(explanation);
        }
        _ => {
            explanation.steps.push(Step {
                what: format!("the server would disconnect {sender}"),
                rule: &MEMBERSHIP,
                sockets: None,
            });
            // What the socket's departure would run; its recipients depend on the moment it
            // runs (the rooms as they are then), so they are named when it really runs.
            if let Some(name) = as_socket {
                for event in DEPARTURE_EVENTS {
                    if let (_, Some(handler)) = lab.handler_for(name, event)? {
                        explanation.steps.push(Step {
                            what: format!(
                                "then its '{event}' handler runs, with reason 'server namespace disconnect': {}",
                                handler.source
                            ),
                            rule: &DEPARTURE,
                            sockets: None,
                        });
                    }
                }
            }
            return Ok(explanation);
        }
    };

    // 0. Arguments read from the socket: say what they hold.
    if emit.args.iter().any(Arg::needs_socket)
        && let Some(name) = as_socket
    {
        let scope = lab.scope(name)?;
        let args = crate::lab::execute::arguments_of(emit, None, Some(&scope));
        let read: Vec<String> = emit
            .args
            .iter()
            .zip(&args)
            .filter_map(|(arg, value)| {
                let written = match arg {
                    Arg::Data(key) => format!("socket.data{}", dotted(key)),
                    Arg::Auth(key) => format!("socket.handshake.auth{}", dotted(key)),
                    Arg::InRoom(room) => format!("socket.rooms.has('{room}')"),
                    _ => return None,
                };
                Some(format!("{written} is {value}"))
            })
            .collect();
        explanation.steps.push(Step {
            what: format!("for {name}, {}", read.join(", ")),
            rule: &SOCKET_DATA,
            sockets: None,
        });
    }

    // 1. The plain socket.emit, which ignores every room.
    if matches!(emit.origin, Origin::Socket) && !emit.excludes_sender() {
        explanation.steps.push(Step {
            what: format!("only {sender}"),
            rule: &SOCKET_EMIT,
            sockets: Some(preview.receive.clone()),
        });
        return Ok(finish(explanation, preview));
    }
    let start_rule = match &emit.origin {
        Origin::Socket => &SOCKET_NAMESPACE,
        Origin::Io { namespace } if namespace == "/" => &IO_MAIN,
        Origin::Io { .. } => &IO_OF,
    };
    explanation.steps.push(Step {
        what: format!("start from the sockets on {}", preview.namespace),
        rule: start_rule,
        sockets: Some(preview.in_namespace.clone()),
    });

    // A socket's id as a room deserves a word before it is used.
    let written_rooms: Vec<&RoomRef> = emit.rooms().into_iter().chain(emit.excepted()).collect();
    if written_rooms
        .iter()
        .any(|r| !matches!(r, RoomRef::Named(_)))
    {
        explanation.steps.push(Step {
            what: own_rooms_note(&written_rooms),
            rule: &OWN_ROOM,
            sockets: None,
        });
    }

    // 2. `.to` / `.in`: the union of the rooms.
    if !emit.rooms().is_empty() {
        explanation.steps.push(Step {
            what: format!("keep the sockets in {}", written(&emit.rooms())),
            rule: &TO_ROOMS,
            sockets: Some(preview.in_rooms.clone()),
        });
    }

    // 3. `.except`: always wins.
    if !emit.excepted().is_empty() {
        explanation.steps.push(Step {
            what: format!("leave out the sockets in {}", written(&emit.excepted())),
            rule: &EXCEPT_ROOMS,
            sockets: Some(preview.after_except.clone()),
        });
    }

    // 4. A broadcast from a socket leaves the sender out, whatever the rooms said.
    if emit.excludes_sender() {
        let rule = match emit.chain.first() {
            Some(Target::Broadcast) => &SOCKET_BROADCAST,
            Some(Target::Except(_)) => &SOCKET_EXCEPT,
            _ => &SOCKET_TO,
        };
        // Node leaves out the sockets in the room named by the sender's id: the sender alone,
        // unless it left that room or another socket joined it. Say which when it differs.
        let removed: Vec<&String> = preview
            .after_except
            .iter()
            .filter(|name| !preview.receive.contains(name))
            .collect();
        let what = if removed.len() == 1 && removed[0] == sender {
            format!("leave out the sender, {sender}")
        } else if removed.is_empty() {
            format!(
                "leave out everyone in {sender}'s own room, {sender}.id (nobody: {sender} left it)"
            )
        } else {
            let names: Vec<&str> = removed.iter().map(|n| n.as_str()).collect();
            format!(
                "leave out everyone in {sender}'s own room, {sender}.id ({})",
                names.join(", ")
            )
        };
        explanation.steps.push(Step {
            what,
            rule,
            sockets: Some(preview.receive.clone()),
        });
    }
    Ok(finish(explanation, preview))
}

/// `.token` for a key, nothing for the whole object.
fn dotted(key: &Option<String>) -> String {
    key.as_ref()
        .map(|key| format!(".{key}"))
        .unwrap_or_default()
}

fn finish(mut explanation: Explanation, preview: EmitPreview) -> Explanation {
    explanation.verdict = Verdict::Emit {
        namespace: preview.namespace,
        event: preview.event,
        receive: preview.receive,
        not_receive: preview.not_receive,
    };
    explanation
}

fn written(rooms: &[&RoomRef]) -> String {
    rooms
        .iter()
        .map(|room| match room {
            RoomRef::Named(name) => format!("'{name}'"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn own_rooms_note(rooms: &[&RoomRef]) -> String {
    let mut owners: Vec<String> = rooms
        .iter()
        .filter(|r| !matches!(r, RoomRef::Named(_)))
        .map(|r| r.to_string())
        .collect();
    owners.dedup();
    match owners.as_slice() {
        [one] => format!("{one} is an own room, not a room anyone joined"),
        _ => format!(
            "{} are own rooms, not rooms anyone joined",
            owners.join(" and ")
        ),
    }
}

// ---- Text -----------------------------------------------------------------------------------

/// The steps of an explanation, one numbered line each with the sockets left and the rule under
/// it: the playground's `explain`, and the tutor's feedback on a wrong write step.
pub fn steps_text(explanation: &Explanation) -> String {
    let mut out = String::new();
    for (index, step) in explanation.steps.iter().enumerate() {
        let who = match &step.sockets {
            None => String::new(),
            Some(sockets) if sockets.is_empty() => ": nobody".to_string(),
            Some(sockets) => format!(": {}", sockets.join(", ")),
        };
        out.push_str(&format!("  {}. {}{who}\n", index + 1, step.what));
        out.push_str(&format!(
            "     {}\n",
            format!("rule: {} {}", step.rule.form, step.rule.says).dimmed()
        ));
    }
    out
}

/// The explanation as the playground prints it.
pub fn text(explanation: &Explanation) -> String {
    let mut out = format!(
        "{} {}  {}\n",
        "explain".dimmed(),
        explanation.heading.bold(),
        "(not run: nothing is sent)".dimmed()
    );
    out.push_str(&steps_text(explanation));
    match &explanation.verdict {
        Verdict::Emit {
            receive,
            not_receive,
            ..
        } => {
            let list = |names: &[String]| {
                if names.is_empty() {
                    "nobody".to_string()
                } else {
                    names.join(", ")
                }
            };
            out.push_str(&format!(
                "  {} {}\n",
                "would receive:    ".green(),
                list(receive).bold()
            ));
            out.push_str(&format!(
                "  {} {}\n",
                "would not receive:".red(),
                list(not_receive)
            ));
        }
        Verdict::Nothing(why) => out.push_str(&format!("  {}\n", why.yellow())),
    }
    out
}

/// The rules table, for `explain` with no statement.
pub fn rules_text() -> String {
    let width = RULES.iter().map(|r| r.form.len()).max().unwrap_or(0);
    let mut out = format!("{}\n", "how Socket.IO picks recipients".bold());
    for rule in RULES {
        out.push_str(&format!("  {:<width$}  {}\n", rule.form.cyan(), rule.says));
    }
    out
}
