//! `sio-tutor play` on a terminal: a REPL over a live lab.
//!
//! Every line a learner types goes to the same [`Session`] as a scripted `play`, so a statement
//! means the same thing here as everywhere else. On top of the script's commands, the REPL has
//! its own: `help`, `who`, `explain`, `save`, `reset` and `quit` (see `assets/play-help.txt`).
//!
//! What the REPL promises:
//! - An error never ends the session: it is drawn (caret and hint for a parse error) and the
//!   prompt comes back.
//! - `save FILE` writes the commands that succeeded, starting with the opening scene, so that
//!   `sio-tutor play FILE` replays to the same deliveries.
//! - The terminal is left clean: rustyline restores it after every line; Ctrl-C clears the line
//!   and Ctrl-D quits through the normal shutdown of the lab.
//!
//! The line editor blocks while it waits for a key. That is fine here: the REPL runs on the
//! thread that drives the runtime (`block_on`), and the lab's server and clients run on the
//! runtime's worker threads, which keep going.

use std::io::Write;
use std::path::{Path, PathBuf};

use colored::Colorize;
use rustyline::Editor;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use super::{LineOutcome, Session};
use crate::complete::{Helper, Names};
use crate::lab::report::Report;
use crate::lab::{LabError, LabOptions};
use crate::lesson::walk;
use crate::lesson::{Lesson, Line};
use crate::render::explain::{self, ExplainError};
use crate::render::{LineError, View};
use crate::render::{fit, fit_to};
use crate::script::{Command, ParseError, parse_command};
use crate::{out, outln};

/// The help page.
const HELP: &str = include_str!("../../assets/play-help.txt");
/// The opening scene and its announcement.
const SCENE: &str = include_str!("../../assets/play-scene.txt");
/// What an empty playground says.
const EMPTY: &str = include_str!("../../assets/play-empty.txt");
/// What a playground started from a lesson says.
const LESSON: &str = include_str!("../../assets/play-lesson.txt");

const PROMPT: &str = "play> ";

/// The first line of every saved session: `save` only overwrites a file that starts with it.
const SAVED_HEADER: &str = "# sio-tutor play session";

/// Where a playground starts: commands to run before the first prompt, and what to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    /// Parsed once: a lesson's lines as the lesson holds them, never turned back into text.
    pub commands: Vec<Line>,
    pub announcement: String,
    /// For a lesson: the namespaces its lab serves. The commands then run in a lab that serves
    /// only these, as in the lesson (where connecting elsewhere fails on purpose); the
    /// playground serves any namespace once they have run.
    pub lesson_namespaces: Option<Vec<String>>,
    /// For a lesson: its servers (one, or A and B with or without Redis).
    pub lesson_scale: crate::lab::Scale,
    /// For a lesson with its own network: the lab has it too, so that `cut` and `silence` work.
    pub lesson_network: bool,
}

impl Opening {
    /// alice, bob and carol on `/` (from `assets/play-scene.txt`).
    pub fn scene() -> Result<Opening, ParseError> {
        Opening::parse(SCENE)
    }

    /// No sockets at all.
    pub fn empty() -> Result<Opening, ParseError> {
        Opening::parse(EMPTY)
    }

    /// The lab as `lesson` leaves it: every line its steps run, in order (the lesson's own
    /// walk).
    pub fn lesson(lesson: &Lesson) -> Result<Opening, ParseError> {
        let announcement = Opening::parse(LESSON)?
            .announcement
            .replace("{number}", &lesson.number.to_string())
            .replace("{title}", &lesson.title);
        Ok(Opening {
            commands: walk::lines(lesson).cloned().collect(),
            announcement,
            lesson_namespaces: Some(lesson.namespaces.clone()),
            lesson_scale: lesson.scale.clone(),
            lesson_network: lesson.network,
        })
    }

