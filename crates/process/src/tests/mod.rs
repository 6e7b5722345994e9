//! Scenario tests on simulated time: a fake host that answers every action, and a clock
//! that only moves when a test moves it (usually straight to `poll_timeout()`).

mod commands;
mod invariants;
mod lifecycle;
mod shutdown;
mod transitions;

use std::time::{Duration, Instant, UNIX_EPOCH};

use supervisor_types::ProcessState;

use crate::*;

/// The one place tests read the monotonic clock: a base that simulated time moves from.
#[allow(clippy::disallowed_methods)]
fn base_instant() -> Instant {
    Instant::now()
}

/// 2023-11-30 16:00:00 UTC, so dates in descriptions are predictable.
const WALL_BASE: u64 = 1_701_360_000;

/// A table, a simulated clock and a fake host.
pub(super) struct Sim {
    pub table: ProcessTable,
    pub now: Timestamp,
    pub next_pid: u32,
    /// Every action polled so far, oldest first.
    pub actions: Vec<Action>,
    /// Every event polled so far, oldest first.
    pub events: Vec<Event>,
    /// Spawns answered with a failure while this is set.
    pub fail_spawns: Option<String>,
}

impl Sim {
    pub fn new() -> Sim {
        Sim {
            table: ProcessTable::new(),
            now: Timestamp::new(base_instant(), UNIX_EPOCH + Duration::from_secs(WALL_BASE)),
            next_pid: 100,
            actions: Vec::new(),
            events: Vec::new(),
            fail_spawns: None,
        }
    }

    /// A simulation with these groups added and autostart done.
    pub fn with(groups: Vec<GroupSpec>) -> Sim {
        let mut sim = Sim::new();
        for g in groups {
            sim.table.add_group(g, sim.now).unwrap();
        }
        sim.table.start_autostart(sim.now);
        sim.pump();
        sim
    }

    /// Answers every pending action like a host whose spawns succeed (or fail while
    /// `fail_spawns` is set) and whose signals are delivered, and collects events.
    pub fn pump(&mut self) {
        loop {
            if let Some(action) = self.table.poll_action() {
                self.actions.push(action.clone());
                if let Action::Spawn { id } = action {
                    match &self.fail_spawns {
                        Some(msg) => {
                            let msg = msg.clone();
                            assert!(self.table.handle_spawn_failed(id, &msg, self.now));
                        }
                        None => {
                            self.next_pid += 1;
                            assert!(self.table.handle_spawned(id, self.next_pid, self.now));
                        }
                    }
                }
                continue;
            }
            match self.table.poll_event() {
                Some(e) => self.events.push(e),
                None => break,
            }
        }
    }

    pub fn id(&self, namespec: &str) -> ProcessId {
        match self.table.find(namespec) {
            Ok(Target::Process(id)) => id,
            other => panic!("{namespec}: {other:?}"),
        }
    }

    pub fn state(&self, namespec: &str) -> ProcessState {
        self.table.process(self.id(namespec)).unwrap().state()
    }

    pub fn pid(&self, namespec: &str) -> u32 {
        self.table
            .process(self.id(namespec))
            .unwrap()
            .pid()
            .unwrap()
    }

    /// Moves time forward by `secs` (fractions allowed) and handles the timeout.
    pub fn advance(&mut self, secs: f64) {
        self.now = self.now.advanced(Duration::from_secs_f64(secs));
        self.table.handle_timeout(self.now);
        self.pump();
    }

    /// Jumps to the next deadline and handles it; returns how far time moved.
    pub fn step(&mut self) -> Duration {
        let deadline = self.table.poll_timeout().expect("a deadline");
        let before = self.now.mono;
        self.now = self.now.advanced_to(deadline);
        self.table.handle_timeout(self.now);
        self.pump();
        self.now.mono - before
    }

    /// The process exits with `status`.
    pub fn exit(&mut self, namespec: &str, status: ExitStatus) {
        let pid = self.pid(namespec);
        assert!(self.table.handle_exit(pid, status, self.now));
        self.pump();
    }

    pub fn start(&mut self, namespec: &str) -> Result<(), CommandError> {
        let r = self.table.start(self.id(namespec), self.now);
        self.pump();
        r
    }

    pub fn stop(&mut self, namespec: &str) -> Result<(), CommandError> {
        let r = self.table.stop(self.id(namespec), self.now);
        self.pump();
        r
    }

    /// The main-log lines so far, as `LEVEL text`, and forgets them.
    pub fn take_log(&mut self) -> Vec<String> {
        let lines = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Log(l) => Some(format!("{} {}", l.level.name(), l.text)),
                _ => None,
            })
            .collect();
        self.events.retain(|e| !matches!(e, Event::Log(_)));
        lines
    }

    /// The state changes so far as `NAME FROM->TO`, and forgets them.
    pub fn take_changes(&mut self) -> Vec<String> {
        let changes = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::StateChange(c) => {
                    Some(format!("{} {}->{}", c.process, c.from_state, c.to_state))
                }
                _ => None,
            })
            .collect();
        self.events.retain(|e| !matches!(e, Event::StateChange(_)));
        changes
    }

    /// The state-change events so far, and forgets them.
    pub fn take_change_events(&mut self) -> Vec<StateChange> {
        let changes = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::StateChange(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        self.events.retain(|e| !matches!(e, Event::StateChange(_)));
        changes
    }

    /// The actions so far, and forgets them.
    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// The kill actions so far as `(pid, signal, group)`, and forgets all actions.
    pub fn take_kills(&mut self) -> Vec<(u32, i32, bool)> {
        self.take_actions()
            .into_iter()
            .filter_map(|a| match a {
                Action::Kill {
                    pid,
                    signal,
                    process_group,
                    ..
                } => Some((pid, signal, process_group)),
                Action::Spawn { .. } => None,
            })
            .collect()
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.actions.clear();
    }
}

/// A process spec with startsecs/startretries/stopwaitsecs given.
pub(super) fn proc_spec(name: &str) -> ProcessSpec {
    ProcessSpec::new(name)
}

/// A one-process group named like the process.
pub(super) fn single(spec: ProcessSpec) -> GroupSpec {
    GroupSpec::single(spec)
}
