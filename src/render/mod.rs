//! Views of the lab's reports: a text view for people (with colour on a terminal) and a JSON view
//! for tools, one object a line.
//!
//! Everything a learner sees about deliveries goes through here, whether it comes from a lesson,
//! the playground or the classroom server, so that a delivery looks the same everywhere.
//! [`explain`] narrates the lab's preview of a statement (who would receive it, and the rule at
//! each step) for the playground's `explain` and the tutor's write feedback.

pub mod explain;
pub(crate) mod json;
pub mod lesson;
pub mod snippet;
pub(crate) mod text;

/// Whether a character is hidden or moves text around (control, invisible, bidi), and the text with
/// such characters made visible: what every view does with text a student or learner typed.
pub use text::{is_hidden, visible};

use crate::lab::report::Report;

/// Which view to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Text,
    Json,
}

impl View {
    pub fn from_json_flag(json: bool) -> View {
        if json { View::Json } else { View::Text }
    }

    /// One report in this view, ending with a newline.
    pub fn report(self, report: &Report) -> String {
        match self {
            View::Text => fit(&text::report(report)),
            View::Json => json::report(report),
        }
    }

    /// An error on one line of a script, in this view.
    pub fn error(self, error: &LineError) -> String {
        match self {
            View::Text => text::error(error),
            View::Json => json::error(error),
        }
    }
}

/// An error that belongs to one line of a script: a parse error (with its column and hint) or an
/// error from the lab.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    /// 1-based line of the script; 0 for a line typed at the playground's prompt.
    pub line: usize,
    pub text: String,
    pub message: String,
    pub column: Option<usize>,
    pub hint: Option<String>,
}

impl LineError {
    pub fn parse(line: usize, text: &str, error: &crate::script::ParseError) -> LineError {
        LineError {
            line,
            text: text.to_string(),
            message: error.message.clone(),
            column: Some(error.column),
            hint: error.hint.clone(),
        }
    }

    pub fn lab(line: usize, text: &str, message: impl Into<String>) -> LineError {
        LineError {
            line,
            text: text.to_string(),
            message: message.into(),
            column: None,
            hint: None,
        }
    }
}

/// Fits styled text to standard output's width: every line wider than the width is wrapped at
/// spaces (colour escapes take no room), with its continuation lines indented under the text
/// that follows the line's marker (`✓ `, `> `, `Quiz: `, ...), under the first word of an aside
/// in parentheses, or four columns in otherwise. A word wider than the line stands alone, whole. Lines that fit are left as they are, so
/// text wrapped already (pages) is untouched.
pub fn fit(text: &str) -> String {
    fit_to(text, lesson::width())
}

/// [`fit`] to a given width.
pub fn fit_to(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if textwrap::core::display_width(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent = " ".repeat(hanging_indent(body));
        let options = textwrap::Options::new(width)
            .subsequent_indent(&indent)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        // The line's own leading spaces are kept: textwrap keeps leading whitespace of the first
        // line as it is.
        out.push_str(&textwrap::wrap(body, options).join("\n"));
        out.push_str(newline);
    }
    out
}

/// Where the continuation lines of `line` start: after its leading spaces and its marker.
fn hanging_indent(line: &str) -> usize {
    const MARKERS: &[&str] = &[
        ">", "=", "✓", "✗", "←", "Quiz:", "why:", "hint:", "server:", "Answer:",
    ];
    let plain = anstream::adapter::strip_str(line).to_string();
    let lead = plain.len() - plain.trim_start_matches(' ').len();
    let rest = &plain[lead..];
    let first = rest.split(' ').next().unwrap_or("");
    let is_option = first.len() == 2 && first.ends_with(')');
    if MARKERS.contains(&first) || is_option {
        let mut hang = lead + word_and_spaces(rest);
        // A delivery's mark is followed by the socket's name, an option's by its letter: the
        // text continues under what follows them.
        if first == "✓" || first == "✗" {
            hang += word_and_spaces(rest[first.len()..].trim_start_matches(' '));
        }
        // A long gap (a padded column) would leave no room for the text: cap it.
        hang.min(lead + 20)
    } else if rest.starts_with('(') {
        // An aside in parentheses continues under its first word.
        lead + 1
    } else {
        lead + 4
    }
}

/// The display width of the first word of `text` and the spaces after it.
fn word_and_spaces(text: &str) -> usize {
    let word = text.split(' ').next().unwrap_or("");
    let after = &text[word.len()..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    textwrap::core::display_width(word) + spaces
}