    /// Reads an opening file: `# ` comments, `| ` announcement lines, and commands.
    pub fn parse(text: &str) -> Result<Opening, ParseError> {
        let mut commands = Vec::new();
        let mut announcement = String::new();
        for (number, line) in text.lines().enumerate() {
            if let Some(said) = line.strip_prefix('|') {
                announcement.push_str(said.strip_prefix(' ').unwrap_or(said));
                announcement.push('\n');
            } else if let Some(command) = parse_command(line)? {
                commands.push(Line {
                    text: line.trim().to_string(),
                    command,
                    position: (number + 1, 1),
                });
            }
        }
        Ok(Opening {
            commands,
            announcement,
            lesson_namespaces: None,
            lesson_scale: crate::lab::Scale::One,
            lesson_network: false,
        })
    }

    /// A fresh session for this opening (its commands not yet run).
    pub async fn session(&self) -> Result<Session, LabError> {
        match &self.lesson_namespaces {
            Some(namespaces) => {
                Session::start_scaled(
                    LabOptions {
                        network: self.lesson_network,
                        ..LabOptions::serving(namespaces)
                    },
                    &self.lesson_scale,
                )
                .await
            }
            None => Session::start().await,
        }
    }
}

/// One line of the REPL, as understood before the statement parser sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplLine<'a> {
    Help,
    Who,
    Reset,
    Quit,
    /// `explain` alone prints the rules; with text, explains it.
    Explain(&'a str),
    Save(&'a str),
    /// Anything else: a playground command, as in a script.
    Command(&'a str),
}

impl<'a> ReplLine<'a> {
    /// A REPL word counts only when it is the whole first word: `who` is the command, but
    /// `who: socket.emit('x')` runs a statement as a socket named who.
    pub fn classify(line: &'a str) -> ReplLine<'a> {
        let trimmed = line.trim();
        let (word, rest) = match trimmed.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, rest.trim()),
            None => (trimmed, ""),
        };
        match (word, rest.is_empty()) {
            ("help", true) => ReplLine::Help,
            ("who", true) => ReplLine::Who,
            ("reset", true) => ReplLine::Reset,
            ("quit" | "exit", true) => ReplLine::Quit,
            ("explain", _) => ReplLine::Explain(rest),
            ("save", _) => ReplLine::Save(rest),
            _ => ReplLine::Command(line),
        }
    }
}

enum Flow {
    Continue,
    Quit,
}

/// The REPL's state: the session, and the commands worth saving.
struct Repl {
    session: Session,
    opening: Opening,
    /// Every command that succeeded, in order, starting with the opening's.
    saved: Vec<String>,
}

/// Runs the REPL until `quit` or Ctrl-D. Returns the exit status.
pub async fn run(opening: Opening) -> Result<(), ReplError> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .max_history_size(1_000)
        .and_then(|b| Ok(b.history_ignore_dups(true)?.build()));
    let mut editor = config
        .and_then(Editor::<Helper, FileHistory>::with_config)
        .map_err(ReplError::Editor)?;
    editor.set_helper(Some(Helper::default()));
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }

    let session = opening.session().await?;
    let mut repl = Repl {
        session,
        opening,
        saved: Vec::new(),
    };
    repl.open().await;

    loop {
        if let Some(helper) = editor.helper_mut() {
            helper.names = repl.names().await;
        }
        match editor.readline(PROMPT) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                    if let Some(path) = &history {
                        save_history(&mut editor, path);
                    }
                }
                if let Flow::Quit = repl.line(&line).await {
                    break;
                }
            }
            // Ctrl-C: rustyline has already dropped the line; a fresh prompt follows.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                outln!();
                break;
            }
            Err(error) => {
                repl.session.shutdown().await;
                return Err(ReplError::Terminal(error));
            }
        }
    }
    repl.session.shutdown().await;
    Ok(())
}

