//! pidproxy end to end. Each scenario runs against our binary and, when the Python reference
//! is installed, against Python's `pidproxy` at the same time; what a user can observe (exit
//! status, stdout, which signals reached which process) must be equal.
//!
//! Every run gets its own temp dir as working directory and its own process group, which is
//! killed when the run is dropped, so no test leaves a process behind. Scenarios wait on
//! conditions with deadlines; scenarios that end with a child's exit take up to one
//! five-second reaping tick, as Python's pidproxy does.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::util::{reference, wait_for};

/// Python's usage text with the program name replaced by `<PROG>`.
const USAGE: &str = "pidproxy -- run command and proxy signals to it via its pidfile.

This executable runs a command and then monitors a pidfile.  When this
executable receives a signal, it sends the same signal to the pid
in the pidfile.

Usage: <PROG> <pidfile name> <command> [<cmdarg1> ...]

";

/// A shell that records every relayed signal in `got`, writes its pid to `pf` atomically,
/// and exits 0 after TERM, INT or QUIT.
const RECORDER: &str = "for s in HUP USR1 USR2; do trap \"echo $s >> got\" $s; done; \
     for s in TERM INT QUIT; do trap \"echo $s >> got; exit 0\" $s; done; \
     echo $$ > pf.tmp && mv pf.tmp pf; \
     while :; do sleep 0.05; done";

/// Our pidproxy and, when installed, Python's.
fn binaries() -> Vec<PathBuf> {
    let mut bins = vec![PathBuf::from(env!("CARGO_BIN_EXE_pidproxy"))];
    if let Some(dir) = reference() {
        bins.push(dir.join("bin/pidproxy"));
    }
    bins
}

