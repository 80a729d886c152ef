//! The command line: which commands exist, their flags, and what each one runs.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use colored::Colorize;

use crate::lesson::find::find;
use crate::lesson::{Lesson, Source, load_all};
use crate::play::{self, Session};
use crate::render::{self, View};
use crate::tutor::{self, Tutor};

/// A tutor that teaches Socket.IO by running it for real.
#[derive(Debug, Parser)]
#[command(name = "sio-tutor", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,
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
        /// Read lessons from DIR instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
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
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    render::choose_colours();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sio-tutor: cannot start the async runtime: {error}");
            return ExitCode::from(status::CANNOT_RUN);
        }
    };
    let code = runtime.block_on(run(cli));
    ExitCode::from(code)
}

async fn run(cli: Cli) -> u8 {
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
                    Some(wanted) => match play_lesson(&wanted) {
                        Ok(lesson) => play::repl::Opening::lesson(&lesson),
                        Err(code) => return code,
                    },
                    None if empty => play::repl::Opening::empty(),
                    None => play::repl::Opening::scene(),
                };
                return play::repl::run(opening).await;
            }
            if lesson.is_some() {
                eprintln!("sio-tutor: --lesson opens the interactive playground, on a terminal");
                return status::CANNOT_RUN;
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
        }) => {
            crate::serve::run(crate::serve::Options {
                host,
                port,
                view: View::from_json_flag(json),
                bots,
                client_js,
                allow_origins: allow_origin,
                verbose,
            })
            .await
        }
        Some(Commands::List { lessons }) => list(lessons.as_deref()),
        Some(Commands::Demo {
            lesson,
            all,
            json,
            lessons,
        }) => {
            demo(
                lesson.as_deref(),
                all,
                View::from_json_flag(json),
                lessons.as_deref(),
            )
            .await
        }
        Some(Commands::Lessons {
            command: LessonsCommand::Check { dir },
        }) => check(dir.as_deref()),
        Some(Commands::Learn { lesson, lessons }) => learn(Some(&lesson), lessons.as_deref()).await,
        Some(Commands::Journal) => journal(),
        Some(Commands::Reset { lesson, yes }) => reset(lesson.as_deref(), yes),
        None => learn(None, None).await,
    }
}

/// `sio-tutor` (the menu) and `sio-tutor learn LESSON`.
async fn learn(wanted: Option<&str>, dir: Option<&Path>) -> u8 {
    let lessons = match load_lessons(dir) {
        Ok(lessons) => lessons,
        Err(code) => return code,
    };
    let chosen = match wanted.map(|w| find(&lessons, w)) {
        Some(Ok(lesson)) => Some(lesson.clone()),
        Some(Err(message)) => {
            eprintln!("sio-tutor: {message}");
            return status::CANNOT_RUN;
        }
        None => None,
    };
    if !tutor::terminal::interactive() {
        if wanted.is_none() {
            let _ = list(dir);
            println!();
        }
        eprintln!("{}", tutor::terminal::NEEDS_TERMINAL);
        return status::CANNOT_RUN;
    }
    tutor::terminal::catch_interrupts();
    let mut tutor = match Tutor::open(lessons) {
        Ok(tutor) => tutor,
        Err(message) => {
            eprintln!("sio-tutor: {message}");
            return status::CANNOT_RUN;
        }
    };
    let outcome = match chosen {
        Some(lesson) => tutor.learn(&lesson).await,
        None => tutor.menu().await,
    };
    match outcome {
        Ok(()) => status::OK,
        Err(message) => {
            eprintln!("sio-tutor: {message}");
            status::FAILED
        }
    }
}

fn journal() -> u8 {
    let Some(dir) = tutor::progress::home() else {
        eprintln!("sio-tutor: cannot find your data folder; set SIO_TUTOR_HOME");
        return status::CANNOT_RUN;
    };
    match tutor::journal::Journal::new(dir).entries() {
        Ok(entries) if entries.is_empty() => {
            println!(
                "Your journal is empty. The reflection question at the end of the course adds to it."
            );
            status::OK
        }
        Ok(entries) => {
            for entry in entries {
                println!("{}  ({})", entry.date.dimmed(), entry.lesson);
                println!("  {}", entry.question.italic());
                println!("  {}\n", entry.answer);
            }
            status::OK
        }
        Err(message) => {
            eprintln!("sio-tutor: {message}");
            status::FAILED
        }
    }
}