/// Why the REPL could not start, or stopped. Errors of a line never end it: they are drawn and
/// the prompt comes back.
#[derive(Debug, thiserror::Error)]
pub enum ReplError {
    #[error("cannot open the line editor: {0}")]
    Editor(#[source] ReadlineError),
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error("the terminal failed: {0}")]
    Terminal(#[source] ReadlineError),
}

impl Repl {
    /// Runs the opening commands quietly (they are announced instead), and remembers them.
    async fn open(&mut self) {
        self.saved.clear();
        for line in self.opening.commands.clone() {
            match self.session.command(&line.command).await {
                LineOutcome::Reports(reports) => {
                    self.save_line(&line.text, &line.command, &reports)
                }
                LineOutcome::Nothing | LineOutcome::ParseError(_) => {}
                LineOutcome::LabError(error) => out!(
                    "{}",
                    View::Text.error(&LineError::lab(0, &line.text, error.to_string()))
                ),
            }
        }
        self.session.lab.set_serve_on_connect(true);
        out!("{}", fit(&self.opening.announcement).dimmed());
        flush();
    }

    /// Remembers a line that ran, for `save`. A `connect` the server refused for some names
    /// (a namespace a lesson does not serve) is saved with the names that did connect only:
    /// the replay serves any namespace, and must end with the same sockets.
    fn save_line(&mut self, line: &str, command: &Command, reports: &[Report]) {
        let refused: Vec<&str> = reports
            .iter()
            .filter_map(|report| match report {
                Report::ConnectError(error) => Some(error.socket.as_str()),
                _ => None,
            })
            .collect();
        match command {
            Command::Connect {
                names,
                namespace,
                auth,
                ..
            } if !refused.is_empty() => {
                let kept: Vec<String> = names
                    .iter()
                    .filter(|name| !refused.contains(&name.as_str()))
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    self.saved
                        .push(connect_line(&kept, namespace, auth.as_ref()));
                }
            }
            _ => self.saved.push(line.trim().to_string()),
        }
    }

    async fn line(&mut self, line: &str) -> Flow {
        match ReplLine::classify(line) {
            ReplLine::Help => out!("{}", help_text(crate::render::lesson::width())),
            ReplLine::Quit => return Flow::Quit,
            ReplLine::Who => out!("{}", self.who().await),
            ReplLine::Reset => self.reset().await,
            ReplLine::Explain("") => out!("{}", fit(&explain::rules_text())),
            ReplLine::Explain(text) => self.explain(text).await,
            ReplLine::Save(path) => self.save(path),
            ReplLine::Command(text) => self.command(text).await,
        }
        flush();
        Flow::Continue
    }

    async fn command(&mut self, line: &str) {
        let before = self.session.lab.sockets();
        let command = match parse_command(line) {
            Ok(Some(command)) => command,
            Ok(None) => return,
            Err(error) => {
                return out!("{}", View::Text.error(&LineError::parse(0, line, &error)));
            }
        };
        let text = match self.session.command(&command).await {
            LineOutcome::Nothing => return,
            LineOutcome::Reports(reports) => {
                self.save_line(line, &command, &reports);
                reports.iter().map(|r| View::Text.report(r)).collect()
            }
            LineOutcome::ParseError(error) => View::Text.error(&LineError::parse(0, line, &error)),
            LineOutcome::LabError(error) => {
                // `connect dave alice` fails at alice after dave has connected: keep dave in
                // the saved session, so that it replays to the same lab.
                self.save_partial_connect(&before);
                View::Text.error(&LineError::lab(0, line, error.to_string()))
            }
        };
        out!("{text}");
    }

    fn save_partial_connect(&mut self, before: &[(String, String)]) {
        let after = self.session.lab.sockets();
        let new: Vec<&(String, String)> = after.iter().filter(|s| !before.contains(s)).collect();
        let Some((_, namespace)) = new.first() else {
            return;
        };
        let names: Vec<String> = new.iter().map(|(name, _)| name.clone()).collect();
        self.saved.push(connect_line(&names, namespace, None));
    }

    async fn explain(&mut self, text: &str) {
        let command = match parse_command(text) {
            Ok(Some(command)) => command,
            Ok(None) => return out!("{}", fit(&explain::rules_text())),
            Err(error) => {
                return out!("{}", View::Text.error(&LineError::parse(0, text, &error)));
            }
        };
        match explain::explain_command(&self.session.lab, &command) {
            Ok(explanation) => out!("{}", fit(&explain::text(&explanation))),
            Err(error @ ExplainError::NotAStatement) | Err(error @ ExplainError::Lab(_)) => {
                out!(
                    "{}",
                    View::Text.error(&LineError::lab(0, text, error.to_string()))
                )
            }
        }
    }

