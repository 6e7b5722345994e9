//! The rest of the XML-RPC api end to end, against Python's daemon as the oracle: log
//! methods, stdin, config info, group changes (raw bodies), supervisorctl's tail,
//! maintail, clear, reread, update, add and remove, and the `/logtail` streams.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::rpc_oracle::{redact_auto_names, redact_xml};
use crate::util::{DEADLINE, Impl, Scene, binary, reference, rpc, string_param, wait_for};

const PROGRAMS: &str = "\
[program:talker]
command=sh -c 'echo out-line; echo err-line >&2; exec cat'
startsecs=0
priority=5

[program:quiet]
command=sleep 1000
autostart=false
stdout_logfile=NONE
stderr_logfile=NONE

[program:redir]
command=sh -c 'echo both; exec sleep 1000'
redirect_stderr=true
startsecs=0
";

fn int(n: i64) -> String {
    format!("<param>\n<value><int>{n}</int></value>\n</param>\n")
}

fn log_args(name: &str, offset: i64, length: i64) -> String {
    format!("{}{}{}", string_param(name), int(offset), int(length))
}

/// Every published method, for `methodSignature`.
fn all_methods(socket: &Path) -> Vec<String> {
    rpc(socket, "system.listMethods", "")
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("<value><string>"))
        .map(|l| l.trim_end_matches("</string></value>").to_owned())
        .collect()
}

/// (method, params XML) pairs run in order; state changes are part of the script.
fn script() -> Vec<(&'static str, String)> {
    let s = string_param;
    vec![
        ("supervisor.readProcessStdoutLog", log_args("talker", 0, 0)),
        ("supervisor.readProcessStdoutLog", log_args("talker", -4, 0)),
        ("supervisor.readProcessStdoutLog", log_args("talker", 2, 3)),
        (
            "supervisor.readProcessStdoutLog",
            log_args("talker", 100, 3),
        ),
        ("supervisor.readProcessStdoutLog", log_args("talker", 0, -1)),
        ("supervisor.readProcessStdoutLog", log_args("talker", -1, 1)),
        ("supervisor.readProcessStdoutLog", log_args("nosuch", 0, 0)),
        (
            "supervisor.readProcessStdoutLog",
            log_args("talker:*", 0, 0),
        ),
        ("supervisor.readProcessStdoutLog", log_args("quiet", 0, 0)),
        (
            "supervisor.readProcessStdoutLog",
            format!("{}{}{}", s("talker"), s("1"), int(0)),
        ),
        ("supervisor.readProcessStdoutLog", s("talker")),
        ("supervisor.readProcessLog", log_args("talker:talker", 0, 0)),
        ("supervisor.readProcessStderrLog", log_args("talker", 0, 0)),
        ("supervisor.readProcessStderrLog", log_args("redir", 0, 0)),
        ("supervisor.readProcessStdoutLog", log_args("redir", 0, 0)),
        (
            "supervisor.tailProcessStdoutLog",
            log_args("talker", 0, 100),
        ),
        ("supervisor.tailProcessStdoutLog", log_args("talker", 0, 3)),
        (
            "supervisor.tailProcessStdoutLog",
            log_args("talker", 100, 10),
        ),
        ("supervisor.tailProcessStdoutLog", log_args("quiet", 0, 10)),
        ("supervisor.tailProcessStdoutLog", log_args("nosuch", 0, 10)),
        ("supervisor.tailProcessLog", log_args("talker", 2, 100)),
        (
            "supervisor.tailProcessStderrLog",
            log_args("talker", 0, 100),
        ),
        ("supervisor.tailProcessStderrLog", log_args("redir", 0, 100)),
        ("supervisor.readLog", format!("{}{}", int(-1), int(0))),
        ("supervisor.readMainLog", format!("{}{}", int(0), int(-1))),
        ("supervisor.readLog", format!("{}{}", int(-1), int(1))),
        ("supervisor.readLog", int(0)),
        ("supervisor.getAllConfigInfo", String::new()),
        (
            "supervisor.sendProcessStdin",
            format!("{}{}", s("quiet"), s("x")),
        ),
        (
            "supervisor.sendProcessStdin",
            format!("{}{}", s("nosuch"), s("x")),
        ),
        (
            "supervisor.sendProcessStdin",
            format!("{}{}", s("talker"), int(5)),
        ),
        ("supervisor.sendProcessStdin", s("talker")),
        (
            "supervisor.sendProcessStdin",
            format!("{}{}", s("talker"), s("typed\n")),
        ),
        (
            "supervisor.sendRemoteCommEvent",
            format!("{}{}", s("t"), s("d")),
        ),
        ("supervisor.clearProcessLogs", s("talker")),
        ("supervisor.clearProcessLog", s("nosuch")),
        ("supervisor.clearProcessLogs", s("talker:*")),
        ("supervisor.clearAllProcessLogs", String::new()),
        ("supervisor.clearLog", String::new()),
        ("supervisor.reloadConfig", String::new()),
        ("supervisor.addProcessGroup", s("talker")),
        ("supervisor.addProcessGroup", s("nosuch")),
        ("supervisor.removeProcessGroup", s("talker")),
        ("supervisor.removeProcessGroup", s("nosuch")),
        ("supervisor.removeProcessGroup", s("quiet")),
        ("supervisor.getAllConfigInfo", String::new()),
        ("supervisor.getProcessInfo", s("quiet")),
        ("supervisor.addProcessGroup", s("quiet")),
        ("supervisor.getAllProcessInfo", String::new()),
    ]
}

