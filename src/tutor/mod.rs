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
//! - [`mod@write`]: a write step: the learner's line judged by what it does on the lab.

mod answer;
pub(crate) mod journal;
pub(crate) mod progress;
pub(crate) mod terminal;
mod write;

use colored::Colorize;

use crate::lab::Lab;
use crate::lab::LabError;
use crate::lab::report::Report;
use crate::lesson::walk::{At, walk};
use crate::lesson::{Choice, Lesson, Line, Quiz, QuizKind, Step};
use crate::render::View;
use crate::render::fit;
use crate::render::lesson::{LessonItem, page, wrap_styled};
use crate::{out, outln};
use journal::{Journal, JournalError};
use progress::{LessonProgress, Progress, Status, Store};
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
    /// Ctrl-C: not a failure; the command line says goodbye and exits with 130.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// Esc on a page: back to the menu (the lesson's progress is saved already).
    #[error("back to the menu")]
    Back,
}

/// How a lesson was left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// To its end.
    Finished,
    /// With Esc, for the menu.
    Back,
}

/// The tutor's state: the lessons, the progress and where it is kept.
pub struct Tutor {
    lessons: Vec<Lesson>,
    store: Store,
    progress: Progress,
    /// The step being shown and the lesson's number of steps, for the "step 3 of 14" beside
    /// every pause.
    at: (usize, usize),
    /// The `--lessons DIR` the lessons came from: their progress is kept apart.
    dir: Option<std::path::PathBuf>,
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
            dir: None,
        })
    }

    /// The lessons came from `--lessons DIR`: keep their progress apart from the built-ins'.
    pub fn from_folder(mut self, dir: Option<&std::path::Path>) -> Tutor {
        self.dir = dir.map(std::path::Path::to_path_buf);
        self
    }

    /// The name a lesson's progress is kept under.
    fn id(&self, lesson: &str) -> String {
        progress::progress_id(self.dir.as_deref(), lesson)
    }

    pub fn journal(&self) -> Journal {
        Journal::new(self.store.dir().to_path_buf())
    }

    /// Forgets the progress of one lesson, or of all (of the folder's, from a folder).
    pub fn reset(&mut self, lesson: Option<&str>) -> Result<(), TutorError> {
        match (lesson, &self.dir) {
            (Some(id), _) => {
                let id = self.id(id);
                self.progress.lessons.remove(&id);
            }
            (None, Some(_)) => {
                let ids: Vec<String> = self.lessons.iter().map(|l| self.id(&l.id)).collect();
                self.progress.lessons.retain(|id, _| !ids.contains(id));
            }
            (None, None) => self.progress = Progress::default(),
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
        if self.progress.last.is_none() && self.progress.lessons.is_empty() {
            terminal::clear_screen();
            out!("{}\n", page(terminal::WELCOME, ""));
        }
        // Statuses line up in one column after the longest title (by display width, so that a
        // title with wide characters does not push its own status out of line).
        let title_width = self
            .lessons
            .iter()
            .map(|l| unicode_width::UnicodeWidthStr::width(l.title.as_str()))
            .max()
            .unwrap_or(0);
        let number_width = self
            .lessons
            .iter()
            .map(|l| l.number.to_string().len())
            .max()
            .unwrap_or(1);
        loop {
            let mut items: Vec<String> = self
                .lessons
                .iter()
                .map(|l| {
                    let title = unicode_width::UnicodeWidthStr::width(l.title.as_str());
                    format!(
                        "{:>number_width$}. {}{} {}",
                        l.number,
                        l.title,
                        " ".repeat(title_width - title),
                        self.progress.label(&self.id(&l.id))
                    )
                })
                .collect();
            items.push("Quit".to_string());
            let chosen = terminal::select("Pick a lesson", &items, self.where_to_start())?;
            let Some(lesson) = self.lessons.get(chosen).cloned() else {
                return Ok(());
            };
            if self.learn(&lesson).await? == Left::Finished && self.all_done() {
                self.wrap_up()?;
            }
        }
    }

    fn all_done(&self) -> bool {
        self.lessons
            .iter()
            .all(|l| self.progress.status(&self.id(&l.id)) == Status::Done)
    }

    /// The end of the course: the score of every lesson, the learner's reflections, what next.
    fn wrap_up(&self) -> Result<(), TutorError> {
        terminal::clear_screen();
        let mut text = format!("{}\n\n", "The course is done. Well done!".green().bold());
        for lesson in &self.lessons {
            if let Some(p) = self.progress.lessons.get(&self.id(&lesson.id)) {
                text.push_str(&format!(
                    "  {:>2}. {:<20} {} of {} right at the first try\n",
                    lesson.number, lesson.title, p.score, p.questions
                ));
            }
        }
        // The wrap-up shows the journal when it can be read; it never fails for want of it.
        let entries = self.journal().entries().unwrap_or_default();
        if !entries.is_empty() {
            text.push_str(&format!("\n{}\n", "From your journal:".bold()));
            for entry in entries {
                text.push_str(&format!("  {}\n", entry.question.italic()));
                text.push_str(&format!("  {}\n", entry.answer));
            }
        }
        text.push('\n');
        text.push_str(&page(terminal::WHAT_NEXT, ""));
        out!("{}\n", fit(&text));
        terminal::press_enter("back to the lessons")?;
        outln!();
        Ok(())
    }

    /// The lesson in progress if there is one, else the first one not done.
    fn where_to_start(&self) -> usize {
        let position = |id: &str| self.lessons.iter().position(|l| self.id(&l.id) == id);
        if let Some(last) = &self.progress.last
            && self.progress.status(last) == Status::InProgress
            && let Some(index) = position(last)
        {
            return index;
        }
        self.lessons
            .iter()
            .position(|l| self.progress.status(&self.id(&l.id)) != Status::Done)
            .unwrap_or(0)
    }

    /// Walks one lesson from where the learner left it, until its end or Esc on a page.
    pub async fn learn(&mut self, lesson: &Lesson) -> Result<Left, TutorError> {
        let id = self.id(&lesson.id);
        let mut state = self.progress.lessons.get(&id).cloned().unwrap_or_default();
        // Resume at the step last shown even if the lesson was edited since: it is found by
        // its key.
        let keys: Vec<String> = lesson.steps.iter().map(Step::key).collect();
        state.step = state.resume_at(&keys);
        // A finished lesson starts over; so does one whose stored step is past its end (the
        // lesson lost steps since), rather than claiming "done" and staying in progress.
        if state.done || state.step >= lesson.steps.len() {
            state = Default::default();
        }
        self.progress.last = Some(id);

        let mut lab = Lab::start_scaled(lesson.lab_options(), &lesson.scale).await?;
        let outcome = self.walk(&mut lab, lesson, &mut state).await;
        lab.shutdown().await;
        match outcome {
            Ok(()) => {}
            Err(TutorError::Back) => {
                outln!();
                return Ok(Left::Back);
            }
            Err(error) => return Err(error),
        }
        outln!(
            "{} {} of {} questions right at the first try.\n",
            format!("Lesson {} done.", lesson.number).green().bold(),
            state.score,
            state.questions
        );
        match terminal::press_enter("back to the lessons")? {
            terminal::Pressed::Enter | terminal::Pressed::Escape => {}
        }
        outln!();
        Ok(Left::Finished)
    }

    async fn walk(
        &mut self,
        lab: &mut Lab,
        lesson: &Lesson,
        state: &mut LessonProgress,
    ) -> Result<(), TutorError> {
        // A new lesson starts on a clean screen.
        terminal::clear_screen();
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
                    execute(lab, run.line).await?;
                }
            }
            // The room map scrolled away with the steps before: a recap of the lab.
            if !lab.sockets().is_empty() {
                outln!("{}", "The lab so far:".dimmed());
                print_reports(&[Report::Rooms(lab.room_map(false).await)]);
                outln!();
            }
        }

        for at in walk(lesson, state.step) {
            self.at = (at.index + 1, at.of);
            self.step(lab, lesson, &at, state).await?;
            state.step = at.index + 1;
            state.done = state.step == at.of;
            self.keep(lesson, state)?;
        }
        Ok(())
    }

    /// Saves the lesson's progress, with the key of the step to resume at.
    fn keep(&mut self, lesson: &Lesson, state: &mut LessonProgress) -> Result<(), TutorError> {
        state.key = lesson.steps.get(state.step).map(Step::key);
        self.progress
            .lessons
            .insert(self.id(&lesson.id), state.clone());
        self.save()
    }

    /// Records a question's first answer, before its result is shown: the step counts as
    /// passed, so that quitting at the result and coming back cannot retake the question.
    fn record(
        &mut self,
        lesson: &Lesson,
        state: &mut LessonProgress,
        right: bool,
    ) -> Result<(), TutorError> {
        let (step, steps) = self.at;
        state.questions += 1;
        state.score += usize::from(right);
        state.step = step;
        state.done = step == steps;
        self.keep(lesson, state)
    }

    /// Waits for Enter, saying where in the lesson the learner is; Esc goes back to the menu.
    fn pause(&self) -> Result<(), TutorError> {
        let (step, steps) = self.at;
        match terminal::press_enter(&format!("step {step} of {steps}"))? {
            terminal::Pressed::Enter => Ok(()),
            terminal::Pressed::Escape => Err(TutorError::Back),
        }
    }

    /// Shows one step; a question's answer is recorded in `state` as soon as it is judged.
    async fn step(
        &mut self,
        lab: &mut Lab,
        lesson: &Lesson,
        at: &At<'_>,
        state: &mut LessonProgress,
    ) -> Result<(), TutorError> {
        match at.step {
            Step::Page(text) => {
                out!("{}", page(text, ""));
                self.pause()?;
                outln!();
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
            }
            Step::Run(run) => match &run.predict_why {
                Some(why) => {
                    let (right, shown) =
                        predict(lab, &run.line, "Who will receive it?", why).await?;
                    self.record(lesson, state, right)?;
                    out!("{shown}");
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
                }
            },
            Step::Rooms { show_own_rooms } => {
                print_reports(&[Report::Rooms(lab.room_map(*show_own_rooms).await)]);
                outln!();
            }
            Step::Quiz(Quiz {
                question,
                hint,
                kind: QuizKind::Write { line, explanation },
            }) => {
                out!(
                    "{}",
                    fit(&format!(
                        "{} {}\n",
                        "Quiz:".magenta().bold(),
                        question.bold()
                    ))
                );
                write::write(
                    lab,
                    lesson,
                    at.index,
                    line,
                    explanation.as_deref(),
                    hint.as_deref(),
                    &mut |right| self.record(lesson, state, right),
                )
                .await?;
            }
            Step::Quiz(quiz) => self.quiz(lab, lesson, quiz, state).await?,
        }
        Ok(())
    }

    async fn quiz(
        &mut self,
        lab: &mut Lab,
        lesson: &Lesson,
        quiz: &Quiz,
        state: &mut LessonProgress,
    ) -> Result<(), TutorError> {
        out!(
            "{}",
            fit(&format!(
                "{} {}\n",
                "Quiz:".magenta().bold(),
                quiz.question.bold()
            ))
        );
        match &quiz.kind {
            QuizKind::Predict { line, why } => {
                let (right, shown) = predict(lab, line, "Your prediction", why).await?;
                self.record(lesson, state, right)?;
                out!("{shown}");
                self.pause()?;
            }
            // Asked by `step`, which knows where in the lesson it is.
            QuizKind::Write { .. } => {}
            QuizKind::Choice { .. } => {
                let options = quiz.options_shown();
                choice(&options, quiz.hint.as_deref(), &mut |right| {
                    self.record(lesson, state, right)
                })?;
            }
            QuizKind::Text {
                reflection: true, ..
            } => {
                if let QuizKind::Text {
                    recall: Some(id), ..
                } = &quiz.kind
                {
                    self.recall(id)?;
                }
                let answer = terminal::input("Your answer")?;
                if !answer.trim().is_empty() {
                    if let Some(warning) =
                        self.journal()
                            .add(&lesson.id, &quiz.question, answer.trim())?
                    {
                        crate::output::warn(warning);
                    }
                    out!(
                        "{}",
                        fit(&format!(
                            "{}\n",
                            "Kept in your journal (sio-tutor journal shows it). Thank you!".green()
                        ))
                    );
                }
                outln!();
                return Ok(());
            }
            QuizKind::Text {
                accept,
                explanation,
                ..
            } => text_answer(
                accept,
                explanation.as_deref(),
                quiz.hint.as_deref(),
                &mut |right| self.record(lesson, state, right),
            )?,
        }
        outln!();
        Ok(())
    }
}

