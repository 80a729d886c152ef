//! The command line: which commands exist, their flags, and what each one runs.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use colored::Colorize;

use crate::lesson::find::find;
use crate::lesson::{Lesson, LessonError, Source, load_all, load_and_check};
use crate::output;
use crate::play::repl::{Opening, ReplError};
use crate::play::{self, Session};
use crate::render::View;
use crate::render::lesson::wrap_plain;
use crate::tutor::{self, Tutor, TutorError};

/// A tutor that teaches Socket.IO by running it for real.
#[derive(Debug, Parser)]
#[command(name = "sio-tutor", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Wrap text for a person at N columns (default: the terminal's width, else COLUMNS, else 80).
    #[arg(long, global = true, value_name = "N")]
    pub width: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// List the lessons.
    List {
        /// Read lessons from DIR instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
    },
    /// Run a lesson from start to end with no prompts (for a projector, or a quick look).
    Demo {
        /// The lesson: its number, its id or the start of its id.
        #[arg(required_unless_present = "all")]
        lesson: Option<String>,
        /// Run every lesson, in order.
        #[arg(long, conflicts_with = "lesson")]
        all: bool,
        /// Print one JSON object a line instead of text.
        #[arg(long)]
        json: bool,
        /// One step per Enter, each on a clear screen; a prediction asks before it runs.
        #[arg(long, conflicts_with = "json")]
        step: bool,
        /// Read lessons from DIR instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
        /// For a lesson with two servers sharing Redis: use the Redis 7 at URL
        /// (redis://host:port) instead of starting a private redis-server.
        #[arg(long, value_name = "URL")]
        redis: Option<String>,
        /// At the end, say on standard error how long the run took and how much of it was the
        /// real timers the lessons teach (ack timeouts, the heartbeat); for benches/demo-all.sh.
        #[arg(long)]
        timings: bool,
    },
    /// Start or resume a lesson, with predictions and quizzes (needs a terminal).
    Learn {
        /// The lesson: its number, its id or the start of its id.
        lesson: String,
        /// Read lessons from DIR instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
    },
    /// Print your journal: your answers to the reflection questions.
    Journal,
    /// Forget your progress in one lesson, or in all of them.
    Reset {
        /// The lesson to reset (all lessons when left out).
        lesson: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// The lessons of DIR (their progress is kept apart from the built-in lessons').
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
    },
    /// Host the chat example for a classroom of browsers; the terminal shows who got what.
    Serve {
        /// The address to listen on. 0.0.0.0 opens it to the local network.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Print one JSON object a line instead of text.
        #[arg(long)]
        json: bool,
        /// Add N simulated sockets that join and answer, to rehearse alone.
        #[arg(long, default_value_t = 0, value_name = "N")]
        bots: usize,
        /// Serve this copy of the Socket.IO browser client instead of loading it from the CDN.
        #[arg(long, value_name = "FILE")]
        client_js: Option<PathBuf>,
        /// Also accept Socket.IO connections from pages of this origin (e.g.
        /// http://localhost:5173); repeatable. By default only the chat's own page (and scripts,
        /// which send no Origin) may connect.
        #[arg(long, value_name = "ORIGIN")]
        allow_origin: Vec<String>,
        /// One line per socket for every event, instead of one line per event.
        #[arg(long)]
        verbose: bool,
        /// Share one class with the other `serve --redis` processes using the Redis at URL
        /// (redis://host:port, Redis 7 or newer), for a class too big for one process.
        #[arg(long, value_name = "URL")]
        redis: Option<String>,
    },
    /// Work with lesson files.
    Lessons {
        #[command(subcommand)]
        command: LessonsCommand,
    },
    /// The playground: a REPL over a live lab on a terminal, or commands from FILE or a pipe.
    Play {
        /// A script of playground commands, one a line. Without it, standard input is read
        /// (or, on a terminal, the interactive playground opens).
        file: Option<PathBuf>,
        /// Print one JSON object a line instead of text.
        #[arg(long)]
        json: bool,
        /// Interactive playground: start with no sockets instead of alice, bob and carol.
        #[arg(long, conflicts_with = "file")]
        empty: bool,
        /// Interactive playground: start from the lab as LESSON leaves it (number, id or prefix).
        #[arg(long, value_name = "LESSON", conflicts_with_all = ["file", "empty"])]
        lesson: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LessonsCommand {
    /// Validate lesson files without running them; exits 1 on any error.
    Check {
        /// The folder to check (default: the built-in lessons).
        dir: Option<PathBuf>,
    },
}

/// Exit statuses, as the README documents them.
pub mod status {
    pub const OK: u8 = 0;
    /// A line of a script failed, or a lesson did not validate.
    pub const FAILED: u8 = 1;
    /// The command cannot run here (no terminal, bad usage, a port in use).
    pub const CANNOT_RUN: u8 = 2;
    /// Ctrl-C or Esc in the tutor, as a shell reports a SIGINT.
    pub const INTERRUPTED: u8 = crate::tutor::terminal::INTERRUPTED;
}

/// How a command failed: the error to print (none when the command has already shown what went
/// wrong, as a script's failing line) and the exit status. Every command returns one up to
/// [`main`], the only place that prints an error or picks a status (cargo's `CliError`).
#[derive(Debug)]
pub struct CliError {
    error: Option<Box<dyn std::error::Error>>,
    status: u8,
}

impl CliError {
    fn new(status: u8, error: impl Into<Box<dyn std::error::Error>>) -> CliError {
        CliError {
            error: Some(error.into()),
            status,
        }
    }

    /// Exit status 1: the work ran and failed.
    fn failed(error: impl Into<Box<dyn std::error::Error>>) -> CliError {
        CliError::new(status::FAILED, error)
    }

    /// Exit status 2: the command cannot run here.
    fn cannot_run(error: impl Into<Box<dyn std::error::Error>>) -> CliError {
        CliError::new(status::CANNOT_RUN, error)
    }

    /// A status with nothing more to print.
    fn quiet(status: u8) -> CliError {
        CliError {
            error: None,
            status,
        }
    }

    /// A write to standard output failed: a closed pipe ends the command quietly with status 0
    /// (the reader has what it wanted); any other failure (a full disk) is reported.
    fn output(error: std::io::Error) -> CliError {
        match output::failed_write(error) {
            None => CliError::quiet(status::OK),
            Some(error) => CliError::failed(format!("cannot write the output: {error}")),
        }
    }

    /// Prints the error once, as `sio-tutor: message`; a [`Shown`] text as it is.
    fn report(&self) {
        let Some(error) = &self.error else { return };
        // Nothing more can be done if standard error is gone too.
        let _ = if error.is::<Shown>() {
            writeln!(output::stderr(), "{error}")
        } else {
            writeln!(output::stderr(), "sio-tutor: {error}")
        };
    }
}

/// A message laid out for the terminal already (several lines, its own prefixes).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Shown(String);

impl From<TutorError> for CliError {
    fn from(error: TutorError) -> CliError {
        match error {
            TutorError::Interrupted(_) => {
                tutor::terminal::goodbye();
                CliError::quiet(status::INTERRUPTED)
            }
            // Esc is handled by the menu; it never ends the program.
            TutorError::Back => CliError::quiet(status::OK),
            TutorError::NoHome => CliError::cannot_run(error),
            other => CliError::failed(other),
        }
    }
}

/// Lesson files that did not load or run: every error on its own line, then how many.
impl From<Vec<LessonError>> for CliError {
    fn from(errors: Vec<LessonError>) -> CliError {
        let mut text: String = errors
            .iter()
            .map(|e| format!("{}\n", crate::render::snippet::lesson_error(e)))
            .collect();
        text.push_str(&format!(
            "sio-tutor: {} error{} in the lesson files",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ));
        CliError::failed(Shown(text))
    }
}

/// The runtime a command runs on.
///
/// Most commands need two threads or more: a prompt (the tutor, the playground, `demo --step`)
/// blocks the thread it runs on while a person thinks, and the lab's server and clients must go
/// on meanwhile (their heartbeat would otherwise time out); the classroom server uses both
/// cores. A plain `demo` waits on nobody, so it runs on this one thread: its work is a chain of
/// short steps that each wake the next, and handing every wake to another thread was a quarter
/// of its CPU time (`perf stat -r 8 sio-tutor demo --all`: 48-52 ms on two worker threads,
/// 36-37 ms on one thread, the same bytes out).
fn runtime_for(command: &Option<Commands>) -> tokio::runtime::Builder {
    match command {
        Some(Commands::Demo { step: false, .. }) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    output::decide(cli.width);
    let outcome = match runtime_for(&cli.command).enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => Err(CliError::cannot_run(format!(
            "cannot start the async runtime: {error}"
        ))),
    };
    match outcome {
        Ok(()) => ExitCode::from(status::OK),
        Err(error) => {
            error.report();
            ExitCode::from(error.status)
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Some(Commands::Play {
            file,
            json,
            empty,
            lesson,
        }) => {
            let on_terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
            if file.is_none() && !json && on_terminal {
                let opening = match lesson {
                    Some(wanted) => Opening::lesson(&play_lesson(&wanted)?),
                    None if empty => Opening::empty(),
                    None => Opening::scene(),
                }
                .map_err(|error| {
                    CliError::cannot_run(format!(
                        "the playground's opening does not parse: {error}"
                    ))
                })?;
                return match play::repl::run(opening).await {
                    Ok(()) => Ok(()),
                    // As before errors had one door: the terminal going away ends the
                    // session normally, after saying so.
                    Err(error @ ReplError::Terminal(_)) => Err(CliError::new(status::OK, error)),
                    Err(error) => Err(CliError::cannot_run(error)),
                };
            }
            if lesson.is_some() {
                return Err(CliError::cannot_run(
                    "--lesson opens the interactive playground, on a terminal",
                ));
            }
            // A script or a pipe starts from an empty lab anyway: `--empty` changes nothing.
            play_script(file, View::from_json_flag(json)).await
        }
        Some(Commands::Serve {
            host,
            port,
            json,
            bots,
            client_js,
            allow_origin,
            verbose,
            redis,
        }) => crate::serve::run(crate::serve::Options {
            host,
            port,
            view: View::from_json_flag(json),
            bots,
            client_js,
            allow_origins: allow_origin,
            verbose,
            redis,
        })
        .await
        .map_err(|error| CliError::cannot_run(Shown(format!("sio-tutor serve: {error}")))),
        Some(Commands::List { lessons }) => list(lessons.as_deref()),
        Some(Commands::Demo {
            lesson,
            all,
            json,
            step,
            lessons,
            redis,
            timings,
        }) => {
            let started = std::time::Instant::now();
            let outcome = demo(
                lesson.as_deref(),
                all,
                View::from_json_flag(json),
                step,
                lessons.as_deref(),
                redis.as_deref(),
            )
            .await;
            if timings {
                report_timings(started.elapsed());
            }
            outcome
        }
        Some(Commands::Lessons {
            command: LessonsCommand::Check { dir },
        }) => check(dir.as_deref()).await,
        Some(Commands::Learn { lesson, lessons }) => learn(Some(&lesson), lessons.as_deref()).await,
        Some(Commands::Journal) => journal(),
        Some(Commands::Reset {
            lesson,
            yes,
            lessons,
        }) => reset(lesson.as_deref(), yes, lessons.as_deref()),
        None => learn(None, None).await,
    }
}

/// `sio-tutor` (the menu) and `sio-tutor learn LESSON`.
async fn learn(wanted: Option<&str>, dir: Option<&Path>) -> Result<(), CliError> {
    let lessons = load_lessons(dir)?;
    let chosen = match wanted {
        Some(wanted) => Some(
            find(&lessons, wanted)
                .map_err(CliError::cannot_run)?
                .clone(),
        ),
        None => None,
    };
    if !tutor::terminal::interactive() {
        if wanted.is_none() {
            list(dir)?;
            writeln!(output::stdout()).map_err(CliError::output)?;
        }
        return Err(CliError::cannot_run(Shown(
            tutor::terminal::NEEDS_TERMINAL.to_string(),
        )));
    }
    let mut tutor = Tutor::open(lessons)?.from_folder(dir);
    // Ctrl-C between prompts ends the tutor the same way as Ctrl-C inside one: as a value.
    // A SIGINT while the tutor's task is busy (not awaiting) cannot end the select below until
    // that task yields; this task, on another worker, tells the next prompt not to wait.
    let signal = tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tutor::terminal::interrupt();
        }
    });
    // `biased`, with Ctrl-C first: when a SIGINT wakes the task, it is seen before the tutor is
    // polled again.
    let outcome = tokio::select! {
        biased;
        _ = tokio::signal::ctrl_c() => Err(TutorError::Interrupted(tutor::Interrupted)),
        outcome = async {
            match chosen {
                // Esc in a lesson started from the command line goes to the menu too.
                Some(lesson) => match tutor.learn(&lesson).await? {
                    tutor::Left::Back => tutor.menu().await,
                    tutor::Left::Finished => Ok(()),
                },
                None => tutor.menu().await,
            }
        } => outcome,
    };
    signal.abort();
    Ok(outcome?)
}

