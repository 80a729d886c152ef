//! Loading lessons from TOML and validating them before anything runs.
//!
//! The built-in lessons are embedded in the binary (so it works from any folder); `--lessons DIR`
//! reads another folder. Loading checks the file's shape and parses every statement, without a
//! network; whether the statements run (a socket used before it is connected, a namespace that
//! is not served) is checked by running the lesson on a real lab, in [`super::check()`]. Every
//! error names the file, line and column and says what was expected.

use crate::lab::Scale;
use std::ops::Range;
use std::path::Path;

use include_dir::{Dir, include_dir};
use serde::Deserialize;
use toml::Spanned;

use super::model::{Choice, Lesson, Line, Quiz, QuizKind, RunStep, Step};
use crate::script::{Command, parse_command};

static BUILT_IN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/lessons");

/// One problem in one lesson file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct LessonError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The line of the file the error is on, when there is one, to draw it under.
    pub snippet: Option<String>,
}

/// Where lessons come from.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    BuiltIn,
    Folder(&'a Path),
}

/// Loads every lesson, in file-name order. Returns every error found, not just the first, so a
/// teacher can fix a file in one go.
pub fn load_all(source: Source<'_>) -> Result<Vec<Lesson>, Vec<LessonError>> {
    let (lessons, errors) = load_each(source);
    if errors.is_empty() {
        Ok(lessons)
    } else {
        Err(errors)
    }
}

/// Loads every lesson that loads, and the errors of those that do not (a lesson check runs the
/// good ones too, to report everything at once).
pub fn load_each(source: Source<'_>) -> (Vec<Lesson>, Vec<LessonError>) {
    // A file that cannot be read is an error of its own; the other files are still checked.
    let (files, mut errors) = match read_files(&source) {
        Ok(read) => read,
        Err(error) => return (Vec::new(), vec![error]),
    };
    let mut lessons = Vec::new();
    for (index, (name, text)) in files.iter().enumerate() {
        match load_one(name, text, index + 1) {
            Ok(lesson) => lessons.push(lesson),
            Err(mut found) => errors.append(&mut found),
        }
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    for lesson in &lessons {
        match seen.iter().find(|(id, _)| *id == lesson.id) {
            Some((_, first)) => errors.push(LessonError {
                file: lesson.file.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "the id \"{}\" is also the id of {first}: every lesson needs its own",
                    lesson.id
                ),
                snippet: None,
            }),
            None => seen.push((lesson.id.clone(), lesson.file.clone())),
        }
    }
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    if lessons.is_empty() && errors.is_empty() {
        errors.push(LessonError {
            file: source_name(&source),
            line: 1,
            column: 1,
            message: "no lesson files (*.toml) found".to_string(),
            snippet: None,
        });
    }
    (lessons, errors)
}

fn source_name(source: &Source<'_>) -> String {
    match source {
        Source::BuiltIn => "lessons".to_string(),
        Source::Folder(path) => path.display().to_string(),
    }
}

/// `(file name, text)` of every readable `*.toml`, sorted by name, and an error for each one
/// that cannot be read (not a regular file, not UTF-8, ...). `Err` when the folder itself
/// cannot be read.
#[allow(clippy::type_complexity)]
fn read_files(
    source: &Source<'_>,
) -> Result<(Vec<(String, String)>, Vec<LessonError>), LessonError> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    match source {
        Source::BuiltIn => {
            for file in BUILT_IN.files() {
                let name = file.path().display().to_string();
                if name.ends_with(".toml") {
                    files.push((name, file.contents_utf8().unwrap_or_default().to_string()));
                }
            }
        }
        Source::Folder(dir) => {
            let unreadable = |e: std::io::Error| LessonError {
                file: dir.display().to_string(),
                line: 1,
                column: 1,
                message: format!("cannot read this folder: {e}"),
                snippet: None,
            };
            for entry in std::fs::read_dir(dir).map_err(unreadable)? {
                let path = entry.map_err(unreadable)?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    match read_file(&path) {
                        Ok(text) => files.push((path.display().to_string(), text)),
                        Err(error) => errors.push(error),
                    }
                }
            }
        }
    }
    files.sort();
    Ok((files, errors))
}

