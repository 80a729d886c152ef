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
    /// One punctuation character: `. ( ) [ ] { } , :`.
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
        } else if ".()[]{},:".contains(c) {
            tokens.push(Token {
                kind: TokenKind::Punct(c),
                column,
                end: column + 1,
            });
            i += 1;
        } else if c == ';' && only_a_comment_follows(&chars[i + 1..]) {
            // A trailing semicolon is what a JavaScript hand types; accept it silently.
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
                text.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                i += 2;
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
    let number = serde_json::from_str::<serde_json::Number>(&text)
        .map_err(|_| ParseError::new(start + 1, format!("`{text}` is not a number")))?;
    Ok((javascript_number(number), i))
}

/// JavaScript has one number type: `2.0` is `2`, `1e3` is `1000` and `-0` is `0` once sent
/// (`JSON.stringify` writes them so). Whole numbers that a double holds exactly become integers,
/// so that the lab sends, and the views print, what Node would.
fn javascript_number(number: serde_json::Number) -> serde_json::Number {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match number.as_f64() {
        Some(value) if number.is_f64() && value.fract() == 0.0 && value.abs() <= EXACT => {
            serde_json::Number::from(value as i64)
        }
        _ => number,
    }
}