fn journal() -> Result<(), CliError> {
    let dir = crate::files::home()
        .ok_or_else(|| CliError::cannot_run("cannot find your data folder; set SIO_TUTOR_HOME"))?;
    let entries = tutor::journal::Journal::new(dir)
        .entries()
        .map_err(CliError::failed)?;
    let mut text = String::new();
    if entries.is_empty() {
        text.push_str(&paragraph(
            "Your journal is empty. The reflection question at the end of the course adds to it.",
            "",
        ));
    }
    for entry in entries {
        text.push_str(&format!("{}  ({})\n", entry.date.dimmed(), entry.lesson));
        text.push_str(&paragraph(&entry.question, "  ").italic().to_string());
        text.push_str(&paragraph(&entry.answer, "  "));
        text.push('\n');
    }
    output::stdout()
        .write_all(text.as_bytes())
        .map_err(CliError::output)
}

fn reset(lesson: Option<&str>, yes: bool, dir: Option<&Path>) -> Result<(), CliError> {
    let lessons = load_lessons(dir)?;
    let id = match lesson {
        Some(wanted) => Some(
            find(&lessons, wanted)
                .map_err(CliError::cannot_run)?
                .id
                .clone(),
        ),
        None => None,
    };
    let what = match (&id, dir) {
        (Some(id), _) => format!("your progress in lesson \"{id}\""),
        (None, Some(dir)) => format!("your progress in every lesson of {}", dir.display()),
        (None, None) => "your progress in every lesson".to_string(),
    };
    if !yes {
        if !tutor::terminal::interactive() {
            return Err(CliError::cannot_run(format!(
                "reset asks before it forgets {what}; add --yes to confirm without a terminal"
            )));
        }
        let confirmed = dialoguer::Confirm::new()
            .with_prompt(format!("Forget {what}?"))
            .default(false)
            .interact_opt();
        if !matches!(confirmed, Ok(Some(true))) {
            writeln!(output::stdout(), "Nothing was changed.").map_err(CliError::output)?;
            return Ok(());
        }
    }
    let mut tutor = Tutor::open(lessons)?.from_folder(dir);
    tutor.reset(id.as_deref())?;
    writeln!(output::stdout(), "Forgot {what}.").map_err(CliError::output)
}

