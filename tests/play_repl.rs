//! The interactive playground, driven as a learner drives it: the real binary in a
//! pseudo-terminal, keys typed one line at a time (Tab, Up, Ctrl-C, Ctrl-D), and the screen
//! read back. Then the session it saved is replayed with the scripted `play FILE`, and the
//! deliveries must be the same lines.
//!
//! The waits below are waits for text to appear on a screen (generous, for a slow CI machine);
//! no delivery is ever waited for by time: the lab proves each delivery before it prints.
//! Input is sent only once the prompt is back, because a line editor reads keys only while it
//! shows its prompt (keys typed earlier may be read and dropped).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use expectrl::{Eof, Session};

const PROMPT: &str = "play> ";
const UP: &str = "\x1b[A";
const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";

/// One playground in a pseudo-terminal, with everything it has shown so far.
struct Screen {
    session: Session,
    transcript: String,
}

impl Screen {
    fn open(home: &Path, args: &[&str]) -> Screen {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
        command
            .arg("play")
            .args(args)
            .current_dir(home)
            .env("SIO_TUTOR_HOME", home)
            .env("NO_COLOR", "1")
            // CI may have no TERM at all; the line editor needs to know it can edit.
            .env("TERM", "xterm");
        let mut session = Session::spawn(command).expect("the binary starts in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        let mut screen = Screen {
            session,
            transcript: String::new(),
        };
        screen.wait("Ctrl-D quits.");
        screen.wait(PROMPT);
        screen
    }

    /// Waits until `text` is on the screen, and keeps everything up to it.
    fn wait(&mut self, text: &str) {
        match self.session.expect(text) {
            Ok(found) => self
                .transcript
                .push_str(&String::from_utf8_lossy(found.as_bytes())),
            Err(error) => panic!(
                "waited for {text:?} and got {error}; the screen so far:\n{}",
                plain(&self.transcript)
            ),
        }
    }

    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("keys reach the pty");
    }

    /// Types a line and waits for `shows`, then for the prompt to come back.
    fn enter(&mut self, line: &str, shows: &str) {
        self.send(&format!("{line}\r"));
        self.wait(shows);
        self.wait(PROMPT);
    }

    /// Ctrl-D: the playground closes its lab and exits 0.
    fn quit(mut self) -> String {
        self.send(CTRL_D);
        match self.session.expect(Eof) {
            Ok(found) => self
                .transcript
                .push_str(&String::from_utf8_lossy(found.as_bytes())),
            Err(error) => panic!("Ctrl-D did not end the playground: {error}"),
        }
        let status = self
            .session
            .get_process_mut()
            .wait()
            .expect("the exit status");
        assert_eq!(
            format!("{status:?}"),
            format!(
                "{:?}",
                expectrl::WaitStatus::Exited(self.session.get_process().pid(), 0)
            )
        );
        plain(&self.transcript)
    }
}

/// The screen's text without terminal control sequences, one line per line.
fn plain(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                // CSI: parameters, then one final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL.
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => out.push('\n'),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// The lines that say who received what: the statement (`> ...`) and one line per socket.
fn delivery_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("> ") || line.starts_with('✓') || line.starts_with('✗'))
        .map(String::from)
        .collect()
}

