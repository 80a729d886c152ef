//! Tab completion for the playground: the statement language (`socket.`, `io.`, `.broadcast`,
//! `.to(`, `.emit(`), the playground commands, and the socket names, rooms and namespaces that
//! exist in the lab right now.
//!
//! [`candidates`] is a pure function of the line, the cursor and a [`Names`] snapshot, so it is
//! tested without a terminal; [`Helper`] plugs it into rustyline. Completion reads the text
//! around the cursor only; it does not parse the line (a half-typed line rarely parses).

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;

/// What exists in the lab, refreshed after every command.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    /// Socket names, in connection order.
    pub sockets: Vec<String>,
    /// Named rooms, in every namespace, sorted and without duplicates.
    pub rooms: Vec<String>,
    /// Served namespaces, `/` first.
    pub namespaces: Vec<String>,
}

impl Names {
    /// What exists in `lab` right now: its sockets, its named rooms, its namespaces.
    pub async fn of(lab: &crate::lab::Lab) -> Names {
        let map = lab.room_map(false).await;
        let mut rooms: Vec<String> = map
            .namespaces
            .iter()
            .flat_map(|ns| ns.rooms.iter().map(|room| room.name.clone()))
            .collect();
        rooms.sort();
        rooms.dedup();
        Names {
            sockets: lab.sockets().into_iter().map(|(name, _)| name).collect(),
            rooms,
            namespaces: lab.namespaces(),
        }
    }
}

/// Words that start a line, besides `io.` and socket names.
const LINE_WORDS: &[&str] = &[
    "connect ",
    "disconnect ",
    "cut ",
    "silence ",
    "on ",
    "rooms",
    "who",
    "explain ",
    "save ",
    "reset",
    "help",
    "quit",
];

/// What may follow `io.` (of only right after `io`).
const IO_METHODS: &[&str] = &["emit(", "except(", "in(", "of(", "timeout(", "to(", "use("];
/// What may follow `socket.` where a value goes (an emit's arguments, a middleware's body).
const SOCKET_PROPERTIES: &[&str] = &["data", "handshake."];
/// The pieces of a middleware, inside `io.use(`.
const MIDDLEWARE_PARTS: &[&str] = &["(socket, next) => ", "next()", "next(new Error(", "socket."];
/// What may follow `socket.`.
const SOCKET_METHODS: &[&str] = &[
    "broadcast.",
    "disconnect()",
    "emit(",
    "except(",
    "in(",
    "join(",
    "leave(",
    "timeout(",
    "to(",
];
/// What may follow a link of a chain: `io.to('r').`, `socket.broadcast.`.
const CHAIN_METHODS: &[&str] = &["emit(", "except(", "in(", "timeout(", "to("];
/// What may follow a client socket's name: `alice.`.
const CLIENT_METHODS: &[&str] = &["emit(", "emitWithAck(", "on("];
/// Methods whose arguments are rooms.
const ROOM_METHODS: &[&str] = &["to", "in", "except", "join", "leave"];

