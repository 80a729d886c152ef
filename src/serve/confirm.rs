//! Which pages have shown which relays: the tally of one process's confirmations.
//!
//! A relay (see `super::delivery`) is numbered and sent to each addressed socket with the number
//! as its last argument (`{ "sio-tutor:relay": 17 }`). The chat page shows the event, then
//! answers with one `sio-tutor:shown` event naming the numbers it has shown, gathered over a
//! short window (`CONFIRM_WINDOW_MS` in `assets/chat.js`): one answer can confirm several relays.
//! This replaced one Socket.IO acknowledgement per relay per page, whose cost grew with the
//! class: with 1,000 pages, a profile (perf, 1,000 clients, one sender at 9 messages a second)
//! put a third of the server's CPU in reading, parsing and matching the 1,000 answers to each
//! message, and broadcast-with-ack also keeps a oneshot channel and a timer per socket.
//!
//! The truth kept: a socket is confirmed for relay 17 only when its page named 17, and only if
//! 17 was sent to it (the tally knows whom each relay was queued for). A page that stops reading
//! never names it: after [`CONFIRM_TIMEOUT`](super::delivery::CONFIRM_TIMEOUT) it is a miss
//! ("no answer"), or "disconnected" if it left first. A page that never answers (the official
//! tutorial's, the bots) is not waited for: it is "sent, not confirmed" as soon as the packet is
//! queued.
//!
//! A relay is numbered ([`Tally::number`]), sent, and only then opened ([`Tally::open`]) with
//! whom it was sent to. Why this order: opening reads the class and builds the relay's table,
//! and for a class of 1,000 every student's packet waited a few tenths of a millisecond for it.
//! Numbered first, the packets go out at once. An answer that comes back before the relay is
//! open is kept and applied when it opens (a quiet chat's page answers at once, and on loopback
//! the first pages can answer before the last packets are queued).
//!
//! Ordering, which this module relies on and must not lose:
//! - An answer is applied in the connection's receive loop, in packet order ([`Shown`] does its
//!   work while socketioxide extracts the handler's arguments, before it spawns the handler), so
//!   an answer a page sent before it disconnected is counted before the disconnect handler, which
//!   socketioxide spawns after reading the disconnect, marks that page's waiting relays.
//! - A relay is opened (its sockets read from the roster) and a departure is recorded under one
//!   lock, so a relay never waits for a page whose disconnect was already handled. A socket that
//!   left while the relay was being sent is no longer in the roster when it opens: it is left
//!   out (for the class it is gone), with any answer it sent before it left.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use socketioxide::adapter::Adapter;
use socketioxide::extract::{State, TryData};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::{Sid, Socket};
use socketioxide_core::Value;
use tokio::sync::oneshot;

use super::delivery::{Answer, Miss};
use super::roster::{Member, Roster};
use crate::lab::scaffold::lock;

/// The key of the marker object a relay carries as its last argument.
pub const RELAY_KEY: &str = "sio-tutor:relay";

/// The event a page answers with: `socket.emit('sio-tutor:shown', [17, 18])`.
pub const SHOWN_EVENT: &str = "sio-tutor:shown";

/// The most relay numbers one answer may name; the rest are ignored. A page names at most the
/// relays of one window (a few); the bound keeps a hostile script's answer cheap.
pub const MAX_NUMBERS_PER_ANSWER: usize = 1024;

/// The relays still waiting for answers, by number.
#[derive(Default)]
pub struct Tally {
    next: AtomicU64,
    pending: Mutex<HashMap<u64, Entry>>,
}

/// A numbered relay: being sent (the answers that come meanwhile are kept), or open.
enum Entry {
    /// Numbered, not yet opened: the sockets whose pages have named it so far. A set, so that a
    /// script repeating its answer cannot grow it past the class.
    Sending(HashSet<Sid>),
    Open(Waiting),
}