/// The lesson `play --lesson` starts from.
fn play_lesson(wanted: &str) -> Result<Lesson, CliError> {
    let lessons = load_lessons(None)?;
    find(&lessons, wanted)
        .cloned()
        .map_err(CliError::cannot_run)
}

/// Loads the lessons (shape and statements, no lab).
fn load_lessons(dir: Option<&Path>) -> Result<Vec<Lesson>, CliError> {
    Ok(load_all(source(dir))?)
}

fn source(dir: Option<&Path>) -> Source<'_> {
    match dir {
        Some(dir) => Source::Folder(dir),
        None => Source::BuiltIn,
    }
}

fn list(dir: Option<&Path>) -> Result<(), CliError> {
    let lessons = load_lessons(dir)?;
    // Progress is shown when it can be read; a list never fails for want of it.
    let progress = match crate::files::home() {
        Some(home) => {
            let (progress, warning) = tutor::progress::Store::new(home).load();
            if let Some(warning) = warning {
                output::warn(warning);
            }
            progress
        }
        None => Default::default(),
    };
    let mut text = String::new();
    let row = |lesson: &Lesson| {
        let title = format!("{:>2}. {:<20}", lesson.number, lesson.title);
        let id = tutor::progress::progress_id(dir, &lesson.id);
        let label = format!("{:<24}", format!("[{}]", progress.label(&id)));
        (title, label)
    };
    // One line a lesson when every lesson fits, so that the columns line up; else two.
    let one_line = lessons.iter().all(|lesson| {
        let (title, label) = row(lesson);
        textwrap::core::display_width(&format!("{title} {label} {}", lesson.summary))
            <= output::width(output::Stream::Stdout)
    });
    for lesson in &lessons {
        let (title, label) = row(lesson);
        if one_line {
            text.push_str(&format!(
                "{} {} {}\n",
                title.bold(),
                label.dimmed(),
                lesson.summary
            ));
        } else {
            // Too narrow for one line: the summary goes under the title, wrapped.
            text.push_str(&format!(
                "{} {}\n",
                title.trim_end().bold(),
                label.trim_end().dimmed()
            ));
            text.push_str(&paragraph(&lesson.summary, "    "));
        }
    }
    output::stdout()
        .write_all(text.as_bytes())
        .map_err(CliError::output)
}

