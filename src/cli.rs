//! The command line: which commands exist, their flags, and what each one runs.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::play::{self, Session};
use crate::render::{self, View};

/// A tutor that teaches Socket.IO by running it for real.
#[derive(Debug, Parser)]
#[command(name = "sio-tutor", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Run playground commands against a live lab, from FILE or from a pipe.
    Play {
        /// A script of playground commands, one a line. Without it, standard input is read.
        file: Option<PathBuf>,
        /// Print one JSON object a line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Host the chat example for a classroom of browsers; the terminal shows who got what.
    Serve {
        /// The address to listen on. 0.0.0.0 opens it to the local network.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Print one JSON object a line instead of text.
        #[arg(long)]
        json: bool,
        /// Add N simulated sockets that join and answer, to rehearse alone.
        #[arg(long, default_value_t = 0, value_name = "N")]
        bots: usize,
        /// Serve this copy of the Socket.IO browser client instead of loading it from the CDN.
        #[arg(long, value_name = "FILE")]
        client_js: Option<PathBuf>,
    },
}

/// Exit statuses, as the README documents them.
pub mod status {
    pub const OK: u8 = 0;
    /// A line of a script failed, or a lesson did not validate.
    pub const FAILED: u8 = 1;
    /// The command cannot run here (no terminal, bad usage, a port in use).
    pub const CANNOT_RUN: u8 = 2;
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    render::choose_colours();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sio-tutor: cannot start the async runtime: {error}");
            return ExitCode::from(status::CANNOT_RUN);
        }
    };
    let code = runtime.block_on(run(cli));
    ExitCode::from(code)
}

async fn run(cli: Cli) -> u8 {
    match cli.command {
        Some(Commands::Play { file, json }) => play_script(file, View::from_json_flag(json)).await,
        Some(Commands::Serve {
            host,
            port,
            json,
            bots,
            client_js,
        }) => {
            crate::serve::run(crate::serve::Options {
                host,
                port,
                view: View::from_json_flag(json),
                bots,
                client_js,
            })
            .await
        }
        None => {
            println!("sio-tutor: try `sio-tutor play` with a script, or `sio-tutor --help`.");
            status::OK
        }
    }
}

async fn play_script(file: Option<PathBuf>, view: View) -> u8 {
    let lines: Vec<String> = match &file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => text.lines().map(String::from).collect(),
            Err(error) => {
                eprintln!("sio-tutor: cannot read {}: {error}", path.display());
                return status::CANNOT_RUN;
            }
        },
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!(
                    "sio-tutor play reads commands from a file or a pipe, for example:\n  printf 'connect alice bob\\nalice: socket.broadcast.emit(\"hi\")\\n' | sio-tutor play"
                );
                return status::CANNOT_RUN;
            }
            stdin.lock().lines().map_while(Result::ok).collect()
        }
    };
    let mut session = match Session::start().await {
        Ok(session) => session,
        Err(error) => {
            eprintln!("sio-tutor: {error}");
            return status::CANNOT_RUN;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let outcome = play::script::run(&mut session, lines, view, &mut stdout).await;
    let _ = stdout.flush();
    drop(stdout);
    session.shutdown().await;
    match outcome {
        Ok(true) => status::OK,
        Ok(false) => status::FAILED,
        Err(error) => {
            eprintln!("sio-tutor: cannot write the output: {error}");
            status::FAILED
        }
    }
}
