//! The supervisor-level lifecycle: ordered shutdown and restart.

use std::time::Duration;

use supervisor_types::{ProcessState, SupervisorState};

use super::{Sim, proc_spec, single};
use crate::{CommandError, Event, ExitStatus, GroupSpec};

fn group(name: &str, priority: i32, procs: &[&str]) -> GroupSpec {
    let mut g = GroupSpec::new(name, procs.iter().map(|p| proc_spec(p)).collect());
    g.priority = priority;
    g
}

fn running(groups: Vec<GroupSpec>) -> Sim {
    let mut sim = Sim::with(groups);
    sim.step();
    sim.clear();
    sim
}

#[test]
fn shutdown_stops_groups_one_at_a_time_in_reverse_priority() {
    let mut sim = running(vec![
        group("a", 1, &["a1"]),
        group("c", 3, &["c1", "c2"]),
        group("b", 2, &["b1"]),
    ]);
    let pid = |sim: &Sim, n: &str| sim.pid(n);
    let (a1, b1, c1, c2) = (
        pid(&sim, "a:a1"),
        pid(&sim, "b:b1"),
        pid(&sim, "c:c1"),
        pid(&sim, "c:c2"),
    );
    sim.table.shutdown(sim.now);
    sim.pump();
    assert_eq!(sim.table.supervisor_state(), SupervisorState::Shutdown);
    assert_eq!(sim.events[0], Event::SupervisorStopping);
    assert_eq!(sim.take_kills(), [(c2, 15, false), (c1, 15, false)]);
    sim.exit("c:c1", ExitStatus::Signaled(15));
    assert!(sim.take_kills().is_empty(), "c2 still stopping");
    sim.exit("c:c2", ExitStatus::Signaled(15));
    assert_eq!(sim.take_kills(), [(b1, 15, false)]);
    sim.exit("b:b1", ExitStatus::Signaled(15));
    assert_eq!(sim.take_kills(), [(a1, 15, false)]);
    assert!(!sim.table.is_stopped_all());
    sim.exit("a:a1", ExitStatus::Signaled(15));
    assert!(sim.table.is_stopped_all());
    assert_eq!(
        sim.events.last(),
        Some(&Event::AllStopped(SupervisorState::Shutdown))
    );
    assert_eq!(sim.table.poll_timeout(), None);
}

#[test]
fn shutdown_stops_groups_of_equal_priority_together() {
    let mut sim = running(vec![
        group("a", 1, &["a1"]),
        group("x", 5, &["x1"]),
        group("y", 5, &["y1", "y2"]),
        group("z", 5, &["z1"]),
    ]);
    let (a1, x1, y1, y2, z1) = (
        sim.pid("a:a1"),
        sim.pid("x:x1"),
        sim.pid("y:y1"),
        sim.pid("y:y2"),
        sim.pid("z:z1"),
    );
    sim.table.shutdown(sim.now);
    sim.pump();
    // The whole priority-5 band at once, last group first, as one group would be.
    assert_eq!(
        sim.take_kills(),
        [
            (z1, 15, false),
            (y2, 15, false),
            (y1, 15, false),
            (x1, 15, false)
        ]
    );
    sim.exit("y:y1", ExitStatus::Signaled(15));
    sim.exit("z:z1", ExitStatus::Signaled(15));
    sim.exit("x:x1", ExitStatus::Signaled(15));
    assert!(sim.take_kills().is_empty(), "a waits for the whole band");
    sim.exit("y:y2", ExitStatus::Signaled(15));
    assert_eq!(sim.take_kills(), [(a1, 15, false)]);
    sim.exit("a:a1", ExitStatus::Signaled(15));
    assert!(sim.table.is_stopped_all());
}

#[test]
fn shutdown_with_nothing_running_is_done_at_once() {
    let mut sim = Sim::with(vec![single({
        let mut s = proc_spec("foo");
        s.autostart = false;
        s
    })]);
    sim.clear();
    sim.table.shutdown(sim.now);
    sim.pump();
    assert_eq!(
        sim.events,
        [
            Event::SupervisorStopping,
            Event::AllStopped(SupervisorState::Shutdown)
        ]
    );
}

#[test]
fn shutdown_gives_up_backoff_processes() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.exit("foo", ExitStatus::Exited(1));
    sim.clear();
    sim.table.shutdown(sim.now);
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Fatal);
    assert_eq!(sim.take_changes(), ["foo BACKOFF->FATAL"]);
    assert!(sim.take_log().is_empty(), "no 'gave up' line on this path");
    assert!(sim.table.is_stopped_all());
}

