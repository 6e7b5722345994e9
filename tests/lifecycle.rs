//! Keeping programs alive: restarts after death, shutdown on signals, reaping, and the
//! main-log lines that report it.

use crate::util::{Impl, Scene, rpc, string_param, wait_for};

fn pid_of(socket: &std::path::Path, name: &str) -> u32 {
    pid_now(socket, name).unwrap_or_else(|| panic!("no pid for {name}"))
}

/// The pid `getProcessInfo` reports, or `None` while the daemon cannot answer (it may be
/// restarting) or answers with a fault.
fn pid_now(socket: &std::path::Path, name: &str) -> Option<u32> {
    let body = rpc(socket, "supervisor.getProcessInfo", &string_param(name)).ok()?;
    let at = body.find("<name>pid</name>\n<value><int>")? + 29;
    body[at..].split('<').next()?.parse().ok()
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn kill(pid: u32, signal: &str) {
    std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
}

#[test]
fn a_killed_program_is_restarted_and_the_old_one_reaped() {
    let scene = Scene::new("[program:worker]\ncommand=sleep 1000\nstartsecs=0\nautorestart=true\n");
    let mut daemon = scene.start(Impl::Ours);
    wait_for("worker running", || pid_of(&daemon.socket, "worker") != 0);
    let first = pid_of(&daemon.socket, "worker");
    daemon.track(first);
    kill(first, "KILL");
    wait_for("a new worker", || {
        let pid = pid_of(&daemon.socket, "worker");
        pid != 0 && pid != first
    });
    let second = pid_of(&daemon.socket, "worker");
    daemon.track(second);
    wait_for("the killed worker reaped", || {
        !std::path::Path::new(&format!("/proc/{first}")).exists()
    });
    let log = scene.main_log();
    assert!(
        log.contains("exited: worker (terminated by SIGKILL; not expected)"),
        "{log}"
    );
    assert!(
        log.contains(&format!("spawned: 'worker' with pid {second}")),
        "{log}"
    );
}

#[test]
fn sigterm_stops_every_program_and_exits_zero() {
    let scene = Scene::new(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\n\n[program:b]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    let mut daemon = scene.start(Impl::Ours);
    wait_for("both running", || {
        pid_of(&daemon.socket, "a") != 0 && pid_of(&daemon.socket, "b") != 0
    });
    let pids = [pid_of(&daemon.socket, "a"), pid_of(&daemon.socket, "b")];
    pids.iter().for_each(|&p| daemon.track(p));
    daemon.signal(15);
    assert_eq!(daemon.wait_exit(), 0);
    for pid in pids {
        wait_for("children gone", || !alive(pid));
    }
    assert!(
        !scene.socket().exists(),
        "the socket file is removed on exit"
    );
    assert!(!scene.dir.path().join("supervisord.pid").exists());
    let log = scene.main_log();
    assert!(
        log.contains("WARN received SIGTERM indicating exit request"),
        "{log}"
    );
    assert!(log.contains("stopped: a (terminated by SIGTERM)"), "{log}");
}

#[test]
fn a_program_that_ignores_sigterm_is_killed_after_stopwaitsecs() {
    let scene = Scene::new(
        "[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; touch %(here)s/trapped; \
         while true; do sleep 0.1; done'\nstartsecs=0\nstopwaitsecs=1\n",
    );
    let mut daemon = scene.start(Impl::Ours);
    // RUNNING comes at the spawn, before the shell has set its trap.
    let trapped = scene.dir.path().join("trapped");
    wait_for("the TERM trap", || trapped.exists());
    let pid = pid_of(&daemon.socket, "stubborn");
    daemon.track(pid);
    let body = rpc(
        &daemon.socket,
        "supervisor.stopProcess",
        &string_param("stubborn"),
    )
    .unwrap();
    assert!(body.contains("<boolean>1</boolean>"), "{body}");
    let log = scene.main_log();
    assert!(
        log.contains(&format!("WARN killing 'stubborn' ({pid}) with SIGKILL")),
        "{log}"
    );
    assert!(
        log.contains("stopped: stubborn (terminated by SIGKILL)"),
        "{log}"
    );
}

#[test]
fn main_log_lines_have_supervisors_format() {
    let scene = Scene::new("[program:quick]\ncommand=true\nstartsecs=0\nautorestart=false\n");
    let _daemon = scene.start(Impl::Ours);
    wait_for("quick exited", || {
        scene.main_log().contains("exited: quick")
    });
    let log = scene.main_log();
    let line = log
        .lines()
        .find(|l| l.contains("spawned: 'quick'"))
        .unwrap();
    // `2024-01-01 10:00:00,123 INFO spawned: 'quick' with pid 42`
    let (stamp, rest) = line.split_at(23);
    assert!(
        rest.starts_with(" INFO spawned: 'quick' with pid "),
        "{line}"
    );
    let bytes = stamp.as_bytes();
    assert_eq!(
        (
            bytes[4], bytes[7], bytes[10], bytes[13], bytes[16], bytes[19]
        ),
        (b'-', b'-', b' ', b':', b':', b','),
        "{line}"
    );
    assert!(
        log.contains("INFO exited: quick (exit status 0; expected)"),
        "{log}"
    );
    assert!(log.contains("INFO supervisord started with pid "), "{log}");
}

#[test]
fn without_nodaemon_it_detaches_writes_the_pidfile_and_removes_it_on_shutdown() {
    let scene = Scene::new("[program:worker]\ncommand=sleep 1000\nstartsecs=0\n");
    let status = std::process::Command::new(crate::util::binary(Impl::Ours, "supervisord"))
        .arg("-c")
        .arg(scene.conf())
        .current_dir(scene.dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "the launching process exits 0");
    let pidfile = scene.dir.path().join("supervisord.pid");
    wait_for("the pidfile", || {
        std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let guard = KillOnDrop(pid);
    wait_for("the daemon to answer", || {
        rpc(&scene.socket(), "supervisor.getState", "").is_ok()
    });
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit(") ").next().unwrap().split(' ').collect();
    assert_eq!(
        fields[3],
        pid.to_string(),
        "the daemon leads its own session"
    );
    let worker = pid_of(&scene.socket(), "worker");
    let body = rpc(&scene.socket(), "supervisor.shutdown", "").unwrap();
    assert!(body.contains("<boolean>1</boolean>"));
    wait_for("the daemon to exit", || !alive(pid));
    wait_for("the worker to exit", || !alive(worker));
    assert!(!pidfile.exists());
    assert!(
        scene
            .main_log()
            .contains("INFO daemonizing the supervisord process")
    );
    drop(guard);
}

/// Kills a pid on drop, for daemons a test started outside [`Scene::start`].
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if alive(self.0) {
            kill(self.0, "KILL");
        }
    }
}

/// The main log's lines before the first spawn, without timestamps and pids.
fn startup_lines(log: &str) -> Vec<String> {
    log.lines()
        .take_while(|l| !l.contains("spawned:"))
        .map(|l| l.get(24..).unwrap_or("").to_owned())
        .map(
            |l| match l.strip_prefix("INFO supervisord started with pid ") {
                Some(_) => "INFO supervisord started with pid N".to_owned(),
                None => l,
            },
        )
        .collect()
}

#[test]
fn oracle_startup_lines_match_python() {
    if crate::util::reference().is_none() {
        return;
    }
    let lines = |which| {
        let scene = Scene::new("[program:p]\ncommand=sleep 1000\n");
        let _d = scene.start(which);
        wait_for("a spawn", || scene.main_log().contains("spawned:"));
        startup_lines(&scene.main_log())
    };
    assert_eq!(lines(Impl::Python), lines(Impl::Ours));
}

/// `supervisorctl reload` (supervisor.restart) and SIGHUP both stop every program, re-read
/// the config from disk and start again, in the same process.
#[test]
fn reload_and_sighup_restart_in_place_with_the_new_config() {
    let scene = Scene::new("[program:a]\ncommand=sleep 1000\nstartsecs=0\n");
    let mut daemon = scene.start(Impl::Ours);
    wait_for("a running", || pid_of(&daemon.socket, "a") != 0);
    let first = pid_of(&daemon.socket, "a");
    daemon.track(first);
    let conf = std::fs::read_to_string(scene.conf()).unwrap();
    std::fs::write(
        scene.conf(),
        format!("{conf}\n[program:b]\ncommand=sleep 1000\nstartsecs=0\n"),
    )
    .unwrap();
    let out = scene.ctl(Impl::Ours, &["reload"]);
    assert_eq!(
        (out.stdout.as_str(), out.code),
        ("Restarted supervisord\n", 0)
    );
    wait_for("b running after reload", || {
        rpc(
            &daemon.socket,
            "supervisor.getProcessInfo",
            &string_param("b"),
        )
        .is_ok_and(|body| body.contains("<string>RUNNING</string>"))
    });
    let second = pid_of(&daemon.socket, "a");
    daemon.track(second);
    daemon.track(pid_of(&daemon.socket, "b"));
    assert_ne!(first, second, "a was restarted");
    wait_for("the old a gone", || !alive(first));
    let body = rpc(&daemon.socket, "supervisor.getPID", "").unwrap();
    assert!(
        body.contains(&format!("<int>{}</int>", daemon.pid())),
        "same daemon pid"
    );

    daemon.signal(1);
    wait_for("a restarted by SIGHUP", || {
        pid_now(&daemon.socket, "a").is_some_and(|p| p != 0 && p != second)
    });
    daemon.track(pid_of(&daemon.socket, "a"));
    wait_for("the SIGHUP restart logged", || {
        scene
            .main_log()
            .contains("WARN received SIGHUP indicating restart request")
    });
}

/// As PID 1 (a container's entrypoint), supervisord inherits orphaned grandchildren and
/// reaps them too, logging `reaped unknown pid`.
#[test]
fn as_pid_1_it_reaps_orphaned_grandchildren() {
    let probe = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: cannot create a PID namespace here (unshare --pid)");
        return;
    }
    let scene = Scene::new(
        "[program:orphaner]\ncommand=sh -c 'sleep 0.2 & exit 0'\nstartsecs=0\nautorestart=false\n",
    );
    let mut ns = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "--kill-child"])
        .arg(crate::util::binary(Impl::Ours, "supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(scene.conf())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let guard = KillOnDrop(ns.id());
    wait_for("the orphan reaped", || {
        scene.main_log().contains("reaped unknown pid")
    });
    let log = scene.main_log();
    assert!(log.contains("INFO supervisord started with pid 1"), "{log}");
    assert!(
        log.contains("INFO exited: orphaner (exit status 0; expected)"),
        "{log}"
    );
    drop(guard);
    let _ = ns.wait();
}
