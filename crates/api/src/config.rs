//! The configuration methods: `getAllConfigInfo`, `reloadConfig`, `addProcessGroup`,
//! `removeProcessGroup`.

use supervisor_config::{LogFile, ProcessConfig};
use supervisor_types::FaultCode;
use supervisor_xmlrpc::{Fault, Value};

use crate::methods::{done, fault_for};
use crate::params::{arity, string};
use crate::{Host, Outcome};

macro_rules! tryf {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return Outcome::Done(Err(f)),
        }
    };
}

/// Supervisor shows `None` as `'none'` and `AUTO` as `'auto'` (XML-RPC has neither).
fn logfile(l: &LogFile) -> Value {
    match l {
        LogFile::Path(p) => Value::from(p.as_str()),
        LogFile::Auto => Value::from("auto"),
        LogFile::None => Value::from("none"),
    }
}

fn or_none(s: &Option<String>) -> Value {
    s.as_deref()
        .map_or_else(|| Value::from("none"), Value::from)
}

/// An integer setting; Supervisor fails the whole reply on one beyond XML-RPC's range,
/// here it is capped.
fn int(n: i64) -> Value {
    Value::capped_int(n)
}

fn config_info(group: &str, group_prio: i64, inuse: bool, p: &ProcessConfig) -> Value {
    Value::structure([
        ("autostart", Value::Bool(p.autostart)),
        ("directory", or_none(&p.directory)),
        (
            "uid",
            p.uid
                .map_or_else(|| Value::from("none"), |u| int(i64::from(u))),
        ),
        ("command", Value::from(p.command.as_str())),
        (
            "exitcodes",
            Value::Array(p.exitcodes.iter().map(|&c| Value::Int(c)).collect()),
        ),
        ("group", Value::from(group)),
        ("group_prio", int(group_prio)),
        ("inuse", Value::Bool(inuse)),
        ("killasgroup", Value::Bool(p.killasgroup)),
        ("name", Value::from(p.name.as_str())),
        ("process_prio", int(p.priority)),
        ("redirect_stderr", Value::Bool(p.redirect_stderr)),
        ("startretries", int(p.startretries)),
        ("startsecs", int(p.startsecs)),
        ("stdout_capture_maxbytes", int(p.stdout_capture_maxbytes)),
        (
            "stdout_events_enabled",
            Value::Bool(p.stdout_events_enabled),
        ),
        ("stdout_logfile", logfile(&p.stdout_logfile)),
        ("stdout_logfile_backups", int(p.stdout_logfile_backups)),
        ("stdout_logfile_maxbytes", int(p.stdout_logfile_maxbytes)),
        ("stdout_syslog", Value::Bool(p.stdout_syslog)),
        ("stopsignal", Value::Int(p.stopsignal)),
        ("stopwaitsecs", int(p.stopwaitsecs)),
        ("stderr_capture_maxbytes", int(p.stderr_capture_maxbytes)),
        (
            "stderr_events_enabled",
            Value::Bool(p.stderr_events_enabled),
        ),
        ("stderr_logfile", logfile(&p.stderr_logfile)),
        ("stderr_logfile_backups", int(p.stderr_logfile_backups)),
        ("stderr_logfile_maxbytes", int(p.stderr_logfile_maxbytes)),
        ("stderr_syslog", Value::Bool(p.stderr_syslog)),
        ("serverurl", or_none(&p.serverurl)),
    ])
}

/// `getAllConfigInfo`: one struct per process of every group read last, sorted by
/// process name only (a stable sort, so equal names keep the groups' order).
pub(crate) fn get_all_config_info(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let mut rows: Vec<(&str, Value)> = Vec::new();
    for g in host.group_configs() {
        let inuse = host.table().group_processes(&g.name).is_some();
        for p in &g.processes {
            rows.push((&p.name, config_info(&g.name, g.priority, inuse, p)));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(b.0));
    done(Value::Array(rows.into_iter().map(|(_, v)| v).collect()))
}

fn names(list: Vec<String>) -> Value {
    Value::Array(list.into_iter().map(Value::from).collect())
}

/// `reloadConfig`: `[[added, changed, removed]]`.
pub(crate) fn reload_config(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    match host.reload_config() {
        Ok(diff) => done(Value::Array(vec![Value::Array(vec![
            names(diff.added),
            names(diff.changed),
            names(diff.removed),
        ])])),
        Err(text) => Outcome::Done(Err(Fault::new(FaultCode::CantReread, Some(&text)))),
    }
}

pub(crate) fn add_process_group(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let name = tryf!(string(&params[0]));
    tryf!(host.add_group(name).map_err(|e| fault_for(&e, name)));
    host.settle();
    done(Value::Bool(true))
}

pub(crate) fn remove_process_group(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let name = tryf!(string(&params[0]));
    tryf!(host.remove_group(name).map_err(|e| fault_for(&e, name)));
    done(Value::Bool(true))
}
