//! Supervises two real commands with `std::process::Command` and a loop of its own, no
//! daemon involved: a steady one (`sleep 30`) that reaches RUNNING, and a flaky one that
//! exits too quickly, is retried with a growing delay and given up on (FATAL). After a
//! few seconds the example shuts down: SIGTERM to the steady one, then it exits.
//!
//! Run it with `cargo run -p supervisor-process --example two_commands`.

// This program is the host: reading clocks, spawning and sleeping are its job, which the
// library itself is forbidden to do (see the crate's clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

use supervisor_process::{
    Action, Event, ExitStatus, GroupSpec, ProcessSpec, ProcessTable, Timestamp,
};

fn now() -> Timestamp {
    Timestamp::new(Instant::now(), SystemTime::now())
}

/// The std exit status as this crate wants it.
fn exit_status(status: std::process::ExitStatus) -> ExitStatus {
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitStatus::Exited(code),
        (None, Some(sig)) if status.core_dumped() => ExitStatus::CoreDumped(sig),
        (None, Some(sig)) => ExitStatus::Signaled(sig),
        (None, None) => ExitStatus::Unknown(status.into_raw()),
    }
}

fn main() -> ExitCode {
    // What to run, by process name: the host's business, not the table's.
    let commands: HashMap<&str, &[&str]> = HashMap::from([
        ("steady", &["sleep", "30"][..]),
        ("flaky", &["sh", "-c", "echo flaky starting; exit 3"][..]),
    ]);
    let mut flaky = ProcessSpec::new("flaky");
    flaky.startretries = 2;
    let steady = ProcessSpec::new("steady");

    let mut table = ProcessTable::new();
    let start = now();
    for spec in [steady, flaky] {
        table
            .add_group(GroupSpec::single(spec), start)
            .expect("unique names");
    }
    table.start_autostart(start);

    let shutdown_at = start.mono + Duration::from_secs(5);
    let mut children: HashMap<u32, Child> = HashMap::new();
    loop {
        // 1. Carry out what the table asks.
        while let Some(action) = table.poll_action() {
            match action {
                Action::Spawn { id } => {
                    let name = table.process(id).expect("live id").name();
                    let argv = commands[name];
                    match Command::new(argv[0])
                        .args(&argv[1..])
                        .process_group(0)
                        .spawn()
                    {
                        Ok(child) => {
                            let pid = child.id();
                            children.insert(pid, child);
                            table.handle_spawned(id, pid, now());
                        }
                        Err(e) => {
                            let msg = format!("can't spawn '{}': {e}", argv[0]);
                            table.handle_spawn_failed(id, &msg, now());
                        }
                    }
                }
                Action::Kill {
                    id,
                    pid,
                    signal,
                    process_group,
                } => {
                    let target = if process_group {
                        format!("-{pid}")
                    } else {
                        pid.to_string()
                    };
                    let sent = Command::new("kill")
                        .args([format!("-{signal}"), "--".to_owned(), target])
                        .status();
                    if !matches!(sent, Ok(s) if s.success()) {
                        table.handle_signal_failed(id, "kill failed", now());
                    }
                }
            }
        }
        // 2. Report what it said.
        while let Some(event) = table.poll_event() {
            match event {
                Event::Log(line) => println!("{} {}", line.level.name(), line.text),
                Event::StateChange(c) => {
                    println!("     event {} {}", c.event_name(), c.payload())
                }
                Event::AllStopped(state) => {
                    println!("     all stopped ({state}), exiting");
                    return ExitCode::SUCCESS;
                }
                _ => {}
            }
        }
        // 3. Wait until the next deadline, but look for exits every 20 ms.
        let wake = table.poll_timeout().map_or(Duration::from_millis(20), |t| {
            t.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(20))
        });
        std::thread::sleep(wake);
        // 4. Report exits, time, and the shutdown request.
        let t = now();
        let exited: Vec<(u32, std::process::ExitStatus)> = children
            .iter_mut()
            .filter_map(|(&pid, child)| child.try_wait().ok().flatten().map(|s| (pid, s)))
            .collect();
        for (pid, status) in exited {
            children.remove(&pid);
            table.handle_exit(pid, exit_status(status), t);
        }
        table.handle_timeout(t);
        if t.mono >= shutdown_at && table.supervisor_state().code() == 1 {
            println!("     requesting shutdown");
            table.shutdown(t);
        }
    }
}
