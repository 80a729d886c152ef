//! What the teacher's terminal prints: the compact projector view (the default), the verbose
//! view (`--verbose`, one line a socket), or JSON (`--json`).
//!
//! The compact view exists because a class is not three browsers: with one line a socket, 30
//! students turn every message into 32 lines. Compact, a message is one line with its count
//! (`confirmed 29/29`), plus at most one line naming the sockets that missed it and one naming
//! pages that do not confirm; typing is shown once per typist until they send something; an
//! arrival or departure is one line. Lab reports (server log lines, joins and leaves) print as
//! in the lessons. Every text from a student passes through `render::text::visible` (student
//! text in statements is already a quoted literal built by `js_value`, which does the same).

use std::collections::{HashMap, HashSet};

use colored::Colorize;
use serde_json::{Value, json};

use super::delivery::Relayed;
use super::roster::ClassReport;
use crate::lab::report::Report;
use crate::render::View;
use crate::render::text::{event_with_args, visible};

/// How many names a compact line lists before it says "and N more".
const NAMES_SHOWN: usize = 8;

/// The printing task's view, with the little state the compact view keeps.
pub struct ClassView {
    view: View,
    verbose: bool,
    /// Who has been shown typing since their last message: their next keystrokes are not.
    typing: HashSet<String>,
    /// Each sender's newest message shown, by send order ([`Relayed::sent`]). A record is
    /// finished when its last page answers, so a keystroke's record can come after the message
    /// that followed it (both wait for the same silent page): such a keystroke is old news.
    last_message: HashMap<String, u64>,
}

impl ClassView {
    pub fn new(view: View, verbose: bool) -> ClassView {
        ClassView {
            view,
            verbose,
            typing: HashSet::new(),
            last_message: HashMap::new(),
        }
    }

    /// One report as text to print, possibly empty (a typist already shown).
    pub fn render(&mut self, report: &ClassReport) -> String {
        match (report, self.view) {
            (ClassReport::Lab(report), view) => {
                if let Report::ServerLog(log) = report
                    && log.line.starts_with("user disconnected")
                {
                    self.typing.remove(&log.socket);
                    self.last_message.remove(&log.socket);
                }
                view.report(report)
            }
            (ClassReport::Relayed(relayed), View::Json) => json(relayed),
            (ClassReport::Relayed(relayed), View::Text) if self.verbose => verbose(relayed),
            (ClassReport::Relayed(relayed), View::Text) => self.compact(relayed),
        }
    }

    fn compact(&mut self, relayed: &Relayed) -> String {
        let newest = self.last_message.get(&relayed.sender).copied();
        if relayed.event == "typing" {
            let stale = newest.is_some_and(|message| message > relayed.sent);
            if stale || !self.typing.insert(relayed.sender.clone()) {
                return String::new();
            }
            return format!(
                "  {}  {}  {}\n",
                format!("{} is typing", visible(&relayed.sender)).dimmed(),
                visible(&relayed.statement).cyan(),
                count(relayed)
            );
        }
        if newest.is_none_or(|message| message < relayed.sent) {
            self.last_message
                .insert(relayed.sender.clone(), relayed.sent);
            self.typing.remove(&relayed.sender);
        }
        let mut out = format!(
            "{} {}  {}  {}  {}\n",
            ">".dimmed(),
            visible(&relayed.trigger).bold(),
            "→".dimmed(),
            visible(&relayed.statement).cyan(),
            count(relayed)
        );
        if !relayed.missed.is_empty() {
            let missed: Vec<String> = relayed
                .missed
                .iter()
                .map(|m| format!("{} ({})", m.socket, m.reason.reason()))
                .collect();
            out.push_str(&format!(
                "    {} {}\n",
                "✗ missed:".red(),
                visible(&names(&missed))
            ));
        }
        if !relayed.unconfirmed.is_empty() {
            out.push_str(&format!(
                "    {} {}\n",
                "sent, not confirmed (pages that do not answer):".yellow(),
                visible(&names(&relayed.unconfirmed))
            ));
        }
        out
    }
}

/// `confirmed 29/29`: answers out of the sockets the emit was addressed to.
fn count(relayed: &Relayed) -> String {
    let text = format!(
        "confirmed {}/{}",
        relayed.confirmed.len(),
        relayed.received.len()
    );
    if relayed.confirmed.len() == relayed.received.len() {
        text.green().to_string()
    } else {
        text.yellow().to_string()
    }
}

/// `anna, ben, cleo and 12 more`.
fn names(names: &[String]) -> String {
    let shown = names.iter().take(NAMES_SHOWN).cloned().collect::<Vec<_>>();
    let mut text = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        text.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    text
}