fn run_script(which: Impl) -> Vec<String> {
    let scene = Scene::new(PROGRAMS);
    let dir = scene.dir.path().to_string_lossy().into_owned();
    let daemon = scene.start(which);
    wait_for("talker's output in its logs", || {
        let out = rpc(
            &daemon.socket,
            "supervisor.readProcessStdoutLog",
            &log_args("talker", 0, 0),
        );
        let err = rpc(
            &daemon.socket,
            "supervisor.readProcessStderrLog",
            &log_args("talker", 0, 0),
        );
        let redir = rpc(
            &daemon.socket,
            "supervisor.readProcessStdoutLog",
            &log_args("redir", 0, 0),
        );
        out.is_ok_and(|b| b.contains("out-line"))
            && err.is_ok_and(|b| b.contains("err-line"))
            && redir.is_ok_and(|b| b.contains("both"))
    });
    let mut calls = script();
    for m in all_methods(&daemon.socket) {
        calls.push(("system.methodSignature", string_param(&m)));
    }
    calls
        .into_iter()
        .map(|(method, params)| {
            let body = rpc(&daemon.socket, method, &params).unwrap();
            let body = redact_auto_names(&body, &dir);
            format!("{method}({params}) =>\n{}", redact_xml(&body))
        })
        .collect()
}

#[test]
fn oracle_log_stdin_config_and_group_methods_match_python() {
    if reference().is_none() {
        return;
    }
    let python = run_script(Impl::Python);
    let ours = run_script(Impl::Ours);
    assert_eq!(python.len(), ours.len());
    for (want, have) in python.iter().zip(&ours) {
        assert_eq!(want, have);
    }
}

/// Our sendProcessStdin reaches the child (it echoes it to its stdout log).
#[test]
fn stdin_reaches_the_child() {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(Impl::Ours);
    wait_for("talker running", || {
        rpc(
            &daemon.socket,
            "supervisor.getProcessInfo",
            &string_param("talker"),
        )
        .is_ok_and(|b| b.contains("RUNNING"))
    });
    let params = format!(
        "{}{}",
        string_param("talker"),
        string_param("typed &amp; sent\n")
    );
    let body = rpc(&daemon.socket, "supervisor.sendProcessStdin", &params).unwrap();
    assert!(body.contains("<boolean>1</boolean>"), "{body}");
    wait_for("the echo in the log", || {
        rpc(
            &daemon.socket,
            "supervisor.readProcessStdoutLog",
            &log_args("talker", 0, 0),
        )
        .is_ok_and(|b| b.contains("typed &amp; sent"))
    });
}

