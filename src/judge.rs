//! The judge of a write step (`quiz = "write"`): is the learner's line right? Judged by what it
//! does on a real lab, never by its text.
//!
//! Right means the same outcome as the lesson's reference answer: the same events, in the same
//! namespace, with the same arguments, received by exactly the same sockets (so not received by
//! exactly the same others, over every namespace), and the same room map afterwards (rooms,
//! members, who is still connected). `io.in('lab').except(ann.id).emit('ping')` is then as right
//! as `ann: socket.to('lab').emit('ping')`, and `io.to('lab').emit('ping')`, which reaches ann
//! too, is wrong.
//!
//! ## Why a shadow lab, and not a preview or an undo
//!
//! Each line is run on a *shadow* lab: a fresh lab that replays the lesson's lines up to this
//! step (the `setup`), so it holds the same sockets and rooms as the learner's lab, then runs the
//! line for real. The learner's own lab is never touched, so a wrong attempt cannot leak into the
//! next step, whatever it was:
//!
//! - a preview (`Lab::preview`) sends nothing, but it only answers for emits: it cannot tell
//!   what a join, a leave or a `disconnect()` would leave behind, nor what a client's emit makes
//!   a handler do;
//! - an undo would have to reverse every kind of statement, and a disconnect cannot be reversed
//!   (a reconnected socket has a new id and a new place in the connection order).
//!
//! The outcome a replay shows is the real server's, through the same acknowledgement barrier as
//! every other run. A replay costs one lab start (under a millisecond) and the lesson's lines so
//! far; measured in a debug build, about 50 ms, most of it one 40 ms stall at the first barrier
//! after the sockets connect (the clients' TCP connections still run Nagle's algorithm). The
//! reference's outcome is worked out once per step ([`Judge::new`]), then each attempt costs one
//! replay.

use serde_json::Value;

use crate::lab::report::{Answers, Reply, Report, RoomMap};
use crate::lab::{Lab, LabError, LabOptions};
use crate::script::Command;

/// Why a line could not be judged. None of these counts as an attempt.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JudgeError {
    /// A lab command (`connect`, `rooms`, ...) rather than something the server runs.
    #[error(
        "write one statement the server runs, such as alice: socket.to('room1').emit('hi'), or a client emit such as alice.emit('chat message', 'hi') or alice.emitWithAck('question', 'hi')"
    )]
    NotAStatement,
    /// The lab refused the line (an unknown socket, a namespace it does not serve, ...).
    #[error("it cannot run here: {0}")]
    Refused(#[source] LabError),
    /// The lesson's own lines failed on the shadow lab: a lesson bug (`lessons check` finds it).
    #[error("the lesson's lines before this step fail on a fresh lab: {0}")]
    Setup(#[source] LabError),
}

/// What one line did: its reports (to show), the events it sent and the room map after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub reports: Vec<Report>,
    pub sent: Vec<Sent>,
    /// With own-id rooms, so that joining `bob.id` shows.
    pub rooms: RoomMap,
    /// For a server's `emitWithAck`: who was asked, who answered what.
    pub answers: Option<Answers>,
    /// For a client's `emitWithAck`: the answer it got.
    pub reply: Option<Reply>,
}

/// One event as it went out and who received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub namespace: String,
    pub event: String,
    pub args: Vec<Value>,
    /// In connection order.
    pub received: Vec<String>,
    /// Sent as a volatile event.
    pub volatile: bool,
}

/// One way an attempt's outcome differs from the goal.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// Sockets that received the event and should not have.
    Extra(Vec<String>),
    /// Sockets that should have received it and did not.
    Missing(Vec<String>),
    Event {
        goal: String,
        yours: String,
    },
    Args {
        goal: Vec<Value>,
        yours: Vec<Value>,
    },
    Namespace {
        goal: String,
        yours: String,
    },
    /// The goal sends `event`; the attempt sent nothing.
    NothingSent {
        goal: String,
    },
    /// The goal sends nothing (it changes rooms); the attempt sent `event`.
    SentInstead {
        yours: String,
    },
    /// The goal and the attempt send a different number of events (a handler that emits twice).
    EventCount {
        goal: usize,
        yours: usize,
    },
    /// After the attempt, `socket` is in `room` of `namespace` and should not be (or is not and
    /// should be, when `should_be`).
    Member {
        namespace: String,
        room: String,
        socket: String,
        should_be: bool,
    },
    /// After the attempt, `socket` is connected to `namespace` and should not be, or the reverse.
    Connected {
        namespace: String,
        socket: String,
        should_be: bool,
    },
    /// The goal waits for answers (`emitWithAck`) and the attempt does not (`goal` true), or
    /// the reverse.
    Asking {
        goal: bool,
    },
    /// The goal's event is volatile and the attempt's is not (`goal` true), or the reverse.
    Volatile {
        goal: bool,
    },
    /// Both ask, with different timeouts.
    Timeout {
        goal: u64,
        yours: u64,
    },
    /// A client's `emitWithAck`: the goal's and the attempt's differ in who asks, the event,
    /// its arguments or the answer (`None`: no client asked).
    Reply {
        goal: Option<Box<Reply>>,
        yours: Option<Box<Reply>>,
    },
}

