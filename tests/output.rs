//! Child output: every byte a program writes reaches its log file, on the splice fast
//! path and on the path that reads the bytes (strip_ansi, debug echo).

use crate::util::{Impl, Scene, rpc, string_param, wait_for};

/// The log file path `getProcessInfo` reports for a channel.
fn logfile(socket: &std::path::Path, name: &str, key: &str) -> String {
    let body = rpc(socket, "supervisor.getProcessInfo", &string_param(name)).unwrap();
    let marker = format!("<name>{key}</name>\n<value><string>");
    let at = body.find(&marker).unwrap() + marker.len();
    body[at..].split('<').next().unwrap().to_owned()
}

fn exited(scene: &Scene, name: &str) -> bool {
    scene.main_log().contains(&format!("exited: {name} "))
}

#[test]
fn stdout_and_stderr_reach_their_logs_byte_for_byte() {
    let scene = Scene::new(
        "[program:talker]\n\
         command=sh -c 'printf \"out\\\\001\\\\377line\\\\n\"; printf \"err line\\\\n\" >&2'\n\
         startsecs=0\nautorestart=false\n",
    );
    let daemon = scene.start(Impl::Ours);
    wait_for("talker exited", || exited(&scene, "talker"));
    let out = logfile(&daemon.socket, "talker", "stdout_logfile");
    let err = logfile(&daemon.socket, "talker", "stderr_logfile");
    wait_for("the output", || {
        std::fs::read(&out).is_ok_and(|b| !b.is_empty())
    });
    assert_eq!(std::fs::read(&out).unwrap(), b"out\x01\xffline\n");
    assert_eq!(std::fs::read(&err).unwrap(), b"err line\n");
}

#[test]
fn many_megabytes_arrive_complete_and_in_order() {
    let scene = Scene::new(
        "[program:flood]\ncommand=seq 1 2000000\nstartsecs=0\nautorestart=false\nstdout_logfile_maxbytes=0\n",
    );
    let daemon = scene.start(Impl::Ours);
    wait_for("flood exited", || exited(&scene, "flood"));
    let out = logfile(&daemon.socket, "flood", "stdout_logfile");
    let expected: String = (1..=2_000_000).map(|n| format!("{n}\n")).collect();
    wait_for("every byte", || {
        std::fs::metadata(&out).is_ok_and(|m| m.len() as usize >= expected.len())
    });
    assert!(std::fs::read(&out).unwrap() == expected.as_bytes());
}

#[test]
fn strip_ansi_and_redirect_stderr_go_through_the_reading_path() {
    let scene = Scene::with(
        "strip_ansi=true",
        "[program:colors]\n\
         command=sh -c 'printf \"\\\\033[31mred\\\\033[0m\\\\n\"; printf \"to stderr\\\\n\" >&2'\n\
         startsecs=0\nautorestart=false\nredirect_stderr=true\n",
    );
    let daemon = scene.start(Impl::Ours);
    wait_for("colors exited", || exited(&scene, "colors"));
    let out = logfile(&daemon.socket, "colors", "stdout_logfile");
    assert_eq!(logfile(&daemon.socket, "colors", "stderr_logfile"), "");
    wait_for("both lines", || {
        std::fs::read(&out).is_ok_and(|b| b.ends_with(b"stderr\n"))
    });
    assert_eq!(std::fs::read(&out).unwrap(), b"red\nto stderr\n");
}

/// A full disk must not take supervisord down: a program whose log target answers every
/// write with ENOSPC (`/dev/full`) keeps running, and the daemon keeps serving.
#[test]
fn a_log_target_with_no_space_left_does_not_hurt_the_daemon() {
    let scene = Scene::new(
        "[program:chatty]\n\
         command=sh -c 'while true; do echo line; sleep 0.01; done'\n\
         startsecs=0\n\
         stdout_logfile=/dev/full\n\
         stdout_logfile_maxbytes=0\n",
    );
    let daemon = scene.start(Impl::Ours);
    wait_for("chatty running", || {
        rpc(
            &daemon.socket,
            "supervisor.getProcessInfo",
            &string_param("chatty"),
        )
        .is_ok_and(|b| b.contains("<string>RUNNING</string>"))
    });
    // Let it write (and fail to write) a few hundred lines.
    let first = rpc(&daemon.socket, "supervisor.getPID", "").unwrap();
    wait_for("output attempted", || {
        std::fs::read_to_string(format!("/proc/{}/io", daemon.pid()))
            .ok()
            .and_then(|io| {
                io.lines()
                    .find(|l| l.starts_with("syscr:"))
                    .and_then(|l| l[6..].trim().parse::<u64>().ok())
            })
            .is_some_and(|reads| reads > 200)
    });
    let body = rpc(
        &daemon.socket,
        "supervisor.getProcessInfo",
        &string_param("chatty"),
    )
    .unwrap();
    assert!(body.contains("<string>RUNNING</string>"), "{body}");
    assert_eq!(rpc(&daemon.socket, "supervisor.getPID", "").unwrap(), first);
}
