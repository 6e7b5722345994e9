//! One named test per lifecycle rule, on simulated time.

use std::time::Duration;

use supervisor_types::{AutoRestart, ProcessState};

use super::{Sim, proc_spec, single};
use crate::{Action, ExitStatus, GroupSpec, ProcessSpec};

fn spec(f: impl FnOnce(&mut ProcessSpec)) -> ProcessSpec {
    let mut s = proc_spec("foo");
    f(&mut s);
    s
}

#[test]
fn autostart_spawns_and_logs_the_pid() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    assert_eq!(sim.state("foo"), ProcessState::Starting);
    assert_eq!(sim.take_changes(), ["foo STOPPED->STARTING"]);
    assert_eq!(sim.take_log(), ["INFO spawned: 'foo' with pid 101"]);
}

#[test]
fn autostart_false_stays_stopped() {
    let sim = Sim::with(vec![single(spec(|s| s.autostart = false))]);
    assert_eq!(sim.state("foo"), ProcessState::Stopped);
    assert!(sim.actions.is_empty());
    assert_eq!(sim.table.poll_timeout(), None);
}

#[test]
fn nothing_starts_before_start_autostart() {
    let mut sim = Sim::new();
    sim.table
        .add_group(single(proc_spec("foo")), sim.now)
        .unwrap();
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Stopped);
    sim.table.start_autostart(sim.now);
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Starting);
}

#[test]
fn staying_up_for_startsecs_enters_running() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startsecs = 5))]);
    sim.clear();
    assert_eq!(sim.step(), Duration::from_secs(5));
    assert_eq!(sim.state("foo"), ProcessState::Running);
    assert_eq!(sim.take_changes(), ["foo STARTING->RUNNING"]);
    assert_eq!(
        sim.take_log(),
        [
            "INFO success: foo entered RUNNING state, process has stayed up for > than 5 seconds (startsecs)"
        ]
    );
}

#[test]
fn startsecs_is_counted_from_the_start_request() {
    let mut sim = Sim::new();
    sim.table
        .add_group(single(spec(|s| s.startsecs = 3)), sim.now)
        .unwrap();
    sim.table.start_autostart(sim.now);
    let Some(Action::Spawn { id }) = sim.table.poll_action() else {
        panic!("no spawn")
    };
    // The host takes two seconds to report the pid; one second is left.
    sim.now = sim.now.advanced(Duration::from_secs(2));
    sim.table.handle_spawned(id, 77, sim.now);
    sim.pump();
    assert_eq!(sim.step(), Duration::from_secs(1));
    assert_eq!(sim.state("foo"), ProcessState::Running);
}

#[test]
fn startsecs_zero_enters_running_as_soon_as_spawned() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startsecs = 0))]);
    assert_eq!(sim.state("foo"), ProcessState::Running);
    assert_eq!(
        sim.take_changes(),
        ["foo STOPPED->STARTING", "foo STARTING->RUNNING"]
    );
    assert_eq!(
        sim.take_log()[1],
        "INFO success: foo entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)"
    );
}

#[test]
fn startsecs_zero_exit_is_an_exit_not_a_backoff() {
    let mut sim = Sim::with(vec![single(spec(|s| {
        s.startsecs = 0;
        s.autorestart = AutoRestart::Never;
    }))]);
    sim.clear();
    sim.exit("foo", ExitStatus::Exited(1));
    assert_eq!(sim.state("foo"), ProcessState::Exited);
    assert_eq!(sim.take_changes(), ["foo RUNNING->EXITED"]);
}

#[test]
fn exit_at_startsecs_while_still_starting_passes_through_running() {
    let mut sim = Sim::with(vec![single(spec(|s| s.autorestart = AutoRestart::Never))]);
    sim.clear();
    // Exactly startsecs later the exit is reported before the timeout is handled.
    sim.now = sim.now.advanced(Duration::from_secs(1));
    let pid = sim.pid("foo");
    assert!(sim.table.handle_exit(pid, ExitStatus::Exited(0), sim.now));
    sim.pump();
    assert_eq!(
        sim.take_changes(),
        ["foo STARTING->RUNNING", "foo RUNNING->EXITED"]
    );
    assert_eq!(
        sim.take_log(),
        ["INFO exited: foo (exit status 0; expected)"]
    );
}

