//! The interactive tutor: the lesson menu, and one lesson walked a step at a time with live
//! predictions, quizzes, a score, and progress saved after every step.
//!
//! It shows lessons through the same views as `demo` and runs them in the same lab; what it adds
//! is the asking. A lesson resumes where the learner left it: the steps before that point are
//! replayed silently in a fresh lab, so the sockets and rooms are as they were.
//!
//! - [`terminal`]: prompts, and leaving the terminal clean on Ctrl-C or Esc.
//! - [`progress`]: the progress file (atomic writes; an unreadable file is set aside).
//! - [`journal`]: answers to reflection questions.
//! - [`answer`]: checking free answers.

pub mod answer;
pub mod journal;
pub mod progress;
pub mod terminal;

use colored::Colorize;

use crate::lab::LabError;
use crate::lab::report::Report;
use crate::lab::{Lab, LabOptions};
use crate::lesson::walk::{At, walk};
use crate::lesson::{Choice, Lesson, Line, Quiz, QuizKind, Step};
use crate::render::View;
use crate::render::lesson::{LessonItem, page, wrap_styled};
use crate::{out, outln};
use journal::{Journal, JournalError};
use progress::{Progress, Status, Store};
pub use terminal::Interrupted;

/// Why the tutor stopped early.
#[derive(Debug, thiserror::Error)]
pub enum TutorError {
    #[error(
        "cannot find a folder for your progress: set SIO_TUTOR_HOME to a folder of your choice"
    )]
    NoHome,
    #[error("cannot save your progress in {}: {source}", dir.display())]
    Save {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The lab would not start.
    #[error(transparent)]
    Lab(#[from] LabError),
    /// A line of the lesson failed on the lab.
    #[error("at `{line}`: {source}")]
    Line {
        line: String,
        #[source]
        source: LabError,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Ctrl-C or Esc: not a failure; the command line says goodbye and exits with 130.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

/// The tutor's state: the lessons, the progress and where it is kept.
pub struct Tutor {
    lessons: Vec<Lesson>,
    store: Store,
    progress: Progress,
    /// The step being shown and the lesson's number of steps, for the "step 3 of 14" beside
    /// every pause.
    at: (usize, usize),
}

impl Tutor {
    /// Opens the progress store, printing a warning if the file had to be set aside.
    pub fn open(lessons: Vec<Lesson>) -> Result<Tutor, TutorError> {
        let dir = crate::files::home().ok_or(TutorError::NoHome)?;
        let store = Store::new(dir);
        let (progress, warning) = store.load();
        if let Some(warning) = warning {
            crate::output::warn(warning);
        }
        Ok(Tutor {
            lessons,
            store,
            progress,
            at: (0, 0),
        })
    }

    pub fn journal(&self) -> Journal {
        Journal::new(self.store.dir().to_path_buf())
    }

    /// Forgets the progress of one lesson, or of all.
    pub fn reset(&mut self, lesson: Option<&str>) -> Result<(), TutorError> {
        match lesson {
            Some(id) => {
                self.progress.lessons.remove(id);
            }
            None => self.progress = Progress::default(),
        }
        self.save()
    }

    fn save(&self) -> Result<(), TutorError> {
        self.store
            .save(&self.progress)
            .map_err(|source| TutorError::Save {
                dir: self.store.dir().to_path_buf(),
                source,
            })
    }

    /// The menu: every lesson with its status, the cursor where the learner left off.
    pub async fn menu(&mut self) -> Result<(), TutorError> {
        loop {
            let mut items: Vec<String> = self
                .lessons
                .iter()
                .map(|l| {
                    format!(
                        "{}. {:<20} {}",
                        l.number,
                        l.title,
                        self.progress.label(&l.id)
                    )
                })
                .collect();
            items.push("Quit".to_string());
            let chosen = terminal::select("Pick a lesson", &items, self.where_to_start())?;
            let Some(lesson) = self.lessons.get(chosen).cloned() else {
                return Ok(());
            };
            self.learn(&lesson).await?;
        }
    }

    /// The lesson in progress if there is one, else the first one not done.
    fn where_to_start(&self) -> usize {
        let position = |id: &str| self.lessons.iter().position(|l| l.id == id);
        if let Some(last) = &self.progress.last
            && self.progress.status(last) == Status::InProgress
            && let Some(index) = position(last)
        {
            return index;
        }
        self.lessons
            .iter()
            .position(|l| self.progress.status(&l.id) != Status::Done)
            .unwrap_or(0)
    }

    /// Walks one lesson from where the learner left it.
    pub async fn learn(&mut self, lesson: &Lesson) -> Result<(), TutorError> {
        let mut state = self
            .progress
            .lessons
            .get(&lesson.id)
            .cloned()
            .unwrap_or_default();
        if state.done {
            state = Default::default(); // a finished lesson starts over
        }
        self.progress.last = Some(lesson.id.clone());

        let mut lab = Lab::start(LabOptions::serving(&lesson.namespaces)).await?;
        out!(
            "{}",
            View::Text.lesson_item(&LessonItem::Lesson {
                number: lesson.number,
                id: lesson.id.clone(),
                title: lesson.title.clone(),
                summary: lesson.summary.clone(),
            })
        );
        if state.step > 0 {
            outln!(
                "{}\n",
                format!(
                    "Resuming at step {} of {}.",
                    state.step + 1,
                    lesson.steps.len()
                )
                .dimmed()
            );
            // The steps before: their lines run silently, to rebuild the lab as it was.
            for at in walk(lesson, 0).take(state.step) {
                for run in &at.runs {
                    execute(&mut lab, run.line).await?;
                }
            }
        }

        for at in walk(lesson, state.step) {
            self.at = (at.index + 1, at.of);
            let outcome = self.step(&mut lab, lesson, &at).await?;
            if let Some(right) = outcome {
                state.questions += 1;
                state.score += usize::from(right);
            }
            state.step = at.index + 1;
            state.done = state.step == at.of;
            self.progress
                .lessons
                .insert(lesson.id.clone(), state.clone());
            self.save()?;
        }
        lab.shutdown().await;
        outln!(
            "{} {} of {} questions right at the first try.\n",
            format!("Lesson {} done.", lesson.number).green().bold(),
            state.score,
            state.questions
        );
        terminal::press_enter("back to the lessons")?;
        outln!();
        Ok(())
    }

    /// Waits for Enter, saying where in the lesson the learner is.
    fn pause(&self) -> Result<(), Interrupted> {
        let (step, steps) = self.at;
        terminal::press_enter(&format!("step {step} of {steps}"))
    }

    /// Shows one step. Returns `Some(right)` for a question (right at the first try or not).
    async fn step(
        &mut self,
        lab: &mut Lab,
        lesson: &Lesson,
        at: &At<'_>,
    ) -> Result<Option<bool>, TutorError> {
        match at.step {
            Step::Page(text) => {
                out!("{}", page(text, ""));
                self.pause()?;
                outln!();
                Ok(None)
            }
            Step::Lab(_) => {
                for run in &at.runs {
                    let reports = execute(lab, run.line).await?;
                    if run.echo {
                        out!(
                            "{}",
                            View::Text.lesson_item(&LessonItem::Command {
                                line: run.line.text.clone()
                            })
                        );
                    }
                    print_reports(&reports);
                }
                outln!();
                Ok(None)
            }
            Step::Run(run) => match &run.predict_why {
                Some(why) => {
                    let right = predict(lab, &run.line, "Who will receive it?", why).await?;
                    if let Some(notice) = &run.notice {
                        out!(
                            "{}",
                            View::Text.lesson_item(&LessonItem::Notice {
                                text: notice.clone()
                            })
                        );
                    }
                    self.pause()?;
                    outln!();
                    Ok(Some(right))
                }
                None => {
                    let reports = execute(lab, &run.line).await?;
                    print_reports(&reports);
                    match &run.notice {
                        Some(text) => out!(
                            "{}",
                            View::Text.lesson_item(&LessonItem::Notice { text: text.clone() })
                        ),
                        None => outln!(),
                    }
                    self.pause()?;
                    outln!();
                    Ok(None)
                }
            },
            Step::Rooms { show_own_rooms } => {
                print_reports(&[Report::Rooms(lab.room_map(*show_own_rooms).await)]);
                outln!();
                Ok(None)
            }
            Step::Quiz(quiz) => self.quiz(lab, lesson, quiz).await,
        }
    }

    async fn quiz(
        &mut self,
        lab: &mut Lab,
        lesson: &Lesson,
        quiz: &Quiz,
    ) -> Result<Option<bool>, TutorError> {
        outln!("{} {}", "Quiz:".magenta().bold(), quiz.question.bold());
        let right = match &quiz.kind {
            QuizKind::Predict { line, why } => {
                let right = predict(lab, line, "Your prediction", why).await?;
                self.pause()?;
                right
            }
            QuizKind::Choice { .. } => choice(&quiz.options_shown(), quiz.hint.as_deref())?,
            QuizKind::Text {
                accept,
                explanation,
                reflection: true,
                ..
            } => {
                let _ = (accept, explanation);
                let answer = terminal::input("Your answer")?;
                if !answer.trim().is_empty() {
                    self.journal()
                        .add(&lesson.id, &quiz.question, answer.trim())?;
                    outln!(
                        "{}",
                        "Kept in your journal (sio-tutor journal shows it). Thank you!".green()
                    );
                }
                outln!();
                return Ok(None);
            }
            QuizKind::Text {
                accept,
                explanation,
                ..
            } => text_answer(accept, explanation.as_deref(), quiz.hint.as_deref())?,
        };
        outln!();
        Ok(Some(right))
    }
}

/// Asks who will receive the statement, runs it for real, and shows the deliveries with the
/// prediction beside them. The right answer is whatever the live lab delivered.
async fn predict(lab: &mut Lab, line: &Line, prompt: &str, why: &str) -> Result<bool, TutorError> {
    outln!("{} {}", ">".dimmed(), line.text.bold());
    let names: Vec<String> = lab.sockets().into_iter().map(|(name, _)| name).collect();
    let picked: Vec<String> =
        terminal::multi_select(&format!("{prompt} (space picks, Enter confirms)"), &names)?
            .into_iter()
            .filter_map(|i| names.get(i).cloned())
            .collect();
    let reports = execute(lab, line).await?;
    let received = Report::received_by(&reports);
    for report in &reports {
        match report {
            Report::Delivery(delivery) => {
                out!(
                    "{}",
                    crate::render::text::delivery_with_prediction(delivery, &picked)
                );
            }
            other => out!("{}", View::Text.report(other)),
        }
    }
    let mut received_sorted = received.clone();
    received_sorted.sort();
    received_sorted.dedup();
    let mut picked_sorted = picked.clone();
    picked_sorted.sort();
    let right = received_sorted == picked_sorted;
    if right {
        outln!("  {}", "Right!".green().bold());
    } else {
        outln!("  {}", "Not quite.".red().bold());
    }
    outln!("{}", wrap_styled(why, "  why: ", "       "));
    Ok(right)
}

/// A choice question; wrong answers show their own explanation and may be tried again.
fn choice(options: &[Choice], hint: Option<&str>) -> Result<bool, Interrupted> {
    let items: Vec<String> = options.iter().map(|o| o.text.clone()).collect();
    let several = options.iter().filter(|o| o.correct).count() > 1;
    let mut first_try = true;
    loop {
        let picked: Vec<usize> = if several {
            terminal::multi_select(
                "Pick every right answer (space picks, Enter confirms)",
                &items,
            )?
        } else {
            vec![terminal::select("Your answer", &items, 0)?]
        };
        let right = options
            .iter()
            .enumerate()
            .all(|(i, o)| o.correct == picked.contains(&i));
        for &i in &picked {
            let option = &options[i];
            let mark = if option.correct {
                "✓".green()
            } else {
                "✗".red()
            };
            outln!("  {mark} {}", option.text);
            if let Some(why) = &option.why {
                outln!("{}", wrap_styled(why, "    ", "    "));
            }
        }
        if right {
            outln!("  {}", "Right!".green().bold());
            return Ok(first_try);
        }
        if several {
            outln!(
                "  {}",
                "Not all of them: some right answers are missing, or a wrong one is picked.".red()
            );
        }
        first_try = false;
        if !try_again(hint)? {
            for option in options.iter().filter(|o| o.correct) {
                outln!("  {} {}", "Answer:".green().bold(), option.text);
            }
            return Ok(false);
        }
    }
}

fn text_answer(
    accept: &[String],
    explanation: Option<&str>,
    hint: Option<&str>,
) -> Result<bool, Interrupted> {
    let mut first_try = true;
    loop {
        let answer = terminal::input("Your answer")?;
        if answer::accepts(accept, &answer) {
            outln!("  {}", "Right!".green().bold());
            if let Some(explanation) = explanation {
                outln!("{}", wrap_styled(explanation, "  ", "  "));
            }
            return Ok(first_try);
        }
        outln!("  {}", "Not quite.".red().bold());
        first_try = false;
        if !try_again(hint)? {
            outln!(
                "  {} {}",
                "Answer:".green().bold(),
                accept.first().map(String::as_str).unwrap_or("")
            );
            if let Some(explanation) = explanation {
                outln!("{}", wrap_styled(explanation, "  ", "  "));
            }
            return Ok(false);
        }
    }
}

/// After a wrong answer: try again, see the hint (then try again), or see the answer.
fn try_again(hint: Option<&str>) -> Result<bool, Interrupted> {
    let mut items = vec!["Try again".to_string()];
    if hint.is_some() {
        items.push("Show a hint, then try again".to_string());
    }
    items.push("Show me the answer".to_string());
    let chosen = terminal::select("What next?", &items, 0)?;
    Ok(match (chosen, hint) {
        (0, _) => true,
        (1, Some(hint)) => {
            outln!("{}", wrap_styled(hint, "  hint: ", "        ").yellow());
            true
        }
        _ => false,
    })
}

async fn execute(lab: &mut Lab, line: &Line) -> Result<Vec<Report>, TutorError> {
    lab.execute(&line.command)
        .await
        .map_err(|source| TutorError::Line {
            line: line.text.clone(),
            source,
        })
}

fn print_reports(reports: &[Report]) {
    for report in reports {
        out!("{}", View::Text.report(report));
    }
}
