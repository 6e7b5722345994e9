//! The text supervisorctl prints, as pure functions: the status table, per-process result
//! lines, `avail` lines, `reread` changes, help texts and the command list.

use supervisor_types::{FaultCode, make_namespec};

use crate::rpc::{ConfigChanges, ConfigInfo, ProcessInfo, ProcessResult};

/// The commands of the default plugin, sorted, as `help` lists them.
pub const COMMANDS: [&str; 22] = [
    "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload",
    "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
    "update", "version",
];

/// The help text of one command (`help CMD`), every line ending in a newline; `None`
/// when the command has none (Python then prints `*** No help on CMD`).
pub fn command_help(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "help" => {
            "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>\n"
        }
        "tail" => concat!(
            "tail [-f] <name> [stdout|stderr] (default stdout)\n",
            "Ex:\n",
            "tail -f <name>\t\tContinuous tail of named process stdout\n",
            "\t\t\tCtrl-C to exit.\n",
            "tail -100 <name>\tlast 100 *bytes* of process stdout\n",
            "tail <name> stderr\tlast 1600 *bytes* of process stderr\n",
        ),
        "maintail" => concat!(
            "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n",
            "maintail -100\tlast 100 *bytes* of supervisord main log file\n",
            "maintail\tlast 1600 *bytes* of supervisor main log file\n",
            "\n",
        ),
        "quit" => "quit\tExit the supervisor shell.\n",
        "exit" => "exit\tExit the supervisor shell.\n",
        "status" => concat!(
            "status <name>\t\tGet status for a single process\n",
            "status <gname>:*\tGet status for all processes in a group\n",
            "status <name> <name>\tGet status for multiple named processes\n",
            "status\t\t\tGet all process status info\n",
        ),
        "pid" => concat!(
            "pid\t\t\tGet the PID of supervisord.\n",
            "pid <name>\t\tGet the PID of a single child process by name.\n",
            "pid all\t\t\tGet the PID of every child process, one per line.\n",
        ),
        "start" => concat!(
            "start <name>\t\tStart a process\n",
            "start <gname>:*\t\tStart all processes in a group\n",
            "start <name> <name>\tStart multiple processes or groups\n",
            "start all\t\tStart all processes\n",
        ),
        "stop" => concat!(
            "stop <name>\t\tStop a process\n",
            "stop <gname>:*\t\tStop all processes in a group\n",
            "stop <name> <name>\tStop multiple processes or groups\n",
            "stop all\t\tStop all processes\n",
        ),
        "signal" => concat!(
            "signal <signal name> <name>\t\tSignal a process\n",
            "signal <signal name> <gname>:*\t\tSignal all processes in a group\n",
            "signal <signal name> <name> <name>\tSignal multiple processes or groups\n",
            "signal <signal name> all\t\tSignal all processes\n",
        ),
        "restart" => concat!(
            "restart <name>\t\tRestart a process\n",
            "restart <gname>:*\tRestart all processes in a group\n",
            "restart <name> <name>\tRestart multiple processes or groups\n",
            "restart all\t\tRestart all processes\n",
            "Note: restart does not reread config files. For that, see reread and update.\n",
        ),
        "shutdown" => "shutdown \tShut the remote supervisord down.\n",
        "reload" => "reload \t\tRestart the remote supervisord.\n",
        "avail" => "avail\t\t\tDisplay all configured processes\n",
        "reread" => "reread \t\t\tReload the daemon's configuration files without add/remove\n",
        "add" => "add <name> [...]\tActivates any updates in config for process/group\n",
        "remove" => "remove <name> [...]\tRemoves process/group from active config\n",
        "update" => concat!(
            "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n",
            "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n",
            "update <gname> [...]\tUpdate specific groups\n",
        ),
        "clear" => concat!(
            "clear <name>\t\tClear a process' log files.\n",
            "clear <name> <name>\tClear multiple process' log files\n",
            "clear all\t\tClear all process' log files\n",
        ),
        "open" => concat!(
            "open <url>\tConnect to a remote supervisord process.\n",
            "\t\t(for UNIX domain socket, use unix:///socket/path)\n",
        ),
        "version" => "version\t\t\tShow the version of the remote supervisord process\n",
        "fg" => "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit\n",
        _ => return None,
    })
}

/// The reply to `help` with no topic: a blank line, the header with its ruler and the
/// documented commands in columns (Python's `cmd.Cmd.print_topics`).
pub fn help_topics() -> String {
    let header = "default commands (type help <topic>):";
    let cmds: Vec<&str> = COMMANDS.iter().copied().filter(|c| *c != "help").collect();
    format!(
        "\n{header}\n{}\n{}\n",
        "=".repeat(header.len()),
        columnize(&cmds, 79)
    )
}

