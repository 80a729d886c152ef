//! Fuzzing, bounded so that it runs in `cargo test` (CI) on a stable toolchain: random and
//! mutated input for the lexer and parser (every line a learner or a lesson can type) and for
//! the lesson loader (whole files, mutated from the built-in lessons). The property is the
//! same everywhere: an answer (a value or an error with a column that is on the line), never a
//! panic, a stack overflow or a hang.
//!
//! Each property runs a fixed number of cases (see `CASES`); proptest prints the failing input,
//! shrunk, and the seed to replay it. More cases: `PROPTEST_CASES=100000 cargo test --release
//! --test fuzz`.
//!
//! Run: `cargo test --test fuzz`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use sio_tutor::lesson::{Source, load_all};
use sio_tutor::script::{parse_command, parse_statement};

/// Cases per property in `cargo test`: a few seconds in all on a debug build.
const CASES: u32 = 2_000;

/// Pieces of the statement language and its near misses: keywords, punctuation, strings with
/// every kind of escape (good and bad), numbers at the edges of a double, namespace paths,
/// multi-byte and control characters.
const PIECES: &[&str] = &[
    "io",
    "socket",
    "alice",
    "bob",
    ".",
    "emit",
    "broadcast",
    "to",
    "in",
    "except",
    "of",
    "join",
    "leave",
    "disconnect",
    "id",
    "msg",
    "connect",
    "on",
    "rooms",
    "all",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    " ",
    "  ",
    "\t",
    "'x'",
    "\"y\"",
    "'",
    "\"",
    "\\",
    "'\\u0041'",
    "'\\u{1F600}'",
    "'\\u{110000}'",
    "'\\uD800'",
    "'\\uD83D\\uDE00'",
    "'\\x4'",
    "'\\x41'",
    "'\\0'",
    "'\\01'",
    "'\\8'",
    "'\\\n'",
    "'é→'",
    "0",
    "-0",
    "1.5",
    "1e400",
    "-1e400",
    "9007199254740993",
    "18446744073709551616",
    "1e",
    "1.",
    "-",
    "/tenant-a",
    "/",
    "//",
    "#",
    "true",
    "null",
    "undefined",
    "é",
    "→",
    "\u{0}",
    "\u{1b}[31m",
    "\r",
    "\u{2028}",
    "😀",
];

fn line_of_pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

/// Any parse result is fine; a panic is not, and an error's column must be on the line (or
/// just after it), since the caret is drawn there.
fn check_line(line: &str) -> Result<(), TestCaseError> {
    let width = line.chars().count() + 1;
    for result in [
        parse_command(line).map(|_| ()),
        parse_statement(line, true).map(|_| ()),
        parse_statement(line, false).map(|_| ()),
    ] {
        if let Err(error) = result {
            prop_assert!(
                (1..=width).contains(&error.column),
                "column {} is off the line {line:?} ({error})",
                error.column
            );
            let _ = error.draw(line, "  ");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_answers_any_line_of_pieces(line in line_of_pieces()) {
        check_line(&line)?;
    }

    #[test]
    fn the_parser_answers_any_text(line in "\\PC{0,80}") {
        check_line(&line)?;
    }

    /// A valid statement with one piece inserted or one character deleted.
    #[test]
    fn the_parser_answers_mutated_statements(
        base in prop::sample::select(&[
            "alice: socket.broadcast.to(['r1', bob.id]).except(socket.id).emit('e', {k: [1, 'x']}, 2)",
            "on /tenant-a 'chat message': io.of('/tenant-a').to('r').emit('chat message', msg)",
            "io.emit('x', 'a\\u0041 b\\r c\\x41 d\\0 \\u{1F600}', 9007199254740993, -0, 1e21)",
            "alice.emit('chat message', [[[]]], {a: {b: null}})",
        ][..]),
        at in 0usize..120,
        piece in prop::sample::select(PIECES),
        delete in any::<bool>(),
    ) {
        let mut chars: Vec<char> = base.chars().collect();
        let at = at.min(chars.len());
        if delete && at < chars.len() {
            chars.remove(at);
        } else {
            for (offset, c) in piece.chars().enumerate() {
                chars.insert(at + offset, c);
            }
        }
        check_line(&chars.into_iter().collect::<String>())?;
    }

}

proptest! {
    // Lines of up to 20,000 brackets: fewer cases.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Deep nesting is refused with an error, never a stack overflow.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash(depth in 0usize..20_000, open in "[\\[{]") {
        let opener = if open == "[" { "[" } else { "{a:" };
        let line = format!("io.emit('deep', {})", opener.repeat(depth));
        check_line(&line)?;
    }
}

// ---- the lesson loader -----------------------------------------------------------------------

/// The built-in lessons' text, to mutate.
fn built_in_lessons() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the lessons folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a lesson"))
        .collect()
}

static FOLDERS: AtomicUsize = AtomicUsize::new(0);

