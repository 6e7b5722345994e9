//! Commands and their refusals, as Supervisor's XML-RPC interface reports them.

use std::time::Duration;

use supervisor_types::{FaultCode, ProcessState};

use super::{Sim, proc_spec, single};
use crate::{Action, CommandError, Event, ExitStatus, GroupSpec, Progress, Target};

fn group(name: &str, priority: i32, procs: &[&str]) -> GroupSpec {
    let mut g = GroupSpec::new(name, procs.iter().map(|p| proc_spec(p)).collect());
    g.priority = priority;
    g
}

fn fault(r: Result<(), CommandError>) -> FaultCode {
    r.unwrap_err().fault_code()
}

#[test]
fn start_refuses_running_states_with_already_started() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    assert_eq!(
        sim.start("foo"),
        Err(CommandError::AlreadyStarted("foo".into()))
    );
    sim.step();
    assert_eq!(fault(sim.start("foo")), FaultCode::AlreadyStarted);
    sim.exit("foo", ExitStatus::Exited(1));
    sim.exit("foo", ExitStatus::Exited(1));
    assert_eq!(sim.state("foo"), ProcessState::Backoff);
    assert_eq!(fault(sim.start("foo")), FaultCode::AlreadyStarted);
}

#[test]
fn start_refuses_unknown_and_stopping_with_failed() {
    let mut sim = Sim::with(vec![GroupSpec::new(
        "g",
        vec![proc_spec("a"), proc_spec("b")],
    )]);
    sim.step();
    sim.stop("g:a").unwrap();
    assert_eq!(
        sim.start("g:a"),
        Err(CommandError::Failed("g:a is stopping".into()))
    );
    let b = sim.id("g:b");
    sim.table.signal(b, 10, sim.now).unwrap();
    sim.table.handle_signal_failed(b, "EPERM", sim.now);
    assert_eq!(
        sim.start("g:b"),
        Err(CommandError::Failed(
            "g:b is in an unknown process state".into()
        ))
    );
}

#[test]
fn start_refuses_during_shutdown() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.table.shutdown(sim.now);
    sim.exit("foo", ExitStatus::Signaled(15));
    assert_eq!(sim.start("foo"), Err(CommandError::ShutdownState));
}

#[test]
fn stale_ids_are_bad_names() {
    let mut sim = Sim::with(vec![single({
        let mut s = proc_spec("foo");
        s.autostart = false;
        s
    })]);
    let id = sim.id("foo");
    sim.table.remove_group("foo", sim.now).unwrap();
    assert!(sim.table.process(id).is_none());
    assert_eq!(fault(sim.table.start(id, sim.now)), FaultCode::BadName);
    assert_eq!(fault(sim.table.stop(id, sim.now)), FaultCode::BadName);
    assert_eq!(fault(sim.table.signal(id, 1, sim.now)), FaultCode::BadName);
    // A new process in the freed slot does not answer to the old id.
    sim.table
        .add_group(single(proc_spec("bar")), sim.now)
        .unwrap();
    assert!(sim.table.process(id).is_none());
}

#[test]
fn stop_refuses_stopped_states_and_stopping_with_not_running() {
    let mut sim = Sim::with(vec![GroupSpec::new(
        "g",
        vec![proc_spec("a"), proc_spec("b"), {
            let mut s = proc_spec("c");
            s.autostart = false;
            s
        }],
    )]);
    assert_eq!(sim.stop("g:c"), Err(CommandError::NotRunning("g:c".into())));
    sim.step();
    sim.stop("g:a").unwrap();
    assert_eq!(fault(sim.stop("g:a")), FaultCode::NotRunning);
    sim.exit("g:b", ExitStatus::Exited(0));
    assert_eq!(sim.state("g:b"), ProcessState::Exited);
    assert_eq!(fault(sim.stop("g:b")), FaultCode::NotRunning);
}

#[test]
fn stop_before_the_spawn_is_reported_fails() {
    let mut sim = Sim::new();
    sim.table
        .add_group(single(proc_spec("foo")), sim.now)
        .unwrap();
    sim.table.start_autostart(sim.now);
    let id = sim.id("foo");
    assert_eq!(
        sim.table.stop(id, sim.now),
        Err(CommandError::Failed(
            "attempted to kill foo with sig SIGTERM but it wasn't running".into()
        ))
    );
}

