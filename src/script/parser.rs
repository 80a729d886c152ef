//! Tokens to commands, by recursive descent.
//!
//! The grammar is small enough to read straight off the functions below:
//!
//! ```text
//! command   := connect NAME+ [to PATH] | on [PATH] STRING ':' statement | rooms [all]
//!            | disconnect NAME | NAME '.' emit '(' args ')' | NAME ':' statement | statement
//! statement := io ['.of(' STRING ')'] target* '.emit(' args ')'
//!            | socket target* '.emit(' args ')'
//!            | socket '.join(' rooms ')' | socket '.leave(' room ')' | socket '.disconnect()'
//! target    := '.broadcast' | '.to(' rooms ')' | '.in(' rooms ')' | '.except(' rooms ')'
//! rooms     := room | '[' room (',' room)* ']'
//! room      := STRING | NAME '.id' | 'socket.id'
//! ```
//!
//! Most of the code is about errors: each mistake a learner is likely to make (a method call
//! where Socket.IO has a flag, a typo in a method name, `socket` with no socket to run as) gets a
//! message that says what was expected, at the right column, with the nearest valid form.

use serde_json::{Map, Value};

use super::ast::{Arg, Command, Emit, Origin, RoomRef, Statement, StatementKind, Target};
use super::error::ParseError;
use super::lexer::{Token, TokenKind, tokenize};

/// Words that start a playground command; they cannot be socket names.
pub const COMMAND_WORDS: &[&str] = &["connect", "on", "rooms", "disconnect", "io", "socket"];

/// Event names that the Socket.IO API reserves: emitting one throws in Node.
const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// How deep arrays and objects may nest in a value. The lab's client (rust_socketio) and server
/// (socketioxide) both read packets with serde_json, which refuses JSON nested more than 128
/// levels; the packet itself (`["event", ...]`) and an acknowledgement each add a level. 64
/// leaves that margin with room to spare, is far beyond any lesson, and keeps the parser's
/// recursion (one Rust frame a level) small. Node reads any depth, so within this bound the lab
/// and Node agree, and beyond it the learner gets an error rather than a wrong "not received".
pub const MAX_NESTING: usize = 64;

/// Why the lab's server could not read a client event with this name, if it could not.
///
/// socketioxide reads the name of an incoming event as a borrowed `&str`, which serde_json can
/// only do when the name has no escape in its JSON form: a name with `"`, `\` or a control
/// character never reaches a handler (the client waits for an ack that never comes). Node reads
/// them; the lab refuses them rather than teach a lost event. Server-to-client names are fine.
fn unreadable_client_event(event: &str) -> Option<String> {
    event
        .chars()
        .any(|c| c == '"' || c == '\\' || c < ' ')
        .then(|| {
            "the lab's server (socketioxide) cannot read a client event whose name has a quote \
             (\"), a backslash or a control character, though Node can"
                .to_string()
        })
}

const PLAIN_EVENT_HINT: &str = "pick a plain name for events clients send, such as 'chat message'";

/// Parses one playground line. Returns `Ok(None)` for a blank line or a comment.
pub fn parse_command(line: &str) -> Result<Option<Command>, ParseError> {
    let tokens = tokenize(line)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser::new(line, tokens);
    let command = parser.command()?;
    parser.expect_end()?;
    Ok(Some(command))
}

/// Parses a single server-side statement, such as a lesson's handler or a line of `explain`.
/// `in_handler` allows `msg`, the payload of the event being handled.
pub fn parse_statement(text: &str, in_handler: bool) -> Result<Statement, ParseError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser::new(text, tokens);
    let statement = parser.statement(in_handler)?;
    parser.expect_end()?;
    Ok(statement)
}

/// Checks that a name can name a socket: an identifier that is not a word of the language.
pub fn check_socket_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !starts_well || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!(
            "`{name}` cannot name a socket: use letters, digits and _ (alice, bob2)"
        ));
    }
    if COMMAND_WORDS.contains(&name) || ["msg", "all", "to", "help"].contains(&name) {
        return Err(format!(
            "`{name}` is a word of the language; pick another socket name"
        ));
    }
    Ok(())
}

