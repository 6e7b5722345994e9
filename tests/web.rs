//! The web UI end to end: pages over the unix socket, the banner messages against
//! Python's web UI (the oracle), and a headless chromium run (tests/browser) that
//! clicks Stop and Start, follows a tail, and is refused without credentials and from
//! another site.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Daemon, Impl, Scene, http, reference, rpc, string_param, wait_for};

const PROGRAMS: &str = "\
[program:ticker]
command=sh -c 'i=0; while :; do i=$((i+1)); echo \"tick $i <b>\"; sleep 0.2; done'
startsecs=1

[program:idle]
command=sleep 1000
autostart=false
";

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scene with an `[inet_http_server]` on `port` behind Basic auth `admin:s3cret`.
fn scene_with_inet(port: u16, programs: &str) -> Scene {
    Scene::new(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=admin\npassword=s3cret\n\n{programs}"
    ))
}

fn state_of(daemon: &Daemon, name: &str) -> String {
    rpc(
        &daemon.socket,
        "supervisor.getProcessInfo",
        &string_param(name),
    )
    .unwrap_or_default()
}

fn wait_state(daemon: &Daemon, name: &str, state: &str) {
    wait_for(&format!("{name} {state}"), || {
        state_of(daemon, name).contains(&format!("<string>{state}</string>"))
    });
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Decodes the `message` of a redirect's `Location`.
fn message_of(location: &str) -> String {
    let query = location.split_once("?message=").map_or("", |(_, q)| q);
    let bytes = query.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&query[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A browser session on our daemon's unix socket: its cookie and form token.
fn our_session(socket: &Path) -> (String, String) {
    let (head, body) = http(socket, "GET / HTTP/1.0\r\n\r\n").unwrap();
    let cookie = header(&head, "Set-Cookie").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let at = body.find("name=\"token\" value=\"").unwrap() + 20;
    (cookie, body[at..at + 40].to_owned())
}

/// Takes one action the way each implementation's page does (ours: a POST with the
/// session token; Python's: a GET link) and returns the banner message.
fn act(which: Impl, socket: &Path, action: &str, name: &str) -> String {
    let form = format!("action={action}&processname={name}");
    let (head, _) = match which {
        Impl::Python => http(socket, &format!("GET /index.html?{form} HTTP/1.0\r\n\r\n")),
        Impl::Ours => {
            let (cookie, token) = our_session(socket);
            let body = format!("{form}&token={token}");
            http(
                socket,
                &format!(
                    "POST /index.html HTTP/1.0\r\nCookie: {cookie}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                ),
            )
        }
    }
    .unwrap();
    let status = if which == Impl::Ours {
        " 303 "
    } else {
        " 301 "
    };
    assert!(head.contains(status), "{which:?} {action} {name}: {head}");
    message_of(header(&head, "Location").unwrap())
}

fn messages(which: Impl) -> Vec<String> {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(which);
    wait_state(&daemon, "ticker", "RUNNING");
    let socket = daemon.socket.clone();
    let steps = [
        ("stop", "ticker"),
        ("stop", "ticker"),
        ("start", "nope"),
        ("clearlog", "ticker"),
        ("start", "ticker"),
        ("start", "ticker"),
        ("restart", "ticker"),
        ("clearlog", "idle"),
    ];
    steps
        .iter()
        .map(|(action, name)| act(which, &socket, action, name))
        .collect()
}

#[test]
fn oracle_action_messages_match_python() {
    if reference().is_none() {
        return;
    }
    let ours = messages(Impl::Ours);
    assert_eq!(ours, messages(Impl::Python));
    assert_eq!(ours[0], "Process ticker stopped");
    assert_eq!(ours[5], "ERROR: Process ticker: already started");
}

#[test]
fn pages_are_served_on_the_unix_socket_and_actions_need_the_token() {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(Impl::Ours);
    wait_state(&daemon, "ticker", "RUNNING");
    let (head, body) = http(&daemon.socket, "GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200"), "{head}");
    assert!(body.contains("<tr data-name=\"ticker\" data-state=\"RUNNING\">"));
    assert!(body.contains("<tr data-name=\"idle\" data-state=\"STOPPED\">"));
    let (_, ok) = http(&daemon.socket, "GET /ok.html HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(ok, "OK");
    let (_, tail) = http(
        &daemon.socket,
        "GET /tail.html?processname=ticker HTTP/1.0\r\n\r\n",
    )
    .unwrap();
    assert!(tail.contains("tick 1 &lt;b&gt;"), "{tail}");
    // Supervisor's GET link and a token-less post change nothing.
    let (head, _) = http(
        &daemon.socket,
        "GET /index.html?action=stop&processname=ticker HTTP/1.0\r\n\r\n",
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.0 403"), "{head}");
    let form = "action=stop&processname=ticker";
    let (head, _) = http(
        &daemon.socket,
        &format!(
            "POST / HTTP/1.0\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.0 403"), "{head}");
    assert!(state_of(&daemon, "ticker").contains("RUNNING"));
}

#[test]
fn a_waiting_action_does_not_block_the_daemon() {
    // It ignores SIGTERM, so its stop waits until the test kills it. It is RUNNING
    // as soon as it is spawned, before the shell has set its trap: the test waits
    // for the file the shell touches once the trap is in place.
    let scene = Scene::new(
        "[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; touch %(here)s/trapped; \
         while :; do sleep 0.1; done'\nstartsecs=0\nstopwaitsecs=600\n",
    );
    let daemon = scene.start(Impl::Ours);
    let trapped = scene.dir.path().join("trapped");
    wait_for("the TERM trap", || trapped.exists());
    let socket = daemon.socket.clone();
    let stopped = std::thread::spawn(move || act(Impl::Ours, &socket, "stop", "stubborn"));
    // While the page waits for the stop, the daemon answers pages and calls.
    wait_state(&daemon, "stubborn", "STOPPING");
    let (head, body) = http(&daemon.socket, "GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200"), "{head}");
    assert!(body.contains("data-state=\"STOPPING\""));
    assert!(!stopped.is_finished());
    let kill = format!(
        "{}<param><value><string>KILL</string></value></param>",
        string_param("stubborn")
    );
    rpc(&daemon.socket, "supervisor.signalProcess", &kill).unwrap();
    assert_eq!(stopped.join().unwrap(), "Process stubborn stopped");
}

/// node, chromium and playwright-core, or `None` with a message (a failure under CI).
fn browser_tools() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let node = Command::new("node").arg("--version").output();
    let missing = if !node.is_ok_and(|o| o.status.success()) {
        Some("node")
    } else if !Path::new("/usr/bin/chromium").exists() {
        Some("/usr/bin/chromium (apt-get install chromium)")
    } else if !dir.join("node_modules/playwright-core").exists() {
        Some("playwright-core (npm install in tests/browser)")
    } else {
        None
    };
    match missing {
        None => Some(dir),
        Some(what) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("browser test needs {what} (CI requires it)")
        }
        Some(what) => {
            eprintln!("SKIPPED: browser test needs {what}");
            None
        }
    }
}

fn node(dir: &Path, script: &str, port: u16, extra: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .current_dir(dir)
        .env("SV_URL", format!("http://127.0.0.1:{port}/"))
        .env("SV_USER", "admin")
        .env("SV_PASS", "s3cret");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn browser_stop_start_tail_and_refusals() {
    let Some(dir) = browser_tools() else {
        return;
    };
    let port = free_port();
    let scene = scene_with_inet(port, PROGRAMS);
    let daemon = scene.start(Impl::Ours);
    wait_state(&daemon, "ticker", "RUNNING");
    let out = node(&dir, "web.test.mjs", port, &[]);
    let seen = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in:\n{out}"))
            .to_owned()
    };
    assert_eq!(seen("anonymous"), "401");
    assert_eq!(seen("cross_site"), "403");
    assert_eq!(seen("still"), "RUNNING");
    let before: i32 = seen("pid_before").parse().unwrap();
    let after: i32 = seen("pid_after").parse().unwrap();
    assert_ne!(before, after);
    // The first child really ended, and the one the page showed is the one running.
    assert!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(before), None).is_err());
    let info = state_of(&daemon, "ticker");
    assert!(info.contains(&format!("<int>{after}</int>")), "{info}");
}

/// Regenerates docs/screenshot.png:
/// `cargo test --test integration -- web::screenshot --ignored`.
#[test]
#[ignore = "writes docs/screenshot.png"]
fn screenshot() {
    let Some(dir) = browser_tools() else {
        return;
    };
    let port = free_port();
    let scene = scene_with_inet(
        port,
        "[program:web]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:worker]\ncommand=sleep 1000\nprocess_name=%(program_name)s_%(process_num)d\n\
         numprocs=2\nstartsecs=0\n\n\
         [program:migrate]\ncommand=sh -c 'echo done'\nstartsecs=0\nautorestart=false\n\n\
         [program:broken]\ncommand=sh -c 'exit 3'\nstartsecs=1\nstartretries=0\n\n\
         [program:reports]\ncommand=sleep 1000\nautostart=false\n",
    );
    let daemon = scene.start(Impl::Ours);
    wait_state(&daemon, "worker:worker_1", "RUNNING");
    wait_state(&daemon, "migrate", "EXITED");
    wait_state(&daemon, "broken", "FATAL");
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshot.png");
    node(&dir, "screenshot.mjs", port, &[("SHOT", &shot)]);
    assert!(shot.exists());
}
