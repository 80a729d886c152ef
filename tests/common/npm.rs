//! The npm packages of `tests/node` (the official socket.io server and client, playwright-core),
//! installed from its lockfile on first use, so that `cargo test` on a fresh machine needs only
//! Node and npm besides the Rust toolchain.
//!
//! A test file that needs them includes this file (`#[path = "common/npm.rs"] mod npm;`) and
//! calls [`installed`] first. Tests run in parallel threads, and cargo may run other test binaries
//! at the same time: they take turns on a file lock, so exactly one runs `npm ci` and the others
//! wait for it, then find the packages in place.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What `tests/node/package.json` lists; all three must be there.
const PACKAGES: [&str; 3] = ["socket.io", "socket.io-client", "playwright-core"];

/// `tests/node`, with its npm packages installed. Panics with what to install when Node or npm
/// is missing or `npm ci` fails: a test that needs them never passes silently.
pub fn installed() -> PathBuf {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    if let Err(problem) = DONE.get_or_init(|| install(&dir)) {
        panic!("{problem}");
    }
    dir
}

/// npm writes `node_modules/.package-lock.json` at the end of an install, so an install that was
/// interrupted does not count as done.
fn complete(dir: &Path) -> bool {
    let modules = dir.join("node_modules");
    modules.join(".package-lock.json").is_file()
        && PACKAGES
            .iter()
            .all(|package| modules.join(package).join("package.json").is_file())
}

fn install(dir: &Path) -> Result<(), String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        return Err(
            "these tests need Node.js 20 and npm (Debian: apt-get install -y nodejs npm)".into(),
        );
    }
    let lock_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-ci.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    // Held until this function returns (the file is closed then, which releases it).
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if complete(dir) {
        return Ok(());
    }
    eprintln!("installing the npm packages of tests/node (npm ci), once");
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm ({e}): install Node.js 20 and npm"))?;
    if !out.status.success() || !complete(dir) {
        return Err(format!(
            "`npm ci` in tests/node failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}