#[test]
fn signal_checks_the_signal_then_the_state() {
    let mut sim = Sim::with(vec![single({
        let mut s = proc_spec("foo");
        s.autostart = false;
        s
    })]);
    let id = sim.id("foo");
    assert_eq!(
        sim.table.signal(id, 0, sim.now),
        Err(CommandError::BadSignal("0".into()))
    );
    assert_eq!(
        fault(sim.table.signal(id, 32, sim.now)),
        FaultCode::BadSignal
    );
    assert_eq!(
        sim.table.signal(id, 1, sim.now),
        Err(CommandError::NotRunning("foo".into()))
    );
}

#[test]
fn signal_reaches_starting_running_and_stopping_processes() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    let id = sim.id("foo");
    let pid = sim.pid("foo");
    sim.clear();
    sim.table.signal(id, 1, sim.now).unwrap();
    sim.step();
    sim.table.signal(id, 10, sim.now).unwrap();
    sim.stop("foo").unwrap();
    sim.table.signal(id, 12, sim.now).unwrap();
    sim.pump();
    assert_eq!(
        sim.take_kills(),
        [
            (pid, 1, false),
            (pid, 10, false),
            (pid, 15, false),
            (pid, 12, false)
        ]
    );
    assert_eq!(
        sim.take_log()[0],
        format!("DEBG sending foo (pid {pid}) sig SIGHUP")
    );
    assert_eq!(
        sim.state("foo"),
        ProcessState::Stopping,
        "signals change no state"
    );
}

#[test]
fn find_resolves_namespecs_like_supervisor() {
    let sim = Sim::with(vec![group("g", 1, &["a", "b"]), single(proc_spec("solo"))]);
    assert!(matches!(sim.table.find("solo"), Ok(Target::Process(_))));
    assert!(matches!(
        sim.table.find("solo:solo"),
        Ok(Target::Process(_))
    ));
    assert!(matches!(sim.table.find("g:b"), Ok(Target::Process(_))));
    assert_eq!(sim.table.find("g:*"), Ok(Target::Group("g".into())));
    assert_eq!(sim.table.find("g:"), Ok(Target::Group("g".into())));
    for bad in ["g", "a", "g:c", "nope:a", ""] {
        assert_eq!(
            sim.table.find(bad),
            Err(CommandError::BadName(bad.into())),
            "{bad}"
        );
    }
}

#[test]
fn group_commands_skip_processes_they_do_not_apply_to() {
    let mut sim = Sim::with(vec![group("g", 1, &["a", "b", "c"])]);
    sim.step();
    sim.stop("g:b").unwrap();
    sim.exit("g:b", ExitStatus::Signaled(15));
    let ids = |sim: &Sim, names: &[&str]| names.iter().map(|n| sim.id(n)).collect::<Vec<_>>();

    let started = sim.table.start_group("g", sim.now).unwrap();
    sim.pump();
    assert_eq!(
        started.iter().map(|r| r.0).collect::<Vec<_>>(),
        ids(&sim, &["g:b"])
    );
    let stopped = sim.table.stop_group("g", sim.now).unwrap();
    sim.pump();
    assert_eq!(
        stopped.iter().map(|r| r.0).collect::<Vec<_>>(),
        ids(&sim, &["g:a", "g:b", "g:c"])
    );
    assert!(stopped.iter().all(|r| r.1.is_ok()));
    let signalled = sim.table.signal_group("g", 99, sim.now).unwrap();
    assert_eq!(signalled.len(), 3, "STOPPING is signallable");
    assert!(
        signalled
            .iter()
            .all(|r| r.1 == Err(CommandError::BadSignal("99".into())))
    );
    assert_eq!(
        sim.table.start_group("nope", sim.now),
        Err(CommandError::BadName("nope".into()))
    );
}

#[test]
fn all_commands_follow_priority_order() {
    let mut sim = Sim::with(vec![group("late", 50, &["x"]), group("early", 5, &["y"])]);
    sim.step();
    let order: Vec<_> = sim
        .table
        .stop_all(sim.now)
        .into_iter()
        .map(|r| r.0)
        .collect();
    sim.pump();
    assert_eq!(order, [sim.id("early:y"), sim.id("late:x")]);
    sim.exit("early:y", ExitStatus::Exited(0));
    sim.exit("late:x", ExitStatus::Exited(0));
    let order: Vec<_> = sim
        .table
        .start_all(sim.now)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(order, [sim.id("early:y"), sim.id("late:x")]);
    let n = sim.table.signal_all(1, sim.now).len();
    assert_eq!(n, 2);
}

#[test]
fn groups_are_ordered_by_priority_then_insertion() {
    let sim = Sim::with(vec![
        group("b", 10, &["p"]),
        group("a", 10, &["q"]),
        group("c", 1, &["r"]),
    ]);
    let names: Vec<&str> = sim.table.groups().map(|g| g.0).collect();
    assert_eq!(names, ["c", "b", "a"]);
    let lexical: Vec<String> = sim
        .table
        .processes_lexical()
        .into_iter()
        .map(|id| sim.table.process(id).unwrap().namespec())
        .collect();
    assert_eq!(lexical, ["a:q", "b:p", "c:r"]);
}

