//! Tokens to commands, by recursive descent.
//!
//! The grammar is small enough to read straight off the functions below:
//!
//! ```text
//! command   := connect NAME+ [to PATH] [with auth OBJECT] | on [PATH] STRING ':' statement
//!            | io ['.of(' STRING ')'] '.use(' middleware ')' | rooms [all]
//!            | disconnect NAME | cut NAME | silence NAME
//!            | NAME '.' emit '(' args ')' | NAME '.' emitWithAck '(' args ')'
//!            | NAME '.on(' STRING ', (' NAME* 'callback) => callback(' value '))'
//!            | NAME ':' statement | statement
//! statement := io ['.of(' STRING ')'] target* emit
//!            | socket target* emit
//!            | socket '.join(' rooms ')' | socket '.leave(' room ')' | socket '.disconnect()'
//!            | 'callback(' arg ')'                      (inside an `on` handler only)
//! emit      := '.emit(' args ')' | '.timeout(' NUMBER ').emitWithAck(' args ')'
//! target    := '.volatile' | '.broadcast' | '.to(' rooms ')' | '.in(' rooms ')' | '.except(' rooms ')'
//! rooms     := room | '[' room (',' room)* ']'
//! arg       := VALUE | msg | socket.data['.' KEY] | socket.handshake.auth['.' KEY]
//! room      := STRING | NAME '.id' | 'socket.id'
//! ```
//!
//! Most of the code is about errors: each mistake a learner is likely to make (a method call
//! where Socket.IO has a flag, a typo in a method name, `socket` with no socket to run as) gets a
//! message that says what was expected, at the right column, with the nearest valid form.

use serde_json::{Map, Value};

use super::ast::{
    Arg, AuthCheck, Command, DataValue, Decision, Emit, LogPart, Middleware, Origin, RoomRef,
    Statement, StatementKind, Target,
};
use super::error::ParseError;
use super::lexer::{Token, TokenKind, tokenize};

/// Words that start a playground command; they cannot be socket names.
pub const COMMAND_WORDS: &[&str] = &[
    "connect",
    "on",
    "rooms",
    "disconnect",
    "io",
    "socket",
    "cut",
    "silence",
];

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

/// The longest `timeout(ms)` the lab accepts. A client that does not answer makes the statement
/// wait this long for real (that is the lesson), so a lesson or a typo must not freeze the lab for
/// minutes.
pub const MAX_ACK_TIMEOUT_MS: u64 = 5_000;

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
    if COMMAND_WORDS.contains(&name)
        || ["msg", "all", "to", "help", "with", "callback"].contains(&name)
    {
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
    /// Inside a `disconnecting` or `disconnect` handler, where `reason` replaces `msg`.
    departure: bool,
}

