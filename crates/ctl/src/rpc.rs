//! The calls supervisorctl makes on supervisord, as a typed trait, and what can go wrong
//! with them.
//!
//! [`Supervisor`] names the `supervisor.*` XML-RPC methods the controller uses, with
//! decoded results. The real implementation speaks XML-RPC over HTTP ([`crate::client`]);
//! tests use an in-memory fake. [`Connector`] makes a [`Supervisor`] for a server target
//! and opens `/logtail` streams.

use std::fmt;
use std::io::Read;
use std::panic::Location;

use supervisor_types::FaultCode;

/// Where and as whom to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `unix:///path` or `http://host[:port]`.
    pub serverurl: String,
    /// Basic-auth user name.
    pub username: Option<String>,
    /// Basic-auth password.
    pub password: Option<String>,
}

/// One process as `getProcessInfo` / `getAllProcessInfo` describe it (the fields the
/// controller reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The process name.
    pub name: String,
    /// Its group's name.
    pub group: String,
    /// The state code (`20` for RUNNING).
    pub state: i32,
    /// The state name (`RUNNING`).
    pub statename: String,
    /// The human description (`pid 123, uptime 0:00:05`).
    pub description: String,
    /// The pid, 0 when not running.
    pub pid: i64,
}

/// One entry of a multi-process result (`startAllProcesses`, `stopProcessGroup`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessResult {
    /// The process name.
    pub name: String,
    /// Its group's name.
    pub group: String,
    /// A fault code; 80 (SUCCESS) when it worked.
    pub status: i32,
    /// The fault string or `OK`.
    pub description: String,
}

/// One configured process as `getAllConfigInfo` reports it (the fields `avail` prints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigInfo {
    /// The process name.
    pub name: String,
    /// Its group's name.
    pub group: String,
    /// Whether the group is active in the running daemon.
    pub inuse: bool,
    /// `autostart`.
    pub autostart: bool,
    /// The group's priority.
    pub group_prio: i64,
    /// The process's priority.
    pub process_prio: i64,
}

