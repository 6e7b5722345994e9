//! The event types by name, with Supervisor's hierarchy of abstract types.

/// Every event type Supervisor names, abstract ones included. A listener subscribed to an
/// abstract type (`EVENT`, `PROCESS_STATE`, ...) receives every concrete type below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `EVENT`: abstract, the root of every type.
    Event,
    /// `PROCESS_STATE`: abstract.
    ProcessState,
    /// `PROCESS_STATE_STOPPED`.
    ProcessStateStopped,
    /// `PROCESS_STATE_EXITED`.
    ProcessStateExited,
    /// `PROCESS_STATE_STARTING`.
    ProcessStateStarting,
    /// `PROCESS_STATE_STOPPING`.
    ProcessStateStopping,
    /// `PROCESS_STATE_BACKOFF`.
    ProcessStateBackoff,
    /// `PROCESS_STATE_FATAL`.
    ProcessStateFatal,
    /// `PROCESS_STATE_RUNNING`.
    ProcessStateRunning,
    /// `PROCESS_STATE_UNKNOWN`.
    ProcessStateUnknown,
    /// `PROCESS_COMMUNICATION`: abstract.
    ProcessCommunication,
    /// `PROCESS_COMMUNICATION_STDOUT`.
    ProcessCommunicationStdout,
    /// `PROCESS_COMMUNICATION_STDERR`.
    ProcessCommunicationStderr,
    /// `PROCESS_LOG`: abstract.
    ProcessLog,
    /// `PROCESS_LOG_STDOUT`.
    ProcessLogStdout,
    /// `PROCESS_LOG_STDERR`.
    ProcessLogStderr,
    /// `REMOTE_COMMUNICATION`.
    RemoteCommunication,
    /// `SUPERVISOR_STATE_CHANGE`: abstract.
    SupervisorStateChange,
    /// `SUPERVISOR_STATE_CHANGE_RUNNING`.
    SupervisorStateChangeRunning,
    /// `SUPERVISOR_STATE_CHANGE_STOPPING`.
    SupervisorStateChangeStopping,
    /// `TICK`: abstract.
    Tick,
    /// `TICK_5`.
    Tick5,
    /// `TICK_60`.
    Tick60,
    /// `TICK_3600`.
    Tick3600,
    /// `PROCESS_GROUP`: abstract.
    ProcessGroup,
    /// `PROCESS_GROUP_ADDED`.
    ProcessGroupAdded,
    /// `PROCESS_GROUP_REMOVED`.
    ProcessGroupRemoved,
}

impl EventType {
    /// Every type, in the order of Supervisor's `EventTypes` class.
    pub const ALL: [EventType; 27] = {
        use EventType::*;
        [
            Event,
            ProcessState,
            ProcessStateStopped,
            ProcessStateExited,
            ProcessStateStarting,
            ProcessStateStopping,
            ProcessStateBackoff,
            ProcessStateFatal,
            ProcessStateRunning,
            ProcessStateUnknown,
            ProcessCommunication,
            ProcessCommunicationStdout,
            ProcessCommunicationStderr,
            ProcessLog,
            ProcessLogStdout,
            ProcessLogStderr,
            RemoteCommunication,
            SupervisorStateChange,
            SupervisorStateChangeRunning,
            SupervisorStateChangeStopping,
            Tick,
            Tick5,
            Tick60,
            Tick3600,
            ProcessGroup,
            ProcessGroupAdded,
            ProcessGroupRemoved,
        ]
    };

