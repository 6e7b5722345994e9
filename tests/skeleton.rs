//! The walking skeleton: status, start, stop, pid and version through supervisorctl,
//! against our daemon and Python's, with both supervisorctls.

use crate::util::{CtlOutput, Impl, Scene, reference, wait_for};

const PROGRAMS: &str = "\
[program:sleeper]
command=sleep 1000
startsecs=0

[program:failer]
command=sh -c 'sleep 0.2; exit 3'
startsecs=1
startretries=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0
";

/// Waits until the scene's daemon shows the settled states of `PROGRAMS`.
fn settle(scene: &Scene) {
    wait_for("sleeper RUNNING and failer FATAL", || {
        let out = scene.ctl(Impl::Ours, &["status"]).stdout;
        out.contains("sleeper                          RUNNING")
            && out.contains("failer                           FATAL")
    });
}

/// The commands of the skeleton, in an order that exercises every state change. An
/// empty command waits until no process is STARTING or BACKOFF (Python's daemon moves
/// on to FATAL up to a second later than ours, on its next tick).
const SCRIPT: &[&[&str]] = &[
    &["status"],
    &["status", "sleeper"],
    &["status", "nosuch"],
    &["start", "idle"],
    &["start", "idle"],
    &["status", "idle"],
    &["stop", "idle"],
    &["stop", "idle"],
    &["start", "nosuch"],
    &["stop", "nosuch", "sleeper"],
    &["start", "all"],
    &[],
    &["pid", "idle"],
    &["pid", "nosuch"],
    &["version"],
    &["status"],
];

fn run_script(scene: &Scene, ctl: Impl) -> Vec<(String, CtlOutput)> {
    let mut outputs = Vec::new();
    for args in SCRIPT {
        if args.is_empty() {
            wait_for("no process STARTING or BACKOFF", || {
                let out = scene.ctl(Impl::Ours, &["status"]).stdout;
                !out.contains(" STARTING ") && !out.contains(" BACKOFF ")
            });
            continue;
        }
        outputs.push((args.join(" "), scene.ctl(ctl, args).redacted()));
    }
    outputs
}

/// Pids differ between runs; `pid NAME` prints a bare number.
fn normalize(mut runs: Vec<(String, CtlOutput)>) -> Vec<(String, CtlOutput)> {
    for (cmd, out) in &mut runs {
        if cmd.starts_with("pid ") && out.stdout.trim().parse::<u32>().is_ok_and(|p| p > 0) {
            out.stdout = "<PID>\n".to_owned();
        }
    }
    runs
}

#[test]
fn our_ctl_drives_our_daemon() {
    let scene = Scene::new(PROGRAMS);
    let _daemon = scene.start(Impl::Ours);
    settle(&scene);
    let status = scene.ctl(Impl::Ours, &["status"]);
    assert_eq!(status.code, 3, "a FATAL process makes status exit 3");
    let start = scene.ctl(Impl::Ours, &["start", "idle"]);
    assert_eq!((start.stdout.as_str(), start.code), ("idle: started\n", 0));
    let stop = scene.ctl(Impl::Ours, &["stop", "idle"]);
    assert_eq!((stop.stdout.as_str(), stop.code), ("idle: stopped\n", 0));
    let missing = scene.ctl(Impl::Ours, &["start", "nosuch"]);
    assert_eq!(missing.stdout, "nosuch: ERROR (no such process)\n");
    assert_eq!(missing.code, 1);
}

/// Every combination of ctl and daemon prints the same thing for the same script.
#[test]
fn oracle_ctl_output_matches_python_for_every_pairing() {
    if reference().is_none() {
        return;
    }
    let mut outputs = Vec::new();
    for daemon in [Impl::Python, Impl::Ours] {
        for ctl in [Impl::Python, Impl::Ours] {
            let scene = Scene::new(PROGRAMS);
            let _d = scene.start(daemon);
            settle(&scene);
            outputs.push(((daemon, ctl), normalize(run_script(&scene, ctl))));
        }
    }
    let (reference_pair, expected) = &outputs[0];
    for (pair, got) in &outputs[1..] {
        for ((cmd, want), (_, have)) in expected.iter().zip(got) {
            assert_eq!(
                want, have,
                "`supervisorctl {cmd}`: {reference_pair:?} (daemon, ctl) and {pair:?} differ"
            );
        }
    }
}

#[test]
fn unreachable_daemon_reports_like_python() {
    let scene = Scene::new(PROGRAMS);
    let ours = scene.ctl(Impl::Ours, &["status"]);
    assert_eq!(ours.code, 4, "{ours:?}");
    assert!(ours.stdout.contains("no such file"), "{ours:?}");
    if reference().is_some() {
        assert_eq!(scene.ctl(Impl::Python, &["status"]), ours);
    }
}