/// Runs `scenario` against every implementation at once and asserts they observe the same.
fn same_for_all<T>(scenario: impl Fn(&Path) -> T + Sync) -> T
where
    T: PartialEq + std::fmt::Debug + Send,
{
    let bins = binaries();
    let mut results: Vec<(PathBuf, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = bins
            .iter()
            .map(|bin| {
                let scenario = &scenario;
                s.spawn(move || (bin.clone(), scenario(bin)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (_, ours) = results.remove(0);
    for (bin, theirs) in results {
        assert_eq!(ours, theirs, "ours differs from {}", bin.display());
    }
    ours
}

/// One pidproxy run in a fresh temp dir (its working directory), in its own process group.
struct Run {
    child: Child,
    dir: tempfile::TempDir,
    status: Option<i32>,
}

impl Run {
    /// Starts `bin` with `args`; stdout and stderr go to files in the temp dir.
    fn start(bin: &Path, args: &[&str]) -> Run {
        let dir = tempfile::Builder::new()
            .prefix("pidproxy")
            .tempdir()
            .unwrap();
        Run::start_in(dir, Command::new(bin).args(args))
    }

    fn start_in(dir: tempfile::TempDir, cmd: &mut Command) -> Run {
        let child = cmd
            .current_dir(dir.path())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path().join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        Run {
            child,
            dir,
            status: None,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn stdout(&self) -> String {
        self.read("stdout")
    }

    /// Waits until the file `name` holds a pid and returns it.
    fn pid_in(&self, name: &str) -> i32 {
        let mut pid = None;
        wait_for(&format!("a pid in {name}"), || {
            pid = self.read(name).trim().parse().ok();
            pid.is_some()
        });
        pid.unwrap()
    }

    /// Waits until the file `name` has `lines` lines and returns its text.
    fn lines_in(&self, name: &str, lines: usize) -> String {
        wait_for(&format!("{lines} lines in {name}"), || {
            self.read(name).lines().count() >= lines
        });
        self.read(name)
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// Waits for pidproxy to exit and returns its exit status (-1 if killed by a signal).
    fn wait_exit(&mut self) -> i32 {
        let child = &mut self.child;
        let mut status = None;
        wait_for("pidproxy to exit", || {
            status = child.try_wait().unwrap();
            status.is_some()
        });
        let code = status.unwrap().code().unwrap_or(-1);
        self.status = Some(code);
        code
    }

    /// Whether pidproxy is still running.
    fn running(&mut self) -> bool {
        self.status.is_none() && self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = killpg(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Whether `pid` is a live process (a zombie counts as gone).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => kill(Pid::from_raw(pid), None).is_ok(),
    }
}

fn wait_gone(what: &str, pid: i32) {
    wait_for(&format!("{what} (pid {pid}) to exit"), || !alive(pid));
}

#[test]
fn usage_text_and_status_match_python() {
    for args in [&[][..], &["pf"][..]] {
        let (code, stdout, stderr) = same_for_all(|bin| {
            let out = Command::new(bin).args(args).output().unwrap();
            let prog = bin.to_str().unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).replace(prog, "<PROG>"),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        });
        assert_eq!(code, Some(1), "{args:?}");
        assert_eq!(stdout, USAGE, "{args:?}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn an_empty_command_exits_1() {
    let (code, stdout) = same_for_all(|bin| {
        let out = Command::new(bin).args(["pf", ""]).output().unwrap();
        (out.status.code(), out.stdout)
    });
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
}

#[test]
fn term_stops_the_daemon_and_its_launcher() {
    // A launcher in the style of mysqld_safe: it starts the daemon, writes the daemon's
    // pid, and stays until the daemon exits.
    let script = "echo $$ > launcher; sleep 1000 & echo $! > pf.tmp && mv pf.tmp pf; wait";
    let code = same_for_all(|bin| {
        let mut run = Run::start(bin, &["pf", "/bin/sh", "-c", script]);
        let daemon = run.pid_in("pf");
        let launcher = run.pid_in("launcher");
        assert!(alive(daemon) && alive(launcher));
        run.signal(Signal::SIGTERM);
        let code = run.wait_exit();
        wait_gone("the daemon", daemon);
        wait_gone("the launcher", launcher);
        (code, run.stdout())
    });
    assert_eq!(code, (0, String::new()));
}

#[test]
fn hup_usr1_usr2_are_relayed_and_pidproxy_stays() {
    for last in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT] {
        let (code, got) = same_for_all(|bin| {
            let mut run = Run::start(bin, &["pf", "/bin/sh", "-c", RECORDER]);
            let daemon = run.pid_in("pf");
            for (n, signal) in [Signal::SIGHUP, Signal::SIGUSR1, Signal::SIGUSR2]
                .into_iter()
                .enumerate()
            {
                run.signal(signal);
                run.lines_in("got", n + 1);
                assert!(run.running(), "pidproxy exited after {signal}");
            }
            run.signal(last);
            let code = run.wait_exit();
            wait_gone("the daemon", daemon);
            (code, run.read("got"))
        });
        let name = &last.as_str()[3..];
        assert_eq!(code, 0);
        assert_eq!(got, format!("HUP\nUSR1\nUSR2\n{name}\n"));
    }
}

#[test]
fn the_pidfile_is_read_again_for_every_signal() {
    let got = same_for_all(|bin| {
        let run = Run::start(bin, &["pf", "/bin/sh", "-c", RECORDER]);
        run.pid_in("pf");
        run.signal(Signal::SIGHUP);
        run.lines_in("got", 1);
        // A second recorder in its own directory, in the run's process group.
        std::fs::create_dir(run.path("second")).unwrap();
        let mut second = Command::new("/bin/sh")
            .args(["-c", RECORDER])
            .current_dir(run.path("second"))
            .process_group(run.child.id() as i32)
            .spawn()
            .unwrap();
        let second_pid = run.pid_in("second/pf");
        std::fs::write(run.path("pf"), format!("  {second_pid}\n")).unwrap();
        run.signal(Signal::SIGUSR1);
        run.lines_in("second/got", 1);
        let _ = kill(Pid::from_raw(second_pid), Signal::SIGKILL);
        let _ = second.wait();
        (run.read("got"), run.read("second/got"))
    });
    assert_eq!(got, ("HUP\n".to_owned(), "USR1\n".to_owned()));
}

#[test]
fn an_unreadable_pidfile_is_reported_and_even_term_is_dropped() {
    let (code, stdout) = same_for_all(|bin| {
        let script = "echo $$ > child; exec sleep 1000";
        let mut run = Run::start(bin, &["pf", "/bin/sh", "-c", script]);
        let child = run.pid_in("child");
        run.signal(Signal::SIGHUP);
        run.lines_in("stdout", 1);
        run.signal(Signal::SIGTERM);
        run.lines_in("stdout", 2);
        std::fs::write(run.path("pf"), "not a pid\n").unwrap();
        run.signal(Signal::SIGUSR2);
        run.lines_in("stdout", 3);
        assert!(run.running());
        // Its own child's exit ends pidproxy at the next reaping tick.
        kill(Pid::from_raw(child), Signal::SIGKILL).unwrap();
        (run.wait_exit(), run.stdout())
    });
    assert_eq!(code, 0);
    assert_eq!(stdout, "Can't read child pidfile pf!\n".repeat(3));
}

#[test]
fn a_signal_that_cannot_be_sent_exits_1() {
    // Beyond any pid_max (at most 2^22), and beyond a C int.
    for pid in ["2000000000", "99999999999"] {
        for signal in [Signal::SIGHUP, Signal::SIGTERM] {
            let (code, stdout) = same_for_all(|bin| {
                let script = "echo $$ > child; exec sleep 1000";
                let mut run = Run::start(bin, &["pf", "/bin/sh", "-c", script]);
                run.pid_in("child");
                std::fs::write(run.path("pf"), pid).unwrap();
                run.signal(signal);
                (run.wait_exit(), run.stdout())
            });
            assert_eq!((code, stdout.as_str()), (1, ""), "{pid} {signal}");
        }
    }
}

#[test]
fn a_launcher_that_exits_ends_pidproxy_and_the_daemon_stays() {
    let (code, daemon_alive) = same_for_all(|bin| {
        let script = "sleep 1000 & echo $! > pf.tmp && mv pf.tmp pf; exit 3";
        let mut run = Run::start(bin, &["pf", "/bin/sh", "-c", script]);
        let daemon = run.pid_in("pf");
        let code = run.wait_exit();
        (code, alive(daemon))
    });
    assert_eq!((code, daemon_alive), (0, true));
}

#[test]
fn the_command_is_resolved_against_the_working_directory_not_path() {
    let observed = same_for_all(|bin| {
        // `sh` names ./sh, which does not exist: nothing runs, pidproxy exits at the tick.
        let mut run = Run::start(bin, &["pf", "sh", "-c", "echo ran > ran"]);
        (run.wait_exit(), run.path("ran").exists(), run.stdout())
    });
    assert_eq!(observed, (0, false, String::new()));

    let (code, cmdline) = same_for_all(|bin| {
        let dir = tempfile::Builder::new()
            .prefix("pidproxy")
            .tempdir()
            .unwrap();
        // A relative way up to /bin/sh, with a `..` after a directory that does not exist:
        // the path is normalised before it is executed, and argv[0] stays as typed.
        let ups = "../".repeat(dir.path().components().count() - 1);
        let sh = format!("nowhere/../{ups}bin/sh");
        let mut cmd = Command::new(bin);
        cmd.args(["pf", &sh, "-c", "tr '\\0' ' ' < /proc/$$/cmdline > ran"]);
        let mut run = Run::start_in(dir, &mut cmd);
        let code = run.wait_exit();
        (code, run.read("ran").replace(&sh, "<SH>"))
    });
    assert_eq!(code, 0);
    if !cmdline.is_empty() {
        assert!(cmdline.starts_with("<SH> -c tr "), "{cmdline}");
    }
}

#[test]
fn inherited_ignored_signals_are_reset_for_pidproxy_and_its_child() {
    // The shell ignores the relayed signals and CHLD, then becomes pidproxy.
    let ignore_then_exec = "trap '' HUP INT QUIT USR1 USR2 TERM CHLD; exec \"$0\" \"$@\"";
    let got = same_for_all(|bin| {
        let dir = tempfile::Builder::new()
            .prefix("pidproxy")
            .tempdir()
            .unwrap();
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", ignore_then_exec])
            .arg(bin)
            .args(["pf", "/bin/sh", "-c", RECORDER]);
        let mut run = Run::start_in(dir, &mut cmd);
        let daemon = run.pid_in("pf");
        run.signal(Signal::SIGINT);
        let code = run.wait_exit();
        wait_gone("the daemon", daemon);
        (code, run.read("got"))
    });
    assert_eq!(got, (0, "INT\n".to_owned()));

    let masks = same_for_all(|bin| {
        let dir = tempfile::Builder::new()
            .prefix("pidproxy")
            .tempdir()
            .unwrap();
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", ignore_then_exec]).arg(bin).args([
            "pf",
            "/bin/sh",
            "-c",
            "grep -E '^Sig(Blk|Ign):' /proc/self/status > masks",
        ]);
        let mut run = Run::start_in(dir, &mut cmd);
        // Exiting at all shows the child's exit was seen despite the ignored SIGCHLD.
        run.wait_exit();
        masks(&run.read("masks"))
    });
    if let Some((blocked, ignored)) = masks {
        assert_eq!(blocked, 0, "the child starts with no blocked signals");
        assert_eq!(
            ignored, 0,
            "the child starts with no relayed signal ignored"
        );
    }
}

/// From `/proc/PID/status` text: the blocked mask, and the ignored mask restricted to the
/// relayed signals and SIGCHLD (Python's child also ignores SIGPIPE and SIGXFSZ); `None`
/// without `/proc`.
fn masks(status: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
    };
    let relayed = [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGTERM,
        Signal::SIGCHLD,
    ]
    .into_iter()
    .fold(0u64, |bits, signal| bits | 1 << (signal as i32 - 1));
    Some((field("SigBlk:")?, field("SigIgn:")? & relayed))
}