#[test]
fn adding_twice_is_already_added() {
    let mut sim = Sim::with(vec![group("g", 1, &["a"])]);
    assert_eq!(
        sim.table.add_group(group("g", 1, &["z"]), sim.now),
        Err(CommandError::AlreadyAdded("g".into()))
    );
    assert_eq!(
        sim.table.add_group(group("h", 1, &["a", "a"]), sim.now),
        Err(CommandError::AlreadyAdded("h:a".into()))
    );
}

#[test]
fn removing_a_group_needs_it_stopped() {
    let mut sim = Sim::with(vec![group("g", 1, &["a"])]);
    assert_eq!(
        sim.table.remove_group("g", sim.now),
        Err(CommandError::StillRunning("g".into()))
    );
    assert_eq!(
        sim.table.remove_group("h", sim.now),
        Err(CommandError::BadName("h".into()))
    );
    sim.stop("g:a").unwrap();
    sim.exit("g:a", ExitStatus::Signaled(15));
    sim.table.remove_group("g", sim.now).unwrap();
    sim.pump();
    assert!(sim.table.is_empty());
    assert!(sim.events.contains(&Event::GroupRemoved("g".into())));
    assert!(sim.events.contains(&Event::GroupAdded("g".into())));
    assert!(sim.table.find("g:a").is_err());
}

#[test]
fn start_progress_answers_start_with_wait() {
    let mut sim = Sim::with(vec![group("g", 1, &["a", "b", "c"])]);
    let (a, b, c) = (sim.id("g:a"), sim.id("g:b"), sim.id("g:c"));
    assert_eq!(sim.table.start_progress(a), Ok(Progress::Pending));
    sim.exit("g:b", ExitStatus::Exited(1));
    assert_eq!(
        sim.table.start_progress(b),
        Err(CommandError::SpawnError("g:b".into()))
    );
    sim.stop("g:c").unwrap();
    assert_eq!(
        sim.table.start_progress(c),
        Err(CommandError::AbnormalTermination("g:c".into()))
    );
    sim.step();
    assert_eq!(sim.table.start_progress(a), Ok(Progress::Done));
}

#[test]
fn stop_progress_and_stop_report() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    let id = sim.id("foo");
    sim.step();
    sim.stop("foo").unwrap();
    sim.clear();
    assert_eq!(sim.table.stop_progress(id), Ok(Progress::Pending));
    sim.table.stop_report(id, sim.now);
    sim.now = sim.now.advanced(Duration::from_millis(1999));
    sim.table.stop_report(id, sim.now);
    sim.now = sim.now.advanced(Duration::from_millis(1));
    sim.table.stop_report(id, sim.now);
    sim.pump();
    assert_eq!(
        sim.take_log(),
        [
            "INFO waiting for foo to stop",
            "INFO waiting for foo to stop"
        ]
    );
    sim.exit("foo", ExitStatus::Signaled(15));
    assert_eq!(sim.table.stop_progress(id), Ok(Progress::Done));
}

#[test]
fn spawn_actions_name_the_process() {
    let mut sim = Sim::new();
    sim.table.add_group(group("g", 1, &["a"]), sim.now).unwrap();
    sim.table.start_autostart(sim.now);
    assert_eq!(
        sim.table.poll_action(),
        Some(Action::Spawn { id: sim.id("g:a") })
    );
    assert_eq!(sim.table.poll_action(), None);
}

#[test]
fn removing_a_group_forgets_the_pids_of_its_unknown_processes() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    let (id, pid) = (sim.id("foo"), sim.pid("foo"));
    sim.table.signal(id, 1, sim.now).unwrap();
    sim.table.handle_signal_failed(id, "EPERM", sim.now);
    sim.table.remove_group("foo", sim.now).unwrap();
    assert!(!sim.table.handle_exit(pid, ExitStatus::Exited(0), sim.now));
}

#[test]
fn a_pid_already_in_use_is_refused() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    let pid = sim.pid("foo");
    sim.table
        .add_group(single(proc_spec("bar")), sim.now)
        .unwrap();
    let Some(Action::Spawn { id }) = sim.table.poll_action() else {
        panic!("no spawn")
    };
    assert!(!sim.table.handle_spawned(id, pid, sim.now));
    assert!(sim.table.handle_spawned(id, pid + 1000, sim.now));
}