/// Reads one lesson file. Only a regular file is opened: opening a FIFO named `01-x.toml`
/// would wait for a writer forever, and a device could be endless. Text that is not UTF-8 is
/// reported at the line and column of its first bad byte.
fn read_file(path: &Path) -> Result<String, LessonError> {
    let error = |line: usize, column: usize, message: String| LessonError {
        file: path.display().to_string(),
        line,
        column,
        message,
        snippet: None,
    };
    // `metadata` follows symlinks, so a link to a lesson file is read like the file.
    let metadata =
        std::fs::metadata(path).map_err(|e| error(1, 1, format!("cannot read this file: {e}")))?;
    if !metadata.is_file() {
        return Err(error(
            1,
            1,
            "this is not a regular file (a pipe, a folder or a device?), so it was skipped"
                .to_string(),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| error(1, 1, format!("cannot read this file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is UTF-8 by definition.
        let before = String::from_utf8_lossy(valid);
        let (line, column) = line_column(&before, before.len());
        error(
            line,
            column,
            "this file is not valid UTF-8 text: save it as UTF-8".to_string(),
        )
    })
}

// ---- the file format, as written ------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: Spanned<String>,
    title: String,
    summary: String,
    #[serde(default)]
    namespaces: Vec<Spanned<String>>,
    /// 1 (the default) or 2: servers A and B.
    servers: Option<Spanned<i64>>,
    /// With two servers: "redis" (they share the socketioxide-redis adapter) or "none".
    adapter: Option<Spanned<String>>,
    #[serde(default)]
    network: bool,
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    page: Option<String>,
    lab: Option<Vec<Spanned<String>>>,
    run: Option<Spanned<String>>,
    rooms: Option<Spanned<toml::Value>>,
    quiz: Option<Spanned<String>>,
    notice: Option<String>,
    predict: Option<bool>,
    why: Option<String>,
    question: Option<String>,
    hint: Option<String>,
    options: Option<Vec<RawChoice>>,
    accept: Option<Vec<String>>,
    /// A write quiz's reference answer: one playground line.
    answer: Option<Spanned<String>>,
    explanation: Option<String>,
    reflection: Option<bool>,
    /// A reflection's lesson id whose journal answers are shown back.
    recall: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    text: String,
    #[serde(default)]
    correct: bool,
    why: Option<String>,
}

// ---- validation -----------------------------------------------------------------------------

/// Collects errors for one file, turning byte offsets into lines and columns.
struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<LessonError>,
}

impl Checker<'_> {
    fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_column(self.text, offset);
        self.errors.push(LessonError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
            snippet: self.text.lines().nth(line - 1).map(String::from),
        });
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.error_at(span.start, message);
    }

    /// Parses a playground line held in a TOML string at `span`. An error's column points into
    /// the string itself (just after its opening quote).
    fn line(&mut self, text: &str, span: Range<usize>) -> Option<Line> {
        match parse_command(text) {
            Ok(Some(command)) => Some(Line {
                text: text.to_string(),
                command,
                position: line_column(self.text, span.start),
            }),
            Ok(None) => {
                self.error(
                    span,
                    "expected a playground command here, found an empty line",
                );
                None
            }
            Err(error) => {
                let offset = source_offset(self.text, span, error.column.saturating_sub(1));
                let mut message = error.message.clone();
                if let Some(hint) = &error.hint {
                    message.push_str(&format!(" (hint: {hint})"));
                }
                self.error_at(offset, message);
                None
            }
        }
    }
}

