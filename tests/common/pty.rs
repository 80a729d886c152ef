//! The tutor in a pseudo-terminal, for the tests that drive it as a learner would: a data folder
//! of its own, the binary spawned on a terminal, and waiting for text to appear on the screen.
//! The expect timeouts bound a failure; they never decide a delivery.
//!
//! A test file includes it with `#[path = "common/pty.rs"] mod pty;`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use expectrl::Session;

/// An empty data folder (`SIO_TUTOR_HOME`) for one test, named after it and this process.
pub fn fresh_home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sio-tutor-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `sio-tutor ARGS` on a terminal, from the project's folder, with `home` as its data folder;
/// `colour` says whether `NO_COLOR` is set.
pub fn tutor(home: &Path, args: &[&str], colour: bool) -> Session {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sio-tutor"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SIO_TUTOR_HOME", home)
        .env("TERM", "xterm-256color")
        .env_remove("CI");
    if colour {
        command.env_remove("NO_COLOR");
    } else {
        command.env("NO_COLOR", "1");
    }
    let mut session = Session::spawn(command).expect("spawn sio-tutor in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    session
}

/// Waits for `text` on the screen; fails with what the screen showed last.
pub fn expect(session: &mut Session, text: &str) {
    if let Err(error) = session.expect(text) {
        let mut rest = vec![0u8; 65536];
        let n = session.try_read(&mut rest).unwrap_or(0);
        panic!(
            "the screen never showed {text:?}: {error}; the screen's last output: {:?}",
            String::from_utf8_lossy(&rest[..n])
        );
    }
}
