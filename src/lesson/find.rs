//! Picks a lesson from what the learner typed: a number (`3`), an id (`rooms`) or a unique prefix
//! of an id (`ro`). Anything else gets the closest suggestion.

use super::model::Lesson;

pub fn find<'a>(lessons: &'a [Lesson], wanted: &str) -> Result<&'a Lesson, String> {
    let wanted = wanted.trim();
    if let Ok(number) = wanted.parse::<usize>() {
        return lessons.iter().find(|l| l.number == number).ok_or_else(|| {
            format!(
                "there is no lesson {number}: the lessons are numbered 1 to {}",
                lessons.len()
            )
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
        [] => {
            let closest = lessons
                .iter()
                .map(|l| (strsim::damerau_levenshtein(wanted, &l.id), l))
                .min_by_key(|(distance, _)| *distance);
            Err(match closest {
                Some((_, lesson)) => format!(
                    "there is no lesson \"{wanted}\"; did you mean \"{}\" (lesson {})? `sio-tutor list` shows them all",
                    lesson.id, lesson.number
                ),
                None => "there are no lessons".to_string(),
            })
        }
        several => Err(format!(
            "\"{wanted}\" could be {}: type more of the name",
            several
                .iter()
                .map(|l| format!("\"{}\"", l.id))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}
