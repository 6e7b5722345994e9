//! Events and eventlisteners end to end: real listeners written with the reference
//! package's `supervisor.childutils`, superlance's crashmail, and an oracle comparison
//! of the exact bytes a listener receives from Python's supervisord and from ours.

use std::path::{Path, PathBuf};

use crate::util::{Impl, Scene, reference, rpc, string_param, wait_for};

/// A listener that records every envelope it receives (header line and payload, read as
/// bytes) to `argv[1]`, answering `FAIL` to the first `REMOTE_COMMUNICATION` whose data
/// is `fail-once` and `OK` to everything else.
const RECORDER: &str = r#"
import sys
from supervisor import childutils
out = open(sys.argv[1], 'ab', buffering=0)
failed = False
stdin = sys.stdin.buffer
while True:
    childutils.listener.ready(sys.stdout)
    line = stdin.readline()
    headers = childutils.get_headers(line.decode())
    payload = stdin.read(int(headers['len']))
    out.write(line + payload + b'\n---\n')
    if payload.endswith(b'fail-once') and not failed:
        failed = True
        childutils.listener.fail(sys.stdout)
    else:
        childutils.listener.ok(sys.stdout)
"#;

fn python(reference: &Path) -> PathBuf {
    reference.join("bin/python")
}

fn records(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split("\n---\n")
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Pids, serials and the server's identity vary; the rest must not.
fn redact(record: &str) -> String {
    record
        .split_inclusive([' ', '\n'])
        .map(|word| {
            let (body, end) = word
                .strip_suffix(' ')
                .map(|b| (b, " "))
                .or_else(|| word.strip_suffix('\n').map(|b| (b, "\n")))
                .unwrap_or((word, ""));
            match body.split_once(':') {
                Some((key @ ("pid" | "serial" | "poolserial"), _)) => format!("{key}:N{end}"),
                _ => word.to_owned(),
            }
        })
        .collect()
}

fn scenario(reference: &Path) -> Scene {
    let py = python(reference);
    let scene = Scene::new("");
    let dir = scene.dir.path();
    std::fs::write(dir.join("recorder.py"), RECORDER).unwrap();
    let conf = format!(
        "[eventlistener:rec]\n\
         command={py} -u %(here)s/recorder.py %(here)s/received\n\
         events=PROCESS_STATE,REMOTE_COMMUNICATION,PROCESS_LOG,PROCESS_COMMUNICATION,PROCESS_GROUP\n\
         buffer_size=50\n\
         \n\
         [program:talker]\n\
         command=sh -c \"printf 'hello\\n<!--XSUPERVISOR:BEGIN-->captured<!--XSUPERVISOR:END-->'; exec sleep 1000\"\n\
         startsecs=0\n\
         stdout_events_enabled=true\n\
         stdout_capture_maxbytes=1MB\n",
        py = py.display()
    );
    let mut text = std::fs::read_to_string(scene.conf()).unwrap();
    text.push_str(&conf);
    std::fs::write(scene.conf(), text).unwrap();
    scene
}

/// Runs the scripted scenario against one implementation: both processes start, the
/// talker writes a line and a capture, a remote event is sent (failed once, so it comes
/// twice), the talker is stopped. Returns the redacted records.
fn run(which: Impl, reference: &Path) -> Vec<String> {
    let scene = scenario(reference);
    let received = scene.dir.path().join("received");
    let mut daemon = scene.start(which);
    wait_for("the listener to hear the talker", || {
        records(&received)
            .iter()
            .any(|r| r.contains("PROCESS_COMMUNICATION_STDOUT"))
    });
    wait_for("the listener to be RUNNING", || {
        records(&received)
            .iter()
            .any(|r| r.contains("eventname:PROCESS_STATE_RUNNING") && r.contains("processname:rec"))
    });
    let params = format!("{}{}", string_param("greeting"), string_param("fail-once"));
    rpc(&scene.socket(), "supervisor.sendRemoteCommEvent", &params).unwrap();
    wait_for("the remote event twice", || {
        records(&received)
            .iter()
            .filter(|r| r.ends_with("fail-once"))
            .count()
            == 2
    });
    rpc(
        &scene.socket(),
        "supervisor.stopProcess",
        &string_param("talker"),
    )
    .unwrap();
    wait_for("the talker's STOPPED", || {
        records(&received)
            .iter()
            .any(|r| r.contains("PROCESS_STATE_STOPPED"))
    });
    daemon.signal(libc::SIGTERM);
    daemon.wait_exit();
    let all = records(&received);
    // The very same envelope arrives twice: serials included.
    let remote: Vec<&String> = all.iter().filter(|r| r.ends_with("fail-once")).collect();
    assert_eq!(remote[0], remote[1]);
    all.iter().map(|r| redact(r)).collect()
}

#[test]
fn a_listener_receives_the_same_bytes_from_both_daemons() {
    let Some(reference) = reference() else {
        return;
    };
    let ours = run(Impl::Ours, &reference);
    let theirs = run(Impl::Python, &reference);
    // The two processes start concurrently: compare each process's events in order,
    // and the whole as a multiset.
    for process in ["processname:rec", "processname:talker"] {
        let of = |v: &[String]| -> Vec<String> {
            v.iter().filter(|r| r.contains(process)).cloned().collect()
        };
        assert_eq!(of(&ours), of(&theirs), "events of {process}");
    }
    assert!(ours.len() >= 13, "{ours:#?}");
    let (mut a, mut b) = (ours.clone(), theirs.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b, "\nours: {ours:#?}\npython: {theirs:#?}");
    assert!(ours.iter().any(|r| r.starts_with(
        "ver:3.0 server:supervisor serial:N pool:rec poolserial:N eventname:PROCESS_LOG_STDOUT len:"
    )));
}

#[test]
fn len_is_the_payload_byte_length() {
    let Some(reference) = reference() else {
        return;
    };
    let scene = scenario(&reference);
    let received = scene.dir.path().join("received");
    let _daemon = scene.start(Impl::Ours);
    wait_for("the listener to be RUNNING", || {
        records(&received)
            .iter()
            .any(|r| r.contains("eventname:PROCESS_STATE_RUNNING") && r.contains("processname:rec"))
    });
    let params = format!(
        "{}{}",
        string_param("t"),
        string_param("h\u{e9}llo \u{2603}")
    );
    rpc(&scene.socket(), "supervisor.sendRemoteCommEvent", &params).unwrap();
    wait_for("the remote event", || {
        records(&received)
            .iter()
            .any(|r| r.contains("REMOTE_COMMUNICATION"))
    });
    let all = records(&received);
    let remote = all
        .iter()
        .find(|r| r.contains("REMOTE_COMMUNICATION"))
        .unwrap();
    let payload = "type:t\nh\u{e9}llo \u{2603}";
    assert!(
        remote.ends_with(&format!("len:{}\n{payload}", payload.len())),
        "{remote}"
    );
}

#[test]
fn crashmail_mails_an_unexpected_exit() {
    let Some(reference) = reference() else {
        return;
    };
    let crashmail = reference.join("bin/crashmail");
    if !crashmail.exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI installs superlance (.ci/run)"
        );
        eprintln!("SKIPPED: needs superlance: .ref/bin/pip install superlance");
        return;
    }
    let scene = Scene::new("");
    let dir = scene.dir.path();
    let sendmail = dir.join("sendmail.sh");
    std::fs::write(
        &sendmail,
        format!("#!/bin/sh\ncat > {}/mail.txt\n", dir.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &sendmail,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let conf = format!(
        "[eventlistener:crashmail]\n\
         command={crashmail} -a -m ops@example.com -s {sendmail}\n\
         events=PROCESS_STATE_EXITED\n\
         \n\
         [program:crasher]\n\
         command=sh -c 'sleep 2; exit 3'\n\
         startsecs=1\n\
         autorestart=false\n",
        crashmail = crashmail.display(),
        sendmail = sendmail.display(),
    );
    let mut text = std::fs::read_to_string(scene.conf()).unwrap();
    text.push_str(&conf);
    std::fs::write(scene.conf(), text).unwrap();
    let _daemon = scene.start(Impl::Ours);
    let mail = dir.join("mail.txt");
    wait_for("crashmail's mail", || {
        std::fs::read_to_string(&mail).is_ok_and(|m| m.contains("exited unexpectedly"))
    });
    let mail = std::fs::read_to_string(&mail).unwrap();
    assert!(mail.contains("To: ops@example.com"), "{mail}");
    assert!(
        mail.contains("Process crasher in group crasher exited unexpectedly (pid "),
        "{mail}"
    );
    assert!(mail.contains("from state RUNNING"), "{mail}");
}
