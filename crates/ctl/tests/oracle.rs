//! Oracle tests: the same supervisorctl command lines run with Python's supervisorctl and
//! ours against one Python supervisord; stdout, stderr and exit codes must agree after
//! pids, uptimes, dates and traceback locations are redacted.
//!
//! They need the Python reference (`/work/main/.ref`, or a venv named by
//! `SUPERVISOR_REF`); without it they print why and pass, unless `CI=true`.

use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use supervisor_ctl::Supervisor;
use supervisor_ctl::cli::{SharedWrite, Streams, run_with};
use supervisor_ctl::client::XmlRpcClient;
use supervisor_ctl::rpc::Target;

fn reference() -> Option<PathBuf> {
    let dir = std::env::var_os("SUPERVISOR_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ref"));
    if dir.join("bin/supervisord").exists() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the Python reference is missing at {}", dir.display());
    }
    println!("skipped: no Python reference at {}", dir.display());
    None
}

/// A Python supervisord in its own temp dir, killed on drop (also when a test panics).
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    reference: PathBuf,
}

const CONF: &str = "[unix_http_server]
file=%(here)s/sock

[supervisord]
logfile=%(here)s/sd.log
pidfile=%(here)s/sd.pid
childlogdir=%(here)s

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/sock

[program:sleeper]
command=sleep 1000

[program:fail]
command=/bin/false
startsecs=1
startretries=0

[program:manual]
command=sleep 1000
autostart=false

[group:grp]
programs=a,b

[program:a]
command=sleep 1000

[program:b]
command=sh -c \"echo hello; echo oops >&2; exec sleep 1000\"
";

impl Daemon {
    fn start(reference: &Path, conf: &str) -> Daemon {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sd.conf");
        std::fs::write(&path, conf).expect("write conf");
        let child = Command::new(reference.join("bin/supervisord"))
            .arg("-n")
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        Daemon {
            child,
            dir,
            reference: reference.to_owned(),
        }
    }

    fn conf(&self) -> String {
        self.dir.path().join("sd.conf").display().to_string()
    }

    fn rpc(&self) -> XmlRpcClient {
        XmlRpcClient::new(&Target {
            serverurl: format!("unix://{}/sock", self.dir.path().display()),
            username: None,
            password: None,
        })
    }

    /// Polls until `done` holds for the process states, or fails after 30 s.
    fn wait_for(&self, what: &str, done: impl Fn(&[(String, String)]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let states: Vec<(String, String)> = self
                .rpc()
                .get_all_process_info()
                .map(|infos| infos.into_iter().map(|i| (i.name, i.statename)).collect())
                .unwrap_or_default();
            if !states.is_empty() && done(&states) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {states:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_settled(&self) {
        self.wait_for("settled states", |s| {
            s.iter().all(|(name, state)| match name.as_str() {
                "fail" => state == "FATAL",
                "manual" => state == "STOPPED" || state == "RUNNING",
                _ => state == "RUNNING",
            })
        });
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: i32,
}

fn redact(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut l = line.to_owned();
        if let Some(i) = l.find("file: ")
            && l[i..].contains(" line: ")
        {
            l.truncate(i);
            l.push_str("file: F line: N");
        }
        if !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()) {
            l = "N".to_owned();
        }
        for state in ["STOPPED   ", "EXITED    "] {
            if let Some(i) = l.find(state) {
                l.truncate(i + state.len());
                l.push_str("DATE");
            }
        }
        if let Some(i) = l.find("pid ") {
            l.truncate(i);
            l.push_str("pid N, uptime U");
        }
        out.push(l);
    }
    out.join("\n")
}

fn python(daemon: &Daemon, args: &[&str], stdin: &str) -> Outcome {
    let prog = daemon.reference.join("bin/supervisorctl");
    let mut child = Command::new(&prog)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run Python supervisorctl");
    io::Write::write_all(child.stdin.as_mut().expect("stdin"), stdin.as_bytes())
        .expect("feed stdin");
    let out = child.wait_with_output().expect("wait");
    Outcome {
        stdout: redact(&String::from_utf8_lossy(&out.stdout)),
        stderr: redact(&String::from_utf8_lossy(&out.stderr)),
        code: out.status.code().unwrap_or(-1),
    }
}

#[derive(Clone, Default)]
struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        redact(&String::from_utf8_lossy(&self.0.lock().unwrap()))
    }
}