/// Python's `cmd.Cmd.columnize`: the fewest rows whose columns, two spaces apart, fit in
/// `width`; filled column by column; each line ends with a newline.
pub fn columnize(list: &[&str], width: usize) -> String {
    if list.is_empty() {
        return "<empty>\n".to_owned();
    }
    let size = list.len();
    if size == 1 {
        return format!("{}\n", list[0]);
    }
    let len = |s: &str| s.chars().count();
    let mut layout = None;
    for nrows in 1..size {
        let ncols = size.div_ceil(nrows);
        let mut widths = Vec::new();
        let mut total: isize = -2;
        for col in 0..ncols {
            let start = col * nrows;
            let w = list[start..(start + nrows).min(size)]
                .iter()
                .map(|s| len(s))
                .max()
                .unwrap_or(0);
            widths.push(w);
            total += w as isize + 2;
            if total > width as isize {
                break;
            }
        }
        if total <= width as isize {
            layout = Some((nrows, ncols, widths));
            break;
        }
    }
    let (nrows, ncols, widths) = layout.unwrap_or((size, 1, vec![0]));
    let mut out = String::new();
    for row in 0..nrows {
        let mut texts: Vec<&str> = (0..ncols)
            .map(|col| list.get(row + nrows * col).copied().unwrap_or(""))
            .collect();
        while texts.last() == Some(&"") {
            texts.pop();
        }
        let cells: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(col, t)| format!("{t:<w$}", w = widths[col]))
            .collect();
        out.push_str(&cells.join("  "));
        out.push('\n');
    }
    out
}

/// The status table: one line per process, each ending in `\n`; the name column as wide
/// as the longest name (at least 30) plus three, the state column ten wide. Widths count
/// characters, as Python's `%-*s` does.
pub fn status_table(infos: &[ProcessInfo]) -> String {
    // The namespec's group part, absent when group and process share the name.
    fn group_part(info: &ProcessInfo) -> Option<&str> {
        (info.group != info.name).then_some(info.group.as_str())
    }
    fn width(info: &ProcessInfo) -> usize {
        group_part(info).map_or(0, |g| g.chars().count() + 1) + info.name.chars().count()
    }
    fn pad(out: &mut String, n: usize) {
        out.extend(std::iter::repeat_n(' ', n));
    }
    let name_col = infos.iter().map(width).max().unwrap_or(0).max(30) + 3;
    let line_len = |i: &ProcessInfo| name_col + 10 + i.statename.len() + i.description.len() + 1;
    let mut out = String::with_capacity(infos.iter().map(line_len).sum());
    for info in infos {
        if let Some(group) = group_part(info) {
            out.push_str(group);
            out.push(':');
        }
        out.push_str(&info.name);
        pad(&mut out, name_col.saturating_sub(width(info)));
        out.push_str(&info.statename);
        pad(
            &mut out,
            10usize.saturating_sub(info.statename.chars().count()),
        );
        out.push_str(&info.description);
        out.push('\n');
    }
    out
}

fn error_line(name: &str, why: &str) -> String {
    format!("{name}: ERROR ({why})")
}

/// The line for one `start` result; `None` for a code Python does not expect (it raises).
pub fn start_result(r: &ProcessResult) -> Option<String> {
    let name = make_namespec(&r.group, &r.name);
    Some(match FaultCode::from_code(r.status)? {
        FaultCode::BadName => error_line(&name, "no such process"),
        FaultCode::NoFile => error_line(&name, "no such file"),
        FaultCode::NotExecutable => error_line(&name, "file is not executable"),
        FaultCode::AlreadyStarted => error_line(&name, "already started"),
        FaultCode::SpawnError => error_line(&name, "spawn error"),
        FaultCode::AbnormalTermination => error_line(&name, "abnormal termination"),
        FaultCode::Success => format!("{name}: started"),
        _ => return None,
    })
}

/// The line for one `signal` (`success` = `signalled`) or `stop` (`stopped`) result.
pub fn signal_result(r: &ProcessResult, success: &str) -> Option<String> {
    let name = make_namespec(&r.group, &r.name);
    Some(match FaultCode::from_code(r.status)? {
        FaultCode::BadName => error_line(&name, "no such process"),
        FaultCode::BadSignal => error_line(&name, "bad signal name"),
        FaultCode::NotRunning => error_line(&name, "not running"),
        FaultCode::Success => format!("{name}: {success}"),
        FaultCode::Failed => r.description.clone(),
        _ => return None,
    })
}

/// The line for one `clear` result.
pub fn clear_result(r: &ProcessResult) -> Option<String> {
    let name = make_namespec(&r.group, &r.name);
    Some(match FaultCode::from_code(r.status)? {
        FaultCode::BadName => error_line(&name, "no such process"),
        FaultCode::Failed => error_line(&name, "failed"),
        FaultCode::Success => format!("{name}: cleared"),
        _ => return None,
    })
}

/// The message Python raises for a result code it does not know.
pub fn unknown_result(r: &ProcessResult) -> String {
    format!(
        "Unknown result code {} for {}",
        r.status,
        make_namespec(&r.group, &r.name)
    )
}