#[test]
fn exit_before_startsecs_backs_off() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.clear();
    sim.advance(0.5);
    sim.exit("foo", ExitStatus::Exited(1));
    assert_eq!(sim.state("foo"), ProcessState::Backoff);
    assert_eq!(sim.take_changes(), ["foo STARTING->BACKOFF"]);
    assert_eq!(
        sim.take_log(),
        ["WARN exited: foo (exit status 1; not expected)"]
    );
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(
        p.spawnerr(),
        Some("Exited too quickly (process log may have details)")
    );
    assert_eq!(p.exit_status(), None);
    assert_eq!(p.pid(), None);
    assert_eq!(p.backoff(), 1);
}

#[test]
fn an_expected_code_still_backs_off_when_too_quick() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.clear();
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.state("foo"), ProcessState::Backoff);
    assert_eq!(
        sim.take_log(),
        ["WARN exited: foo (exit status 0; not expected)"]
    );
}

#[test]
fn backoff_delay_grows_by_one_second_per_attempt() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startretries = 3))]);
    let mut delays = Vec::new();
    for _ in 0..3 {
        sim.exit("foo", ExitStatus::Exited(1));
        assert_eq!(sim.state("foo"), ProcessState::Backoff);
        delays.push(sim.step());
        assert_eq!(sim.state("foo"), ProcessState::Starting);
    }
    assert_eq!(
        delays,
        [1, 2, 3].map(Duration::from_secs),
        "BACKOFF waits one second more per failed attempt"
    );
}

#[test]
fn too_many_start_retries_give_up_in_fatal() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startretries = 2))]);
    for _ in 0..2 {
        sim.exit("foo", ExitStatus::Exited(1));
        sim.step();
    }
    sim.take_log();
    sim.exit("foo", ExitStatus::Exited(1));
    assert_eq!(sim.state("foo"), ProcessState::Fatal);
    let tries: Vec<(String, u32)> = sim
        .take_change_events()
        .into_iter()
        .map(|c| (c.to_state.to_string(), c.tries))
        .collect();
    let expect = [
        ("STARTING", 0),
        ("BACKOFF", 1),
        ("STARTING", 1),
        ("BACKOFF", 2),
        ("STARTING", 2),
        ("BACKOFF", 3),
        ("FATAL", 0),
    ];
    let expect: Vec<(String, u32)> = expect.iter().map(|(s, t)| (s.to_string(), *t)).collect();
    assert_eq!(tries, expect);
    assert_eq!(
        sim.take_log(),
        [
            "WARN exited: foo (exit status 1; not expected)",
            "INFO gave up: foo entered FATAL state, too many start retries too quickly",
        ]
    );
    assert_eq!(sim.table.poll_timeout(), None);
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(
        p.description(sim.now.wall, 0),
        "Exited too quickly (process log may have details)"
    );
}

#[test]
fn startretries_zero_gives_up_after_the_first_failure() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startretries = 0))]);
    sim.exit("foo", ExitStatus::Exited(1));
    assert_eq!(sim.state("foo"), ProcessState::Fatal);
}

#[test]
fn a_fatal_process_can_be_started_again() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startretries = 0))]);
    sim.exit("foo", ExitStatus::Exited(1));
    sim.take_changes();
    sim.start("foo").unwrap();
    assert_eq!(sim.take_changes(), ["foo FATAL->STARTING"]);
    assert_eq!(sim.table.process(sim.id("foo")).unwrap().spawnerr(), None);
}

#[test]
fn spawn_failure_backs_off_and_keeps_the_spawn_error() {
    let mut sim = Sim::new();
    sim.fail_spawns = Some("can't find command '/nope'".into());
    sim.table
        .add_group(single(spec(|s| s.startretries = 1)), sim.now)
        .unwrap();
    sim.table.start_autostart(sim.now);
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Backoff);
    assert_eq!(
        sim.take_log(),
        ["INFO spawnerr: can't find command '/nope'"]
    );
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(p.spawnerr(), Some("can't find command '/nope'"));
    assert_eq!(p.description(sim.now.wall, 0), "can't find command '/nope'");
    assert_eq!(sim.step(), Duration::from_secs(1));
    assert_eq!(sim.state("foo"), ProcessState::Fatal);
    assert_eq!(
        sim.take_changes(),
        [
            "foo STOPPED->STARTING",
            "foo STARTING->BACKOFF",
            "foo BACKOFF->STARTING",
            "foo STARTING->BACKOFF",
            "foo BACKOFF->FATAL",
        ]
    );
}

