//! A parse error: where (a column), what was expected, and a hint at the nearest valid form.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}{}", hint.as_ref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
pub struct ParseError {
    /// 1-based column, in characters, of the first character that is wrong.
    pub column: usize,
    pub message: String,
    /// The nearest valid form, when there is an obvious one (`did you mean ...?`).
    pub hint: Option<String>,
}

impl ParseError {
    pub fn new(column: usize, message: impl Into<String>) -> Self {
        ParseError {
            column,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error drawn under the line it belongs to:
    ///
    /// ```text
    ///   alice: socket.broadcast().emit('hi')
    ///                          ^
    ///   `broadcast` is a flag, not a method
    ///   hint: did you mean socket.broadcast.emit(...)?
    /// ```
    pub fn draw(&self, line: &str, indent: &str) -> String {
        let mut out = format!("{indent}{line}\n");
        out.push_str(indent);
        out.push_str(&" ".repeat(self.column.saturating_sub(1)));
        out.push_str("^\n");
        out.push_str(&format!("{indent}{}", self.message));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n{indent}hint: {hint}"));
        }
        out
    }
}
