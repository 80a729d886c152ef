//! Text to tokens. Every token remembers the column it starts at, so that an error can put a
//! caret under the exact character the learner needs to look at.
//!
//! The language is a sliver of JavaScript: names, strings in single or double quotes, numbers,
//! punctuation, plus namespace paths (`/tenant-a`) for the playground commands. `#` and `//`
//! start a comment that runs to the end of the line.

use super::error::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A JavaScript identifier: `io`, `socket`, `emit`, `alice`, `true`.
    Ident(String),
    /// A string literal, already unescaped.
    Str(String),
    /// A number literal, kept as JSON.
    Number(serde_json::Number),
    /// A namespace path such as `/tenant-a` (only where a command expects one).
    Path(String),
    /// One punctuation character: `. ( ) [ ] { } , :`, and `=` `>` (only as `=>`).
    Punct(char),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// 1-based column (in characters) where the token starts.
    pub column: usize,
    /// 1-based column just after the token ends.
    pub end: usize,
}

impl Token {
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct(c)
    }

    pub fn ident(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Ident(name) => Some(name),
            _ => None,
        }
    }

    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Ident(name) => format!("`{name}`"),
            TokenKind::Str(text) => format!("the string '{text}'"),
            TokenKind::Number(n) => format!("the number {n}"),
            TokenKind::Path(path) => format!("`{path}`"),
            TokenKind::Punct(c) => format!("`{c}`"),
        }
    }
}

/// Splits one line into tokens.
pub fn tokenize(line: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            break;
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            tokens.push(Token {
                kind: TokenKind::Ident(name),
                column,
                end: i + 1,
            });
        } else if c == '\'' || c == '"' {
            let (text, next) = read_string(&chars, i)?;
            i = next;
            tokens.push(Token {
                kind: TokenKind::Str(text),
                column,
                end: i + 1,
            });
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let (number, next) = read_number(&chars, i)?;
            i = next;
            tokens.push(Token {
                kind: TokenKind::Number(number),
                column,
                end: i + 1,
            });
        } else if c == '/' {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '-' | '_' | '/' | '.'))
            {
                i += 1;
            }
            let path: String = chars[start..i].iter().collect();
            tokens.push(Token {
                kind: TokenKind::Path(path),
                column,
                end: i + 1,
            });
        } else if ".()[]{},:".contains(c) || (c == '=' && chars.get(i + 1) == Some(&'>')) {
            // `=` only as the start of `=>`, the arrow of a client's answering function
            // (`(q, callback) => callback('yes')`); the `>` is read as the next token.
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                column,
                end: column + 1,
            });
            i += 1;
        } else if c == '>' && i > 0 && chars[i - 1] == '=' {
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                column,
                end: column + 1,
            });
            i += 1;
        } else if c == ';' && only_a_comment_follows(&chars[i + 1..]) {
            // A trailing semicolon is what a JavaScript hand types; accept it silently.
            i += 1;
        } else if "=>?;".contains(c) {
            // The pieces of a middleware's arrow function (`=>`, `===`, `? :`, `;` between
            // its lines); the parser reads `=>` and `===` as adjacent `=` and `>` tokens.
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                column,
                end: column + 1,
            });
            i += 1;
        } else {
            return Err(ParseError::new(
                column,
                format!("unexpected character `{c}`"),
            ));
        }
    }
    Ok(tokens)
}

