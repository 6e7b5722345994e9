//! The process state machine under arbitrary sequences of commands, exits, spawn
//! failures and time jumps, with a fake host that obeys SIGKILL. Checks after every
//! step: one live pid per process at most, every state change legal and from the state
//! the process was in, backoff never past startretries, a stop never outliving
//! stopwaitsecs, and a final shutdown that always finishes.
#![no_main]

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use supervisor_process::{
    Action, AutoRestart, Event, ExitStatus, GroupSpec, ProcessId, ProcessSpec, ProcessState,
    ProcessTable, Timestamp, is_allowed_transition,
};

#[derive(Arbitrary, Debug)]
struct Spec {
    startsecs: u8,
    startretries: u8,
    stopwaitsecs: u8,
    autorestart: u8,
    stopasgroup: bool,
    killasgroup: bool,
    autostart: bool,
    priority: i8,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Start(u8),
    Stop(u8),
    Signal(u8, i8),
    Exit(u8, i8),
    Killed(u8, u8),
    SignalFailed(u8),
    SpawnFailures(bool),
    Advance(u16),
    Jump,
    StartAll,
    StopAll,
    Remove(u8),
    Readd(u8),
    Restart,
}

#[derive(Arbitrary, Debug)]
struct Input {
    specs: [Spec; 4],
    ops: Vec<Op>,
}

struct Host {
    table: ProcessTable,
    now: Timestamp,
    groups: Vec<GroupSpec>,
    next_pid: u32,
    fail: bool,
    live: HashMap<u32, ProcessId>,
    told: HashMap<ProcessId, ProcessState>,
    stopping_since: HashMap<ProcessId, Instant>,
    all_stopped: bool,
}

impl Host {
    fn id(&self, i: u8) -> Option<ProcessId> {
        let i = usize::from(i % 4);
        self.table
            .process_id(&self.groups[i / 2].name, &format!("p{i}"))
    }