/// Text for a person, wrapped to standard output's width with `indent` before every line.
fn paragraph(text: &str, indent: &str) -> String {
    format!("{}\n", wrap_plain(text, indent, indent))
}

/// `lessons check`: loads the lessons and runs each on a lab; every error of either kind.
async fn check(dir: Option<&Path>) -> Result<(), CliError> {
    let (lessons, errors) = load_and_check(source(dir)).await;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let steps: usize = lessons.iter().map(|l| l.steps.len()).sum();
    writeln!(
        output::stdout(),
        "{} lessons, {steps} steps: all valid",
        lessons.len()
    )
    .map_err(CliError::output)
}

async fn demo(
    wanted: Option<&str>,
    all: bool,
    view: View,
    step: bool,
    dir: Option<&Path>,
    redis: Option<&str>,
) -> Result<(), CliError> {
    let mut lessons = load_lessons(dir)?;
    if let Some(url) = redis {
        for lesson in &mut lessons {
            if let crate::lab::Scale::TwoWithRedis { url: given } = &mut lesson.scale {
                *given = Some(url.to_string());
            }
        }
    }
    let chosen: Vec<&Lesson> = if all {
        lessons.iter().collect()
    } else {
        vec![find(&lessons, wanted.unwrap_or_default()).map_err(CliError::cannot_run)?]
    };
    let mut stdout = output::stdout();
    let mut stdin = std::io::stdin().lock();
    let mut pace = crate::demo::Pace::new(&mut stdin, std::io::stdout().is_terminal());
    for lesson in chosen {
        let pace = step.then_some(&mut pace);
        match crate::demo::run_paced(lesson, view, &mut stdout, pace).await {
            Ok(()) => {}
            Err(crate::demo::DemoError::Output(error)) => return Err(CliError::output(error)),
            Err(error) => {
                let _ = stdout.flush();
                return Err(CliError::failed(error));
            }
        }
    }
    Ok(())
}

