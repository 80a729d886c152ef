//! The statement language: the Socket.IO server API, written exactly as the official docs write
//! it, plus the handful of playground commands that set up a lab (`connect`, `on`, `rooms`, ...).
//!
//! This module owns the *meaning on paper* of a line: it turns text into a [`Command`] and says,
//! with a column and a hint, what is wrong with text that is not one. It never touches the
//! network; the lab (`crate::lab`) is what runs a command for real.
//!
//! - [`ast`]: the parsed forms (commands, statements, targets, arguments).
//! - [`lexer`]: text to tokens, each with the column it starts at.
//! - [`parser`]: tokens to commands, with friendly errors.
//! - [`error`]: the parse error and how it is drawn (the line, a caret, a hint).

mod ast;
mod error;
mod lexer;
pub(crate) mod parser;

pub use ast::{
    Arg, AuthCheck, Command, DEPARTURE_EVENTS, DataValue, Decision, Emit, LogPart, Middleware,
    Origin, RoomRef, Statement, StatementKind, Target,
};
pub use error::{ParseError, caret_indent};
pub use parser::{parse_command, parse_statement};
