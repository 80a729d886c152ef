//! The learner's journal: answers to reflection questions, with the date, kept beside the
//! progress file and written the same atomic way.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::files::write_atomically;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was written, RFC 3339 in UTC.
    pub date: String,
    pub lesson: String,
    pub question: String,
    pub answer: String,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read the journal {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the journal {}: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write the journal {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn new(dir: PathBuf) -> Journal {
        Journal {
            path: dir.join("journal.json"),
        }
    }

    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let path = || self.path.clone();
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| JournalError::Parse {
                path: path(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(JournalError::Read {
                path: path(),
                source,
            }),
        }
    }

    /// Adds an answer. A journal that cannot be read is set aside first (never overwritten,
    /// never in the way of the answer); the returned warning says where it went.
    pub fn add(
        &self,
        lesson: &str,
        question: &str,
        answer: &str,
    ) -> Result<Option<String>, JournalError> {
        let mut warning = None;
        let mut entries = match self.entries() {
            Ok(entries) => entries,
            Err(JournalError::Parse { source, .. }) => {
                let aside =
                    crate::files::set_aside(&self.path).map_err(|source| JournalError::Write {
                        path: self.path.clone(),
                        source,
                    })?;
                warning = Some(format!(
                    "your journal could not be read ({source}); it was kept as {} and a new one started",
                    aside.display()
                ));
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        entries.push(Entry {
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            lesson: lesson.to_string(),
            question: question.to_string(),
            answer: answer.to_string(),
        });
        let write = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let text =
            serde_json::to_string_pretty(&entries).map_err(|e| write(std::io::Error::other(e)))?;
        write_atomically(&self.path, text.as_bytes()).map_err(write)?;
        Ok(warning)
    }
}

#[cfg(test)]
mod tests {
    use super::Journal;

    #[test]
    fn entries_are_kept_in_order_with_a_date() {
        let dir = std::env::temp_dir().join(format!("sio-tutor-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let journal = Journal::new(dir.clone());
        assert_eq!(
            journal.entries().ok(),
            Some(Vec::new()),
            "no file yet means an empty journal"
        );
        journal
            .add("namespaces", "What next?", "acknowledgements")
            .expect("add");
        journal
            .add("namespaces", "What next?", "adapters")
            .expect("add again");
        let entries = journal.entries().expect("read");
        let answers: Vec<&str> = entries.iter().map(|e| e.answer.as_str()).collect();
        assert_eq!(answers, ["acknowledgements", "adapters"]);
        assert!(entries[0].date.starts_with("20") && entries[0].date.ends_with('Z'));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_journal_is_set_aside_and_the_answer_kept() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("journal.json"), "[{ not json").expect("write");
        let journal = Journal::new(dir.path().to_path_buf());
        let warning = journal
            .add("namespaces", "What next?", "adapters")
            .expect("the answer is kept")
            .expect("a warning");
        assert!(warning.contains("journal.unreadable-"), "{warning}");
        let entries = journal.entries().expect("read");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].answer, "adapters");
        let aside = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().contains("unreadable"))
            .expect("the old journal, set aside");
        assert_eq!(
            std::fs::read_to_string(aside.path()).expect("read"),
            "[{ not json"
        );
    }
}
