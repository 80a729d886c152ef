//! One walk through a lesson: which step comes next, and which lines each step runs on the lab.
//!
//! `demo`, the tutor, the playground's `--lesson` and `lessons check` all walk lessons through
//! here, so that they run the same lines in the same order and agree on the one rule of what is
//! shown: a `connect`, `disconnect`, `cut` or `silence` line is echoed before its reports, because its reports
//! (the server's proof of life) do not say what ran; every other line's reports do.

use super::model::{Lesson, Line, QuizKind, Step};
use crate::script::Command;

/// A line a step runs on the lab.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run<'a> {
    pub line: &'a Line,
    /// Show the line itself before its reports.
    pub echo: bool,
}

impl<'a> Run<'a> {
    fn of(line: &'a Line) -> Run<'a> {
        let echo = matches!(
            line.command,
            Command::Connect { .. }
                | Command::Disconnect { .. }
                | Command::Cut { .. }
                | Command::Silence { .. }
        );
        Run { line, echo }
    }
}

/// One step of a walk: the step, where it is, and what it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct At<'a> {
    /// 0-based position in the lesson.
    pub index: usize,
    /// How many steps the lesson has, for "step 3 of 14".
    pub of: usize,
    pub step: &'a Step,
    /// The lines it runs, in order: a lab step's lines, a run step's line, a predict quiz's
    /// statement, a write quiz's reference answer; nothing for the other steps.
    pub runs: Vec<Run<'a>>,
}

/// The steps of `lesson` from `from` (0 for the start; a resumed tutor starts later), in order.
pub fn walk(lesson: &Lesson, from: usize) -> impl Iterator<Item = At<'_>> {
    let of = lesson.steps.len();
    lesson
        .steps
        .iter()
        .enumerate()
        .skip(from)
        .map(move |(index, step)| At {
            index,
            of,
            step,
            runs: runs(step),
        })
}

/// Every line `lesson` runs, in order, with nothing shown: a replay (a resumed lesson, the
/// playground's `--lesson`) or a check.
pub fn lines(lesson: &Lesson) -> impl Iterator<Item = &Line> {
    walk(lesson, 0).flat_map(|at| at.runs.into_iter().map(|run| run.line))
}

fn runs(step: &Step) -> Vec<Run<'_>> {
    match step {
        Step::Lab(lines) => lines.iter().map(Run::of).collect(),
        Step::Run(run) => vec![Run::of(&run.line)],
        Step::Quiz(quiz) => match &quiz.kind {
            // A write step's reference runs too, so that the steps after it (and a resumed
            // tutor, and the check) see the lab as the lesson's author left it.
            QuizKind::Predict { line, .. } | QuizKind::Write { line, .. } => vec![Run::of(line)],
            _ => Vec::new(),
        },
        Step::Page(_) | Step::Rooms { .. } => Vec::new(),
    }
}
