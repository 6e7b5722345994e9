//! Misbehaving children and clients against our daemon, with Python's daemon as the oracle
//! where the outcome is deterministic: programs that ignore SIGTERM, close their output,
//! write binary or huge lines, die in a loop, fork, cannot be run; the environment a child
//! sees; reaping; many, stalled and vanishing clients.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::support_extra::{
    add_to_supervisord_section, alive, cpu_ticks, group_members, kill_group, member, on_both, pid,
    processes, program_lines, state, zombies_of,
};
use crate::util::{DEADLINE, Daemon, Impl, Scene, rpc, string_param, wait_for};

fn no_prepare(_: &Scene) {}

fn stop(daemon: &Daemon, name: &str) -> String {
    rpc(
        &daemon.socket,
        "supervisor.stopProcess",
        &string_param(name),
    )
    .unwrap()
}

fn assert_same<T: PartialEq + std::fmt::Debug>(ours: T, python: Option<T>) {
    if let Some(python) = python {
        assert_eq!(ours, python, "ours (left) differs from Python's (right)");
    }
}

const STUBBORN: &str = "\
[program:stubborn]
command=sh -c 'trap \"\" TERM; echo ready; while true; do sleep 0.1; done'
startsecs=0
stopwaitsecs=1
stdout_logfile=%(here)s/stubborn.log
";

#[test]
fn sigterm_ignored_means_sigkill_after_stopwaitsecs_like_python() {
    let (ours, python) = on_both(STUBBORN, no_prepare, |scene, daemon| {
        // RUNNING comes before the shell has set its trap: wait for it to say so.
        wait_for("stubborn ignoring SIGTERM", || {
            std::fs::read_to_string(scene.dir.path().join("stubborn.log"))
                .is_ok_and(|t| t.contains("ready"))
        });
        daemon.track(pid(&daemon.socket, "stubborn"));
        let asked = Instant::now();
        let reply = stop(daemon, "stubborn");
        assert!(reply.contains("<boolean>1</boolean>"), "{reply}");
        assert!(
            asked.elapsed() >= Duration::from_secs(1),
            "SIGKILL came early"
        );
        assert_eq!(state(&daemon.socket, "stubborn"), "STOPPED");
        program_lines(scene, "stubborn")
    });
    assert!(
        ours.contains(&"WARN killing 'stubborn' (<N>) with SIGKILL".to_owned()),
        "{ours:?}"
    );
    assert_same(ours, python);
}

const CLOSER: &str = "\
[program:closer]
command=sh -c 'exec >&- 2>&-; exec sleep 1000'
startsecs=1
";

#[test]
fn a_child_that_closes_its_output_stays_running_without_a_busy_loop() {
    let (ours, python) = on_both(CLOSER, no_prepare, |scene, daemon| {
        let before = cpu_ticks(daemon.pid());
        wait_for("closer running", || {
            state(&daemon.socket, "closer") == "RUNNING"
        });
        let used = cpu_ticks(daemon.pid()) - before;
        daemon.track(pid(&daemon.socket, "closer"));
        // A poll loop spinning on the closed pipes would burn the whole startsecs second.
        assert!(used < 40, "the daemon used {used} ticks while waiting");
        let reply = stop(daemon, "closer");
        assert!(reply.contains("<boolean>1</boolean>"), "{reply}");
        let mut lines = program_lines(scene, "closer");
        // `waiting for closer to stop` appears when the first check of the waiting reply
        // runs before the exit is collected: a race in both daemons.
        lines.retain(|l| !l.contains("waiting for"));
        lines
    });
    assert_same(ours, python);
}

const BINARY: &str = "\
[program:binary]
command=sh -c 'cat %(here)s/payload.bin; cat %(here)s/payload.bin >&2; exec sleep 1000'
startsecs=0
stdout_logfile=%(here)s/out.log
stderr_logfile=%(here)s/err.log
";

/// Invalid UTF-8 (a lone continuation byte, a truncated sequence, 0xff), NULs, a 3 MiB
/// line with no newline inside, and a tail without a final newline.
fn payload() -> Vec<u8> {
    let mut p = b"\xff\xfe\x80 bad\n\0nul\0\n".to_vec();
    p.extend(std::iter::repeat_n(b'x', 3 << 20));
    p.extend_from_slice(b"\xc3(\n\xe2\x82 end");
    p
}

