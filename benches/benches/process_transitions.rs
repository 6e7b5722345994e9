//! The cost of one process state transition in `supervisor-process`: 10,000 processes
//! driven through exit → restart → spawned → RUNNING, over and over.
//!
//! Each iteration makes 30,000 transitions (RUNNING→EXITED, EXITED→STARTING,
//! STARTING→RUNNING per process), with their events, log lines and spawn actions
//! drained as a host would. Criterion's throughput line reads in transitions per
//! second; the time per transition is printed once at the start.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supervisor_process::{
    Action, ExitStatus, GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp,
};
use supervisor_types::AutoRestart;

const PROCESSES: usize = 10_000;
const TRANSITIONS_PER_ROUND: u64 = 3 * PROCESSES as u64;

struct Bench {
    table: ProcessTable,
    now: Timestamp,
    ids: Vec<ProcessId>,
}

impl Bench {
    /// 100 groups of 100 processes, all RUNNING.
    fn new() -> Bench {
        let mut now = Timestamp::new(Instant::now(), SystemTime::now());
        let mut table = ProcessTable::new();
        for g in 0..PROCESSES / 100 {
            let procs = (0..100)
                .map(|i| {
                    let mut s = ProcessSpec::new(format!("p{i}"));
                    s.autorestart = AutoRestart::Always;
                    s
                })
                .collect();
            table
                .add_group(GroupSpec::new(format!("g{g}"), procs), now)
                .unwrap();
        }
        table.start_autostart(now);
        let mut bench = Bench {
            table,
            now,
            ids: Vec::with_capacity(PROCESSES),
        };
        bench.answer_spawns();
        now = now.advanced(Duration::from_secs(1));
        bench.now = now;
        bench.table.handle_timeout(now);
        bench.drain_events();
        bench.ids = bench.table.processes().collect();
        bench
    }

    fn pid(i: usize) -> u32 {
        i as u32 + 1
    }

    fn answer_spawns(&mut self) {
        while let Some(action) = self.table.poll_action() {
            if let Action::Spawn { id } = action {
                let index = self
                    .ids
                    .iter()
                    .position(|&x| x == id)
                    .unwrap_or(self.ids.len());
                if index == self.ids.len() {
                    self.ids.push(id);
                }
                self.table.handle_spawned(id, Self::pid(index), self.now);
            }
        }
    }

    fn drain_events(&mut self) -> usize {
        let mut n = 0;
        while let Some(e) = self.table.poll_event() {
            black_box(e);
            n += 1;
        }
        n
    }

    /// Every process exits and is restarted, spawned, and stays up for startsecs.
    fn round(&mut self) {
        self.now = self.now.advanced(Duration::from_secs(5));
        for i in 0..PROCESSES {
            self.table
                .handle_exit(Self::pid(i), ExitStatus::Exited(0), self.now);
            let Some(Action::Spawn { id }) = self.table.poll_action() else {
                panic!("no restart")
            };
            self.table.handle_spawned(id, Self::pid(i), self.now);
        }
        self.now = self.now.advanced(Duration::from_secs(1));
        self.table.handle_timeout(self.now);
        self.drain_events();
    }
}

fn transitions(c: &mut Criterion) {
    let mut bench = Bench::new();
    let t = Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        bench.round();
    }
    let per = t.elapsed().as_nanos() as f64 / (rounds as f64 * TRANSITIONS_PER_ROUND as f64);
    println!("process_transitions: {per:.0} ns per transition (10,000 processes)");

    let mut group = c.benchmark_group("process_transitions");
    group.throughput(Throughput::Elements(TRANSITIONS_PER_ROUND));
    group.sample_size(20);
    group.bench_function("exit_restart_running_10k", |b| b.iter(|| bench.round()));
    group.finish();
}

criterion_group!(benches, transitions);
criterion_main!(benches);
