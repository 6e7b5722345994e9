//! Log files for supervisord, as Python Supervisor 4.3 keeps them: the main-log record
//! format and levels, size-rotated files with Supervisor's backup naming and rollover,
//! reopen (SIGUSR2), byte-offset reads and tails for the XML-RPC log methods, the
//! follower behind the HTTP log streams, and the child-output helpers (ANSI stripping,
//! capture mode, `AUTO` log names).
//!
//! What it is not: it owns no event loop, no pipes and no processes. The daemon reads the
//! children's pipes and hands the bytes (or, on the fast path, the pipe itself) to this
//! crate; the API crate turns [`LogFileError`] into XML-RPC faults.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use supervisor_log::{read_log, tail_log, LocalClock, Logger, Handler, RotatingFile};
//! use supervisor_types::LogLevel;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("supervisord.log");
//!
//! // The main log: local time (UTC here), milliseconds after a comma, 4-letter levels.
//! let mut log = Logger::new(LogLevel::Info, LocalClock::utc());
//! log.add_handler(Handler::File(RotatingFile::open(&path, 0, 0).unwrap()));
//! let at = UNIX_EPOCH + Duration::from_millis(1_704_103_200_123);
//! log.log_at(LogLevel::Info, "spawned: 'foo' with pid 42", at).unwrap();
//! log.log_at(LogLevel::Debug, "not at info level", at).unwrap();
//!
//! let line = "2024-01-01 10:00:00,123 INFO spawned: 'foo' with pid 42\n";
//! assert_eq!(read_log(&path, 0, 0).unwrap(), line.as_bytes());
//! // readLog: a negative offset reads the last bytes.
//! assert_eq!(read_log(&path, -7, 0).unwrap(), b"pid 42\n");
//! // tailProcessStdoutLog: [bytes, offset, overflow].
//! let tail = tail_log(&path, 0, 3);
//! assert_eq!((tail.bytes.as_slice(), tail.offset, tail.overflow), (&b"42\n"[..], 56, true));
//!
//! // A child log rotating at 10 bytes with 2 backups.
//! let child = dir.path().join("child.log");
//! let mut file = RotatingFile::open(&child, 10, 2).unwrap();
//! file.write(b"0123456789").unwrap(); // reached maxbytes: now in child.log.1
//! file.write(b"abc").unwrap();
//! assert_eq!(std::fs::read(file.backup_path(1)).unwrap(), b"0123456789");
//! assert_eq!(std::fs::read(&child).unwrap(), b"abc");
//! ```
//!
//! See the [`guide`] for how the daemon wires these pieces together.
#![deny(missing_docs)]

mod autolog;
mod clock;
mod error;
mod file;
mod logger;
mod output;
mod read;

pub mod guide;

pub use autolog::{Cleanup, clear_auto_child_logs, create_auto_child_log, is_auto_child_log};
pub use clock::LocalClock;
pub use error::{LogError, LogFileError};
pub use file::{RotatingFile, Spliced, backup_path};
pub use logger::{
    ChildLog, Handler, Logger, MainLogSettings, MainLogTarget, SyslogSink, SystemSyslog,
};
pub use output::{
    BEGIN_TOKEN, BoundBuffer, END_TOKEN, OutputSplitter, Piece, mainlog_message, py_repr_bytes,
    strip_ansi,
};
pub use read::{LOGTAIL_HEAD, TRUNCATED_NOTICE, Tail, TailFollower, TailPoll, read_log, tail_log};
