//! `RotatingFile`: an append-only log file with Supervisor's size-based rollover.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, SpliceFFlags};

use crate::LogError;

/// A log file written by appending, rotated by size the way Supervisor's
/// `RotatingFileHandler` rotates.
///
/// * Every [`write`](Self::write) appends its whole chunk; afterwards, when `maxbytes > 0`
///   and the file's size (its `tell()`) is `>= maxbytes`, the file rolls over. A chunk is
///   never split, so a file may end up larger than `maxbytes` by less than one chunk.
/// * Rollover with `backups > 0` renames `NAME.{N-1}` → `NAME.N`, …, `NAME.1` → `NAME.2`
///   (only those that exist), then `NAME` → `NAME.1`, and starts a new empty `NAME`.
///   Backups beyond `N` are left alone. With `backups == 0` the file is truncated.
/// * `maxbytes == 0` never rotates. Targets that cannot seek (a pipe or terminal behind
///   `/dev/stdout`) never rotate either and are written without any seek, so they work
///   wherever they can be opened for writing.
/// * [`reopen`](Self::reopen) (SIGUSR2, external logrotate) and [`clear`](Self::clear)
///   (`clearProcessLogs`) start a new file descriptor at the same path.
///
/// Bytes are written with `write(2)` straight from the caller's slice: no buffering, no
/// per-line work. The only extra system call per write is the `lseek` that reads the size,
/// made only when the file can rotate.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    maxbytes: u64,
    backups: u32,
    /// `lseek` works on the target; false for pipes, sockets and terminals.
    seekable: bool,
    /// Whether the descriptor currently has `O_APPEND` (cleared while splicing).
    append: bool,
    /// Whether the target is a regular file (the only kind [`Self::splice_from`] writes).
    regular: bool,
}

/// How a [`RotatingFile::splice_from`] call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spliced {
    /// This many bytes moved (maybe none) and then the pipe was found empty. When the
    /// pipe is watched edge-triggered, its next write raises a new readiness event.
    Drained(u64),
    /// This many bytes moved (maybe none), then the pipe reported end of file: its write
    /// end is closed and it is empty. This is the child's end of output.
    Eof(u64),
    /// Splicing cannot serve this pair of descriptors (the target is not a regular file,
    /// or the kernel refuses): read and [`write`](RotatingFile::write) instead. Whatever
    /// moved before the refusal is in the file.
    Unsupported,
}

impl RotatingFile {
    /// Opens (creating if needed, mode `0666` less the umask) `path` for appending.
    ///
    /// `maxbytes == 0` disables rotation; `backups == 0` makes rotation truncate.
    pub fn open(path: impl Into<PathBuf>, maxbytes: u64, backups: u32) -> Result<Self, LogError> {
        let path = path.into();
        let (file, seekable, regular) =
            open_append(&path, false).map_err(|source| LogError::Open {
                path: path.clone(),
                source,
            })?;
        Ok(RotatingFile {
            path,
            file,
            maxbytes,
            backups,
            seekable,
            append: true,
            regular,
        })
    }

    /// The path this file was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rotation threshold in bytes (0 = never rotate).
    pub fn maxbytes(&self) -> u64 {
        self.maxbytes
    }

    /// How many backups rollover keeps (0 = truncate instead).
    pub fn backups(&self) -> u32 {
        self.backups
    }

    /// The path of backup number `n` (`NAME.n`).
    pub fn backup_path(&self, n: u32) -> PathBuf {
        backup_path(&self.path, n)
    }

    /// Appends all of `data`, then rolls over if the file reached `maxbytes`.
    ///
    /// An empty chunk does nothing (Supervisor skips empty output too). A failed write
    /// (a full disk) returns [`LogError::Write`]; a failed rollover returns
    /// [`LogError::Rotate`] after the chunk was written, and the current descriptor stays
    /// in use, so no later byte is lost because of it.
    pub fn write(&mut self, data: &[u8]) -> Result<(), LogError> {
        if data.is_empty() {
            return Ok(());
        }
        if !self.append {
            self.set_append(true)?;
        }
        (&self.file)
            .write_all(data)
            .map_err(|source| self.write_error(source))?;
        if self.maxbytes > 0 && self.seekable {
            let size = (&self.file)
                .stream_position()
                .map_err(|source| self.write_error(source))?;
            self.maybe_rollover(size)?;
        }
        Ok(())
    }

