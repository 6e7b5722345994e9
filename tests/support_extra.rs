//! Helpers for the robustness and regression modules: reading fields of process info,
//! looking at the daemon's children and process groups through /proc, main-log lines of
//! one program with volatile parts redacted, and running one scenario on both daemons.

use std::path::Path;
use std::thread;

use crate::util::{Daemon, Impl, Scene, reference, rpc, string_param};

/// One member of a `getProcessInfo` struct as text (`<int>`, `<string>` or empty string),
/// or `None` when the reply has no such member.
pub fn member(body: &str, key: &str) -> Option<String> {
    let at = body.find(&format!("<name>{key}</name>"))?;
    let rest = &body[at..];
    let value = &rest[rest.find("<value>")? + 7..];
    if let Some(v) = value.strip_prefix("<int>") {
        return Some(v.split('<').next()?.to_owned());
    }
    if let Some(v) = value.strip_prefix("<string>") {
        return Some(v.split("</string>").next()?.to_owned());
    }
    if value.starts_with("<string/>") || value.starts_with("</value>") {
        return Some(String::new());
    }
    value.split("</value>").next().map(str::to_owned)
}

/// The `statename` of a process.
pub fn state(socket: &Path, name: &str) -> String {
    let body = rpc(socket, "supervisor.getProcessInfo", &string_param(name)).unwrap();
    member(&body, "statename").unwrap_or_else(|| panic!("no statename in {body}"))
}

/// The pid of a process (0 when it is not running).
pub fn pid(socket: &Path, name: &str) -> u32 {
    let body = rpc(socket, "supervisor.getProcessInfo", &string_param(name)).unwrap();
    member(&body, "pid")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {body}"))
}

/// One process as /proc shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcEntry {
    /// Its pid.
    pub pid: u32,
    /// Its parent's pid.
    pub ppid: u32,
    /// Its process group.
    pub pgrp: u32,
    /// The state letter (`R`, `S`, `Z`, ...).
    pub state: char,
}

/// Every process visible in /proc.
pub fn processes() -> Vec<ProcEntry> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) S ppid pgrp ...`; comm may hold spaces and parentheses.
            let rest = &stat[stat.rfind(')')? + 2..];
            let mut fields = rest.split(' ');
            let state = fields.next()?.chars().next()?;
            let ppid = fields.next()?.parse().ok()?;
            let pgrp = fields.next()?.parse().ok()?;
            Some(ProcEntry {
                pid,
                ppid,
                pgrp,
                state,
            })
        })
        .collect()
}

/// The daemon's children that are zombies (exited, not yet reaped).
pub fn zombies_of(parent: u32) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|p| p.ppid == parent && p.state == 'Z')
        .map(|p| p.pid)
        .collect()
}

/// Live (non-zombie) members of a process group.
pub fn group_members(pgrp: u32) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|p| p.pgrp == pgrp && p.state != 'Z')
        .map(|p| p.pid)
        .collect()
}

/// Whether `pid` names a live (non-zombie) process.
pub fn alive(pid: u32) -> bool {
    processes().iter().any(|p| p.pid == pid && p.state != 'Z')
}

/// Sends SIGKILL to a whole process group (cleanup after a test that left one behind).
pub fn kill_group(pgrp: u32) {
    let _ = std::process::Command::new("kill")
        .arg("-9")
        .arg("--")
        .arg(format!("-{pgrp}"))
        .stderr(std::process::Stdio::null())
        .status();
}

/// The CPU time (user + system, in clock ticks) a process has used so far.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else {
        return 0;
    };
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    // Fields 14 and 15 of stat(5) (utime, stime), counted from `state` as index 0.
    fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum())
        .unwrap_or(0)
}

/// The number of open file descriptors of a process.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The main-log lines that mention `program`, without their timestamps, with pids and the
/// scene's directory replaced by placeholders.
pub fn program_lines(scene: &Scene, program: &str) -> Vec<String> {
    let dir = scene.dir.path().to_string_lossy().into_owned();
    scene
        .main_log()
        .lines()
        .filter(|l| l.contains(program))
        .map(|l| {
            let text = l.get(24..).unwrap_or(l).replace(&dir, "<DIR>");
            redact_numbers_after(&redact_numbers_after(&text, "pid "), "(")
        })
        .collect()
}

/// Replaces a run of digits right after each `marker` by `<N>`.
fn redact_numbers_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && (marker == "pid " || tail[digits..].starts_with(')')) {
            out.push_str("<N>");
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Inserts `lines` into the `[supervisord]` section of a scene's config.
pub fn add_to_supervisord_section(scene: &Scene, lines: &str) {
    let conf = std::fs::read_to_string(scene.conf()).unwrap();
    let conf = conf.replacen("[supervisord]\n", &format!("[supervisord]\n{lines}"), 1);
    std::fs::write(scene.conf(), conf).unwrap();
}

/// Runs `scenario` on a fresh scene of `programs` against our daemon and, when the
/// reference is installed, against Python's in parallel; returns (ours, Python's).
/// `prepare` runs on each scene before its daemon starts (fixtures, config edits).
pub fn on_both<T: Send + 'static>(
    programs: &'static str,
    prepare: fn(&Scene),
    scenario: fn(&Scene, &mut Daemon) -> T,
) -> (T, Option<T>) {
    let run = move |which: Impl| {
        let scene = Scene::new(programs);
        prepare(&scene);
        let mut daemon = scene.start(which);
        scenario(&scene, &mut daemon)
    };
    let python = reference().map(|_| thread::spawn(move || run(Impl::Python)));
    let ours = run(Impl::Ours);
    let python = python.map(|h| h.join().expect("the Python scenario panicked"));
    (ours, python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_a_process_info_struct() {
        let body = "<member>\n<name>pid</name>\n<value><int>42</int></value>\n</member>\n\
                    <member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n\
                    <member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n";
        assert_eq!(member(body, "pid").as_deref(), Some("42"));
        assert_eq!(member(body, "statename").as_deref(), Some("RUNNING"));
        assert_eq!(member(body, "spawnerr").as_deref(), Some(""));
        assert_eq!(member(body, "nothing"), None);
    }

    #[test]
    fn redaction_of_pids_in_log_lines() {
        assert_eq!(
            redact_numbers_after(
                &redact_numbers_after("WARN killing 'x' (123) with SIGKILL", "pid "),
                "("
            ),
            "WARN killing 'x' (<N>) with SIGKILL"
        );
        assert_eq!(
            redact_numbers_after("spawned: 'x' with pid 77", "pid "),
            "spawned: 'x' with pid <N>"
        );
        assert_eq!(
            redact_numbers_after("exited: x (exit status 1; not expected)", "("),
            "exited: x (exit status 1; not expected)"
        );
    }

    #[test]
    fn this_test_process_is_in_proc() {
        let me = std::process::id();
        assert!(processes().iter().any(|p| p.pid == me));
        assert!(alive(me));
        assert!(fd_count(me) >= 3);
    }
}
