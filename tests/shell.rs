//! supervisorctl's interactive shell through a pseudo-terminal (`script` from util-linux
//! allocates it): the status table first, the configured prompt, tab completion of
//! commands and process names, and `quit`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::{DEADLINE, Impl, Scene, binary, wait_for};

/// Waits until the terminal output gathered so far contains `needle` `count` times.
fn wait_output(rx: &mpsc::Receiver<Vec<u8>>, seen: &mut String, needle: &str, count: usize) {
    let start = Instant::now();
    while seen.matches(needle).count() < count {
        let left = DEADLINE.saturating_sub(start.elapsed());
        assert!(
            !left.is_zero(),
            "timed out waiting for {needle:?} in:\n{seen}"
        );
        if let Ok(chunk) = rx.recv_timeout(left.min(Duration::from_millis(200))) {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[test]
fn the_shell_shows_status_prompts_completes_and_quits() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed");
        return;
    }
    let scene = Scene::new("[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n");
    let daemon = scene.start(Impl::Ours);
    wait_for("sleeper running", || {
        scene
            .ctl(Impl::Ours, &["status"])
            .stdout
            .contains("RUNNING")
    });
    let ctl = format!(
        "{} -c {}",
        binary(Impl::Ours, "supervisorctl").display(),
        scene.conf().display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &ctl, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut seen = String::new();

    wait_output(&rx, &mut seen, "supervisor> ", 1);
    assert!(
        seen.contains("sleeper                          RUNNING   pid "),
        "{seen}"
    );

    stdin.write_all(b"vers\t\r").unwrap();
    wait_output(&rx, &mut seen, "4.3.0", 1);
    assert!(
        seen.contains("supervisor> version"),
        "tab completes commands: {seen}"
    );

    stdin.write_all(b"status slee\t\r").unwrap();
    wait_output(
        &rx,
        &mut seen,
        "sleeper                          RUNNING",
        2,
    );

    stdin.write_all(b"quit\r").unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the shell did not quit:\n{seen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    drop(daemon);
}
