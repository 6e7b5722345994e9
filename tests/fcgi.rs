//! `[fcgi-program:x]`: one listening socket (unix and TCP) created by supervisord, shared
//! by every process of the group as its fd 0, closed when the last process is reaped and
//! recreated at the next start, with Supervisor's main-log lines (compared with Python's
//! supervisord on the same scenario).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use crate::support_extra::{on_both, pid, state};
use crate::util::{Daemon, Impl, Scene, binary, reference, wait_for};

/// Accepts on fd 0, answers each connection with its pid, then waits for the client to
/// hang up before accepting again: a client holding its connection keeps that process
/// busy, so the next connection must be served by another one.
const APP: &str = r#"import os, socket
s = socket.socket(fileno=0)
while True:
    c, _ = s.accept()
    c.sendall(b'%d\n' % os.getpid())
    c.recv(1)
    c.close()
"#;

/// Answers one connection with its pid, then exits (status 0).
const ONCE: &str = "import os, socket\n\
s = socket.socket(fileno=0)\n\
c, _ = s.accept()\n\
c.sendall(b'%d\\n' % os.getpid())\n\
c.close()\n";

const SHARED: &str = "[fcgi-program:web]\n\
command=python3 %(here)s/app.py\n\
socket=unix://%(here)s/web.sock\n\
process_name=%(program_name)s_%(process_num)d\n\
numprocs=2\n\
startsecs=0\n\
\n\
[fcgi-program:api]\n\
command=python3 %(here)s/app.py\n\
socket=tcp://127.0.0.1:PORT\n\
socket_backlog=16\n\
process_name=%(program_name)s_%(process_num)d\n\
numprocs=2\n\
startsecs=0\n";

/// Writes the programs and gives the TCP socket a free port.
fn prepare(scene: &Scene) {
    std::fs::write(scene.dir.path().join("app.py"), APP).unwrap();
    std::fs::write(scene.dir.path().join("once.py"), ONCE).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = std::fs::read_to_string(scene.conf()).unwrap();
    std::fs::write(scene.conf(), conf.replace(":PORT", &format!(":{port}"))).unwrap();
}

/// The TCP port the scene's config names.
fn port(scene: &Scene) -> u16 {
    let conf = std::fs::read_to_string(scene.conf()).unwrap();
    let at = conf.find("tcp://127.0.0.1:").unwrap() + "tcp://127.0.0.1:".len();
    conf[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A connection that stays open until dropped, and the pid that answered it.
fn served<S: Read + Write>(stream: S) -> (S, u32) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    (reader.into_inner(), line.trim().parse().unwrap())
}

fn wait_running(daemon: &Daemon, names: &[&str]) {
    for name in names {
        wait_for(&format!("{name} RUNNING"), || {
            state(&daemon.socket, name) == "RUNNING"
        });
    }
}

/// The main-log lines about sockets and the given programs, timestamps cut, pids, the
/// scene directory and the TCP port replaced.
fn log_lines(scene: &Scene, programs: &[&str]) -> Vec<String> {
    let dir = scene.dir.path().to_string_lossy().into_owned();
    let port = format!(":{}", port(scene));
    scene
        .main_log()
        .lines()
        .map(|l| l.get(24..).unwrap_or(l).to_owned())
        .filter(|l| l.contains(" socket ") || programs.iter().any(|p| l.contains(p)))
        .map(|l| {
            let l = l.replace(&dir, "<DIR>").replace(&port, ":<PORT>");
            match l.find("with pid ") {
                Some(at) => format!("{}<PID>", &l[..at + 9]),
                None => l,
            }
        })
        .collect()
}

/// What one run observed.
#[derive(Debug, PartialEq)]
struct Observed {
    /// Socket lines of the main log, in order.
    socket_lines: Vec<String>,
    /// Whether each pair of held connections was answered by the group's two processes.
    all_served: bool,
    /// Connection refused on both sockets once their groups were stopped.
    refused_when_stopped: bool,
    /// The unix socket file is left in place when it is closed.
    file_left: bool,
    /// After `start web:web_0`, web_0 answers on the recreated socket.
    served_after_restart: bool,
}

fn shared_scenario(scene: &Scene, daemon: &mut Daemon) -> Observed {
    let names = ["web:web_0", "web:web_1", "api:api_0", "api:api_1"];
    wait_running(daemon, &names);
    let pids: Vec<u32> = names.iter().map(|n| pid(&daemon.socket, n)).collect();
    for p in &pids {
        daemon.track(*p);
    }
    let unix_path = scene.dir.path().join("web.sock");
    let tcp = ("127.0.0.1", port(scene));

    let (u1, a) = served(UnixStream::connect(&unix_path).unwrap());
    let (u2, b) = served(UnixStream::connect(&unix_path).unwrap());
    let (t1, c) = served(TcpStream::connect(tcp).unwrap());
    let (t2, d) = served(TcpStream::connect(tcp).unwrap());
    let mut web = [a, b];
    web.sort();
    let mut api = [c, d];
    api.sort();
    let mut want_web = [pids[0], pids[1]];
    want_web.sort();
    let mut want_api = [pids[2], pids[3]];
    want_api.sort();
    let all_served = web == want_web && api == want_api;
    drop((u1, u2, t1, t2));

    scene.ctl(Impl::Ours, &["stop", "web:*", "api:*"]);
    let refused_when_stopped =
        UnixStream::connect(&unix_path).is_err() && TcpStream::connect(tcp).is_err();
    let file_left = unix_path.exists();

    scene.ctl(Impl::Ours, &["start", "web:web_0"]);
    wait_running(daemon, &["web:web_0"]);
    let web_0 = pid(&daemon.socket, "web:web_0");
    daemon.track(web_0);
    let (u3, e) = served(UnixStream::connect(&unix_path).unwrap());
    let served_after_restart = e == web_0;
    drop(u3);
    scene.ctl(Impl::Ours, &["stop", "web:web_0"]);

    let lines = log_lines(scene, &["web", "api"]);
    // The last holder's exit is logged before its socket closes.
    let closing = lines
        .iter()
        .position(|l| l.starts_with("INFO Closing socket unix"))
        .unwrap();
    let mut last_stops = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("stopped: web_"));
    assert!(
        last_stops.all(|(i, _)| i < closing || i > closing + 1),
        "{lines:#?}"
    );
    Observed {
        socket_lines: lines
            .into_iter()
            .filter(|l| l.contains(" socket "))
            .collect(),
        all_served,
        refused_when_stopped,
        file_left,
        served_after_restart,
    }
}