#[test]
fn nothing_restarts_during_shutdown() {
    let mut sim = running(vec![group("low", 1, &["x"]), group("high", 2, &["y"])]);
    sim.table.shutdown(sim.now);
    sim.pump();
    sim.exit("low:x", ExitStatus::Exited(9));
    assert_eq!(sim.state("low:x"), ProcessState::Exited);
    assert!(
        sim.take_actions()
            .iter()
            .all(|a| !matches!(a, crate::Action::Spawn { .. }))
    );
}

#[test]
fn a_backoff_retry_does_not_fire_during_shutdown() {
    let mut sim = Sim::with(vec![group("low", 1, &["x"]), group("high", 2, &["y"])]);
    sim.exit("low:x", ExitStatus::Exited(1));
    sim.table.shutdown(sim.now);
    sim.pump();
    sim.advance(10.0);
    assert_eq!(
        sim.state("low:x"),
        ProcessState::Backoff,
        "waits for its group"
    );
}

#[test]
fn shutdown_reports_who_it_waits_for_every_three_seconds() {
    let mut sim = running(vec![group("g", 1, &["a", "b"])]);
    sim.table.shutdown(sim.now);
    sim.pump();
    assert_eq!(
        sim.take_log(),
        [
            format!(
                "DEBG killing b (pid {}) with signal SIGTERM",
                sim.pid("g:b")
            ),
            format!(
                "DEBG killing a (pid {}) with signal SIGTERM",
                sim.pid("g:a")
            ),
            "INFO waiting for a, b to die".into(),
            "BLAT a state: STOPPING".into(),
            "BLAT b state: STOPPING".into(),
        ]
    );
    assert_eq!(sim.step(), Duration::from_secs(3));
    assert_eq!(sim.take_log()[0], "INFO waiting for a, b to die");
    sim.exit("g:a", ExitStatus::Exited(0));
    sim.advance(1.0);
    assert!(sim.take_log().iter().all(|l| !l.contains("to die")));
    assert_eq!(sim.step(), Duration::from_secs(2));
    assert_eq!(sim.take_log()[0], "INFO waiting for b to die");
}

#[test]
fn a_spawn_reported_during_shutdown_is_stopped() {
    let mut sim = Sim::new();
    sim.table
        .add_group(single(proc_spec("foo")), sim.now)
        .unwrap();
    sim.table.start_autostart(sim.now);
    sim.table.shutdown(sim.now);
    // The host answers the spawn only now.
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Stopping);
}

#[test]
fn restart_stops_everything_and_says_so() {
    let mut sim = running(vec![single(proc_spec("foo"))]);
    sim.table.restart(sim.now).unwrap();
    sim.pump();
    assert_eq!(sim.table.supervisor_state(), SupervisorState::Restarting);
    sim.exit("foo", ExitStatus::Signaled(15));
    assert_eq!(
        sim.events.last(),
        Some(&Event::AllStopped(SupervisorState::Restarting))
    );
}

#[test]
fn restart_is_refused_during_shutdown_but_shutdown_overrides_restart() {
    let mut sim = running(vec![single(proc_spec("foo"))]);
    sim.table.restart(sim.now).unwrap();
    sim.table.shutdown(sim.now);
    assert_eq!(sim.table.supervisor_state(), SupervisorState::Shutdown);
    assert_eq!(sim.table.restart(sim.now), Err(CommandError::ShutdownState));
    sim.pump();
    let stopping = sim
        .events
        .iter()
        .filter(|e| **e == Event::SupervisorStopping)
        .count();
    assert_eq!(stopping, 1);
}

#[test]
fn a_stubborn_process_is_killed_after_stopwaitsecs_during_shutdown() {
    let mut sim = running(vec![single({
        let mut s = proc_spec("foo");
        s.stopwaitsecs = 5;
        s
    })]);
    let pid = sim.pid("foo");
    sim.table.shutdown(sim.now);
    sim.pump();
    assert_eq!(sim.take_kills(), [(pid, 15, false)]);
    sim.step(); // the 3-second report
    assert_eq!(sim.step(), Duration::from_secs(2));
    assert_eq!(sim.take_kills(), [(pid, 9, false)]);
}