/// The next config: `talker` changed, `redir` removed, `fresh` added.
const NEXT_PROGRAMS: &str = "\
[program:talker]
command=sh -c 'echo out-line-2; exec cat'
startsecs=0
priority=5

[program:quiet]
command=sleep 1000
autostart=false
stdout_logfile=NONE
stderr_logfile=NONE

[program:fresh]
command=sleep 1000
startsecs=0
";

fn ctl_session(daemon_impl: Impl, ctl_impl: Impl) -> Vec<String> {
    let scene = Scene::new(PROGRAMS);
    let _daemon = scene.start(daemon_impl);
    wait_for("the programs to run", || {
        let out = scene.ctl(Impl::Python, &["status"]).stdout;
        out.matches("RUNNING").count() == 2
    });
    let conf = std::fs::read_to_string(scene.conf()).unwrap();
    let head = &conf[..conf.find("[program:talker]").unwrap()];
    let mut out = Vec::new();
    let mut step = |args: &[&str]| {
        let o = scene.ctl(ctl_impl, args).redacted();
        out.push(format!("{args:?} => {} {}{}", o.code, o.stdout, o.stderr));
    };
    step(&["tail", "talker"]);
    step(&["tail", "talker", "stderr"]);
    step(&["tail", "-3", "talker"]);
    step(&["tail", "nosuch"]);
    step(&["clear", "talker"]);
    step(&["tail", "talker"]);
    step(&["clear", "nosuch"]);
    step(&["clear", "all"]);
    step(&["reread"]);
    std::fs::write(scene.conf(), format!("{head}{NEXT_PROGRAMS}")).unwrap();
    step(&["reread"]);
    step(&["avail"]);
    step(&["add", "fresh"]);
    step(&["remove", "fresh"]);
    step(&["stop", "fresh"]);
    step(&["remove", "fresh"]);
    step(&["update"]);
    step(&["status"]);
    step(&["update"]);
    step(&["remove", "nosuch"]);
    step(&["add", "nosuch"]);
    std::fs::write(scene.conf(), format!("{head}[program:broken]\n")).unwrap();
    step(&["reread"]);
    out
}

#[test]
fn oracle_ctl_logs_and_group_changes_match_python() {
    if reference().is_none() {
        return;
    }
    for ctl in [Impl::Python, Impl::Ours] {
        let python = ctl_session(Impl::Python, ctl);
        let ours = ctl_session(Impl::Ours, ctl);
        for (want, have) in python.iter().zip(&ours) {
            assert_eq!(want, have, "with {ctl:?}'s supervisorctl");
        }
        assert_eq!(python.len(), ours.len());
    }
}