impl Tutor {
    /// Shows the learner's journal answers to the reflections of lesson `id` (the learning
    /// goal they wrote at the start of the course), as they typed them minus control codes.
    fn recall(&self, id: &str) -> Result<(), TutorError> {
        let entries: Vec<_> = self
            .journal()
            .entries()?
            .into_iter()
            .filter(|entry| entry.lesson == id)
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        outln!("{}", "  What you wrote at the start:".dimmed());
        for entry in entries {
            let answer: String = entry.answer.chars().filter(|c| !c.is_control()).collect();
            out!(
                "{}",
                fit(&format!("{}\n", wrap_styled(&answer, "  > ", "    ")))
            );
        }
        Ok(())
    }
}

/// Asks who will receive the statement, runs it for real, and returns whether the prediction
/// was right with the deliveries laid out beside it (shown once the answer is recorded). The
/// right answer is whatever the live lab delivered.
async fn predict(
    lab: &mut Lab,
    line: &Line,
    prompt: &str,
    why: &str,
) -> Result<(bool, String), TutorError> {
    out!(
        "{}",
        fit(&format!("{} {}\n", ">".dimmed(), line.text.bold()))
    );
    let (names, items) = candidates(lab).await;
    let picked: Vec<String> = loop {
        let picked: Vec<String> =
            terminal::multi_select(&format!("{prompt} (space picks, Enter confirms)"), &items)?
                .into_iter()
                .filter_map(|i| names.get(i).cloned())
                .collect();
        // Enter alone is easy to press by mistake, and nobody is sometimes the right answer:
        // ask before scoring an empty pick.
        if !picked.is_empty() || terminal::confirm("Nobody receives it?", false)? {
            break picked;
        }
    };
    let reports = execute(lab, line).await?;
    let received = Report::received_by(&reports);
    let mut shown = String::new();
    let mut listed: Vec<&str> = Vec::new();
    let mut scored = false;
    for report in &reports {
        match report {
            // The first delivery is the one the prediction is about (`Report::received_by`);
            // another one (what a departure handler sent, say) is shown as it is.
            Report::Delivery(delivery) if !scored => {
                scored = true;
                listed.extend(delivery.sockets.iter().map(|(name, _)| name.as_str()));
                shown.push_str(&crate::render::text::delivery_with_prediction(
                    delivery, &picked,
                ));
            }
            other => shown.push_str(&View::Text.report(other)),
        }
    }
    // A picked socket that is gone is in no delivery: say so beside it too.
    for name in picked.iter().filter(|p| !listed.contains(&p.as_str())) {
        shown.push_str(&format!(
            "    {} {name}   {}   {}\n",
            "✗".red(),
            "(disconnected)".dimmed(),
            "← you picked it: it did not receive it".red()
        ));
    }
    let mut received_sorted = received.clone();
    received_sorted.sort();
    received_sorted.dedup();
    let mut picked_sorted = picked.clone();
    picked_sorted.sort();
    let right = received_sorted == picked_sorted;
    if right {
        shown.push_str(&format!("  {}\n", "Right!".green().bold()));
    } else {
        shown.push_str(&format!("  {}\n", "Not quite.".red().bold()));
    }
    shown.push_str(&wrap_styled(why, "  why: ", "       "));
    shown.push('\n');
    Ok((right, fit(&shown)))
}

