//! Random operation sequences against a fake host that obeys SIGKILL, checking the
//! invariants after every operation.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use supervisor_types::{AutoRestart, ProcessState};

use super::base_instant;
use crate::*;

#[derive(Clone, Debug)]
enum Op {
    Start(usize),
    Stop(usize),
    Signal(usize, i32),
    Exit(usize, ExitStatus),
    SignalFailed(usize),
    SpawnFailures(bool),
    Advance(u64),
    Jump,
    StartAll,
    StopAll,
    Remove(usize),
    Readd(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let status = prop_oneof![
        (0..4i32).prop_map(ExitStatus::Exited),
        prop_oneof![Just(9), Just(15), Just(11)].prop_map(ExitStatus::Signaled),
    ];
    prop_oneof![
        3 => (0..6usize).prop_map(Op::Start),
        3 => (0..6usize).prop_map(Op::Stop),
        1 => (0..6usize, -1..40i32).prop_map(|(p, s)| Op::Signal(p, s)),
        4 => (0..6usize, status).prop_map(|(p, s)| Op::Exit(p, s)),
        1 => (0..6usize).prop_map(Op::SignalFailed),
        1 => any::<bool>().prop_map(Op::SpawnFailures),
        3 => (0..4000u64).prop_map(Op::Advance),
        4 => Just(Op::Jump),
        1 => Just(Op::StartAll),
        1 => Just(Op::StopAll),
        1 => (0..3usize).prop_map(Op::Remove),
        1 => (0..3usize).prop_map(Op::Readd),
    ]
}

fn spec() -> impl Strategy<Value = ProcessSpec> {
    (
        0..3u64,
        0..4u32,
        0..6u64,
        0..3u8,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(startsecs, startretries, stopwaitsecs, ar, sag, kag, autostart)| {
                let mut s = ProcessSpec::new("p");
                s.startsecs = startsecs;
                s.startretries = startretries;
                s.stopwaitsecs = stopwaitsecs;
                s.autorestart = [
                    AutoRestart::Never,
                    AutoRestart::Unexpected,
                    AutoRestart::Always,
                ][ar as usize];
                s.stopasgroup = sag;
                s.killasgroup = kag;
                s.autostart = autostart;
                s.exitcodes = vec![0, 2];
                s
            },
        )
}

/// Three groups of two processes each: `g0:p0 g0:p1 g1:p2 …`.
fn groups() -> impl Strategy<Value = Vec<GroupSpec>> {
    (
        proptest::collection::vec(spec(), 6),
        proptest::collection::vec(0..3i32, 3),
    )
        .prop_map(|(specs, prios)| {
            (0..3)
                .map(|g| {
                    let procs = (0..2)
                        .map(|i| {
                            let mut s = specs[g * 2 + i].clone();
                            s.name = format!("p{}", g * 2 + i);
                            s
                        })
                        .collect();
                    let mut group = GroupSpec::new(format!("g{g}"), procs);
                    group.priority = prios[g];
                    group
                })
                .collect()
        })
}

/// The fake host and the invariant checker.
struct Harness {
    table: ProcessTable,
    now: Timestamp,
    specs: Vec<GroupSpec>,
    next_pid: u32,
    fail_spawns: bool,
    /// Live children: pid → process.
    live: HashMap<u32, ProcessId>,
    /// Each process's state as told by its events.
    told: HashMap<ProcessId, ProcessState>,
    /// When each STOPPING process entered STOPPING.
    stopping_since: HashMap<ProcessId, Instant>,
    all_stopped: bool,
}

impl Harness {
    fn new(specs: Vec<GroupSpec>) -> Harness {
        let now = Timestamp::new(
            base_instant(),
            std::time::UNIX_EPOCH + Duration::from_secs(1 << 30),
        );
        let mut h = Harness {
            table: ProcessTable::new(),
            now,
            specs: specs.clone(),
            next_pid: 1000,
            fail_spawns: false,
            live: HashMap::new(),
            told: HashMap::new(),
            stopping_since: HashMap::new(),
            all_stopped: false,
        };
        for g in specs {
            h.table.add_group(g, now).unwrap();
        }
        h.table.start_autostart(now);
        h.pump();
        h
    }

    fn id(&self, i: usize) -> Option<ProcessId> {
        self.table
            .process_id(&format!("g{}", i / 2), &format!("p{i}"))
    }

    fn spec_of(&self, id: ProcessId) -> ProcessSpec {
        self.table.process(id).unwrap().spec().clone()
    }

    fn pump(&mut self) {
        loop {
            if let Some(action) = self.table.poll_action() {
                match action {
                    Action::Spawn { id } => {
                        assert!(
                            !self.live.values().any(|&v| v == id),
                            "a second live pid for one process"
                        );
                        if self.fail_spawns {
                            assert!(self.table.handle_spawn_failed(id, "nope", self.now));
                        } else {
                            self.next_pid += 1;
                            self.live.insert(self.next_pid, id);
                            assert!(self.table.handle_spawned(id, self.next_pid, self.now));
                        }
                    }
                    Action::Kill {
                        id, pid, signal, ..
                    } => {
                        assert_eq!(self.live.get(&pid), Some(&id), "signal to a pid not live");
                        if signal == 9 {
                            self.live.remove(&pid);
                            assert!(
                                self.table
                                    .handle_exit(pid, ExitStatus::Signaled(9), self.now)
                            );
                        }
                    }
                }
                continue;
            }
            let Some(event) = self.table.poll_event() else {
                break;
            };
            match event {
                Event::StateChange(c) => {
                    let before = self
                        .told
                        .get(&c.id)
                        .copied()
                        .unwrap_or(ProcessState::Stopped);
                    assert_eq!(before, c.from_state, "event from a state it was not in");
                    assert!(is_allowed_transition(c.from_state, c.to_state), "{c:?}");
                    let retries = self.spec_of(c.id).startretries;
                    match c.to_state {
                        ProcessState::Starting => assert!(c.tries <= retries),
                        ProcessState::Backoff => assert!(c.tries <= retries + 1),
                        ProcessState::Stopping => {
                            self.stopping_since.insert(c.id, self.now.mono);
                        }
                        _ => {}
                    }
                    self.told.insert(c.id, c.to_state);
                }
                Event::AllStopped(_) => {
                    assert!(!self.all_stopped, "AllStopped twice");
                    self.all_stopped = true;
                }
                _ => {}
            }
        }
        self.check();
    }

