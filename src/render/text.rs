//! The text view: what a learner reads, and what a teacher projects.
//!
//! A delivery is the statement as run, then one line per socket in connection order, with a mark
//! for received or not and the arguments received:
//!
//! ```text
//! > alice: socket.broadcast.emit('chat message', 'hi')
//!     ✗ alice   not received
//!     ✓ bob     received 'chat message' 'hi'
//! ```
//!
//! Sockets are grouped under their namespace when the lab has more than one. Colour is added
//! with `colored`; `crate::output` decides which streams keep it.

use colored::Colorize;
use serde_json::Value;

use super::LineError;
use crate::lab::report::{
    AdapterMessage, Answers, ClientHandlerSet, ConnectError, Delivery, HandlerSet, Membership,
    MembershipAction, MiddlewareSet, Reply, Report, RoomMap, ServerLog, Unhandled,
};

const RECEIVED: &str = "✓";
const NOT_RECEIVED: &str = "✗";

pub fn report(report: &Report) -> String {
    match report {
        Report::ServerLog(log) => server_log(log),
        Report::Delivery(delivery) => self::delivery(delivery),
        Report::Membership(membership) => self::membership(membership),
        Report::Handler(handler) => self::handler(handler),
        Report::Unhandled(unhandled) => self::unhandled(unhandled),
        Report::ConnectError(error) => connect_error(error),
        Report::Rooms(map) => rooms(map),
        Report::Adapter(message) => adapter(message),
        Report::Middleware(middleware) => self::middleware(middleware),
        Report::ClientHandler(handler) => client_handler(handler),
        Report::Reply(reply) => self::reply(reply),
        Report::Answers(answers) => self::answers(answers),
        Report::AnyHandler(handler) => {
            format!("  {} {}\n", "server:".cyan(), visible(&handler.source))
        }
    }
}

/// ```text
///   client: bob.on('question', (q, callback) => callback('yes'))
/// ```
fn client_handler(handler: &ClientHandlerSet) -> String {
    format!("  {} {}\n", "client:".cyan(), visible(&handler.source))
}

/// ```text
/// > alice.emitWithAck('question', 'Ready?')
///   server runs: callback('yes')
///     alice   got the answer 'yes': the promise resolves to it
/// ```
fn reply(reply: &Reply) -> String {
    format!(
        "{}  {} {}\n    {} {}   got the answer {}: the promise resolves to it\n",
        statement_line(None, &reply.trigger),
        "server runs:".dimmed(),
        visible(&reply.statement).cyan(),
        RECEIVED.green().bold(),
        visible(&reply.socket).bold(),
        js_value(&reply.answer)
    )
}

