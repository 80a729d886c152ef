//! Whether a test that needs `redis-server` can run here.
//!
//! The scaling lesson and the Redis tests need `redis-server` 7 on PATH. On a machine without it
//! (a fresh clone with only the Rust toolchain, Node and npm), those tests say loudly that they
//! are skipped and pass; with `CI` set, a missing `redis-server` is a failure instead, so CI
//! never skips them (`.ci/run` installs it). Include with
//! `#[path = "common/redis.rs"] mod redis_here;`.

/// True when `redis-server` 7 is on PATH. Otherwise: a failure under CI, a loud skip elsewhere.
pub fn available(test: &str) -> bool {
    match sio_tutor::lab::redis::check_installed() {
        Ok(()) => true,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("{test}: CI must run this test, and {why}")
        }
        Err(why) => {
            // Straight to the process's stderr: libtest captures `eprintln!` of a passing test,
            // and a skip must be seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: {why} ***\n*** (install redis-server and rerun; CI runs it) ***\n"
            );
            false
        }
    }
}
