//! The log methods: reading, tailing and clearing the main log and the process logs,
//! and writing to a process's stdin.

use supervisor_log::{LogFileError, read_log, tail_log};
use supervisor_process::{ProcessId, Target};
use supervisor_types::{FaultCode, ProcessState};
use supervisor_xmlrpc::{Fault, Value};

use crate::methods::{done, lookup};
use crate::params::{arity, int, py_str, string};
use crate::pending::batch_entry;
use crate::{Channel, Host, Outcome};

macro_rules! tryf {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return Outcome::Done(Err(f)),
        }
    };
}

/// Log bytes as an XML-RPC string. Supervisor decodes them as UTF-8 and fails the
/// request on a bad sequence; here a bad sequence becomes U+FFFD.
fn text(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::String(s),
        Err(e) => Value::String(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn read_fault(e: &LogFileError) -> Fault {
    match e {
        LogFileError::NoFile { path } => {
            Fault::new(FaultCode::NoFile, Some(&path.display().to_string()))
        }
        other => Fault::new(other.fault_code(), None),
    }
}

/// A process (not a group) named by a namespec; `BAD_NAME` otherwise.
fn one_process(host: &dyn Host, name: &str) -> Result<ProcessId, Fault> {
    match lookup(host, name)? {
        Target::Process(id) => Ok(id),
        Target::Group(_) => Err(Fault::new(FaultCode::BadName, Some(name))),
    }
}

pub(crate) fn read_main_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 2, 2));
    let path = tryf!(
        host.main_logfile()
            .ok_or_else(|| Fault::new(FaultCode::NoFile, None))
    );
    if !path.exists() {
        return Outcome::Done(Err(Fault::new(
            FaultCode::NoFile,
            Some(&path.display().to_string()),
        )));
    }
    let (offset, length) = (tryf!(int(&params[0])), tryf!(int(&params[1])));
    match read_log(&path, offset, length) {
        Ok(bytes) => done(text(bytes)),
        Err(e) => Outcome::Done(Err(read_fault(&e))),
    }
}

pub(crate) fn clear_main_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    if host.main_logfile().is_none() {
        return Outcome::Done(Err(Fault::new(FaultCode::NoFile, None)));
    }
    match host.clear_main_log() {
        Ok(()) => done(Value::Bool(true)),
        Err(e) => Outcome::Done(Err(Fault::new(e.fault_code(), None))),
    }
}

fn read_process_log(host: &mut dyn Host, params: &[Value], channel: Channel) -> Outcome {
    tryf!(arity(params, 3, 3));
    let name = tryf!(string(&params[0]));
    let id = tryf!(one_process(host, name));
    let Some(path) = host.logfile(id, channel) else {
        return Outcome::Done(Err(Fault::new(FaultCode::NoFile, None)));
    };
    if !path.exists() {
        return Outcome::Done(Err(Fault::new(
            FaultCode::NoFile,
            Some(&path.display().to_string()),
        )));
    }
    let (offset, length) = (tryf!(int(&params[1])), tryf!(int(&params[2])));
    match read_log(&path, offset, length) {
        Ok(bytes) => done(text(bytes)),
        Err(e) => Outcome::Done(Err(read_fault(&e))),
    }
}

pub(crate) fn read_stdout_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    read_process_log(host, params, Channel::Stdout)
}

pub(crate) fn read_stderr_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    read_process_log(host, params, Channel::Stderr)
}

fn tail_process_log(host: &mut dyn Host, params: &[Value], channel: Channel) -> Outcome {
    tryf!(arity(params, 3, 3));
    let name = tryf!(string(&params[0]));
    let id = tryf!(one_process(host, name));
    let empty = || {
        done(Value::Array(vec![
            Value::from(""),
            Value::Int(0),
            Value::Bool(false),
        ]))
    };
    let Some(path) = host.logfile(id, channel).filter(|p| p.exists()) else {
        return empty();
    };
    let (offset, length) = (tryf!(int(&params[1])), tryf!(int(&params[2])));
    let tail = tail_log(&path, offset, length);
    done(Value::Array(vec![
        text(tail.bytes),
        Value::capped_int(tail.offset),
        Value::Bool(tail.overflow),
    ]))
}

pub(crate) fn tail_stdout_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tail_process_log(host, params, Channel::Stdout)
}

pub(crate) fn tail_stderr_log(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tail_process_log(host, params, Channel::Stderr)
}

fn clear_one(host: &mut dyn Host, id: ProcessId, name: &str) -> Result<(), Fault> {
    host.clear_process_logs(id)
        .map_err(|_| Fault::new(FaultCode::Failed, Some(name)))
}

pub(crate) fn clear_process_logs(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let name = tryf!(string(&params[0]));
    let id = tryf!(one_process(host, name));
    tryf!(clear_one(host, id, name));
    done(Value::Bool(true))
}

/// `clearAllProcessLogs`: every process in priority order, each answered as a batch
/// entry. Supervisor clears one process per 50 ms tick; here all at once, same reply.
pub(crate) fn clear_all_process_logs(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let ids: Vec<ProcessId> = host.table().processes().collect();
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(p) = host.table().process(id) else {
            continue;
        };
        let (name, group, spec) = (p.name().to_owned(), p.group().to_owned(), p.namespec());
        results.push(match clear_one(host, id, &spec) {
            Ok(()) => batch_entry(&name, &group, FaultCode::Success.code(), "OK"),
            Err(f) => batch_entry(&name, &group, f.code, &f.string),
        });
    }
    done(Value::Array(results))
}

pub(crate) fn send_process_stdin(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 2, 2));
    let data = match &params[1] {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Base64(b) => b.clone(),
        other => {
            return Outcome::Done(Err(Fault::new(
                FaultCode::IncorrectParameters,
                Some(&py_str(other)),
            )));
        }
    };
    let name = tryf!(string(&params[0]));
    let id = tryf!(one_process(host, name));
    let running = host
        .table()
        .process(id)
        .is_some_and(|p| p.pid().is_some() && p.state() != ProcessState::Stopping);
    if !running {
        return Outcome::Done(Err(Fault::new(FaultCode::NotRunning, Some(name))));
    }
    match host.send_stdin(id, &data) {
        Ok(()) => done(Value::Bool(true)),
        Err(_) => Outcome::Done(Err(Fault::new(FaultCode::NoFile, Some(name)))),
    }
}

/// `sendRemoteCommEvent(type, data)`: publishes the event and answers `True`. Both
/// arguments appear as Python's `str()` shows them (Supervisor formats them with `%s`).
/// Supervisor does not check its state first, so this works during a shutdown too.
pub(crate) fn send_remote_comm_event(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 2, 2));
    host.send_remote_comm_event(&py_str(&params[0]), &py_str(&params[1]));
    done(Value::Bool(true))
}
