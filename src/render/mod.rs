//! Views of the lab's reports: a text view for people (with colour on a terminal) and a JSON view
//! for tools, one object a line.
//!
//! Everything a learner sees about deliveries goes through here, whether it comes from a lesson,
//! the playground or the classroom server, so that a delivery looks the same everywhere.

pub mod json;
pub mod lesson;
pub mod text;

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
            View::Text => text::report(report),
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
