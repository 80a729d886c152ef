//! `sio-tutor demo`: a lesson from start to end with no prompts, for a projector, for the
//! snapshot tests and, with `--json`, for tools.
//!
//! Pages, live statements with their deliveries and the server's proof of life in order, room
//! maps, and each quiz question shown with its answer. The answer to a predict question is not
//! written in the lesson: it is whoever the live lab delivered to, and the text view shows it
//! after the run, so that a class can answer before it sees it. A write question is shown with
//! its reference running live, labelled as one possible answer.
//!
//! `demo --step` paces the lesson for a projector: one step per Enter, each on a clear screen,
//! and a predicted statement shows its question first and runs on the next Enter.

use std::io::{BufRead, Write};

use crate::lab::report::Report;
use crate::lab::{Lab, LabError};
use crate::lesson::walk::walk;
use crate::lesson::{Lesson, Line, QuizKind, Step};
use crate::render::View;
use crate::render::lesson::{LessonItem, OptionView, QuizView};

/// Why a demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("lesson {lesson}, at `{line}`: {source}")]
    Lab {
        lesson: String,
        line: String,
        #[source]
        source: LabError,
    },
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// How `demo --step` waits: a line of `input` (Enter) per step. `clear` clears the screen
/// before each step (on a terminal).
pub struct Pace<'a> {
    pub input: &'a mut dyn BufRead,
    pub clear: bool,
    /// Set once the input has ended: the rest runs without pausing.
    ended: bool,
}