struct Parser<'a> {
    line: &'a str,
    tokens: Vec<Token>,
    position: usize,
    /// How many arrays and objects the value being read is inside (see [`MAX_NESTING`]).
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(line: &'a str, tokens: Vec<Token>) -> Self {
        Parser {
            line,
            tokens,
            position: 0,
            depth: 0,
        }
    }

    // ---- commands -------------------------------------------------------------------------

    fn command(&mut self) -> Result<Command, ParseError> {
        let first = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("a command"))?;
        let Some(word) = first.ident() else {
            return Err(
                ParseError::new(first.column, "expected a command or a statement").with_hint(
                    "try `connect alice bob`, `io.emit('hello')` or `alice: socket.join('room1')`",
                ),
            );
        };
        match word {
            "connect" => self.connect_command(),
            "on" => self.on_command(),
            "rooms" => {
                self.advance();
                let show_own_rooms = self.peek().and_then(Token::ident) == Some("all");
                if show_own_rooms {
                    self.advance();
                }
                Ok(Command::Rooms { show_own_rooms })
            }
            "disconnect" if !self.peek_punct_at(1, '.') && !self.peek_punct_at(1, ':') => {
                self.advance();
                let name = self.socket_name("the name of the socket to disconnect")?;
                Ok(Command::Disconnect { name })
            }
            "io" => {
                let statement = self.statement(false)?;
                Ok(Command::Run {
                    as_socket: None,
                    statement,
                })
            }
            "socket" => Err(ParseError::new(
                first.column,
                "a `socket` statement needs a socket to run as",
            )
            .with_hint(format!(
                "put its name in front: alice: {}",
                self.rest_from(first.column)
            ))),
            _ if self.peek_punct_at(1, ':') => {
                let name = self.socket_name("a socket name")?;
                self.advance(); // the ':'
                let statement = self.statement(false)?;
                Ok(Command::Run {
                    as_socket: Some(name),
                    statement,
                })
            }
            _ if self.peek_punct_at(1, '.') => self.client_emit(),
            other => {
                let mut error =
                    ParseError::new(first.column, format!("`{other}` is not a command"));
                if let Some(close) = closest(other, &["connect", "on", "rooms", "disconnect", "io"])
                {
                    error = error.with_hint(format!("did you mean `{close}`?"));
                } else {
                    error = error.with_hint(format!(
                        "to run a statement as a socket, write `{other}: socket.emit(...)`"
                    ));
                }
                Err(error)
            }
        }
    }

    fn connect_command(&mut self) -> Result<Command, ParseError> {
        self.advance(); // connect
        let mut names = Vec::new();
        let mut namespace = "/".to_string();
        let mut server = None;
        // `to /ns` and `on B` end the names, in either order, each at most once.
        let (mut seen_to, mut seen_on) = (false, false);
        while let Some(token) = self.peek().cloned() {
            match token.ident() {
                Some("to") if !seen_to && !names.is_empty() => {
                    self.advance();
                    namespace = self.namespace_path()?;
                    seen_to = true;
                }
                Some("on") if !seen_on && !names.is_empty() => {
                    self.advance();
                    let name = self.expect_ident("a server's name, such as A or B")?;
                    server = Some(name.ident().unwrap_or_default().to_string());
                    seen_on = true;
                }
                _ if seen_to || seen_on => {
                    return Err(ParseError::new(
                        token.column,
                        "the socket names come first, then `to /namespace` and `on server`",
                    )
                    .with_hint("connect alice bob to /tenant-a on B"));
                }
                _ => names.push(self.socket_name("a socket name")?),
            }
        }
        if names.is_empty() {
            return Err(self
                .error_at_end("at least one socket name")
                .with_hint("connect alice bob carol"));
        }
        Ok(Command::Connect {
            names,
            namespace,
            server,
        })
    }

    fn on_command(&mut self) -> Result<Command, ParseError> {
        self.advance(); // on
        let namespace = match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Path(_)) => self.namespace_path()?,
            _ => "/".to_string(),
        };
        let event = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(event),
                column,
                ..
            }) => {
                if let Some(error) = unreadable_client_event(&event) {
                    return Err(ParseError::new(column, error).with_hint(PLAIN_EVENT_HINT));
                }
                self.advance();
                event
            }
            Some(token) => {
                return Err(
                    ParseError::new(token.column, "expected the event name, in quotes")
                        .with_hint("on 'chat message': io.emit('chat message', msg)"),
                );
            }
            None => return Err(self.error_at_end("the event name, in quotes")),
        };
        self.expect_punct(':', "`:` between the event and its handler")?;
        let handler = self.statement(true)?;
        Ok(Command::On {
            namespace,
            event,
            handler,
        })
    }

    fn client_emit(&mut self) -> Result<Command, ParseError> {
        let start = self.peek().map(|t| t.column).unwrap_or(1);
        let name = self.socket_name("a socket name")?;
        self.expect_punct('.', "`.`")?;
        let method = self.expect_ident("`emit`")?;
        if method.ident() != Some("emit") {
            let word = method.ident().unwrap_or_default().to_string();
            let mut error = ParseError::new(
                method.column,
                format!(
                    "a client socket can `emit` events; `{word}` is not something it does here"
                ),
            );
            error = error.with_hint(match word.as_str() {
                "join" | "leave" | "to" | "broadcast" | "except" | "disconnect" | "in" => format!(
                    "rooms and broadcasts are the server's business: write `{name}: socket.{word}(...)` to run it on the server as {name}"
                ),
                _ => format!("{name}.emit('chat message', 'hi')"),
            });
            return Err(error);
        }
        let event_column = self.tokens.get(self.position + 1).map(|t| t.column);
        let (event, args) = self.emit_arguments(false)?;
        if let (Some(error), Some(column)) = (unreadable_client_event(&event), event_column) {
            return Err(ParseError::new(column, error).with_hint(PLAIN_EVENT_HINT));
        }
        let args = args
            .into_iter()
            .map(|arg| match arg {
                Arg::Value(value) => value,
                Arg::Msg => Value::Null, // unreachable: `msg` is refused outside handlers
            })
            .collect();
        let end = self.previous_end();
        Ok(Command::ClientEmit {
            name,
            event,
            args,
            source: self.slice(start, end),
        })
    }

    // ---- statements -----------------------------------------------------------------------

    fn statement(&mut self, in_handler: bool) -> Result<Statement, ParseError> {
        let first = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("a statement starting with `io` or `socket`"))?;
        let kind = match first.ident() {
            Some("io") => {
                self.advance();
                self.io_statement(in_handler)?
            }
            Some("socket") => {
                self.advance();
                self.socket_statement(in_handler)?
            }
            Some(word) if word == "nsp" || word == "namespace" => {
                return Err(ParseError::new(first.column, format!("`{word}` is not defined here"))
                    .with_hint("reach a namespace with io.of('/name'), e.g. io.of('/tenant-a').emit(...)"));
            }
            _ => {
                return Err(ParseError::new(
                    first.column,
                    format!(
                        "expected a statement starting with `io` or `socket`, found {}",
                        first.describe()
                    ),
                ));
            }
        };
        let end = self.previous_end();
        Ok(Statement {
            source: self.slice(first.column, end),
            kind,
        })
    }

    fn io_statement(&mut self, in_handler: bool) -> Result<StatementKind, ParseError> {
        let mut namespace = "/".to_string();
        let mut chain = Vec::new();
        let mut first_link = true;
        loop {
            self.expect_punct('.', "`.` and a method such as `.emit(...)`")?;
            let method = self.expect_ident("a method: emit, to, in, except or of")?;
            let word = method.ident().unwrap_or_default();
            match word {
                "emit" => {
                    let (event, args) = self.emit_arguments(in_handler)?;
                    return Ok(StatementKind::Emit(Emit {
                        origin: Origin::Io { namespace },
                        chain,
                        event,
                        args,
                    }));
                }
                "to" | "in" | "except" => {
                    let rooms = self.room_arguments(in_handler)?;
                    chain.push(target(word, rooms));
                }
                "of" if first_link => {
                    self.expect_punct('(', "`(`")?;
                    namespace = self.namespace_string()?;
                    self.expect_punct(')', "`)`")?;
                }
                "of" => {
                    return Err(
                        ParseError::new(method.column, "`of` must come right after `io`")
                            .with_hint("io.of('/tenant-a').to('room1').emit(...)"),
                    );
                }
                "local" => {
                    if let Some(paren) = self.peek().filter(|t| t.is_punct('(')) {
                        return Err(ParseError::new(
                            paren.column,
                            "`local` is a flag, not a method",
                        )
                        .with_hint("io.local.emit(...)"));
                    }
                    chain.push(Target::Local);
                }
                "broadcast" => {
                    return Err(ParseError::new(method.column, "`io` has no `broadcast` flag: io.emit already reaches every socket")
                        .with_hint("to leave one socket out, run as that socket: alice: socket.broadcast.emit(...)"));
                }
                "sockets" => {
                    return Err(ParseError::new(
                        method.column,
                        "write io.emit(...) for the main namespace",
                    )
                    .with_hint("io.sockets.emit is the old spelling of io.emit"));
                }
                "join" | "leave" | "disconnect" => {
                    return Err(ParseError::new(
                        method.column,
                        format!("`{word}` is done by a socket, not by `io`"),
                    )
                    .with_hint(format!("alice: socket.{word}(...)")));
                }
                other => {
                    let mut error = ParseError::new(
                        method.column,
                        format!("`io` has no method `{other}` here"),
                    );
                    if let Some(close) = closest(other, &["emit", "to", "in", "except", "of"]) {
                        error = error.with_hint(format!("did you mean `{close}`?"));
                    }
                    return Err(error);
                }
            }
            first_link = false;
        }
    }

    fn socket_statement(&mut self, in_handler: bool) -> Result<StatementKind, ParseError> {
        let mut chain = Vec::new();
        loop {
            self.expect_punct('.', "`.` and a method such as `.emit(...)`")?;
            let method = self.expect_ident(
                "a method: emit, broadcast, to, in, except, join, leave or disconnect",
            )?;
            let word = method.ident().unwrap_or_default();
            match word {
                "emit" => {
                    let (event, args) = self.emit_arguments(in_handler)?;
                    return Ok(StatementKind::Emit(Emit {
                        origin: Origin::Socket,
                        chain,
                        event,
                        args,
                    }));
                }
                "broadcast" => {
                    if let Some(paren) = self.peek().filter(|t| t.is_punct('(')) {
                        return Err(ParseError::new(
                            paren.column,
                            "`broadcast` is a flag, not a method",
                        )
                        .with_hint("did you mean socket.broadcast.emit(...)?"));
                    }
                    // In Node, `broadcast` is a property of the socket only: after `.to(...)`
                    // (or a first `.broadcast`) it is undefined, and `.emit` on it throws.
                    if !chain.is_empty() {
                        return Err(ParseError::new(
                            method.column,
                            "`broadcast` comes right after `socket`, before any room",
                        )
                        .with_hint("socket.broadcast.to('room1').emit(...), or simply socket.to('room1').emit(...), which already leaves this socket out"));
                    }
                    chain.push(Target::Broadcast);
                }
                "to" | "in" | "except" => {
                    let rooms = self.room_arguments(in_handler)?;
                    chain.push(target(word, rooms));
                }
                "leave" if chain.is_empty() && self.peek_punct_at(1, '[') => {
                    // Node's `socket.leave(room)` takes one room; given an array it leaves
                    // nothing (the array is not a room name) and says nothing. Refuse it.
                    let bracket = self.tokens[self.position + 1].column;
                    return Err(ParseError::new(
                        bracket,
                        "`socket.leave` takes one room, not a list",
                    )
                    .with_hint(
                        "call leave once per room: socket.leave('room1'), then socket.leave('room2')",
                    ));
                }
                "join" | "leave" if chain.is_empty() => {
                    let rooms = self.room_arguments(in_handler)?;
                    return Ok(if word == "join" {
                        StatementKind::Join(rooms)
                    } else {
                        StatementKind::Leave(rooms)
                    });
                }
                "disconnect" if chain.is_empty() => {
                    self.expect_punct('(', "`(`")?;
                    self.expect_punct(')', "`)`: socket.disconnect() takes no argument here")?;
                    return Ok(StatementKind::Disconnect);
                }
                "join" | "leave" | "disconnect" => {
                    return Err(ParseError::new(
                        method.column,
                        format!("`{word}` cannot follow a broadcast chain"),
                    )
                    .with_hint(format!("socket.{word}(...) on its own")));
                }
                "id" => {
                    return Err(ParseError::new(
                        method.column,
                        "`socket.id` is a room, not a statement",
                    )
                    .with_hint("send to a socket's own room with io.to(socket.id).emit(...)"));
                }
                other => {
                    let mut error = ParseError::new(
                        method.column,
                        format!("`socket` has no method `{other}` here"),
                    );
                    let choices = [
                        "emit",
                        "broadcast",
                        "to",
                        "in",
                        "except",
                        "join",
                        "leave",
                        "disconnect",
                    ];
                    if let Some(close) = closest(other, &choices) {
                        error = error.with_hint(format!("did you mean `{close}`?"));
                    }
                    return Err(error);
                }
            }
        }
    }

    /// `('event', arg, ...)` after `emit`.
    fn emit_arguments(&mut self, in_handler: bool) -> Result<(String, Vec<Arg>), ParseError> {
        self.expect_punct('(', "`(` after emit")?;
        let event = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(event),
                column,
                ..
            }) => {
                if RESERVED_EVENTS.contains(&event.as_str()) {
                    return Err(ParseError::new(
                        column,
                        format!("\"{event}\" is a reserved event name in Socket.IO"),
                    )
                    .with_hint("pick another name, such as 'chat message'"));
                }
                self.advance();
                event
            }
            Some(token) if token.is_punct(')') => {
                return Err(ParseError::new(token.column, "emit needs an event name")
                    .with_hint("emit('chat message', 'hi')"));
            }
            Some(token) => {
                return Err(
                    ParseError::new(token.column, "the event name comes first, in quotes")
                        .with_hint("emit('chat message', 'hi')"),
                );
            }
            None => return Err(self.error_at_end("the event name, in quotes")),
        };
        let mut args = Vec::new();
        while self.peek().is_some_and(|t| t.is_punct(',')) {
            self.advance();
            args.push(self.argument(in_handler)?);
        }
        self.expect_punct(')', "`,` and another argument, or `)`")?;
        Ok((event, args))
    }

    fn argument(&mut self, in_handler: bool) -> Result<Arg, ParseError> {
        if let Some(token) = self.peek().filter(|t| t.ident() == Some("msg")) {
            if in_handler {
                self.advance();
                return Ok(Arg::Msg);
            }
            return Err(
                ParseError::new(token.column, "`msg` only exists inside an `on` handler")
                    .with_hint("on 'chat message': io.emit('chat message', msg)"),
            );
        }
        Ok(Arg::Value(self.value()?))
    }

    /// A JSON-like value: what a JavaScript hand would type as a literal.
    fn value(&mut self) -> Result<Value, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("a value"))?;
        if token.is_punct('[') || token.is_punct('{') {
            if self.depth >= MAX_NESTING {
                return Err(ParseError::new(
                    token.column,
                    format!("arrays and objects nest at most {MAX_NESTING} levels deep here"),
                )
                .with_hint("the lab's client could not read a deeper value, so it could not show who received it"));
            }
            self.depth += 1;
            let value = self.nested_value();
            self.depth -= 1;
            return value;
        }
        self.nested_value()
    }

    /// [`Parser::value`] without the nesting check.
    fn nested_value(&mut self) -> Result<Value, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("a value"))?;
        self.advance();
        match token.kind {
            TokenKind::Str(text) => Ok(Value::String(text)),
            TokenKind::Number(number) => Ok(Value::Number(number)),
            TokenKind::Ident(word) => match word.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                "undefined" => Err(ParseError::new(
                    token.column,
                    "`undefined` does not travel over Socket.IO",
                )
                .with_hint("use null")),
                "msg" => Err(
                    ParseError::new(token.column, "`msg` can only be a whole argument")
                        .with_hint("io.emit('chat message', msg)"),
                ),
                other => Err(
                    ParseError::new(token.column, format!("`{other}` is not a value"))
                        .with_hint(format!("to send the text, quote it: '{other}'")),
                ),
            },
            TokenKind::Punct('[') => {
                let mut items = Vec::new();
                if self.peek().is_some_and(|t| t.is_punct(']')) {
                    self.advance();
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.peek().is_some_and(|t| t.is_punct(',')) {
                        self.advance();
                    } else {
                        self.expect_punct(']', "`,` or `]`")?;
                        return Ok(Value::Array(items));
                    }
                }
            }
            TokenKind::Punct('{') => {
                let mut object = Map::new();
                if self.peek().is_some_and(|t| t.is_punct('}')) {
                    self.advance();
                    return Ok(Value::Object(object));
                }
                loop {
                    let key = self
                        .peek()
                        .cloned()
                        .ok_or_else(|| self.error_at_end("a key"))?;
                    let key = match key.kind {
                        TokenKind::Ident(name) | TokenKind::Str(name) => name,
                        _ => {
                            return Err(ParseError::new(
                                key.column,
                                "expected a key, such as `text` or 'text'",
                            ));
                        }
                    };
                    self.advance();
                    self.expect_punct(':', "`:` after the key")?;
                    let value = self.value()?;
                    object.insert(key, value);
                    if self.peek().is_some_and(|t| t.is_punct(',')) {
                        self.advance();
                    } else {
                        self.expect_punct('}', "`,` or `}`")?;
                        return Ok(Value::Object(object));
                    }
                }
            }
            _ => Err(ParseError::new(
                token.column,
                format!(
                    "expected a value (a string, number, true, false, null, [..] or {{..}}), found {}",
                    token.describe()
                ),
            )),
        }
    }

    /// `(room)` or `([room, room])` after to / in / except / join / leave.
    fn room_arguments(&mut self, in_handler: bool) -> Result<Vec<RoomRef>, ParseError> {
        self.expect_punct('(', "`(` and a room")?;
        let rooms = if self.peek().is_some_and(|t| t.is_punct('[')) {
            self.advance();
            let mut rooms = vec![self.room(in_handler)?];
            while self.peek().is_some_and(|t| t.is_punct(',')) {
                self.advance();
                rooms.push(self.room(in_handler)?);
            }
            self.expect_punct(']', "`,` and another room, or `]`")?;
            rooms
        } else {
            vec![self.room(in_handler)?]
        };
        if let Some(token) = self.peek().filter(|t| t.is_punct(',')) {
            return Err(
                ParseError::new(token.column, "several rooms go in one list")
                    .with_hint("to(['room1', 'room2'])"),
            );
        }
        self.expect_punct(')', "`)`")?;
        Ok(rooms)
    }

    fn room(&mut self, _in_handler: bool) -> Result<RoomRef, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("a room"))?;
        match &token.kind {
            TokenKind::Str(name) => {
                self.advance();
                Ok(RoomRef::Named(name.clone()))
            }
            TokenKind::Ident(name) => {
                let name = name.clone();
                self.advance();
                let id_follows = self.peek().is_some_and(|t| t.is_punct('.'))
                    && self.tokens.get(self.position + 1).and_then(Token::ident) == Some("id");
                if !id_follows {
                    return Err(ParseError::new(token.column, format!("`{name}` is not a room"))
                        .with_hint(format!("a room name goes in quotes ('{name}'); a socket's own room is {name}.id")));
                }
                self.advance();
                self.advance();
                if name == "socket" {
                    Ok(RoomRef::OwnId)
                } else {
                    Ok(RoomRef::SocketId(name))
                }
            }
            _ => Err(ParseError::new(
                token.column,
                format!("expected a room name in quotes, found {}", token.describe()),
            )),
        }
    }

    // ---- small pieces ---------------------------------------------------------------------

    fn socket_name(&mut self, what: &str) -> Result<String, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end(what))?;
        let Some(name) = token.ident() else {
            return Err(ParseError::new(
                token.column,
                format!("expected {what}, found {}", token.describe()),
            ));
        };
        check_socket_name(name).map_err(|message| ParseError::new(token.column, message))?;
        self.advance();
        Ok(name.to_string())
    }

    fn namespace_path(&mut self) -> Result<String, ParseError> {
        match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Path(path),
                ..
            }) => {
                self.advance();
                Ok(path)
            }
            Some(Token {
                kind: TokenKind::Str(path),
                ..
            }) if path.starts_with('/') => {
                self.advance();
                Ok(path)
            }
            Some(token) => Err(ParseError::new(
                token.column,
                "expected a namespace such as /tenant-a",
            )),
            None => Err(self.error_at_end("a namespace such as /tenant-a")),
        }
    }

    fn namespace_string(&mut self) -> Result<String, ParseError> {
        match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(path),
                column,
                ..
            }) => {
                if !path.starts_with('/') {
                    return Err(ParseError::new(column, "a namespace starts with `/`")
                        .with_hint(format!("io.of('/{path}')")));
                }
                self.advance();
                Ok(path)
            }
            Some(token) => Err(
                ParseError::new(token.column, "expected a namespace in quotes")
                    .with_hint("io.of('/tenant-a')"),
            ),
            None => Err(self.error_at_end("a namespace in quotes")),
        }
    }

    fn expect_punct(&mut self, c: char, what: &str) -> Result<(), ParseError> {
        match self.peek() {
            Some(token) if token.is_punct(c) => {
                self.advance();
                Ok(())
            }
            Some(token) => Err(ParseError::new(
                token.column,
                format!("expected {what}, found {}", token.describe()),
            )),
            None => Err(self.error_at_end(what)),
        }
    }

    fn expect_ident(&mut self, what: &str) -> Result<Token, ParseError> {
        match self.peek().cloned() {
            Some(token) if token.ident().is_some() => {
                self.advance();
                Ok(token)
            }
            Some(token) => Err(ParseError::new(
                token.column,
                format!("expected {what}, found {}", token.describe()),
            )),
            None => Err(self.error_at_end(what)),
        }
    }

    fn expect_end(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(token) => Err(ParseError::new(
                token.column,
                format!(
                    "unexpected {} after the end of the statement",
                    token.describe()
                ),
            )
            .with_hint("one statement per line")),
        }
    }

    fn error_at_end(&self, what: &str) -> ParseError {
        let column = self.line.trim_end().chars().count() + 1;
        ParseError::new(column, format!("expected {what}, but the line ends here"))
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_punct_at(&self, offset: usize, c: char) -> bool {
        self.tokens
            .get(self.position + offset)
            .is_some_and(|t| t.is_punct(c))
    }

    fn advance(&mut self) {
        self.position += 1;
    }

    fn previous_end(&self) -> usize {
        self.position
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.end)
            .unwrap_or(1)
    }

    /// The text of the line between two 1-based columns (end exclusive).
    fn slice(&self, start: usize, end: usize) -> String {
        self.line
            .chars()
            .skip(start - 1)
            .take(end.saturating_sub(start))
            .collect()
    }

    fn rest_from(&self, start: usize) -> String {
        self.line
            .chars()
            .skip(start - 1)
            .collect::<String>()
            .trim()
            .to_string()
    }
}

fn target(word: &str, rooms: Vec<RoomRef>) -> Target {
    match word {
        "to" => Target::To(rooms),
        "in" => Target::In(rooms),
        _ => Target::Except(rooms),
    }
}

/// The closest word by edit distance, if it is close enough to be what was meant.
pub fn closest<'w>(word: &str, choices: &[&'w str]) -> Option<&'w str> {
    choices
        .iter()
        .map(|choice| (strsim::damerau_levenshtein(word, choice), *choice))
        .filter(|(distance, choice)| {
            *distance <= 2.max(choice.len() / 3) && *distance < choice.len()
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, choice)| choice)
}
