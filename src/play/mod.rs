//! The playground: playground commands run one by one against a live lab.
//!
//! [`script`] runs commands from a file or a pipe and prints the view of each; [`repl`] is the
//! interactive playground on a terminal, over the same [`Session`].
//!
//! - [`repl`]: the prompt loop and its own commands (`help`, `who`, `explain`, `save`, ...).
//!
//! Tab completion ([`crate::complete`]) and `explain` ([`crate::render::explain`]) live below the
//! front ends, because the tutor's write steps use them too.

pub mod repl;
pub mod script;

use crate::lab::report::Report;
use crate::lab::{Lab, LabError, LabOptions};
use crate::script::{Command, ParseError, parse_command};

/// One line's outcome.
pub enum LineOutcome {
    /// Blank or a comment.
    Nothing,
    Reports(Vec<Report>),
    ParseError(ParseError),
    LabError(LabError),
}

/// A lab plus the commands that built it, for one playground session.
pub struct Session {
    pub lab: Lab,
}

impl Session {
    /// A playground lab: namespaces are served as soon as a socket connects to them.
    pub async fn start() -> Result<Session, LabError> {
        Session::start_with(LabOptions {
            namespaces: Vec::new(),
            serve_on_connect: true,
            network: false,
        })
        .await
    }

    /// A session over a lab started with `options` (a lesson's, for `play --lesson`).
    pub async fn start_with(options: LabOptions) -> Result<Session, LabError> {
        Ok(Session {
            lab: Lab::start(options).await?,
        })
    }

    /// A session over a lab with the servers `scale` asks for (`play --lesson` of the scaling
    /// lesson).
    pub async fn start_scaled(
        options: LabOptions,
        scale: &crate::lab::Scale,
    ) -> Result<Session, LabError> {
        Ok(Session {
            lab: Lab::start_scaled(options, scale).await?,
        })
    }

    /// Parses and runs one line.
    pub async fn line(&mut self, line: &str) -> LineOutcome {
        match parse_command(line) {
            Ok(None) => LineOutcome::Nothing,
            Ok(Some(command)) => self.command(&command).await,
            Err(error) => LineOutcome::ParseError(error),
        }
    }

    pub async fn command(&mut self, command: &Command) -> LineOutcome {
        match self.lab.execute(command).await {
            Ok(reports) => LineOutcome::Reports(reports),
            Err(error) => LineOutcome::LabError(error),
        }
    }

    pub async fn shutdown(self) {
        self.lab.shutdown().await;
    }
}
