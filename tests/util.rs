//! Test support: temp dirs, daemon launchers (ours and Python's) that wait on conditions,
//! ctl runners, raw XML-RPC over the unix socket, and redaction of volatile output.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any condition may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `cond` until it holds or `DEADLINE` passes; panics with `what` on timeout.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Which implementation a binary comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// This workspace's binaries.
    Ours,
    /// Python Supervisor from the reference venv.
    Python,
}

/// The Python reference venv, or `None` (with a message) when it is not installed.
/// Under CI (`CI=true`) a missing reference fails the test instead.
pub fn reference() -> Option<PathBuf> {
    let dir = std::env::var_os("SUPERVISOR_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".ref"));
    if dir.join("bin/supervisord").exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "the Python reference is not installed at {} (CI requires it)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: oracle test needs the Python reference: python3 -m venv .ref && .ref/bin/pip install supervisor"
    );
    None
}

/// The path of a binary of one implementation.
pub fn binary(which: Impl, name: &str) -> PathBuf {
    match which {
        Impl::Ours => match name {
            "supervisord" => PathBuf::from(env!("CARGO_BIN_EXE_supervisord")),
            "supervisorctl" => PathBuf::from(env!("CARGO_BIN_EXE_supervisorctl")),
            other => panic!("no binary {other}"),
        },
        Impl::Python => reference()
            .expect("reference checked by the caller")
            .join("bin")
            .join(name),
    }
}

/// A temp dir holding a config whose socket, logs and pidfile live inside it.
pub struct Scene {
    /// The temp dir (removed on drop).
    pub dir: tempfile::TempDir,
}

impl Scene {
    /// A config with the usual sections and the given `[program:x]` sections appended.
    pub fn new(programs: &str) -> Scene {
        Scene::with("", programs)
    }

    /// Like [`Scene::new`], with extra `[supervisord]` lines.
    pub fn with(supervisord: &str, programs: &str) -> Scene {
        let dir = tempfile::Builder::new()
            .prefix("sv-test")
            .tempdir()
            .unwrap();
        let conf = format!(
            "[supervisord]\n\
             logfile=%(here)s/supervisord.log\n\
             pidfile=%(here)s/supervisord.pid\n\
             childlogdir=%(here)s\n\
             user={user}\n\
             {supervisord}\n\
             \n\
             [unix_http_server]\n\
             file=%(here)s/sup.sock\n\
             \n\
             [supervisorctl]\n\
             serverurl=unix://%(here)s/sup.sock\n\
             \n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             \n{programs}",
            user = current_user(),
        );
        std::fs::write(dir.path().join("supervisord.conf"), conf).unwrap();
        Scene { dir }
    }

    /// The config file.
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("supervisord.conf")
    }

    /// The unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("sup.sock")
    }

    /// Starts a daemon of `which` on this scene and waits until it answers.
    pub fn start(&self, which: Impl) -> Daemon {
        self.start_under(which, &[])
    }

    /// Like [`Scene::start`], with the daemon run through `wrapper` (a command that execs
    /// its arguments, e.g. `prlimit --nofile=40 --`), so the daemon's pid is the wrapper's.
    pub fn start_under(&self, which: Impl, wrapper: &[&str]) -> Daemon {
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(binary(which, "supervisord"));
                cmd
            }
            None => Command::new(binary(which, "supervisord")),
        };
        cmd.arg("-n")
            .arg("-c")
            .arg(self.conf())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::File::create(self.dir.path().join("daemon.out")).unwrap(),
            ))
            .stderr(Stdio::from(
                std::fs::File::create(self.dir.path().join("daemon.err")).unwrap(),
            ));
        let child = cmd.spawn().unwrap();
        let mut daemon = Daemon {
            child,
            socket: self.socket(),
            known_pids: Vec::new(),
        };
        wait_for("the daemon to answer getState", || {
            daemon.assert_alive(self);
            rpc(&daemon.socket, "supervisor.getState", "").is_ok()
        });
        daemon
    }

    /// Runs a supervisorctl of `which` against this scene.
    pub fn ctl(&self, which: Impl, args: &[&str]) -> CtlOutput {
        let out = Command::new(binary(which, "supervisorctl"))
            .arg("-c")
            .arg(self.conf())
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        CtlOutput::from_output(out, self)
    }

    /// The main log so far.
    pub fn main_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("supervisord.log")).unwrap_or_default()
    }
}

