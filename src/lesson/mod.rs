//! Lessons: the data files in `lessons/`, loaded and validated. Nothing here touches the
//! network; `crate::demo` and `crate::tutor` run lessons against a lab.
//!
//! - [`model`]: a lesson once validated (steps, quizzes, parsed statements).
//! - [`load`]: TOML to lessons, with errors that name the file, line and column.
//! - [`find`]: picks a lesson by number, id or prefix, and suggests the closest name otherwise.

pub mod find;
pub mod load;
pub mod model;

pub use load::{LessonError, Source, load_all};
pub use model::{Choice, Lesson, Line, Quiz, QuizKind, RunStep, Step};