/// Where, in the file, the character number `index` (0-based) of a TOML string's value is. The
/// value and its source differ: the source has quotes (`"`, `'`, `"""` or `'''`), escapes (`\t`
/// is one character of the value, `\u00e9` one), a line-ending backslash that stands for
/// nothing, and a newline right after `"""` that is not part of the value. Past the end, the
/// closing quote.
fn source_offset(text: &str, span: Range<usize>, index: usize) -> usize {
    let Some(source) = text.get(span.clone()) else {
        return span.start;
    };
    let (quote, basic) = if source.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if source.starts_with("\'\'\'") {
        ("\'\'\'", false)
    } else if source.starts_with('"') {
        ("\"", true)
    } else if source.starts_with('\'') {
        ("\'", false)
    } else {
        return span.start;
    };
    let body_end = source.len().saturating_sub(quote.len()).max(quote.len());
    let Some(body) = source.get(..body_end) else {
        return span.start;
    };
    let mut chars = body.char_indices().skip(quote.len()).peekable();
    if quote.len() == 3 {
        // A newline right after the opening quotes is trimmed.
        if chars.peek().is_some_and(|(_, c)| *c == '\r') {
            chars.next();
        }
        if chars.peek().is_some_and(|(_, c)| *c == '\n') {
            chars.next();
        }
    }
    let mut seen = 0;
    while let Some((at, c)) = chars.next() {
        if basic && c == '\\' {
            let Some((_, escaped)) = chars.next() else {
                break;
            };
            let extra = match escaped {
                'u' => 4,
                'U' => 8,
                'x' => 2,
                c if c.is_whitespace() => {
                    // A line-ending backslash: it and all whitespace after it stand for nothing.
                    while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                    continue;
                }
                _ => 0,
            };
            for _ in 0..extra {
                chars.next();
            }
        }
        if seen == index {
            return span.start + at;
        }
        seen += 1;
    }
    span.start + body_end
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    // Never cut a character in two, whatever offset a caller computed.
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

fn load_one(file: &str, text: &str, number: usize) -> Result<Lesson, Vec<LessonError>> {
    let mut checker = Checker {
        file,
        text,
        errors: Vec::new(),
    };
    let raw: RawLesson = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let offset = error.span().map(|s| s.start).unwrap_or(0);
            checker.error_at(offset, error.message().trim().to_string());
            return Err(checker.errors);
        }
    };

    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        checker.error(
            raw.id.span(),
            "expected an id of lowercase letters, digits and dashes, such as \"basic-chat\"",
        );
    }
    let mut namespaces = Vec::new();
    for namespace in &raw.namespaces {
        if !namespace.get_ref().starts_with('/') || namespace.get_ref() == "/" {
            checker.error(
                namespace.span(),
                "expected a namespace other than \"/\", starting with /, such as \"/tenant-a\"",
            );
        }
        namespaces.push(namespace.get_ref().clone());
    }

    let scale = match (&raw.servers, &raw.adapter) {
        (None, None) => Scale::One,
        (Some(servers), adapter) if *servers.get_ref() == 2 => {
            match adapter.as_ref().map(|a| a.get_ref().as_str()) {
                Some("redis") => Scale::TwoWithRedis { url: None },
                None | Some("none") => Scale::TwoAlone,
                Some(_) => {
                    let span = adapter.as_ref().map(|a| a.span()).unwrap_or(servers.span());
                    checker.error(span, "expected \"redis\" or \"none\"");
                    Scale::TwoAlone
                }
            }
        }
        (Some(servers), None) if *servers.get_ref() == 1 => Scale::One,
        (Some(servers), _) if ![1, 2].contains(servers.get_ref()) => {
            checker.error(servers.span(), "expected 1 or 2 servers");
            Scale::One
        }
        (_, Some(adapter)) => {
            checker.error(
                adapter.span(),
                "an adapter joins two servers: add `servers = 2`",
            );
            Scale::One
        }
        (Some(_), None) => Scale::One,
    };

    let mut steps = Vec::new();
    for raw_step in raw.steps {
        let span = raw_step.span();
        if let Some(step) = step(&mut checker, raw_step.into_inner(), span) {
            steps.push(step);
        }
    }
    if checker.errors.is_empty() {
        Ok(Lesson {
            file: file.to_string(),
            text: text.to_string(),
            number,
            id,
            title: raw.title,
            summary: raw.summary,
            namespaces,
            scale,
            network: raw.network,
            steps,
        })
    } else {
        Err(checker.errors)
    }
}

