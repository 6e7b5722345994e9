//! The crate's error types.

use std::io;
use std::path::PathBuf;

use supervisor_types::FaultCode;

/// A failure to open, write, rotate or remove a log, or to set up logging.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log file could not be opened (or created).
    #[error("cannot open log file {}: {source}", path.display())]
    Open {
        /// The log file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Writing to the log file failed (a full disk, a closed pipe…).
    #[error("cannot write log file {}: {source}", path.display())]
    Write {
        /// The log file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Renaming backups or starting the new file during rollover failed; the bytes were
    /// written and the previous descriptor is still in use.
    #[error("cannot rotate log file {}: {source}", path.display())]
    Rotate {
        /// The log file being rotated.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Removing the log file (to clear it) failed.
    #[error("cannot remove log file {}: {source}", path.display())]
    Remove {
        /// The log file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Writing a record to a stream (the daemon's stdout) failed.
    #[error("cannot write log record to stream: {0}")]
    Stream(#[source] io::Error),
    /// Handing a record to syslog failed.
    #[error("cannot send log record to syslog: {0}")]
    Syslog(#[source] io::Error),
    /// No directory to create an `AUTO` child log in, or no free name in it.
    #[error("cannot create AUTO child log in {}: {source}", dir.display())]
    AutoLog {
        /// The `childlogdir`.
        dir: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The local UTC offset cannot be determined (typically: more than one thread runs).
    #[error("cannot determine the local UTC offset (call it before starting threads)")]
    LocalOffset,
}

/// A failure of the log reading and clearing calls behind `readLog`,
/// `readProcessStdoutLog`, `clearLog` …, each mapping to one XML-RPC fault.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    /// Offset and length do not fit Supervisor's rules (fault `BAD_ARGUMENTS`).
    #[error(
        "bad arguments: negative offset needs length 0, and a non-negative offset needs length >= 0"
    )]
    BadArguments,
    /// The log file does not exist (fault `NO_FILE`, with the path as its text).
    #[error("no log file {}", path.display())]
    NoFile {
        /// The missing file.
        path: PathBuf,
    },
    /// The file exists but could not be read or removed (fault `FAILED`).
    #[error("log file {} failed: {source}", path.display())]
    Failed {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl LogFileError {
    /// The XML-RPC fault Supervisor answers with.
    pub fn fault_code(&self) -> FaultCode {
        match self {
            LogFileError::BadArguments => FaultCode::BadArguments,
            LogFileError::NoFile { .. } => FaultCode::NoFile,
            LogFileError::Failed { .. } => FaultCode::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_map_and_messages_name_the_file() {
        assert_eq!(
            LogFileError::BadArguments.fault_code(),
            FaultCode::BadArguments
        );
        let e = LogFileError::NoFile {
            path: "/tmp/x.log".into(),
        };
        assert_eq!(e.fault_code(), FaultCode::NoFile);
        assert_eq!(e.to_string(), "no log file /tmp/x.log");
        let e = LogFileError::Failed {
            path: "/tmp/x.log".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.fault_code(), FaultCode::Failed);
        assert!(e.to_string().starts_with("log file /tmp/x.log failed"));
        let e = LogError::Write {
            path: "/var/log/a.log".into(),
            source: io::Error::from_raw_os_error(28),
        };
        assert!(e.to_string().contains("/var/log/a.log"));
    }
}