/// Loads `files` (name, bytes) from a fresh folder; the errors must name a line and column
/// that exist in the file.
fn check_folder(files: &[(String, Vec<u8>)]) -> Result<(), TestCaseError> {
    let dir = std::env::temp_dir().join(format!(
        "sio-tutor-fuzz-{}-{}",
        std::process::id(),
        FOLDERS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("a lesson file");
    }
    let outcome = load_all(Source::Folder(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(errors) = outcome {
        for error in errors {
            let name = std::path::Path::new(&error.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let Some((_, bytes)) = files.iter().find(|(n, _)| Some(n) == name.as_ref()) else {
                continue;
            };
            let text = String::from_utf8_lossy(bytes);
            let lines: Vec<&str> = text.split('\n').collect();
            prop_assert!(
                (1..=lines.len()).contains(&error.line),
                "line {} is not in the file: {error}",
                error.line
            );
            let width = lines[error.line - 1].chars().count() + 1;
            prop_assert!(
                (1..=width).contains(&error.column),
                "column {} is not on line {}: {error}",
                error.column,
                error.line
            );
        }
    }
    Ok(())
}

proptest! {
    // Each case writes and reads a folder: fewer cases than the parser's.
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    /// A built-in lesson with a few bytes replaced, inserted or deleted (invalid UTF-8, broken
    /// TOML, broken statements, odd escapes); a second, valid lesson beside it.
    #[test]
    fn the_loader_answers_mutated_lessons(
        which in 0usize..16,
        edits in prop::collection::vec((0usize..100_000, 0u8..4, any::<u8>(), prop::sample::select(PIECES)), 1..6),
    ) {
        let lessons = built_in_lessons();
        let mut bytes = lessons[which % lessons.len()].clone().into_bytes();
        for (at, kind, byte, piece) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => { bytes.remove(at); }
                1 if at < bytes.len() => bytes[at] = byte,
                2 => { bytes.splice(at..at, piece.bytes()); }
                _ => bytes.insert(at, byte),
            }
        }
        let other = lessons[(which + 1) % lessons.len()].clone().into_bytes();
        check_folder(&[("01-mutated.toml".to_string(), bytes), ("02-other.toml".to_string(), other)])?;
    }

    /// `run` and `lab` strings holding any pieces, in every kind of TOML string.
    #[test]
    fn the_loader_answers_any_statement_in_any_toml_string(
        statement in line_of_pieces(),
        quote in 0usize..4,
    ) {
        let body = match quote {
            0 => format!("\"{}\"", statement.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")),
            1 => format!("'{}'", statement.replace(['\'', '\n'], "")),
            2 => format!("'''{}'''", statement.replace('\'', "")),
            _ => format!("\"\"\"\n{}\"\"\"", statement.replace('\\', "\\\\").replace('"', "\\\"")),
        };
        let text = format!("id = \"f\"\ntitle = \"T\"\nsummary = \"S\"\n\n[[steps]]\nlab = [\"connect alice bob\"]\n\n[[steps]]\nrun = {body}\n");
        check_folder(&[("01-f.toml".to_string(), text.into_bytes())])?;
    }
}

// ---- the live lab ----------------------------------------------------------------------------

/// Random lines of pieces, and mutations of valid lines, through one live lab, as `play` runs
/// them: each line gets reports or an error, and none panics or hangs (each is bounded by a
/// timeout that only a hang would reach). Deterministic: a fixed seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_answers_any_line() {
    use sio_tutor::lab::{Lab, LabOptions};

    const LINES: usize = 1_500;
    const VALID: &[&str] = &[
        "connect alice bob carol",
        "connect dave to /tenant-a",
        "alice: socket.join(['r1', bob.id])",
        "bob: socket.leave(socket.id)",
        "alice: socket.broadcast.to('r1').except(carol.id).emit('e', [1], {k: 'v'})",
        "io.of('/tenant-a').to('r1').emit('e', 1e21, -0)",
        "on 'h': socket.to('r1').emit('e', msg)",
        "on 'bye': socket.disconnect()",
        "alice.emit('h', {a: [null]})",
        "bob.emit('bye')",
        "carol: socket.disconnect()",
        "disconnect alice",
        "rooms all",
    ];
    let mut lab = Lab::start(LabOptions {
        namespaces: Vec::new(),
        serve_on_connect: true,
        network: false,
    })
    .await
    .expect("the lab starts");
    // SplitMix64, as in tests/differential.rs.
    let mut state: u64 = 0x00F0_0D10;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as usize
    };
    for _ in 0..LINES {
        let line = match next() % 3 {
            0 => (0..next() % 12)
                .map(|_| PIECES[next() % PIECES.len()])
                .collect::<String>(),
            1 => {
                let mut chars: Vec<char> = VALID[next() % VALID.len()].chars().collect();
                let at = next() % (chars.len() + 1);
                for (offset, c) in PIECES[next() % PIECES.len()].chars().enumerate() {
                    chars.insert(at + offset, c);
                }
                chars.into_iter().collect()
            }
            _ => VALID[next() % VALID.len()].to_string(),
        };
        let Ok(Some(command)) = parse_command(&line) else {
            continue;
        };
        let started = std::time::Instant::now();
        let outcome =
            tokio::time::timeout(std::time::Duration::from_secs(30), lab.execute(&command)).await;
        assert!(outcome.is_ok(), "the lab hung on {line:?}");
        // A line waits for acks, never for a timeout: anything near the lab's round-trip limit
        // is a lost event (it found client event names socketioxide cannot read).
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{line:?} took {:?}: {outcome:?}",
            started.elapsed()
        );
    }
    lab.shutdown().await;
}
