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
//! Log lines, events and signals are compared as three streams: they go to different
//! sinks (main log, eventlisteners, kill(2)), and this crate queues them separately
//! and answers spawns asynchronously, so only the order inside each stream is
//! meaningful. Descriptions are checkpoints in the first two.

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

fn run_python(python: &Path, driver: &str, scenario: &Path) -> String {
    let out = Command::new(python)
        .arg(oracle_dir().join(driver))
        .arg(scenario)
        .env("TZ", "UTC")
        .output()
        .expect("run the reference python");
    assert!(
        out.status.success(),
        "{driver} failed on {}: {}",
        scenario.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A fake host around a `ProcessTable` that prints what comes out like the drivers do.
struct Driver {
    table: ProcessTable,
    base: Timestamp,
    now: Timestamp,
    pids: VecDeque<u32>,
    fail_spawns: bool,
    out: Vec<String>,
    kills: Vec<String>,
}

impl Driver {
    fn new() -> Driver {
        let base = Timestamp::new(Instant::now(), UNIX_EPOCH + Duration::from_secs(WALL_BASE));
        Driver {
            table: ProcessTable::new(),
            base,
            now: base,
            pids: VecDeque::new(),
            fail_spawns: false,
            out: Vec::new(),
            kills: Vec::new(),
        }
    }

    /// Applies a leading `at T`; returns the rest of the words.
    fn at<'a>(&mut self, words: &'a [&'a str]) -> &'a [&'a str] {
        if words[0] == "at" {
            let t: f64 = words[1].parse().unwrap();
            self.now = self.base.advanced(Duration::from_secs_f64(t));
            &words[2..]
        } else {
            words
        }
    }

    fn refusal(&mut self, r: Result<(), CommandError>) {
        match r {
            Ok(()) => {}
            Err(CommandError::Failed(msg)) => self.out.push(format!("ERR {msg}")),
            Err(e) => self.out.push(format!("ERR {e}")),
        }
    }

    fn exit(&mut self, id: ProcessId, raw: &str) {
        let pid = self
            .table
            .process(id)
            .unwrap()
            .pid()
            .expect("a pid to exit");
        let status = ExitStatus::from_wait_status(raw.parse().unwrap());
        assert!(self.table.handle_exit(pid, status, self.now));
    }

    /// Answers every action and prints every event.
    fn drain(&mut self) {
        loop {
            if let Some(action) = self.table.poll_action() {
                match action {
                    Action::Spawn { id } if self.fail_spawns => {
                        self.table.handle_spawn_failed(id, "bad filename", self.now);
                    }
                    Action::Spawn { id } => {
                        let pid = self.pids.pop_front().expect("scenario needs more pids");
                        self.table.handle_spawned(id, pid, self.now);
                    }
                    Action::Kill {
                        pid,
                        signal,
                        process_group,
                        ..
                    } => {
                        let sign = if process_group { "-" } else { "" };
                        self.kills.push(format!("KILL {sign}{pid} {signal}"));
                    }
                }
                continue;
            }
            let line = match self.table.poll_event() {
                None => break,
                Some(Event::Log(l)) => format!("LOG {} {}", l.level.name(), l.text),
                Some(Event::StateChange(c)) => format!("EVENT {} {}", c.event_name(), c.payload()),
                Some(Event::SupervisorRunning) => "EVENT SUPERVISOR_STATE_CHANGE_RUNNING".into(),
                Some(Event::SupervisorStopping) => "EVENT SUPERVISOR_STATE_CHANGE_STOPPING".into(),
                Some(Event::AllStopped(_)) => "ALLSTOPPED".into(),
                Some(Event::GroupAdded(_) | Event::GroupRemoved(_)) => continue,
            };
            self.out.push(line);
        }
    }

    fn finish(mut self) -> String {
        self.out.append(&mut self.kills);
        self.out.join("\n") + "\n"
    }
}

fn words(script: &str) -> Vec<Vec<&str>> {
    script
        .lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect()
        })
        .filter(|w: &Vec<&str>| !w.is_empty())
        .collect()
}

fn key<'a>(words: &[&'a str], key: &str) -> &'a str {
    words
        .iter()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("needs {key}="))
}

fn autorestart(word: &str) -> AutoRestart {
    match word {
        "never" => AutoRestart::Never,
        "unexpected" => AutoRestart::Unexpected,
        _ => AutoRestart::Always,
    }
}