fn write_payload(scene: &Scene) {
    std::fs::write(scene.dir.path().join("payload.bin"), payload()).unwrap();
}

#[test]
fn binary_output_and_a_multi_megabyte_line_reach_the_log_byte_for_byte() {
    let (ours, python) = on_both(BINARY, write_payload, |scene, daemon| {
        let want = payload();
        for log in ["out.log", "err.log"] {
            let path = scene.dir.path().join(log);
            wait_for(log, || {
                std::fs::metadata(&path).is_ok_and(|m| m.len() >= want.len() as u64)
            });
            let got = std::fs::read(&path).unwrap();
            assert!(
                got == want,
                "{log}: {} bytes differ from the payload",
                got.len()
            );
        }
        daemon.track(pid(&daemon.socket, "binary"));
        state(&daemon.socket, "binary")
    });
    assert_eq!(ours, "RUNNING");
    assert_same(ours, python);
}

const CRASHER: &str = "\
[program:crasher]
command=sh -c 'exit 3'
startsecs=1
startretries=2
";

#[test]
fn a_program_dying_at_once_backs_off_then_goes_fatal_like_python() {
    let (ours, python) = on_both(CRASHER, no_prepare, |scene, daemon| {
        wait_for("crasher FATAL", || {
            state(&daemon.socket, "crasher") == "FATAL"
        });
        assert!(zombies_of(daemon.pid()).is_empty());
        program_lines(scene, "crasher")
    });
    assert_eq!(
        ours.iter().filter(|l| l.contains("spawned:")).count(),
        3,
        "one start and two retries: {ours:?}"
    );
    assert_eq!(
        ours.last().map(String::as_str),
        Some("INFO gave up: crasher entered FATAL state, too many start retries too quickly")
    );
    assert_same(ours, python);
}

const UNRUNNABLE: &str = "\
[program:no-such-program]
command=%(here)s/no-such-program
startretries=1

[program:plain-file]
command=%(here)s/plain-file
startretries=1

[program:a-directory]
command=%(here)s/a-directory
startretries=1

[program:no-such-command-on-path]
command=no-such-command-on-path
startretries=1
";

fn write_unrunnables(scene: &Scene) {
    std::fs::write(scene.dir.path().join("plain-file"), "#!/bin/sh\n").unwrap();
    std::fs::create_dir(scene.dir.path().join("a-directory")).unwrap();
}

