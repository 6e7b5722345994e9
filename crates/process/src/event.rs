//! What comes out of the state machine (actions, events, log lines) and the exit status
//! that goes in.

use std::fmt;
use std::sync::Arc;

use supervisor_types::{LogLevel, ProcessState, SupervisorState, signal_name};

use crate::ProcessId;

/// Something the host must do: [`ProcessTable::poll_action`](crate::ProcessTable::poll_action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Spawn the process now, then report the outcome with
    /// [`handle_spawned`](crate::ProcessTable::handle_spawned) or
    /// [`handle_spawn_failed`](crate::ProcessTable::handle_spawn_failed). The child should
    /// get its own process group (`setpgid(0, 0)`), as Supervisor's children do, so that
    /// `process_group` kills reach it and its descendants.
    Spawn {
        /// The process to spawn.
        id: ProcessId,
    },
    /// Send `signal` to `pid`, or to the process group `-pid` when `process_group`.
    ///
    /// If sending fails with ESRCH the process exited on its own: do nothing, its exit
    /// will be reported. On any other error call
    /// [`handle_signal_failed`](crate::ProcessTable::handle_signal_failed).
    Kill {
        /// The process this signal is for.
        id: ProcessId,
        /// Its pid.
        pid: u32,
        /// The signal number.
        signal: i32,
        /// Signal the whole process group (`kill(-pid, sig)`).
        process_group: bool,
    },
}

/// How a child ended, as the host decoded its wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It called `exit(code)`.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
    /// A signal killed it and it dumped core.
    CoreDumped(i32),
    /// A wait status that is neither (printed as `unknown termination cause 0x....`).
    Unknown(i32),
}

impl ExitStatus {
    /// Decodes a raw `waitpid` status with the Linux/BSD bit layout (the `WIFEXITED`,
    /// `WEXITSTATUS`, `WTERMSIG`, `WCOREDUMP` macros), without calling libc.
    ///
    /// ```
    /// use supervisor_process::ExitStatus;
    /// assert_eq!(ExitStatus::from_wait_status(0x0100), ExitStatus::Exited(1));
    /// assert_eq!(ExitStatus::from_wait_status(9), ExitStatus::Signaled(9));
    /// assert_eq!(ExitStatus::from_wait_status(0x86), ExitStatus::CoreDumped(6));
    /// ```
    pub fn from_wait_status(raw: i32) -> ExitStatus {
        let low = raw & 0x7f;
        if low == 0 {
            ExitStatus::Exited((raw >> 8) & 0xff)
        } else if low != 0x7f {
            if raw & 0x80 != 0 {
                ExitStatus::CoreDumped(low)
            } else {
                ExitStatus::Signaled(low)
            }
        } else {
            ExitStatus::Unknown(raw)
        }
    }

    /// The code compared with `exitcodes` and reported as `exitstatus`: the exit code,
    /// or -1 when a signal ended the process.
    pub const fn code(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => code,
            _ => -1,
        }
    }
}

impl fmt::Display for ExitStatus {
    /// Supervisor's wording: `exit status 1`, `terminated by SIGKILL`,
    /// `terminated by SIGABRT (core dumped)`, `unknown termination cause 0x057f`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitStatus::Exited(code) => write!(f, "exit status {code}"),
            ExitStatus::Signaled(sig) => write!(f, "terminated by {}", signal_name(sig)),
            ExitStatus::CoreDumped(sig) => {
                write!(f, "terminated by {} (core dumped)", signal_name(sig))
            }
            ExitStatus::Unknown(raw) => write!(f, "unknown termination cause 0x{raw:04x}"),
        }
    }
}

/// One main-log line: what Supervisor would log at this point, word for word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Its level.
    pub level: LogLevel,
    /// Its text, e.g. `spawned: 'web' with pid 42`.
    pub text: String,
}