#[test]
fn expected_exit_from_running_stays_exited_by_default() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.clear();
    sim.advance(60.0);
    let pid = sim.pid("foo");
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.state("foo"), ProcessState::Exited);
    let changes = sim.take_change_events();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].pid, changes[0].expected), (pid, true));
    assert_eq!(
        sim.take_log(),
        ["INFO exited: foo (exit status 0; expected)"]
    );
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!((p.exit_status(), p.spawnerr()), (Some(0), None));
    assert_eq!(p.description(sim.now.wall, 0), "Nov 30 04:01 PM");
}

#[test]
fn unexpected_exit_from_running_restarts_by_default() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.clear();
    sim.exit("foo", ExitStatus::Exited(2));
    assert_eq!(
        sim.take_changes(),
        ["foo RUNNING->EXITED", "foo EXITED->STARTING"]
    );
    assert_eq!(
        sim.take_log(),
        [
            "WARN exited: foo (exit status 2; not expected)",
            "INFO spawned: 'foo' with pid 102",
        ]
    );
}

#[test]
fn an_unexpected_exit_records_bad_exit_code() {
    let mut sim = Sim::with(vec![single(spec(|s| s.autorestart = AutoRestart::Never))]);
    sim.step();
    sim.exit("foo", ExitStatus::Exited(3));
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(p.spawnerr(), Some("Bad exit code 3"));
    let exited = sim.take_change_events().pop().unwrap();
    assert!(!exited.expected);
}

#[test]
fn autorestart_true_restarts_even_expected_exits() {
    let mut sim = Sim::with(vec![single(spec(|s| s.autorestart = AutoRestart::Always))]);
    sim.step();
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.state("foo"), ProcessState::Starting);
}

#[test]
fn autorestart_false_never_restarts() {
    let mut sim = Sim::with(vec![single(spec(|s| s.autorestart = AutoRestart::Never))]);
    sim.step();
    sim.exit("foo", ExitStatus::Signaled(9));
    assert_eq!(sim.state("foo"), ProcessState::Exited);
    assert_eq!(
        sim.take_log().last().unwrap(),
        "WARN exited: foo (terminated by SIGKILL; not expected)"
    );
}

#[test]
fn exitcodes_decide_what_is_expected() {
    let mut sim = Sim::with(vec![single(spec(|s| s.exitcodes = vec![2, 3]))]);
    sim.step();
    sim.exit("foo", ExitStatus::Exited(3));
    assert_eq!(sim.state("foo"), ProcessState::Exited);
    assert_eq!(
        sim.take_log().last().unwrap(),
        "INFO exited: foo (exit status 3; expected)"
    );
}

#[test]
fn stop_sends_stopsignal_and_exit_means_stopped() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.clear();
    let pid = sim.pid("foo");
    sim.stop("foo").unwrap();
    assert_eq!(sim.state("foo"), ProcessState::Stopping);
    assert_eq!(sim.take_kills(), [(pid, 15, false)]);
    assert_eq!(
        sim.take_log(),
        [format!("DEBG killing foo (pid {pid}) with signal SIGTERM")]
    );
    sim.advance(0.2);
    sim.exit("foo", ExitStatus::Signaled(15));
    assert_eq!(sim.state("foo"), ProcessState::Stopped);
    assert_eq!(
        sim.take_changes(),
        ["foo RUNNING->STOPPING", "foo STOPPING->STOPPED"]
    );
    assert_eq!(
        sim.take_log(),
        ["WARN stopped: foo (terminated by SIGTERM)"]
    );
    assert_eq!(sim.table.poll_timeout(), None);
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(p.exit_status(), Some(-1));
    assert_eq!(p.description(sim.now.wall, 0), "Nov 30 04:00 PM");
}

#[test]
fn a_clean_exit_after_stop_is_logged_at_info() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.stop("foo").unwrap();
    sim.take_log();
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.take_log(), ["INFO stopped: foo (exit status 0)"]);
}

#[test]
fn stopasgroup_signals_the_process_group() {
    let mut sim = Sim::with(vec![single(spec(|s| {
        s.stopasgroup = true;
        s.stopsignal = 2;
    }))]);
    sim.step();
    sim.clear();
    let pid = sim.pid("foo");
    sim.stop("foo").unwrap();
    assert_eq!(sim.take_kills(), [(pid, 2, true)]);
    assert_eq!(
        sim.take_log(),
        [format!(
            "DEBG killing foo (pid {pid}) process group with signal SIGINT"
        )]
    );
}