/// The sockets a prediction can pick: every socket the lab has known, each with its namespace
/// and rooms, the disconnected ones last (a point of a lesson can be that one is gone).
async fn candidates(lab: &Lab) -> (Vec<String>, Vec<String>) {
    let map = lab.room_map(false).await;
    let sockets = lab.sockets();
    let mut names: Vec<String> = sockets.iter().map(|(name, _)| name.clone()).collect();
    let mut gone: Vec<String> = lab
        .known_names()
        .into_iter()
        .filter(|name| !names.contains(name))
        .collect();
    gone.sort();
    let width = names
        .iter()
        .chain(&gone)
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    let mut items: Vec<String> = sockets
        .iter()
        .map(|(name, namespace)| {
            let rooms: Vec<&str> = map
                .namespaces
                .iter()
                .filter(|ns| &ns.namespace == namespace)
                .flat_map(|ns| &ns.rooms)
                .filter(|room| room.members.contains(name))
                .map(|room| room.name.as_str())
                .collect();
            let rooms = if rooms.is_empty() {
                "no rooms".to_string()
            } else {
                format!("in {}", rooms.join(", "))
            };
            format!("{name:<width$}  on {namespace:<4} {rooms}")
        })
        .collect();
    items.extend(
        gone.iter()
            .map(|name| format!("{name:<width$}  disconnected")),
    );
    names.extend(gone);
    (names, items)
}