/// Reads a quoted string starting at `start` (the quote). Returns the text and the index after
/// the closing quote.
///
/// Escapes mean what they mean in a JavaScript string literal (strict mode, as in an ES
/// module): `\n \t \r \b \f \v \0`, `\xHH`, `\uHHHH`, `\u{H...}`, a backslash before a line end
/// continues the line, and any other escaped character stands for itself (`\'`, `\q`). Octal
/// escapes are a syntax error in strict mode, and a lone surrogate (`\uD800`) cannot travel in the
/// lab's UTF-8 strings, so both are refused with a clear error.
fn read_string(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Ok((text, i + 1)),
            '\\' => {
                let escaped = chars.get(i + 1).copied().ok_or_else(|| {
                    ParseError::new(i + 1, "a `\\` at the end of the line escapes nothing")
                })?;
                let column = i + 1;
                i += 2;
                match escaped {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    'b' => text.push('\u{8}'),
                    'f' => text.push('\u{c}'),
                    'v' => text.push('\u{b}'),
                    '0' if !chars.get(i).is_some_and(char::is_ascii_digit) => text.push('\0'),
                    '0'..='9' => {
                        return Err(ParseError::new(
                            column,
                            format!("`\\{escaped}` is an octal escape (or \\0 before a digit), which JavaScript refuses in strict mode"),
                        )
                        .with_hint("write \\x.. or \\u.... for a character by its code"));
                    }
                    'x' => {
                        let code = hex_digits(chars, i, 2).ok_or_else(|| {
                            escape_error(column, "\\x needs two hex digits, as in \\x41")
                        })?;
                        i += 2;
                        text.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    'u' => {
                        let (code, next) = read_unicode_escape(chars, i, column)?;
                        i = next;
                        let code = if (0xD800..0xDC00).contains(&code) {
                            // A high surrogate: JavaScript joins it with a following
                            // `\uDC00`-`\uDFFF` into one character.
                            let low = (chars.get(i) == Some(&'\\')
                                && chars.get(i + 1) == Some(&'u'))
                            .then(|| read_unicode_escape(chars, i + 2, i + 1))
                            .transpose()?
                            .filter(|(low, _)| (0xDC00..0xE000).contains(low));
                            match low {
                                Some((low, next)) => {
                                    i = next;
                                    0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                                }
                                None => code,
                            }
                        } else {
                            code
                        };
                        let c = char::from_u32(code).ok_or_else(|| {
                            escape_error(
                                column,
                                "this escape is half of a surrogate pair, which cannot travel as text on its own",
                            )
                        })?;
                        text.push(c);
                    }
                    // A line continuation: the backslash and the line end stand for nothing.
                    '\r' => {
                        if chars.get(i) == Some(&'\n') {
                            i += 1;
                        }
                    }
                    '\n' | '\u{2028}' | '\u{2029}' => {}
                    other => text.push(other),
                }
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(ParseError::new(
        start + 1,
        format!("this string never ends: add the closing {quote}"),
    ))
}

fn escape_error(column: usize, message: &str) -> ParseError {
    ParseError::new(column, message.to_string())
}

/// Exactly `count` hex digits at `at`, as a number.
fn hex_digits(chars: &[char], at: usize, count: usize) -> Option<u32> {
    let digits = chars.get(at..at + count)?;
    digits
        .iter()
        .try_fold(0u32, |code, c| Some(code * 16 + c.to_digit(16)?))
}

/// The code after `\u` (at `at`): four hex digits, or `{...}` with one to six. Returns the code
/// and the index after the escape. `column` is where the backslash is, for the error.
fn read_unicode_escape(
    chars: &[char],
    at: usize,
    column: usize,
) -> Result<(u32, usize), ParseError> {
    let malformed = || {
        escape_error(
            column,
            "\\u needs four hex digits (\\u0041) or a code in braces (\\u{1F600})",
        )
    };
    if chars.get(at) == Some(&'{') {
        let close = chars[at..]
            .iter()
            .position(|c| *c == '}')
            .map(|offset| at + offset)
            .ok_or_else(malformed)?;
        let count = close - at - 1;
        if count == 0 || count > 6 {
            return Err(malformed());
        }
        let code = hex_digits(chars, at + 1, count).ok_or_else(malformed)?;
        if code > 0x10FFFF {
            return Err(escape_error(
                column,
                "\\u{...} names a code above 10FFFF, the last one there is",
            ));
        }
        Ok((code, close + 1))
    } else {
        let code = hex_digits(chars, at, 4).ok_or_else(malformed)?;
        Ok((code, at + 4))
    }
}

/// True when nothing but spaces and perhaps a comment (`#` or `//`) is left on the line.
fn only_a_comment_follows(rest: &[char]) -> bool {
    let mut rest = rest.iter().skip_while(|c| c.is_whitespace());
    match rest.next() {
        None | Some('#') => true,
        Some('/') => rest.next() == Some(&'/'),
        Some(_) => false,
    }
}

fn read_number(chars: &[char], start: usize) -> Result<(serde_json::Number, usize), ParseError> {
    let mut i = start + 1;
    while i < chars.len()
        && (chars[i].is_ascii_digit()
            || matches!(chars[i], '.' | 'e' | 'E')
            || (matches!(chars[i], '-' | '+') && matches!(chars[i - 1], 'e' | 'E')))
    {
        i += 1;
    }
    let text: String = chars[start..i].iter().collect();
    let not_a_number = || ParseError::new(start + 1, format!("`{text}` is not a number"));
    // JSON's number grammar is JavaScript's decimal literal minus the forms strict mode refuses
    // anyway (`01`) and a few rare spellings (`.5`, `5.`); it decides what is a number.
    let value: f64 = text.parse().map_err(|_| not_a_number())?;
    let Some(number) = javascript_number(value) else {
        return Err(ParseError::new(
            start + 1,
            format!(
                "`{text}` is beyond the largest JavaScript number: it would be Infinity, which JSON sends as null"
            ),
        ));
    };
    serde_json::from_str::<serde_json::Number>(&text).map_err(|_| not_a_number())?;
    Ok((number, i))
}

/// JavaScript has one number type, the double: a literal is rounded to the nearest double
/// (`9007199254740993` is `9007199254740992`), and `JSON.stringify` writes a whole double below
/// 10^21 as an integer (`2.0` is `2`, `1e3` is `1000`, `-0` is `0`): its shortest round-trip
/// digits, padded with zeros (2^63 is written `9223372036854776000`, not `...808`). The lab
/// sends the very text Node sends for such a number, read back as JSON, and any other double as
/// a float (its text may differ from Node's, `1e21` for `1e+21`, but it is the same double).
/// `None` for a value beyond the doubles (Infinity).
pub fn javascript_number(value: f64) -> Option<serde_json::Number> {
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() < 1e21 {
        if value == 0.0 {
            return Some(serde_json::Number::from(0u64));
        }
        // Rust's `{:e}` writes the shortest digits that round-trip, as JavaScript does.
        let scientific = format!("{:e}", value.abs());
        let (mantissa, exponent) = scientific.split_once('e')?;
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exponent: usize = exponent.parse().ok()?;
        let zeros = (exponent + 1).checked_sub(digits.len())?;
        let sign = if value < 0.0 { "-" } else { "" };
        let text = format!("{sign}{digits}{}", "0".repeat(zeros));
        // serde_json reads it as an integer when it fits 64 bits, else as the same double.
        return serde_json::from_str(&text).ok();
    }
    serde_json::Number::from_f64(value)
}
