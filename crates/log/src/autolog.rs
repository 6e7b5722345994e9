//! `AUTO` child logs: their names in `childlogdir` and the startup cleanup of stale ones.

use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::LogError;

/// The characters of the random part, as Python's `tempfile` draws them.
const NAME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
/// Python's `tempfile` draws 8 of them.
const RANDOM_LEN: usize = 8;
/// How many names to try before giving up.
const ATTEMPTS: u32 = 10_000;

/// Creates the file for an `AUTO` log as Supervisor does with `mkstemp`: a new, empty file
/// (mode `0600`) named `NAME-CHANNEL---IDENTIFIER-XXXXXXXX.log` in `childlogdir`, with
/// eight random characters from `a-z0-9_`. Returns its path (`childlogdir` joined with
/// the name).
pub fn create_auto_child_log(
    childlogdir: &Path,
    program: &str,
    channel: &str,
    identifier: &str,
) -> Result<PathBuf, LogError> {
    let prefix = format!("{program}-{channel}---{identifier}-");
    let state = RandomState::new();
    let mut last_error = io::Error::from(io::ErrorKind::AlreadyExists);
    for attempt in 0..ATTEMPTS {
        let mut hasher = state.build_hasher();
        hasher.write_u32(attempt);
        let mut bits = hasher.finish();
        let mut name = prefix.clone();
        for _ in 0..RANDOM_LEN {
            let n = NAME_CHARS.len() as u64;
            name.push(char::from(NAME_CHARS[(bits % n) as usize]));
            bits /= n;
        }
        name.push_str(".log");
        let path = childlogdir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = e,
            Err(source) => {
                return Err(LogError::AutoLog {
                    dir: childlogdir.to_owned(),
                    source,
                });
            }
        }
    }
    Err(LogError::AutoLog {
        dir: childlogdir.to_owned(),
        source: last_error,
    })
}

/// Whether `filename` is an `AUTO` log of `identifier`, by Supervisor's pattern
/// `.+?---IDENTIFIER-\S+\.log\.{0,1}\d{0,4}` matched at the start of the name (so backups
/// such as `….log.3` match too). The identifier is taken literally.
pub fn is_auto_child_log(filename: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    let line_end = filename.find('\n').unwrap_or(filename.len());
    // `.+?` takes at least one character before the marker.
    let mut from = filename.chars().next().map_or(1, char::len_utf8);
    while let Some(pos) = filename.get(from..).and_then(|rest| rest.find(&marker)) {
        let start = from + pos;
        if start > line_end {
            return false;
        }
        let rest = &filename[start + marker.len()..];
        let word_end = rest.find(is_python_space).unwrap_or(rest.len());
        let word = &rest[..word_end];
        // `\S+` takes at least one character before `.log`.
        let mut after_first = word.chars();
        if after_first.next().is_some() && after_first.as_str().contains(".log") {
            return true;
        }
        from = start + 1;
        while !filename.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// Python's `str.isspace` (what `\s` matches): Unicode white space plus the separators
/// `\x1c`–`\x1f`.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// What [`clear_auto_child_logs`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// The files removed.
    pub removed: Vec<PathBuf>,
    /// Warnings for the main log at `WARN`, worded as Supervisor words them.
    pub warnings: Vec<String>,
}

/// Removes the stale `AUTO` logs (and their backups) of `identifier` from `childlogdir`,
/// as supervisord does at startup unless `nocleanup` (`-k`). Failures become warnings:
/// `Could not clear childlog dir`, `Failed to clean up '/path'`.
pub fn clear_auto_child_logs(childlogdir: &Path, identifier: &str) -> Cleanup {
    let mut cleanup = Cleanup::default();
    let entries = match std::fs::read_dir(childlogdir) {
        Ok(entries) => entries,
        Err(_) => {
            cleanup
                .warnings
                .push("Could not clear childlog dir".to_owned());
            return cleanup;
        }
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        if !is_auto_child_log(&name.to_string_lossy(), identifier) {
            continue;
        }
        let path = childlogdir.join(&name);
        match std::fs::remove_file(&path) {
            Ok(()) => cleanup.removed.push(path),
            Err(_) => cleanup.warnings.push(format!(
                "Failed to clean up {}",
                supervisor_types::py_repr(&path.to_string_lossy())
            )),
        }
    }
    cleanup
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn auto_log_name_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = create_auto_child_log(dir.path(), "web", "stdout", "supervisor").unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.starts_with("web-stdout---supervisor-"), "{name}");
        assert!(name.ends_with(".log"));
        let random = &name["web-stdout---supervisor-".len()..name.len() - 4];
        assert_eq!(random.len(), 8);
        assert!(random.bytes().all(|b| NAME_CHARS.contains(&b)));
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 0);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let other = create_auto_child_log(dir.path(), "web", "stdout", "supervisor").unwrap();
        assert_ne!(path, other);
        assert!(is_auto_child_log(&name, "supervisor"));
    }

    #[test]
    fn auto_log_in_missing_dir_fails() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_auto_child_log(&dir.path().join("no"), "a", "stderr", "s").unwrap_err();
        assert!(err.to_string().contains("cannot create AUTO child log in"));
    }

    #[test]
    fn pattern_matches_like_supervisor() {
        let id = "supervisor";
        for yes in [
            "foo-stdout---supervisor-abcd1234.log",
            "foo-stderr---supervisor-abcd1234.log.1",
            "foo-stderr---supervisor-abcd1234.log.10",
            "x---supervisor-a.log",
            "x---supervisor-a.logfile",
            "a---b---supervisor-zz.log",
        ] {
            assert!(is_auto_child_log(yes, id), "{yes}");
        }
        for no in [
            "---supervisor-abc.log",
            "foo-stdout---supervisor-.log",
            "foo-stdout---other-abc.log",
            "foo-stdout---supervisor-a b.log",
            "foo.log",
            "fo\no---supervisor-abc.log",
        ] {
            assert!(!is_auto_child_log(no, id), "{no:?}");
        }
    }

    #[test]
    fn cleanup_removes_only_this_identifier() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a-stdout---supervisor-12345678.log",
            "a-stdout---supervisor-12345678.log.1",
            "a-stdout---other-12345678.log",
            "keep.log",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let cleanup = clear_auto_child_logs(dir.path(), "supervisor");
        assert_eq!(cleanup.removed.len(), 2);
        assert!(cleanup.warnings.is_empty());
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a-stdout---other-12345678.log", "keep.log"]);
        let missing = clear_auto_child_logs(&dir.path().join("none"), "supervisor");
        assert_eq!(missing.warnings, ["Could not clear childlog dir"]);
    }

    #[test]
    fn cleanup_warns_when_removal_fails() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("d-stdout---supervisor-abc.log");
        std::fs::create_dir(&sub).unwrap();
        let cleanup = clear_auto_child_logs(dir.path(), "supervisor");
        assert_eq!(
            cleanup.warnings,
            [format!("Failed to clean up '{}'", sub.display())]
        );
    }
}
