//! `sio-tutor play FILE` and `... | sio-tutor play`: a script of playground commands, one a
//! line. A bad line prints its error with its line number and the run goes on; the exit status
//! says whether any line failed. A line that is not valid UTF-8 is such a bad line: it is
//! reported with its number and skipped, and the lines after it still run.

use std::io::Write;

use super::{LineOutcome, Session};
use crate::render::{LineError, View};

/// One line of a script, as read: text, or bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLine(Result<String, NotUtf8>);

/// A line that is not valid UTF-8: what it reads as with the bad bytes replaced by `�`, and
/// the 1-based column (in characters of that reading) of the first bad byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    pub lossy: String,
    pub column: usize,
}

impl From<String> for ScriptLine {
    fn from(line: String) -> Self {
        ScriptLine(Ok(line))
    }
}

/// Splits a script's bytes into lines, as `str::lines` does (`\n` or `\r\n`), keeping each
/// line that is not UTF-8 as an error of its own instead of failing the whole read.
pub fn split_lines(bytes: &[u8]) -> Vec<ScriptLine> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            ScriptLine(String::from_utf8(line.to_vec()).map_err(|error| {
                let valid = error.utf8_error().valid_up_to();
                NotUtf8 {
                    lossy: String::from_utf8_lossy(line).into_owned(),
                    column: String::from_utf8_lossy(&line[..valid]).chars().count() + 1,
                }
            }))
        })
        .collect()
}

/// Runs every line and writes the view of each to `out`. Returns whether every line succeeded.
pub async fn run(
    session: &mut Session,
    lines: impl IntoIterator<Item = impl Into<ScriptLine>>,
    view: View,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let mut all_ok = true;
    for (index, line) in lines.into_iter().enumerate() {
        let number = index + 1;
        let line = match line.into().0 {
            Ok(line) => line,
            Err(bad) => {
                all_ok = false;
                let error = crate::script::ParseError::new(
                    bad.column,
                    "this line is not valid UTF-8 text, so it was skipped",
                )
                .with_hint("save the script as UTF-8");
                out.write_all(
                    view.error(&LineError::parse(number, &bad.lossy, &error))
                        .as_bytes(),
                )?;
                out.flush()?;
                continue;
            }
        };
        let text = match session.line(&line).await {
            LineOutcome::Nothing => continue,
            LineOutcome::Reports(reports) => reports.iter().map(|r| view.report(r)).collect(),
            LineOutcome::ParseError(error) => {
                all_ok = false;
                view.error(&LineError::parse(number, &line, &error))
            }
            LineOutcome::LabError(error) => {
                all_ok = false;
                view.error(&LineError::lab(number, &line, error.to_string()))
            }
        };
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    Ok(all_ok)
}