fn ours(daemon: &Daemon, args: &[&str], stdin: &str) -> Outcome {
    let (out, err) = (Buf::default(), Buf::default());
    let streams = Streams {
        out: SharedWrite::new(out.clone()),
        err: SharedWrite::new(err.clone()),
        input: Box::new(Cursor::new(stdin.as_bytes().to_vec())),
        terminal: false,
    };
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let prog = daemon.reference.join("bin/supervisorctl");
    let code = run_with(&prog.display().to_string(), &args, streams);
    Outcome {
        stdout: out.text(),
        stderr: err.text(),
        code,
    }
}

/// Runs `args` with both programs (after `setup` each time) and compares.
fn same(daemon: &Daemon, args: &[&str], setup: &dyn Fn(&mut XmlRpcClient)) {
    same_with_input(daemon, args, "", setup);
}

fn same_with_input(daemon: &Daemon, args: &[&str], stdin: &str, setup: &dyn Fn(&mut XmlRpcClient)) {
    setup(&mut daemon.rpc());
    let py = python(daemon, args, stdin);
    setup(&mut daemon.rpc());
    let rs = ours(daemon, args, stdin);
    if completion_ordered(args) {
        // Supervisor lists a group's waited-for results in the order the processes
        // finish, which varies from run to run: compare them as sets of lines.
        assert_eq!(
            (sorted_lines(&py.stdout), &py.stderr, py.code),
            (sorted_lines(&rs.stdout), &rs.stderr, rs.code),
            "supervisorctl {args:?}"
        );
        return;
    }
    assert_eq!(py, rs, "supervisorctl {args:?}");
}

/// Whether the command reports several waited-for results (`start`/`stop`/`restart` of a
/// group or `all`), whose order is the order in which the processes finish.
fn completion_ordered(args: &[&str]) -> bool {
    let Some(at) = args
        .iter()
        .position(|a| ["start", "stop", "restart"].contains(a))
    else {
        return false;
    };
    args[at + 1..]
        .iter()
        .any(|a| *a == "all" || a.ends_with(':') || a.ends_with(":*"))
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

fn nothing(_: &mut XmlRpcClient) {}

fn with_conf<'a>(conf: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["-c", conf];
    v.extend_from_slice(rest);
    v
}

#[test]
fn walking_skeleton_commands_match_python() {
    let Some(reference) = reference() else { return };
    let daemon = Daemon::start(&reference, CONF);
    daemon.wait_settled();
    let conf = daemon.conf();
    let read_only: &[&[&str]] = &[
        &["status"],
        &["status", "sleeper"],
        &["status", "nope", "grp:*", "foo:bar", "grp:zz"],
        &["status", "zz:", "all"],
        &["pid"],
        &["pid", "all"],
        &["pid", "sleeper", "nope", "manual"],
        &["version"],
        &["version", "x"],
        &["start"],
        &["stop"],
        &["start", "sleeper"],
        &["start", "nope", "zz:*", "grp:*"],
        &["stop", "nope", "zz:*"],
        &["help"],
        &["help", "start"],
        &["help", "nope"],
        &["bogus", "command"],
        &["avail"],
        &["reread"],
        &["tail", "grp:b"],
        &["tail", "-3", "grp:b", "stderr"],
        &["tail", "nope"],
        &["tail", "grp:b", "bogus"],
        &["tail", "-x", "grp:b"],
        &["maintail", "x"],
        &["clear", "nope", "g:"],
        &["signal", "HUP"],
        &["signal", "HUP", "nope", "zz:*"],
        &["signal", "BOGUS", "sleeper"],
        &["add", "nope"],
        &["remove", "sleeper", "nope"],
        &["update", "nope"],
        &["open", "ftp://x"],
        &["EOF"],
    ];
    for args in read_only {
        same(&daemon, &with_conf(&conf, args), &nothing);
    }
}

