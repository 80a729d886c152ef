//! The one layer every front end writes through: for each stream (standard output and standard
//! error) it decides the width a person reads at and whether colour applies, and it says what a
//! failed write means for a command (a closed pipe ends it quietly, anything else is an error).
//!
//! `colored` styles the text; this layer decides where the styling reaches. The choice is made per
//! stream, once, by [`decide`]: `NO_COLOR` turns colour off, `CLICOLOR_FORCE` turns it on, else a
//! stream is coloured when it is a terminal. `colored` is told to style when either stream wants
//! colour, and each stream is an [`anstream::AutoStream`] that strips the escapes the other way,
//! so `sio-tutor demo 1 2>/dev/tty | less` gets plain text while its errors stay red. Styling
//! never changes the text: stripped output is byte for byte the plain output.
//!
//! Widths: `--width N` where a command has it, else the stream's terminal, else `COLUMNS`, else
//! 80. Until [`decide`] runs (in tests that call the library), both streams are 80 columns wide
//! and uncoloured, so library output does not depend on the environment it runs in.

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anstream::{AutoStream, ColorChoice};
use dialoguer::console;

/// The width when nothing says otherwise.
pub const DEFAULT_WIDTH: usize = 80;
/// Narrower than this, wrapping would break every word: treat it as this.
pub const MIN_WIDTH: usize = 30;

/// One of the two streams a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

static WIDTH: [AtomicUsize; 2] = [
    AtomicUsize::new(DEFAULT_WIDTH),
    AtomicUsize::new(DEFAULT_WIDTH),
];
static COLOUR: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

impl Stream {
    fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }
    }

    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => io::stdout().is_terminal(),
            Stream::Stderr => io::stderr().is_terminal(),
        }
    }

    /// The terminal's columns, when this stream is a terminal with a size.
    fn terminal_columns(self) -> Option<usize> {
        let term = match self {
            Stream::Stdout => console::Term::stdout(),
            Stream::Stderr => console::Term::stderr(),
        };
        term.size_checked()
            .map(|(_, columns)| usize::from(columns))
            .filter(|&c| c > 0)
    }
}

/// Decides both streams' width and colour, from `--width` (when the command has it), the
/// terminals and the environment. Called once, by the command line, before anything is printed.
pub fn decide(width_flag: Option<usize>) {
    let env = |name: &str| std::env::var(name).ok();
    for stream in [Stream::Stdout, Stream::Stderr] {
        let width = choose_width(width_flag, stream.terminal_columns(), env("COLUMNS"));
        WIDTH[stream.index()].store(width, Ordering::Relaxed);
        let colour = choose_colour(
            env("NO_COLOR"),
            env("CLICOLOR_FORCE"),
            env("CLICOLOR"),
            stream.is_terminal(),
        );
        COLOUR[stream.index()].store(colour, Ordering::Relaxed);
    }
    let (out, err) = (colour(Stream::Stdout), colour(Stream::Stderr));
    colored::control::set_override(out || err);
    // The prompts (dialoguer, through console) draw their own styles: same choice, per stream.
    console::set_colors_enabled(out);
    console::set_colors_enabled_stderr(err);
}

/// The width a person reads `stream` at.
pub fn width(stream: Stream) -> usize {
    WIDTH[stream.index()].load(Ordering::Relaxed)
}

/// Whether `stream` shows colour.
pub fn colour(stream: Stream) -> bool {
    COLOUR[stream.index()].load(Ordering::Relaxed)
}

/// Standard output, with colour escapes kept or stripped as [`decide`] chose.
pub fn stdout() -> AutoStream<io::StdoutLock<'static>> {
    AutoStream::new(io::stdout().lock(), choice(Stream::Stdout))
}

/// Standard error, with colour escapes kept or stripped as [`decide`] chose.
pub fn stderr() -> AutoStream<io::StderrLock<'static>> {
    AutoStream::new(io::stderr().lock(), choice(Stream::Stderr))
}

fn choice(stream: Stream) -> ColorChoice {
    if colour(stream) {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    }
}

/// What a failed write means: `None` for a closed pipe (the reader has all it wanted, as with
/// `sio-tutor list | head -1`: the command ends quietly, with status 0), else the error to report.
pub fn failed_write(error: io::Error) -> Option<io::Error> {
    (error.kind() != io::ErrorKind::BrokenPipe).then_some(error)
}

fn choose_width(flag: Option<usize>, terminal: Option<usize>, columns: Option<String>) -> usize {
    flag.or(terminal)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse().ok())
                .filter(|&c| c > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// `NO_COLOR` (any non-empty value) wins, then `CLICOLOR_FORCE` (anything but 0), then
/// `CLICOLOR=0`; otherwise a terminal gets colour. (The conventions of no-color.org and
/// bixense.com/clicolors.)
fn choose_colour(
    no_color: Option<String>,
    force: Option<String>,
    clicolor: Option<String>,
    terminal: bool,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    if clicolor.is_some_and(|v| v == "0") {
        return false;
    }
    terminal
}

/// A warning on standard error, as `warning: message`; it never fails a command.
pub fn warn(message: impl std::fmt::Display) {
    use colored::Colorize;
    use std::io::Write;
    let _ = writeln!(stderr(), "{} {message}", "warning:".yellow().bold());
}

/// `print!` for a person, through [`stdout`]. For the interactive front ends, whose output is a
/// terminal: a write that fails there is followed by a prompt that fails, which ends the session.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::write!($crate::output::stdout(), $($arg)*);
    }};
}

/// `println!` for a person, through [`stdout`] (see [`out!`](crate::out)).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!($crate::output::stdout(), $($arg)*);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn width_comes_from_the_flag_then_the_terminal_then_columns_then_80() {
        assert_eq!(choose_width(Some(100), Some(120), s("60")), 100);
        assert_eq!(choose_width(None, Some(120), s("60")), 120);
        assert_eq!(choose_width(None, None, s("60")), 60);
        assert_eq!(choose_width(None, None, s(" 61 ")), 61);
        assert_eq!(choose_width(None, None, s("wide")), 80);
        assert_eq!(choose_width(None, None, s("0")), 80);
        assert_eq!(choose_width(None, None, None), 80);
        assert_eq!(choose_width(Some(5), None, None), MIN_WIDTH);
    }

    #[test]
    fn colour_follows_no_color_then_clicolor_force_then_the_terminal() {
        assert!(!choose_colour(s("1"), s("1"), None, true));
        assert!(choose_colour(s(""), None, None, true));
        assert!(choose_colour(None, s("1"), None, false));
        assert!(!choose_colour(None, s("0"), None, false));
        assert!(!choose_colour(None, None, s("0"), true));
        assert!(choose_colour(None, None, None, true));
        assert!(!choose_colour(None, None, None, false));
    }

    #[test]
    fn a_closed_pipe_is_not_an_error_but_a_full_disk_is() {
        assert!(failed_write(io::Error::from(io::ErrorKind::BrokenPipe)).is_none());
        let full = failed_write(io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(full.map(|e| e.kind()), Some(io::ErrorKind::StorageFull));
    }
}
