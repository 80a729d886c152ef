//! Errors drawn under the source line they belong to, as cargo and rustc draw them
//! (annotate-snippets): the file and position, the line, a caret under the column. The caret is
//! placed by display width, so it stays right after wide characters (CJK, emoji) and tabs.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::lesson::LessonError;

/// A lesson-file error: drawn under its line when the line is known, else `file:line:column:
/// message` on one line.
pub fn lesson_error(error: &LessonError) -> String {
    let Some(line) = &error.snippet else {
        return error.to_string();
    };
    // The column counts characters from 1; the span is in bytes of the line.
    let start = line
        .char_indices()
        .nth(error.column.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(line.len());
    let end = line[start..]
        .chars()
        .next()
        .map(|c| start + c.len_utf8())
        .unwrap_or(start);
    let report = &[Level::ERROR.primary_title(&error.message).element(
        Snippet::source(line.as_str())
            .line_start(error.line)
            .path(&error.file)
            .annotation(AnnotationKind::Primary.span(start..end)),
    )];
    renderer().render(report)
}

fn renderer() -> Renderer {
    if colored::control::SHOULD_COLORIZE.should_colorize() {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: &str, column: usize) -> LessonError {
        LessonError {
            file: "x.toml".into(),
            line: 9,
            column,
            message: "here".into(),
            snippet: Some(line.into()),
        }
    }

    /// The caret's display column on the line after the source line.
    fn caret_under(drawn: &str) -> usize {
        let lines: Vec<&str> = drawn.lines().collect();
        let source = lines
            .iter()
            .position(|l| l.starts_with("9 |"))
            .expect("the line");
        let gutter = "9 | ".len();
        let caret = lines[source + 1].find('^').expect("a caret");
        caret - gutter
    }

    #[test]
    fn the_caret_is_placed_by_display_width() {
        colored::control::set_override(false);
        // ASCII: column 7 is 6 cells in.
        assert_eq!(caret_under(&lesson_error(&error("run = \"bob\"", 7))), 6);
        // Each of these wide characters takes two cells.
        assert_eq!(caret_under(&lesson_error(&error("名前 = \"bob\"", 6))), 7);
        let drawn = lesson_error(&error("run = \"bob\"", 7));
        assert!(drawn.contains("x.toml:9:7"), "{drawn}");
    }
}