#[test]
fn state_changing_commands_match_python() {
    let Some(reference) = reference() else { return };
    let daemon = Daemon::start(&reference, CONF);
    daemon.wait_settled();
    let conf = daemon.conf();
    let stop_manual = |c: &mut XmlRpcClient| {
        let _ = c.stop_process("manual");
    };
    let start_manual = |c: &mut XmlRpcClient| {
        let _ = c.start_process("manual");
    };
    same(
        &daemon,
        &with_conf(&conf, &["start", "manual"]),
        &stop_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["start", "fail", "manual"]),
        &stop_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["stop", "manual"]),
        &start_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["stop", "manual"]),
        &stop_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["restart", "manual"]),
        &start_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["status", "manual"]),
        &stop_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["signal", "USR1", "manual"]),
        &stop_manual,
    );
    same(
        &daemon,
        &with_conf(&conf, &["signal", "CONT", "grp:*"]),
        &nothing,
    );
    same(&daemon, &with_conf(&conf, &["clear", "grp:a"]), &nothing);
    same(
        &daemon,
        &with_conf(&conf, &["stop", "grp:"]),
        &|c: &mut XmlRpcClient| {
            let _ = c.start_process_group("grp");
        },
    );
    same(
        &daemon,
        &with_conf(&conf, &["start", "grp:*"]),
        &|c: &mut XmlRpcClient| {
            let _ = c.stop_process_group("grp");
        },
    );
}

#[test]
fn the_shell_on_a_pipe_matches_python() {
    let Some(reference) = reference() else { return };
    let daemon = Daemon::start(&reference, CONF);
    daemon.wait_settled();
    let conf = daemon.conf();
    same_with_input(
        &daemon,
        &["-c", &conf],
        "status sleeper\n\nversion\nfoo\n?stop\nhelp help\nquit\nstatus\n",
        &nothing,
    );
    same_with_input(&daemon, &["-c", &conf, "-i"], "", &nothing);
    same_with_input(&daemon, &["-c", &conf], "pid nope\n", &nothing);
}

#[test]
fn connection_errors_and_usage_match_python() {
    let Some(reference) = reference() else { return };
    let daemon = Daemon::start(&reference, CONF);
    let missing = format!("unix://{}/nosock", daemon.dir.path().display());
    for cmd in [
        &["status"][..],
        &["start", "x"],
        &["stop", "x"],
        &["pid"],
        &["version"],
        &["tail", "x"],
        &["avail"],
        &["shutdown"],
        &["status", "x"],
    ] {
        let mut args = vec!["-s", missing.as_str()];
        args.extend_from_slice(cmd);
        same(&daemon, &args, &nothing);
    }
    same(&daemon, &["-s", "http://127.0.0.1:1", "status"], &nothing);
    same(&daemon, &["-s", "http://127.0.0.1:1", "version"], &nothing);
    same(&daemon, &["-s", "foo:bar", "version"], &nothing);
    for args in [
        &["-h"][..],
        &["-v"],
        &["--bogus"],
        &["-s", "bad", "status"],
        &["-c", "/nonexistent/sd.conf", "status"],
        &["-u", "a", "-u", "b", "status"],
        &["--h"],
        &["-c"],
    ] {
        same(&daemon, args, &nothing);
    }
}

const AUTH_CONF: &str = "[unix_http_server]
file=%(here)s/sock
username=user
password=123

[supervisord]
logfile=%(here)s/sd.log
pidfile=%(here)s/sd.pid

[program:x]
command=sleep 1000
";

#[test]
fn auth_and_missing_rpcinterface_match_python() {
    let Some(reference) = reference() else { return };
    let daemon = Daemon::start(&reference, AUTH_CONF);
    let url = format!("unix://{}/sock", daemon.dir.path().display());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !daemon.dir.path().join("sock").exists() {
        assert!(
            Instant::now() < deadline,
            "supervisord did not create its socket"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    same(&daemon, &["-s", &url, "status"], &nothing);
    same(
        &daemon,
        &["-s", &url, "-u", "user", "-p", "123", "status"],
        &nothing,
    );
    same(
        &daemon,
        &["-s", &url, "-u", "user", "-p", "123", "version"],
        &nothing,
    );
    same(
        &daemon,
        &["-s", &url, "-u", "user", "-p", "bad", "version"],
        &nothing,
    );
}