/// A choice question; wrong answers show their own explanation and may be tried again. The
/// first answer goes to `record` before its result is shown.
fn choice(
    options: &[Choice],
    hint: Option<&str>,
    record: &mut dyn FnMut(bool) -> Result<(), TutorError>,
) -> Result<(), TutorError> {
    let items: Vec<String> = options.iter().map(|o| o.text.clone()).collect();
    let several = options.iter().filter(|o| o.correct).count() > 1;
    let mut first_try = true;
    let mut hint = hint;
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
        if first_try {
            record(right)?;
        }
        let mut shown = String::new();
        for option in picked.iter().filter_map(|&i| options.get(i)) {
            let mark = if option.correct {
                "✓".green()
            } else {
                "✗".red()
            };
            shown.push_str(&format!("  {mark} {}\n", option.text));
            if let Some(why) = &option.why {
                shown.push_str(&wrap_styled(why, "    ", "    "));
                shown.push('\n');
            }
        }
        if right {
            shown.push_str(&format!("  {}\n", "Right!".green().bold()));
            out!("{}", fit(&shown));
            return Ok(());
        }
        if several {
            shown.push_str(&format!(
                "  {}\n",
                "Not all of them: some right answers are missing, or a wrong one is picked.".red()
            ));
        }
        out!("{}", fit(&shown));
        first_try = false;
        if !try_again(&mut hint)? {
            for option in options.iter().filter(|o| o.correct) {
                out!(
                    "{}",
                    fit(&format!("  {} {}\n", "Answer:".green().bold(), option.text))
                );
            }
            return Ok(());
        }
    }
}