/// One `avail` line: name (32 wide), `in use`/`avail` (9), `auto`/`manual` (9), priorities.
pub fn avail_line(c: &ConfigInfo) -> String {
    format!(
        "{:<32} {:<9} {:<9} {}:{}",
        make_namespec(&c.group, &c.name),
        if c.inuse { "in use" } else { "avail" },
        if c.autostart { "auto" } else { "manual" },
        c.group_prio,
        c.process_prio
    )
}

/// The `reread` report: `name: available|changed|disappeared` sorted by name (a name in
/// several lists shows its last: disappeared over changed over available), or
/// `No config updates to processes`.
pub fn change_lines(changes: &ConfigChanges) -> Vec<String> {
    let mut map = std::collections::BTreeMap::new();
    for (names, what) in [
        (&changes.added, "available"),
        (&changes.changed, "changed"),
        (&changes.removed, "disappeared"),
    ] {
        for n in names {
            map.insert(n.as_str(), what);
        }
    }
    if map.is_empty() {
        return vec!["No config updates to processes".to_owned()];
    }
    map.into_iter().map(|(n, w)| format!("{n}: {w}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str, state: &str, desc: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: 20,
            statename: state.into(),
            description: desc.into(),
            pid: 1,
        }
    }

    #[test]
    fn status_columns_match_python() {
        let table = status_table(&[
            info(
                "fail",
                "fail",
                "FATAL",
                "Exited too quickly (process log may have details)",
            ),
            info("grp", "a", "RUNNING", "pid 6233, uptime 0:00:01"),
        ]);
        assert_eq!(
            table,
            "fail                             FATAL     Exited too quickly (process log may have details)\n\
             grp:a                            RUNNING   pid 6233, uptime 0:00:01\n"
        );
        let long = "g:".to_owned() + &"x".repeat(40);
        let table = status_table(&[info("g", &"x".repeat(40), "STOPPED", "")]);
        assert_eq!(table, format!("{long}   STOPPED   \n"));
        // Widths count characters, not bytes.
        let table = status_table(&[info("é", "é", "RUNNING", "x")]);
        assert_eq!(table, format!("é{}RUNNING   x\n", " ".repeat(32)));
        assert_eq!(status_table(&[]), "");
    }

    #[test]
    fn help_topics_match_python() {
        assert_eq!(
            help_topics(),
            "\ndefault commands (type help <topic>):\n\
             =====================================\n\
             add    exit      open  reload  restart   start   tail   \n\
             avail  fg        pid   remove  shutdown  status  update \n\
             clear  maintail  quit  reread  signal    stop    version\n\n"
        );
    }

    #[test]
    fn columnize_edge_cases() {
        assert_eq!(columnize(&[], 79), "<empty>\n");
        assert_eq!(columnize(&["a"], 79), "a\n");
        assert_eq!(columnize(&["aaaa", "bbbb"], 5), "aaaa\nbbbb\n");
    }

    #[test]
    fn result_lines() {
        let r = |status: i32| ProcessResult {
            name: "a".into(),
            group: "g".into(),
            status,
            description: "FAILED: oops".into(),
        };
        assert_eq!(start_result(&r(80)).unwrap(), "g:a: started");
        assert_eq!(
            start_result(&r(60)).unwrap(),
            "g:a: ERROR (already started)"
        );
        assert_eq!(start_result(&r(50)).unwrap(), "g:a: ERROR (spawn error)");
        assert_eq!(start_result(&r(30)), None);
        assert_eq!(
            signal_result(&r(70), "stopped").unwrap(),
            "g:a: ERROR (not running)"
        );
        assert_eq!(signal_result(&r(30), "stopped").unwrap(), "FAILED: oops");
        assert_eq!(
            signal_result(&r(80), "signalled").unwrap(),
            "g:a: signalled"
        );
        assert_eq!(clear_result(&r(80)).unwrap(), "g:a: cleared");
        assert_eq!(unknown_result(&r(30)), "Unknown result code 30 for g:a");
    }

    #[test]
    fn avail_and_changes() {
        let c = ConfigInfo {
            name: "a".into(),
            group: "a".into(),
            inuse: true,
            autostart: false,
            group_prio: 999,
            process_prio: 999,
        };
        assert_eq!(
            avail_line(&c),
            "a                                in use    manual    999:999"
        );
        let ch = ConfigChanges {
            added: vec!["b".into(), "a".into()],
            changed: vec![],
            removed: vec!["c".into()],
        };
        assert_eq!(
            change_lines(&ch),
            ["a: available", "b: available", "c: disappeared"]
        );
        assert_eq!(
            change_lines(&ConfigChanges::default()),
            ["No config updates to processes"]
        );
    }

    #[test]
    fn every_listed_command_has_help() {
        for c in COMMANDS {
            assert!(command_help(c).is_some(), "{c}");
        }
        assert_eq!(command_help("EOF"), None);
    }
}