/// The name of the user running the tests (so `user=` silences the root CRIT line).
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Output of one supervisorctl run, with the scene's temp path replaced by `<DIR>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlOutput {
    /// Exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CtlOutput {
    fn from_output(out: Output, scene: &Scene) -> CtlOutput {
        let dir = scene.dir.path().to_string_lossy().into_owned();
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir, "<DIR>");
        CtlOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: text(&out.stdout),
            stderr: text(&out.stderr),
        }
    }

    /// The same output with pids, uptimes and dates replaced by placeholders.
    pub fn redacted(&self) -> CtlOutput {
        CtlOutput {
            code: self.code,
            stdout: redact(&self.stdout),
            stderr: redact(&self.stderr),
        }
    }
}

/// Replaces pids, uptimes, dates and version numbers by placeholders.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(&redact_line(line));
    }
    out
}

fn redact_line(line: &str) -> String {
    let mut s = line.to_owned();
    if let Some(i) = s.find("pid ") {
        let digits: String = s[i + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() {
            s.replace_range(i + 4..i + 4 + digits.len(), "<PID>");
        }
    }
    if let Some(i) = s.find("uptime ") {
        let end = s[i + 7..]
            .find(|c: char| {
                !(c.is_ascii_digit()
                    || c == ':'
                    || c == ' '
                    || c == 'd'
                    || c == 'a'
                    || c == 'y'
                    || c == 's'
                    || c == ',')
            })
            .map(|e| i + 7 + e)
            .unwrap_or(s.len());
        let tail = if s.ends_with('\n') && end == s.len() {
            "\n"
        } else {
            ""
        };
        s.replace_range(i + 7..end, "<UPTIME>");
        s.push_str(tail);
    }
    for month in [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ] {
        if let Some(i) = s.find(&format!("{month} ")) {
            // `Nov 21 01:19 PM`
            let candidate = s.get(i..i + 15).unwrap_or("");
            if candidate.ends_with("AM") || candidate.ends_with("PM") {
                s.replace_range(i..i + 15, "<DATE>");
            }
        }
    }
    s
}

/// A running supervisord; on drop it is asked to shut down, then killed, and every child
/// it reported is killed too, so no test leaves a process behind.
pub struct Daemon {
    child: Child,
    /// The daemon's socket.
    pub socket: PathBuf,
    known_pids: Vec<u32>,
}

impl Daemon {
    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn assert_alive(&mut self, scene: &Scene) {
        if let Ok(Some(status)) = self.child.try_wait() {
            let err =
                std::fs::read_to_string(scene.dir.path().join("daemon.err")).unwrap_or_default();
            let out =
                std::fs::read_to_string(scene.dir.path().join("daemon.out")).unwrap_or_default();
            panic!("supervisord exited early ({status}):\nstdout:\n{out}\nstderr:\n{err}");
        }
    }

    /// Remembers a child pid to kill on drop, should the daemon fail to stop it.
    pub fn track(&mut self, pid: u32) {
        self.known_pids.push(pid);
    }

    /// Sends `signal` (a number) to the daemon.
    pub fn signal(&self, signal: i32) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the daemon to exit and returns its exit code.
    pub fn wait_exit(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(start.elapsed() < DEADLINE, "supervisord did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .arg(self.child.id().to_string())
                .status();
            let start = Instant::now();
            while self.child.try_wait().ok().flatten().is_none() {
                if start.elapsed() > DEADLINE {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        for pid in &self.known_pids {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// One raw XML-RPC call over the unix socket: sends `<methodCall>` with `params` (already
/// XML, the inside of `<params>`) and returns the response body.
pub fn rpc(socket: &Path, method: &str, params: &str) -> std::io::Result<String> {
    let body = format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n{params}</params>\n</methodCall>\n"
    );
    let (head, body) = http(
        socket,
        &format!(
            "POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!("HTTP error: {head}")));
    }
    Ok(body)
}

/// Sends a raw HTTP request and returns (head, body) of the response (read to EOF).
pub fn http(socket: &Path, request: &str) -> std::io::Result<(String, String)> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(DEADLINE))?;
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .map(|(h, b)| (h.to_owned(), b.to_owned()))
        .unwrap_or((text.clone(), String::new()));
    Ok((head, body))
}

/// The `<param>` XML for a string argument.
pub fn string_param(s: &str) -> String {
    format!("<param>\n<value><string>{s}</string></value>\n</param>\n")
}
