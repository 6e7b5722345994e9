//! Process, supervisor and eventlistener states with Supervisor's codes.

/// The state of one supervised process, with the numeric codes Supervisor reports over
/// XML-RPC (`state` in `getProcessInfo`) and in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProcessState {
    /// Stopped on request, or never started.
    Stopped,
    /// Spawned, waiting for `startsecs` to pass.
    Starting,
    /// Stayed up for `startsecs`.
    Running,
    /// Exited too quickly (or failed to spawn); a retry is scheduled.
    Backoff,
    /// Sent its stop signal; waiting for it to exit.
    Stopping,
    /// Exited from RUNNING.
    Exited,
    /// Gave up after too many start retries.
    Fatal,
    /// Supervisor lost track of it.
    Unknown,
}

impl ProcessState {
    /// Every state, in code order.
    pub const ALL: [ProcessState; 8] = [
        ProcessState::Stopped,
        ProcessState::Starting,
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Stopping,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// Supervisor's numeric code (`STOPPED` 0 … `UNKNOWN` 1000).
    pub const fn code(self) -> i32 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    /// The state with this code, if any.
    pub fn from_code(code: i32) -> Option<ProcessState> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The upper-case name Supervisor reports (`statename`), e.g. `RUNNING`.
    pub const fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// The state with this upper-case name, if any.
    pub fn from_name(name: &str) -> Option<ProcessState> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Supervisor's `STOPPED_STATES`: STOPPED, EXITED, FATAL, UNKNOWN.
    pub const fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// Supervisor's `RUNNING_STATES`: RUNNING, BACKOFF, STARTING.
    pub const fn is_running(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Backoff | ProcessState::Starting
        )
    }

    /// Supervisor's `SIGNALLABLE_STATES`: RUNNING, STARTING, STOPPING.
    pub const fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Starting | ProcessState::Stopping
        )
    }
}

impl std::fmt::Display for ProcessState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The state of supervisord itself, as `getState` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SupervisorState {
    /// Something went wrong inside supervisord.
    Fatal,
    /// Normal operation.
    Running,
    /// Stopping everything to reload the configuration.
    Restarting,
    /// Stopping everything to exit.
    Shutdown,
}

impl SupervisorState {
    /// Supervisor's numeric code (`FATAL` 2, `RUNNING` 1, `RESTARTING` 0, `SHUTDOWN` -1).
    pub const fn code(self) -> i32 {
        match self {
            SupervisorState::Fatal => 2,
            SupervisorState::Running => 1,
            SupervisorState::Restarting => 0,
            SupervisorState::Shutdown => -1,
        }
    }

    /// The upper-case name (`statename` in `getState`).
    pub const fn name(self) -> &'static str {
        match self {
            SupervisorState::Fatal => "FATAL",
            SupervisorState::Running => "RUNNING",
            SupervisorState::Restarting => "RESTARTING",
            SupervisorState::Shutdown => "SHUTDOWN",
        }
    }
}

impl std::fmt::Display for SupervisorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The protocol state of an eventlistener process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventListenerState {
    /// Ready to be sent an event.
    Ready,
    /// Processing an event.
    Busy,
    /// Has answered the last event.
    Acknowledged,
    /// Said something outside the protocol.
    Unknown,
}

impl EventListenerState {
    /// Supervisor's numeric code (READY 10, BUSY 20, ACKNOWLEDGED 30, UNKNOWN 40).
    pub const fn code(self) -> i32 {
        match self {
            EventListenerState::Ready => 10,
            EventListenerState::Busy => 20,
            EventListenerState::Acknowledged => 30,
            EventListenerState::Unknown => 40,
        }
    }

    /// The upper-case name.
    pub const fn name(self) -> &'static str {
        match self {
            EventListenerState::Ready => "READY",
            EventListenerState::Busy => "BUSY",
            EventListenerState::Acknowledged => "ACKNOWLEDGED",
            EventListenerState::Unknown => "UNKNOWN",
        }
    }
}

/// When a process that exited from RUNNING is started again (`autorestart`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AutoRestart {
    /// `autorestart=false`: never.
    Never,
    /// `autorestart=unexpected` (the default): when the exit code is not in `exitcodes`.
    #[default]
    Unexpected,
    /// `autorestart=true`: always.
    Always,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for s in ProcessState::ALL {
            assert_eq!(ProcessState::from_code(s.code()), Some(s));
            assert_eq!(ProcessState::from_name(s.name()), Some(s));
        }
        assert_eq!(ProcessState::from_code(5), None);
    }

    #[test]
    fn state_classes_match_supervisor() {
        use ProcessState::*;
        let stopped: Vec<_> = ProcessState::ALL
            .into_iter()
            .filter(|s| s.is_stopped())
            .collect();
        assert_eq!(stopped, [Stopped, Exited, Fatal, Unknown]);
        let running: Vec<_> = ProcessState::ALL
            .into_iter()
            .filter(|s| s.is_running())
            .collect();
        assert_eq!(running, [Starting, Running, Backoff]);
        let sig: Vec<_> = ProcessState::ALL
            .into_iter()
            .filter(|s| s.is_signallable())
            .collect();
        assert_eq!(sig, [Starting, Running, Stopping]);
    }

    #[test]
    fn supervisor_state_codes() {
        assert_eq!(SupervisorState::Shutdown.code(), -1);
        assert_eq!(SupervisorState::Running.name(), "RUNNING");
        assert_eq!(EventListenerState::Acknowledged.code(), 30);
    }
}