/// A single-process scenario (`driver.py`) against `ProcessTable`.
fn run_rust(script: &str) -> String {
    let lines = words(script);
    let kv = |k: &str| key(&lines[0][1..], k);
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
    spec.autorestart = autorestart(kv("autorestart"));
    let mut d = Driver::new();
    d.pids = lines[1][1..].iter().map(|p| p.parse().unwrap()).collect();
    d.table.add_group(GroupSpec::single(spec), d.now).unwrap();
    let id = d.table.process_id("foo", "foo").unwrap();
    for line in &lines[2..] {
        let words = d.at(line);
        let Some(&op) = words.first() else { continue };
        let now = d.now;
        match op {
            "start" => {
                let r = d.table.start(id, now);
                d.drain();
                d.refusal(r);
            }
            "tick" => d.table.handle_timeout(now),
            "exit" => d.exit(id, words[1]),
            "stop" => {
                let r = d.table.stop(id, now);
                d.drain();
                d.refusal(r);
            }
            "signal" => {
                let r = d.table.signal(id, words[1].parse().unwrap(), now);
                d.drain();
                d.refusal(r);
            }
            "report" => d.table.stop_report(id, now),
            "failspawn" => d.fail_spawns = words[1] == "on",
            "desc" => {
                let p = d.table.process(id).unwrap();
                let line = format!("DESC {} {}", p.state(), p.description(now.wall, 0));
                d.out.push(line);
            }
            op => panic!("unknown op {op}"),
        }
        d.drain();
    }
    d.finish()
}

/// A multi-group scenario (`supervisor_driver.py`) against `ProcessTable`.
fn run_rust_supervisor(script: &str) -> String {
    let mut d = Driver::new();
    let mut defaults: Vec<&str> = Vec::new();
    for line in &words(script) {
        let words = d.at(line);
        let Some(&op) = words.first() else { continue };
        let now = d.now;
        let id = |d: &Driver| {
            let (g, p) = words[1].split_once(':').unwrap();
            d.table.process_id(g, p).unwrap()
        };
        match op {
            "defaults" => defaults = words[1..].to_vec(),
            "pids" => d
                .pids
                .extend(words[1..].iter().map(|p| p.parse::<u32>().unwrap())),
            "group" => {
                let procs = key(&words[2..], "procs")
                    .split(',')
                    .map(|name| {
                        let mut s = ProcessSpec::new(name);
                        s.priority = key(&defaults, "priority").parse().unwrap();
                        s.autostart = key(&defaults, "autostart") == "1";
                        s.autorestart = autorestart(key(&defaults, "autorestart"));
                        s.startsecs = key(&defaults, "startsecs").parse().unwrap();
                        s.startretries = key(&defaults, "startretries").parse().unwrap();
                        s.stopwaitsecs = key(&defaults, "stopwaitsecs").parse().unwrap();
                        s
                    })
                    .collect();
                let mut group = GroupSpec::new(words[1], procs);
                group.priority = key(&words[2..], "priority").parse().unwrap();
                d.table.add_group(group, now).unwrap();
            }
            "run" => d.table.start_autostart(now),
            "tick" => d.table.handle_timeout(now),
            "exit" => {
                let id = id(&d);
                d.exit(id, words[2]);
            }
            "stop" => {
                let id = id(&d);
                let r = d.table.stop(id, now);
                d.drain();
                d.refusal(r);
            }
            "shutdown" => d.table.shutdown(now),
            "restart" => d.table.restart(now).unwrap(),
            op => panic!("unknown op {op}"),
        }
        d.drain();
    }
    d.finish()
}

/// The three orders that are meaningful on their own: main-log lines (with
/// descriptions and refusals as checkpoints), events (with descriptions), signals.
fn streams(text: &str) -> [Vec<&str>; 3] {
    let is = |l: &&str, p: &str| l.starts_with(p);
    [
        text.lines()
            .filter(|l| !is(l, "EVENT ") && !is(l, "KILL "))
            .collect(),
        text.lines()
            .filter(|l| is(l, "EVENT ") || is(l, "DESC "))
            .collect(),
        text.lines().filter(|l| is(l, "KILL ")).collect(),
    ]
}

fn check(name: &str) {
    let (scenario, driver, run): (PathBuf, &str, fn(&str) -> String) = {
        let txt = oracle_dir().join(format!("scenarios/{name}.txt"));
        if txt.exists() {
            (txt, "driver.py", run_rust)
        } else {
            let sup = oracle_dir().join(format!("scenarios/{name}.sup"));
            (sup, "supervisor_driver.py", run_rust_supervisor)
        }
    };
    let golden = oracle_dir().join(format!("scenarios/{name}.expected"));
    if let Some(python) = reference_python() {
        let live = run_python(&python, driver, &scenario);
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
    let ours = run(&script);
    for (which, (exp, got)) in ["log", "event", "signal"]
        .iter()
        .zip(streams(&expected).into_iter().zip(streams(&ours)))
    {
        for (i, (e, g)) in exp.iter().zip(&got).enumerate() {
            assert_eq!(g, e, "{name}: {which} line {} differs", i + 1);
        }
        assert_eq!(
            got.len(),
            exp.len(),
            "{name}: {which} line counts differ\n{ours}"
        );
    }
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

#[test]
fn oracle_shutdown_in_priority_order() {
    check("shutdown_in_priority_order");
}

#[test]
fn oracle_shutdown_kills_and_gives_up() {
    check("shutdown_kills_and_gives_up");
}

#[test]
fn oracle_stopped_before_any_exit() {
    check("stopped_before_any_exit");
}
