//! The daemon's side of events and eventlisteners: it turns the process table's events
//! and child output into [`supervisor_events::Event`]s, hands listener stdout to the
//! protocol, and writes what the bus dispatches to listener stdin. The protocol,
//! buffers and serials live in `supervisor-events`.

use std::sync::Arc;

use supervisor_config::{GroupConfig, GroupKind};
use supervisor_events::{Channel, Event, EventType, PoolSpec};
use supervisor_log::py_repr_bytes;
use supervisor_process::{Event as TableEvent, ProcessId, ProcessTable};
use supervisor_types::{LogLevel, py_repr};

use crate::core::{self, Core};
use crate::host::write_stdin_to;

/// The pool an `[eventlistener:x]` group makes, `None` for other groups.
pub(crate) fn pool_spec(group: &GroupConfig, table: &ProcessTable) -> Option<PoolSpec> {
    let GroupKind::EventListener {
        buffer_size,
        events,
        ..
    } = &group.kind
    else {
        return None;
    };
    Some(PoolSpec {
        name: group.name.clone(),
        events: events
            .iter()
            .filter_map(|e| EventType::from_name(e))
            .collect(),
        buffer_size: usize::try_from(*buffer_size).unwrap_or(1),
        listeners: group
            .processes
            .iter()
            .filter_map(|pc| {
                table
                    .process_id(&group.name, &pc.name)
                    .map(|id| (id, pc.name.clone()))
            })
            .collect(),
    })
}

/// The bus's view of a table event; main-log lines and the end of a shutdown are not
/// events.
pub(crate) fn from_table(event: &TableEvent) -> Option<Event> {
    Some(match event {
        TableEvent::StateChange(change) => Event::ProcessState(change.clone()),
        TableEvent::GroupAdded(name) => Event::ProcessGroupAdded(Arc::clone(name)),
        TableEvent::GroupRemoved(name) => Event::ProcessGroupRemoved(Arc::clone(name)),
        TableEvent::SupervisorRunning => Event::SupervisorRunning,
        TableEvent::SupervisorStopping => Event::SupervisorStopping,
        TableEvent::Log(_) | TableEvent::AllStopped(_) => return None,
    })
}

/// What one piece of a process's output means for events, decided in `read_pipe`.
pub(crate) enum Output {
    /// Normal or captured output (`PROCESS_LOG_*` when `*_events_enabled`).
    Log(Vec<u8>),
    /// A finished capture (`PROCESS_COMMUNICATION_*`).
    Comm(Vec<u8>),
}

impl Core {
    /// Runs the bus after the table settled: tick events, dispatch to READY listeners,
    /// and the bus's main-log lines.
    pub(crate) fn pump_events(&mut self) {
        self.events.handle_timeout(Core::timestamp());
        let Core {
            events,
            procs,
            stdin_backlog,
            ..
        } = self;
        events.dispatch(&mut |id, bytes| write_stdin_to(procs, stdin_backlog, id, bytes).is_ok());
        while let Some(line) = self.events.poll_log() {
            self.log(line.level, &line.text);
        }
    }

    /// Publishes what a process wrote: `PROCESS_LOG_*` for output when the channel has
    /// `*_events_enabled`, `PROCESS_COMMUNICATION_*` (and Supervisor's debug line) for a
    /// finished capture. Returns the main-log line to write, if any.
    pub(crate) fn output_event(
        &mut self,
        id: ProcessId,
        channel: core::Channel,
        output: Output,
    ) -> Option<String> {
        let p = self.procs.get(&id)?;
        let pid = self.table.process(id).and_then(|r| r.pid()).unwrap_or(0);
        let (process, group): (Arc<str>, Arc<str>) = (
            p.config.name.as_str().into(),
            p.config.group.as_str().into(),
        );
        let (channel, enabled) = match channel {
            core::Channel::Stdout => (Channel::Stdout, p.config.stdout_events_enabled),
            core::Channel::Stderr => (Channel::Stderr, p.config.stderr_events_enabled),
        };
        match output {
            Output::Log(data) => {
                if enabled {
                    self.events.publish(Event::ProcessLog {
                        channel,
                        process,
                        group,
                        pid,
                        data,
                    });
                }
                None
            }
            Output::Comm(data) => {
                let message = format!(
                    "{} {} emitted a comm event",
                    py_repr(&process),
                    channel.name()
                );
                self.events.publish(Event::ProcessCommunication {
                    channel,
                    process,
                    group,
                    pid,
                    data,
                });
                Some(message)
            }
        }
    }

    /// Whether `id`'s stdout speaks the eventlistener protocol instead of being output.
    pub(crate) fn is_listener(&self, id: ProcessId) -> bool {
        self.events.is_listener(id)
    }

    /// A listener wrote on its stdout: the bytes go to the protocol; the main-log echo
    /// (at debug) shows them as Python's `repr` of bytes, as Supervisor's does.
    pub(crate) fn listener_output(&mut self, id: ProcessId, data: &[u8]) {
        if self.logger.is_enabled(LogLevel::Debug) {
            let name = self
                .procs
                .get(&id)
                .map(|p| p.config.name.clone())
                .unwrap_or_default();
            let message = format!("{} stdout output:\n{}", py_repr(&name), py_repr_bytes(data));
            self.log(LogLevel::Debug, &message);
        }
        self.events.handle_output(id, data);
    }
}