#[test]
fn processes_share_unix_and_tcp_sockets_reference_counted_like_python() {
    let (ours, python) = on_both(SHARED, prepare, shared_scenario);
    assert!(ours.all_served, "{ours:#?}");
    assert!(ours.refused_when_stopped, "{ours:#?}");
    assert!(ours.file_left, "{ours:#?}");
    assert!(ours.served_after_restart, "{ours:#?}");
    let unix = "unix://<DIR>/web.sock";
    let tcp = "tcp://127.0.0.1:<PORT>";
    let socket_lines: Vec<String> = [
        // The check when the groups are added (in priority order, then name).
        format!("Creating socket {tcp}"),
        format!("Closing socket {tcp}"),
        format!("Creating socket {unix}"),
        format!("Closing socket {unix}"),
        // Autostart: the first process of each group opens its socket.
        format!("Creating socket {tcp}"),
        format!("Creating socket {unix}"),
    ]
    .into_iter()
    .map(|l| format!("INFO {l}"))
    .collect();
    assert_eq!(ours.socket_lines[..6], socket_lines[..], "{ours:#?}");
    if let Some(python) = python {
        assert_eq!(ours, python);
    }
}

const RESTARTS: &str = "[fcgi-program:one]\n\
command=python3 %(here)s/once.py\n\
socket=unix://%(here)s/one.sock\n\
startsecs=0\n\
autorestart=true\n\
\n\
[fcgi-program:api]\n\
command=python3 %(here)s/app.py\n\
socket=tcp://127.0.0.1:PORT\n\
autostart=false\n";

/// A lone process that exits after each connection is restarted: its exit closes the
/// socket and the restart creates it again, as in Python.
fn restart_scenario(scene: &Scene, daemon: &mut Daemon) -> Vec<String> {
    wait_running(daemon, &["one"]);
    let first = pid(&daemon.socket, "one");
    daemon.track(first);
    let path = scene.dir.path().join("one.sock");
    let (_, answered) = served(UnixStream::connect(&path).unwrap());
    assert_eq!(answered, first);
    wait_for("one to be restarted", || {
        let now = pid(&daemon.socket, "one");
        now != 0 && now != first && state(&daemon.socket, "one") == "RUNNING"
    });
    daemon.track(pid(&daemon.socket, "one"));
    scene.ctl(Impl::Ours, &["stop", "one"]);
    log_lines(scene, &["'one'", " one "])
}

