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
//! - [`render`]: the text and JSON views of those records.
//! - [`play`]: the playground, from a script or a pipe.
//! - [`serve`]: classroom mode: the chat example for a room full of browsers, with deliveries on
//!   the terminal.
//! - [`cli`]: the commands and flags; `main.rs` only calls it.

pub mod cli;
pub mod lab;
pub mod play;
pub mod render;
pub mod script;
pub mod serve;
