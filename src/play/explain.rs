//! `explain STATEMENT`: which sockets *would* receive a statement, and the rule that decides each
//! step, computed on paper from the lab's current membership. Nothing is sent.
//!
//! It reads the same parsed [`Statement`] the lab runs, and it must agree with the lab on every
//! form (`tests/explain_semantics.rs` checks that over a whole semantics table). The rules come
//! from the Socket.IO documentation of the JavaScript server API, the meaning the lab teaches;
//! they are spelled out once, in the [`RULES`] table below, and every step of an explanation
//! quotes one of them.
//!
//! This module must not touch the network: it reads a [`Scene`] (who is connected where, who is
//! in which room) taken from the lab between two commands.

use colored::Colorize;

use crate::lab::{Lab, LabError};
use crate::script::{Command, Emit, Origin, RoomRef, Statement, StatementKind, Target};

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
// broadcast started from a socket, removes the sender. Nothing else decides.

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
    says: "starts a broadcast: everyone in the namespace but the sender",
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
];

// ---- The lab, on paper ----------------------------------------------------------------------

/// What explain needs to know about the lab: sockets, namespaces, named rooms and handlers.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    /// Every socket with its namespace, in connection order (the order every view lists).
    pub sockets: Vec<(String, String)>,
    /// Named rooms: (namespace, room, members). Own-id rooms are implied by `sockets`.
    pub rooms: Vec<(String, String, Vec<String>)>,
    /// The namespaces the server serves.
    pub namespaces: Vec<String>,
    /// The `on` handlers: (namespace, event, statement).
    pub handlers: Vec<(String, String, Statement)>,
    /// Every name that ever connected: `bob.id` is a room even after bob has left.
    pub known_names: Vec<String>,
}

impl Scene {
    /// Reads the lab's membership as the server's adapter sees it right now.
    pub async fn read(lab: &Lab) -> Scene {
        let map = lab.room_map(false).await;
        let rooms = map
            .namespaces
            .iter()
            .flat_map(|ns| {
                ns.rooms.iter().map(|room| {
                    (
                        ns.namespace.clone(),
                        room.name.clone(),
                        room.members.clone(),
                    )
                })
            })
            .collect();
        Scene {
            sockets: lab.sockets(),
            rooms,
            namespaces: lab.namespaces(),
            handlers: lab.handlers(),
            known_names: lab.known_names(),
        }
    }

    fn namespace_of(&self, name: &str) -> Result<&str, LabError> {
        self.sockets
            .iter()
            .find(|(socket, _)| socket == name)
            .map(|(_, ns)| ns.as_str())
            .ok_or_else(|| LabError::UnknownSocket(name.to_string()))
    }

    /// Is `socket` (of namespace `ns`) in `room`, as the adapter of `ns` would answer?
    fn in_room(&self, ns: &str, socket: &str, room: &ResolvedRoom) -> bool {
        match room {
            ResolvedRoom::Own(owner) => owner == socket,
            ResolvedRoom::Named(name) => self
                .rooms
                .iter()
                .any(|(n, r, members)| n == ns && r == name && members.iter().any(|m| m == socket)),
        }
    }
}

/// A room as the adapter knows it: a name, or the own-id room of a socket.
#[derive(Debug, Clone, PartialEq)]
enum ResolvedRoom {
    Named(String),
    Own(String),
}

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
#[derive(Debug, Clone, PartialEq)]
pub enum ExplainError {
    /// The line is a command such as `connect`, not something that sends.
    NotAStatement,
    /// The statement cannot run here, for the same reason the lab would refuse it.
    Lab(LabError),
}

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExplainError::NotAStatement => write!(
                f,
                "explain takes a statement, such as explain alice: socket.to('room1').emit('hi')"
            ),
            ExplainError::Lab(error) => write!(f, "it would fail: {error}"),
        }
    }
}

impl From<LabError> for ExplainError {
    fn from(error: LabError) -> Self {
        ExplainError::Lab(error)
    }
}