/// `demo --timings`: the run's time, split into the lessons' own real timers and the rest, one
/// line on standard error (the lesson's output on standard output stays byte-identical).
fn report_timings(elapsed: std::time::Duration) {
    let taught = crate::lab::timers::so_far();
    let rest = elapsed.saturating_sub(taught.total());
    let _ = writeln!(
        output::stderr(),
        "timings: {:.3} s in all; the lessons' own timers {:.3} s ({} ack timeouts {:.3} s, \
         {} heartbeats {:.3} s); everything else {:.3} s",
        elapsed.as_secs_f64(),
        taught.total().as_secs_f64(),
        taught.ack_timeouts,
        taught.ack_timeout_time.as_secs_f64(),
        taught.heartbeats,
        taught.heartbeat_time.as_secs_f64(),
        rest.as_secs_f64(),
    );
}

async fn play_script(file: Option<PathBuf>, view: View) -> Result<(), CliError> {
    let lines: Vec<play::script::ScriptLine> = match &file {
        // Bytes, not text: a line that is not UTF-8 is reported by its number and skipped.
        Some(path) => play::script::split_lines(&std::fs::read(path).map_err(|error| {
            CliError::cannot_run(format!("cannot read {}: {error}", path.display()))
        })?),
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CliError::cannot_run(Shown(
                    "sio-tutor play is interactive when both its input and output are a terminal; otherwise it reads commands from a file or a pipe, for example:\n  printf 'connect alice bob\\nalice: socket.broadcast.emit(\"hi\")\\n' | sio-tutor play".to_string(),
                )));
            }
            let mut bytes = Vec::new();
            stdin.lock().read_to_end(&mut bytes).map_err(|error| {
                CliError::cannot_run(format!("cannot read standard input: {error}"))
            })?;
            play::script::split_lines(&bytes)
        }
    };
    let mut session = Session::start().await.map_err(CliError::cannot_run)?;
    let mut stdout = output::stdout();
    let outcome = play::script::run(&mut session, lines, view, &mut stdout).await;
    let _ = stdout.flush();
    drop(stdout);
    session.shutdown().await;
    match outcome {
        Ok(true) => Ok(()),
        // The failing lines were shown in the output, in its view.
        Ok(false) => Err(CliError::quiet(status::FAILED)),
        Err(error) => Err(CliError::output(error)),
    }
}