#[test]
fn stopwaitsecs_overrun_escalates_to_sigkill() {
    let mut sim = Sim::with(vec![single(spec(|s| {
        s.stopwaitsecs = 7;
        s.killasgroup = true;
    }))]);
    sim.step();
    let pid = sim.pid("foo");
    sim.stop("foo").unwrap();
    sim.clear();
    assert_eq!(sim.step(), Duration::from_secs(7));
    assert_eq!(sim.take_kills(), [(pid, 9, true)]);
    assert_eq!(
        sim.take_log(),
        [
            format!("WARN killing 'foo' ({pid}) with SIGKILL"),
            format!("DEBG killing foo (pid {pid}) process group with signal SIGKILL"),
        ]
    );
    assert!(sim.take_changes().is_empty(), "still STOPPING, no event");
    sim.exit("foo", ExitStatus::Signaled(9));
    assert_eq!(
        sim.take_log(),
        ["WARN stopped: foo (terminated by SIGKILL)"]
    );
}

#[test]
fn sigkill_repeats_every_stopwaitsecs_while_the_process_lives() {
    let mut sim = Sim::with(vec![single(spec(|s| s.stopwaitsecs = 4))]);
    sim.step();
    let pid = sim.pid("foo");
    sim.stop("foo").unwrap();
    sim.clear();
    for _ in 0..3 {
        assert_eq!(sim.step(), Duration::from_secs(4));
        assert_eq!(sim.take_kills(), [(pid, 9, false)]);
    }
}

#[test]
fn stopwaitsecs_zero_kills_at_once_then_at_most_every_second() {
    let mut sim = Sim::with(vec![single(spec(|s| s.stopwaitsecs = 0))]);
    sim.step();
    let pid = sim.pid("foo");
    sim.clear();
    sim.stop("foo").unwrap();
    assert_eq!(sim.take_kills(), [(pid, 15, false), (pid, 9, false)]);
    assert_eq!(sim.step(), Duration::from_secs(1));
    assert_eq!(sim.take_kills(), [(pid, 9, false)]);
}

#[test]
fn stop_while_starting_stops() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.clear();
    sim.stop("foo").unwrap();
    sim.exit("foo", ExitStatus::Signaled(15));
    assert_eq!(
        sim.take_changes(),
        ["foo STARTING->STOPPING", "foo STOPPING->STOPPED"]
    );
}

#[test]
fn stop_in_backoff_goes_straight_to_stopped() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.exit("foo", ExitStatus::Exited(1));
    sim.clear();
    sim.stop("foo").unwrap();
    assert_eq!(sim.state("foo"), ProcessState::Stopped);
    assert_eq!(sim.take_changes(), ["foo BACKOFF->STOPPED"]);
    assert_eq!(
        sim.take_log(),
        ["DEBG Attempted to kill foo, which is in BACKOFF state."]
    );
    assert!(sim.take_kills().is_empty());
    assert_eq!(sim.table.poll_timeout(), None, "no retry is pending");
}

#[test]
fn a_stopped_process_is_not_autostarted_again() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    sim.stop("foo").unwrap();
    sim.exit("foo", ExitStatus::Signaled(15));
    sim.table
        .add_group(single(proc_spec("bar")), sim.now)
        .unwrap();
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Stopped);
    assert_eq!(
        sim.state("bar"),
        ProcessState::Starting,
        "new groups autostart"
    );
}

#[test]
fn a_signal_failure_leaves_the_process_unknown() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    let id = sim.id("foo");
    let pid = sim.pid("foo");
    sim.stop("foo").unwrap();
    sim.clear();
    assert!(sim.table.handle_signal_failed(id, "EPERM", sim.now));
    sim.pump();
    assert_eq!(sim.state("foo"), ProcessState::Unknown);
    assert_eq!(
        sim.take_log(),
        [format!("CRIT unknown problem killing foo ({pid}):EPERM")]
    );
    assert_eq!(sim.table.poll_timeout(), None, "no SIGKILL follows");
    // If it exits after all, the pid is released and the state stays UNKNOWN.
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.state("foo"), ProcessState::Unknown);
    assert_eq!(sim.table.process(id).unwrap().pid(), None);
}

#[test]
fn a_plain_signal_failure_names_the_signal_path() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.step();
    let id = sim.id("foo");
    let pid = sim.pid("foo");
    sim.table.signal(id, 1, sim.now).unwrap();
    sim.pump();
    sim.clear();
    assert!(sim.table.handle_signal_failed(id, "EPERM", sim.now));
    sim.pump();
    assert_eq!(
        sim.take_log(),
        [format!(
            "CRIT unknown problem sending sig foo ({pid}):EPERM"
        )]
    );
    assert_eq!(sim.take_changes(), ["foo RUNNING->UNKNOWN"]);
}