/// After the delivery of a server's `emitWithAck`: each recipient's answer, then how the
/// promise settles, in Node's words.
///
/// ```text
///   answers, within 1000 ms:
///     alice   answered 'yes'
///     carol   no answer: operation has timed out
///   the promise rejects: Error: operation has timed out (err.responses holds the 1 answer that came)
/// ```
fn answers(answers: &Answers) -> String {
    let mut out = format!(
        "  {}\n",
        format!("answers, within {} ms:", answers.timeout_ms).dimmed()
    );
    let width = answers
        .answers
        .iter()
        .map(|a| a.socket.chars().count())
        .max()
        .unwrap_or(0);
    for answer in &answers.answers {
        let padded = visible(&format!("{:<width$}", answer.socket));
        let line = match (&answer.answer, &answer.error) {
            (Some(value), _) => format!("    {}   answered {}", padded.bold(), js_value(value)),
            (None, Some(error)) => format!(
                "    {}   {}",
                padded.dimmed(),
                format!("no answer: {}", visible(error)).red()
            ),
            (None, None) => format!("    {}   no answer", padded.dimmed()),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if answers.answers.is_empty() {
        out.push_str(&format!("    {}\n", "(nobody was asked)".dimmed()));
    }
    let came: Vec<&Value> = answers
        .answers
        .iter()
        .filter_map(|a| a.answer.as_ref())
        .collect();
    let settles = match (answers.rejection(), answers.single) {
        (Some(error), true) => format!("the promise rejects: Error: {}", visible(error)),
        (Some(error), false) => format!(
            "the promise rejects: Error: {} (err.responses holds the {} that came)",
            visible(error),
            count(came.len(), "answer")
        ),
        (None, true) => format!(
            "the promise resolves to {}",
            came.first().map(|v| js_value(v)).unwrap_or_default()
        ),
        (None, false) => format!(
            "the promise resolves to an array of {}, one per socket, in the order they came",
            count(came.len(), "answer")
        ),
    };
    let settles = if answers.rejection().is_some() {
        settles.yellow()
    } else {
        settles.green()
    };
    out.push_str(&format!("  {settles}\n"));
    out
}

fn count(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// ```text
///   A → Redis: broadcast 'news' to every socket, except alice's own room
/// ```
fn adapter(message: &AdapterMessage) -> String {
    let mut line = format!("{} → Redis: {}", message.server, message.request);
    if let Some(event) = &message.event {
        line.push_str(&format!(" '{}'", visible(event)));
    }
    if message.rooms.is_empty() {
        line.push_str(" to every socket");
    } else {
        let noun = if message.rooms.len() == 1 {
            "room"
        } else {
            "rooms"
        };
        line.push_str(&format!(
            " to {noun} {}",
            visible(&message.rooms.join(", "))
        ));
    }
    if message.namespace != "/" && !message.namespace.is_empty() {
        line.push_str(&format!(" of {}", message.namespace));
    }
    if !message.except.is_empty() {
        line.push_str(&format!(", except {}", visible(&message.except.join(", "))));
    }
    format!("  {} {}\n", "adapter:".magenta(), line)
}

/// ```text
/// error on line 2: `broadcast` is a flag, not a method
///     alice: socket.broadcast().emit('hi')
///                            ^
///     hint: did you mean socket.broadcast.emit(...)?
/// ```
pub fn error(error: &LineError) -> String {
    // Line 0: the interactive playground, where the line is the one just typed.
    let label = match error.line {
        0 => "error:".to_string(),
        line => format!("error on line {line}:"),
    };
    let mut out = format!("{} {}\n", label.red().bold(), error.message);
    if let Some(column) = error.column {
        out.push_str(&format!("    {}\n", error.text));
        out.push_str(&format!(
            "    {}{}\n",
            crate::script::caret_indent(&error.text, column),
            "^".red().bold()
        ));
    }
    if let Some(hint) = &error.hint {
        out.push_str(&format!("    {} {hint}\n", "hint:".yellow()));
    }
    out
}

/// A statement as the learner wrote it, with the socket it ran as.
fn statement_line(as_socket: Option<&str>, statement: &str) -> String {
    let text = match as_socket {
        Some(name) => format!("{name}: {statement}"),
        None => statement.to_string(),
    };
    format!("{} {}\n", ">".dimmed(), visible(&text).bold())
}

fn server_log(log: &ServerLog) -> String {
    let whose = if log.namespace == "/" {
        log.socket.clone()
    } else {
        format!("{}, {}", log.socket, log.namespace)
    };
    format!(
        "  {} {}  {}\n",
        "server:".cyan(),
        visible(&log.line),
        format!("({})", visible(&whose)).dimmed()
    )
}

fn delivery(delivery: &Delivery) -> String {
    delivery_with_notes(delivery, |_, _| String::new())
}

/// A delivery with the learner's prediction beside each socket: which picks were right, which
/// sockets were missed, which were wrongly picked.
pub fn delivery_with_prediction(delivery: &Delivery, picked: &[String]) -> String {
    delivery_with_notes(delivery, |name, received| {
        let chosen = picked.iter().any(|p| p == name);
        match (chosen, received) {
            (true, true) => format!("   {}", "← you picked it: right".green()),
            (false, true) => format!("   {}", "← missed: it received it".red()),
            (true, false) => format!("   {}", "← you picked it: it did not receive it".red()),
            (false, false) => String::new(),
        }
    })
}

fn delivery_with_notes(delivery: &Delivery, note: impl Fn(&str, bool) -> String) -> String {
    let mut out = match &delivery.trigger {
        Some(trigger) => format!(
            "{}  {} {}\n",
            statement_line(None, trigger),
            "server runs:".dimmed(),
            visible(&delivery.statement).cyan()
        ),
        None => statement_line(delivery.as_socket.as_deref(), &delivery.statement),
    };
    let width = delivery
        .sockets
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let mut namespaces: Vec<&str> = Vec::new();
    for (_, namespace) in &delivery.sockets {
        if !namespaces.contains(&namespace.as_str()) {
            namespaces.push(namespace);
        }
    }
    let grouped = namespaces.len() > 1;
    for namespace in namespaces {
        if grouped {
            let note = if namespace == delivery.namespace {
                format!("{namespace}  (the event was sent here)")
            } else {
                namespace.to_string()
            };
            out.push_str(&format!("    {}\n", note.dimmed()));
        }
        let indent = if grouped { "      " } else { "    " };
        for (name, _) in delivery.sockets.iter().filter(|(_, ns)| ns == namespace) {
            let times = delivery.received.iter().filter(|r| *r == name).count();
            let padded = visible(&format!("{name:<width$}"));
            let line = match times {
                0 => format!(
                    "{} {}   {}",
                    NOT_RECEIVED.red(),
                    padded.dimmed(),
                    "not received".dimmed()
                ),
                1 => format!(
                    "{} {}   received {}",
                    RECEIVED.green().bold(),
                    padded.bold(),
                    event_with_args(&delivery.event, &delivery.args)
                ),
                n => format!(
                    "{} {}   received {} ({n} times)",
                    RECEIVED.green().bold(),
                    padded.bold(),
                    event_with_args(&delivery.event, &delivery.args)
                ),
            };
            out.push_str(indent);
            out.push_str(line.trim_end());
            out.push_str(&note(name, times > 0));
            out.push('\n');
        }
    }
    if delivery.sockets.is_empty() {
        out.push_str(&format!("    {}\n", "(no sockets are connected)".dimmed()));
    }
    out
}

fn membership(membership: &Membership) -> String {
    let mut out = statement_line(Some(&membership.as_socket), &membership.statement);
    let rooms = visible(&membership.rooms.join(", "));
    let what = match membership.action {
        MembershipAction::Join => format!("{} joined {rooms}", membership.as_socket),
        MembershipAction::Leave => format!("{} left {rooms}", membership.as_socket),
        MembershipAction::Disconnect => {
            format!("the server disconnected {}", membership.as_socket)
        }
    };
    out.push_str(&format!("    {}\n", what.yellow()));
    out
}

fn handler(handler: &HandlerSet) -> String {
    let place = if handler.namespace == "/" {
        String::new()
    } else {
        format!("{} ", handler.namespace)
    };
    format!(
        "  {} on {place}'{}': {}\n",
        "server:".cyan(),
        handler.event,
        handler.statement
    )
}

/// ```text
///   server: io.use((socket, next) => next(new Error('not authorized')))
/// ```
fn middleware(middleware: &MiddlewareSet) -> String {
    format!("  {} {}\n", "server:".cyan(), middleware.statement)
}

fn unhandled(unhandled: &Unhandled) -> String {
    let mut out = statement_line(None, &unhandled.trigger);
    out.push_str(&format!(
        "    {}\n",
        format!(
            "the server has no handler for '{}' on {}, so it sent nothing to anyone",
            unhandled.event, unhandled.namespace
        )
        .yellow()
    ));
    out
}

fn connect_error(error: &ConnectError) -> String {
    format!(
        "  {} {} could not connect to {}: the client got the error \"{}\"\n",
        NOT_RECEIVED.red(),
        error.socket.bold(),
        error.namespace,
        error.message
    )
}

fn rooms(map: &RoomMap) -> String {
    let mut out = format!("{}\n", "rooms".bold());
    for namespace in &map.namespaces {
        let sockets = if namespace.sockets.is_empty() {
            "no sockets".to_string()
        } else {
            namespace.sockets.join(", ")
        };
        out.push_str(&format!(
            "  {} {}\n",
            namespace.namespace.bold(),
            format!("({sockets})").dimmed()
        ));
        if namespace.rooms.is_empty() {
            out.push_str(&format!("    {}\n", "no rooms".dimmed()));
        }
        let width = namespace
            .rooms
            .iter()
            .map(|room| room.name.chars().count())
            .max()
            .unwrap_or(0);
        for room in &namespace.rooms {
            let members = if room.members.is_empty() {
                "(empty)".to_string()
            } else {
                room.members.join(", ")
            };
            out.push_str(&format!(
                "    {}  {members}\n",
                format!("{:<width$}", room.name).yellow()
            ));
        }
    }
    if !map.own_rooms_shown {
        out.push_str(&format!(
            "  {}\n",
            "(every socket is also in its own room, named by its id: `rooms all` shows them)"
                .dimmed()
        ));
    }
    out
}

/// `'chat message' 'hi' 2`: the event and its arguments as a JavaScript hand would write them.
pub fn event_with_args(event: &str, args: &[Value]) -> String {
    let mut parts = vec![format!("'{event}'")];
    parts.extend(args.iter().map(js_value));
    parts.join(" ")
}

/// A JSON value written the way the statement language writes it: strings in single quotes,
/// with every character that could act on the terminal or hide itself written as an escape
/// (see [`visible`]), so the result is still the JavaScript literal of the same string.
pub fn js_value(value: &Value) -> String {
    match value {
        Value::String(text) => format!(
            "'{}'",
            visible(&text.replace('\\', "\\\\").replace('\'', "\\'"))
        ),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(js_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".to_string();
            }
            let fields: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{key}: {}", js_value(value)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        other => other.to_string(),
    }
}

/// Text from outside (a browser, a learner's line) made safe to print: control characters (C0,
/// DEL, C1: ESC sequences, CR, NUL, OSC titles), invisible characters (zero-width spaces and
/// joiners, the byte-order mark, soft hyphen) and bidirectional controls (which make a terminal
/// or page show text in another order than it was written) are written as JavaScript escapes:
/// `\n`, `\r`, `\t`, `\0`, `\x1b`, `\u202e`. Everything else, accents and emoji included, is
/// printed as is. Each view (text, JSON, compact) passes user text through here once.
///
/// A backslash is left alone: inside a quoted literal [`js_value`] escapes it first, so a student
/// who types `\x1b` as four characters is shown `'\\x1b'` and cannot imitate an escape there.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_hidden) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if is_hidden(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_hidden(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Whether a character acts on the terminal, is invisible, or reorders its neighbours: the
/// characters [`visible`] escapes and a nickname may not contain.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'                 // soft hyphen
            | '\u{034f}'               // combining grapheme joiner
            | '\u{061c}'               // Arabic letter mark (bidi)
            | '\u{115f}' | '\u{1160}'   // Hangul fillers
            | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'  // Mongolian selectors and vowel separator
            | '\u{200b}'..='\u{200f}'  // zero-width space, joiners, LRM, RLM
            | '\u{2028}'..='\u{202e}'  // line/paragraph separators, bidi embeddings, overrides
            | '\u{2060}'..='\u{206f}'  // word joiner, invisible operators, bidi isolates
            | '\u{3164}'               // Hangul filler
            | '\u{feff}'               // byte-order mark, zero-width no-break space
            | '\u{ffa0}'               // halfwidth Hangul filler
            | '\u{fff9}'..='\u{fffb}'  // interlinear annotations
            | '\u{e0000}'..='\u{e007f}' // tags
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_printed_as_escapes() {
        let forged = "hi\r\x1b[2J\x1b]0;owned\x07\n  ✓ received\0\u{9b}31m";
        let shown = visible(forged);
        assert_eq!(
            shown,
            "hi\\r\\x1b[2J\\x1b]0;owned\\x07\\n  ✓ received\\0\\x9b31m"
        );
        assert!(!shown.chars().any(is_hidden), "{shown:?}");
    }

    #[test]
    fn invisible_and_bidi_characters_are_printed_as_escapes() {
        assert_eq!(visible("viewer\u{200b}"), "viewer\\u200b");
        assert_eq!(visible("\u{202e}olleh"), "\\u202eolleh");
        assert_eq!(visible("café ☕ 日本"), "café ☕ 日本");
    }

    #[test]
    fn a_quoted_string_stays_the_javascript_literal_of_the_same_text() {
        let value = Value::from("it's \x1b[31m\\x1b");
        assert_eq!(js_value(&value), "'it\\'s \\x1b[31m\\\\x1b'");
    }
}
