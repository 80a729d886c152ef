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
    format!("{value}\n")
}

pub fn error(error: &LineError) -> String {
    let mut value = json!({ "kind": "error", "line": error.line, "message": error.message });
    if let Some(column) = error.column {
        value["column"] = json!(column);
    }
    if let Some(hint) = &error.hint {
        value["hint"] = json!(hint);
    }
    format!("{value}\n")
}
