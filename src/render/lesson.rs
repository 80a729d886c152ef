//! Views of a lesson's own items: its title, pages, notices and quizzes (deliveries and room maps
//! are the lab's reports, drawn by `text` and `json`).
//!
//! Pages use a light markup: `code` and *emphasis*. Text is wrapped at word boundaries to the
//! width of standard output as `crate::output` decided it (80 columns in the library's tests, so
//! that the snapshots do not depend on the terminal they run in).

use colored::Colorize;
use serde::Serialize;

use super::View;

/// The width text for a person is wrapped at: standard output's.
pub fn width() -> usize {
    crate::output::width(crate::output::Stream::Stdout)
}

/// One thing a lesson shows that is not a lab report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LessonItem {
    Lesson {
        number: usize,
        id: String,
        title: String,
        summary: String,
    },
    Page {
        text: String,
    },
    /// A lab command, echoed before what it did.
    Command {
        line: String,
    },
    /// What to notice about the live statement just shown.
    Notice {
        text: String,
    },
    /// A quiz question, with its answer (the demo shows both).
    Quiz(QuizView),
    /// Who received a predicted statement, shown after its run (text view).
    Received {
        received: Vec<String>,
        explanation: String,
    },
    /// A write question's reference, shown after a pause in `demo --step` (the class writes its
    /// own line first); without the pause it is part of the quiz item.
    PossibleAnswer {
        answer: String,
        explanation: Option<String>,
    },
    /// The end of a lesson.
    End {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuizView {
    pub quiz: String,
    pub question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionView>,
    /// The accepted answers (text), who received it (predict, from the live lab), or the
    /// reference line (write: one possible answer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reflection: bool,
    /// A predict question whose answer follows its run (a [`LessonItem::Received`]).
    #[serde(skip)]
    pub answer_after_run: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionView {
    pub text: String,
    pub correct: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl View {
    pub fn lesson_item(self, item: &LessonItem) -> String {
        match self {
            View::Json => match serde_json::to_string(item) {
                Ok(line) => format!("{line}\n"),
                Err(e) => format!("{{\"kind\":\"error\",\"line\":0,\"message\":\"{e}\"}}\n"),
            },
            View::Text => super::fit(&text(item)),
        }
    }
}

fn text(item: &LessonItem) -> String {
    match item {
        LessonItem::Lesson {
            number,
            title,
            summary,
            ..
        } => {
            let heading = format!("Lesson {number}: {title}");
            let rule = textwrap::core::display_width(&heading).min(width());
            format!(
                "{}\n{}\n{}\n\n",
                heading.bold(),
                "=".repeat(rule).dimmed(),
                wrap_plain(summary, "", "").italic()
            )
        }
        LessonItem::Page { text } => format!("{}\n", page(text, "")),
        LessonItem::Command { line } => format!("{} {}\n", ">".dimmed(), line.dimmed()),
        LessonItem::Notice { text } => format!("{}\n\n", wrap_styled(text, "  = ", "    ")),
        LessonItem::Quiz(quiz) => quiz_text(quiz),
        LessonItem::Received {
            received,
            explanation,
        } => {
            let who = if received.is_empty() {
                "nobody".to_string()
            } else {
                received.join(", ")
            };
            format!(
                "  {} {who}\n{}\n\n",
                "Received by:".green().bold(),
                wrap_styled(explanation, "  ", "  ")
            )
        }
        LessonItem::PossibleAnswer {
            answer,
            explanation,
        } => {
            let mut out = format!("  {} {answer}\n", "One possible answer:".green().bold());
            if let Some(explanation) = explanation {
                out.push_str(&wrap_styled(explanation, "  ", "  "));
                out.push('\n');
            }
            out.push('\n');
            out
        }
        LessonItem::End { id } => format!("{}\n\n", format!("End of lesson \"{id}\".").dimmed()),
    }
}

fn quiz_text(quiz: &QuizView) -> String {
    let mut out = format!("{} {}\n", "Quiz:".bold().magenta(), quiz.question.bold());
    for (index, option) in quiz.options.iter().enumerate() {
        let letter = (b'a' + index as u8) as char;
        let mark = if option.correct {
            "✓".green().bold().to_string()
        } else {
            "✗".red().to_string()
        };
        out.push_str(&format!(
            "  {mark} {letter}) {}\n",
            style_markup(&option.text)
        ));
        if let Some(why) = &option.why {
            out.push_str(&wrap_styled(why, "       ", "       "));
            out.push('\n');
        }
    }
    if quiz.answer_after_run {
        out.push('\n');
        return out;
    }
    if quiz.reflection {
        out.push_str(&format!(
            "  {}\n",
            "(a reflection question: in `sio-tutor learn`, your answer goes to your journal)"
                .dimmed()
        ));
    } else if quiz.quiz == "write" {
        // The reference is one answer among many: any line with the same outcome is right.
        for answer in &quiz.answer {
            out.push_str(&format!(
                "  {} {}\n",
                "One possible answer:".green().bold(),
                answer
            ));
        }
    } else if !quiz.answer.is_empty() {
        let label = if quiz.quiz == "predict" {
            "Received by:"
        } else {
            "Answer:"
        };
        out.push_str(&format!(
            "  {} {}\n",
            label.green().bold(),
            quiz.answer.join(", ")
        ));
    } else if quiz.quiz == "predict" {
        out.push_str(&format!(
            "  {} {}\n",
            "Received by:".green().bold(),
            "nobody"
        ));
    }
    if let Some(explanation) = &quiz.explanation {
        out.push_str(&wrap_styled(explanation, "  ", "  "));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A page: paragraphs separated by blank lines, each wrapped and styled.
pub fn page(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for paragraph in text.trim().split("\n\n") {
        let joined = paragraph
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
        // A paragraph whose lines are indented (a code sample) keeps its line breaks.
        if joined.lines().any(|l| l.starts_with("  ")) {
            for line in joined.lines() {
                out.push_str(&format!("{indent}{}\n", line.cyan()));
            }
        } else {
            out.push_str(&wrap_styled(&joined.replace('\n', " "), indent, indent));
            out.push('\n');
        }
        out.push('\n');
    }
    out.trim_end_matches('\n').to_string() + "\n"
}

/// Wraps text with no markup at [`width`] (at spaces, in display columns), with `first_indent`
/// before the first line and `indent` before the others. A word longer than the line is kept
/// whole rather than split.
pub fn wrap_plain(text: &str, first_indent: &str, indent: &str) -> String {
    textwrap::wrap(text.trim(), wrap_options(first_indent, indent)).join("\n")
}

fn wrap_options<'a>(first_indent: &'a str, indent: &'a str) -> textwrap::Options<'a> {
    textwrap::Options::new(width())
        .initial_indent(first_indent)
        .subsequent_indent(indent)
        .break_words(false)
        // Break only at spaces: never inside `io('/tenant-a')` or a path.
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// Wraps text at [`width`], then styles the markup, carrying the state of an open `code` or
/// *emphasis* span across line breaks. A code span that fits on a line is never split.
pub fn wrap_styled(text: &str, first_indent: &str, indent: &str) -> String {
    let protected = protect_code_spans(text.trim());
    let lines = textwrap::wrap(&protected, wrap_options(first_indent, indent));
    let mut state = Markup::default();
    lines
        .iter()
        .map(|line| state.style_line(&line.replace(NBSP, " ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Styles one line of markup on its own.
pub fn style_markup(text: &str) -> String {
    Markup::default().style_line(text)
}

#[derive(Default)]
struct Markup {
    in_code: bool,
    in_emphasis: bool,
}

impl Markup {
    fn style_line(&mut self, line: &str) -> String {
        let mut out = String::new();
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String, code: bool, emphasis: bool| {
            if run.is_empty() {
                return;
            }
            let styled = if code {
                run.cyan().to_string()
            } else if emphasis {
                run.italic().bold().to_string()
            } else {
                run.clone()
            };
            out.push_str(&styled);
            run.clear();
        };
        // Code spans keep their backticks, coloured or not: they are the only thing that tells
        // `chat message` the event name apart from the words around it, and colour must never
        // change the text.
        let chars: Vec<char> = line.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c == '`' {
                // The opening backtick belongs to the span, the closing one too.
                if self.in_code {
                    run.push(c);
                    flush(&mut run, &mut out, self.in_code, self.in_emphasis);
                } else {
                    flush(&mut run, &mut out, self.in_code, self.in_emphasis);
                    run.push(c);
                }
                self.in_code = !self.in_code;
            } else if c == '*' && !self.in_code && is_emphasis_mark(&chars, i, self.in_emphasis) {
                flush(&mut run, &mut out, self.in_code, self.in_emphasis);
                self.in_emphasis = !self.in_emphasis;
            } else {
                run.push(c);
            }
        }
        flush(&mut run, &mut out, self.in_code, self.in_emphasis);
        out
    }
}

/// A `*` opens emphasis before a word and closes it after one; a lone `*` (as in `2 * 3`) is text.
fn is_emphasis_mark(chars: &[char], i: usize, open: bool) -> bool {
    let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
    let after = chars.get(i + 1).copied();
    if open {
        before.is_some_and(|c| !c.is_whitespace())
    } else {
        after.is_some_and(|c| !c.is_whitespace()) && before.is_none_or(|c| !c.is_alphanumeric())
    }
}

/// Stands for a space inside a code span while wrapping, so that the span is one word.
const NBSP: char = '\u{a0}';

/// Spaces inside a `code span` become [`NBSP`] so that the wrapper keeps the span on one line
/// (a span longer than the line then stands alone on its line, whole). The caller turns them
/// back into spaces after wrapping. A span that would not fit on any line keeps its spaces, and
/// so wraps inside like prose rather than overflowing.
fn protect_code_spans(text: &str) -> String {
    let room = width().saturating_sub(8);
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('`').peekable();
    let mut in_code = false;
    while let Some(part) = parts.next() {
        if in_code && parts.peek().is_some() && textwrap::core::display_width(part) + 2 <= room {
            out.push_str(&part.replace(' ', &NBSP.to_string()));
        } else {
            out.push_str(part);
        }
        if parts.peek().is_some() {
            out.push('`');
        }
        in_code = !in_code;
    }
    out
}