/// Sends `request` and reads until `enough` holds for what came back (or the deadline).
fn http_until(socket: &Path, request: &str, enough: impl Fn(&str) -> bool) -> String {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !enough(&String::from_utf8_lossy(&got)) && start.elapsed() < DEADLINE {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => continue,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Drops the `Date:` and `Last-Modified:` values.
fn redact_http(text: &str) -> String {
    text.split("\r\n")
        .map(|l| {
            if l.starts_with("Date: ") || l.starts_with("Last-Modified: ") {
                l.split(':').next().unwrap_or("").to_owned() + ": <DATE>"
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn stream_session(which: Impl) -> Vec<String> {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(which);
    wait_for("talker's output", || {
        rpc(
            &daemon.socket,
            "supervisor.readProcessStdoutLog",
            &log_args("talker", 0, 0),
        )
        .is_ok_and(|b| b.contains("out-line"))
    });
    let mut out = Vec::new();
    let complete = |t: &str| t.contains("</body>\r\n");
    for path in [
        "/logtail/nosuch",
        "/logtail/quiet",
        "/logtail/talker/bogus",
        "/logtail/talker:*",
    ] {
        let request = format!("GET {path} HTTP/1.0\r\n\r\n");
        out.push(redact_http(&http_until(&daemon.socket, &request, complete)));
    }
    let request = "POST /logtail/talker HTTP/1.0\r\nContent-Length: 0\r\n\r\n";
    out.push(redact_http(&http_until(&daemon.socket, request, complete)));
    for (path, first) in [
        ("/logtail/talker", "out-line\n\r\n"),
        ("/logtail/talker/stderr", "err-line\n\r\n"),
        ("/logtail/talker:talker", "out-line\n\r\n"),
    ] {
        let request = format!("GET {path} HTTP/1.1\r\n\r\n");
        out.push(redact_http(&http_until(&daemon.socket, &request, |t| {
            t.ends_with(first)
        })));
    }
    out
}

#[test]
fn oracle_logtail_streams_match_python() {
    if reference().is_none() {
        return;
    }
    assert_eq!(stream_session(Impl::Python), stream_session(Impl::Ours));
}

/// `tail -f` and `maintail -f` of both supervisorctls follow our daemon's logs.
#[test]
fn tail_f_follows_our_daemon() {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(Impl::Ours);
    wait_for("talker's output", || {
        rpc(
            &daemon.socket,
            "supervisor.readProcessStdoutLog",
            &log_args("talker", 0, 0),
        )
        .is_ok_and(|b| b.contains("out-line"))
    });
    // HTTP/1.0 gets the stream raw. (Python's medusa holds such a stream back until
    // 64 KiB have gathered; ours sends at once.)
    let request = "GET /logtail/talker HTTP/1.0\r\n\r\n";
    let raw = http_until(&daemon.socket, request, |t| t.ends_with("out-line\n"));
    assert!(
        raw.starts_with("HTTP/1.0 200 OK\r\n") && raw.ends_with("\r\n\r\nout-line\n"),
        "{raw}"
    );
    let mut ctls = vec![Impl::Ours];
    if reference().is_some() {
        ctls.push(Impl::Python);
    }
    for ctl in ctls {
        for (args, marker) in [
            (vec!["tail", "-f", "talker"], "line-for-tail"),
            (vec!["maintail", "-f"], "line-for-maintail"),
        ] {
            let out_path = scene.dir.path().join("follow.out");
            let mut child = Command::new(binary(ctl, "supervisorctl"))
                .arg("-c")
                .arg(scene.conf())
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::from(std::fs::File::create(&out_path).unwrap()))
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let read = || std::fs::read_to_string(&out_path).unwrap_or_default();
            wait_for("the follower to start", || {
                read().contains("out-line") || read().contains("INFO")
            });
            let text = format!("{marker}\n");
            if args[0] == "tail" {
                let params = format!("{}{}", string_param("talker"), string_param(&text));
                rpc(&daemon.socket, "supervisor.sendProcessStdin", &params).unwrap();
            } else {
                rpc(
                    &daemon.socket,
                    "supervisor.startProcess",
                    &string_param("quiet"),
                )
                .unwrap();
            }
            let expect = if args[0] == "tail" {
                marker
            } else {
                "spawned: 'quiet'"
            };
            wait_for(&format!("{ctl:?} {args:?} to show new output"), || {
                read().contains(expect)
            });
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// More than a pipe holds is queued and delivered as the child reads, without blocking
/// the daemon.
#[test]
fn large_stdin_is_delivered_in_full() {
    let scene = Scene::new(PROGRAMS);
    let daemon = scene.start(Impl::Ours);
    wait_for("talker running", || {
        rpc(
            &daemon.socket,
            "supervisor.getProcessInfo",
            &string_param("talker"),
        )
        .is_ok_and(|b| b.contains("RUNNING"))
    });
    let data = "x".repeat(299_999) + "\n";
    let params = format!("{}{}", string_param("talker"), string_param(&data));
    let body = rpc(&daemon.socket, "supervisor.sendProcessStdin", &params).unwrap();
    assert!(body.contains("<boolean>1</boolean>"), "{body}");
    let want = data.len() + "out-line\n".len();
    wait_for("all of it in the log", || {
        std::fs::metadata(
            rpc(
                &daemon.socket,
                "supervisor.getProcessInfo",
                &string_param("talker"),
            )
            .unwrap()
            .split("<name>stdout_logfile</name>\n<value><string>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap_or(""),
        )
        .is_ok_and(|m| m.len() as usize >= want)
    });
}
