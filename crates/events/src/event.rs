//! The events themselves, their payloads, and the envelope a listener receives.

use std::sync::Arc;

use supervisor_log::py_repr_bytes;
use supervisor_process::StateChange;

use crate::EventType;

/// Which output channel of a process an output event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The child's stdout.
    Stdout,
    /// The child's stderr.
    Stderr,
}

impl Channel {
    /// `stdout` or `stderr`.
    pub const fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// The period of a `TICK_*` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TickPeriod {
    /// `TICK_5`.
    Five,
    /// `TICK_60`.
    Sixty,
    /// `TICK_3600`.
    Hour,
}

impl TickPeriod {
    /// The three periods, in the order Supervisor checks them.
    pub const ALL: [TickPeriod; 3] = [TickPeriod::Five, TickPeriod::Sixty, TickPeriod::Hour];

    /// The period in seconds.
    pub const fn seconds(self) -> i64 {
        match self {
            TickPeriod::Five => 5,
            TickPeriod::Sixty => 60,
            TickPeriod::Hour => 3600,
        }
    }
}

/// One event, as Supervisor would `notify` it. Concrete types only: abstract types exist
/// for subscriptions ([`EventType::is_abstract`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `PROCESS_STATE_*`: the state machine's own record, whose
    /// [`payload`](StateChange::payload) and [`event_name`](StateChange::event_name) are
    /// Supervisor's.
    ProcessState(StateChange),
    /// `PROCESS_LOG_STDOUT` / `_STDERR`: output a process wrote, with
    /// `stdout_events_enabled` / `stderr_events_enabled`.
    ProcessLog {
        /// The channel.
        channel: Channel,
        /// `processname`.
        process: Arc<str>,
        /// `groupname`.
        group: Arc<str>,
        /// The process's pid when the output was read (0 if it had already been reaped).
        pid: u32,
        /// The output (after `strip_ansi`, when set).
        data: Vec<u8>,
    },
    /// `PROCESS_COMMUNICATION_STDOUT` / `_STDERR`: what a process wrote between
    /// `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` (capture mode).
    ProcessCommunication {
        /// The channel.
        channel: Channel,
        /// `processname`.
        process: Arc<str>,
        /// `groupname`.
        group: Arc<str>,
        /// The process's pid.
        pid: u32,
        /// The captured bytes (at most `*_capture_maxbytes`).
        data: Vec<u8>,
    },
    /// `REMOTE_COMMUNICATION`: from the `sendRemoteCommEvent(type, data)` RPC.
    RemoteCommunication {
        /// The `type` argument.
        kind: String,
        /// The `data` argument.
        data: String,
    },
    /// `SUPERVISOR_STATE_CHANGE_RUNNING`.
    SupervisorRunning,
    /// `SUPERVISOR_STATE_CHANGE_STOPPING`.
    SupervisorStopping,
    /// `TICK_5`, `TICK_60`, `TICK_3600`.
    Tick {
        /// Which one.
        period: TickPeriod,
        /// The start of the time slice just entered, in Unix seconds (a multiple of the
        /// period).
        when: i64,
    },
    /// `PROCESS_GROUP_ADDED`.
    ProcessGroupAdded(Arc<str>),
    /// `PROCESS_GROUP_REMOVED`.
    ProcessGroupRemoved(Arc<str>),
}

impl Event {
    /// The concrete type.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::ProcessState(change) => {
                EventType::from_name(change.event_name()).unwrap_or(EventType::ProcessStateUnknown)
            }
            Event::ProcessLog {
                channel: Channel::Stdout,
                ..
            } => EventType::ProcessLogStdout,
            Event::ProcessLog {
                channel: Channel::Stderr,
                ..
            } => EventType::ProcessLogStderr,
            Event::ProcessCommunication {
                channel: Channel::Stdout,
                ..
            } => EventType::ProcessCommunicationStdout,
            Event::ProcessCommunication {
                channel: Channel::Stderr,
                ..
            } => EventType::ProcessCommunicationStderr,
            Event::RemoteCommunication { .. } => EventType::RemoteCommunication,
            Event::SupervisorRunning => EventType::SupervisorStateChangeRunning,
            Event::SupervisorStopping => EventType::SupervisorStateChangeStopping,
            Event::Tick {
                period: TickPeriod::Five,
                ..
            } => EventType::Tick5,
            Event::Tick {
                period: TickPeriod::Sixty,
                ..
            } => EventType::Tick60,
            Event::Tick {
                period: TickPeriod::Hour,
                ..
            } => EventType::Tick3600,
            Event::ProcessGroupAdded(_) => EventType::ProcessGroupAdded,
            Event::ProcessGroupRemoved(_) => EventType::ProcessGroupRemoved,
        }
    }

    /// The payload exactly as Supervisor writes it after the header line. Output that is
    /// not UTF-8 is sent as `Undecodable: b'...'`, as Supervisor sends it.
    pub fn payload(&self) -> String {
        match self {
            Event::ProcessState(change) => change.payload(),
            Event::ProcessLog {
                channel,
                process,
                group,
                pid,
                data,
            } => format!(
                "processname:{process} groupname:{group} pid:{pid} channel:{}\n{}",
                channel.name(),
                text(data)
            ),
            Event::ProcessCommunication {
                process,
                group,
                pid,
                data,
                ..
            } => format!(
                "processname:{process} groupname:{group} pid:{pid}\n{}",
                text(data)
            ),
            Event::RemoteCommunication { kind, data } => format!("type:{kind}\n{data}"),
            Event::SupervisorRunning | Event::SupervisorStopping => String::new(),
            Event::Tick { when, .. } => format!("when:{when}"),
            Event::ProcessGroupAdded(group) | Event::ProcessGroupRemoved(group) => {
                format!("groupname:{group}\n")
            }
        }
    }
}