    /// `who`: every socket in connection order, its namespace and its named rooms.
    async fn who(&self) -> String {
        let sockets = self.session.lab.sockets();
        if sockets.is_empty() {
            return format!(
                "  {}\n",
                "no sockets: connect some (connect alice bob)".dimmed()
            );
        }
        let map = self.session.lab.room_map(false).await;
        let name_width = sockets.iter().map(|(n, _)| n.chars().count()).max();
        let ns_width = sockets.iter().map(|(_, ns)| ns.chars().count()).max();
        let (name_width, ns_width) = (name_width.unwrap_or(0), ns_width.unwrap_or(0));
        let mut out = String::new();
        for (name, namespace) in &sockets {
            let rooms: Vec<&str> = map
                .namespaces
                .iter()
                .filter(|ns| ns.namespace == *namespace)
                .flat_map(|ns| &ns.rooms)
                .filter(|room| room.members.contains(name))
                .map(|room| room.name.as_str())
                .collect();
            let rooms = if rooms.is_empty() {
                "no rooms but its own".dimmed().to_string()
            } else {
                rooms.join(", ").yellow().to_string()
            };
            out.push_str(&format!(
                "  {}  {}  {rooms}\n",
                format!("{name:<name_width$}").bold(),
                format!("{namespace:<ns_width$}").dimmed(),
            ));
        }
        out
    }

    async fn reset(&mut self) {
        let fresh = match self.opening.session().await {
            Ok(session) => session,
            Err(error) => {
                return out!(
                    "{}",
                    View::Text.error(&LineError::lab(0, "reset", error.to_string()))
                );
            }
        };
        let old = std::mem::replace(&mut self.session, fresh);
        old.shutdown().await;
        outln!("{}", "a fresh lab:".bold());
        self.open().await;
    }

    fn save(&self, path: &str) {
        let path = path.trim_matches(|c| c == '\'' || c == '"');
        if path.is_empty() {
            return out!(
                "{}",
                View::Text.error(&LineError::lab(
                    0,
                    "save",
                    "save needs a file name: save session.txt"
                ))
            );
        }
        match write_session(Path::new(path), &self.saved) {
            Ok(()) => outln!(
                "  {} {} commands; replay them with: sio-tutor play {path}",
                format!("saved {path}:").green(),
                self.saved.len()
            ),
            Err(error) => out!(
                "{}",
                View::Text.error(&LineError::lab(
                    0,
                    &format!("save {path}"),
                    error.to_string()
                ))
            ),
        }
    }

    /// What exists in the lab, for tab completion.
    async fn names(&self) -> Names {
        Names::of(&self.session.lab).await
    }
}

