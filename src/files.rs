//! The learner's files: where they live (`$SIO_TUTOR_HOME` or the user's data folder) and how
//! they are written (atomically). The tutor's progress and journal and the playground's history
//! and saved sessions all go through here, so no front end reaches into another for them.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where sio-tutor keeps the learner's files.
pub fn home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("SIO_TUTOR_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    directories::ProjectDirs::from("", "", "sio-tutor").map(|dirs| dirs.data_dir().to_path_buf())
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`: readers see the old file or the new one, never a mix. On any failure the temporary
/// file is removed (`tempfile` deletes it when it is dropped unpersisted).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // A folder where the file should go: the rename fails, after the temporary file was
        // written beside it.
        let target = dir.path().join("progress.json");
        std::fs::create_dir(&target).expect("a folder in the way");
        assert!(write_atomically(&target, b"{}").is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read the folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("progress.json")]);
    }

    #[test]
    fn a_write_replaces_the_file_whole() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("journal.json");
        write_atomically(&target, b"old").expect("first write");
        write_atomically(&target, b"new").expect("second write");
        assert_eq!(std::fs::read(&target).expect("read it"), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("read").count(), 1);
    }
}
