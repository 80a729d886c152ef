//! One socket's events are handled in the order its page sent them, as Node handles them.
//!
//! Node runs a socket's listeners one after another, in the order its packets came, and the
//! chat's listeners are synchronous, so each ends before the next begins: a page that emits
//! `typing` and then `chat message` has `socket.broadcast.emit('typing', name)` done before
//! `io.emit('chat message', msg, name)`, so every other page sees "anna is typing" and then
//! anna's message, which clears it. A `join` followed at once by a `room message` finds the
//! sender in the room. Our handlers keep their turn across their awaits too (under `--redis`,
//! finding a nickname on another process), so a socket's relays still leave in the order its
//! events came.
//!
//! socketioxide spawns each event's handler as a task of its own, and on a multi-threaded
//! runtime two handlers of one socket run at once, the later one sometimes first. Measured
//! with 30 sockets each emitting `typing` then `chat message` four times without waiting: 29-30
//! of the 120 messages reached the others before their `typing` (a phone then shows "X is
//! typing…" for three seconds after X's message; the browser test of the page caught it).
//! `tests/node/serve-order.mjs` checks both orders, on a Node server and on ours.
//!
//! The order is known only where socketioxide reads the packets: its extractors run there, in
//! the connection's receive loop and in packet order, before the handler is spawned. So a
//! [`Turn`] is an extractor: it takes the socket's next place in line there, and the handler
//! waits for its place ([`Turn::wait`]) before doing anything. Each place is a oneshot channel
//! whose sender the previous event's handler holds until it ends (or panics: a dropped sender
//! releases the next place too).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use socketioxide::adapter::Adapter;
use socketioxide::handler::{FromDisconnectParts, FromMessageParts};
use socketioxide::socket::{DisconnectReason, Socket};
use socketioxide_core::Value;
use tokio::sync::oneshot;

use crate::lab::scaffold::lock;

/// A socket's line: the end of the previous event's handler, which the next one waits for.
/// Kept in the socket's extensions (set when the socket is admitted), so it goes with it.
#[derive(Clone, Default)]
pub struct Line(Arc<Mutex<Option<oneshot::Receiver<()>>>>);

impl Line {
    /// Takes the next place in line.
    fn join(&self) -> Turn {
        let (done, next) = oneshot::channel();
        let before = lock(&self.0).replace(next);
        Turn { before, done }
    }
}

/// One event's place in its socket's line, taken when socketioxide read the packet.
#[must_use = "a handler waits for its turn before it does anything"]
pub struct Turn {
    /// Ends when the previous event's handler has (`None` for a socket's first event).
    before: Option<oneshot::Receiver<()>>,
    /// Dropped when this event's handler ends, which lets the next one start.
    done: oneshot::Sender<()>,
}

/// Held for the whole handler: the socket's next event starts when it is dropped.
pub struct Handling {
    _done: oneshot::Sender<()>,
}

impl Turn {
    /// Waits until every earlier event of the socket has been handled.
    pub async fn wait(self) -> Handling {
        if let Some(before) = self.before {
            // An error means the previous handler's sender was dropped without a send: it
            // ended, which is all this waits for.
            let _ = before.await;
        }
        Handling { _done: self.done }
    }

    /// The turn of an event of `socket`. A socket admitted without a line (none is: `admit`
    /// gives every socket one) waits for nothing.
    fn of<A: Adapter>(socket: &Arc<Socket<A>>) -> Turn {
        match socket.extensions.get::<Line>() {
            Some(line) => line.join(),
            None => Line::default().join(),
        }
    }
}

impl<A: Adapter> FromMessageParts<A> for Turn {
    type Error = Infallible;

    fn from_message_parts(
        socket: &Arc<Socket<A>>,
        _: &mut Value,
        _: &Option<i64>,
    ) -> Result<Turn, Infallible> {
        Ok(Turn::of(socket))
    }
}

/// A disconnect waits too: Node's `disconnect` listener runs after the listeners of every
/// packet that came before it, so a student's last message is relayed before they are gone.
impl<A: Adapter> FromDisconnectParts<A> for Turn {
    type Error = Infallible;

    fn from_disconnect_parts(
        socket: &Arc<Socket<A>>,
        _: DisconnectReason,
    ) -> Result<Turn, Infallible> {
        Ok(Turn::of(socket))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three places taken in order finish in that order, however the tasks are scheduled:
    /// each records itself only once it has its turn.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn places_are_served_in_the_order_they_were_taken() {
        let line = Line::default();
        let served = Arc::new(Mutex::new(Vec::new()));
        let turns: Vec<Turn> = (0..50).map(|_| line.join()).collect();
        let mut tasks = tokio::task::JoinSet::new();
        // Spawned last first, so that without the line the order would come out reversed.
        for (place, turn) in turns.into_iter().enumerate().rev() {
            let served = served.clone();
            tasks.spawn(async move {
                let _handling = turn.wait().await;
                tokio::task::yield_now().await;
                lock(&served).push(place);
            });
        }
        while tasks.join_next().await.is_some() {}
        assert_eq!(*lock(&served), (0..50).collect::<Vec<_>>());
    }

    /// A handler that panics still lets the next event through.
    #[tokio::test]
    async fn a_panicking_handler_releases_the_line() {
        let line = Line::default();
        let first = line.join();
        let second = line.join();
        let failed = tokio::spawn(async move {
            let _handling = first.wait().await;
            panic!("a handler's bug");
        });
        assert!(failed.await.is_err());
        let _handling = second.wait().await;
    }
}
