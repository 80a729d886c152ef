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

    /// The error drawn under the line it belongs to, plain (for messages and tests; the views
    /// colour theirs):
    ///
    /// ```text
    ///   alice: socket.broadcast().emit('hi')
    ///                          ^
    ///   `broadcast` is a flag, not a method
    ///   hint: did you mean socket.broadcast.emit(...)?
    /// ```
    pub fn draw(&self, line: &str, indent: &str) -> String {
        let mut out = format!(
            "{indent}{line}\n{indent}{}^\n",
            caret_indent(line, self.column)
        );
        out.push_str(&format!("{indent}{}", self.message));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n{indent}hint: {hint}"));
        }
        out
    }
}

/// The white space that puts a caret under `column` (1-based, in characters) of `line`, as a
/// terminal shows the line: a tab stays a tab, so that it lines up as the line above does, and a
/// wide character (CJK, most emoji) takes the two columns it takes on screen. Every caret under a
/// statement is drawn with this (the playground's and the script's errors; lesson files go
/// through annotate-snippets, which does the same).
pub fn caret_indent(line: &str, column: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    line.chars()
        .take(column.saturating_sub(1))
        .map(|c| match c {
            '\t' => "\t".to_string(),
            c => " ".repeat(c.width().unwrap_or(0)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::caret_indent;

    #[test]
    fn the_caret_lines_up_after_tabs_and_wide_characters() {
        assert_eq!(caret_indent("io.emit('x')", 4), "   ");
        // A tab stays a tab; an ideograph and an emoji take two columns each.
        assert_eq!(caret_indent("\tio.emit('x')", 2), "\t");
        assert_eq!(caret_indent("io.emit('日本', 1)", 14), " ".repeat(15));
        assert_eq!(caret_indent("'😀' x", 5), " ".repeat(5));
        // Past the end of the line: as far as the line goes.
        assert_eq!(caret_indent("ab", 9), "  ");
    }
}
