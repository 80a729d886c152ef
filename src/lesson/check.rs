//! `lessons check`: a lesson is valid when every line it runs runs on a real lab.
//!
//! Loading ([`super::load`]) checks the file's shape and parses every statement; whether the
//! statements then work (a socket used before it is connected, a namespace the lesson does not
//! serve, a handler that disconnects its own sender) is the lab's to say, so the check runs the
//! lesson on one, exactly as `demo` would. It takes a few milliseconds a lesson. Nothing is
//! printed; the first line that fails becomes a [`LessonError`] at that line.

use super::load::{LessonError, Source, load_each};
use super::model::Lesson;
use super::walk;
use crate::lab::{Lab, LabError, LabOptions};
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
        });
    }
    let mut lab = Lab::start(LabOptions::serving(&lesson.namespaces))
        .await
        .map_err(|error| LessonError {
            file: lesson.file.clone(),
            line: 1,
            column: 1,
            message: format!("cannot start a lab to check this lesson: {error}"),
        })?;
    let mut outcome = Ok(());
    for line in walk::lines(lesson) {
        if let Err(error) = lab.execute(&line.command).await {
            let (at, column) = line.position;
            outcome = Err(LessonError {
                file: lesson.file.clone(),
                line: at,
                column,
                message: message(&line.text, &line.command, &error),
            });
            break;
        }
    }
    lab.shutdown().await;
    outcome
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
    match command {
        Command::ClientEmit { event, .. } => {
            format!("the server's handler for '{event}' fails: {what}")
        }
        _ => what,
    }
}