fn reset(lesson: Option<&str>, yes: bool) -> u8 {
    let lessons = match load_lessons(None) {
        Ok(lessons) => lessons,
        Err(code) => return code,
    };
    let id = match lesson.map(|w| find(&lessons, w)) {
        Some(Ok(lesson)) => Some(lesson.id.clone()),
        Some(Err(message)) => {
            eprintln!("sio-tutor: {message}");
            return status::CANNOT_RUN;
        }
        None => None,
    };
    let what = match &id {
        Some(id) => format!("your progress in lesson \"{id}\""),
        None => "your progress in every lesson".to_string(),
    };
    if !yes {
        if !tutor::terminal::interactive() {
            eprintln!(
                "sio-tutor: reset asks before it forgets {what}; add --yes to confirm without a terminal"
            );
            return status::CANNOT_RUN;
        }
        let confirmed = dialoguer::Confirm::new()
            .with_prompt(format!("Forget {what}?"))
            .default(false)
            .interact_opt();
        if !matches!(confirmed, Ok(Some(true))) {
            println!("Nothing was changed.");
            return status::OK;
        }
    }
    let mut tutor = match Tutor::open(lessons) {
        Ok(tutor) => tutor,
        Err(message) => {
            eprintln!("sio-tutor: {message}");
            return status::CANNOT_RUN;
        }
    };
    match tutor.reset(id.as_deref()) {
        Ok(()) => {
            println!("Forgot {what}.");
            status::OK
        }
        Err(message) => {
            eprintln!("sio-tutor: {message}");
            status::FAILED
        }
    }
}

/// The lesson `play --lesson` starts from.
fn play_lesson(wanted: &str) -> Result<Lesson, u8> {
    let lessons = load_lessons(None)?;
    find(&lessons, wanted).cloned().map_err(|message| {
        eprintln!("sio-tutor: {message}");
        status::CANNOT_RUN
    })
}

/// Loads the lessons, or prints every error and returns the exit status to use.
fn load_lessons(dir: Option<&Path>) -> Result<Vec<Lesson>, u8> {
    let source = match dir {
        Some(dir) => Source::Folder(dir),
        None => Source::BuiltIn,
    };
    load_all(source).map_err(|errors| {
        for error in &errors {
            eprintln!("{error}");
        }
        eprintln!(
            "sio-tutor: {} error{} in the lesson files",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        status::FAILED
    })
}

fn list(dir: Option<&Path>) -> u8 {
    let lessons = match load_lessons(dir) {
        Ok(lessons) => lessons,
        Err(code) => return code,
    };
    // Progress is shown when it can be read; a list never fails for want of it.
    let progress = match tutor::progress::home() {
        Some(home) => {
            let (progress, warning) = tutor::progress::Store::new(home).load();
            if let Some(warning) = warning {
                eprintln!("{} {warning}", "warning:".yellow().bold());
            }
            progress
        }
        None => Default::default(),
    };
    for lesson in &lessons {
        println!(
            "{:>2}. {:<20} {:<24} {}",
            lesson.number,
            lesson.title.bold(),
            format!("[{}]", progress.label(&lesson.id)).dimmed(),
            lesson.summary
        );
    }
    status::OK
}

fn check(dir: Option<&Path>) -> u8 {
    match load_lessons(dir) {
        Ok(lessons) => {
            let steps: usize = lessons.iter().map(|l| l.steps.len()).sum();
            println!("{} lessons, {steps} steps: all valid", lessons.len());
            status::OK
        }
        Err(code) => code,
    }
}

async fn demo(wanted: Option<&str>, all: bool, view: View, dir: Option<&Path>) -> u8 {
    let lessons = match load_lessons(dir) {
        Ok(lessons) => lessons,
        Err(code) => return code,
    };
    let chosen: Vec<&Lesson> = if all {
        lessons.iter().collect()
    } else {
        match find(&lessons, wanted.unwrap_or_default()) {
            Ok(lesson) => vec![lesson],
            Err(message) => {
                eprintln!("sio-tutor: {message}");
                return status::CANNOT_RUN;
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    for lesson in chosen {
        if let Err(error) = crate::demo::run(lesson, view, &mut stdout).await {
            let _ = stdout.flush();
            eprintln!("sio-tutor: {error}");
            return status::FAILED;
        }
    }
    status::OK
}

async fn play_script(file: Option<PathBuf>, view: View) -> u8 {
    let lines: Vec<String> = match &file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => text.lines().map(String::from).collect(),
            Err(error) => {
                eprintln!("sio-tutor: cannot read {}: {error}", path.display());
                return status::CANNOT_RUN;
            }
        },
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!(
                    "sio-tutor play is interactive when both its input and output are a terminal; otherwise it reads commands from a file or a pipe, for example:\n  printf 'connect alice bob\\nalice: socket.broadcast.emit(\"hi\")\\n' | sio-tutor play"
                );
                return status::CANNOT_RUN;
            }
            stdin.lock().lines().map_while(Result::ok).collect()
        }
    };
    let mut session = match Session::start().await {
        Ok(session) => session,
        Err(error) => {
            eprintln!("sio-tutor: {error}");
            return status::CANNOT_RUN;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let outcome = play::script::run(&mut session, lines, view, &mut stdout).await;
    let _ = stdout.flush();
    drop(stdout);
    session.shutdown().await;
    match outcome {
        Ok(true) => status::OK,
        Ok(false) => status::FAILED,
        Err(error) => {
            eprintln!("sio-tutor: cannot write the output: {error}");
            status::FAILED
        }
    }
}
