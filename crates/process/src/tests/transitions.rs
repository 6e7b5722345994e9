//! The allowed-transition table, exhaustively, and proof that every allowed transition
//! happens in some scenario.

use std::collections::BTreeSet;

use supervisor_types::ProcessState;

use super::{Sim, proc_spec, single};
use crate::{Event, ExitStatus, is_allowed_transition};

/// The table written out by hand, one row per `from` state, in code order:
/// STOPPED STARTING RUNNING BACKOFF STOPPING EXITED FATAL UNKNOWN.
const EXPECTED: [[u8; 8]; 8] = [
    [0, 1, 0, 0, 0, 0, 0, 0], // STOPPED
    [0, 0, 1, 1, 1, 0, 0, 1], // STARTING
    [0, 0, 0, 0, 1, 1, 0, 1], // RUNNING
    [1, 1, 0, 0, 0, 0, 1, 0], // BACKOFF
    [1, 0, 0, 0, 0, 0, 0, 1], // STOPPING
    [0, 1, 0, 0, 0, 0, 0, 0], // EXITED
    [0, 1, 0, 0, 0, 0, 0, 0], // FATAL
    [0, 0, 0, 0, 0, 0, 0, 0], // UNKNOWN
];

#[test]
fn transition_table_is_exactly_as_specified() {
    for (i, from) in ProcessState::ALL.into_iter().enumerate() {
        for (j, to) in ProcessState::ALL.into_iter().enumerate() {
            assert_eq!(
                is_allowed_transition(from, to),
                EXPECTED[i][j] == 1,
                "{from} -> {to}"
            );
        }
    }
}

fn observed(sim: &Sim) -> BTreeSet<(ProcessState, ProcessState)> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            Event::StateChange(c) => Some((c.from_state, c.to_state)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_allowed_transition_happens() {
    let mut seen = BTreeSet::new();
    let spec = |name: &str, retries: u32| {
        let mut s = proc_spec(name);
        s.startretries = retries;
        s
    };

    // STOPPED->STARTING->BACKOFF->STARTING->RUNNING->EXITED->STARTING->RUNNING->STOPPING->STOPPED
    let mut sim = Sim::with(vec![single(spec("a", 3))]);
    sim.exit("a", ExitStatus::Exited(1));
    sim.step();
    sim.step();
    sim.exit("a", ExitStatus::Exited(1));
    sim.step();
    sim.stop("a").unwrap();
    sim.exit("a", ExitStatus::Signaled(15));
    seen.extend(observed(&sim));

    // BACKOFF->FATAL->STARTING, BACKOFF->STOPPED
    let mut sim = Sim::with(vec![single(spec("b", 0)), single(spec("c", 3))]);
    sim.exit("b", ExitStatus::Exited(1));
    sim.start("b").unwrap();
    sim.exit("c", ExitStatus::Exited(1));
    sim.stop("c").unwrap();
    seen.extend(observed(&sim));

    // STARTING->STOPPING, STARTING->UNKNOWN, RUNNING->UNKNOWN, STOPPING->UNKNOWN
    let mut sim = Sim::with(vec![single(spec("d", 3)), single(spec("e", 3))]);
    sim.stop("d").unwrap();
    let (d, e) = (sim.id("d"), sim.id("e"));
    sim.table.handle_signal_failed(d, "x", sim.now);
    sim.table.signal(e, 1, sim.now).unwrap();
    sim.table.handle_signal_failed(e, "x", sim.now);
    sim.pump();
    seen.extend(observed(&sim));
    let mut sim = Sim::with(vec![single(spec("f", 3))]);
    sim.step();
    let f = sim.id("f");
    sim.table.signal(f, 1, sim.now).unwrap();
    sim.table.handle_signal_failed(f, "x", sim.now);
    sim.pump();
    seen.extend(observed(&sim));

    let allowed: BTreeSet<_> = ProcessState::ALL
        .into_iter()
        .flat_map(|a| ProcessState::ALL.into_iter().map(move |b| (a, b)))
        .filter(|&(a, b)| is_allowed_transition(a, b))
        .collect();
    assert_eq!(seen, allowed);
}