    /// Moves what the pipe `pipe` holds into the file with `splice(2)`, without copying it
    /// through user space, in pieces of at most `chunk` bytes. When the file rotates, a
    /// piece never goes past `maxbytes`: the file rolls over at exactly `maxbytes` (a size
    /// [`write`](Self::write) also gives when a chunk ends there). Large pieces are
    /// cheaper: the kernel holds the pipe's lock while it writes a piece, so a writer on
    /// the other side waits for each piece, not for each page.
    ///
    /// This is the fast path for child output that nothing needs to look at: use it only
    /// when the channel has no `strip_ansi`, no capture mode (`*_capture_maxbytes = 0`), no
    /// `*_events_enabled`, no syslog copy and the main log does not echo child output
    /// (`loglevel` above `debug`). `pipe` must be a pipe's read end, non-blocking
    /// (`O_NONBLOCK`).
    ///
    /// It stops at the first piece shorter than asked for: the kernel hands over all a pipe
    /// holds up to the length asked for, so a short piece means the pipe was empty, and
    /// an edge-triggered poll reports the next write. That saves the extra call that
    /// would only answer `EAGAIN`. Once the writer is known to have hung up (the poll
    /// said so), no further event will come: pass `hung_up` and it goes on until end of
    /// file (or `EAGAIN`, while a grandchild still holds the write end).
    ///
    /// The target must be a regular file; for anything else (a pipe or terminal behind
    /// `/dev/stdout`) this answers [`Spliced::Unsupported`] without touching the pipe.
    /// Linux refuses to splice into an `O_APPEND` descriptor, so while splicing the
    /// descriptor drops `O_APPEND`; each call seeks to the end of the file once, so that
    /// bytes appended by other writers since the last call are kept (`write` restores
    /// `O_APPEND`).
    pub fn splice_from(
        &mut self,
        pipe: BorrowedFd<'_>,
        chunk: usize,
        hung_up: bool,
    ) -> Result<Spliced, LogError> {
        if !self.regular {
            return Ok(Spliced::Unsupported);
        }
        let chunk = chunk.max(1);
        let mut moved = 0u64;
        let mut end = None;
        loop {
            if self.append {
                self.set_append(false)?;
                end = None;
            }
            let start = match end {
                Some(at) => at,
                None => (&self.file)
                    .seek(SeekFrom::End(0))
                    .map_err(|source| self.write_error(source))?,
            };
            let len = match self.maxbytes {
                0 => chunk,
                max => usize::try_from(max.saturating_sub(start))
                    .unwrap_or(chunk)
                    .clamp(1, chunk),
            };
            let n = match nix::fcntl::splice(
                pipe,
                None,
                self.file.as_fd(),
                None,
                len,
                SpliceFFlags::SPLICE_F_MOVE,
            ) {
                Ok(0) => return Ok(Spliced::Eof(moved)),
                Ok(n) => n,
                Err(Errno::EINTR) => {
                    end = Some(start);
                    continue;
                }
                Err(Errno::EAGAIN) => return Ok(Spliced::Drained(moved)),
                Err(Errno::EINVAL) => return Ok(Spliced::Unsupported),
                Err(e) => return Err(self.write_error(io::Error::from(e))),
            };
            moved += n as u64;
            end = Some(start + n as u64);
            if self.maxbytes > 0 {
                self.maybe_rollover(start + n as u64)?;
            }
            if n < len && !hung_up {
                return Ok(Spliced::Drained(moved));
            }
        }
    }

    /// Closes the descriptor and opens the path again for appending (creating it if it
    /// was moved away): what SIGUSR2 does to every log. On failure the old descriptor is
    /// kept.
    pub fn reopen(&mut self) -> Result<(), LogError> {
        let (file, seekable, regular) =
            open_append(&self.path, false).map_err(|source| LogError::Open {
                path: self.path.clone(),
                source,
            })?;
        self.file = file;
        self.seekable = seekable;
        self.regular = regular;
        self.append = true;
        Ok(())
    }