impl<'a> Parser<'a> {
    fn new(line: &'a str, tokens: Vec<Token>) -> Self {
        Parser {
            line,
            tokens,
            position: 0,
            depth: 0,
            departure: false,
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
            "cut" if !self.peek_punct_at(1, '.') && !self.peek_punct_at(1, ':') => {
                self.advance();
                let name = self.socket_name("the name of the socket whose connection to cut")?;
                Ok(Command::Cut { name })
            }
            "silence" if !self.peek_punct_at(1, '.') && !self.peek_punct_at(1, ':') => {
                self.advance();
                let name = self.socket_name("the name of the socket whose network goes silent")?;
                Ok(Command::Silence { name })
            }
            "io" if self.is_use() => self.use_command(),
            "io" => {
                let statement = self.statement(false)?;
                Ok(Command::Run {
                    as_socket: None,
                    statement,
                })
            }
            "callback" => Err(ParseError::new(
                first.column,
                "`callback` only exists inside an `on` handler, where a client's emitWithAck waits for it",
            )
            .with_hint("on 'question': callback('yes')")),
            "socket"
                if self.peek_punct_at(1, '.')
                    && self.tokens.get(self.position + 2).and_then(Token::ident)
                        == Some("onAny") =>
            {
                self.on_any()
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
        let mut auth = None;
        // `to /ns` and `on B` end the names, in either order, each at most once; `with auth
        // {...}` comes last.
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
                Some("with") if !names.is_empty() => {
                    auth = Some(self.with_auth()?);
                    break;
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
            auth,
            server,
        })
    }

    /// `with auth {token: 'abc'}` at the end of a `connect` line: the object a page would pass as
    /// `io({ auth: { token: 'abc' } })`.
    fn with_auth(&mut self) -> Result<Value, ParseError> {
        self.advance(); // with
        let word = self.expect_ident("`auth` and an object, as in with auth {token: 'abc'}")?;
        if word.ident() != Some("auth") {
            return Err(ParseError::new(word.column, "expected `auth` after `with`")
                .with_hint("connect alice with auth {token: 'abc'}"));
        }
        let column = self.peek().map(|t| t.column);
        let value = self.value()?;
        if !value.is_object() {
            return Err(ParseError::new(
                column.unwrap_or(1),
                "the auth is an object, as in io({ auth: { token: 'abc' } })",
            )
            .with_hint("connect alice with auth {token: 'abc'}"));
        }
        Ok(value)
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
        self.departure = super::ast::DEPARTURE_EVENTS.contains(&event.as_str());
        let handler = self.statement(true)?;
        Ok(Command::On {
            namespace,
            event,
            handler,
        })
    }

    /// Whether the line is `io.use(...)` or `io.of('/ns').use(...)`.
    fn is_use(&self) -> bool {
        let word = |offset: usize| {
            self.tokens
                .get(self.position + offset)
                .and_then(Token::ident)
        };
        (self.peek_punct_at(1, '.') && word(2) == Some("use"))
            || (self.peek_punct_at(1, '.')
                && word(2) == Some("of")
                && self.peek_punct_at(6, '.')
                && word(7) == Some("use"))
    }

    /// `io.use((socket, next) => BODY)`, with `io.of('/ns')` in front for one namespace.
    ///
    /// ```text
    /// BODY     := decision | '{' (socket.data.KEY '=' (VALUE | AUTH) ';')* decision [';'] '}'
    /// decision := next() | next(new Error(STRING))
    ///           | AUTH ['===' VALUE] '?' next() ':' next(new Error(STRING))
    /// AUTH     := socket.handshake.auth.KEY
    /// ```
    fn use_command(&mut self) -> Result<Command, ParseError> {
        let start = self.peek().map(|t| t.column).unwrap_or(1);
        self.advance(); // io
        let mut namespace = "/".to_string();
        self.expect_punct('.', "`.`")?;
        if self.peek().and_then(Token::ident) == Some("of") {
            self.advance();
            self.expect_punct('(', "`(`")?;
            namespace = self.namespace_string()?;
            self.expect_punct(')', "`)`")?;
            self.expect_punct('.', "`.use(...)`")?;
        }
        self.advance(); // use
        self.expect_punct('(', "`(` and a function: (socket, next) => ...")?;
        const SHAPE: &str = "io.use((socket, next) => next())";
        self.expect_punct('(', "the parameters (socket, next)")?;
        for (index, wanted) in ["socket", "next"].into_iter().enumerate() {
            if index == 1 {
                self.expect_punct(',', "`,` between socket and next")?;
            }
            let token = self.expect_ident(&format!("the parameter `{wanted}`"))?;
            if token.ident() != Some(wanted) {
                return Err(ParseError::new(
                    token.column,
                    format!("the lab names this parameter `{wanted}`, as the docs do"),
                )
                .with_hint(SHAPE));
            }
        }
        self.expect_punct(')', "`)` after (socket, next")?;
        self.expect_operator("=>", "`=>`")?;
        let mut assigns = Vec::new();
        let decision = if self.peek().is_some_and(|t| t.is_punct('{')) {
            self.advance();
            while self.peek().and_then(Token::ident) == Some("socket")
                && self.tokens.get(self.position + 2).and_then(Token::ident) == Some("data")
            {
                assigns.push(self.data_assignment()?);
            }
            let decision = self.decision()?;
            if self.peek().is_some_and(|t| t.is_punct(';')) {
                self.advance();
            }
            self.expect_punct('}', "`}`: the middleware ends with its call to next")?;
            decision
        } else {
            self.decision()?
        };
        self.expect_punct(')', "`)` to close io.use(")?;
        let end = self.previous_end();
        Ok(Command::Use {
            namespace,
            middleware: Middleware {
                source: self.slice(start, end),
                assigns,
                decision,
            },
        })
    }

    /// `socket.data.KEY = VALUE;`
    fn data_assignment(&mut self) -> Result<(String, DataValue), ParseError> {
        let Some(Arg::Data(Some(key))) = self.socket_property()? else {
            let column = self.previous_end();
            return Err(ParseError::new(column, "expected socket.data.KEY = ...")
                .with_hint("socket.data.user = socket.handshake.auth.token; next();"));
        };
        self.expect_punct('=', "`=`")?;
        let value = if self.peek().and_then(Token::ident) == Some("socket") {
            match self.socket_property()? {
                Some(Arg::Auth(Some(key))) => DataValue::Auth(key),
                _ => {
                    return Err(ParseError::new(
                        self.previous_end(),
                        "a middleware stores a value or socket.handshake.auth.KEY",
                    ));
                }
            }
        } else {
            DataValue::Value(self.value()?)
        };
        self.expect_punct(';', "`;` after the assignment")?;
        Ok((key, value))
    }

    /// `next()`, `next(new Error('...'))` or `AUTH ['===' VALUE] ? next() : next(new Error('...'))`.
    fn decision(&mut self) -> Result<Decision, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("next() or next(new Error('...'))"))?;
        if token.ident() == Some("socket") {
            let Some(Arg::Auth(Some(key))) = self.socket_property()? else {
                return Err(ParseError::new(
                    token.column,
                    "a middleware's condition reads socket.handshake.auth.KEY",
                )
                .with_hint(
                    "socket.handshake.auth.token ? next() : next(new Error('not authorized'))",
                ));
            };
            let check = if self.peek().is_some_and(|t| t.is_punct('=')) {
                self.expect_operator("===", "`===`")?;
                AuthCheck::Equals(key, self.value()?)
            } else {
                AuthCheck::Truthy(key)
            };
            self.expect_punct('?', "`?` and next() : next(new Error('...'))")?;
            let accept = self.peek().map(|t| t.column).unwrap_or(1);
            if self.next_call()?.is_some() {
                return Err(ParseError::new(accept, "the `?` branch lets the socket in")
                    .with_hint("condition ? next() : next(new Error('not authorized'))"));
            }
            self.expect_punct(':', "`:` and next(new Error('...'))")?;
            let refuse = self.peek().map(|t| t.column).unwrap_or(1);
            let Some(reject) = self.next_call()? else {
                return Err(ParseError::new(refuse, "the `:` branch refuses the socket")
                    .with_hint("condition ? next() : next(new Error('not authorized'))"));
            };
            return Ok(Decision::If { check, reject });
        }
        Ok(match self.next_call()? {
            None => Decision::Accept,
            Some(message) => Decision::Reject(message),
        })
    }

    /// `next()` (`None`) or `next(new Error(STRING))` (the message).
    fn next_call(&mut self) -> Result<Option<String>, ParseError> {
        let token = self.expect_ident("next() or next(new Error('...'))")?;
        if token.ident() != Some("next") {
            return Err(ParseError::new(
                token.column,
                "a middleware ends by calling next: next() lets the socket in, next(new Error('...')) refuses it",
            ));
        }
        self.expect_punct('(', "`(`")?;
        if self.peek().is_some_and(|t| t.is_punct(')')) {
            self.advance();
            return Ok(None);
        }
        for word in ["new", "Error"] {
            let token = self.expect_ident("new Error('...')")?;
            if token.ident() != Some(word) {
                return Err(ParseError::new(token.column, "expected new Error('...')")
                    .with_hint("next(new Error('not authorized'))"));
            }
        }
        self.expect_punct('(', "`(`")?;
        let message = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(message),
                ..
            }) => {
                self.advance();
                message
            }
            Some(token) => {
                return Err(
                    ParseError::new(token.column, "the error's message, in quotes")
                        .with_hint("next(new Error('not authorized'))"),
                );
            }
            None => return Err(self.error_at_end("the error's message, in quotes")),
        };
        self.expect_punct(')', "`)`")?;
        self.expect_punct(')', "`)`")?;
        Ok(Some(message))
    }

    /// `socket.data[.KEY]` or `socket.handshake.auth[.KEY]`, read from `socket`; `None` (and
    /// nothing read) when the tokens are another `socket...` form.
    fn socket_property(&mut self) -> Result<Option<Arg>, ParseError> {
        let word = |parser: &Self, offset: usize| {
            parser
                .tokens
                .get(parser.position + offset)
                .and_then(Token::ident)
                .map(String::from)
        };
        if word(self, 0).as_deref() != Some("socket") || !self.peek_punct_at(1, '.') {
            return Ok(None);
        }
        if word(self, 2).as_deref() == Some("rooms") {
            return self.rooms_has().map(Some);
        }
        let (skip, data) = match word(self, 2).as_deref() {
            Some("data") => (3, true),
            Some("handshake") if self.peek_punct_at(3, '.') => {
                if word(self, 4).as_deref() != Some("auth") {
                    let column = self.tokens[self.position + 4].column;
                    return Err(ParseError::new(
                        column,
                        "the lab knows socket.handshake.auth only",
                    ));
                }
                (5, false)
            }
            _ => return Ok(None),
        };
        self.position += skip;
        let key = if self.peek().is_some_and(|t| t.is_punct('.')) {
            self.advance();
            let token = self.expect_ident("a key, such as token")?;
            Some(token.ident().unwrap_or_default().to_string())
        } else {
            None
        };
        Ok(Some(if data { Arg::Data(key) } else { Arg::Auth(key) }))
    }

    /// `socket.rooms.has('room1')`, at `socket`.
    fn rooms_has(&mut self) -> Result<Arg, ParseError> {
        let at = self.tokens[self.position + 2].column;
        self.position += 3; // socket . rooms
        const HINT: &str = "socket.rooms.has('room1')";
        if !self.peek().is_some_and(|t| t.is_punct('.'))
            || self.tokens.get(self.position + 1).and_then(Token::ident) != Some("has")
        {
            return Err(ParseError::new(
                at,
                "the lab reads socket.rooms with .has('room'): a Set travels as {}",
            )
            .with_hint(HINT));
        }
        self.position += 2;
        self.expect_punct('(', "`(`")?;
        let room = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(room),
                ..
            }) => {
                self.advance();
                room
            }
            Some(token) => {
                return Err(ParseError::new(token.column, "a room name, in quotes").with_hint(HINT));
            }
            None => return Err(self.error_at_end("a room name, in quotes")),
        };
        self.expect_punct(')', "`)`")?;
        Ok(Arg::InRoom(room))
    }

    /// An operator written as adjacent punctuation (`=>`, `===`).
    fn expect_operator(&mut self, operator: &str, what: &str) -> Result<(), ParseError> {
        let start = self.position;
        let mut column = None;
        for c in operator.chars() {
            match self.peek() {
                Some(token)
                    if token.is_punct(c) && column.is_none_or(|col| token.column == col) =>
                {
                    column = Some(token.column + 1);
                    self.advance();
                }
                Some(token) => {
                    let at = self.tokens[start].column.min(token.column);
                    self.position = start;
                    return Err(ParseError::new(
                        at,
                        format!("expected {what}, found {}", self.tokens[start].describe()),
                    ));
                }
                None => {
                    self.position = start;
                    return Err(self.error_at_end(what));
                }
            }
        }
        Ok(())
    }

    fn client_emit(&mut self) -> Result<Command, ParseError> {
        let start = self.peek().map(|t| t.column).unwrap_or(1);
        let name = self.socket_name("a socket name")?;
        self.expect_punct('.', "`.`")?;
        let method = self.expect_ident("`emit`, `emitWithAck` or `on`")?;
        match method.ident() {
            Some("emitWithAck") => return self.client_emit_rest(start, name, true),
            Some("on") => return self.client_on(start, name),
            Some("timeout") => {
                return Err(ParseError::new(
                    method.column,
                    "the lab's clients wait for the server's answer without a timeout",
                )
                .with_hint(format!(
                    "{name}.emitWithAck('question', 'hi'): the server's handler answers with callback(...)"
                )));
            }
            _ => {}
        }
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
        self.client_emit_rest(start, name, false)
    }

    /// The `('event', args...)` of a client's `emit` or `emitWithAck`.
    fn client_emit_rest(
        &mut self,
        start: usize,
        name: String,
        with_ack: bool,
    ) -> Result<Command, ParseError> {
        let event_column = self.tokens.get(self.position + 1).map(|t| t.column);
        let (event, args) = self.emit_arguments(false)?;
        if let (Some(error), Some(column)) = (unreadable_client_event(&event), event_column) {
            return Err(ParseError::new(column, error).with_hint(PLAIN_EVENT_HINT));
        }
        if args.iter().any(Arg::needs_socket) {
            return Err(ParseError::new(
                event_column.unwrap_or(1),
                "socket.data and socket.handshake live on the server; a client sends values",
            )
            .with_hint(format!("{name}.emit('chat message', 'hi')")));
        }
        let args = args
            .into_iter()
            .map(|arg| match arg {
                Arg::Value(value) => value,
                // Unreachable: `msg` is refused outside handlers, the socket's properties above.
                _ => Value::Null,
            })
            .collect();
        let end = self.previous_end();
        let source = self.slice(start, end);
        Ok(if with_ack {
            Command::ClientEmitWithAck {
                name,
                event,
                args,
                source,
            }
        } else {
            Command::ClientEmit {
                name,
                event,
                args,
                source,
            }
        })
    }

    /// `bob.on('question', (q, callback) => callback('yes'))`: how bob's client answers the
    /// server's `emitWithAck`, as the Socket.IO client docs write it. The function's body is one
    /// call of its last parameter with one value; anything richer is JavaScript the lab does not
    /// run.
    fn client_on(&mut self, start: usize, name: String) -> Result<Command, ParseError> {
        const SHAPE: &str = "bob.on('question', (q, callback) => callback('yes'))";
        self.expect_punct('(', "`(` after on")?;
        let event = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Str(event),
                column,
                ..
            }) => {
                if RESERVED_EVENTS.contains(&event.as_str()) {
                    return Err(ParseError::new(
                        column,
                        format!("the lab's clients listen to \"{event}\" themselves; this lesson's `on` is for events the server asks about"),
                    )
                    .with_hint(SHAPE));
                }
                self.advance();
                event
            }
            Some(token) => {
                return Err(
                    ParseError::new(token.column, "expected the event name, in quotes")
                        .with_hint(SHAPE),
                );
            }
            None => {
                return Err(self
                    .error_at_end("the event name, in quotes")
                    .with_hint(SHAPE));
            }
        };
        self.expect_punct(',', "`,` and the function that answers")?;
        self.expect_punct(
            '(',
            "`(` and the function's parameters, such as `(q, callback)`",
        )?;
        let mut params: Vec<Token> = Vec::new();
        if !self.peek().is_some_and(|t| t.is_punct(')')) {
            loop {
                let param = self.expect_ident("a parameter name")?;
                params.push(param);
                if self.peek().is_some_and(|t| t.is_punct(',')) {
                    self.advance();
                } else {
                    break;
                }
            }
        }
        let close = self.peek().map(|t| t.column);
        self.expect_punct(')', "`,` and another parameter, or `)`")?;
        let Some(last) = params.last().cloned() else {
            return Err(ParseError::new(
                close.unwrap_or(1),
                "the function needs the callback as its last parameter",
            )
            .with_hint(SHAPE));
        };
        let callback = last.ident().unwrap_or_default().to_string();
        self.expect_punct('=', "`=>`")?;
        self.expect_punct('>', "`=>`")?;
        if self.peek().is_some_and(|t| t.is_punct('{')) {
            let column = self.peek().map(|t| t.column).unwrap_or(1);
            return Err(
                ParseError::new(column, "write the body as one call, without braces")
                    .with_hint(SHAPE),
            );
        }
        let call = self.expect_ident(&format!("a call of `{callback}`"))?;
        if call.ident() != Some(callback.as_str()) {
            return Err(ParseError::new(
                call.column,
                format!("the body calls `{callback}`, the function's last parameter, to answer"),
            )
            .with_hint(SHAPE));
        }
        self.expect_punct('(', "`(`")?;
        let answer = self.one_answer(&callback)?;
        self.expect_punct(')', "`)` to close the `on(...)`")?;
        let end = self.previous_end();
        Ok(Command::ClientOn {
            name,
            event,
            arity: params.len(),
            answer,
            source: self.slice(start, end),
        })
    }

    /// `socket.onAny((event, ...args) => console.log(event, args))`, as the docs write it: the
    /// parameters are the event name and, optionally, a rest parameter for its arguments; the
    /// body is one `console.log` of those names and literal values.
    fn on_any(&mut self) -> Result<Command, ParseError> {
        const SHAPE: &str = "socket.onAny((event, ...args) => console.log(event, args))";
        let start = self.peek().map(|t| t.column).unwrap_or(1);
        self.advance(); // socket
        self.advance(); // .
        self.advance(); // onAny
        self.expect_punct('(', "`(` after onAny")?;
        self.expect_punct(
            '(',
            "`(` and the listener's parameters, such as `(event, ...args)`",
        )?;
        let event = self.expect_ident("the parameter for the event name, such as `event`")?;
        let event = event.ident().unwrap_or_default().to_string();
        let mut rest: Option<String> = None;
        if self.peek().is_some_and(|t| t.is_punct(',')) {
            self.advance();
            for _ in 0..3 {
                self.expect_punct('.', "`...` and a name for the arguments, such as `...args`")?;
            }
            let name = self.expect_ident("a name for the arguments, such as `args`")?;
            rest = name.ident().map(String::from);
        }
        self.expect_punct(')', "`)`: the listener takes the event name and `...args`")?;
        self.expect_punct('=', "`=>`")?;
        self.expect_punct('>', "`=>`")?;
        let console = self.expect_ident("`console.log(...)`")?;
        if console.ident() != Some("console") {
            return Err(ParseError::new(
                console.column,
                "the lab's onAny listener prints what it gets with console.log",
            )
            .with_hint(SHAPE));
        }
        self.expect_punct('.', "`.log`")?;
        let log = self.expect_ident("`log`")?;
        if log.ident() != Some("log") {
            return Err(ParseError::new(log.column, "expected `console.log`").with_hint(SHAPE));
        }
        self.expect_punct('(', "`(`")?;
        let mut parts = Vec::new();
        while !self.peek().is_some_and(|t| t.is_punct(')')) {
            if !parts.is_empty() {
                self.expect_punct(',', "`,` or `)`")?;
            }
            let token = self
                .peek()
                .cloned()
                .ok_or_else(|| self.error_at_end("`)`"))?;
            match token.ident() {
                Some(name) if name == event => {
                    self.advance();
                    parts.push(LogPart::Event);
                }
                Some(name) if Some(name) == rest.as_deref() => {
                    self.advance();
                    parts.push(LogPart::Args);
                }
                Some(name) if !["true", "false", "null"].contains(&name) => {
                    return Err(ParseError::new(
                        token.column,
                        format!(
                            "`{name}` is not defined here: the listener has {event}{}",
                            rest.as_ref()
                                .map(|r| format!(" and {r}"))
                                .unwrap_or_default()
                        ),
                    )
                    .with_hint(SHAPE));
                }
                _ => parts.push(LogPart::Value(self.value()?)),
            }
        }
        self.expect_punct(')', "`)`")?;
        self.expect_punct(')', "`)` to close the `onAny(...)`")?;
        let end = self.previous_end();
        Ok(Command::OnAny {
            log: parts,
            source: self.slice(start, end),
        })
    }

    /// The single value of `callback(value)` (the `(` already read, the `)` read here): the
    /// answer an `emitWithAck` resolves to. Node hands the asker only the first argument of the
    /// callback, so the lab takes exactly one.
    fn one_answer(&mut self, callback: &str) -> Result<Value, ParseError> {
        if let Some(token) = self.peek().filter(|t| t.is_punct(')')) {
            return Err(
                ParseError::new(token.column, format!("`{callback}` needs the answer"))
                    .with_hint(format!("{callback}('yes')")),
            );
        }
        let column = self.peek().map(|t| t.column).unwrap_or(1);
        let answer = match self.argument(false)? {
            Arg::Value(value) => value,
            Arg::Msg => Value::Null,
            _ => {
                return Err(ParseError::new(
                    column,
                    "a client answers with a value: socket.data and socket.handshake live on the server",
                )
                .with_hint(format!("{callback}('yes')")));
            }
        };
        if let Some(token) = self.peek().filter(|t| t.is_punct(',')) {
            return Err(ParseError::new(
                token.column,
                format!("`{callback}` takes one answer here: emitWithAck resolves to the first argument only"),
            )
            .with_hint(format!("{callback}(['yes', 2]) to answer with several values")));
        }
        self.expect_punct(')', "`)`")?;
        Ok(answer)
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
            Some("callback") if in_handler => {
                self.advance();
                self.expect_punct('(', "`(`")?;
                if let Some(token) = self.peek().filter(|t| t.is_punct(')')) {
                    return Err(ParseError::new(token.column, "`callback` needs the answer")
                        .with_hint("callback('yes'), or callback(msg) to send back what came"));
                }
                let answer = self.argument(in_handler)?;
                if let Some(token) = self.peek().filter(|t| t.is_punct(',')) {
                    return Err(ParseError::new(
                        token.column,
                        "`callback` takes one answer here: emitWithAck resolves to the first argument only",
                    )
                    .with_hint("callback(['yes', 2]) to answer with several values"));
                }
                self.expect_punct(')', "`)`")?;
                StatementKind::Callback(answer)
            }
            Some("callback") => {
                return Err(ParseError::new(
                    first.column,
                    "`callback` only exists inside an `on` handler, where a client's emitWithAck waits for it",
                )
                .with_hint("on 'question': callback('yes')"));
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
        // `.volatile`, a flag (no parentheses) anywhere before the emit.
        let mut volatile: Option<usize> = None;
        loop {
            self.expect_punct('.', "`.` and a method such as `.emit(...)`")?;
            let method = self.expect_ident("a method: emit, to, in, except or of")?;
            let word = method.ident().unwrap_or_default();
            match word {
                "emit" => {
                    let (event, args) = self.emit_arguments(in_handler)?;
                    let emit = Emit {
                        origin: Origin::Io { namespace },
                        chain,
                        event,
                        args,
                    };
                    return Ok(if volatile.is_some() {
                        StatementKind::VolatileEmit(emit)
                    } else {
                        StatementKind::Emit(emit)
                    });
                }
                "to" | "in" | "except" => {
                    let rooms = self.room_arguments(in_handler)?;
                    chain.push(target(word, rooms));
                }
                "volatile" => volatile = Some(self.volatile_flag(method.column, volatile)?),
                "timeout" => {
                    if let Some(column) = volatile {
                        return Err(volatile_with_ack(column));
                    }
                    return self.timeout_emit(Origin::Io { namespace }, chain, in_handler);
                }
                "emitWithAck" => return Err(without_timeout(method.column, "io")),
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
                    if let Some(close) = closest(
                        other,
                        &["emit", "to", "in", "except", "of", "timeout", "volatile"],
                    ) {
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
        let mut volatile: Option<usize> = None;
        loop {
            self.expect_punct('.', "`.` and a method such as `.emit(...)`")?;
            let method = self.expect_ident(
                "a method: emit, broadcast, to, in, except, join, leave or disconnect",
            )?;
            let word = method.ident().unwrap_or_default();
            match word {
                "emit" => {
                    let (event, args) = self.emit_arguments(in_handler)?;
                    let emit = Emit {
                        origin: Origin::Socket,
                        chain,
                        event,
                        args,
                    };
                    return Ok(if volatile.is_some() {
                        StatementKind::VolatileEmit(emit)
                    } else {
                        StatementKind::Emit(emit)
                    });
                }
                "volatile" => volatile = Some(self.volatile_flag(method.column, volatile)?),
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
                "timeout" => {
                    if let Some(column) = volatile {
                        return Err(volatile_with_ack(column));
                    }
                    return self.timeout_emit(Origin::Socket, chain, in_handler);
                }
                "emitWithAck" => return Err(without_timeout(method.column, "socket")),
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
                        "timeout",
                        "volatile",
                    ];
                    if let Some(close) = closest(other, &choices) {
                        error = error.with_hint(format!("did you mean `{close}`?"));
                    }
                    return Err(error);
                }
            }
        }
    }

    /// `.volatile`, a flag: refuses `volatile()` and a second `volatile`. Returns its column.
    fn volatile_flag(&self, column: usize, before: Option<usize>) -> Result<usize, ParseError> {
        if let Some(paren) = self.peek().filter(|t| t.is_punct('(')) {
            return Err(
                ParseError::new(paren.column, "`volatile` is a flag, not a method")
                    .with_hint("io.volatile.emit('position', 1)"),
            );
        }
        if before.is_some() {
            return Err(ParseError::new(column, "`volatile` is already set"));
        }
        Ok(column)
    }

    /// `(ms).emitWithAck('event', ...)` after `timeout`: the emit asks every recipient for an
    /// answer and gives up on each after `ms` milliseconds, with Node's error.
    fn timeout_emit(
        &mut self,
        origin: Origin,
        chain: Vec<Target>,
        in_handler: bool,
    ) -> Result<StatementKind, ParseError> {
        self.expect_punct('(', "`(` and the timeout in milliseconds")?;
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end("the timeout in milliseconds"))?;
        let timeout_ms = match &token.kind {
            TokenKind::Number(number) => number
                .as_u64()
                .filter(|ms| (1..=MAX_ACK_TIMEOUT_MS).contains(ms)),
            _ => {
                return Err(ParseError::new(
                    token.column,
                    format!(
                        "expected the timeout in milliseconds, found {}",
                        token.describe()
                    ),
                )
                .with_hint("timeout(1000) waits one second"));
            }
        };
        let Some(timeout_ms) = timeout_ms else {
            return Err(ParseError::new(
                token.column,
                format!(
                    "the lab waits between 1 and {MAX_ACK_TIMEOUT_MS} ms, in whole milliseconds"
                ),
            )
            .with_hint("timeout(1000) waits one second"));
        };
        self.advance();
        self.expect_punct(')', "`)`")?;
        self.expect_punct('.', "`.emitWithAck(...)` after the timeout")?;
        let method = self.expect_ident("`emitWithAck`")?;
        match method.ident() {
            Some("emitWithAck") => {}
            Some("emit") => {
                return Err(ParseError::new(
                    method.column,
                    "after timeout, the lab runs the promise form: emitWithAck",
                )
                .with_hint(
                    "timeout(1000).emitWithAck('question', 'hi') is emit with a callback, as a promise",
                ));
            }
            _ => {
                return Err(ParseError::new(
                    method.column,
                    "`timeout` comes last, right before `.emitWithAck(...)`",
                )
                .with_hint("io.to('room1').timeout(1000).emitWithAck('question')"));
            }
        }
        let (event, args) = self.emit_arguments(in_handler)?;
        Ok(StatementKind::EmitWithAck {
            emit: Emit {
                origin,
                chain,
                event,
                args,
            },
            timeout_ms,
        })
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
        if let Some(arg) = self.socket_property()? {
            return Ok(arg);
        }
        if let Some(token) = self.peek().filter(|t| t.ident() == Some("reason")) {
            if self.departure {
                self.advance();
                return Ok(Arg::Reason);
            }
            return Err(ParseError::new(
                token.column,
                "`reason` only exists inside a `disconnecting` or `disconnect` handler",
            )
            .with_hint("on 'disconnect': io.emit('user left', reason)"));
        }
        if let Some(token) = self.peek().filter(|t| t.ident() == Some("msg")) {
            if self.departure {
                return Err(ParseError::new(
                    token.column,
                    "a `disconnecting` or `disconnect` handler gets `reason`, not `msg`",
                )
                .with_hint("on 'disconnect': io.emit('user left', reason)"));
            }
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

/// `volatile` before `timeout(...).emitWithAck`: socketioxide ignores the flag for an emit that
/// waits for answers, so the lab would not do what it says.
fn volatile_with_ack(column: usize) -> ParseError {
    ParseError::new(
        column,
        "`volatile` and emitWithAck do not go together here: an answer is waited for, so the packet cannot be dropped",
    )
    .with_hint("io.volatile.emit('position', 1), or io.timeout(1000).emitWithAck('ready')")
}

/// `emitWithAck` with no `timeout` before it: in Node it waits forever for a client that never
/// answers. The lab always needs the timeout, so that such a statement ends, with Node's error.
fn without_timeout(column: usize, origin: &str) -> ParseError {
    ParseError::new(
        column,
        "the lab needs a timeout before emitWithAck: without one, a socket that never answers keeps it waiting forever",
    )
    .with_hint(format!("{origin}.timeout(1000).emitWithAck('question', 'hi')"))
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