/// The verdict on one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// What the attempt did on its shadow lab.
    pub attempt: Outcome,
    /// Empty when the attempt is right.
    pub differences: Vec<Difference>,
}

impl Judgement {
    pub fn right(&self) -> bool {
        self.differences.is_empty()
    }
}

/// The judge of one write step: the lab it replays and the goal to compare with.
#[derive(Debug, Clone)]
pub struct Judge {
    options: LabOptions,
    setup: Vec<Command>,
    goal: Outcome,
}

impl Judge {
    /// A judge for a step whose lab is built by `setup` (every line the lesson ran before it) on
    /// a lab serving `namespaces`, and whose goal is what `reference` does there. A reference
    /// that the lab refuses is [`JudgeError::Refused`]; `lessons check` rejects such lessons.
    pub async fn new(
        options: &LabOptions,
        setup: Vec<Command>,
        reference: &Command,
    ) -> Result<Judge, JudgeError> {
        let goal = outcome(options, &setup, reference, |_| ()).await?.0;
        Ok(Judge {
            options: options.clone(),
            setup,
            goal,
        })
    }

    /// What the reference does: the goal.
    pub fn goal(&self) -> &Outcome {
        &self.goal
    }

    /// Runs `attempt` on a shadow lab and compares its outcome with the goal.
    pub async fn judge(&self, attempt: &Command) -> Result<Judgement, JudgeError> {
        Ok(self.judge_with(attempt, |_| ()).await?.0)
    }

    /// As [`Judge::judge`], and calls `before` with the shadow lab just before the attempt runs,
    /// in the state the learner's lab is in: the tutor asks `explain` there for the rules that
    /// decided the attempt's recipients.
    pub async fn judge_with<T>(
        &self,
        attempt: &Command,
        before: impl FnOnce(&Lab) -> T,
    ) -> Result<(Judgement, T), JudgeError> {
        let (attempt, seen) = outcome(&self.options, &self.setup, attempt, before).await?;
        let differences = compare(&self.goal, &attempt);
        Ok((
            Judgement {
                attempt,
                differences,
            },
            seen,
        ))
    }
}

/// Runs `command` on a fresh lab after `setup`. The lab is shut down whatever happens.
async fn outcome<T>(
    options: &LabOptions,
    setup: &[Command],
    command: &Command,
    before: impl FnOnce(&Lab) -> T,
) -> Result<(Outcome, T), JudgeError> {
    if !matches!(
        command,
        Command::Run { .. } | Command::ClientEmit { .. } | Command::ClientEmitWithAck { .. }
    ) {
        return Err(JudgeError::NotAStatement);
    }
    let mut lab = Lab::start(options.clone())
        .await
        .map_err(JudgeError::Setup)?;
    let result = run(&mut lab, setup, command, before).await;
    lab.shutdown().await;
    result
}

async fn run<T>(
    lab: &mut Lab,
    setup: &[Command],
    command: &Command,
    before: impl FnOnce(&Lab) -> T,
) -> Result<(Outcome, T), JudgeError> {
    for line in setup {
        lab.execute(line).await.map_err(JudgeError::Setup)?;
    }
    let seen = before(lab);
    let reports = lab.execute(command).await.map_err(JudgeError::Refused)?;
    let rooms = lab.room_map(true).await;
    Ok((Outcome::of(reports, rooms), seen))
}