/// A process changed state: what Supervisor's `PROCESS_STATE_*` events carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// The process.
    pub id: ProcessId,
    /// Its name (`processname`).
    pub process: Arc<str>,
    /// Its group's name (`groupname`).
    pub group: Arc<str>,
    /// The state it left.
    pub from_state: ProcessState,
    /// The state it entered.
    pub to_state: ProcessState,
    /// Its pid at the time of the change (0 when it had none).
    pub pid: u32,
    /// Whether the exit was expected (meaningful for EXITED; true otherwise).
    pub expected: bool,
    /// The backoff counter at the time of the change (meaningful for STARTING, BACKOFF).
    pub tries: u32,
}

impl StateChange {
    /// The event type name, e.g. `PROCESS_STATE_RUNNING`.
    pub fn event_name(&self) -> &'static str {
        match self.to_state {
            ProcessState::Stopped => "PROCESS_STATE_STOPPED",
            ProcessState::Starting => "PROCESS_STATE_STARTING",
            ProcessState::Running => "PROCESS_STATE_RUNNING",
            ProcessState::Backoff => "PROCESS_STATE_BACKOFF",
            ProcessState::Stopping => "PROCESS_STATE_STOPPING",
            ProcessState::Exited => "PROCESS_STATE_EXITED",
            ProcessState::Fatal => "PROCESS_STATE_FATAL",
            ProcessState::Unknown => "PROCESS_STATE_UNKNOWN",
        }
    }

    /// The eventlistener payload Supervisor sends, e.g.
    /// `processname:cat groupname:cat from_state:STARTING pid:2766`.
    pub fn payload(&self) -> String {
        let head = format!(
            "processname:{} groupname:{} from_state:{}",
            self.process,
            self.group,
            self.from_state.name()
        );
        match self.to_state {
            ProcessState::Starting | ProcessState::Backoff => {
                format!("{head} tries:{}", self.tries)
            }
            ProcessState::Exited => {
                format!(
                    "{head} expected:{} pid:{}",
                    u8::from(self.expected),
                    self.pid
                )
            }
            ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
                format!("{head} pid:{}", self.pid)
            }
            ProcessState::Fatal | ProcessState::Unknown => head,
        }
    }
}

/// Something that happened: [`ProcessTable::poll_event`](crate::ProcessTable::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A process changed state (`PROCESS_STATE_*`).
    StateChange(StateChange),
    /// A line for the main log.
    Log(LogLine),
    /// A group was added (`PROCESS_GROUP_ADDED`).
    GroupAdded(Arc<str>),
    /// A group was removed (`PROCESS_GROUP_REMOVED`).
    GroupRemoved(Arc<str>),
    /// The supervisor entered RUNNING (`SUPERVISOR_STATE_CHANGE_RUNNING`).
    SupervisorRunning,
    /// The supervisor began stopping everything (`SUPERVISOR_STATE_CHANGE_STOPPING`).
    SupervisorStopping,
    /// Shutdown or restart finished: every process is in a stopped state. Carries the
    /// supervisor state, so the host knows whether to exit or reload.
    AllStopped(SupervisorState),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status_decoding() {
        assert_eq!(ExitStatus::from_wait_status(0), ExitStatus::Exited(0));
        assert_eq!(
            ExitStatus::from_wait_status(0xff00),
            ExitStatus::Exited(255)
        );
        assert_eq!(ExitStatus::from_wait_status(15), ExitStatus::Signaled(15));
        assert_eq!(
            ExitStatus::from_wait_status(0x137f),
            ExitStatus::Unknown(0x137f)
        );
    }

    #[test]
    fn wait_status_wording() {
        assert_eq!(ExitStatus::Exited(3).to_string(), "exit status 3");
        assert_eq!(ExitStatus::Signaled(9).to_string(), "terminated by SIGKILL");
        assert_eq!(
            ExitStatus::CoreDumped(11).to_string(),
            "terminated by SIGSEGV (core dumped)"
        );
        assert_eq!(
            ExitStatus::Unknown(0x137f).to_string(),
            "unknown termination cause 0x137f"
        );
        assert_eq!(ExitStatus::Signaled(9).code(), -1);
    }
}
