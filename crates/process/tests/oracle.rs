//! Oracle tests: scripted scenarios run against Python Supervisor's own `Subprocess`
//! class (with a fake clock, fork and logger; `oracle/driver.py`) and against this
//! crate, compared line by line: main-log lines with their levels, `PROCESS_STATE_*`
//! events with their payloads, signals sent, refusals, and `getProcessInfo`
//! descriptions.
//!
//! Each scenario's Python output is also kept as a golden file
//! (`oracle/scenarios/NAME.expected`), so the comparison runs even where the reference
//! is not installed; with it, the golden file is first checked against the live Python
//! run (`SNAPSHOTS=overwrite` rewrites it from Python instead).
//!
//! Signals are compared as their own stream: this crate hands them out as actions on a
//! separate queue from events, so only their order among themselves is meaningful.

// This harness runs the Python reference and reads the environment; the library under
// test stays under the crate's clippy guard.
#![allow(clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use supervisor_process::{
    Action, AutoRestart, CommandError, Event, ExitStatus, GroupSpec, ProcessId, ProcessSpec,
    ProcessTable, Timestamp,
};

const WALL_BASE: u64 = 1_701_360_000;

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

/// The reference's python, or `None` (after saying why) when it is absent outside CI.
fn reference_python() -> Option<PathBuf> {
    let root = match std::env::var_os("SUPERVISOR_REF") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ref"),
    };
    let python = root.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the Python reference is required in CI: {} is missing",
        python.display()
    );
    println!(
        "skipping the live Python comparison: {} not found (set SUPERVISOR_REF)",
        python.display()
    );
    None
}

fn run_python(python: &Path, scenario: &Path) -> String {
    let out = Command::new(python)
        .arg(oracle_dir().join("driver.py"))
        .arg(scenario)
        .env("TZ", "UTC")
        .output()
        .expect("run the reference python");
    assert!(
        out.status.success(),
        "driver.py failed on {}: {}",
        scenario.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The same scenario against `ProcessTable`, printed like driver.py prints it.
fn run_rust(script: &str) -> String {
    let lines: Vec<Vec<&str>> = script
        .lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect()
        })
        .filter(|w: &Vec<&str>| !w.is_empty())
        .collect();
    let kv = |key: &str| -> &str {
        lines[0][1..]
            .iter()
            .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .unwrap_or_else(|| panic!("spec needs {key}"))
    };
    let mut spec = ProcessSpec::new("foo");
    spec.autostart = false;
    spec.startsecs = kv("startsecs").parse().unwrap();
    spec.startretries = kv("startretries").parse().unwrap();
    spec.stopsignal = kv("stopsignal").parse().unwrap();
    spec.stopwaitsecs = kv("stopwaitsecs").parse().unwrap();
    spec.stopasgroup = kv("stopasgroup") == "1";
    spec.killasgroup = kv("killasgroup") == "1";
    spec.exitcodes = kv("exitcodes")
        .split(',')
        .map(|c| c.parse().unwrap())
        .collect();
    spec.autorestart = match kv("autorestart") {
        "never" => AutoRestart::Never,
        "unexpected" => AutoRestart::Unexpected,
        _ => AutoRestart::Always,
    };
    let mut pids: VecDeque<u32> = lines[1][1..].iter().map(|p| p.parse().unwrap()).collect();

    let base = Timestamp::new(Instant::now(), UNIX_EPOCH + Duration::from_secs(WALL_BASE));
    let mut now = base;
    let mut table = ProcessTable::new();
    table.add_group(GroupSpec::single(spec), now).unwrap();
    table.start_autostart(now);
    let id: ProcessId = table.process_id("foo", "foo").unwrap();
    let mut fail_spawns = false;
    let (mut out, mut kills) = (Vec::new(), Vec::new());

    for words in &lines[2..] {
        let mut words = &words[..];
        if words[0] == "at" {
            now = base.advanced(Duration::from_secs_f64(words[1].parse().unwrap()));
            words = &words[2..];
            if words.is_empty() {
                continue;
            }
        }
        let refusal = |r: Result<(), CommandError>| match r {
            Ok(()) => None,
            Err(CommandError::Failed(msg)) => Some(format!("ERR {msg}")),
            Err(e) => Some(format!("ERR {e}")),
        };
        let arg = || words[1].parse::<i32>().unwrap();
        let err = match words[0] {
            "start" => refusal(table.start(id, now)),
            "tick" => {
                table.handle_timeout(now);
                None
            }
            "exit" => {
                let pid = table.process(id).unwrap().pid().expect("a pid to exit");
                assert!(table.handle_exit(pid, ExitStatus::from_wait_status(arg()), now));
                None
            }
            "stop" => refusal(table.stop(id, now)),
            "signal" => refusal(table.signal(id, arg(), now)),
            "report" => {
                table.stop_report(id, now);
                None
            }
            "failspawn" => {
                fail_spawns = words[1] == "on";
                None
            }
            "desc" => {
                let p = table.process(id).unwrap();
                let desc = p.description(now.wall, 0);
                out.push(format!("DESC {} {desc}", p.state()));
                None
            }
            op => panic!("unknown op {op}"),
        };
        loop {
            if let Some(action) = table.poll_action() {
                match action {
                    Action::Spawn { id } if fail_spawns => {
                        table.handle_spawn_failed(id, "bad filename", now);
                    }
                    Action::Spawn { id } => {
                        let pid = pids.pop_front().expect("scenario needs more pids");
                        table.handle_spawned(id, pid, now);
                    }
                    Action::Kill {
                        pid,
                        signal,
                        process_group,
                        ..
                    } => {
                        let sign = if process_group { "-" } else { "" };
                        kills.push(format!("KILL {sign}{pid} {signal}"));
                    }
                }
                continue;
            }
            match table.poll_event() {
                Some(Event::Log(l)) => out.push(format!("LOG {} {}", l.level.tag(), l.text)),
                Some(Event::StateChange(c)) => {
                    out.push(format!("EVENT {} {}", c.event_name(), c.payload()))
                }
                Some(_) => {}
                None => break,
            }
        }
        out.extend(err);
    }
    out.extend(kills);
    out.join("\n") + "\n"
}