    /// Removes the file (a missing file is fine) and reopens it empty, as
    /// `clearProcessLogs` does. Backups are left in place, as Supervisor leaves them.
    pub fn clear(&mut self) -> Result<(), LogError> {
        let removed = match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(LogError::Remove {
                path: self.path.clone(),
                source,
            }),
        };
        let reopened = self.reopen();
        removed.and(reopened)
    }

    /// Forces a rollover now, whatever the size (no-op when `maxbytes == 0` or the target
    /// cannot seek, as for the size-triggered rollover).
    pub fn rollover(&mut self) -> Result<(), LogError> {
        if self.maxbytes == 0 || !self.seekable {
            return Ok(());
        }
        if self.backups > 0 {
            for i in (1..self.backups).rev() {
                let source = backup_path(&self.path, i);
                if source.exists() {
                    self.rename_quiet(&source, &backup_path(&self.path, i + 1))?;
                }
            }
            let first = backup_path(&self.path, 1);
            self.rename_quiet(&self.path.clone(), &first)?;
        }
        let (file, seekable, regular) =
            open_append(&self.path, true).map_err(|source| self.rotate_error(source))?;
        self.file = file;
        self.seekable = seekable;
        self.regular = regular;
        self.append = true;
        Ok(())
    }

    fn maybe_rollover(&mut self, size: u64) -> Result<(), LogError> {
        if size >= self.maxbytes {
            self.rollover()
        } else {
            Ok(())
        }
    }

    /// Removes `to`, then renames `from` to it, as Supervisor's `removeAndRename` does; a
    /// vanished source (a cleanup script removed the active log) or destination is not an
    /// error. Removing first also matters on ext4: a rename over an existing file makes
    /// it start writing back the renamed file's dirty pages at once, in our thread.
    fn rename_quiet(&self, from: &Path, to: &Path) -> Result<(), LogError> {
        match fs::remove_file(to) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(self.rotate_error(source)),
        }
        match fs::rename(from, to) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(self.rotate_error(source)),
        }
    }

    fn set_append(&mut self, on: bool) -> Result<(), LogError> {
        let flags = nix::fcntl::fcntl(&self.file, FcntlArg::F_GETFL)
            .map_err(|e| self.write_error(io::Error::from(e)))?;
        let mut flags = OFlag::from_bits_retain(flags);
        flags.set(OFlag::O_APPEND, on);
        nix::fcntl::fcntl(&self.file, FcntlArg::F_SETFL(flags))
            .map_err(|e| self.write_error(io::Error::from(e)))?;
        self.append = on;
        Ok(())
    }

    fn write_error(&self, source: io::Error) -> LogError {
        LogError::Write {
            path: self.path.clone(),
            source,
        }
    }

    fn rotate_error(&self, source: io::Error) -> LogError {
        LogError::Rotate {
            path: self.path.clone(),
            source,
        }
    }
}