#[test]
fn exits_of_unknown_pids_are_not_ours() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    assert!(
        !sim.table
            .handle_exit(99_999, ExitStatus::Exited(0), sim.now)
    );
}

#[test]
fn spawn_reports_without_a_pending_spawn_are_refused() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    let id = sim.id("foo");
    assert!(!sim.table.handle_spawned(id, 5000, sim.now));
    assert!(!sim.table.handle_spawn_failed(id, "x", sim.now));
}

#[test]
fn processes_in_a_group_start_in_priority_order() {
    let mut a = proc_spec("a");
    a.priority = 20;
    let mut b = proc_spec("b");
    b.priority = 10;
    let mut sim = Sim::with(vec![GroupSpec::new("g", vec![a, b, proc_spec("c")])]);
    assert_eq!(
        sim.take_changes(),
        [
            "b STOPPED->STARTING",
            "a STOPPED->STARTING",
            "c STOPPED->STARTING"
        ]
    );
}

#[test]
fn event_payloads_match_supervisor() {
    let mut sim = Sim::with(vec![single(proc_spec("foo"))]);
    sim.exit("foo", ExitStatus::Exited(1));
    sim.step();
    sim.step();
    let pid = sim.pid("foo");
    sim.exit("foo", ExitStatus::Exited(0));
    let payloads: Vec<String> = sim
        .take_change_events()
        .iter()
        .map(|c| format!("{} {}", c.event_name(), c.payload()))
        .collect();
    assert_eq!(
        payloads,
        [
            "PROCESS_STATE_STARTING processname:foo groupname:foo from_state:STOPPED tries:0",
            "PROCESS_STATE_BACKOFF processname:foo groupname:foo from_state:STARTING tries:1",
            "PROCESS_STATE_STARTING processname:foo groupname:foo from_state:BACKOFF tries:1",
            &format!(
                "PROCESS_STATE_RUNNING processname:foo groupname:foo from_state:STARTING pid:{pid}"
            ),
            &format!(
                "PROCESS_STATE_EXITED processname:foo groupname:foo from_state:RUNNING expected:1 pid:{pid}"
            ),
        ]
    );
}

#[test]
fn descriptions_match_get_process_info() {
    let mut sim = Sim::with(vec![single(spec(|s| s.autostart = false))]);
    let foo = sim.id("foo");
    let describe = |sim: &Sim, id| sim.table.process(id).unwrap().description(sim.now.wall, 0);
    assert_eq!(describe(&sim, foo), "Not started");
    sim.start("foo").unwrap();
    assert_eq!(describe(&sim, foo), "", "STARTING has no description");
    sim.step();
    sim.advance(64.0);
    let pid = sim.pid("foo");
    assert_eq!(describe(&sim, foo), format!("pid {pid}, uptime 0:01:05"));
    sim.advance(86_400.0);
    assert_eq!(
        describe(&sim, foo),
        format!("pid {pid}, uptime 1 day, 0:01:05")
    );
    let info = sim.table.process(foo).unwrap().info(sim.now.wall, 0);
    assert_eq!(info.start, 1_701_360_000);
    assert_eq!(info.now - info.start, 86_465);
    assert_eq!((info.stop, info.exitstatus, info.pid), (0, 0, pid));
}

#[test]
fn a_fatal_process_without_spawn_error_says_try_tail() {
    let mut sim = Sim::with(vec![single(spec(|s| s.startretries = 1))]);
    // Stopping everything gives up BACKOFF processes without touching spawnerr; a spawn
    // failure with an empty message leaves no text at all.
    sim.fail_spawns = Some(String::new());
    sim.exit("foo", ExitStatus::Exited(1));
    sim.step();
    assert_eq!(sim.state("foo"), ProcessState::Fatal);
    let p = sim.table.process(sim.id("foo")).unwrap();
    assert_eq!(
        p.description(sim.now.wall, 0),
        "unknown error (try \"tail foo\")"
    );
}

#[test]
fn absurd_durations_mean_never_rather_than_overflow() {
    let mut sim = Sim::with(vec![single(spec(|s| {
        s.startsecs = u64::MAX;
        s.stopwaitsecs = u64::MAX;
    }))]);
    assert_eq!(sim.table.poll_timeout(), None);
    sim.exit("foo", ExitStatus::Exited(0));
    assert_eq!(sim.state("foo"), ProcessState::Backoff);
    sim.step();
    sim.stop("foo").unwrap();
    assert_eq!(sim.state("foo"), ProcessState::Stopping);
    assert_eq!(sim.table.poll_timeout(), None);
}