/// Moves the KILL lines to the end, keeping their order.
fn kills_last(text: &str) -> String {
    let (kills, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with("KILL "));
    let mut all = rest;
    all.extend(kills);
    all.join("\n") + "\n"
}

fn check(name: &str) {
    let scenario = oracle_dir().join(format!("scenarios/{name}.txt"));
    let golden = oracle_dir().join(format!("scenarios/{name}.expected"));
    if let Some(python) = reference_python() {
        let live = kills_last(&run_python(&python, &scenario));
        if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
            std::fs::write(&golden, &live).unwrap();
        }
        let kept = std::fs::read_to_string(&golden).unwrap_or_default();
        assert_eq!(
            kept, live,
            "{name}.expected is stale: rerun with SNAPSHOTS=overwrite"
        );
    }
    let expected = std::fs::read_to_string(&golden).expect("golden file");
    let script = std::fs::read_to_string(&scenario).unwrap();
    let ours = run_rust(&script);
    let (exp, got): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), ours.lines().collect());
    for (i, (e, g)) in exp.iter().zip(&got).enumerate() {
        assert_eq!(g, e, "{name}: line {} differs", i + 1);
    }
    assert_eq!(got.len(), exp.len(), "{name}: line counts differ\n{ours}");
}

#[test]
fn oracle_backoff_fatal_restart() {
    check("backoff_fatal_restart");
}

#[test]
fn oracle_stop_and_kill() {
    check("stop_and_kill");
}

#[test]
fn oracle_spawn_failure() {
    check("spawn_failure");
}

#[test]
fn oracle_startsecs_zero() {
    check("startsecs_zero");
}