/// A question answered in words; the first answer goes to `record` before its result is shown.
fn text_answer(
    accept: &[String],
    explanation: Option<&str>,
    hint: Option<&str>,
    record: &mut dyn FnMut(bool) -> Result<(), TutorError>,
) -> Result<(), TutorError> {
    let mut first_try = true;
    let mut hint = hint;
    let explain = || {
        if let Some(explanation) = explanation {
            outln!("{}", wrap_styled(explanation, "  ", "  "));
        }
    };
    loop {
        let answer = terminal::input("Your answer")?;
        let verdict = answer::judge(accept, &answer);
        if first_try {
            record(verdict == answer::Verdict::Right)?;
        }
        match verdict {
            answer::Verdict::Right => {
                outln!("  {}", "Right!".green().bold());
                explain();
                return Ok(());
            }
            answer::Verdict::Close => outln!(
                "  {}",
                "Close, but not quite: check the spelling.".yellow().bold()
            ),
            answer::Verdict::Wrong => outln!("  {}", "Not quite.".red().bold()),
        }
        first_try = false;
        if !try_again(&mut hint)? {
            out!(
                "{}",
                fit(&format!(
                    "  {} {}\n",
                    "Answer:".green().bold(),
                    accept.first().map(String::as_str).unwrap_or("")
                ))
            );
            explain();
            return Ok(());
        }
    }
}

/// After a wrong answer: try again, see the hint (then try again), or see the answer. The hint
/// is offered until it has been shown.
fn try_again(hint: &mut Option<&str>) -> Result<bool, Interrupted> {
    let mut items = vec!["Try again".to_string()];
    if hint.is_some() {
        items.push("Show a hint, then try again".to_string());
    }
    items.push("Show me the answer".to_string());
    let chosen = terminal::select("What next?", &items, 0)?;
    Ok(match (chosen, hint.take()) {
        (0, shown) => {
            *hint = shown;
            true
        }
        (1, Some(text)) => {
            outln!("{}", wrap_styled(text, "  hint: ", "        ").yellow());
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