impl<'a> Pace<'a> {
    pub fn new(input: &'a mut dyn BufRead, clear: bool) -> Pace<'a> {
        Pace {
            input,
            clear,
            ended: false,
        }
    }

    /// Says what Enter will do, and waits for it.
    fn wait(&mut self, out: &mut dyn Write, what: &str) -> std::io::Result<()> {
        if self.ended {
            return Ok(());
        }
        use colored::Colorize;
        write!(out, "{}", format!("  [Enter] {what}").dimmed())?;
        out.flush()?;
        let mut line = String::new();
        // Blocking, but the lab's tasks run on the runtime's other workers meanwhile.
        let read = tokio::task::block_in_place(|| self.input.read_line(&mut line))?;
        if read == 0 {
            self.ended = true;
        }
        writeln!(out)?;
        Ok(())
    }

    fn clear(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.clear && !self.ended {
            // ESC [2J clears the screen, ESC [H puts the cursor at its top.
            out.write_all(b"\x1b[2J\x1b[H")?;
        }
        Ok(())
    }
}

/// Runs one lesson in a fresh lab, writing every item to `out`.
pub async fn run(lesson: &Lesson, view: View, out: &mut impl Write) -> Result<(), DemoError> {
    run_paced(lesson, view, out, None).await
}

/// Runs one lesson in a fresh lab, one step per Enter when `pace` is given.
pub async fn run_paced(
    lesson: &Lesson,
    view: View,
    out: &mut impl Write,
    pace: Option<&mut Pace<'_>>,
) -> Result<(), DemoError> {
    let mut lab = Lab::start_scaled(lesson.lab_options(), &lesson.scale)
        .await
        .map_err(|error| DemoError::Lab {
            lesson: lesson.id.clone(),
            line: "(starting the lab)".to_string(),
            source: error,
        })?;
    let outcome = run_in(&mut lab, lesson, view, out, pace).await;
    lab.shutdown().await;
    outcome
}

/// Runs one lesson in a lab the caller owns.
pub async fn run_in(
    lab: &mut Lab,
    lesson: &Lesson,
    view: View,
    out: &mut impl Write,
    mut pace: Option<&mut Pace<'_>>,
) -> Result<(), DemoError> {
    let show = |out: &mut dyn Write, item: LessonItem| -> std::io::Result<()> {
        out.write_all(view.lesson_item(&item).as_bytes())
    };
    // Paced, each lesson starts on a clear screen with its title, and its first step with it.
    if let Some(pace) = pace.as_deref_mut() {
        pace.clear(out)?;
    }
    show(
        out,
        LessonItem::Lesson {
            number: lesson.number,
            id: lesson.id.clone(),
            title: lesson.title.clone(),
            summary: lesson.summary.clone(),
        },
    )?;
    for at in walk(lesson, 0) {
        if let Some(pace) = pace.as_deref_mut()
            && at.index > 0
        {
            pace.wait(out, &format!("step {} of {}", at.index + 1, at.of))?;
            pace.clear(out)?;
        }
        match at.step {
            Step::Page(text) => show(out, LessonItem::Page { text: text.clone() })?,
            Step::Lab(_) => {
                for run in &at.runs {
                    let reports = execute(lab, lesson, run.line).await?;
                    if run.echo {
                        show(
                            out,
                            LessonItem::Command {
                                line: run.line.text.clone(),
                            },
                        )?;
                    }
                    write_reports(out, view, &reports)?;
                }
                writeln_text(out, view)?;
            }
            Step::Run(run) => {
                let reports = execute(lab, lesson, &run.line).await?;
                write_reports(out, view, &reports)?;
                match &run.notice {
                    Some(text) => show(out, LessonItem::Notice { text: text.clone() })?,
                    None => writeln_text(out, view)?,
                }
            }
            Step::Rooms { show_own_rooms } => {
                let map = lab.room_map(*show_own_rooms).await;
                write_reports(out, view, &[Report::Rooms(map)])?;
                writeln_text(out, view)?;
            }
            Step::Quiz(quiz) => {
                let mut view_of = QuizView {
                    quiz: String::new(),
                    question: quiz.question.clone(),
                    hint: quiz.hint.clone(),
                    options: Vec::new(),
                    answer: Vec::new(),
                    explanation: None,
                    reflection: false,
                    answer_after_run: false,
                };
                match &quiz.kind {
                    QuizKind::Predict { line, why } if view == View::Text => {
                        // The question first, then the run, then who received it: the answer
                        // is not given away before the class has had its say.
                        view_of.quiz = "predict".into();
                        view_of.answer_after_run = true;
                        show(out, LessonItem::Quiz(view_of.clone()))?;
                        if let Some(pace) = pace.as_deref_mut() {
                            pace.wait(out, &format!("runs `{}`", line.text))?;
                        }
                        let reports = execute(lab, lesson, line).await?;
                        write_reports(out, view, &reports)?;
                        show(
                            out,
                            LessonItem::Received {
                                received: Report::received_by(&reports),
                                explanation: why.clone(),
                            },
                        )?;
                        continue;
                    }
                    QuizKind::Predict { line, why } => {
                        view_of.quiz = "predict".into();
                        let reports = execute(lab, lesson, line).await?;
                        view_of.answer = Report::received_by(&reports);
                        view_of.explanation = Some(why.clone());
                        show(out, LessonItem::Quiz(view_of.clone()))?;
                        write_reports(out, view, &reports)?;
                        writeln_text(out, view)?;
                        continue;
                    }
                    QuizKind::Write { line, explanation } => {
                        // The question, then the reference running live: one possible answer
                        // among every line with the same outcome.
                        view_of.quiz = "write".into();
                        view_of.answer = vec![line.text.clone()];
                        view_of.explanation = explanation.clone();
                        if view == View::Text
                            && let Some(pace) = pace.as_deref_mut()
                        {
                            // Paced, the class writes its own line first: the question, a
                            // pause, then one possible answer running live.
                            view_of.answer_after_run = true;
                            show(out, LessonItem::Quiz(view_of.clone()))?;
                            pace.wait(out, "shows one possible answer")?;
                            let reports = execute(lab, lesson, line).await?;
                            show(
                                out,
                                LessonItem::PossibleAnswer {
                                    answer: line.text.clone(),
                                    explanation: explanation.clone(),
                                },
                            )?;
                            write_reports(out, view, &reports)?;
                            writeln_text(out, view)?;
                            continue;
                        }
                        let reports = execute(lab, lesson, line).await?;
                        show(out, LessonItem::Quiz(view_of.clone()))?;
                        write_reports(out, view, &reports)?;
                        writeln_text(out, view)?;
                        continue;
                    }
                    QuizKind::Choice { .. } => {
                        view_of.quiz = "choice".into();
                        view_of.options = quiz
                            .options_shown()
                            .iter()
                            .map(|o| OptionView {
                                text: o.text.clone(),
                                correct: o.correct,
                                why: o.why.clone(),
                            })
                            .collect();
                    }
                    QuizKind::Text {
                        accept,
                        explanation,
                        reflection,
                        ..
                    } => {
                        view_of.quiz = "text".into();
                        view_of.answer = accept.first().cloned().into_iter().collect();
                        view_of.explanation = explanation.clone();
                        view_of.reflection = *reflection;
                    }
                }
                show(out, LessonItem::Quiz(view_of))?;
            }
        }
    }
    show(
        out,
        LessonItem::End {
            id: lesson.id.clone(),
        },
    )?;
    // Paced, the end of a lesson stays on screen until Enter: with `--all`, the next lesson
    // would otherwise clear it at once.
    if let Some(pace) = pace {
        pace.wait(out, "ends the lesson")?;
    }
    out.flush()?;
    Ok(())
}

async fn execute(lab: &mut Lab, lesson: &Lesson, line: &Line) -> Result<Vec<Report>, DemoError> {
    lab.execute(&line.command)
        .await
        .map_err(|error| DemoError::Lab {
            lesson: lesson.id.clone(),
            line: line.text.clone(),
            source: error,
        })
}

fn write_reports(out: &mut impl Write, view: View, reports: &[Report]) -> std::io::Result<()> {
    for report in reports {
        out.write_all(view.report(report).as_bytes())?;
    }
    Ok(())
}

/// A blank line between steps, in the text view only.
fn writeln_text(out: &mut impl Write, view: View) -> std::io::Result<()> {
    if view == View::Text {
        out.write_all(b"\n")?;
    }
    Ok(())
}