/// What `reloadConfig` found: group names added, changed and removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigChanges {
    /// Groups in the files but not running.
    pub added: Vec<String>,
    /// Groups whose configuration differs.
    pub changed: Vec<String>,
    /// Groups running but gone from the files.
    pub removed: Vec<String>,
}

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum RpcErrorKind {
    /// The server answered with an XML-RPC fault.
    #[error("fault {code}: {string}")]
    Fault {
        /// `faultCode`.
        code: i32,
        /// `faultString`.
        string: String,
    },
    /// The server answered with an HTTP status other than 200 (401 asks for a login).
    #[error("HTTP status {status} {reason}")]
    Http {
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The reply was not the XML-RPC the method promises.
    #[error("bad reply: {0}")]
    Protocol(String),
    /// The server URL is neither `unix://` nor `http://`.
    #[error("{0}")]
    BadUrl(String),
    /// A value could not be sent (an integer beyond XML-RPC's 32 bits).
    #[error("{0}")]
    Overflow(String),
}

/// An error from a [`Supervisor`] call, with the source location that raised it (shown
/// in the `error: ...: file: F line: N` lines, as Python shows its traceback's last frame).
#[derive(Debug)]
pub struct RpcError {
    /// What went wrong.
    pub kind: RpcErrorKind,
    at: &'static Location<'static>,
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for RpcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl<E: Into<RpcErrorKind>> From<E> for RpcError {
    #[track_caller]
    fn from(kind: E) -> Self {
        RpcError {
            kind: kind.into(),
            at: Location::caller(),
        }
    }
}

impl RpcError {
    /// An XML-RPC fault.
    #[track_caller]
    pub fn fault(code: i32, string: impl Into<String>) -> RpcError {
        RpcErrorKind::Fault {
            code,
            string: string.into(),
        }
        .into()
    }

    /// A fault with one of Supervisor's codes and its usual string (`BAD_NAME: foo`).
    #[track_caller]
    pub fn supervisor_fault(code: FaultCode, detail: Option<&str>) -> RpcError {
        RpcError::fault(code.code(), code.fault_string(detail))
    }

    /// A malformed reply.
    #[track_caller]
    pub fn protocol(msg: impl Into<String>) -> RpcError {
        RpcErrorKind::Protocol(msg.into()).into()
    }

    /// The fault code, if this is a fault.
    pub fn fault_code(&self) -> Option<i32> {
        match &self.kind {
            RpcErrorKind::Fault { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The OS error number, if the connection failed.
    pub fn errno(&self) -> Option<i32> {
        match &self.kind {
            RpcErrorKind::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }

    /// Whether the server asked for credentials (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.kind, RpcErrorKind::Http { status: 401, .. })
    }

    /// The line Python's supervisorctl prints for an exception it did not expect:
    /// `error: <class 'X'>, MESSAGE: file: F line: N`. The class and message are Python's;
    /// file and line name our source.
    pub fn error_line(&self) -> String {
        let (class, message) = self.python_exception();
        format!(
            "error: <class '{class}'>, {message}: file: {} line: {}",
            self.at.file(),
            self.at.line()
        )
    }

    fn python_exception(&self) -> (String, String) {
        match &self.kind {
            RpcErrorKind::Fault { code, string } => (
                "xmlrpc.client.Fault".into(),
                format!("<Fault {code}: {}>", crate::py::repr(string)),
            ),
            RpcErrorKind::Http { status, reason } => (
                "xmlrpc.client.ProtocolError".into(),
                format!("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>"),
            ),
            RpcErrorKind::Io(e) => io_exception(e),
            RpcErrorKind::Protocol(m) => ("xmlrpc.client.ResponseError".into(), m.clone()),
            RpcErrorKind::Overflow(m) => ("OverflowError".into(), m.clone()),
            RpcErrorKind::BadUrl(m) => ("ValueError".into(), m.clone()),
        }
    }
}

/// Python's exception class and message for an OS error.
fn io_exception(e: &std::io::Error) -> (String, String) {
    let Some(errno) = e.raw_os_error() else {
        let text = e.to_string();
        let text = text
            .strip_prefix("failed to lookup address information: ")
            .unwrap_or(&text)
            .to_owned();
        let eai = match text.as_str() {
            "Name or service not known" => Some(-2),
            "Temporary failure in name resolution" => Some(-3),
            "Servname not supported for ai_socktype" => Some(-8),
            _ => None,
        };
        return match eai {
            Some(n) => ("socket.gaierror".into(), format!("[Errno {n}] {text}")),
            None => ("OSError".into(), text),
        };
    };
    let class = match errno {
        libc::ENOENT => "FileNotFoundError",
        libc::ECONNREFUSED => "ConnectionRefusedError",
        libc::ECONNRESET => "ConnectionResetError",
        libc::ECONNABORTED => "ConnectionAbortedError",
        libc::EPIPE => "BrokenPipeError",
        libc::EACCES | libc::EPERM => "PermissionError",
        libc::ETIMEDOUT => "TimeoutError",
        libc::ENOTDIR => "NotADirectoryError",
        _ => "OSError",
    };
    let text = e.to_string();
    let suffix = format!(" (os error {errno})");
    let text = text.strip_suffix(&suffix).unwrap_or(&text);
    (class.into(), format!("[Errno {errno}] {text}"))
}

/// The `supervisor.*` methods supervisorctl calls, typed.
pub trait Supervisor {
    /// `getVersion` (deprecated; the API version, `3.0`).
    fn get_api_version(&mut self) -> Result<String, RpcError>;
    /// `getSupervisorVersion`.
    fn get_supervisor_version(&mut self) -> Result<String, RpcError>;
    /// `getPID`.
    fn get_pid(&mut self) -> Result<i64, RpcError>;
    /// `getAllProcessInfo`.
    fn get_all_process_info(&mut self) -> Result<Vec<ProcessInfo>, RpcError>;
    /// `getProcessInfo(name)`.
    fn get_process_info(&mut self, name: &str) -> Result<ProcessInfo, RpcError>;
    /// `startProcess(name)`, waiting for it to be running.
    fn start_process(&mut self, name: &str) -> Result<(), RpcError>;
    /// `startProcessGroup(name)`.
    fn start_process_group(&mut self, name: &str) -> Result<Vec<ProcessResult>, RpcError>;
    /// `startAllProcesses()`.
    fn start_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError>;
    /// `stopProcess(name)`.
    fn stop_process(&mut self, name: &str) -> Result<(), RpcError>;
    /// `stopProcessGroup(name)`.
    fn stop_process_group(&mut self, name: &str) -> Result<Vec<ProcessResult>, RpcError>;
    /// `stopAllProcesses()`.
    fn stop_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError>;
    /// `signalProcess(name, signal)`.
    fn signal_process(&mut self, name: &str, signal: &str) -> Result<(), RpcError>;
    /// `signalProcessGroup(name, signal)`.
    fn signal_process_group(
        &mut self,
        name: &str,
        signal: &str,
    ) -> Result<Vec<ProcessResult>, RpcError>;
    /// `signalAllProcesses(signal)`.
    fn signal_all_processes(&mut self, signal: &str) -> Result<Vec<ProcessResult>, RpcError>;
    /// `readProcessStdoutLog(name, offset, length)`.
    fn read_process_stdout_log(
        &mut self,
        name: &str,
        offset: i64,
        length: i64,
    ) -> Result<String, RpcError>;
    /// `readProcessStderrLog(name, offset, length)`.
    fn read_process_stderr_log(
        &mut self,
        name: &str,
        offset: i64,
        length: i64,
    ) -> Result<String, RpcError>;
    /// `readLog(offset, length)`: the main log.
    fn read_log(&mut self, offset: i64, length: i64) -> Result<String, RpcError>;
    /// `clearProcessLogs(name)`.
    fn clear_process_logs(&mut self, name: &str) -> Result<(), RpcError>;
    /// `clearAllProcessLogs()`.
    fn clear_all_process_logs(&mut self) -> Result<Vec<ProcessResult>, RpcError>;
    /// `getAllConfigInfo()`.
    fn get_all_config_info(&mut self) -> Result<Vec<ConfigInfo>, RpcError>;
    /// `reloadConfig()`.
    fn reload_config(&mut self) -> Result<ConfigChanges, RpcError>;
    /// `addProcessGroup(name)`.
    fn add_process_group(&mut self, name: &str) -> Result<(), RpcError>;
    /// `removeProcessGroup(name)`.
    fn remove_process_group(&mut self, name: &str) -> Result<(), RpcError>;
    /// `shutdown()`.
    fn shutdown(&mut self) -> Result<(), RpcError>;
    /// `restart()`.
    fn restart(&mut self) -> Result<(), RpcError>;
    /// `sendProcessStdin(name, chars)`.
    fn send_process_stdin(&mut self, name: &str, chars: &str) -> Result<(), RpcError>;
}

/// Why a `/logtail` stream could not be opened; Python prints `URL MESSAGE` on stderr.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The connection failed.
    #[error("Cannot connect, error: <class '{class}'> ({message})")]
    Connect {
        /// Python's exception class name.
        class: String,
        /// Python's exception text.
        message: String,
    },
    /// The server answered with another status than 200.
    #[error("Cannot read, status code {0}")]
    Status(u16),
}

impl StreamError {
    /// The connect error for an OS error, with Python's class and text.
    pub fn connect(e: &std::io::Error) -> StreamError {
        let (class, message) = io_exception(e);
        StreamError::Connect { class, message }
    }
}

/// Makes connections: XML-RPC proxies and `/logtail` streams.
pub trait Connector {
    /// A proxy for `target`. It may connect lazily; errors show up on the first call.
    fn supervisor(&mut self, target: &Target) -> Box<dyn Supervisor>;
    /// Opens `GET path` (e.g. `/logtail/foo/stdout`) and returns the body as it arrives,
    /// de-chunked. Reads that time out (`WouldBlock`/`TimedOut`) let the caller check for
    /// Ctrl-C; end of stream means the server closed it.
    fn stream(&mut self, target: &Target, path: &str) -> Result<Box<dyn Read + Send>, StreamError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_name_python_classes() {
        let e = RpcError::from(std::io::Error::from_raw_os_error(libc::ENOENT));
        let line = e.error_line();
        assert!(
            line.starts_with(
                "error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: "
            ),
            "{line}"
        );
        assert!(line.contains("rpc.rs line: "));
        let e = RpcError::fault(2, "INCORRECT_PARAMETERS");
        assert!(e.error_line().starts_with(
            "error: <class 'xmlrpc.client.Fault'>, <Fault 2: 'INCORRECT_PARAMETERS'>: file: "
        ));
        let e = RpcError::from(RpcErrorKind::Http {
            status: 401,
            reason: "Unauthorized".into(),
        });
        assert!(e.is_unauthorized());
        assert!(e.error_line().starts_with(
            "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: "
        ));
    }

    #[test]
    fn stream_errors_read_like_python() {
        let e = StreamError::connect(&std::io::Error::from_raw_os_error(libc::ECONNREFUSED));
        assert_eq!(
            e.to_string(),
            "Cannot connect, error: <class 'ConnectionRefusedError'> ([Errno 111] Connection refused)"
        );
        assert_eq!(
            StreamError::Status(404).to_string(),
            "Cannot read, status code 404"
        );
    }
}