/// One line a socket, in connection order, as the lessons print a delivery, with each
/// addressed socket's answer.
fn verbose(relayed: &Relayed) -> String {
    let mut out = format!(
        "{} {}\n  {} {}\n",
        ">".dimmed(),
        visible(&relayed.trigger).bold(),
        "server runs:".dimmed(),
        visible(&relayed.statement).cyan()
    );
    let width = relayed
        .class
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0);
    let what = event_with_args(&relayed.event, &relayed.args);
    for name in &relayed.class {
        let padded = visible(&format!("{name:<width$}"));
        let line = if relayed.confirmed.contains(name) {
            format!(
                "{} {}   confirmed {what}",
                "✓".green().bold(),
                padded.bold()
            )
        } else if let Some(missed) = relayed.missed.iter().find(|m| &m.socket == name) {
            format!(
                "{} {}   {}",
                "✗".red().bold(),
                padded.bold(),
                format!("missed: {}", missed.reason.reason()).red()
            )
        } else if relayed.unconfirmed.contains(name) {
            format!(
                "{} {}   {}",
                "~".yellow(),
                padded,
                "sent, not confirmed (its page does not answer)".yellow()
            )
        } else {
            format!(
                "{} {}   {}",
                "✗".red(),
                padded.dimmed(),
                "not received".dimmed()
            )
        };
        out.push_str("    ");
        out.push_str(&visible(&line));
        out.push('\n');
    }
    if relayed.class.is_empty() {
        out.push_str(&format!("    {}\n", "(no sockets are connected)".dimmed()));
    }
    out
}

/// The JSON line: the lab's delivery fields (`kind`, `as`, `trigger`, `statement`, `event`,
/// `args`, `received`, `not_received`) plus `confirmed`, `missed` and `unconfirmed`.
fn json(relayed: &Relayed) -> String {
    let mut value = serde_json::to_value(relayed).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        let mut with_kind = serde_json::Map::new();
        with_kind.insert("kind".into(), json!("delivery"));
        with_kind.insert("namespace".into(), json!(super::roster::NAMESPACE));
        with_kind.extend(std::mem::take(map));
        value = Value::Object(with_kind);
    }
    format!(
        "{}\n",
        crate::render::json::hidden_as_escapes(value.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::delivery::{Miss, Missed};

    fn relayed() -> Relayed {
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        Relayed {
            sender: "anna".into(),
            trigger: "anna.emit('chat message', 'hi')".into(),
            statement: "io.emit('chat message', msg, name)".into(),
            event: "chat message".into(),
            args: vec![json!("hi"), json!("anna")],
            received: names(&["anna", "ben", "guest-1"]),
            not_received: Vec::new(),
            confirmed: names(&["anna"]),
            missed: vec![Missed {
                socket: "ben".into(),
                reason: Miss::BufferFull,
            }],
            unconfirmed: names(&["guest-1"]),
            class: names(&["anna", "ben", "guest-1"]),
            sent: 0,
        }
    }

    /// A keystroke whose record is finished after the message that followed it (both waited
    /// for the same silent page) is not shown again: one typing line per run of keystrokes, in
    /// the order they were sent.
    #[test]
    fn a_late_keystroke_is_not_shown_after_the_message_it_preceded() {
        colored::control::set_override(false);
        let mut view = ClassView::new(View::Text, false);
        let typing = |sent| Relayed {
            event: "typing".into(),
            statement: "socket.broadcast.emit('typing', name)".into(),
            sent,
            ..relayed()
        };
        let message = |sent| Relayed { sent, ..relayed() };
        let mut shown = |record| view.render(&ClassReport::Relayed(record));
        assert!(shown(typing(1)).contains("anna is typing"));
        assert_eq!(shown(typing(2)), "");
        assert!(shown(message(4)).contains("confirmed"));
        assert_eq!(shown(typing(3)), "", "a keystroke sent before the message");
        assert!(shown(typing(5)).contains("anna is typing"), "a new run");
        assert!(shown(message(6)).contains("confirmed"));
    }

    #[test]
    fn verbose_is_one_line_a_socket_with_its_answer() {
        colored::control::set_override(false);
        let mut view = ClassView::new(View::Text, true);
        let text = view.render(&ClassReport::Relayed(relayed()));
        assert_eq!(
            text,
            "> anna.emit('chat message', 'hi')\n  server runs: io.emit('chat message', msg, name)\n    \
             ✓ anna      confirmed 'chat message' 'hi' 'anna'\n    \
             ✗ ben       missed: its buffer was full\n    \
             ~ guest-1   sent, not confirmed (its page does not answer)\n"
        );
    }

    #[test]
    fn compact_names_only_who_missed_it() {
        colored::control::set_override(false);
        let mut view = ClassView::new(View::Text, false);
        let text = view.render(&ClassReport::Relayed(relayed()));
        assert_eq!(
            text,
            "> anna.emit('chat message', 'hi')  →  io.emit('chat message', msg, name)  confirmed 1/3\n    \
             ✗ missed: ben (its buffer was full)\n    \
             sent, not confirmed (pages that do not answer): guest-1\n"
        );
        let many: Vec<String> = (1..=12).map(|i| format!("s{i}")).collect();
        assert_eq!(names(&many), "s1, s2, s3, s4, s5, s6, s7, s8 and 4 more");
    }
}
