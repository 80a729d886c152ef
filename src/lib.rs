//! sio-tutor teaches Socket.IO by running it for real: every lesson starts a real Socket.IO server
//! (axum + socketioxide) and real client sockets (rust_socketio) with friendly names, runs the
//! calls the lesson teaches, and shows which sockets received each event and which provably did
//! not.
//!
//! # Layout
//!
//! The pipeline reads left to right: text becomes a statement, the lab runs it, a view prints
//! what happened.
//!
//! - [`script`]: the statement language (`socket.broadcast.emit('hi')`) and the playground
//!   commands: parsing and friendly errors, no network.
//! - [`lab`]: the live lab: the server, the named clients, the acknowledgement barrier that
//!   proves non-receipt, and the delivery records it returns.
//! - [`render`]: the text and JSON views of those records and of lesson pages and quizzes.
//! - [`lesson`]: the lessons in `lessons/*.toml`: model, loading, validation (no network).
//! - [`demo`]: a lesson run from start to end with no prompts.
//! - [`tutor`]: the interactive tutor: menu, predictions, quizzes, progress and journal.
//! - [`play`]: the playground: a script, a pipe, or a REPL on a terminal (with `explain`).
//! - [`serve`]: classroom mode: the chat example for a room full of browsers, with deliveries on
//!   the terminal.
//! - [`cli`]: the commands and flags; `main.rs` only calls it.

pub mod cli;
pub mod demo;
pub mod files;
pub mod lab;
pub mod lesson;
pub mod play;
pub mod render;
pub mod script;
pub mod serve;
pub mod tutor;
