//! The lesson loader never hangs, panics or hides an error (issue 10, item 10): a FIFO among
//! the lesson files, a file that is not UTF-8, a duplicate id, and columns inside TOML strings
//! with escapes, `'''` quotes and multi-byte characters. Each test writes a small folder of
//! lesson files and checks the exact errors `load_all` reports.
//!
//! Run: `cargo test --test lesson_files`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use sio_tutor::lesson::{LessonError, Source, load_all};

/// A fresh, empty folder for one test.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sio-tutor-lesson-files-{test}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// A valid lesson whose last step runs `run` (as written in the TOML file, quotes included).
fn lesson(id: &str, run: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"T\"\nsummary = \"S\"\n\n[[steps]]\nlab = [\"connect alice\"]\n\n[[steps]]\nrun = {run}\n"
    )
}

/// Loads a folder on another thread, so that a hang fails the test instead of stalling it.
fn load(dir: &Path) -> Vec<String> {
    let (done, result) = mpsc::channel();
    let path = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = done.send(load_all(Source::Folder(&path)));
    });
    let outcome = result
        .recv_timeout(Duration::from_secs(20))
        .expect("loading the lessons finished (it did not hang)");
    let _ = std::fs::remove_dir_all(dir);
    match outcome {
        Ok(lessons) => lessons.iter().map(|l| format!("ok {}", l.id)).collect(),
        Err(errors) => errors.iter().map(describe).collect(),
    }
}

fn describe(error: &LessonError) -> String {
    let file = Path::new(&error.file)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    format!("{file}:{}:{}: {}", error.line, error.column, error.message)
}

/// The 1-based column (in characters) of `marker` in line 9 of `text`, where `run` is.
fn column_of(text: &str, marker: char) -> usize {
    let line = text.lines().nth(8).expect("line 9");
    line.chars().position(|c| c == marker).expect("the marker") + 1
}

#[test]
fn a_fifo_is_skipped_with_an_error_and_never_read() {
    let dir = folder("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("01-x.toml"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    std::fs::write(dir.join("02-y.toml"), lesson("y", "\"io.emit('x')\"")).unwrap();
    assert_eq!(
        load(&dir),
        [
            "01-x.toml:1:1: this is not a regular file (a pipe, a folder or a device?), so it was skipped"
        ]
    );
}

#[test]
fn a_file_that_is_not_utf8_does_not_hide_the_other_files_errors() {
    let dir = folder("utf8");
    let mut bytes = lesson("a", "\"io.emit('x')\"").into_bytes();
    // Line 3, after `summary = "`: column 12.
    let at = bytes.windows(9).position(|w| w == b"summary =").unwrap() + 11;
    bytes.insert(at, 0xff);
    std::fs::write(dir.join("01-a.toml"), bytes).unwrap();
    std::fs::write(dir.join("02-b.toml"), lesson("b", "\"io.emit('x') @\"")).unwrap();
    assert_eq!(
        load(&dir),
        [
            "01-a.toml:3:12: this file is not valid UTF-8 text: save it as UTF-8",
            "02-b.toml:9:21: unexpected character `@`",
        ]
    );
}

#[test]
fn a_duplicate_id_names_both_files() {
    let dir = folder("duplicate");
    std::fs::write(dir.join("01-a.toml"), lesson("same", "\"io.emit('x')\"")).unwrap();
    std::fs::write(dir.join("02-b.toml"), lesson("same", "\"io.emit('y')\"")).unwrap();
    let errors = load(&dir);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("02-b.toml:1:1: the id \"same\" is also the id of "));
    assert!(errors[0].contains("01-a.toml"), "{errors:?}");
}

/// Columns point at the mistake inside the string, whatever its quotes and escapes; a
/// multi-byte character after an escape does not panic (it did: a byte index inside `é`).
#[test]
fn columns_are_right_inside_escaped_and_triple_quoted_strings() {
    let cases = [
        // An escape in a basic string is two characters of source, one of the value.
        ("tab", r#""io.emit(\"\t\") @""#, '@'),
        ("unicode", r#""io.emit('\u00e9') @""#, '@'),
        ("literal", "'''io.emit('x') @'''", '@'),
        ("multibyte", r#""alice: socket.emit('\t') é→""#, '→'),
        ("basic-triple", r#""""io.emit("\t") @""""#, '@'),
    ];
    for (name, run, marker) in cases {
        let dir = folder(name);
        let text = lesson("c", run);
        std::fs::write(dir.join("01-c.toml"), &text).unwrap();
        let errors = load(&dir);
        let column = column_of(&text, marker);
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(
            errors[0].starts_with(&format!("01-c.toml:9:{column}: ")),
            "{name}: expected column {column}: {errors:?}"
        );
    }
}

/// A `"""` string that starts on the next line, with a line-ending backslash.
#[test]
fn columns_are_right_in_multi_line_strings() {
    let dir = folder("multiline");
    let text = lesson("m", "\"\"\"\nio.emit('x', \\\n   1) @\"\"\"");
    std::fs::write(dir.join("01-m.toml"), &text).unwrap();
    let errors = load(&dir);
    assert_eq!(
        errors,
        ["01-m.toml:11:7: unexpected character `@`"],
        "{text}"
    );
}