/// Validates one step and builds it.
fn step(checker: &mut Checker<'_>, raw: RawStep, span: Range<usize>) -> Option<Step> {
    let kinds: Vec<&str> = [
        ("page", raw.page.is_some()),
        ("lab", raw.lab.is_some()),
        ("rooms", raw.rooms.is_some()),
        // A predict quiz carries a `run` too; `quiz` decides the kind when it is there.
        ("run", raw.run.is_some() && raw.quiz.is_none()),
        ("quiz", raw.quiz.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    if kinds.len() != 1 {
        let found = if kinds.is_empty() {
            "none".to_string()
        } else {
            kinds.join(" and ")
        };
        checker.error(
            span,
            format!(
                "expected exactly one of page, lab, run, rooms or quiz in this step, found {found}"
            ),
        );
        return None;
    }
    let kind = kinds[0];
    let misplaced = |name: &str, present: bool, allowed: &[&str]| -> Option<String> {
        (present && !allowed.contains(&kind))
            .then(|| format!("`{name}` does not belong in a {kind} step"))
    };
    let quiz_kind = raw
        .quiz
        .as_ref()
        .map(|q| q.get_ref().as_str())
        .unwrap_or("");
    let checks = [
        misplaced("notice", raw.notice.is_some(), &["run"]),
        misplaced("predict", raw.predict.is_some(), &["run"]),
        misplaced("why", raw.why.is_some(), &["run", "quiz"]),
        misplaced("question", raw.question.is_some(), &["quiz"]),
        misplaced("hint", raw.hint.is_some(), &["quiz"]),
        misplaced("options", raw.options.is_some(), &["quiz"]),
        misplaced("accept", raw.accept.is_some(), &["quiz"]),
        misplaced("answer", raw.answer.is_some(), &["quiz"]),
        misplaced("explanation", raw.explanation.is_some(), &["quiz"]),
        misplaced("reflection", raw.reflection.is_some(), &["quiz"]),
        misplaced("recall", raw.recall.is_some(), &["quiz"]),
    ];
    let mut ok = true;
    for message in checks.into_iter().flatten() {
        checker.error(span.clone(), message);
        ok = false;
    }
    if !ok {
        return None;
    }

    match kind {
        "page" => Some(Step::Page(raw.page.unwrap_or_default())),
        "lab" => {
            let mut lines = Vec::new();
            for text in raw.lab.unwrap_or_default() {
                let line = checker.line(text.get_ref(), text.span())?;
                lines.push(line);
            }
            Some(Step::Lab(lines))
        }
        "rooms" => {
            let value = raw.rooms?;
            let show_own_rooms = match value.get_ref() {
                toml::Value::Boolean(true) => false,
                toml::Value::String(s) if s == "all" => true,
                _ => {
                    checker.error(
                        value.span(),
                        "expected rooms = true, or rooms = \"all\" to show own-id rooms too",
                    );
                    return None;
                }
            };
            Some(Step::Rooms { show_own_rooms })
        }
        "run" => {
            let run = raw.run?;
            let line = checker.line(run.get_ref(), run.span())?;
            let predict_why = match (raw.predict.unwrap_or(false), raw.why) {
                (true, Some(why)) => Some(why),
                (true, None) => {
                    checker.error(span, "a step with predict = true needs a `why`: the reason shown after the prediction");
                    return None;
                }
                (false, _) => None,
            };
            Some(Step::Run(RunStep {
                line,
                notice: raw.notice,
                predict_why,
            }))
        }
        _ => {
            let Some(question) = raw.question else {
                checker.error(span, "a quiz needs a `question`");
                return None;
            };
            let quiz_span = raw.quiz.as_ref().map(|q| q.span()).unwrap_or(span.clone());
            let kind = match quiz_kind {
                "predict" => {
                    let Some(run) = raw.run else {
                        checker.error(quiz_span, "a predict quiz needs `run`: the statement whose recipients the learner predicts");
                        return None;
                    };
                    let line = checker.line(run.get_ref(), run.span())?;
                    let Some(why) = raw.why else {
                        checker.error(quiz_span, "a predict quiz needs a `why`");
                        return None;
                    };
                    QuizKind::Predict { line, why }
                }
                "choice" => {
                    let options: Vec<Choice> = raw
                        .options
                        .unwrap_or_default()
                        .into_iter()
                        .map(|o| Choice {
                            text: o.text,
                            correct: o.correct,
                            why: o.why,
                        })
                        .collect();
                    if options.len() < 2 {
                        checker.error(quiz_span, "a choice quiz needs at least two `options`");
                        return None;
                    }
                    if !options.iter().any(|o| o.correct) {
                        checker.error(
                            quiz_span,
                            "a choice quiz needs at least one option with correct = true",
                        );
                        return None;
                    }
                    if options.iter().any(|o| !o.correct && o.why.is_none()) {
                        checker.error(
                            quiz_span,
                            "every wrong option needs a `why` that explains it",
                        );
                        return None;
                    }
                    QuizKind::Choice { options }
                }
                "text" => {
                    let reflection = raw.reflection.unwrap_or(false);
                    let accept = raw.accept.unwrap_or_default();
                    if accept.is_empty() && !reflection {
                        checker.error(quiz_span, "a text quiz needs `accept`, the answers that count as right (or reflection = true)");
                        return None;
                    }
                    if raw.recall.is_some() && !reflection {
                        checker.error(quiz_span, "`recall` belongs to a reflection question (reflection = true): it shows the learner's earlier answers back");
                        return None;
                    }
                    QuizKind::Text {
                        accept,
                        explanation: raw.explanation,
                        reflection,
                        recall: raw.recall,
                    }
                }
                "write" => {
                    let Some(answer) = raw.answer else {
                        checker.error(quiz_span, "a write quiz needs `answer`: one playground line that does what the question asks, such as \"alice: socket.to('lab').emit('ping')\"");
                        return None;
                    };
                    let line = checker.line(answer.get_ref(), answer.span())?;
                    // The judge compares what a statement does on the server; a lab command
                    // (`connect`, `rooms`, ...) has nothing to compare.
                    if !matches!(
                        line.command,
                        Command::Run { .. }
                            | Command::ClientEmit { .. }
                            | Command::ClientEmitWithAck { .. }
                    ) {
                        checker.error(answer.span(), "a write quiz's `answer` must be a statement the server runs (alice: socket.join('lab'), io.emit('hi')) or a client emit a handler answers (alice.emit('chat message', 'hi'), alice.emitWithAck('question', 'hi'))");
                        return None;
                    }
                    QuizKind::Write {
                        line,
                        explanation: raw.explanation,
                    }
                }
                other => {
                    checker.error(
                        quiz_span,
                        format!(
                            "expected quiz = \"predict\", \"choice\", \"text\" or \"write\", found \"{other}\""
                        ),
                    );
                    return None;
                }
            };
            Some(Step::Quiz(Quiz {
                question,
                hint: raw.hint,
                kind,
            }))
        }
    }
}
