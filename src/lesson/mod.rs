//! Lessons: the data files in `lessons/`, loaded, walked and checked.
//!
//! - [`model`]: a lesson once loaded (steps, quizzes, parsed statements).
//! - [`load`]: TOML to lessons, with errors that name the file, line and column (no network).
//! - [`walk`]: the one walk through a lesson's steps and the lines they run.
//! - [`mod@check`]: a lesson run on a real lab, so that what fails in `demo` fails the check.
//! - [`find`]: picks a lesson by number, id or prefix, and suggests the closest name otherwise.

mod check;
pub mod find;
mod load;
mod model;
pub mod walk;

pub use check::{check, check_all, load_and_check};
pub use load::{LessonError, Source, load_all, load_each};
pub use model::{Choice, Lesson, Line, Quiz, QuizKind, RunStep, Step};
