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

/// Moves an unreadable file out of the way, never over another: `progress.json` becomes
/// `progress.unreadable-2026-11-26T10-00-00Z.json`, or `...Z-2.json` when a file was set aside
/// in the same second. Returns the new path.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    for n in 1..1000 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let aside = dir.join(format!("{stem}.unreadable-{stamp}{suffix}.json"));
        // A hard link fails if the name is taken, so nothing is ever overwritten; then the old
        // name goes.
        match std::fs::hard_link(path, &aside) {
            Ok(()) => {
                std::fs::remove_file(path)?;
                return Ok(aside);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "too many files set aside in one second",
    ))
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

    #[test]
    fn two_files_set_aside_in_one_second_get_two_names() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("progress.json");
        std::fs::write(&path, "first").expect("write");
        let first = super::set_aside(&path).expect("set aside");
        std::fs::write(&path, "second").expect("write");
        let second = super::set_aside(&path).expect("set aside again");
        assert_ne!(first, second);
        assert_eq!(std::fs::read_to_string(&first).expect("read"), "first");
        assert_eq!(std::fs::read_to_string(&second).expect("read"), "second");
        assert!(!path.exists());
    }
}
