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
use std::sync::atomic::{AtomicBool, Ordering};

use dialoguer::console::{self, Key, Term};
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};

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

/// Set when a SIGINT arrived (see [`interrupt`]).
static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// Notes that Ctrl-C was pressed outside a prompt (the command line's signal task calls this).
/// The tutor's task may be busy and about to block in a prompt, where it would not see the
/// signal until a key came: the next prompt ends the session instead of waiting.
pub fn interrupt() {
    INTERRUPT.store(true, Ordering::SeqCst);
}

/// Blocking prompt code runs here, so the lab's tasks keep running on the other workers.
fn blocking<T>(prompt: impl FnOnce() -> Result<T, Interrupted>) -> Result<T, Interrupted> {
    if INTERRUPT.load(Ordering::SeqCst) {
        return Err(Interrupted);
    }
    tokio::task::block_in_place(prompt)
}

/// Any prompt error (Ctrl-C raised inside the prompt, a closed terminal) ends the session.
fn or_quit<T>(result: dialoguer::Result<Option<T>>) -> Result<T, Interrupted> {
    match result {
        Ok(Some(value)) => Ok(value),
        _ => Err(Interrupted),
    }
}

/// What the learner first sees: what the tutor is, and its keys.
pub const WELCOME: &str =
    "Welcome to sio-tutor. Each lesson runs a real Socket.IO server and real client \
sockets, and shows who received every event and who provably did not.

Keys: Enter continues. On a question, the arrow keys move, Space picks a socket or an answer, \
and Enter confirms. Esc on a page goes back to this menu; Ctrl-C quits. Your progress is saved \
after every step.";

/// The end of the course: where to go from here.
pub const WHAT_NEXT: &str = "What next: `sio-tutor play` opens the playground, a live lab for your \
own statements (try `explain` there). `sio-tutor serve` hosts the chat for a room full of \
browsers, and shows who got what.";

/// The key that ended a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pressed {
    Enter,
    Escape,
}

/// Clears the screen, so that a new lesson starts at the top.
pub fn clear_screen() {
    let _ = Term::stdout().clear_screen();
}

/// Waits for Enter or Esc (Ctrl-C quits); `status` is shown beside the prompt
/// (`step 3 of 14`).
pub fn press_enter(status: &str) -> Result<Pressed, Interrupted> {
    blocking(|| {
        let term = Term::stdout();
        let _ = term.write_str(&format!(
            "{}",
            console::style(format!("  [Enter] to continue  ({status})")).dim()
        ));
        let pressed = loop {
            match term.read_key() {
                Ok(Key::Enter) => break Pressed::Enter,
                Ok(Key::Escape) => break Pressed::Escape,
                Ok(Key::CtrlC) | Err(_) => return Err(Interrupted),
                _ => {}
            }
        };
        let _ = term.clear_line();
        Ok(pressed)
    })
}

pub fn select(prompt: &str, items: &[String], default: usize) -> Result<usize, Interrupted> {
    blocking(|| {
        or_quit(
            Select::with_theme(&Cursor::default())
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
            MultiSelect::with_theme(&Cursor::default())
                .with_prompt(prompt)
                .items(items)
                .interact_opt(),
        )
    })
}

pub fn input(prompt: &str) -> Result<String, Interrupted> {
    blocking(|| {
        let theme = Cursor::default();
        let answer = Input::<String>::with_theme(&theme)
            .with_prompt(prompt)
            .allow_empty(true)
            .report(false)
            .interact_text()
            .map_err(|_| Interrupted)?;
        // dialoguer clears only the screen row the cursor is on, and a typed answer longer than
        // the terminal is wide wrapped over several: their first rows would stay behind as a
        // stale prompt. Clear them too, then say what was answered, as dialoguer would.
        let term = Term::stderr();
        let mut typed = String::new();
        let _ = theme.format_input_prompt(&mut typed, prompt, None);
        typed.push_str(&answer);
        let columns = usize::from(term.size().1).max(1);
        let rows = console::measure_text_width(&typed).div_ceil(columns).max(1);
        let _ = term.clear_last_lines(rows - 1);
        let mut report = String::new();
        let _ = theme.format_input_prompt_selection(&mut report, prompt, &answer);
        let _ = term.write_line(&report);
        Ok(answer)
    })
}

/// A yes/no question; `default` is what Enter alone answers.
pub fn confirm(prompt: &str, default: bool) -> Result<bool, Interrupted> {
    blocking(|| {
        or_quit(
            Confirm::with_theme(&Cursor::default())
                .with_prompt(prompt)
                .default(default)
                .interact_opt(),
        )
    })
}

/// dialoguer's colourful theme, plus a cursor (`❯`) on the current row of a multi-select:
/// the colourful theme marks that row with colour alone, so with `NO_COLOR` nothing showed
/// where the cursor was.
#[derive(Default)]
struct Cursor(ColorfulTheme);

impl Theme for Cursor {
    fn format_multi_select_prompt_item(
        &self,
        f: &mut dyn std::fmt::Write,
        text: &str,
        checked: bool,
        active: bool,
    ) -> std::fmt::Result {
        let cursor = if active {
            self.0.active_item_prefix.to_string()
        } else {
            self.0.inactive_item_prefix.to_string()
        };
        write!(f, "{cursor} ")?;
        self.0
            .format_multi_select_prompt_item(f, text, checked, active)
    }

    // The rest is the colourful theme's.
    fn format_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        self.0.format_prompt(f, prompt)
    }
    fn format_error(&self, f: &mut dyn std::fmt::Write, err: &str) -> std::fmt::Result {
        self.0.format_error(f, err)
    }
    fn format_confirm_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> std::fmt::Result {
        self.0.format_confirm_prompt(f, prompt, default)
    }
    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> std::fmt::Result {
        self.0.format_confirm_prompt_selection(f, prompt, selection)
    }
    fn format_input_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        default: Option<&str>,
    ) -> std::fmt::Result {
        self.0.format_input_prompt(f, prompt, default)
    }
    fn format_input_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> std::fmt::Result {
        self.0.format_input_prompt_selection(f, prompt, sel)
    }
    fn format_select_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        self.0.format_select_prompt(f, prompt)
    }
    fn format_select_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_selection(f, prompt, sel)
    }
    fn format_multi_select_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
    ) -> std::fmt::Result {
        self.0.format_multi_select_prompt(f, prompt)
    }
    fn format_multi_select_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        selections: &[&str],
    ) -> std::fmt::Result {
        self.0
            .format_multi_select_prompt_selection(f, prompt, selections)
    }
    fn format_select_prompt_item(
        &self,
        f: &mut dyn std::fmt::Write,
        text: &str,
        active: bool,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_item(f, text, active)
    }
}