/// `spawnerr:` lines name the command, not the program: the programs here are named
/// after their commands so that every line can be attributed.
#[test]
fn unrunnable_commands_report_spawnerr_and_go_fatal_like_python() {
    let (ours, python) = on_both(UNRUNNABLE, write_unrunnables, |scene, daemon| {
        let names = [
            "no-such-program",
            "plain-file",
            "a-directory",
            "no-such-command-on-path",
        ];
        wait_for("all FATAL", || {
            names.iter().all(|n| state(&daemon.socket, n) == "FATAL")
        });
        let dir = scene.dir.path().to_string_lossy().into_owned();
        names
            .iter()
            .map(|n| {
                let body = rpc(
                    &daemon.socket,
                    "supervisor.getProcessInfo",
                    &string_param(n),
                )
                .unwrap();
                let spawnerr = member(&body, "spawnerr").unwrap().replace(&dir, "<DIR>");
                (spawnerr, program_lines(scene, n))
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(
        ours[1].1,
        [
            "INFO spawnerr: command at '<DIR>/plain-file' is not executable",
            "INFO spawnerr: command at '<DIR>/plain-file' is not executable",
            "INFO gave up: plain-file entered FATAL state, too many start retries too quickly",
        ]
    );
    assert_eq!(ours[3].0, "can't find command 'no-such-command-on-path'");
    assert_same(ours, python);
}

const BAD_DIRECTORY: &str = "\
[program:lost]
command=sleep 1000
directory=/nonexistent/dir
startretries=1
stderr_logfile=%(here)s/lost.err
";

/// (main-log lines of the attempts, spawnerr, the stderr log) once `lost` is FATAL.
fn bad_directory_outcome(scene: &Scene, daemon: &mut Daemon) -> (Vec<String>, String, String) {
    wait_for("lost FATAL", || state(&daemon.socket, "lost") == "FATAL");
    let body = rpc(
        &daemon.socket,
        "supervisor.getProcessInfo",
        &string_param("lost"),
    )
    .unwrap();
    let stderr_log = std::fs::read_to_string(scene.dir.path().join("lost.err")).unwrap_or_default();
    let mut lines = program_lines(scene, "spawnerr:");
    lines.extend(program_lines(scene, "spawned: 'lost'"));
    (lines, member(&body, "spawnerr").unwrap(), stderr_log)
}

/// Python forks, the child fails to chdir, writes the reason to its stderr log and exits
/// 127; we learn of the failure before a child exists (the README's documented difference
/// for failures between fork and exec). Both end FATAL after the same number of attempts.
#[test]
fn a_bad_directory_ends_fatal_after_the_same_attempts_as_python() {
    let (ours, python) = on_both(BAD_DIRECTORY, no_prepare, bad_directory_outcome);
    assert_eq!(ours.0.len(), 2, "{:?}", ours.0);
    if let Some(python) = python {
        assert_eq!(python.0.len(), 2, "{:?}", python.0);
        assert!(
            python
                .2
                .contains("supervisor: couldn't chdir to /nonexistent/dir: ENOENT"),
            "{:?}",
            python.2
        );
    }
}

#[test]
fn a_bad_directory_spawnerr_names_the_directory() {
    let scene = Scene::new(BAD_DIRECTORY);
    let mut daemon = scene.start(Impl::Ours);
    let (_, spawnerr, _) = bad_directory_outcome(&scene, &mut daemon);
    assert_eq!(spawnerr, "couldn't chdir to /nonexistent/dir: ENOENT");
}

const GROUPS: &str = "\
[program:tree]
command=sh -c 'sleep 1000 & sleep 1000 & sh -c \"sleep 1000 & wait\" & wait'
startsecs=0
stopasgroup=true

[program:stubborntree]
command=sh -c 'trap \"\" TERM; sh -c \"trap \\\"\\\" TERM; sleep 1000\" & sleep 1000 & while true; do sleep 0.1; done'
startsecs=0
stopwaitsecs=1
killasgroup=true
";

#[test]
fn stopasgroup_and_killasgroup_reach_every_grandchild() {
    let scene = Scene::new(GROUPS);
    let mut daemon = scene.start(Impl::Ours);
    for name in ["tree", "stubborntree"] {
        wait_for("running", || state(&daemon.socket, name) == "RUNNING");
        let leader = pid(&daemon.socket, name);
        daemon.track(leader);
        wait_for("the grandchildren forked", || {
            group_members(leader).len() >= 3
        });
        let reply = stop(&daemon, name);
        assert!(reply.contains("<boolean>1</boolean>"), "{reply}");
        // The signal reaches every member at once, but they die at their own pace: the
        // leader can be reaped (and the stop answered) a moment before the rest are gone.
        let gone = wait_until(|| group_members(leader).is_empty());
        let left = group_members(leader);
        kill_group(leader);
        assert!(gone, "{name} left {left:?} behind");
    }
    wait_for("no zombies", || zombies_of(daemon.pid()).is_empty());
}

const BOMB: &str = "\
[program:bomb]
command=sh -c 'f() { if [ $1 -gt 0 ]; then f $(($1 - 1)) & f $(($1 - 1)) & fi; exec sleep 1000; }; f 4'
startsecs=0
stopasgroup=true
";

#[test]
fn a_bounded_fork_bomb_is_stopped_as_a_group_without_strays() {
    let scene = Scene::new(BOMB);
    let mut daemon = scene.start(Impl::Ours);
    wait_for("bomb running", || {
        state(&daemon.socket, "bomb") == "RUNNING"
    });
    let leader = pid(&daemon.socket, "bomb");
    daemon.track(leader);
    // Depth 4 of binary forks: 31 processes in the group.
    wait_for("every fork", || group_members(leader).len() >= 31);
    let reply = stop(&daemon, "bomb");
    assert!(reply.contains("<boolean>1</boolean>"), "{reply}");
    let gone = wait_until(|| group_members(leader).is_empty());
    let left = group_members(leader);
    kill_group(leader);
    assert!(gone, "strays: {left:?}");
    assert_eq!(state(&daemon.socket, "bomb"), "STOPPED");
}

const ENV: &str = "\
[program:env]
command=env
startsecs=0
autorestart=false
stdout_logfile=%(here)s/env.out
environment=PROGRAM_ONLY=\"p\",SHARED=\"from-program\",LITERAL_PCT=\"100%%\",HERE_EXPANDED=\"%(here)s\"
";

fn with_supervisord_environment(scene: &Scene) {
    add_to_supervisord_section(
        scene,
        "environment=SUPERVISORD_ONLY=\"s\",SHARED=\"from-supervisord\"\n",
    );
}

#[test]
fn a_child_sees_the_merged_environment_like_python() {
    let (ours, python) = on_both(ENV, with_supervisord_environment, |scene, daemon| {
        wait_for("env exited", || state(&daemon.socket, "env") == "EXITED");
        let dir = scene.dir.path().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(scene.dir.path().join("env.out")).unwrap();
        let mut vars: Vec<String> = text
            .lines()
            .map(|l| l.replace(&dir, "<DIR>"))
            // Python's interpreter start-up may add these; they are not Supervisor's.
            .filter(|l| !l.starts_with("LC_CTYPE=") && !l.starts_with("PYTHON"))
            .collect();
        vars.sort();
        vars
    });
    for want in [
        "SUPERVISOR_ENABLED=1",
        "SUPERVISOR_PROCESS_NAME=env",
        "SUPERVISOR_GROUP_NAME=env",
        "SUPERVISOR_SERVER_URL=unix://<DIR>/sup.sock",
        "PROGRAM_ONLY=p",
        "SUPERVISORD_ONLY=s",
        "SHARED=from-program",
        "LITERAL_PCT=100%",
        "HERE_EXPANDED=<DIR>",
    ] {
        assert!(ours.contains(&want.to_owned()), "missing {want}: {ours:?}");
    }
    assert_same(ours, python);
}

/// supervisord's own environment reaches the child unexpanded, `%` and all. Our launcher
/// is used here because the shared one passes the test's environment unchanged.
#[test]
fn supervisords_own_environment_passes_through_with_percent_signs_untouched() {
    let run = |which: Impl| {
        let scene = Scene::new(ENV);
        let out = std::fs::File::create(scene.dir.path().join("daemon.out")).unwrap();
        let mut child = std::process::Command::new(crate::util::binary(which, "supervisord"))
            .args(["-n", "-c"])
            .arg(scene.conf())
            .current_dir(scene.dir.path())
            .env("SV_TEST_PCT", "50% of %(here)s %%")
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let path = scene.dir.path().join("env.out");
        let started = Instant::now();
        let mut text = String::new();
        while !text.contains("SV_TEST_PCT=") && started.elapsed() < DEADLINE {
            std::thread::sleep(Duration::from_millis(20));
            text = std::fs::read_to_string(&path).unwrap_or_default();
        }
        let _ = child.kill();
        let _ = child.wait();
        text.lines()
            .find(|l| l.starts_with("SV_TEST_PCT="))
            .map(str::to_owned)
    };
    let ours = run(Impl::Ours);
    assert_eq!(ours.as_deref(), Some("SV_TEST_PCT=50% of %(here)s %%"));
    if crate::util::reference().is_some() {
        assert_eq!(ours, run(Impl::Python));
    }
}

const RESTARTERS: &str = "\
[program:flap]
command=sh -c 'sleep 0.05; exit 1'
startsecs=0
autorestart=true
numprocs=3
process_name=%(program_name)s_%(process_num)s

[program:steady]
command=sleep 1000
startsecs=0
";

#[test]
fn every_child_is_reaped_after_kills_and_restarts() {
    let scene = Scene::new(RESTARTERS);
    let mut daemon = scene.start(Impl::Ours);
    wait_for("steady running", || {
        state(&daemon.socket, "steady") == "RUNNING"
    });
    for round in 0..5 {
        let old = pid(&daemon.socket, "steady");
        daemon.track(old);
        let signal = if round % 2 == 0 { "-KILL" } else { "-TERM" };
        std::process::Command::new("kill")
            .args([signal, &old.to_string()])
            .status()
            .unwrap();
        wait_for("steady restarted", || {
            let now = pid(&daemon.socket, "steady");
            now != 0 && now != old
        });
        daemon.track(pid(&daemon.socket, "steady"));
        let reply = rpc(
            &daemon.socket,
            "supervisor.stopProcessGroup",
            &string_param("flap"),
        );
        assert!(reply.is_ok(), "{reply:?}");
        let reply = rpc(
            &daemon.socket,
            "supervisor.startProcessGroup",
            &string_param("flap"),
        );
        assert!(reply.is_ok(), "{reply:?}");
    }
    // Exits keep coming from the flapping group; a zombie must never outlive a moment.
    wait_for("no zombie children of the daemon", || {
        zombies_of(daemon.pid()).is_empty()
    });
    let children = processes()
        .into_iter()
        .filter(|p| p.ppid == daemon.pid())
        .count();
    assert!(children <= 4, "{children} children for 4 programs");
}

const BUSY: &str = "\
[program:flap]
command=sh -c 'sleep 0.1; exit 1'
startsecs=0
autorestart=true
numprocs=5
process_name=%(program_name)s_%(process_num)s
";

#[test]
fn two_hundred_concurrent_clients_all_get_answers_while_programs_restart() {
    let scene = Scene::new(BUSY);
    let daemon = scene.start(Impl::Ours);
    let socket = daemon.socket.clone();
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let socket = socket.clone();
            std::thread::spawn(move || rpc(&socket, "supervisor.getAllProcessInfo", ""))
        })
        .collect();
    let mut failures = Vec::new();
    for client in clients {
        match client.join().unwrap() {
            Ok(body) if body.matches("<name>statename</name>").count() == 5 => {}
            other => failures.push(format!("{other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed, first: {}",
        failures.len(),
        failures[0]
    );
    assert!(alive(daemon.pid()));
}

#[test]
fn a_stalled_half_request_does_not_block_other_clients() {
    let scene = Scene::new(STUBBORN);
    let daemon = scene.start(Impl::Ours);
    let mut stalled = UnixStream::connect(&daemon.socket).unwrap();
    stalled
        .write_all(
            b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<?xml",
        )
        .unwrap();
    let mut head_only = UnixStream::connect(&daemon.socket).unwrap();
    head_only
        .write_all(b"POST /RPC2 HTTP/1.0\r\nContent-Le")
        .unwrap();
    for _ in 0..20 {
        let body = rpc(&daemon.socket, "supervisor.getState", "").unwrap();
        assert!(body.contains("RUNNING"), "{body}");
    }
    drop(stalled);
    drop(head_only);
    assert!(rpc(&daemon.socket, "supervisor.getState", "").is_ok());
}

const CHATTY: &str = "\
[program:chatty]
command=sh -c 'head -c 4000000 /dev/zero | tr \"\\0\" y; exec sleep 1000'
startsecs=0
stdout_logfile=%(here)s/chatty.log
";

#[test]
fn a_client_vanishing_mid_reply_leaves_the_daemon_serving() {
    let scene = Scene::new(CHATTY);
    let mut daemon = scene.start(Impl::Ours);
    let log = scene.dir.path().join("chatty.log");
    wait_for("the log filled", || {
        std::fs::metadata(&log).is_ok_and(|m| m.len() >= 4_000_000)
    });
    daemon.track(pid(&daemon.socket, "chatty"));
    let body = format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.readProcessStdoutLog</methodName>\n<params>\n{}<param><value><int>0</int></value></param><param><value><int>0</int></value></param></params>\n</methodCall>\n",
        string_param("chatty")
    );
    let request = format!(
        "POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    for _ in 0..5 {
        let mut stream = UnixStream::connect(&daemon.socket).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut first = [0u8; 64];
        let _ = stream.read(&mut first);
        drop(stream);
        // Another vanishes before reading anything.
        let mut stream = UnixStream::connect(&daemon.socket).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        drop(stream);
    }
    let reply = rpc(&daemon.socket, "supervisor.getState", "").unwrap();
    assert!(reply.contains("RUNNING"), "{reply}");
    assert!(alive(daemon.pid()));
    assert_eq!(state(&daemon.socket, "chatty"), "RUNNING");
}

const ECHO: &str = "\
[program:echo]
command=cat
startsecs=0
stdout_logfile=%(here)s/echo.log
";

/// A restarted child gets a fresh stdin pipe that `sendProcessStdin` writes to.
#[test]
fn stdin_reaches_a_restarted_child_like_python() {
    let (ours, python) = on_both(ECHO, no_prepare, |scene, daemon| {
        wait_for("echo running", || {
            state(&daemon.socket, "echo") == "RUNNING"
        });
        let first = pid(&daemon.socket, "echo");
        daemon.track(first);
        std::process::Command::new("kill")
            .args(["-KILL", &first.to_string()])
            .status()
            .unwrap();
        wait_for("echo restarted", || {
            scene.main_log().matches("spawned: 'echo'").count() == 2
                && state(&daemon.socket, "echo") != "STARTING"
        });
        daemon.track(pid(&daemon.socket, "echo"));
        let reply = rpc(
            &daemon.socket,
            "supervisor.sendProcessStdin",
            &format!("{}{}", string_param("echo"), string_param("hello\n")),
        );
        let log = scene.dir.path().join("echo.log");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3)
            && !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("hello"))
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        (
            reply.map(|r| r.contains("<boolean>1</boolean>")).ok(),
            std::fs::read_to_string(&log).unwrap_or_default(),
        )
    });
    assert_eq!(ours, (Some(true), "hello\n".to_owned()));
    assert_same(ours, python);
}

const FDS: &str = "\
[program:fds]
command=sh -c 'ls /proc/$$/fd; exec sleep 1000'
startsecs=0
stdout_logfile=%(here)s/fds.log
";

/// Python closes every descriptor from 3 up to `minfds` in the child before exec, so a
/// descriptor supervisord inherited without close-on-exec does not reach its programs.
/// The daemon is started here by `sh` with descriptor 7 open on /dev/null.
#[test]
fn children_see_only_their_three_standard_descriptors_like_python() {
    let run = |which: Impl| {
        let scene = Scene::new(FDS);
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg("exec 7</dev/null; exec \"$0\" -n -c \"$1\" >/dev/null 2>&1")
            .arg(crate::util::binary(which, "supervisord"))
            .arg(scene.conf())
            .current_dir(scene.dir.path())
            .spawn()
            .unwrap();
        let log = scene.dir.path().join("fds.log");
        let started = Instant::now();
        let mut text = String::new();
        // `ls` lists its own descriptor on the directory as well: wait for the last line.
        while !text.ends_with('\n') && started.elapsed() < DEADLINE {
            std::thread::sleep(Duration::from_millis(20));
            text = std::fs::read_to_string(&log).unwrap_or_default();
        }
        // SIGTERM, so the daemon stops its program before it exits (SIGKILL would
        // orphan the `sleep`).
        let _ = std::process::Command::new("kill")
            .arg(child.id().to_string())
            .status();
        let started = Instant::now();
        while child.try_wait().ok().flatten().is_none() && started.elapsed() < DEADLINE {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        text
    };
    let ours = run(Impl::Ours);
    assert!(
        !ours.lines().any(|l| l == "7"),
        "descriptor 7 leaked: {ours:?}"
    );
    if crate::util::reference().is_some() {
        assert_eq!(ours, run(Impl::Python));
    }
}

/// Polls `cond` until it holds or the test deadline passes; says which.
fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < crate::util::DEADLINE {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    cond()
}

/// Out of descriptors, supervisord cannot accept; a connection that waits in the
/// listener's queue meanwhile is served once descriptors are free again, even if no
/// other client connects after it.
#[test]
fn a_connection_queued_while_out_of_descriptors_is_served_later() {
    let scene = Scene::with("minfds=10", "");
    let daemon = scene.start_under(Impl::Ours, &["prlimit", "--nofile=40:40", "--"]);
    let hogs: Vec<std::os::unix::net::UnixStream> = (0..60)
        .filter_map(|_| std::os::unix::net::UnixStream::connect(&daemon.socket).ok())
        .collect();
    wait_for("the daemon to run out of descriptors", || {
        scene.main_log().contains("could not accept a connection")
    });
    // Queued in the listener's backlog: connected, request sent, not yet accepted.
    let body = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n</methodCall>\n";
    let mut waiting = std::os::unix::net::UnixStream::connect(&daemon.socket).unwrap();
    write!(
        waiting,
        "POST /RPC2 HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    drop(hogs);
    waiting
        .set_read_timeout(Some(crate::util::DEADLINE))
        .unwrap();
    let mut reply = String::new();
    waiting
        .read_to_string(&mut reply)
        .expect("the queued request was never answered");
    assert!(reply.contains("<string>RUNNING</string>"), "{reply}");
}