/// Explains a parsed playground command: a statement (`alice: socket.to('r').emit('x')`,
/// `io.emit('x')`) or a client emit that a handler answers (`alice.emit('chat message', 'hi')`).
pub fn explain_command(scene: &Scene, command: &Command) -> Result<Explanation, ExplainError> {
    match command {
        Command::Run {
            as_socket,
            statement,
        } => {
            let mut explanation = explain(scene, as_socket.as_deref(), statement)?;
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
            let namespace = scene.namespace_of(name)?.to_string();
            let handler = scene
                .handlers
                .iter()
                .find(|(ns, ev, _)| *ns == namespace && ev == event)
                .map(|(_, _, statement)| statement.clone());
            let Some(handler) = handler else {
                return Ok(Explanation {
                    heading: source.clone(),
                    steps: Vec::new(),
                    verdict: Verdict::Nothing(format!(
                        "the server has no handler for '{event}' on {namespace}, so it would send nothing to anyone"
                    )),
                });
            };
            let mut explanation = explain(scene, Some(name), &handler)?;
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
        _ => Err(ExplainError::NotAStatement),
    }
}

/// Explains one statement run as `as_socket` (or at server level).
pub fn explain(
    scene: &Scene,
    as_socket: Option<&str>,
    statement: &Statement,
) -> Result<Explanation, LabError> {
    // The lab refuses an unknown socket before anything else; so does explain.
    let sender = match as_socket {
        Some(name) => Some((name, scene.namespace_of(name)?)),
        None => None,
    };
    let needs_sender = || sender.ok_or_else(|| LabError::NeedsSocket(statement.source.clone()));
    let mut explanation = Explanation {
        heading: statement.source.clone(),
        steps: Vec::new(),
        verdict: Verdict::Nothing(String::new()),
    };
    let emit = match &statement.kind {
        StatementKind::Emit(emit) => emit,
        StatementKind::Join(rooms) | StatementKind::Leave(rooms) => {
            let (name, _) = needs_sender()?;
            let rooms = rooms.iter().map(|r| r.to_string()).collect::<Vec<_>>();
            let verb = if matches!(statement.kind, StatementKind::Join(_)) {
                "join"
            } else {
                "leave"
            };
            explanation.steps.push(Step {
                what: format!("{name} would {verb} {}", rooms.join(", ")),
                rule: &MEMBERSHIP,
                sockets: None,
            });
            explanation.verdict = Verdict::Nothing("nothing would be sent to anyone".into());
            return Ok(explanation);
        }
        StatementKind::Disconnect => {
            let (name, _) = needs_sender()?;
            explanation.steps.push(Step {
                what: format!("the server would disconnect {name}"),
                rule: &MEMBERSHIP,
                sockets: None,
            });
            explanation.verdict = Verdict::Nothing("nothing would be sent to anyone".into());
            return Ok(explanation);
        }
    };

    // 1. The namespace, and the plain socket.emit that ignores every room.
    let namespace = match &emit.origin {
        Origin::Io { namespace } => namespace.clone(),
        Origin::Socket => needs_sender()?.1.to_string(),
    };
    if matches!(emit.origin, Origin::Socket) && !emit.excludes_sender() {
        let (name, _) = needs_sender()?;
        explanation.steps.push(Step {
            what: format!("only {name}"),
            rule: &SOCKET_EMIT,
            sockets: Some(vec![name.to_string()]),
        });
        return Ok(finish(
            scene,
            explanation,
            &namespace,
            emit,
            vec![name.to_string()],
        ));
    }
    // Resolved in the lab's order: targeted rooms, excepted rooms, then the namespace.
    let rooms = resolve(scene, sender, &emit.rooms())?;
    let excepted = resolve(scene, sender, &emit.excepted())?;
    // A namespace nobody serves yet is created by `io.of`, as in Node: it has no sockets.
    let mut left: Vec<String> = scene
        .sockets
        .iter()
        .filter(|(_, ns)| *ns == namespace)
        .map(|(name, _)| name.clone())
        .collect();
    let start_rule = match &emit.origin {
        Origin::Socket => &SOCKET_NAMESPACE,
        Origin::Io { namespace } if namespace == "/" && !statement.source.contains(".of(") => {
            &IO_MAIN
        }
        Origin::Io { .. } => &IO_OF,
    };
    explanation.steps.push(Step {
        what: format!("start from the sockets on {namespace}"),
        rule: start_rule,
        sockets: Some(left.clone()),
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
    if !rooms.is_empty() {
        left.retain(|socket| rooms.iter().any(|r| scene.in_room(&namespace, socket, r)));
        explanation.steps.push(Step {
            what: format!("keep the sockets in {}", written(&emit.rooms())),
            rule: &TO_ROOMS,
            sockets: Some(left.clone()),
        });
    }

    // 3. `.except`: always wins.
    if !excepted.is_empty() {
        left.retain(|socket| {
            !excepted
                .iter()
                .any(|r| scene.in_room(&namespace, socket, r))
        });
        explanation.steps.push(Step {
            what: format!("leave out the sockets in {}", written(&emit.excepted())),
            rule: &EXCEPT_ROOMS,
            sockets: Some(left.clone()),
        });
    }

    // 4. A broadcast from a socket leaves the sender out, whatever the rooms said.
    if emit.excludes_sender() {
        let (name, _) = needs_sender()?;
        left.retain(|socket| socket != name);
        let rule = match emit.chain.first() {
            Some(Target::Broadcast) => &SOCKET_BROADCAST,
            Some(Target::Except(_)) => &SOCKET_EXCEPT,
            _ => &SOCKET_TO,
        };
        explanation.steps.push(Step {
            what: format!("leave out the sender, {name}"),
            rule,
            sockets: Some(left.clone()),
        });
    }
    Ok(finish(scene, explanation, &namespace, emit, left))
}

fn finish(
    scene: &Scene,
    mut explanation: Explanation,
    namespace: &str,
    emit: &Emit,
    receive: Vec<String>,
) -> Explanation {
    let not_receive = scene
        .sockets
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| !receive.contains(name))
        .collect();
    explanation.verdict = Verdict::Emit {
        namespace: namespace.to_string(),
        event: emit.event.clone(),
        receive,
        not_receive,
    };
    explanation
}

/// Rooms as written to rooms as the adapter knows them, refusing what the lab would refuse.
fn resolve(
    scene: &Scene,
    sender: Option<(&str, &str)>,
    rooms: &[&RoomRef],
) -> Result<Vec<ResolvedRoom>, LabError> {
    rooms
        .iter()
        .map(|room| match room {
            RoomRef::Named(name) => Ok(ResolvedRoom::Named(name.clone())),
            RoomRef::OwnId => sender
                .map(|(name, _)| ResolvedRoom::Own(name.to_string()))
                .ok_or_else(|| LabError::NeedsSocket("socket.id".to_string())),
            RoomRef::SocketId(name) => {
                if !scene.known_names.contains(name) {
                    return Err(LabError::UnknownSocket(name.clone()));
                }
                Ok(ResolvedRoom::Own(name.clone()))
            }
        })
        .collect()
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

/// The explanation as the playground prints it.
pub fn text(explanation: &Explanation) -> String {
    let mut out = format!(
        "{} {}  {}\n",
        "explain".dimmed(),
        explanation.heading.bold(),
        "(not run: nothing is sent)".dimmed()
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse_command;

    fn scene() -> Scene {
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        Scene {
            sockets: vec![
                s("alice", "/"),
                s("bob", "/"),
                s("carol", "/"),
                s("dave", "/t"),
            ],
            rooms: vec![
                (
                    "/".into(),
                    "room1".into(),
                    vec!["alice".into(), "bob".into()],
                ),
                ("/t".into(), "room1".into(), vec!["dave".into()]),
            ],
            namespaces: vec!["/".into(), "/t".into()],
            handlers: Vec::new(),
            known_names: vec!["alice".into(), "bob".into(), "carol".into(), "dave".into()],
        }
    }

    fn recipients(line: &str) -> Vec<String> {
        let command = parse_command(line).ok().flatten().expect("a command");
        explain_command(&scene(), &command)
            .expect("an explanation")
            .recipients()
            .expect("an emit")
            .to_vec()
    }

    #[test]
    fn socket_to_leaves_the_sender_out_even_when_it_is_in_the_room() {
        assert_eq!(recipients("alice: socket.to('room1').emit('x')"), ["bob"]);
        let command = parse_command("alice: socket.to('room1').emit('x')")
            .ok()
            .flatten()
            .expect("a command");
        let explanation = explain_command(&scene(), &command).expect("an explanation");
        assert_eq!(explanation.steps.last().map(|s| s.rule), Some(&SOCKET_TO));
    }

    #[test]
    fn io_to_stays_in_its_namespace() {
        assert_eq!(recipients("io.to('room1').emit('x')"), ["alice", "bob"]);
        assert_eq!(recipients("io.of('/t').to('room1').emit('x')"), ["dave"]);
        assert!(recipients("io.of('/t').to(alice.id).emit('x')").is_empty());
    }

    #[test]
    fn what_the_lab_refuses_explain_refuses() {
        let command = parse_command("io.to(zed.id).emit('x')")
            .ok()
            .flatten()
            .expect("a command");
        assert_eq!(
            explain_command(&scene(), &command),
            Err(ExplainError::Lab(LabError::UnknownSocket("zed".into())))
        );
        let command = parse_command("connect erin")
            .ok()
            .flatten()
            .expect("a command");
        assert_eq!(
            explain_command(&scene(), &command),
            Err(ExplainError::NotAStatement)
        );
    }
}
