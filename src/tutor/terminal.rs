//! The terminal side of the tutor: whether there is one, the prompts (dialoguer), and leaving
//! the terminal clean when the learner quits with Ctrl-C or Esc.
//!
//! Ctrl-C reaches us two ways: as SIGINT between prompts (the command line races the tutor
//! against it), and from inside a prompt, where the terminal is in raw mode and `console`
//! re-raises SIGINT after restoring it. Both end as the value [`Interrupted`], which travels up
//! with `?` like any error; the command line then calls [`goodbye`] (show the cursor, end the
//! half-drawn line) and exits with 130. Nothing here exits the process. Progress needs no saving
//! then: it is written after every step, atomically.

use std::io::IsTerminal;

use dialoguer::console::{self, Key, Term};
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Input, MultiSelect, Select};

/// What a learner sees when the tutor needs a terminal it does not have.
pub const NEEDS_TERMINAL: &str = "sio-tutor's interactive tutor needs a terminal to ask you questions, and this is not one \
(standard input or output is redirected, or CI is set).\n\
To see a lesson without prompts, run:  sio-tutor demo 1   (or: sio-tutor demo --all)";

/// The exit status after Ctrl-C or Esc, as a shell reports a SIGINT.
pub const INTERRUPTED: u8 = 130;

/// The learner quit with Ctrl-C or Esc (or the terminal went away).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// True when prompts can be shown: both ends are a terminal and this is not CI.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty() || v == "false" || v == "0")
}

/// Leaves the terminal as it was after an interruption, and says the progress is kept.
pub fn goodbye() {
    let term = Term::stdout();
    let _ = term.show_cursor();
    let _ = term.write_line("");
    let _ = term.write_line("Bye for now: your progress is saved. Run sio-tutor to continue.");
}

/// Blocking prompt code runs here, so the lab's tasks keep running on the other workers.
fn blocking<T>(prompt: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(prompt)
}

/// Any prompt error (Ctrl-C raised inside the prompt, a closed terminal) ends the session.
fn or_quit<T>(result: dialoguer::Result<Option<T>>) -> Result<T, Interrupted> {
    match result {
        Ok(Some(value)) => Ok(value),
        _ => Err(Interrupted),
    }
}

/// Waits for Enter (Esc quits); `status` is shown beside the prompt (`step 3 of 14`).
pub fn press_enter(status: &str) -> Result<(), Interrupted> {
    blocking(|| {
        let term = Term::stdout();
        let _ = term.write_str(&format!(
            "{}",
            console::style(format!("  [Enter] to continue  ({status})")).dim()
        ));
        loop {
            match term.read_key() {
                Ok(Key::Enter) => break,
                Ok(Key::Escape) | Ok(Key::CtrlC) | Err(_) => return Err(Interrupted),
                _ => {}
            }
        }
        let _ = term.clear_line();
        Ok(())
    })
}

pub fn select(prompt: &str, items: &[String], default: usize) -> Result<usize, Interrupted> {
    blocking(|| {
        or_quit(
            Select::with_theme(&ColorfulTheme::default())
                .with_prompt(prompt)
                .items(items)
                .default(default)
                .interact_opt(),
        )
    })
}

pub fn multi_select(prompt: &str, items: &[String]) -> Result<Vec<usize>, Interrupted> {
    blocking(|| {
        or_quit(
            MultiSelect::with_theme(&ColorfulTheme::default())
                .with_prompt(prompt)
                .items(items)
                .interact_opt(),
        )
    })
}

pub fn input(prompt: &str) -> Result<String, Interrupted> {
    blocking(|| {
        Input::<String>::with_theme(&ColorfulTheme::default())
            .with_prompt(prompt)
            .allow_empty(true)
            .interact_text()
            .map_err(|_| Interrupted)
    })
}