    fn check(&self) {
        let mut with_pid = 0;
        for id in self.table.processes() {
            let p = self.table.process(id).unwrap();
            let spec = p.spec();
            assert_eq!(
                self.told.get(&id).copied().unwrap_or(ProcessState::Stopped),
                p.state()
            );
            if let Some(pid) = p.pid() {
                with_pid += 1;
                assert_eq!(self.live.get(&pid), Some(&id));
                assert!(matches!(
                    p.state(),
                    ProcessState::Starting
                        | ProcessState::Running
                        | ProcessState::Stopping
                        | ProcessState::Unknown
                ));
            } else {
                assert!(!matches!(
                    p.state(),
                    ProcessState::Running | ProcessState::Stopping
                ));
            }
            if p.state() == ProcessState::Backoff {
                assert!(p.backoff() <= spec.startretries);
            }
            if p.state() == ProcessState::Stopping {
                // The host obeys SIGKILL, so a stop never outlives stopwaitsecs.
                let since = self.stopping_since[&id];
                assert!(self.now.mono < since + Duration::from_secs(spec.stopwaitsecs));
                assert!(self.table.poll_timeout().is_some());
            }
        }
        // Every live child belongs to a process that knows its pid (or was removed
        // while UNKNOWN, which the table forgets).
        assert!(with_pid <= self.live.len());
    }

    fn apply(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::Start(i) => {
                if let Some(id) = self.id(i) {
                    let _ = self.table.start(id, now);
                }
            }
            Op::Stop(i) => {
                if let Some(id) = self.id(i) {
                    let _ = self.table.stop(id, now);
                }
            }
            Op::Signal(i, sig) => {
                if let Some(id) = self.id(i) {
                    let _ = self.table.signal(id, sig, now);
                }
            }
            Op::Exit(i, status) => {
                let pid = self.id(i).and_then(|id| self.table.process(id)?.pid());
                if let Some(pid) = pid {
                    self.live.remove(&pid);
                    assert!(self.table.handle_exit(pid, status, now));
                }
            }
            Op::SignalFailed(i) => {
                if let Some(id) = self.id(i) {
                    self.table.handle_signal_failed(id, "EPERM", now);
                }
            }
            Op::SpawnFailures(on) => self.fail_spawns = on,
            Op::Advance(ms) => {
                self.now = now.advanced(Duration::from_millis(ms));
                self.table.handle_timeout(self.now);
            }
            Op::Jump => {
                if let Some(t) = self.table.poll_timeout() {
                    self.now = now.advanced_to(t);
                    self.table.handle_timeout(self.now);
                }
            }
            Op::StartAll => {
                self.table.start_all(now);
            }
            Op::StopAll => {
                self.table.stop_all(now);
            }
            Op::Remove(g) => {
                if let Some(ids) = self.table.group_processes(&format!("g{g}")) {
                    let ids = ids.to_vec();
                    if self.table.remove_group(&format!("g{g}"), now).is_ok() {
                        for id in ids {
                            self.told.remove(&id);
                            self.live.retain(|_, v| *v != id);
                        }
                    }
                }
            }
            Op::Readd(g) => {
                let _ = self.table.add_group(self.specs[g].clone(), now);
            }
        }
        self.pump();
    }

    /// Shuts down and drives time until everything has stopped; returns the time taken.
    fn shut_down(&mut self) -> Duration {
        let start = self.now.mono;
        self.table.shutdown(self.now);
        self.pump();
        for _ in 0..1000 {
            if self.all_stopped {
                break;
            }
            let t = self
                .table
                .poll_timeout()
                .expect("a deadline while stopping");
            self.now = self.now.advanced_to(t);
            self.table.handle_timeout(self.now);
            self.pump();
        }
        assert!(self.all_stopped, "shutdown never finished");
        assert!(self.table.is_stopped_all());
        self.now.mono - start
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_operations_keep_the_invariants(specs in groups(), ops in proptest::collection::vec(op(), 0..60)) {
        let mut h = Harness::new(specs);
        for op in ops {
            h.apply(op);
        }
        let took = h.shut_down();
        // Groups stop one after another, each within its slowest stopwaitsecs.
        let bound: u64 = h
            .table
            .groups()
            .map(|(g, _)| {
                h.table.group_processes(g).unwrap().iter()
                    .map(|&id| h.table.process(id).unwrap().spec().stopwaitsecs.max(1))
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        prop_assert!(took <= Duration::from_secs(bound), "{took:?} > {bound}s");
    }
}
