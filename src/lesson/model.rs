//! A lesson once loaded and validated: what the demo, the tutor and the playground walk through.
//! Every statement in it has already been parsed, so nothing here can fail to parse later.

use crate::script::Command;

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Where it came from (`03-rooms.toml`), for messages.
    pub file: String,
    /// The file as written, to draw an error found later (by the check) under its line.
    pub text: String,
    /// 1-based position in the course.
    pub number: usize,
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Namespaces the lab serves besides `/`.
    pub namespaces: Vec<String>,
    /// The lab's servers: one, or A and B (`servers = 2`), sharing Redis (`adapter = "redis"`).
    pub scale: crate::lab::Scale,
    /// The lab's clients go through a network the lesson can `cut` or `silence`.
    pub network: bool,
    pub steps: Vec<Step>,
}

impl Lesson {
    /// How this lesson's lab starts: the namespaces it serves, and its own network if it asks.
    pub fn lab_options(&self) -> crate::lab::LabOptions {
        crate::lab::LabOptions {
            network: self.network,
            ..crate::lab::LabOptions::serving(&self.namespaces)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Explanation, with `code` and *emphasis* markup.
    Page(String),
    /// Playground commands that set up the lab.
    Lab(Vec<Line>),
    /// A statement run live.
    Run(RunStep),
    /// The room map.
    Rooms {
        show_own_rooms: bool,
    },
    Quiz(Quiz),
}

/// A playground line, as written and as parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub command: Command,
    /// Where it is written (the opening quote of its TOML string), for errors found by running
    /// it: 1-based line and column.
    pub position: (usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunStep {
    pub line: Line,
    /// One sentence saying what to notice.
    pub notice: Option<String>,
    /// When set, the tutor asks who will receive it first, and shows this reason afterwards.
    pub predict_why: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    pub question: String,
    pub hint: Option<String>,
    pub kind: QuizKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuizKind {
    /// Who will receive this? The answer is whatever the live lab delivers.
    Predict { line: Line, why: String },
    /// Options, one or several correct.
    Choice { options: Vec<Choice> },
    /// A short free answer.
    Text {
        accept: Vec<String>,
        explanation: Option<String>,
        /// Any answer is kept in the journal; nothing is marked wrong.
        reflection: bool,
        /// For a reflection: the id of a lesson whose journal answers are shown back before
        /// asking (the course's last question shows the learning goal written at its start).
        recall: Option<String>,
    },
    /// The learner writes one playground line; it is right when what it does on the lab (the
    /// event, its arguments, who received it and who did not, and the room map afterwards) is
    /// what `line`, the reference, does. The reference is one possible answer, never the text
    /// to match.
    Write {
        line: Line,
        explanation: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
    pub why: Option<String>,
}

impl Quiz {
    /// The options of a choice quiz in the order they are shown: mixed by a hash of the question
    /// and each option, so that the right answer is not always where the author wrote it (often
    /// first, where pressing Enter would pick it), yet in the same place on every run and every
    /// machine.
    pub fn options_shown(&self) -> Vec<Choice> {
        let QuizKind::Choice { options } = &self.kind else {
            return Vec::new();
        };
        let mut shown = options.clone();
        shown.sort_by_key(|option| fnv1a(&format!("{}\n{}", self.question, option.text)));
        shown
    }
}

impl Step {
    /// A key that names this step by its content (a hash of what it shows or runs), so that
    /// progress can find it again after steps are inserted or removed before it.
    pub fn key(&self) -> String {
        let text = match self {
            Step::Page(text) => format!("page\n{text}"),
            Step::Lab(lines) => {
                let lines: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
                format!("lab\n{}", lines.join("\n"))
            }
            Step::Run(run) => format!("run\n{}", run.line.text),
            Step::Rooms { show_own_rooms } => format!("rooms\n{show_own_rooms}"),
            Step::Quiz(quiz) => format!("quiz\n{}", quiz.question),
        };
        format!("{:016x}", fnv1a(&text))
    }
}

/// FNV-1a, 64 bits: a tiny hash that is stable across Rust versions (std's is not promised to be).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
