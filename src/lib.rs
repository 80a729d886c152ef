//! sio-tutor teaches Socket.IO by running it for real: every lesson starts a real Socket.IO server
//! (axum + socketioxide) and real client sockets (rust_socketio) with friendly names, runs the
//! calls the lesson teaches, and shows which sockets received each event and which provably did
//! not.
//!
//! # Layout
//!
//! The pipeline reads left to right: text becomes a statement, the lab runs it, a view prints
//! what happened. Modules import downward only: [`cli`] at the top; then the front ends
//! ([`demo`], [`tutor`], [`play`], [`serve`]), which never import each other or `cli`; then
//! [`render`], [`complete`] and [`lesson`]; then [`judge`]; then [`lab`]; then [`script`].
//! [`files`] and [`output`] are small helpers any layer may use.
//!
//! - [`script`]: the statement language (`socket.broadcast.emit('hi')`) and the playground
//!   commands: parsing and friendly errors, no network.
//! - [`lab`]: the live lab: the server, the named clients, the one selection that decides who
//!   receives a statement (to run it and to preview it), the acknowledgement barrier that proves
//!   non-receipt, and the delivery records it returns.
//! - [`render`]: the text and JSON views of those records and of lesson pages and quizzes, and
//!   `explain`, which narrates the lab's preview of a statement (the playground's `explain` and
//!   the tutor's write feedback).
//! - [`complete`]: tab completion of the language and of the lab's sockets, rooms and
//!   namespaces, for the playground's prompt and the tutor's write prompt.
//! - [`lesson`]: the lessons in `lessons/*.toml`: model, loading, the one walk through a
//!   lesson's steps, and the check that runs each lesson on a lab.
//! - [`judge`]: the judge of a write step: a learner's line against the lesson's reference, by
//!   what each does on a shadow lab (events, arguments, recipients, room map), never by text.
//! - [`demo`]: a lesson run from start to end with no prompts.
//! - [`tutor`]: the interactive tutor: menu, predictions, quizzes, progress and journal.
//! - [`play`]: the playground: a script, a pipe, or a REPL on a terminal.
//! - [`serve`]: classroom mode: the chat example for a room full of browsers, with deliveries on
//!   the terminal.
//! - [`files`]: the learner's data folder and atomic writes.
//! - [`output`]: the streams everything is printed on: each one's width and colour, and what a
//!   failed write means (a closed pipe ends quietly).
//! - [`cli`]: the commands and flags, and the one place where an error is printed and the exit
//!   status chosen; `main.rs` only calls it.
//!
//! The measured facts about socketioxide and rust_socketio that the lab's design rests on (the
//! welcome event, the two-phase barrier, TCP_NODELAY, ...) are in `docs/stack-facts.md`.

pub mod cli;
pub mod complete;
pub mod demo;
pub mod files;
pub mod judge;
pub mod lab;
pub mod lesson;
pub mod output;
pub mod play;
pub mod render;
pub mod script;
pub mod serve;
pub mod tutor;