    /// Supervisor's name, as written in `events=` and sent as `eventname:`.
    pub const fn name(self) -> &'static str {
        use EventType::*;
        match self {
            Event => "EVENT",
            ProcessState => "PROCESS_STATE",
            ProcessStateStopped => "PROCESS_STATE_STOPPED",
            ProcessStateExited => "PROCESS_STATE_EXITED",
            ProcessStateStarting => "PROCESS_STATE_STARTING",
            ProcessStateStopping => "PROCESS_STATE_STOPPING",
            ProcessStateBackoff => "PROCESS_STATE_BACKOFF",
            ProcessStateFatal => "PROCESS_STATE_FATAL",
            ProcessStateRunning => "PROCESS_STATE_RUNNING",
            ProcessStateUnknown => "PROCESS_STATE_UNKNOWN",
            ProcessCommunication => "PROCESS_COMMUNICATION",
            ProcessCommunicationStdout => "PROCESS_COMMUNICATION_STDOUT",
            ProcessCommunicationStderr => "PROCESS_COMMUNICATION_STDERR",
            ProcessLog => "PROCESS_LOG",
            ProcessLogStdout => "PROCESS_LOG_STDOUT",
            ProcessLogStderr => "PROCESS_LOG_STDERR",
            RemoteCommunication => "REMOTE_COMMUNICATION",
            SupervisorStateChange => "SUPERVISOR_STATE_CHANGE",
            SupervisorStateChangeRunning => "SUPERVISOR_STATE_CHANGE_RUNNING",
            SupervisorStateChangeStopping => "SUPERVISOR_STATE_CHANGE_STOPPING",
            Tick => "TICK",
            Tick5 => "TICK_5",
            Tick60 => "TICK_60",
            Tick3600 => "TICK_3600",
            ProcessGroup => "PROCESS_GROUP",
            ProcessGroupAdded => "PROCESS_GROUP_ADDED",
            ProcessGroupRemoved => "PROCESS_GROUP_REMOVED",
        }
    }

    /// The type named `name` (upper case, as the config crate hands it over).
    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The abstract type directly above this one (`None` for `EVENT`).
    pub const fn parent(self) -> Option<EventType> {
        use EventType::*;
        Some(match self {
            Event => return None,
            ProcessState
            | ProcessCommunication
            | ProcessLog
            | RemoteCommunication
            | SupervisorStateChange
            | Tick
            | ProcessGroup => Event,
            ProcessStateStopped | ProcessStateExited | ProcessStateStarting
            | ProcessStateStopping | ProcessStateBackoff | ProcessStateFatal
            | ProcessStateRunning | ProcessStateUnknown => ProcessState,
            ProcessCommunicationStdout | ProcessCommunicationStderr => ProcessCommunication,
            ProcessLogStdout | ProcessLogStderr => ProcessLog,
            SupervisorStateChangeRunning | SupervisorStateChangeStopping => SupervisorStateChange,
            Tick5 | Tick60 | Tick3600 => Tick,
            ProcessGroupAdded | ProcessGroupRemoved => ProcessGroup,
        })
    }

    /// Whether Supervisor never sends this type itself, only its subtypes. (Among the
    /// types with subtypes, only `REMOTE_COMMUNICATION` is also concrete.)
    pub fn is_abstract(self) -> bool {
        EventType::ALL.iter().any(|t| t.parent() == Some(self))
    }

    /// Whether an event of this type reaches a subscription to `subscription`: it is
    /// that type or one below it (Python's `isinstance`).
    pub fn is_a(self, subscription: EventType) -> bool {
        let mut t = Some(self);
        while let Some(current) = t {
            if current == subscription {
                return true;
            }
            t = current.parent();
        }
        false
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_config_crate_list() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_name(t.name()), Some(t));
        }
        assert_eq!(EventType::from_name("event"), None);
        assert_eq!(EventType::from_name("NOPE"), None);
    }

    #[test]
    fn the_abstract_types_are_supervisors() {
        let abstract_names: Vec<&str> = EventType::ALL
            .into_iter()
            .filter(|t| t.is_abstract())
            .map(EventType::name)
            .collect();
        assert_eq!(
            abstract_names,
            [
                "EVENT",
                "PROCESS_STATE",
                "PROCESS_COMMUNICATION",
                "PROCESS_LOG",
                "SUPERVISOR_STATE_CHANGE",
                "TICK",
                "PROCESS_GROUP"
            ]
        );
    }

    #[test]
    fn subscriptions_follow_the_hierarchy() {
        use EventType::*;
        for t in EventType::ALL {
            assert!(t.is_a(Event));
            assert!(t.is_a(t));
        }
        assert!(ProcessStateExited.is_a(ProcessState));
        assert!(!ProcessStateExited.is_a(ProcessLog));
        assert!(Tick60.is_a(Tick));
        assert!(!Tick.is_a(Tick60));
        assert!(!Event.is_a(ProcessState));
        assert!(ProcessLogStderr.is_a(ProcessLog));
        assert!(!ProcessLogStderr.is_a(ProcessCommunication));
    }
}
