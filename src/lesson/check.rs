//! `lessons check`: a lesson is valid when every line it runs runs on a real lab.
//!
//! Loading ([`super::load`]) checks the file's shape and parses every statement; whether the
//! statements then work (a socket used before it is connected, a namespace the lesson does not
//! serve, a handler that disconnects its own sender) is the lab's to say, so the check runs the
//! lesson on one, exactly as `demo` would. It takes a few milliseconds a lesson, plus one replay
//! per write step. Nothing is printed; the first line that fails becomes a [`LessonError`] at
//! that line. A write step's answer must also have an outcome the judge can compare (an event
//! sent, or rooms changed), and the judge's replay of the lesson must give the answer the same
//! outcome as the straight run.

use super::load::{LessonError, Source, load_each};
use super::model::{Lesson, Line, Quiz, QuizKind, Step};
use super::walk;
use crate::judge::{Judge, Outcome, compare, describe};
use crate::lab::report::Report;
use crate::lab::{Lab, LabError};
use crate::script::Command;

/// Runs every line of `lesson` on a fresh lab; the first failure, at its line and column.
pub async fn check(lesson: &Lesson) -> Result<(), LessonError> {
    // A lesson with no steps could never be done: the tutor would have nothing to walk.
    if lesson.steps.is_empty() {
        return Err(LessonError {
            file: lesson.file.clone(),
            line: 1,
            column: 1,
            message: "the lesson has no steps; add at least one [[steps]]".to_string(),
            snippet: None,
        });
    }
    let mut lab = Lab::start_scaled(lesson.lab_options(), &lesson.scale)
        .await
        .map_err(|error| LessonError {
            file: lesson.file.clone(),
            line: 1,
            column: 1,
            message: format!("cannot start a lab to check this lesson: {error}"),
            snippet: None,
        })?;
    let outcome = run(&mut lab, lesson).await;
    lab.shutdown().await;
    outcome
}

async fn run(lab: &mut Lab, lesson: &Lesson) -> Result<(), LessonError> {
    // Every line run so far: the setup a write step's judge replays.
    let mut setup: Vec<Command> = Vec::new();
    for at in walk::walk(lesson, 0) {
        for run in &at.runs {
            let line = run.line;
            let error_at = |message: String| {
                let (at, column) = line.position;
                LessonError {
                    file: lesson.file.clone(),
                    line: at,
                    column,
                    message,
                    snippet: lesson
                        .text
                        .lines()
                        .nth(at.saturating_sub(1))
                        .map(String::from),
                }
            };
            let reports = lab
                .execute(&line.command)
                .await
                .map_err(|error| error_at(message(&line.text, &line.command, &error)))?;
            // A write step's answer is judged by what it sends or what it changes in the rooms:
            // one that does neither (a client emit with no handler) leaves nothing to compare.
            if let Step::Quiz(Quiz {
                kind: QuizKind::Write { .. },
                ..
            }) = at.step
                && !reports.iter().any(|r| {
                    matches!(
                        r,
                        Report::Delivery(_) | Report::Membership(_) | Report::Reply(_)
                    )
                })
            {
                return Err(error_at(format!(
                    "the answer `{}` sends nothing and changes no room, so there is nothing to judge an attempt against",
                    line.text
                )));
            }
            if let Step::Quiz(Quiz {
                kind: QuizKind::Write { .. },
                ..
            }) = at.step
            {
                let here = Outcome::of(reports, lab.room_map(true).await);
                judge_agrees(lesson, &setup, line, &here)
                    .await
                    .map_err(error_at)?;
            }
            setup.push(line.command.clone());
        }
    }
    Ok(())
}

/// The judge replays the lesson up to a write step on a lab of its own and runs the answer
/// there: that must be what the answer did `here`, on the lab that ran the lesson straight
/// through, or the tutor would judge learners against a goal that is not what they see.
async fn judge_agrees(
    lesson: &Lesson,
    setup: &[Command],
    line: &Line,
    here: &Outcome,
) -> Result<(), String> {
    let judge = Judge::new(&lesson.lab_options(), setup.to_vec(), &line.command)
        .await
        .map_err(|error| format!("the answer `{}` cannot be judged: {error}", line.text))?;
    match compare(here, judge.goal()).first() {
        None => Ok(()),
        Some(difference) => Err(format!(
            "the answer `{}` does not do the same thing on a replay of the lesson ({}), so no attempt could be judged fairly",
            line.text,
            describe(difference)
        )),
    }
}

/// Checks every lesson; every failure, in lesson order.
pub async fn check_all(lessons: &[Lesson]) -> Vec<LessonError> {
    let mut errors = Vec::new();
    for lesson in lessons {
        if let Err(error) = check(lesson).await {
            errors.push(error);
        }
    }
    errors
}

/// Loads every lesson and runs each one that loads on a lab: the lessons, and every error of
/// either kind, sorted by file.
pub async fn load_and_check(source: Source<'_>) -> (Vec<Lesson>, Vec<LessonError>) {
    let (lessons, mut errors) = load_each(source);
    errors.extend(check_all(&lessons).await);
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    (lessons, errors)
}

/// What a lesson author should do about a lab error. A client emit fails in the server's
/// handler for it, so the message says so.
fn message(line: &str, command: &Command, error: &LabError) -> String {
    let what = match error {
        LabError::UnknownSocket(name) => format!(
            "the socket {name} is used before it is connected (add `connect {name}` to a lab step before this one)"
        ),
        LabError::UnknownNamespace(namespace) => format!(
            "the namespace {namespace} is not served: add it to `namespaces` at the top of the file"
        ),
        other => format!("`{line}` fails on the lab: {other}"),
    };
    match (command, error) {
        // Refused before anything is sent: the handler never ran.
        (_, LabError::NeverAnswered { .. } | LabError::NotAFunction { .. }) => what,
        (Command::ClientEmit { event, .. } | Command::ClientEmitWithAck { event, .. }, _) => {
            format!("the server's handler for '{event}' fails: {what}")
        }
        _ => what,
    }
}
