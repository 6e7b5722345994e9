//! Why a command was refused.

use std::fmt;

use supervisor_types::FaultCode;

/// Why a command was refused, one variant per Supervisor fault it maps to.
///
/// The `String` is the fault detail Supervisor sends: the process's namespec (`group:name`,
/// or `name` when they are equal), the group name, or a message. Supervisor echoes the
/// name exactly as the client typed it; an RPC layer that wants that can pair
/// [`CommandError::fault_code`] with its own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// No such process or group (`BAD_NAME`).
    BadName(String),
    /// Not a valid signal number (`BAD_SIGNAL`).
    BadSignal(String),
    /// Starting a process that is STARTING, RUNNING or BACKOFF (`ALREADY_STARTED`).
    AlreadyStarted(String),
    /// Stopping or signalling a process that is not running (`NOT_RUNNING`).
    NotRunning(String),
    /// The command could not be carried out; the text says why (`FAILED`).
    Failed(String),
    /// The process did not start: its spawn failed or it exited too quickly (`SPAWN_ERROR`).
    SpawnError(String),
    /// The process left STARTING for a state other than RUNNING (`ABNORMAL_TERMINATION`).
    AbnormalTermination(String),
    /// The supervisor is shutting down or restarting (`SHUTDOWN_STATE`).
    ShutdownState,
    /// A group with this name already exists (`ALREADY_ADDED`).
    AlreadyAdded(String),
    /// A group still has processes that are not stopped (`STILL_RUNNING`).
    StillRunning(String),
}

impl CommandError {
    /// The XML-RPC fault this error becomes.
    pub const fn fault_code(&self) -> FaultCode {
        match self {
            CommandError::BadName(_) => FaultCode::BadName,
            CommandError::BadSignal(_) => FaultCode::BadSignal,
            CommandError::AlreadyStarted(_) => FaultCode::AlreadyStarted,
            CommandError::NotRunning(_) => FaultCode::NotRunning,
            CommandError::Failed(_) => FaultCode::Failed,
            CommandError::SpawnError(_) => FaultCode::SpawnError,
            CommandError::AbnormalTermination(_) => FaultCode::AbnormalTermination,
            CommandError::ShutdownState => FaultCode::ShutdownState,
            CommandError::AlreadyAdded(_) => FaultCode::AlreadyAdded,
            CommandError::StillRunning(_) => FaultCode::StillRunning,
        }
    }

    /// The fault detail (the text after `NAME: ` in `faultString`), if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            CommandError::BadName(d)
            | CommandError::BadSignal(d)
            | CommandError::AlreadyStarted(d)
            | CommandError::NotRunning(d)
            | CommandError::Failed(d)
            | CommandError::SpawnError(d)
            | CommandError::AbnormalTermination(d)
            | CommandError::AlreadyAdded(d)
            | CommandError::StillRunning(d) => Some(d),
            CommandError::ShutdownState => None,
        }
    }
}

impl fmt::Display for CommandError {
    /// The `faultString` Supervisor would send, e.g. `NOT_RUNNING: web`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fault_code().fault_string(self.detail()))
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_fault_string() {
        assert_eq!(
            CommandError::NotRunning("g:web".into()).to_string(),
            "NOT_RUNNING: g:web"
        );
        assert_eq!(CommandError::ShutdownState.to_string(), "SHUTDOWN_STATE");
        assert_eq!(
            CommandError::StillRunning("g".into()).fault_code().code(),
            91
        );
    }
}