/// Output bytes as Supervisor puts them in a payload: decoded as UTF-8, or
/// `Undecodable: ` and Python's `repr` of the bytes.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => s.into(),
        Err(_) => format!("Undecodable: {}", py_repr_bytes(data)).into(),
    }
}

/// Where an envelope goes and what it says about itself: the fields of the header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// `server:` — supervisord's `identifier`.
    pub server: &'a str,
    /// `serial:` — the event's serial, shared by every pool it reaches.
    pub serial: u64,
    /// `pool:` — the pool's name.
    pub pool: &'a str,
    /// `poolserial:` — the event's serial within this pool.
    pub pool_serial: u64,
    /// `eventname:`.
    pub event: EventType,
}

/// The bytes written to a listener's stdin: the header line
/// `ver:3.0 server:ID serial:N pool:NAME poolserial:N eventname:X len:N` and the payload.
///
/// `len` is the payload's length in bytes. (Supervisor on Python 3 sends its length in
/// characters, which makes listeners read the wrong amount when a payload is not ASCII.)
///
/// ```
/// use supervisor_events::{EventType, Header, envelope};
/// let header = Header {
///     server: "supervisor",
///     serial: 7,
///     pool: "mylistener",
///     pool_serial: 2,
///     event: EventType::Tick5,
/// };
/// assert_eq!(
///     envelope(&header, "when:1700000005"),
///     b"ver:3.0 server:supervisor serial:7 pool:mylistener poolserial:2 \
///       eventname:TICK_5 len:15\nwhen:1700000005"
/// );
/// ```
pub fn envelope(header: &Header<'_>, payload: &str) -> Vec<u8> {
    let mut out = format!(
        "ver:3.0 server:{} serial:{} pool:{} poolserial:{} eventname:{} len:{}\n",
        header.server,
        header.serial,
        header.pool,
        header.pool_serial,
        header.event.name(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_event(channel: Channel, data: &[u8]) -> Event {
        Event::ProcessLog {
            channel,
            process: "cat".into(),
            group: "grp".into(),
            pid: 42,
            data: data.to_vec(),
        }
    }

    #[test]
    fn payloads_are_supervisors() {
        assert_eq!(
            log_event(Channel::Stdout, b"hello\n").payload(),
            "processname:cat groupname:grp pid:42 channel:stdout\nhello\n"
        );
        assert_eq!(
            log_event(Channel::Stderr, b"\xff").payload(),
            "processname:cat groupname:grp pid:42 channel:stderr\nUndecodable: b'\\xff'"
        );
        let comm = Event::ProcessCommunication {
            channel: Channel::Stderr,
            process: "cat".into(),
            group: "grp".into(),
            pid: 7,
            data: b"<x/>".to_vec(),
        };
        assert_eq!(comm.payload(), "processname:cat groupname:grp pid:7\n<x/>");
        assert_eq!(comm.event_type(), EventType::ProcessCommunicationStderr);
        let remote = Event::RemoteCommunication {
            kind: "t".into(),
            data: "d\ne".into(),
        };
        assert_eq!(remote.payload(), "type:t\nd\ne");
        assert_eq!(Event::SupervisorRunning.payload(), "");
        assert_eq!(
            Event::SupervisorStopping.event_type().name(),
            "SUPERVISOR_STATE_CHANGE_STOPPING"
        );
        let tick = Event::Tick {
            period: TickPeriod::Sixty,
            when: 120,
        };
        assert_eq!(tick.payload(), "when:120");
        assert_eq!(tick.event_type(), EventType::Tick60);
        assert_eq!(
            Event::ProcessGroupRemoved("g".into()).payload(),
            "groupname:g\n"
        );
        assert_eq!(
            Event::ProcessGroupAdded("g".into()).event_type(),
            EventType::ProcessGroupAdded
        );
    }

    #[test]
    fn len_counts_bytes() {
        let header = Header {
            server: "s",
            serial: 0,
            pool: "p",
            pool_serial: 0,
            event: EventType::RemoteCommunication,
        };
        let payload = "type:x\nhé";
        let bytes = envelope(&header, payload);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(
            "ver:3.0 server:s serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:10\n"
        ));
        assert!(text.ends_with(payload));
    }
}
