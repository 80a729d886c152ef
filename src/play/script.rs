//! `sio-tutor play FILE` and `... | sio-tutor play`: a script of playground commands, one a
//! line. A bad line prints its error with its line number and the run goes on; the exit status
//! says whether any line failed.

use std::io::Write;

use super::{LineOutcome, Session};
use crate::render::{LineError, View};

/// Runs every line and writes the view of each to `out`. Returns whether every line succeeded.
pub async fn run(
    session: &mut Session,
    lines: impl IntoIterator<Item = String>,
    view: View,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let mut all_ok = true;
    for (index, line) in lines.into_iter().enumerate() {
        let number = index + 1;
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
