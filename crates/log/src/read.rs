//! Reading logs back: `readLog`-style reads, `tailProcessStdoutLog`-style tails, and the
//! follower behind the HTTP `/logtail` streams. Offsets are bytes, never lines.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::LogFileError;

/// Reads part of a log as `readLog`, `readProcessStdoutLog` and `readProcessStderrLog` do.
///
/// * `offset >= 0`: `length` must be `>= 0`; `length == 0` reads from `offset` to the end,
///   otherwise up to `length` bytes from `offset`. An offset past the end reads nothing.
/// * `offset < 0`: `length` must be 0; reads the last `-offset` bytes (all of a shorter
///   file).
///
/// Errors, in Supervisor's order: a missing file is [`LogFileError::NoFile`]; a file that
/// cannot be opened or read is [`LogFileError::Failed`]; then bad arguments are
/// [`LogFileError::BadArguments`].
pub fn read_log(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, LogFileError> {
    if !path.exists() {
        return Err(LogFileError::NoFile {
            path: path.to_owned(),
        });
    }
    let failed = |source: io::Error| LogFileError::Failed {
        path: path.to_owned(),
        source,
    };
    let mut file = open_readable(path).map_err(failed)?;
    if offset < 0 {
        if length != 0 {
            return Err(LogFileError::BadArguments);
        }
        let back = offset.unsigned_abs();
        let size = file.seek(SeekFrom::End(0)).map_err(failed)?;
        file.seek(SeekFrom::Start(size.saturating_sub(back)))
            .map_err(failed)?;
        read_up_to(&mut file, back).map_err(failed)
    } else {
        if length < 0 {
            return Err(LogFileError::BadArguments);
        }
        file.seek(SeekFrom::Start(offset as u64)).map_err(failed)?;
        if length == 0 {
            let mut data = Vec::new();
            file.read_to_end(&mut data).map_err(failed)?;
            Ok(data)
        } else {
            read_up_to(&mut file, length as u64).map_err(failed)
        }
    }
}

/// The answer of [`tail_log`]: Supervisor's `[bytes, offset, overflow]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tail {
    /// The bytes read (at most `length`).
    pub bytes: Vec<u8>,
    /// The file's size: the offset to ask from next time.
    pub offset: i64,
    /// Whether more than `length` bytes lay beyond the requested offset, so the reader
    /// skipped ahead to the end of the log.
    pub overflow: bool,
}

/// Tails a log as `tailProcessStdoutLog(name, offset, length)` does.
///
/// With `size` the file's size: when `size > offset + length` the answer overflows and
/// holds the last `length` bytes; otherwise it holds the bytes from `offset` to the end
/// (none when `offset >= size`). The answered offset is always `size`. A missing file
/// answers `("", 0, false)`; a file that cannot be read answers `("", offset, false)`.
/// Negative arguments follow Supervisor's arithmetic (clamped at 0).
pub fn tail_log(path: &Path, offset: i64, length: i64) -> Tail {
    if !path.exists() {
        return Tail::default();
    }
    let mut offset = i128::from(offset);
    let mut length = i128::from(length);
    let answer = (|| -> io::Result<Tail> {
        let mut file = open_readable(path)?;
        let size = i128::from(file.seek(SeekFrom::End(0))?);
        let mut overflow = false;
        if size > offset + length {
            overflow = true;
            offset = size - 1;
        }
        if offset + length > size {
            if offset > size - 1 {
                length = 0;
            }
            offset = size - length;
        }
        offset = offset.max(0);
        length = length.max(0);
        let bytes = if length == 0 {
            Vec::new()
        } else {
            file.seek(SeekFrom::Start(offset as u64))?;
            read_up_to(&mut file, u64::try_from(length).unwrap_or(u64::MAX))?
        };
        Ok(Tail {
            bytes,
            offset: i64::try_from(size).unwrap_or(i64::MAX),
            overflow,
        })
    })();
    answer.unwrap_or_else(|_| Tail {
        bytes: Vec::new(),
        offset: i64::try_from(offset).unwrap_or(0),
        overflow: false,
    })
}

/// Opens `path` for reading; a directory fails here, as Python's `open` fails on one.
fn open_readable(path: &Path) -> io::Result<File> {
    let file = File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(io::Error::from_raw_os_error(nix::libc::EISDIR));
    }
    Ok(file)
}

fn read_up_to(file: &mut File, limit: u64) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    file.take(limit).read_to_end(&mut data)?;
    Ok(data)
}

/// What [`TailFollower::poll`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailPoll {
    /// New bytes appended since the last poll (or the opening window).
    Data(Vec<u8>),
    /// The file shrank: send [`TRUNCATED_NOTICE`]; the next poll starts from its start.
    Truncated,
    /// Nothing new yet; poll again later (Supervisor's `NOT_DONE_YET`).
    Pending,
    /// The file can no longer be read; end the stream.
    Closed,
}

/// The text a follower sends when the log shrank under it.
pub const TRUNCATED_NOTICE: &[u8] = b"==> File truncated <==\n";

/// How many bytes of history `/logtail` and `/mainlogtail` start with.
pub const LOGTAIL_HEAD: u64 = 1024;

/// Follows a growing log for the HTTP `/logtail/NAME[/stderr]` and `/mainlogtail`
/// streams, as Supervisor's `tail_f_producer` does: the first poll yields the last `head`
/// bytes (the whole file when it is shorter), later polls what was appended. When the path
/// starts naming another file (rotation, reopen) the follower switches to it and yields
/// it from its start. It does no waiting: the HTTP layer polls it on a timer.
#[derive(Debug)]
pub struct TailFollower {
    path: PathBuf,
    file: File,
    inode: u64,
    size: u64,
}