#[test]
fn a_restarted_lone_process_closes_and_recreates_the_socket_like_python() {
    let (ours, python) = on_both(RESTARTS, prepare, restart_scenario);
    let unix = "unix://<DIR>/one.sock";
    let tcp = "tcp://127.0.0.1:<PORT>";
    let want: Vec<String> = [
        format!("INFO Creating socket {tcp}"),
        format!("INFO Closing socket {tcp}"),
        format!("INFO Creating socket {unix}"),
        format!("INFO Closing socket {unix}"),
        format!("INFO Creating socket {unix}"),
        "INFO spawned: 'one' with pid <PID>".into(),
        "INFO success: one entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)".into(),
        "INFO exited: one (exit status 0; expected)".into(),
        format!("INFO Closing socket {unix}"),
        format!("INFO Creating socket {unix}"),
        "INFO spawned: 'one' with pid <PID>".into(),
        "INFO success: one entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)".into(),
        "INFO waiting for one to stop".into(),
        "WARN stopped: one (terminated by SIGTERM)".into(),
        format!("INFO Closing socket {unix}"),
    ]
    .into_iter()
    .collect();
    assert_eq!(ours, want);
    if let Some(python) = python {
        assert_eq!(python, want);
    }
}

/// Runs a daemon of `which` that must refuse to start; returns its exit status and the
/// last line of its stderr, with the scene directory replaced.
fn refused_start(which: Impl, scene: &Scene) -> (i32, String) {
    let out = Command::new(binary(which, "supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(scene.conf())
        .current_dir(scene.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err =
        String::from_utf8_lossy(&out.stderr).replace(&*scene.dir.path().to_string_lossy(), "<DIR>");
    let line = err
        .lines()
        .rfind(|l| l.contains("FastCGI"))
        .unwrap_or_default()
        .to_owned();
    (out.status.code().unwrap_or(-1), line)
}

#[test]
fn a_socket_that_cannot_be_created_stops_the_start_with_python_words() {
    let programs = "[fcgi-program:app]\n\
                    command=python3 %(here)s/app.py\n\
                    socket=unix://%(here)s/missing/app.sock\n";
    let message = "Could not create FastCGI socket unix://<DIR>/missing/app.sock: [Errno 2] No such file or directory";
    let scene = Scene::new(programs);
    let (status, line) = refused_start(Impl::Ours, &scene);
    assert_eq!(
        (status, line.as_str()),
        (2, format!("Error: {message}").as_str())
    );
    let log = scene
        .main_log()
        .replace(&*scene.dir.path().to_string_lossy(), "<DIR>");
    assert!(
        log.ends_with("INFO Creating socket unix://<DIR>/missing/app.sock\n"),
        "{log}"
    );
    if reference().is_some() {
        let scene = Scene::new(programs);
        let (status, line) = refused_start(Impl::Python, &scene);
        // Python ends with a traceback (status 1) whose last line carries the same text.
        assert_eq!(
            (status, line.as_str()),
            (1, format!("ValueError: {message}").as_str())
        );
    }
}

#[test]
fn processes_get_no_stdin_pipe_and_send_stdin_fails_like_python() {
    let programs = "[fcgi-program:app]\n\
                    command=python3 %(here)s/app.py\n\
                    socket=unix://%(here)s/app.sock\n\
                    startsecs=0\n";
    let scenario = |scene: &Scene, daemon: &mut Daemon| {
        wait_running(daemon, &["app"]);
        daemon.track(pid(&daemon.socket, "app"));
        let out = scene.ctl(Impl::Ours, &["status"]);
        assert!(out.stdout.contains("RUNNING"), "{out:?}");
        let reply = crate::util::rpc(
            &daemon.socket,
            "supervisor.sendProcessStdin",
            &format!(
                "{}{}",
                crate::util::string_param("app"),
                crate::util::string_param("x")
            ),
        )
        .unwrap();
        fault_code(&reply)
    };
    let (ours, python) = on_both(programs, prepare, scenario);
    if let Some(python) = python {
        assert_eq!(ours, python);
    }
    assert_eq!(ours, Some(20), "NO_FILE");
}

fn fault_code(body: &str) -> Option<u32> {
    let at = body.find("<name>faultCode</name>")?;
    let rest = &body[at..];
    let v = &rest[rest.find("<int>")? + 5..];
    v.split('<').next()?.parse().ok()
}
