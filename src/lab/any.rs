//! The server's catch-all listener, `socket.onAny((event, ...args) => console.log(event, args))`:
//! what it prints for each event a client sends, in the words Node's `console.log` would use.
//!
//! Node formats `console.log(a, b)` with `util.format`: a string argument is printed as it is,
//! anything else through `util.inspect` (`[ 'hi', 2 ]`, `{ text: 'hi' }`), joined by spaces. The
//! subset here covers JSON values printed on one line; `tests/semantics.rs` checks its output
//! against Node's own `console.log` for every onAny row of the table. (Node breaks an inspected
//! value over several lines past 72 characters, and prints objects nested deeper than two levels
//! as `[Object]`: keep what a lesson logs short and shallow.)

use serde_json::Value;

use crate::script::LogPart;

/// How `util.inspect` shows the acknowledgement function socket.io appends to the arguments of
/// an event sent with `emitWithAck` (onAny sees it; the event's own handler calls it `callback`).
const ACK_FUNCTION: &str = "[Function (anonymous)]";

/// The line `console.log(parts...)` prints for `event` sent with `args`; `with_ack` when the
/// client asked for an answer (`emitWithAck`), so that `...args` ends with the ack function.
pub fn console_line(parts: &[LogPart], event: &str, args: &[Value], with_ack: bool) -> String {
    parts
        .iter()
        .map(|part| match part {
            LogPart::Event => event.to_string(),
            LogPart::Args => {
                let mut items: Vec<String> = args.iter().map(inspect).collect();
                if with_ack {
                    items.push(ACK_FUNCTION.to_string());
                }
                if items.is_empty() {
                    "[]".to_string()
                } else {
                    format!("[ {} ]", items.join(", "))
                }
            }
            LogPart::Value(Value::String(text)) => text.clone(),
            LogPart::Value(value) => inspect(value),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `util.inspect` of a JSON value, on one line.
pub fn inspect(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        Value::Array(items) if items.is_empty() => "[]".to_string(),
        Value::Array(items) => format!(
            "[ {} ]",
            items.iter().map(inspect).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) if map.is_empty() => "{}".to_string(),
        Value::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(key, value)| format!("{}: {}", key_text(key), inspect(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// A string as `util.inspect` quotes it: single quotes; double quotes when the text has a single
/// quote and no double one; backticks when it has both and no backtick.
fn quote(text: &str) -> String {
    let escaped = |quote: char| {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out
    };
    match (text.contains('\''), text.contains('"'), text.contains('`')) {
        (true, false, _) => format!("\"{}\"", escaped('"')),
        (true, true, false) => format!("`{}`", escaped('`')),
        _ => format!("'{}'", escaped('\'')),
    }
}

/// An object key as `util.inspect` writes it: bare when it is an identifier, quoted otherwise.
fn key_text(key: &str) -> String {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        key.to_string()
    } else {
        quote(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_print_as_node_inspects_them() {
        assert_eq!(
            inspect(&json!(["hi", 2, true, null])),
            "[ 'hi', 2, true, null ]"
        );
        assert_eq!(inspect(&json!([])), "[]");
        assert_eq!(
            inspect(&json!({"text": "it's", "n": [1], "odd key": {}})),
            "{ text: \"it's\", n: [ 1 ], 'odd key': {} }"
        );
        let parts = [LogPart::Event, LogPart::Args];
        assert_eq!(
            console_line(&parts, "chat message", &[json!("hi")], false),
            "chat message [ 'hi' ]"
        );
        assert_eq!(
            console_line(&parts, "ask", &[], true),
            "ask [ [Function (anonymous)] ]"
        );
    }
}
