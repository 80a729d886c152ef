//! The learner's progress and journal, kept in the user's data folder (or `$SIO_TUTOR_HOME`).
//!
//! Both are small JSON files a person can read. Every write goes to a temporary file in the same
//! folder and is then renamed over the old one (`crate::files::write_atomically`), so an interruption at any moment leaves either
//! the old file or the new one, never half of one. A progress file that cannot be read is set
//! aside under a new name (never deleted), with a warning that says where, and the tutor starts
//! clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::write_atomically;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The lesson the learner was last in, for the menu's cursor.
    #[serde(default)]
    pub last: Option<String>,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The next step to show (0-based); equal to the number of steps once done.
    pub step: usize,
    pub done: bool,
    /// Questions answered right at the first try, and questions asked.
    pub score: usize,
    pub questions: usize,
    /// The key of the step at `step` (`Step::key`): where to resume if the lesson was edited
    /// and that step moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl LessonProgress {
    /// Where to resume in `steps` (given by their keys): the stored step if its key still
    /// matches, else the step with the stored key nearest to it, else the stored index.
    pub fn resume_at(&self, keys: &[String]) -> usize {
        let Some(key) = &self.key else {
            return self.step;
        };
        if keys.get(self.step) == Some(key) {
            return self.step;
        }
        keys.iter()
            .enumerate()
            .filter(|(_, k)| *k == key)
            .map(|(i, _)| i)
            .min_by_key(|i| i.abs_diff(self.step))
            .unwrap_or(self.step)
    }
}

/// The name a lesson's progress is kept under: its id for a built-in lesson; for a lesson from
/// `--lessons DIR`, the folder too, so that it never shares progress with a built-in lesson
/// (or another folder's) of the same id.
pub fn progress_id(dir: Option<&Path>, id: &str) -> String {
    match dir {
        None => id.to_string(),
        Some(dir) => {
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            format!("{}#{id}", dir.display())
        }
    }
}

/// How a lesson stands, as the menu shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
}

impl Progress {
    pub fn status(&self, id: &str) -> Status {
        match self.lessons.get(id) {
            Some(p) if p.done => Status::Done,
            Some(p) if p.step > 0 => Status::InProgress,
            _ => Status::NotStarted,
        }
    }

    /// A short label for lists: `done, 5/6`, `in progress, 2/3`, `not started`.
    pub fn label(&self, id: &str) -> String {
        let score = |p: &LessonProgress| format!("{}/{}", p.score, p.questions);
        match (self.status(id), self.lessons.get(id)) {
            (Status::Done, Some(p)) => format!("done, score {}", score(p)),
            (Status::InProgress, Some(p)) => format!("in progress, score {}", score(p)),
            _ => "not started".to_string(),
        }
    }
}

/// The progress file and where it lives.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn progress_path(&self) -> PathBuf {
        self.dir.join("progress.json")
    }

    /// Reads the progress. A missing file is a fresh start; an unreadable one is set aside and
    /// the returned warning says where it went.
    pub fn load(&self) -> (Progress, Option<String>) {
        let path = self.progress_path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Progress::default(), None);
            }
            Err(e) => {
                return (
                    Progress::default(),
                    Some(format!(
                        "cannot read {} ({e}); starting with a clean slate",
                        path.display()
                    )),
                );
            }
        };
        // Bytes that are not UTF-8 fail here too, and are set aside like any unreadable file.
        match serde_json::from_slice(&bytes) {
            Ok(progress) => (progress, None),
            Err(error) => {
                let warning = match crate::files::set_aside(&path) {
                    Ok(aside) => format!(
                        "your progress file could not be read ({error}); it was kept as {} and the tutor starts clean",
                        aside.display()
                    ),
                    Err(e) => format!(
                        "your progress file {} could not be read ({error}) nor set aside ({e}); the tutor starts clean and will not overwrite it",
                        path.display()
                    ),
                };
                (Progress::default(), Some(warning))
            }
        }
    }

    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(progress).map_err(std::io::Error::other)?;
        write_atomically(&self.progress_path(), text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sio-tutor-progress-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn progress_round_trips_through_the_file() {
        let store = Store::new(temp_dir("round-trip"));
        let mut progress = Progress {
            last: Some("rooms".into()),
            ..Default::default()
        };
        progress.lessons.insert(
            "rooms".into(),
            LessonProgress {
                step: 4,
                done: false,
                score: 1,
                questions: 2,
                key: None,
            },
        );
        store.save(&progress).expect("save");
        let (loaded, warning) = store.load();
        assert_eq!(loaded, progress);
        assert_eq!(warning, None);
        assert_eq!(loaded.status("rooms"), Status::InProgress);
        assert_eq!(loaded.label("rooms"), "in progress, score 1/2");
        assert_eq!(loaded.status("namespaces"), Status::NotStarted);
    }

    #[test]
    fn a_write_leaves_no_temporary_file_behind() {
        let dir = temp_dir("atomic");
        let store = Store::new(dir.clone());
        store.save(&Progress::default()).expect("save");
        store.save(&Progress::default()).expect("save again");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["progress.json".to_string()]);
    }

    #[test]
    fn an_edited_lesson_resumes_at_the_same_step() {
        let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let at = |step: usize, key: &str| LessonProgress {
            step,
            key: Some(key.to_string()),
            ..Default::default()
        };
        // Unchanged, a step inserted before, a step removed before, the step itself removed.
        assert_eq!(at(2, "c").resume_at(&keys(&["a", "b", "c", "d"])), 2);
        assert_eq!(at(2, "c").resume_at(&keys(&["a", "new", "b", "c", "d"])), 3);
        assert_eq!(at(2, "c").resume_at(&keys(&["b", "c", "d"])), 1);
        assert_eq!(at(2, "c").resume_at(&keys(&["a", "b", "d"])), 2);
        // Progress from before keys: the index.
        let old = LessonProgress {
            step: 1,
            ..Default::default()
        };
        assert_eq!(old.resume_at(&keys(&["x", "y"])), 1);
    }

    #[test]
    fn a_folder_lesson_keeps_its_progress_apart_from_a_built_in_one() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(progress_id(None, "rooms"), "rooms");
        let scoped = progress_id(Some(dir.path()), "rooms");
        assert_ne!(scoped, "rooms");
        assert!(scoped.ends_with("#rooms"), "{scoped}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_set_aside_too() {
        let dir = temp_dir("not-utf8");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("progress.json"), b"{\"last\": \"\xff\xfe\"}").expect("write");
        let store = Store::new(dir.clone());
        let (progress, warning) = store.load();
        assert_eq!(progress, Progress::default());
        assert!(warning.expect("a warning").contains("progress.unreadable-"));
        assert!(
            !dir.join("progress.json").exists(),
            "the next save cannot overwrite it"
        );
    }

    #[test]
    fn an_unreadable_file_is_set_aside_not_deleted() {
        let dir = temp_dir("unreadable");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("progress.json"), "{ this is not json").expect("write");
        let store = Store::new(dir.clone());
        let (progress, warning) = store.load();
        assert_eq!(progress, Progress::default());
        let warning = warning.expect("a warning");
        assert!(warning.contains("progress.unreadable-"), "{warning}");
        let aside: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.to_string_lossy().contains("unreadable"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read_to_string(&aside[0]).expect("read"),
            "{ this is not json"
        );
        assert!(!dir.join("progress.json").exists());
    }
}
