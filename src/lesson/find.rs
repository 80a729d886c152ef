//! Picks a lesson from what the learner typed: a number (`3`), an id (`rooms`) or a unique prefix
//! of an id (`ro`). Anything else gets the closest suggestion, if one is close enough to be a
//! typo (`roms`, `bradcast`); a name that is nothing like any lesson gets none.

use super::model::Lesson;

/// Why no single lesson was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error("there is no lesson {number}: the lessons are numbered 1 to {count}")]
    NoNumber { number: usize, count: usize },
    #[error(
        "there is no lesson \"{wanted}\"; did you mean \"{id}\" (lesson {number})? `sio-tutor list` shows them all"
    )]
    Suggest {
        wanted: String,
        id: String,
        number: usize,
    },
    #[error("there is no lesson \"{wanted}\": `sio-tutor list` shows them all")]
    Unknown { wanted: String },
    #[error("\"{wanted}\" could be {candidates}: type more of the name")]
    Ambiguous { wanted: String, candidates: String },
    #[error("there are no lessons")]
    NoLessons,
}

pub fn find<'a>(lessons: &'a [Lesson], wanted: &str) -> Result<&'a Lesson, FindError> {
    let wanted = wanted.trim();
    if let Ok(number) = wanted.parse::<usize>() {
        return lessons
            .iter()
            .find(|l| l.number == number)
            .ok_or(FindError::NoNumber {
                number,
                count: lessons.len(),
            });
    }
    if let Some(lesson) = lessons.iter().find(|l| l.id == wanted) {
        return Ok(lesson);
    }
    let by_prefix: Vec<&Lesson> = lessons
        .iter()
        .filter(|l| l.id.starts_with(wanted))
        .collect();
    match by_prefix.as_slice() {
        [only] => Ok(only),
        [] if lessons.is_empty() => Err(FindError::NoLessons),
        [] => Err(match closest(lessons, wanted) {
            Some(lesson) => FindError::Suggest {
                wanted: wanted.to_string(),
                id: lesson.id.clone(),
                number: lesson.number,
            },
            None => FindError::Unknown {
                wanted: wanted.to_string(),
            },
        }),
        several => Err(FindError::Ambiguous {
            wanted: wanted.to_string(),
            candidates: several
                .iter()
                .map(|l| format!("\"{}\"", l.id))
                .collect::<Vec<_>>()
                .join(" or "),
        }),
    }
}

/// The lesson whose id, or one dash-separated word of it, is within typo distance of `wanted`
/// (a third of its length, at least one edit): `roms` is `rooms`, `bradcast` is the `broadcast`
/// of `emit-vs-broadcast`, and `xylophone-quartz` is nothing.
fn closest<'a>(lessons: &'a [Lesson], wanted: &str) -> Option<&'a Lesson> {
    let bound = (wanted.chars().count() / 3).max(1);
    lessons
        .iter()
        .filter_map(|lesson| {
            let distance = std::iter::once(lesson.id.as_str())
                .chain(lesson.id.split('-'))
                .map(|name| strsim::damerau_levenshtein(wanted, name))
                .min()?;
            (distance <= bound).then_some((distance, lesson))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, lesson)| lesson)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::{Source, load_all};

    fn suggestion(wanted: &str) -> Option<String> {
        let lessons = load_all(Source::BuiltIn).expect("the built-in lessons load");
        match find(&lessons, wanted) {
            Err(FindError::Suggest { id, .. }) => Some(id),
            Err(FindError::Unknown { .. }) => None,
            Ok(lesson) => panic!("`{wanted}` found lesson {}", lesson.id),
            Err(other) => panic!("`{wanted}`: expected a suggestion or none, got {other:?}"),
        }
    }

    #[test]
    fn typos_get_the_lesson_and_nonsense_gets_nothing() {
        assert_eq!(suggestion("roms").as_deref(), Some("rooms"));
        assert_eq!(suggestion("bradcast").as_deref(), Some("emit-vs-broadcast"));
        assert_eq!(suggestion("nmespaces").as_deref(), Some("namespaces"));
        assert_eq!(suggestion("xylophone-quartz"), None);
        assert_eq!(suggestion("zzz"), None);
    }
}