    fn pump(&mut self) {
        loop {
            if let Some(action) = self.table.poll_action() {
                match action {
                    Action::Spawn { id } => {
                        assert!(!self.live.values().any(|&v| v == id), "two live pids");
                        if self.fail {
                            assert!(self.table.handle_spawn_failed(id, "no", self.now));
                        } else {
                            self.next_pid += 1;
                            self.live.insert(self.next_pid, id);
                            assert!(self.table.handle_spawned(id, self.next_pid, self.now));
                        }
                    }
                    Action::Kill {
                        id, pid, signal, ..
                    } => {
                        assert_eq!(self.live.get(&pid), Some(&id));
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
                    assert_eq!(before, c.from_state);
                    assert!(is_allowed_transition(c.from_state, c.to_state));
                    let retries = self.table.process(c.id).unwrap().spec().startretries;
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
                    assert!(!self.all_stopped);
                    self.all_stopped = true;
                }
                _ => {}
            }
        }
        for id in self.table.processes() {
            let p = self.table.process(id).unwrap();
            assert_eq!(
                self.told.get(&id).copied().unwrap_or(ProcessState::Stopped),
                p.state()
            );
            if let Some(pid) = p.pid() {
                assert_eq!(self.live.get(&pid), Some(&id));
            }
            if p.state() == ProcessState::Backoff {
                assert!(p.backoff() <= p.spec().startretries);
            }
            if p.state() == ProcessState::Stopping {
                let limit = self.stopping_since[&id] + Duration::from_secs(p.spec().stopwaitsecs);
                assert!(self.now.mono < limit, "a stop outlived stopwaitsecs");
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let now = Timestamp::new(
        Instant::now(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 30),
    );
    let groups: Vec<GroupSpec> = (0..2)
        .map(|g| {
            let procs = (0..2)
                .map(|i| {
                    let s = &input.specs[g * 2 + i];
                    let mut p = ProcessSpec::new(format!("p{}", g * 2 + i));
                    p.startsecs = u64::from(s.startsecs % 4);
                    p.startretries = u32::from(s.startretries % 5);
                    p.stopwaitsecs = u64::from(s.stopwaitsecs % 6);
                    p.autorestart = [
                        AutoRestart::Never,
                        AutoRestart::Unexpected,
                        AutoRestart::Always,
                    ][usize::from(s.autorestart % 3)];
                    p.stopasgroup = s.stopasgroup;
                    p.killasgroup = s.killasgroup;
                    p.autostart = s.autostart;
                    p.priority = i32::from(s.priority % 3);
                    p.exitcodes = vec![0, 2];
                    p
                })
                .collect();
            let mut group = GroupSpec::new(format!("g{g}"), procs);
            group.priority = i32::from(input.specs[g].priority % 2);
            group
        })
        .collect();
    let mut h = Host {
        table: ProcessTable::new(),
        now,
        groups: groups.clone(),
        next_pid: 1,
        fail: false,
        live: HashMap::new(),
        told: HashMap::new(),
        stopping_since: HashMap::new(),
        all_stopped: false,
    };
    for g in groups {
        h.table.add_group(g, now).unwrap();
    }
    h.table.start_autostart(now);
    h.pump();
    for op in input.ops.into_iter().take(200) {
        let now = h.now;
        match op {
            Op::Start(i) => {
                if let Some(id) = h.id(i) {
                    let _ = h.table.start(id, now);
                }
            }
            Op::Stop(i) => {
                if let Some(id) = h.id(i) {
                    let _ = h.table.stop(id, now);
                }
            }
            Op::Signal(i, s) => {
                if let Some(id) = h.id(i) {
                    let _ = h.table.signal(id, i32::from(s), now);
                }
            }
            Op::Exit(i, code) => {
                if let Some(pid) = h.id(i).and_then(|id| h.table.process(id)?.pid()) {
                    h.live.remove(&pid);
                    assert!(
                        h.table
                            .handle_exit(pid, ExitStatus::Exited(i32::from(code)), now)
                    );
                }
            }
            Op::Killed(i, sig) => {
                if let Some(pid) = h.id(i).and_then(|id| h.table.process(id)?.pid()) {
                    h.live.remove(&pid);
                    let status = ExitStatus::from_wait_status(i32::from(sig));
                    assert!(h.table.handle_exit(pid, status, now));
                }
            }
            Op::SignalFailed(i) => {
                if let Some(id) = h.id(i) {
                    h.table.handle_signal_failed(id, "EPERM", now);
                }
            }
            Op::SpawnFailures(on) => h.fail = on,
            Op::Advance(ms) => {
                h.now = now.advanced(Duration::from_millis(u64::from(ms)));
                h.table.handle_timeout(h.now);
            }
            Op::Jump => {
                if let Some(t) = h.table.poll_timeout() {
                    h.now = now.advanced_to(t);
                    h.table.handle_timeout(h.now);
                }
            }
            Op::StartAll => {
                h.table.start_all(now);
            }
            Op::StopAll => {
                h.table.stop_all(now);
            }
            Op::Remove(g) => {
                let name = h.groups[usize::from(g % 2)].name.clone();
                let ids = h.table.group_processes(&name).map(<[ProcessId]>::to_vec);
                if let Some(ids) = ids {
                    if h.table.remove_group(&name, now).is_ok() {
                        for id in ids {
                            h.told.remove(&id);
                            h.live.retain(|_, v| *v != id);
                        }
                    }
                }
            }
            Op::Readd(g) => {
                let _ = h.table.add_group(h.groups[usize::from(g % 2)].clone(), now);
            }
            Op::Restart => {
                let _ = h.table.restart(now);
            }
        }
        h.pump();
    }
    h.table.shutdown(h.now);
    h.pump();
    for _ in 0..1000 {
        if h.all_stopped {
            break;
        }
        let t = h.table.poll_timeout().expect("a deadline while stopping");
        h.now = h.now.advanced_to(t);
        h.table.handle_timeout(h.now);
        h.pump();
    }
    assert!(
        h.all_stopped && h.table.is_stopped_all(),
        "shutdown never finished"
    );
});
