//! The JSON view: one JSON object a line, `kind` first. The schema is documented in README.md.

use serde_json::json;

use super::LineError;
use crate::lab::report::Report;

pub fn report(report: &Report) -> String {
    let value = serde_json::to_value(report).unwrap_or_else(|e| {
        json!({
            "kind": "error",
            "line": 0,
            "message": format!("could not serialise a report: {e}"),
        })
    });
    format!("{}\n", hidden_as_escapes(value.to_string()))
}

/// serde_json escapes only C0 control characters; DEL, C1 controls (`\u{9b}` starts an escape
/// sequence on some terminals) and bidirectional or invisible characters are written as `\uXXXX`
/// too, so that a JSON line is as safe on a terminal as the text view. They can only occur inside
/// JSON strings, where the escape means the same character.
pub fn hidden_as_escapes(line: String) -> String {
    if !line.chars().any(super::text::is_hidden) {
        return line;
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if super::text::is_hidden(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn error(error: &LineError) -> String {
    let mut value = json!({ "kind": "error", "line": error.line, "message": error.message });
    if let Some(column) = error.column {
        value["column"] = json!(column);
    }
    if let Some(hint) = &error.hint {
        value["hint"] = json!(hint);
    }
    format!("{}\n", hidden_as_escapes(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_json_escapes_that_mean_the_same_text() {
        let line = json!({ "text": "a\u{9b}b\u{202e}c\u{7f}\u{e0041}" }).to_string();
        let safe = hidden_as_escapes(line);
        assert_eq!(safe, r#"{"text":"a\u009bb\u202ec\u007f\udb40\udc41"}"#);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back["text"], "a\u{9b}b\u{202e}c\u{7f}\u{e0041}");
    }
}