/// Writes a saved session. Refuses to overwrite a file that is not itself a saved session, so a
/// slip of the keyboard cannot destroy someone's work.
pub fn write_session(path: &Path, commands: &[String]) -> Result<(), SaveError> {
    let ours = std::fs::read_to_string(path).is_ok_and(|text| text.starts_with(SAVED_HEADER));
    if path.exists() && !ours {
        return Err(SaveError::NotASession(path.to_path_buf()));
    }
    let mut text = format!(
        "{SAVED_HEADER}: replay it with `sio-tutor play {}`\n",
        path.display()
    );
    for command in commands {
        text.push_str(command);
        text.push('\n');
    }
    crate::files::write_atomically(path, text.as_bytes()).map_err(|source| SaveError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Why `save` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{} already exists and is not a saved session: pick another name", .0.display())]
    NotASession(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `connect a b [to /ns]`.
fn connect_line(names: &[String], namespace: &str, auth: Option<&serde_json::Value>) -> String {
    let to = if namespace == "/" {
        String::new()
    } else {
        format!(" to {namespace}")
    };
    // JSON is a value the language reads back as written.
    let with = auth
        .map(|auth| format!(" with auth {auth}"))
        .unwrap_or_default();
    format!("connect {}{to}{with}", names.join(" "))
}

/// Where the history lives: next to the tutor's progress, in `$SIO_TUTOR_HOME` or the user's
/// data folder.
pub fn history_path() -> Option<PathBuf> {
    crate::files::home().map(|dir| dir.join("play-history.txt"))
}

/// Saves after every line, so that history survives a closed terminal. Losing it is never
/// fatal, so errors are ignored.
fn save_history<H: rustyline::Helper>(editor: &mut Editor<H, FileHistory>, path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.save_history(path);
}

fn flush() {
    let _ = std::io::stdout().flush();
}

/// The help page fitted to `width`: a command whose description does not fit beside it gets
/// the description on the lines below, indented; other lines wrap like any text.
fn help_text(width: usize) -> String {
    let mut out = String::new();
    for line in HELP.lines() {
        let fits = textwrap::core::display_width(line) <= width;
        // `  command   description`: the command, then a gap of three spaces or more.
        let split = line
            .strip_prefix("  ")
            .and_then(|rest| rest.find("   ").map(|at| rest.split_at(at)));
        match split {
            Some((command, description)) if !fits && !command.trim().is_empty() => {
                out.push_str(&format!("  {command}\n"));
                let options = textwrap::Options::new(width)
                    .initial_indent("      ")
                    .subsequent_indent("      ")
                    .break_words(false);
                out.push_str(&textwrap::fill(description.trim(), options));
                out.push('\n');
            }
            // A description continued on its own line, under its column: under the command
            // instead, when the column leaves no room.
            _ if !fits && line.starts_with("          ") => {
                let options = textwrap::Options::new(width)
                    .initial_indent("      ")
                    .subsequent_indent("      ")
                    .break_words(false);
                out.push_str(&textwrap::fill(line.trim(), options));
                out.push('\n');
            }
            _ => {
                out.push_str(&fit_to(line, width));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_fits_60_columns_and_is_unchanged_where_it_fits() {
        let narrow = help_text(60);
        for line in narrow.lines() {
            assert!(
                textwrap::core::display_width(line) <= 60,
                "wider than 60: {line:?}"
            );
        }
        assert!(narrow.contains("  explain STATEMENT\n      who WOULD receive it"));
        // Every word is still there.
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&narrow), words(HELP));
        assert_eq!(help_text(200), HELP);
    }

    #[test]
    fn the_scene_connects_three_sockets_and_says_so() {
        let opening = Opening::scene().expect("the scene parses");
        let texts: Vec<&str> = opening.commands.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["connect alice bob carol"]);
        assert!(opening.announcement.contains("alice, bob and carol"));
        assert!(Opening::empty().expect("parses").commands.is_empty());
        assert!(Opening::parse(LESSON).is_ok());
    }

    #[test]
    fn repl_words_only_count_as_the_whole_first_word() {
        assert_eq!(ReplLine::classify(" who "), ReplLine::Who);
        assert_eq!(
            ReplLine::classify("who: socket.emit('x')"),
            ReplLine::Command("who: socket.emit('x')")
        );
        assert_eq!(
            ReplLine::classify("explain io.emit('x')"),
            ReplLine::Explain("io.emit('x')")
        );
        assert_eq!(ReplLine::classify("explain"), ReplLine::Explain(""));
        assert_eq!(ReplLine::classify("save a.txt"), ReplLine::Save("a.txt"));
        assert_eq!(ReplLine::classify("exit"), ReplLine::Quit);
    }

    #[test]
    fn save_never_overwrites_a_file_it_did_not_write() {
        let dir = std::env::temp_dir().join(format!("sio-tutor-save-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mine = dir.join("session.txt");
        let theirs = dir.join("notes.txt");
        let _ = std::fs::remove_file(&mine);
        std::fs::write(&theirs, "precious").expect("write a file");
        let commands = vec!["connect alice".to_string()];
        assert!(write_session(&mine, &commands).is_ok());
        assert!(write_session(&mine, &commands).is_ok());
        assert!(write_session(&theirs, &commands).is_err());
        assert_eq!(
            std::fs::read_to_string(&theirs).expect("read it back"),
            "precious"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