/// One relay's answers so far. Every socket it was queued for has an entry: `Timeout` while no
/// answer has come (it stays so for a page that never answers), then `Confirmed` or a miss.
struct Waiting {
    answers: HashMap<Sid, Answer>,
    /// Sockets whose page answers and has not yet: the relay is complete when none is left.
    awaiting: HashSet<Sid>,
    /// Fired when `awaiting` empties.
    complete: Option<oneshot::Sender<()>>,
}

impl Waiting {
    /// Records `sid`'s answer, unless it has one already (the first answer stands: a page
    /// cannot take back a miss, and a departure does not undo a confirmation).
    fn settle(&mut self, sid: Sid, answer: Answer) {
        let Some(slot) = self.answers.get_mut(&sid) else {
            return;
        };
        if *slot != Answer::Timeout {
            return;
        }
        *slot = answer;
        if self.awaiting.remove(&sid) {
            self.check();
        }
    }

    fn check(&mut self) {
        if self.awaiting.is_empty()
            && let Some(complete) = self.complete.take()
        {
            let _ = complete.send(());
        }
    }
}

/// An opened relay: the class as it was. Whom it was sent to is in the answers that
/// [`Tally::close`] returns (one per addressed socket still in the class).
pub struct Opened {
    /// The class at the emit, for names and for who was not addressed.
    pub class: Vec<Member>,
    /// Fires when every addressed page that answers has answered.
    pub complete: oneshot::Receiver<()>,
}

impl Tally {
    /// Numbers a relay about to be sent. Until [`open`](Tally::open), the answers naming it are
    /// kept (see the module docs).
    pub fn number(&self) -> u64 {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.pending).insert(number, Entry::Sending(HashSet::new()));
        number
    }

    /// Opens relay `number`, sent to `addressed` (the sockets the emit's operator selected)
    /// except `refused` (whose queues did not take it, and why), and starts waiting for their
    /// pages. A socket no longer in the roster has had its disconnect handled: it is left out,
    /// as if it were gone already (it is, for the class).
    pub fn open(
        &self,
        number: u64,
        roster: &Roster,
        addressed: impl IntoIterator<Item = Sid>,
        refused: &[(Sid, Miss)],
    ) -> Opened {
        let (complete, completed) = oneshot::channel();
        let mut pending = lock(&self.pending);
        // Read under the tally's lock: see the module docs (ordering).
        let class = roster.members();
        let confirms: HashMap<Sid, bool> = class.iter().map(|m| (m.sid, m.confirms)).collect();
        let addressed: Vec<Sid> = addressed
            .into_iter()
            .filter(|sid| confirms.contains_key(sid))
            .collect();
        let answers = addressed
            .iter()
            .map(|sid| (*sid, Answer::Timeout))
            .collect();
        let awaiting = addressed
            .iter()
            .filter(|sid| confirms.get(sid) == Some(&true))
            .copied()
            .collect();
        let mut waiting = Waiting {
            answers,
            awaiting,
            complete: Some(complete),
        };
        // A refusal first: a page cannot have shown what never reached its queue.
        for (sid, miss) in refused {
            waiting.settle(*sid, Answer::Failed(*miss));
        }
        if let Some(Entry::Sending(early)) = pending.remove(&number) {
            for sid in early {
                waiting.settle(sid, Answer::Confirmed);
            }
        }
        waiting.check();
        pending.insert(number, Entry::Open(waiting));
        Opened {
            class,
            complete: completed,
        }
    }

    /// A page's answer: it has shown these relays.
    pub fn shown(&self, sid: Sid, numbers: &[u64]) {
        let mut pending = lock(&self.pending);
        for number in numbers.iter().take(MAX_NUMBERS_PER_ANSWER) {
            match pending.get_mut(number) {
                Some(Entry::Open(waiting)) => waiting.settle(sid, Answer::Confirmed),
                Some(Entry::Sending(early)) => {
                    early.insert(sid);
                }
                None => {}
            }
        }
    }

    /// A socket disconnected: `leave` takes it out of the roster, under the tally's lock (see
    /// the module docs), and every relay still waiting for its page records the departure.
    pub fn departed<T>(&self, sid: Sid, leave: impl FnOnce() -> T) -> T {
        let mut pending = lock(&self.pending);
        let left = leave();
        for entry in pending.values_mut() {
            // A relay still being sent reads the roster when it opens, and leaves `sid` out.
            if let Entry::Open(waiting) = entry {
                waiting.settle(sid, Answer::Failed(Miss::Disconnected));
            }
        }
        left
    }

    /// Stops waiting for relay `number` and returns every addressed socket's answer; a page that
    /// answers and has not is still `Timeout`.
    pub fn close(&self, number: u64) -> HashMap<Sid, Answer> {
        match lock(&self.pending).remove(&number) {
            Some(Entry::Open(waiting)) => waiting.answers,
            _ => HashMap::new(),
        }
    }

    /// How many relays are waiting for answers (for tests).
    pub fn waiting(&self) -> usize {
        lock(&self.pending).len()
    }
}