impl TailFollower {
    /// Opens `path` and positions the window `head` bytes before its end.
    pub fn open(path: impl Into<PathBuf>, head: u64) -> io::Result<TailFollower> {
        let path = path.into();
        let file = File::open(&path)?;
        let meta = file.metadata()?;
        let size = meta.len().saturating_sub(head);
        Ok(TailFollower {
            path,
            file,
            inode: meta.ino(),
            size,
        })
    }

    /// The followed path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Looks for new bytes.
    pub fn poll(&mut self) -> TailPoll {
        if let Ok(meta) = std::fs::metadata(&self.path)
            && meta.ino() != self.inode
        {
            match File::open(&self.path).and_then(|f| Ok((f.metadata()?.ino(), f))) {
                Ok((inode, file)) => {
                    self.file = file;
                    self.inode = inode;
                    self.size = 0;
                }
                Err(_) => return TailPoll::Closed,
            }
        }
        let new_size = match self.file.metadata() {
            Ok(meta) => meta.len(),
            Err(_) => return TailPoll::Closed,
        };
        if new_size < self.size {
            self.size = 0;
            return TailPoll::Truncated;
        }
        let added = new_size - self.size;
        if added == 0 {
            return TailPoll::Pending;
        }
        let read = self
            .file
            .seek(SeekFrom::End(-(added as i64)))
            .and_then(|_| read_up_to(&mut self.file, added));
        match read {
            Ok(bytes) => {
                self.size = new_size;
                TailPoll::Data(bytes)
            }
            Err(_) => TailPoll::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(data: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, data).unwrap();
        (dir, path)
    }

    #[test]
    fn read_log_offsets() {
        let (_d, p) = file_with(b"0123456789");
        assert_eq!(read_log(&p, 0, 0).unwrap(), b"0123456789");
        assert_eq!(read_log(&p, 3, 0).unwrap(), b"3456789");
        assert_eq!(read_log(&p, 3, 4).unwrap(), b"3456");
        assert_eq!(read_log(&p, 8, 100).unwrap(), b"89");
        assert_eq!(read_log(&p, 50, 5).unwrap(), b"");
        assert_eq!(read_log(&p, -3, 0).unwrap(), b"789");
        assert_eq!(read_log(&p, -30, 0).unwrap(), b"0123456789");
        assert_eq!(read_log(&p, i64::MIN, 0).unwrap(), b"0123456789");
    }

    #[test]
    fn read_log_errors() {
        let (d, p) = file_with(b"abc");
        assert!(matches!(
            read_log(&p, -1, 1),
            Err(LogFileError::BadArguments)
        ));
        assert!(matches!(
            read_log(&p, 0, -1),
            Err(LogFileError::BadArguments)
        ));
        let missing = d.path().join("nope");
        assert!(matches!(
            read_log(&missing, -1, 1),
            Err(LogFileError::NoFile { .. })
        ));
        assert!(matches!(
            read_log(d.path(), 0, 0),
            Err(LogFileError::Failed { .. })
        ));
    }

    #[test]
    fn tail_log_rules() {
        let (d, p) = file_with(b"0123456789");
        let t = |o, l| tail_log(&p, o, l);
        assert_eq!(
            t(0, 100),
            Tail {
                bytes: b"0123456789".to_vec(),
                offset: 10,
                overflow: false
            }
        );
        assert_eq!(
            t(0, 4),
            Tail {
                bytes: b"6789".to_vec(),
                offset: 10,
                overflow: true
            }
        );
        assert_eq!(
            t(7, 10),
            Tail {
                bytes: b"0123456789".to_vec(),
                offset: 10,
                overflow: false
            }
        );
        assert_eq!(
            t(7, 3),
            Tail {
                bytes: b"789".to_vec(),
                offset: 10,
                overflow: false
            }
        );
        assert_eq!(
            t(10, 10),
            Tail {
                bytes: vec![],
                offset: 10,
                overflow: false
            }
        );
        assert_eq!(
            t(99, 10),
            Tail {
                bytes: vec![],
                offset: 10,
                overflow: false
            }
        );
        assert_eq!(
            t(0, -5),
            Tail {
                bytes: vec![],
                offset: 10,
                overflow: true
            }
        );
        assert_eq!(tail_log(&d.path().join("nope"), 5, 5), Tail::default());
        assert_eq!(
            tail_log(d.path(), 5, 5),
            Tail {
                bytes: vec![],
                offset: 5,
                overflow: false
            }
        );
    }

    #[test]
    fn follower_streams_appends_truncation_and_rotation() {
        let (_d, p) = file_with(b"0123456789");
        let mut f = TailFollower::open(&p, 4).unwrap();
        assert_eq!(f.path(), p.as_path());
        assert_eq!(f.poll(), TailPoll::Data(b"6789".to_vec()));
        assert_eq!(f.poll(), TailPoll::Pending);
        let mut w = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        w.write_all(b"ab").unwrap();
        assert_eq!(f.poll(), TailPoll::Data(b"ab".to_vec()));
        w.set_len(3).unwrap();
        assert_eq!(f.poll(), TailPoll::Truncated);
        assert_eq!(f.poll(), TailPoll::Data(b"012".to_vec()));
        let rotated = p.with_extension("1");
        std::fs::rename(&p, &rotated).unwrap();
        assert_eq!(f.poll(), TailPoll::Pending, "unlinked path: keep following");
        std::fs::write(&p, b"new").unwrap();
        assert_eq!(f.poll(), TailPoll::Data(b"new".to_vec()));
    }

    #[test]
    fn follower_short_file_yields_everything() {
        let (_d, p) = file_with(b"short");
        let mut f = TailFollower::open(&p, LOGTAIL_HEAD).unwrap();
        assert_eq!(f.poll(), TailPoll::Data(b"short".to_vec()));
    }
}