fn temp_home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sio-tutor-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[test]
fn a_learner_session_in_a_terminal_replays_from_its_saved_file() {
    let home = temp_home("repl");
    let mut screen = Screen::open(&home, &[]);

    // Tab completes the language: `socket.bro` + Tab, `em` + Tab.
    screen.send("alice: socket.bro\t");
    screen.wait("socket.broadcast.");
    screen.send("em\t");
    screen.wait("broadcast.emit(");
    screen.enter("'hi')", "✓ carol");

    screen.enter("alice: socket.join('room1')", "alice joined room1");
    screen.enter(
        "bob: socket.join(['room1', 'room2'])",
        "bob joined room1, room2",
    );

    // ... and the rooms that exist in the lab.
    screen.send("io.to('ro\t");
    screen.wait("io.to('room");
    screen.send("\t"); // a second Tab lists both rooms
    screen.wait("room2'");
    screen.wait("io.to('room");
    screen.send("1\t");
    screen.wait("room1'");
    screen.enter(").emit('news', 1)", "✗ carol");

    // A typo: the caret and the hint, then the prompt again.
    screen.enter(
        "alice: socket.broadcast().emit('hi')",
        "hint: did you mean socket.broadcast.emit(...)?",
    );

    // Up twice recalls io.to('room1')... (the typo is the latest line).
    screen.send(UP);
    screen.send(UP);
    screen.enter("", "\n> io.to('room1').emit('news', 1)");

    // Ctrl-C drops the line being typed; nothing runs.
    screen.send("io.emit('never')");
    screen.wait("never')");
    screen.send(CTRL_C);
    screen.wait(PROMPT);

    // explain says who would receive it and why, and sends nothing.
    screen.enter(
        "explain alice: socket.to('room1').emit('x')",
        "would not receive:",
    );
    screen.enter("who", "no rooms but its own");
    screen.enter("save session.txt", "saved session.txt");
    let shown = screen.quit();

    // What the learner saw.
    assert!(
        shown.contains("alice: socket.broadcast().emit('hi')\n"),
        "{shown}"
    );
    let caret = format!("    {}^", " ".repeat("alice: socket.broadcast".len()));
    assert!(
        shown.lines().any(|line| line == caret),
        "the caret is under the `(`:\n{shown}"
    );
    // Compared with spacing collapsed: explain's lines wrap to the terminal's width.
    let words = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("the sender is left out even when it is in r"),
        "{shown}"
    );
    assert!(
        shown
            .lines()
            .any(|line| line.trim() == "would receive:     bob"),
        "explain: bob would receive it\n{shown}"
    );
    assert!(!shown.contains("received 'never'"), "Ctrl-C ran the line");
    assert!(!shown.contains("received 'x'"), "explain ran the statement");
    assert!(
        shown.contains("alice  /  room1\n") && shown.contains("bob    /  room1, room2\n"),
        "who lists the rooms:\n{shown}"
    );

    // The saved session replays, with the scripted play, to the same deliveries.
    let saved = std::fs::read_to_string(home.join("session.txt")).expect("session.txt");
    assert!(saved.starts_with("# sio-tutor play session"), "{saved}");
    assert!(saved.contains("\nconnect alice bob carol\n"), "{saved}");
    assert!(
        !saved.contains("broadcast()"),
        "a failed line is not saved:\n{saved}"
    );
    assert!(
        !saved.contains("explain"),
        "explain is not a script command:\n{saved}"
    );
    let replay = Command::new(env!("CARGO_BIN_EXE_sio-tutor"))
        .args(["play", "session.txt"])
        .current_dir(&home)
        .env("NO_COLOR", "1")
        .output()
        .expect("the replay runs");
    assert!(replay.status.success(), "the replay failed: {replay:?}");
    let replayed = String::from_utf8_lossy(&replay.stdout);
    let in_repl = delivery_lines(&shown);
    assert_eq!(
        in_repl.len(),
        14,
        "deliveries in the REPL:\n{}",
        in_repl.join("\n")
    );
    assert_eq!(delivery_lines(&replayed), in_repl);

    // History is kept between sessions: the explain line is three lines up in a new one.
    let mut screen = Screen::open(&home, &[]);
    screen.send(UP);
    screen.send(UP);
    screen.send(UP);
    screen.enter("", "would not receive:");
    let shown = screen.quit();
    assert!(
        shown
            .lines()
            .any(|line| line.trim() == "would receive:     nobody"),
        "in a fresh scene nobody is in room1:\n{shown}"
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn an_empty_playground_has_no_sockets() {
    let home = temp_home("repl-empty");
    let mut screen = Screen::open(&home, &["--empty"]);
    screen.enter("who", "no sockets");
    screen.enter("io.emit('hi')", "no sockets are connected");
    screen.enter("connect dave to /tenant-a", "a user connected");
    screen.send("disconnect d\t");
    screen.wait("dave");
    screen.enter("", "user disconnected");
    screen.quit();
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn a_playground_can_start_where_a_lesson_ends() {
    let home = temp_home("repl-lesson");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(["play", "--lesson", "rooms"])
        .current_dir(&home)
        .env("SIO_TUTOR_HOME", &home)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut screen = Screen {
        session: Session::spawn(command).expect("the binary starts in a pty"),
        transcript: String::new(),
    };
    screen
        .session
        .set_expect_timeout(Some(Duration::from_secs(60)));
    screen.wait("as lesson 3 (Rooms) left it");
    screen.wait(PROMPT);
    screen.enter("who", "dave");
    let shown = screen.quit();
    // Lesson 3 ends with bob out of football, dave in it (its write steps' answers ran), and
    // carol disconnected.
    for line in [
        "alice  /  football",
        "bob    /  music",
        "dave   /  football",
    ] {
        assert!(shown.lines().any(|l| l.trim() == line), "{line}:\n{shown}");
    }
    assert!(!shown.contains("carol  /"), "{shown}");
    let _ = std::fs::remove_dir_all(&home);
}