/// The marker a relay carries as its last argument: `{ "sio-tutor:relay": 17 }`.
pub fn marker(number: u64) -> serde_json::Value {
    serde_json::json!({ RELAY_KEY: number })
}

/// The `sio-tutor:shown` extractor: applies a page's answer to the tally while socketioxide
/// extracts the handler's arguments, in the connection's receive loop (see the module docs:
/// a handler runs later, in a task of its own, possibly after the page's disconnect handler).
/// What the page sent is checked: anything but a list of numbers is ignored.
pub struct Shown;

impl<A: Adapter> FromMessageParts<A> for Shown {
    type Error = Infallible;

    fn from_message_parts(
        socket: &Arc<Socket<A>>,
        value: &mut Value,
        ack: &Option<i64>,
    ) -> Result<Shown, Infallible> {
        let Ok(State(roster)) = State::<Arc<Roster>>::from_message_parts(socket, value, ack) else {
            return Ok(Shown);
        };
        let Ok(TryData(numbers)) = TryData::<Vec<u64>>::from_message_parts(socket, value, ack);
        if let Ok(numbers) = numbers {
            roster.tally().shown(socket.id, &numbers);
        }
        Ok(Shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A roster with `anna` and `ben` (their pages answer), `guest-1` (the official page, which
    /// does not) and `cleo` (answers, but is left out of the relays below).
    fn class() -> (Roster, [Sid; 4]) {
        let (reports, _) = tokio::sync::mpsc::unbounded_channel();
        let roster = Roster::new(reports);
        let sids = [Sid::new(), Sid::new(), Sid::new(), Sid::new()];
        roster.admit(sids[0], Some("anna".into()), true);
        roster.admit(sids[1], Some("ben".into()), true);
        roster.admit(sids[2], None, false);
        roster.admit(sids[3], Some("cleo".into()), true);
        (roster, sids)
    }

    /// A relay numbered, sent to `to` (with `refused` refused by their queues) and opened.
    fn relay(roster: &Roster, to: &[Sid], refused: &[(Sid, Miss)]) -> (u64, Opened) {
        let tally = roster.tally();
        let number = tally.number();
        (
            number,
            tally.open(number, roster, to.iter().copied(), refused),
        )
    }

    #[test]
    fn a_page_confirms_only_a_relay_it_was_sent_and_named() {
        let (roster, [anna, ben, guest, cleo]) = class();
        let tally = roster.tally();
        let (first, _) = relay(&roster, &[anna, ben, guest], &[]);
        let (other, _) = relay(&roster, &[ben], &[]);
        tally.shown(anna, &[first]);
        tally.shown(ben, &[other]);
        // cleo was not sent the relay: naming it changes nothing.
        tally.shown(cleo, &[first]);
        let answers = tally.close(first);
        assert_eq!(answers.get(&anna), Some(&Answer::Confirmed));
        assert_eq!(
            answers.get(&ben),
            Some(&Answer::Timeout),
            "ben named another relay"
        );
        assert_eq!(answers.get(&guest), Some(&Answer::Timeout));
        assert_eq!(answers.get(&cleo), None, "not addressed");
        assert_eq!(tally.close(other).get(&ben), Some(&Answer::Confirmed));
        assert_eq!(tally.waiting(), 0);
    }

    #[test]
    fn a_relay_is_complete_once_every_page_that_answers_has() {
        let (roster, [anna, ben, guest, _]) = class();
        let tally = roster.tally();
        let (number, mut opened) = relay(&roster, &[anna, ben, guest], &[(ben, Miss::BufferFull)]);
        assert!(opened.complete.try_recv().is_err(), "anna has not answered");
        tally.shown(anna, &[number]);
        // ben's queue refused it and the official page (guest-1) is not waited for.
        assert!(opened.complete.try_recv().is_ok());
        let answers = tally.close(number);
        assert_eq!(answers.get(&ben), Some(&Answer::Failed(Miss::BufferFull)));
    }

    #[test]
    fn an_answer_that_comes_while_the_relay_is_being_sent_counts_when_it_opens() {
        let (roster, [anna, ben, guest, cleo]) = class();
        let tally = roster.tally();
        let number = tally.number();
        tally.shown(anna, &[number]);
        tally.shown(anna, &[number]);
        // ben's queue refused it: an answer naming it does not make it shown.
        tally.shown(ben, &[number]);
        // cleo is not among the sockets it is sent to.
        tally.shown(cleo, &[number]);
        let mut opened = tally.open(
            number,
            &roster,
            [anna, ben, guest],
            &[(ben, Miss::BufferFull)],
        );
        assert!(opened.complete.try_recv().is_ok(), "anna answered already");
        let answers = tally.close(number);
        assert_eq!(answers.get(&anna), Some(&Answer::Confirmed));
        assert_eq!(answers.get(&ben), Some(&Answer::Failed(Miss::BufferFull)));
        assert_eq!(answers.get(&cleo), None, "not addressed");
    }

    #[test]
    fn a_socket_that_leaves_while_the_relay_is_being_sent_is_left_out() {
        let (roster, [anna, ben, _, _]) = class();
        let tally = roster.tally();
        let number = tally.number();
        tally.shown(anna, &[number]);
        assert!(roster.remove(anna).is_some());
        let mut opened = tally.open(number, &roster, [anna, ben], &[]);
        assert!(opened.complete.try_recv().is_err(), "ben has not answered");
        let answers = tally.close(number);
        assert_eq!(answers.get(&anna), None, "anna is gone for the class");
        assert_eq!(answers.get(&ben), Some(&Answer::Timeout));
    }

    #[test]
    fn a_departure_is_a_miss_that_a_late_answer_does_not_undo() {
        let (roster, [anna, ben, _, _]) = class();
        let tally = roster.tally();
        let (number, mut opened) = relay(&roster, &[anna, ben], &[]);
        tally.shown(anna, &[number]);
        assert!(roster.remove(anna).is_some());
        assert!(roster.remove(ben).is_some());
        tally.shown(ben, &[number]);
        assert!(opened.complete.try_recv().is_ok());
        let answers = tally.close(number);
        assert_eq!(
            answers.get(&anna),
            Some(&Answer::Confirmed),
            "answered first"
        );
        assert_eq!(answers.get(&ben), Some(&Answer::Failed(Miss::Disconnected)));
        // Gone before the next relay: not addressed at all.
        let (next, _) = relay(&roster, &[anna, ben], &[]);
        assert!(tally.close(next).is_empty());
    }

    #[test]
    fn an_answer_is_bounded() {
        let (roster, [anna, _, _, _]) = class();
        let tally = roster.tally();
        let (number, _) = relay(&roster, &[anna], &[]);
        let mut numbers = vec![u64::MAX; MAX_NUMBERS_PER_ANSWER];
        numbers.push(number);
        tally.shown(anna, &numbers);
        assert_eq!(
            tally.close(number).get(&anna),
            Some(&Answer::Timeout),
            "numbers past the bound are ignored"
        );
    }
}