impl Outcome {
    /// The outcome of a line from the reports it gave and the room map (with own-id rooms)
    /// right after it. `lessons check` builds one from its own run of a lesson, to check that
    /// the judge's replay gives the same.
    pub fn of(reports: Vec<Report>, rooms: RoomMap) -> Outcome {
        let sent = reports
            .iter()
            .filter_map(|report| match report {
                Report::Delivery(delivery) => Some(Sent {
                    namespace: delivery.namespace.clone(),
                    event: delivery.event.clone(),
                    args: delivery.args.clone(),
                    received: delivery.received.clone(),
                    volatile: delivery.volatile,
                }),
                _ => None,
            })
            .collect();
        let answers = reports.iter().find_map(|report| match report {
            Report::Answers(answers) => Some(answers.clone()),
            _ => None,
        });
        let reply = reports.iter().find_map(|report| match report {
            Report::Reply(reply) => Some(reply.clone()),
            _ => None,
        });
        Outcome {
            reports,
            sent,
            rooms,
            answers,
            reply,
        }
    }
}

/// Every way `yours` differs from `goal`; empty when they are the same outcome.
pub fn compare(goal: &Outcome, yours: &Outcome) -> Vec<Difference> {
    let mut differences = Vec::new();
    match (goal.sent.as_slice(), yours.sent.as_slice()) {
        ([], []) => {}
        ([goal], []) => differences.push(Difference::NothingSent {
            goal: goal.event.clone(),
        }),
        // A goal that is a client's emitWithAck sends no event either: the reply difference
        // below says what it does instead.
        ([], [_, ..]) if goal.reply.is_some() => {}
        ([], [yours, ..]) => differences.push(Difference::SentInstead {
            yours: yours.event.clone(),
        }),
        (goals, yours) if goals.len() != yours.len() => {
            differences.push(Difference::EventCount {
                goal: goals.len(),
                yours: yours.len(),
            });
        }
        (goals, yours) => {
            for (goal, yours) in goals.iter().zip(yours) {
                differences.extend(compare_sent(goal, yours));
            }
        }
    }
    match (&goal.answers, &yours.answers) {
        (Some(_), None) => differences.push(Difference::Asking { goal: true }),
        (None, Some(_)) => differences.push(Difference::Asking { goal: false }),
        (Some(goal), Some(yours)) if goal.timeout_ms != yours.timeout_ms => {
            differences.push(Difference::Timeout {
                goal: goal.timeout_ms,
                yours: yours.timeout_ms,
            });
        }
        _ => {}
    }
    // A client's emitWithAck: the same socket asks with the same event and arguments, and gets
    // the same answer (the statement the handler ran is the server's business, not compared).
    let asked = |reply: &Option<Reply>| {
        reply.as_ref().map(|r| {
            (
                r.socket.clone(),
                r.event.clone(),
                r.args.clone(),
                r.answer.clone(),
            )
        })
    };
    if asked(&goal.reply) != asked(&yours.reply) {
        differences.push(Difference::Reply {
            goal: goal.reply.clone().map(Box::new),
            yours: yours.reply.clone().map(Box::new),
        });
    }
    differences.extend(compare_rooms(&goal.rooms, &yours.rooms));
    differences
}

fn compare_sent(goal: &Sent, yours: &Sent) -> Vec<Difference> {
    let mut differences = Vec::new();
    if goal.namespace != yours.namespace {
        differences.push(Difference::Namespace {
            goal: goal.namespace.clone(),
            yours: yours.namespace.clone(),
        });
    }
    if goal.event != yours.event {
        differences.push(Difference::Event {
            goal: goal.event.clone(),
            yours: yours.event.clone(),
        });
    }
    if goal.volatile != yours.volatile {
        differences.push(Difference::Volatile {
            goal: goal.volatile,
        });
    }
    if goal.args != yours.args {
        differences.push(Difference::Args {
            goal: goal.args.clone(),
            yours: yours.args.clone(),
        });
    }
    let extra: Vec<String> = yours
        .received
        .iter()
        .filter(|name| !goal.received.contains(name))
        .cloned()
        .collect();
    let missing: Vec<String> = goal
        .received
        .iter()
        .filter(|name| !yours.received.contains(name))
        .cloned()
        .collect();
    if !extra.is_empty() {
        differences.push(Difference::Extra(extra));
    }
    if !missing.is_empty() {
        differences.push(Difference::Missing(missing));
    }
    differences
}

/// (namespace, room, member) for every membership a room map shows, leaving out a socket's
/// membership of its own room (that only says it is connected, which `connected` covers).
fn memberships(map: &RoomMap) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for namespace in &map.namespaces {
        for room in &namespace.rooms {
            for member in &room.members {
                if room.own_room_of.as_deref() == Some(member.as_str()) {
                    continue;
                }
                all.push((
                    namespace.namespace.clone(),
                    room.name.clone(),
                    member.clone(),
                ));
            }
        }
    }
    all
}