/// The completions for `line` with the cursor at byte `pos`: the byte where the replaced text
/// starts, and the candidates that replace it (sorted, each starting with the typed prefix).
pub fn candidates(line: &str, pos: usize, names: &Names) -> (usize, Vec<String>) {
    let Some(before) = line.get(..pos) else {
        return (pos, Vec::new());
    };

    // Inside an unfinished string: a room name, or a namespace after `of(`.
    if let Some(quote_at) = open_quote(before) {
        let quote = &before[quote_at..quote_at + 1];
        let prefix = &before[quote_at + 1..];
        let context = &before[..quote_at];
        let pool: Vec<String> = match call_context(context) {
            Some("of") => names.namespaces.clone(),
            Some(method) if ROOM_METHODS.contains(&method) => names.rooms.clone(),
            _ => Vec::new(),
        };
        let closing = |item: &String| format!("{item}{quote}");
        return (quote_at + 1, matching(prefix, pool.iter().map(closing)));
    }

    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '$' | '/' | '-'))
        .last()
        .map_or(pos, |(i, _)| i);
    let prefix = &before[start..];
    let mut head = &before[..start];
    // `explain` takes a whole statement: complete what follows it as a line of its own.
    let mut at_explain = false;
    if let Some(rest) = head.trim_start().strip_prefix("explain ") {
        head = rest;
        at_explain = true;
    }
    let head_trimmed = head.trim_end();
    let first_word = head.split_whitespace().next().unwrap_or("");

    let pool: Vec<String> = if head_trimmed.is_empty() {
        // The start of a line: a command, `io.`, or a socket to run as or emit from.
        let mut pool: Vec<String> = vec!["io.".into()];
        if !at_explain {
            pool.extend(LINE_WORDS.iter().map(|w| w.to_string()));
            // The server's catch-all listener, the one line that starts with `socket.`.
            pool.push("socket.onAny(".into());
        }
        for socket in &names.sockets {
            pool.push(format!("{socket}: socket."));
            pool.extend(CLIENT_METHODS.iter().map(|m| format!("{socket}.{m}")));
        }
        pool
    } else if let Some(object) = head.strip_suffix('.') {
        let in_rooms = call_context(object).is_some_and(|m| ROOM_METHODS.contains(&m));
        let object_word = trailing_word(object);
        match object_word {
            "io" => strings(IO_METHODS),
            "socket" if in_rooms => vec!["id".into()],
            "socket" if matches!(call_context(object), Some("emit" | "use")) => {
                strings(SOCKET_PROPERTIES)
            }
            "socket" if object.trim() == "socket" && !at_explain => vec!["onAny(".into()],
            "socket" => strings(SOCKET_METHODS),
            "handshake" => vec!["auth".into()],
            "broadcast" => strings(CHAIN_METHODS),
            // `timeout(1000).` is the last link: only the promise form follows it.
            "" if ends_with_timeout(object) => vec!["emitWithAck(".into()],
            "" if object.ends_with(')') => strings(CHAIN_METHODS),
            name if names.sockets.iter().any(|s| s == name) => {
                if in_rooms {
                    vec!["id".into()]
                } else if object.trim() == name {
                    strings(CLIENT_METHODS)
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    } else if head_trimmed.ends_with(':') && !head_trimmed.contains('(') {
        // `alice: ` runs a statement as alice; a handler (`on 'ask': `) may also answer.
        let mut pool = vec!["socket.".to_string(), "io.".to_string()];
        if first_word == "on" {
            pool.push("callback(".into());
        }
        pool
    } else if let Some(method) = call_context(head).filter(|m| *m != "emit") {
        // The start of an argument: a room (quoted), an own room, or a namespace.
        if method == "use" {
            strings(MIDDLEWARE_PARTS)
        } else if method == "of" {
            names.namespaces.iter().map(|n| format!("'{n}'")).collect()
        } else if ROOM_METHODS.contains(&method) {
            let mut pool: Vec<String> = names.rooms.iter().map(|r| format!("'{r}'")).collect();
            pool.extend(names.sockets.iter().map(|s| format!("{s}.id")));
            pool.push("socket.id".into());
            pool
        } else {
            Vec::new()
        }
    } else if !at_explain {
        match first_word {
            "disconnect" | "cut" | "silence" => names.sockets.clone(),
            "rooms" => vec!["all".into()],
            "connect" if head_trimmed.ends_with(" to") => names.namespaces.clone(),
            "connect" if head_trimmed.ends_with(" with") => vec!["auth ".into()],
            "connect" if head.contains(" with ") => Vec::new(),
            "connect" if head.contains(" to ") => vec!["with auth ".into()],
            "connect" => vec!["to ".into(), "with auth ".into()],
            "on" if head_trimmed == "on" => names
                .namespaces
                .iter()
                .filter(|n| *n != "/")
                .map(|n| format!("{n} "))
                .collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    (start, matching(prefix, pool))
}

/// The candidates that start with `prefix`, sorted, without duplicates.
fn matching(prefix: &str, pool: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut found: Vec<String> = pool
        .into_iter()
        .filter(|candidate| candidate.starts_with(prefix))
        .collect();
    found.sort();
    found.dedup();
    found
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether `text` ends with a `timeout(...)` call: `io.timeout(1000)`.
fn ends_with_timeout(text: &str) -> bool {
    text.strip_suffix(')')
        .and_then(|rest| rest.rsplit_once("timeout("))
        .is_some_and(|(before, ms)| ms.chars().all(|c| c.is_ascii_digit()) && before.ends_with('.'))
}

/// The byte index of the quote that opens a string still open at the end of `text`.
fn open_quote(text: &str) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match open {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some((_, quote)) if c == quote => open = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => open = Some((i, c)),
            None => {}
        }
    }
    open.map(|(i, _)| i)
}

/// The method whose argument list is still open at the end of `text` (`to` in
/// `io.to(['a', `), if any.
fn call_context(text: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut open_parens = Vec::new();
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => open_parens.push(i),
            (None, ')') => {
                open_parens.pop();
            }
            _ => {}
        }
    }
    let paren = *open_parens.last()?;
    let word = trailing_word(&text[..paren]);
    (!word.is_empty()).then_some(word)
}

/// The identifier at the end of `text` (`to` in `io.to`), or "" if it ends otherwise.
fn trailing_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '$'))
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// The rustyline helper: completion from [`candidates`], nothing else.
#[derive(Default)]
pub struct Helper {
    pub names: Names,
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, found) = candidates(line, pos, &self.names);
        let pairs = found
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Helper {
    type Hint = String;
}
impl Highlighter for Helper {}
impl Validator for Helper {}
impl rustyline::Helper for Helper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            sockets: vec!["alice".into(), "bob".into(), "carol".into()],
            rooms: vec!["room1".into(), "room2".into(), "lobby".into()],
            namespaces: vec!["/".into(), "/tenant-a".into()],
        }
    }

    /// The completions at the end of `line`, and the line each one would make.
    fn complete(line: &str) -> Vec<String> {
        let (start, found) = candidates(line, line.len(), &names());
        found
            .into_iter()
            .map(|c| format!("{}{c}", &line[..start]))
            .collect()
    }

    #[test]
    fn table() {
        let rows: &[(&str, &[&str])] = &[
            (
                "al",
                &[
                    "alice.emit(",
                    "alice.emitWithAck(",
                    "alice.on(",
                    "alice: socket.",
                ],
            ),
            ("co", &["connect "]),
            ("ex", &["explain "]),
            ("alice: ", &["alice: io.", "alice: socket."]),
            ("alice: so", &["alice: socket."]),
            ("alice: socket.bro", &["alice: socket.broadcast."]),
            (
                "alice: socket.broadcast.em",
                &["alice: socket.broadcast.emit("],
            ),
            (
                "alice: socket.broadcast.",
                &[
                    "alice: socket.broadcast.emit(",
                    "alice: socket.broadcast.except(",
                    "alice: socket.broadcast.in(",
                    "alice: socket.broadcast.timeout(",
                    "alice: socket.broadcast.to(",
                ],
            ),
            ("alice: socket.j", &["alice: socket.join("]),
            (
                "io.",
                &[
                    "io.emit(",
                    "io.except(",
                    "io.in(",
                    "io.of(",
                    "io.timeout(",
                    "io.to(",
                    "io.use(",
                ],
            ),
            ("io.u", &["io.use("]),
            (
                "io.use(",
                &[
                    "io.use((socket, next) => ",
                    "io.use(next()",
                    "io.use(next(new Error(",
                    "io.use(socket.",
                ],
            ),
            (
                "io.use((socket, next) => n",
                &[
                    "io.use((socket, next) => next()",
                    "io.use((socket, next) => next(new Error(",
                ],
            ),
            (
                "io.use((socket, next) => socket.",
                &[
                    "io.use((socket, next) => socket.data",
                    "io.use((socket, next) => socket.handshake.",
                ],
            ),
            (
                "io.use((socket, next) => socket.handshake.",
                &["io.use((socket, next) => socket.handshake.auth"],
            ),
            (
                "alice: socket.emit('me', socket.",
                &[
                    "alice: socket.emit('me', socket.data",
                    "alice: socket.emit('me', socket.handshake.",
                ],
            ),
            (
                "connect dave ",
                &["connect dave to ", "connect dave with auth "],
            ),
            ("connect dave w", &["connect dave with auth "]),
            (
                "connect dave to /tenant-a w",
                &["connect dave to /tenant-a with auth "],
            ),
            ("connect dave with auth {", &[]),
            ("io.t", &["io.timeout(", "io.to("]),
            ("io.timeout(1000).", &["io.timeout(1000).emitWithAck("]),
            (
                "io.to('room1').timeout(500).e",
                &["io.to('room1').timeout(500).emitWithAck("],
            ),
            ("alice: socket.ti", &["alice: socket.timeout("]),
            (
                "alice: socket.broadcast.ti",
                &["alice: socket.broadcast.timeout("],
            ),
            (
                "alice.",
                &["alice.emit(", "alice.emitWithAck(", "alice.on("],
            ),
            ("bob.emitW", &["bob.emitWithAck("]),
            ("on 'ask': ca", &["on 'ask': callback("]),
            ("so", &["socket.onAny("]),
            ("socket.", &["socket.onAny("]),
            ("alice: ca", &[]),
            (
                "io.to('room1').e",
                &["io.to('room1').emit(", "io.to('room1').except("],
            ),
            ("io.to('ro", &["io.to('room1'", "io.to('room2'"]),
            ("io.to(\"lo", &["io.to(\"lobby\""]),
            (
                "io.to(['room1', 'ro",
                &["io.to(['room1', 'room1'", "io.to(['room1', 'room2'"],
            ),
            ("io.to(b", &["io.to(bob.id"]),
            ("io.to(bob.", &["io.to(bob.id"]),
            ("alice: socket.to(socket.", &["alice: socket.to(socket.id"]),
            ("io.of('/t", &["io.of('/tenant-a'"]),
            ("io.of(", &["io.of('/'", "io.of('/tenant-a'"]),
            ("alice.e", &["alice.emit(", "alice.emitWithAck("]),
            ("disconnect b", &["disconnect bob"]),
            ("cut b", &["cut bob"]),
            ("sil", &["silence "]),
            ("silence c", &["silence carol"]),
            ("rooms a", &["rooms all"]),
            ("connect dave to /te", &["connect dave to /tenant-a"]),
            (
                "explain al",
                &[
                    "explain alice.emit(",
                    "explain alice.emitWithAck(",
                    "explain alice.on(",
                    "explain alice: socket.",
                ],
            ),
            ("explain io.t", &["explain io.timeout(", "explain io.to("]),
            (
                "explain alice: socket.to('r",
                &[
                    "explain alice: socket.to('room1'",
                    "explain alice: socket.to('room2'",
                ],
            ),
            // Nothing sensible to offer: no candidates rather than wrong ones.
            ("io.emit('ro", &[]),
            ("zed.", &[]),
            ("explain co", &[]),
        ];
        for (line, expected) in rows {
            assert_eq!(&complete(line), expected, "completing {line:?}");
        }
    }

    #[test]
    fn the_cursor_in_the_middle_of_a_line() {
        let line = "io.t('x').emit('hi')";
        let (start, found) = candidates(line, 4, &names());
        assert_eq!(
            (start, found),
            (3, vec!["timeout(".to_string(), "to(".to_string()])
        );
    }

    #[test]
    fn a_cursor_outside_the_line_offers_nothing() {
        assert_eq!(candidates("io.", 99, &names()), (99, Vec::new()));
    }
}
