//! `sio-tutor play --lesson LESSON` starts from the lab as the lesson leaves it. Every built-in
//! lesson's commands must replay into a playground without an error, as they ran in the lesson.

#[path = "common/redis.rs"]
mod redis_here;

use sio_tutor::lab::Scale;
use sio_tutor::lesson::{Source, load_all};
use sio_tutor::play::LineOutcome;
use sio_tutor::play::repl::Opening;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lesson_opens_a_playground() {
    let lessons = load_all(Source::BuiltIn).expect("the built-in lessons load");
    assert!(!lessons.is_empty());
    for lesson in &lessons {
        if matches!(lesson.scale, Scale::TwoWithRedis { .. })
            && !redis_here::available(&format!("play --lesson {}", lesson.id))
        {
            continue;
        }
        let opening = Opening::lesson(lesson).expect("the opening parses");
        assert!(
            opening.announcement.contains(&lesson.title),
            "lesson {}: {}",
            lesson.id,
            opening.announcement
        );
        let mut session = opening.session().await.expect("a lab starts");
        for line in &opening.commands {
            // The parsed lines, as the lesson holds them: nothing is turned back into text.
            match session.command(&line.command).await {
                LineOutcome::Reports(_) | LineOutcome::Nothing => {}
                LineOutcome::ParseError(error) => {
                    panic!(
                        "lesson {}: `{line}` does not parse: {error}",
                        lesson.id,
                        line = line.text
                    )
                }
                LineOutcome::LabError(error) => {
                    panic!(
                        "lesson {}: `{line}` failed: {error}",
                        lesson.id,
                        line = line.text
                    )
                }
            }
        }
        assert!(
            !session.lab.sockets().is_empty(),
            "lesson {} leaves sockets to play with",
            lesson.id
        );
        session.shutdown().await;
    }
}
