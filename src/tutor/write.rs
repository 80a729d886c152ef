//! A write step in the tutor: the learner types one playground line, the judge runs it on a
//! shadow lab and compares its outcome with the reference's (`crate::judge`), and a wrong line
//! is shown next to the goal with the rules that decided it.
//!
//! The prompt is the playground's: rustyline with its history and its tab completion (the
//! language, and the lab's sockets, rooms and namespaces). A line that does not parse, or that
//! the lab refuses (a socket that does not exist), is shown with its error and does not count as
//! an attempt; the score is the first attempt's verdict, as for every quiz.

use colored::Colorize;
use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Editor};

use super::{Interrupted, TutorError, execute, print_reports, try_again};
use crate::complete::{Helper, Names};
use crate::judge::{Judge, JudgeError, Outcome, describe};
use crate::lab::Lab;
use crate::lab::report::Report;
use crate::lesson::{Lesson, Line};
use crate::render::explain::{Explanation, Verdict, explain_command, steps_text};
use crate::render::lesson::wrap_styled;
use crate::render::{LineError, View};
use crate::script::{Command, parse_command};
use crate::{out, outln};

const PROMPT: &str = "write> ";

/// The lines written at every write prompt of this session, oldest first, so that the arrow up
/// brings back a line from an earlier step too (each step has an editor of its own).
static HISTORY: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn history() -> std::sync::MutexGuard<'static, Vec<String>> {
    HISTORY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Asks for a line until one is right or the learner asks for the answer. Returns whether the
/// first attempt was right. The learner's lab then holds the reference's outcome, as in `demo`
/// and in a resumed lesson, whatever line the learner wrote.
pub async fn write(
    lab: &mut Lab,
    lesson: &Lesson,
    index: usize,
    reference: &Line,
    explanation: Option<&str>,
    hint: Option<&str>,
    record: &mut dyn FnMut(bool) -> Result<(), TutorError>,
) -> Result<(), TutorError> {
    let setup: Vec<Command> = crate::lesson::walk::walk(lesson, 0)
        .take(index)
        .flat_map(|at| at.runs.into_iter().map(|run| run.line.command.clone()))
        .collect();
    let judge = Judge::new(&lesson.lab_options(), setup, &reference.command)
        .await
        .map_err(|error| judge_failed(reference, error))?;
    let mut editor = editor(Names::of(lab).await)?;
    outln!(
        "{}",
        "Write one line (Tab completes; `rooms` shows the lab; your line runs on a copy of it)."
            .dimmed()
    );
    let mut first_try = true;
    // Offered until it has been shown once.
    let mut hint = hint;
    loop {
        let line = read(&mut editor)?;
        let command = match parse_command(&line) {
            Ok(Some(command)) => command,
            Ok(None) => continue,
            Err(error) => {
                // A typo is not an attempt: show where, and ask again.
                out!("{}", View::Text.error(&LineError::parse(0, &line, &error)));
                continue;
            }
        };
        // `rooms` is a look at the learner's lab, not an attempt.
        if let Command::Rooms { show_own_rooms } = command {
            print_reports(&[Report::Rooms(lab.room_map(show_own_rooms).await)]);
            continue;
        }
        let judged = judge
            .judge_with(&command, |shadow| explain_command(shadow, &command))
            .await;
        let (judgement, rules) = match judged {
            Ok(judged) => judged,
            Err(error @ (JudgeError::NotAStatement | JudgeError::Refused(_))) => {
                outln!("  {}", error.to_string().yellow());
                continue;
            }
            Err(error) => return Err(judge_failed(reference, error)),
        };
        // The first attempt is the score: record it before the learner sees the verdict, so
        // that quitting at the result cannot retake the question.
        if first_try {
            record(judgement.right())?;
        }
        outln!("{}", "  What your line did:".dimmed());
        print_reports(&judgement.attempt.reports);
        if judgement.right() {
            outln!("  {}", "Right!".green().bold());
            if line.trim() != reference.text.trim() {
                outln!(
                    "  {} {}",
                    "The lesson's answer was:".dimmed(),
                    reference.text
                );
            }
            if let Some(explanation) = explanation {
                outln!("{}", wrap_styled(explanation, "  ", "  "));
            }
            execute(lab, reference).await?;
            outln!();
            return Ok(());
        }
        first_try = false;
        outln!("  {}", "Not quite:".red().bold());
        for difference in &judgement.differences {
            // Not through the page markup: the learner's event names and arguments may hold
            // backticks or stars, which must show as typed.
            outln!("  - {}", describe(difference));
        }
        out!("{}", goal_text(judge.goal()));
        if let Ok(rules) = rules
            && matches!(rules.verdict, Verdict::Emit { .. })
        {
            out!("{}", rules_text(&rules));
        }
        outln!(
            "{}",
            "  (your line ran on a copy: the lab is as it was)".dimmed()
        );
        if !try_again(&mut hint)? {
            outln!(
                "  {} {}",
                "One possible answer:".green().bold(),
                reference.text
            );
            let reports = execute(lab, reference).await?;
            print_reports(&reports);
            if let Some(explanation) = explanation {
                outln!("{}", wrap_styled(explanation, "  ", "  "));
            }
            outln!();
            return Ok(());
        }
    }
}