fn connected(map: &RoomMap) -> Vec<(String, String)> {
    map.namespaces
        .iter()
        .flat_map(|ns| {
            ns.sockets
                .iter()
                .map(|socket| (ns.namespace.clone(), socket.clone()))
        })
        .collect()
}

fn compare_rooms(goal: &RoomMap, yours: &RoomMap) -> Vec<Difference> {
    let mut differences = Vec::new();
    let (goal_in, yours_in) = (connected(goal), connected(yours));
    for (namespace, socket) in goal_in.iter().filter(|c| !yours_in.contains(c)) {
        differences.push(Difference::Connected {
            namespace: namespace.clone(),
            socket: socket.clone(),
            should_be: true,
        });
    }
    for (namespace, socket) in yours_in.iter().filter(|c| !goal_in.contains(c)) {
        differences.push(Difference::Connected {
            namespace: namespace.clone(),
            socket: socket.clone(),
            should_be: false,
        });
    }
    let (goal_in, yours_in) = (memberships(goal), memberships(yours));
    for (namespace, room, socket) in goal_in.iter().filter(|m| !yours_in.contains(m)) {
        differences.push(Difference::Member {
            namespace: namespace.clone(),
            room: room.clone(),
            socket: socket.clone(),
            should_be: true,
        });
    }
    for (namespace, room, socket) in yours_in.iter().filter(|m| !goal_in.contains(m)) {
        differences.push(Difference::Member {
            namespace: namespace.clone(),
            room: room.clone(),
            socket: socket.clone(),
            should_be: false,
        });
    }
    differences
}

/// One sentence for a learner per difference.
pub fn describe(difference: &Difference) -> String {
    let list = |names: &[String]| names.join(", ");
    let args = |args: &[Value]| {
        args.iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match difference {
        Difference::Extra(names) => format!("reached but should not have: {}", list(names)),
        Difference::Missing(names) => format!("missed (should have received it): {}", list(names)),
        Difference::Event { goal, yours } => {
            format!("the event is '{yours}'; the goal sends '{goal}'")
        }
        Difference::Args { goal, yours } => format!(
            "the arguments are ({}); the goal sends ({})",
            args(yours),
            args(goal)
        ),
        Difference::Namespace { goal, yours } => {
            format!("it went out on {yours}; the goal is on {goal}")
        }
        Difference::NothingSent { goal } => {
            format!("it sent nothing; the goal sends '{goal}'")
        }
        Difference::SentInstead { yours } => {
            format!("it sent '{yours}'; the goal sends nothing, it changes rooms")
        }
        Difference::EventCount { goal, yours } => {
            format!("it sent {yours} events; the goal sends {goal}")
        }
        Difference::Member {
            namespace,
            room,
            socket,
            should_be: true,
        } => format!("{socket} should be in '{room}' on {namespace}, and is not"),
        Difference::Member {
            namespace,
            room,
            socket,
            should_be: false,
        } => format!("{socket} is in '{room}' on {namespace}, and should not be"),
        Difference::Connected {
            namespace,
            socket,
            should_be: true,
        } => format!("{socket} should still be connected to {namespace}"),
        Difference::Connected {
            namespace,
            socket,
            should_be: false,
        } => format!("{socket} should have been disconnected from {namespace}"),
        Difference::Asking { goal: true } => {
            "it asks for no answer; the goal waits for each socket's answer (timeout(...).emitWithAck)"
                .to_string()
        }
        Difference::Asking { goal: false } => {
            "it waits for answers (emitWithAck); the goal only sends".to_string()
        }
        Difference::Volatile { goal: true } => {
            "it is an ordinary emit; the goal is volatile (the server may drop it)".to_string()
        }
        Difference::Volatile { goal: false } => {
            "it is volatile (the server may drop it); the goal must not be".to_string()
        }
        Difference::Timeout { goal, yours } => {
            format!("it waits {yours} ms for the answers; the goal waits {goal} ms")
        }
        Difference::Reply { goal, yours } => {
            let said = |reply: &Reply| {
                format!(
                    "{} asks {} and gets {}",
                    reply.socket,
                    crate::render::text::event_with_args(&reply.event, &reply.args),
                    crate::render::text::js_value(&reply.answer)
                )
            };
            match (goal, yours) {
                (Some(goal), Some(yours)) => {
                    format!("{}; the goal: {}", said(yours), said(goal))
                }
                (Some(goal), None) => format!("no client asks for an answer; the goal: {}", said(goal)),
                (None, Some(yours)) => format!("{}; the goal asks for no answer", said(yours)),
                (None, None) => String::new(),
            }
        }
    }
}