impl AsFd for RotatingFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// `NAME.n`: the path of backup `n` of the log at `path`.
pub fn backup_path(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Opens `path` write-only with `O_APPEND | O_CREAT` (and `O_TRUNC` when `truncate`), then
/// moves to the end when the target can seek. Returns the file, whether it can seek, and
/// whether it is a regular file. (`OpenOptions` refuses `append` with `truncate`, hence the
/// custom flag.)
fn open_append(path: &Path, truncate: bool) -> io::Result<(File, bool, bool)> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(if truncate { OFlag::O_TRUNC.bits() } else { 0 })
        .open(path)?;
    let seekable = (&file).seek(SeekFrom::End(0)).is_ok();
    let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
    Ok((file, seekable, regular))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::OwnedFd;

    fn read(path: &Path) -> Vec<u8> {
        fs::read(path).unwrap_or_default()
    }

    #[test]
    fn rollover_names_and_shifts_backups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut f = RotatingFile::open(&path, 4, 3).unwrap();
        assert_eq!((f.maxbytes(), f.backups()), (4, 3));
        for chunk in [&b"ab"[..], b"cd", b"efghij", b"k", b"lmn", b"opqr", b"s"] {
            f.write(chunk).unwrap();
        }
        // "abcd" reached 4 -> .1; "efghij" (a chunk is never split) -> .1, "abcd" -> .2;
        // "klmn" -> .1 …; "opqr" -> .1 and "abcd" falls off the end.
        assert_eq!(read(&path), b"s");
        assert_eq!(read(&f.backup_path(1)), b"opqr");
        assert_eq!(read(&f.backup_path(2)), b"klmn");
        assert_eq!(read(&f.backup_path(3)), b"efghij");
        assert!(!f.backup_path(4).exists());
    }

    /// Supervisor's `test_emit_does_rollover`, byte for byte.
    #[test]
    fn upstream_emit_does_rollover() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.log");
        let mut f = RotatingFile::open(&path, 10, 2).unwrap();
        let exists = |f: &RotatingFile, n| f.backup_path(n).exists();
        let expect = [
            (false, false),
            (false, false),
            (true, false),
            (true, false),
            (true, false),
            (true, true),
            (true, true),
        ];
        for (one, two) in expect {
            f.write(b"aaaa").unwrap();
            assert_eq!((exists(&f, 1), exists(&f, 2)), (one, two));
        }
        assert_eq!(read(&path), b"aaaa");
        assert_eq!(read(&f.backup_path(1)), [b'a'; 12]);
        assert_eq!(read(&f.backup_path(2)), [b'a'; 12]);
    }

    #[test]
    fn zero_backups_truncates_and_zero_maxbytes_never_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        let mut f = RotatingFile::open(&path, 5, 0).unwrap();
        f.write(b"12345").unwrap();
        assert_eq!(read(&path), b"");
        f.write(b"67").unwrap();
        assert_eq!(read(&path), b"67");
        assert!(!f.backup_path(1).exists());

        let never = dir.path().join("n.log");
        let mut f = RotatingFile::open(&never, 0, 5).unwrap();
        f.write(&[b'x'; 1000]).unwrap();
        f.rollover().unwrap();
        assert_eq!(read(&never).len(), 1000);
        assert!(!f.backup_path(1).exists());
    }

    #[test]
    fn existing_file_is_appended_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        fs::write(&path, b"old!").unwrap();
        let mut f = RotatingFile::open(&path, 6, 1).unwrap();
        f.write(b"n").unwrap();
        assert_eq!(read(&path), b"old!n");
        f.write(b"e").unwrap();
        assert_eq!(read(&f.backup_path(1)), b"old!ne");
        assert_eq!(read(&path), b"");
    }

    #[test]
    fn gaps_in_backups_are_not_filled_and_extra_backups_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.log");
        let mut f = RotatingFile::open(&path, 1, 3).unwrap();
        fs::write(f.backup_path(2), b"two").unwrap();
        fs::write(f.backup_path(7), b"seven").unwrap();
        f.write(b"x").unwrap();
        assert_eq!(read(&f.backup_path(1)), b"x");
        assert_eq!(read(&f.backup_path(3)), b"two");
        assert!(!f.backup_path(2).exists());
        assert_eq!(read(&f.backup_path(7)), b"seven");
    }

    #[test]
    fn vanished_active_file_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.log");
        let mut f = RotatingFile::open(&path, 3, 2).unwrap();
        f.write(b"a").unwrap();
        fs::remove_file(&path).unwrap();
        f.write(b"bc").unwrap();
        assert!(!f.backup_path(1).exists());
        f.write(b"d").unwrap();
        assert_eq!(read(&path), b"d");
    }

    #[test]
    fn reopen_follows_external_rotation_and_clear_keeps_backups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        let mut f = RotatingFile::open(&path, 3, 1).unwrap();
        f.write(b"123").unwrap();
        f.write(b"4").unwrap();
        fs::rename(&path, dir.path().join("r.log.external")).unwrap();
        f.write(b"5").unwrap();
        f.reopen().unwrap();
        f.write(b"6").unwrap();
        assert_eq!(read(&dir.path().join("r.log.external")), b"45");
        assert_eq!(read(&path), b"6");
        f.clear().unwrap();
        assert_eq!(read(&path), b"");
        assert_eq!(read(&f.backup_path(1)), b"123");
        f.write(b"7").unwrap();
        assert_eq!(read(&path), b"7");
        fs::remove_file(&path).unwrap();
        f.clear().unwrap();
        assert!(path.exists());
    }

    #[test]
    fn full_disk_is_an_error_not_a_panic() {
        let mut f = RotatingFile::open("/dev/full", 0, 0).unwrap();
        let err = f.write(b"data").unwrap_err();
        assert!(matches!(err, LogError::Write { .. }), "{err}");
        assert!(err.to_string().contains("/dev/full"));
        let mut rotating = RotatingFile::open("/dev/full", 10, 2).unwrap();
        assert!(rotating.write(b"data").is_err());
    }

    #[test]
    fn missing_directory_fails_to_open() {
        let err = RotatingFile::open("/nonexistent-dir/x.log", 0, 0).unwrap_err();
        assert!(matches!(err, LogError::Open { .. }));
        assert!(err.to_string().contains("/nonexistent-dir/x.log"));
    }

    fn pipe() -> (OwnedFd, OwnedFd) {
        nix::unistd::pipe().unwrap()
    }

    fn set_nonblocking(fd: &OwnedFd) {
        nix::fcntl::fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).unwrap();
    }

    #[test]
    fn pipe_target_like_dev_stdout_never_seeks() {
        // `/proc/self/fd/N` of a pipe is what `/dev/stdout` is in a container.
        let (r, w) = pipe();
        let target = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&w));
        for maxbytes in [0, 2] {
            let mut f = RotatingFile::open(&target, maxbytes, 1).unwrap();
            f.write(b"hello").unwrap();
            f.reopen().unwrap();
            f.write(b"!").unwrap();
            assert!(!f.backup_path(1).exists());
        }
        drop(w);
        let mut got = Vec::new();
        File::from(r).read_to_end(&mut got).unwrap();
        assert_eq!(got, b"hello!hello!");
    }

    #[test]
    fn splice_moves_pipe_bytes_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let (r, w) = pipe();
        set_nonblocking(&r);
        let mut f = RotatingFile::open(&path, 8, 2).unwrap();
        f.write(b"ab").unwrap();
        assert_eq!(
            f.splice_from(r.as_fd(), 1 << 17, false).unwrap(),
            Spliced::Drained(0)
        );
        nix::unistd::write(&w, b"cdef").unwrap();
        assert_eq!(
            f.splice_from(r.as_fd(), 1 << 17, false).unwrap(),
            Spliced::Drained(4)
        );
        f.write(b"gh").unwrap();
        assert_eq!(read(&f.backup_path(1)), b"abcdefgh");
        // Pieces of 3, the last one cut at maxbytes: "012", "345", "67" -> rollover at
        // 8 bytes, then "89" is short.
        nix::unistd::write(&w, b"0123456789").unwrap();
        assert_eq!(
            f.splice_from(r.as_fd(), 3, false).unwrap(),
            Spliced::Drained(10)
        );
        assert_eq!(read(&path), b"89");
        assert_eq!(read(&f.backup_path(1)), b"01234567");
        assert_eq!(read(&f.backup_path(2)), b"abcdefgh");
        // A piece stops at maxbytes even when it could take more.
        nix::unistd::write(&w, b"tail!!!").unwrap();
        drop(w);
        assert_eq!(
            f.splice_from(r.as_fd(), 100, false).unwrap(),
            Spliced::Drained(7)
        );
        assert_eq!(read(&path), b"!");
        assert_eq!(read(&f.backup_path(1)), b"89tail!!");
        assert_eq!(read(&f.backup_path(2)), b"01234567");
        assert_eq!(
            f.splice_from(r.as_fd(), 100, false).unwrap(),
            Spliced::Eof(0)
        );
        f.write(b"+").unwrap();
        assert_eq!(read(&path), b"!+");
    }

    #[test]
    fn splice_after_a_hang_up_goes_on_to_end_of_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.log");
        let (r, w) = pipe();
        set_nonblocking(&r);
        let mut f = RotatingFile::open(&path, 0, 0).unwrap();
        nix::unistd::write(&w, b"last words").unwrap();
        drop(w);
        assert_eq!(
            f.splice_from(r.as_fd(), 100, true).unwrap(),
            Spliced::Eof(10)
        );
        assert_eq!(read(&path), b"last words");
    }

    #[test]
    fn splice_after_a_hang_up_stops_while_a_grandchild_holds_the_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.log");
        let (r, w) = pipe();
        set_nonblocking(&r);
        let mut f = RotatingFile::open(&path, 0, 0).unwrap();
        nix::unistd::write(&w, b"still open").unwrap();
        assert_eq!(
            f.splice_from(r.as_fd(), 100, true).unwrap(),
            Spliced::Drained(10)
        );
    }

    #[test]
    fn splice_appends_after_external_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let (r, w) = pipe();
        set_nonblocking(&r);
        let mut f = RotatingFile::open(&path, 0, 0).unwrap();
        nix::unistd::write(&w, b"1").unwrap();
        f.splice_from(r.as_fd(), 10, false).unwrap();
        let mut other = OpenOptions::new().append(true).open(&path).unwrap();
        other.write_all(b"2").unwrap();
        nix::unistd::write(&w, b"3").unwrap();
        f.splice_from(r.as_fd(), 10, false).unwrap();
        f.write(b"4").unwrap();
        assert_eq!(read(&path), b"1234");
    }

    #[test]
    fn splice_into_a_pipe_target_is_unsupported() {
        let (r, w) = pipe();
        let (_out_r, out_w) = pipe();
        let target = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&out_w));
        let mut f = RotatingFile::open(&target, 0, 0).unwrap();
        nix::unistd::write(&w, b"kept").unwrap();
        assert_eq!(
            f.splice_from(r.as_fd(), 10, false).unwrap(),
            Spliced::Unsupported
        );
        let mut buf = [0u8; 4];
        assert_eq!(nix::unistd::read(&r, &mut buf).unwrap(), 4);
    }
}