fn judge_failed(reference: &Line, error: JudgeError) -> TutorError {
    match error {
        JudgeError::Setup(source) | JudgeError::Refused(source) => TutorError::Line {
            line: reference.text.clone(),
            source,
        },
        // Cannot happen for a loaded lesson (the loader accepts only statements as answers);
        // said as the lab says it for a line with no socket to run as.
        JudgeError::NotAStatement => TutorError::Line {
            line: reference.text.clone(),
            source: crate::lab::LabError::NeedsSocket(reference.text.clone()),
        },
    }
}

fn editor(names: Names) -> Result<Editor<Helper, DefaultHistory>, TutorError> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .max_history_size(100)
        .and_then(|b| Ok(b.history_ignore_dups(true)?.build()));
    let mut editor = config
        .and_then(Editor::<Helper, DefaultHistory>::with_config)
        .map_err(|_| Interrupted)?;
    editor.set_helper(Some(Helper { names }));
    for line in history().iter() {
        let _ = editor.add_history_entry(line.as_str());
    }
    Ok(editor)
}

/// One line from the learner; Ctrl-C or Ctrl-D leaves the tutor, as Esc does elsewhere.
fn read(editor: &mut Editor<Helper, DefaultHistory>) -> Result<String, Interrupted> {
    tokio::task::block_in_place(|| match editor.readline(PROMPT) {
        Ok(line) => {
            if !line.trim().is_empty() {
                let _ = editor.add_history_entry(line.as_str());
                history().push(line.clone());
            }
            Ok(line)
        }
        Err(ReadlineError::Interrupted | ReadlineError::Eof) => Err(Interrupted),
        Err(_) => Err(Interrupted),
    })
}

/// What the goal sends, beside what the learner's line did (the goal's text is not shown: it
/// is one answer among many).
fn goal_text(goal: &Outcome) -> String {
    let mut out = String::new();
    for sent in &goal.sent {
        let who = if sent.received.is_empty() {
            "nobody".to_string()
        } else {
            sent.received.join(", ")
        };
        out.push_str(&format!(
            "  {} '{}' on {}, received by {who}\n",
            "The goal:".bold(),
            sent.event,
            sent.namespace
        ));
    }
    if goal.sent.is_empty() {
        out.push_str(&format!(
            "  {} sends nothing; it changes the rooms\n",
            "The goal:".bold()
        ));
    }
    out
}

/// How the server picked the recipients of the learner's line, one rule a step: the
/// playground's `explain`, asked on the shadow lab just before the line ran.
fn rules_text(explanation: &Explanation) -> String {
    format!(
        "  {}\n{}",
        "How your line picked its recipients:".bold(),
        steps_text(explanation)
    )
}
