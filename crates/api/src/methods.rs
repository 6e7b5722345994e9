//! The method table: names, help texts with their signature tags, and the calls.

use supervisor_process::{CommandError, ProcessId, Target};
use supervisor_types::{FaultCode, Namespec, SupervisorState, signal_number};
use supervisor_xmlrpc::{Fault, Value};

use crate::params::{arity, flag, incorrect, signal_text, string};
use crate::pending::{Pending, Wait, batch_entry};
use crate::{Channel, Host, Outcome, config, logs};

/// `getAPIVersion`: the version of the RPC API.
pub const API_VERSION: &str = "3.0";
/// `getSupervisorVersion`: the Supervisor release this daemon is compatible with.
pub const SUPERVISOR_VERSION: &str = "4.3.0";

type Method = fn(&mut dyn Host, &[Value]) -> Outcome;

/// One published method: its name, its help (whose `@param`/`@return` tags give
/// `system.methodSignature`), and its implementation.
struct Entry {
    name: &'static str,
    help: &'static str,
    call: Method,
}

macro_rules! entry {
    ($name:literal, $call:expr, $help:literal) => {
        Entry {
            name: $name,
            help: $help,
            call: $call,
        }
    };
}

/// Every method, sorted by name as `system.listMethods` returns them.
static METHODS: &[Entry] = &[
    entry!(
        "supervisor.addProcessGroup",
        config::add_process_group,
        "Make a group read from the configuration file active: its processes join and autostart ones start.\n\n@param string name the group name\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.clearAllProcessLogs",
        logs::clear_all_process_logs,
        "Clear the stdout and stderr logs of every process.\n\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.clearLog",
        logs::clear_main_log,
        "Clear the main log (remove the file and reopen it).\n\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.clearProcessLog",
        logs::clear_process_logs,
        "Clear the stdout and stderr logs of a process (old name of clearProcessLogs).\n\n@param string name the process name (or 'group:name')\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.clearProcessLogs",
        logs::clear_process_logs,
        "Clear the stdout and stderr logs of a process and reopen them.\n\n@param string name the process name (or 'group:name')\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.getAPIVersion",
        get_api_version,
        "The version of the XML-RPC API supervisord speaks.\n\n@return string version the API version"
    ),
    entry!(
        "supervisor.getAllConfigInfo",
        config::get_all_config_info,
        "The configuration of every process read from the configuration file, one struct per process, sorted by name.\n\n@return array result an array of process config structs"
    ),
    entry!(
        "supervisor.getAllProcessInfo",
        get_all_process_info,
        "Information about every process, sorted by group and name.\n\n@return array result an array of process info structs"
    ),
    entry!(
        "supervisor.getIdentification",
        get_identification,
        "The identifier of this supervisord (identifier= in [supervisord]).\n\n@return string identifier the identifier"
    ),
    entry!(
        "supervisor.getPID",
        get_pid,
        "The process id of supervisord.\n\n@return int PID the pid"
    ),
    entry!(
        "supervisor.getProcessInfo",
        get_process_info,
        "Information about one process.\n\n@param string name the process name (or 'group:name')\n@return struct result the process info"
    ),
    entry!(
        "supervisor.getState",
        get_state,
        "The state of supervisord.\n\n@return struct result statecode (int) and statename (string)"
    ),
    entry!(
        "supervisor.getSupervisorVersion",
        get_supervisor_version,
        "The version of Supervisor this daemon is compatible with.\n\n@return string version the version"
    ),
    entry!(
        "supervisor.getVersion",
        get_api_version,
        "The version of the XML-RPC API (old name of getAPIVersion).\n\n@return string version the API version"
    ),
    entry!(
        "supervisor.readLog",
        logs::read_main_log,
        "Read part of the main log: length bytes from offset (a negative offset with length 0 reads the last bytes).\n\n@param int offset where to start reading\n@param int length how many bytes to read (0: to the end)\n@return string result the bytes read"
    ),
    entry!(
        "supervisor.readMainLog",
        logs::read_main_log,
        "Read part of the main log (old name of readLog).\n\n@param int offset where to start reading\n@param int length how many bytes to read (0: to the end)\n@return string result the bytes read"
    ),
    entry!(
        "supervisor.readProcessLog",
        logs::read_stdout_log,
        "Read part of a process's stdout log (old name of readProcessStdoutLog).\n\n@param string name the process name (or 'group:name')\n@param int offset where to start reading\n@param int length how many bytes to read (0: to the end)\n@return string result the bytes read"
    ),
    entry!(
        "supervisor.readProcessStderrLog",
        logs::read_stderr_log,
        "Read part of a process's stderr log: length bytes from offset.\n\n@param string name the process name (or 'group:name')\n@param int offset where to start reading\n@param int length how many bytes to read (0: to the end)\n@return string result the bytes read"
    ),
    entry!(
        "supervisor.readProcessStdoutLog",
        logs::read_stdout_log,
        "Read part of a process's stdout log: length bytes from offset.\n\n@param string name the process name (or 'group:name')\n@param int offset where to start reading\n@param int length how many bytes to read (0: to the end)\n@return string result the bytes read"
    ),
    entry!(
        "supervisor.reloadConfig",
        config::reload_config,
        "Read the configuration file again and compare its groups with the active ones. Nothing is started or stopped.\n\n@return array result [[added, changed, removed]] group names"
    ),
    entry!(
        "supervisor.removeProcessGroup",
        config::remove_process_group,
        "Drop a group whose processes are all stopped.\n\n@param string name the group name\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.restart",
        restart,
        "Stop every process, reload the configuration and start again.\n\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.sendProcessStdin",
        logs::send_process_stdin,
        "Write characters to the stdin of a running process (text is sent as UTF-8).\n\n@param string name the process name (or 'group:name')\n@param string chars the characters to send\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.sendRemoteCommEvent",
        logs::send_remote_comm_event,
        "Emit a REMOTE_COMMUNICATION event for event listeners.\n\n@param string type the event's type header\n@param string data the event's body\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.shutdown",
        shutdown,
        "Stop every process and exit.\n\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.signalAllProcesses",
        signal_all_processes,
        "Send a signal to every process that can receive one.\n\n@param string signal a signal name or number\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.signalProcess",
        signal_process,
        "Send a signal to a process.\n\n@param string name the process name (or 'group:name', or 'group:*')\n@param string signal a signal name or number\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.signalProcessGroup",
        signal_process_group,
        "Send a signal to every process of a group.\n\n@param string name the group name\n@param string signal a signal name or number\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.startAllProcesses",
        start_all_processes,
        "Start every process that is not running.\n\n@param boolean wait wait for each to be fully started\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.startProcess",
        start_process,
        "Start a process.\n\n@param string name the process name (or 'group:name', or 'group:*')\n@param boolean wait wait for it to be fully started\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.startProcessGroup",
        start_process_group,
        "Start every process of a group that is not running.\n\n@param string name the group name\n@param boolean wait wait for each to be fully started\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.stopAllProcesses",
        stop_all_processes,
        "Stop every running process.\n\n@param boolean wait wait for each to be fully stopped\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.stopProcess",
        stop_process,
        "Stop a process.\n\n@param string name the process name (or 'group:name', or 'group:*')\n@param boolean wait wait for it to be fully stopped\n@return boolean result true unless an error"
    ),
    entry!(
        "supervisor.stopProcessGroup",
        stop_process_group,
        "Stop every running process of a group.\n\n@param string name the group name\n@param boolean wait wait for each to be fully stopped\n@return array result an array of process status info structs"
    ),
    entry!(
        "supervisor.tailProcessLog",
        logs::tail_stdout_log,
        "Tail a process's stdout log (old name of tailProcessStdoutLog).\n\n@param string name the process name (or 'group:name')\n@param int offset where the last tail ended\n@param int length the most bytes to return\n@return array result [string bytes, int offset, bool overflow]"
    ),
    entry!(
        "supervisor.tailProcessStderrLog",
        logs::tail_stderr_log,
        "Tail a process's stderr log: up to length bytes from offset; when more than that was written, the last length bytes and overflow set. The offset returned is the log's size, to pass next time.\n\n@param string name the process name (or 'group:name')\n@param int offset where the last tail ended\n@param int length the most bytes to return\n@return array result [string bytes, int offset, bool overflow]"
    ),
    entry!(
        "supervisor.tailProcessStdoutLog",
        logs::tail_stdout_log,
        "Tail a process's stdout log: up to length bytes from offset; when more than that was written, the last length bytes and overflow set. The offset returned is the log's size, to pass next time.\n\n@param string name the process name (or 'group:name')\n@param int offset where the last tail ended\n@param int length the most bytes to return\n@return array result [string bytes, int offset, bool overflow]"
    ),
    entry!(
        "system.listMethods",
        list_methods,
        "The names of every method.\n\n@return array result the method names (strings)"
    ),
    entry!(
        "system.methodHelp",
        method_help,
        "The documentation of a method.\n\n@param string name the method name\n@return string result its documentation"
    ),
    entry!(
        "system.methodSignature",
        method_signature,
        "The signature of a method: [return type, parameter types...].\n\n@param string name the method name\n@return array result the types"
    ),
    entry!(
        "system.multicall",
        multicall,
        "Run several calls in one request. Each call is a struct {'methodName': string, 'params': array}; each result is the call's value or a {'faultCode': int, 'faultString': string} struct.\n\n@param array calls the calls\n@return array result the results"
    ),
];

/// The names of every published method, sorted.
pub fn method_names() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|e| e.name)
}

pub(crate) fn done(value: Value) -> Outcome {
    Outcome::Done(Ok(value))
}

fn fail(code: FaultCode, detail: Option<&str>) -> Outcome {
    Outcome::Done(Err(Fault::new(code, detail)))
}

macro_rules! tryf {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return Outcome::Done(Err(f)),
        }
    };
}

/// Runs `name` with `params`.
pub(crate) fn call(host: &mut dyn Host, name: &str, params: &[Value]) -> Outcome {
    let mut parts = name.split('.');
    let well_formed = matches!((parts.next(), parts.next(), parts.next()), (Some(_), Some(m), None) if !m.starts_with('_'));
    match METHODS.iter().find(|e| e.name == name) {
        Some(entry) if well_formed => {
            // sendRemoteCommEvent is the one method Supervisor runs in any state.
            if name.starts_with("supervisor.")
                && name != "supervisor.sendRemoteCommEvent"
                && host.table().supervisor_state().code() < SupervisorState::Running.code()
            {
                return fail(FaultCode::ShutdownState, None);
            }
            (entry.call)(host, params)
        }
        _ => fail(FaultCode::UnknownMethod, None),
    }
}

/// The fault for a refused command, naming the process as the client named it.
pub(crate) fn fault_for(e: &CommandError, name: &str) -> Fault {
    match e {
        CommandError::Failed(msg) => Fault::new(FaultCode::Failed, Some(msg)),
        CommandError::ShutdownState => Fault::new(FaultCode::ShutdownState, None),
        other if !name.is_empty() => Fault::new(other.fault_code(), Some(name)),
        other => Fault::new(other.fault_code(), other.detail()),
    }
}

fn get_api_version(_: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    done(Value::from(API_VERSION))
}

fn get_supervisor_version(_: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    done(Value::from(SUPERVISOR_VERSION))
}

fn get_identification(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    done(Value::from(host.identification()))
}

fn get_state(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let state = host.table().supervisor_state();
    done(Value::structure([
        ("statecode", Value::Int(state.code())),
        ("statename", Value::from(state.name())),
    ]))
}

fn get_pid(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    done(Value::Int(host.pid() as i32))
}

fn shutdown(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let now = host.now();
    host.table_mut().shutdown(now);
    done(Value::Bool(true))
}

fn restart(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let now = host.now();
    match host.table_mut().restart(now) {
        Ok(()) => done(Value::Bool(true)),
        Err(e) => Outcome::Done(Err(fault_for(&e, ""))),
    }
}

/// Looks a namespec up as Supervisor's `_getGroupAndProcess`.
pub(crate) fn lookup(host: &dyn Host, name: &str) -> Result<Target, Fault> {
    let bad = || Fault::new(FaultCode::BadName, Some(name));
    let spec = Namespec::parse(name);
    let members = host.table().group_processes(spec.group).ok_or_else(bad)?;
    match spec.process {
        None => Ok(Target::Group(spec.group.into())),
        Some(process) => members
            .iter()
            .copied()
            .find(|&id| {
                host.table()
                    .process(id)
                    .is_some_and(|p| p.name() == process)
            })
            .map(Target::Process)
            .ok_or_else(bad),
    }
}

fn process_info(host: &dyn Host, id: ProcessId) -> Value {
    let now = host.now();
    let Some(p) = host.table().process(id) else {
        return Value::Nil;
    };
    let info = p.info(now.wall, host.utc_offset());
    let show = |c| {
        host.logfile(id, c)
            // The same text as `display()`, without the formatting machinery.
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let (stdout, stderr) = (show(Channel::Stdout), show(Channel::Stderr));
    // Keys are distinct: build the struct directly (Value::structure checks for
    // repeats, which costs a search per member on the hot getAllProcessInfo path).
    let members: [(&str, Value); 14] = [
        ("name", Value::from(info.name)),
        ("group", Value::from(info.group)),
        ("start", Value::capped_int(info.start)),
        ("stop", Value::capped_int(info.stop)),
        ("now", Value::capped_int(info.now)),
        ("state", Value::Int(info.state.code())),
        ("statename", Value::from(info.state.name())),
        ("spawnerr", Value::from(info.spawnerr)),
        ("exitstatus", Value::Int(info.exitstatus)),
        ("logfile", Value::from(stdout.clone())),
        ("stdout_logfile", Value::from(stdout)),
        ("stderr_logfile", Value::from(stderr)),
        ("pid", Value::capped_int(i64::from(info.pid))),
        ("description", Value::from(info.description)),
    ];
    Value::Struct(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn get_process_info(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let name = tryf!(string(&params[0]));
    match tryf!(lookup(host, name)) {
        Target::Process(id) => done(process_info(host, id)),
        Target::Group(_) => fail(FaultCode::BadName, Some(name)),
    }
}

fn get_all_process_info(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    let ids = host.table().processes_lexical();
    done(Value::Array(
        ids.into_iter().map(|id| process_info(host, id)).collect(),
    ))
}

/// `startProcess` for one process, as Supervisor checks and starts it.
fn start_one(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    wait: bool,
) -> Result<Option<Wait>, Fault> {
    host.check_command(id)?;
    let state = host
        .table()
        .process(id)
        .map(|p| p.state())
        .ok_or_else(|| Fault::new(FaultCode::BadName, Some(name)))?;
    if state.is_running() {
        return Err(Fault::new(FaultCode::AlreadyStarted, Some(name)));
    }
    if state == supervisor_types::ProcessState::Unknown {
        return Err(Fault::new(
            FaultCode::Failed,
            Some(&format!("{name} is in an unknown state")),
        ));
    }
    let now = host.now();
    host.table_mut()
        .start(id, now)
        .map_err(|e| fault_for(&e, name))?;
    host.settle();
    let p = host
        .table()
        .process(id)
        .ok_or_else(|| Fault::new(FaultCode::BadName, Some(name)))?;
    if p.spawnerr().is_some() {
        return Err(Fault::new(FaultCode::SpawnError, Some(name)));
    }
    if wait && p.state() != supervisor_types::ProcessState::Running {
        return Ok(Some(Wait::Start {
            id,
            name: name.to_owned(),
        }));
    }
    Ok(None)
}

/// `stopProcess` for one process.
fn stop_one(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    wait: bool,
) -> Result<Option<Wait>, Fault> {
    let state = host
        .table()
        .process(id)
        .map(|p| p.state())
        .ok_or_else(|| Fault::new(FaultCode::BadName, Some(name)))?;
    if !state.is_running() {
        return Err(Fault::new(FaultCode::NotRunning, Some(name)));
    }
    let now = host.now();
    host.table_mut()
        .stop(id, now)
        .map_err(|e| fault_for(&e, name))?;
    host.settle();
    let stopped = host
        .table()
        .process(id)
        .is_none_or(|p| p.state().is_stopped());
    Ok((wait && !stopped).then_some(Wait::Stop { id }))
}

/// `signalProcess` for one process.
fn signal_one(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    signal: &str,
) -> Result<Option<Wait>, Fault> {
    let sig = signal_number(signal).map_err(|_| Fault::new(FaultCode::BadSignal, Some(signal)))?;
    let state = host
        .table()
        .process(id)
        .map(|p| p.state())
        .ok_or_else(|| Fault::new(FaultCode::BadName, Some(name)))?;
    if !state.is_signallable() {
        return Err(Fault::new(FaultCode::NotRunning, Some(name)));
    }
    let now = host.now();
    host.table_mut()
        .signal(id, sig, now)
        .map_err(|e| fault_for(&e, name))?;
    host.settle();
    Ok(None)
}

type One = fn(&mut dyn Host, ProcessId, &str, &BatchArg) -> Result<Option<Wait>, Fault>;

enum BatchArg {
    Wait(bool),
    Signal(String),
}

fn outcome(result: Result<Option<Wait>, Fault>) -> Outcome {
    match result {
        Ok(None) => done(Value::Bool(true)),
        Ok(Some(wait)) => Outcome::Pending(Pending(wait)),
        Err(f) => Outcome::Done(Err(f)),
    }
}

/// Supervisor's `make_allfunc`: run `one` for every process matching `wanted`, in
/// order; immediate results first, waited ones as they complete.
fn batch(
    host: &mut dyn Host,
    ids: Vec<ProcessId>,
    wanted: fn(supervisor_types::ProcessState) -> bool,
    one: One,
    arg: BatchArg,
) -> Outcome {
    let mut results = Vec::new();
    let mut waiting = Vec::new();
    for id in ids {
        let Some(p) = host.table().process(id) else {
            continue;
        };
        if !wanted(p.state()) {
            continue;
        }
        let (name, group, spec) = (p.name().to_owned(), p.group().to_owned(), p.namespec());
        match one(host, id, &spec, &arg) {
            Ok(None) => results.push(batch_entry(&name, &group, FaultCode::Success.code(), "OK")),
            Ok(Some(wait)) => waiting.push((id, name, group, wait)),
            Err(f) => results.push(batch_entry(&name, &group, f.code, &f.string)),
        }
    }
    let mut wait = Wait::Batch { waiting, results };
    match wait.poll(host) {
        Some(result) => Outcome::Done(result),
        None => Outcome::Pending(Pending(wait)),
    }
}

fn start_batch(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    arg: &BatchArg,
) -> Result<Option<Wait>, Fault> {
    start_one(host, id, name, matches!(arg, BatchArg::Wait(true)))
}

fn stop_batch(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    arg: &BatchArg,
) -> Result<Option<Wait>, Fault> {
    stop_one(host, id, name, matches!(arg, BatchArg::Wait(true)))
}

fn signal_batch(
    host: &mut dyn Host,
    id: ProcessId,
    name: &str,
    arg: &BatchArg,
) -> Result<Option<Wait>, Fault> {
    match arg {
        BatchArg::Signal(s) => signal_one(host, id, name, s),
        BatchArg::Wait(_) => Err(incorrect()),
    }
}

fn group_ids(host: &dyn Host, group: &str) -> Result<Vec<ProcessId>, Fault> {
    host.table()
        .group_processes(group)
        .map(<[ProcessId]>::to_vec)
        .ok_or_else(|| Fault::new(FaultCode::BadName, Some(group)))
}

fn is_not_running(s: supervisor_types::ProcessState) -> bool {
    !s.is_running()
}

fn is_running(s: supervisor_types::ProcessState) -> bool {
    s.is_running()
}

fn is_signallable(s: supervisor_types::ProcessState) -> bool {
    s.is_signallable()
}

fn start_process(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 2));
    let name = tryf!(string(&params[0]));
    let wait = flag(params.get(1));
    match tryf!(lookup(host, name)) {
        Target::Process(id) => outcome(start_one(host, id, name, wait)),
        Target::Group(group) => {
            let ids = tryf!(group_ids(host, &group));
            batch(host, ids, is_not_running, start_batch, BatchArg::Wait(wait))
        }
    }
}

fn start_process_group(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 2));
    let name = tryf!(string(&params[0]));
    let ids = tryf!(group_ids(host, name));
    batch(
        host,
        ids,
        is_not_running,
        start_batch,
        BatchArg::Wait(flag(params.get(1))),
    )
}

fn start_all_processes(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 1));
    let ids = host.table().processes().collect();
    batch(
        host,
        ids,
        is_not_running,
        start_batch,
        BatchArg::Wait(flag(params.first())),
    )
}

fn stop_process(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 2));
    let name = tryf!(string(&params[0]));
    let wait = flag(params.get(1));
    match tryf!(lookup(host, name)) {
        Target::Process(id) => outcome(stop_one(host, id, name, wait)),
        Target::Group(group) => {
            let ids = tryf!(group_ids(host, &group));
            batch(host, ids, is_running, stop_batch, BatchArg::Wait(wait))
        }
    }
}

fn stop_process_group(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 2));
    let name = tryf!(string(&params[0]));
    let ids = tryf!(group_ids(host, name));
    batch(
        host,
        ids,
        is_running,
        stop_batch,
        BatchArg::Wait(flag(params.get(1))),
    )
}

fn stop_all_processes(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 1));
    let ids = host.table().processes().collect();
    batch(
        host,
        ids,
        is_running,
        stop_batch,
        BatchArg::Wait(flag(params.first())),
    )
}

fn signal_process(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 2, 2));
    let name = tryf!(string(&params[0]));
    let signal = tryf!(signal_text(&params[1]));
    match tryf!(lookup(host, name)) {
        Target::Process(id) => outcome(signal_one(host, id, name, &signal)),
        Target::Group(group) => {
            let ids = tryf!(group_ids(host, &group));
            batch(
                host,
                ids,
                is_signallable,
                signal_batch,
                BatchArg::Signal(signal),
            )
        }
    }
}

fn signal_process_group(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 2, 2));
    let name = tryf!(string(&params[0]));
    let signal = tryf!(signal_text(&params[1]));
    let ids = tryf!(group_ids(host, name));
    batch(
        host,
        ids,
        is_signallable,
        signal_batch,
        BatchArg::Signal(signal),
    )
}

fn signal_all_processes(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let signal = tryf!(signal_text(&params[0]));
    let ids = host.table().processes().collect();
    batch(
        host,
        ids,
        is_signallable,
        signal_batch,
        BatchArg::Signal(signal),
    )
}

fn list_methods(_: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 0, 0));
    done(Value::Array(method_names().map(Value::from).collect()))
}

fn find_entry(params: &[Value]) -> Result<&'static Entry, Fault> {
    arity(params, 1, 1)?;
    let name = string(&params[0])?;
    METHODS
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| Fault::new(FaultCode::SignatureUnsupported, None))
}

fn method_help(_: &mut dyn Host, params: &[Value]) -> Outcome {
    let entry = tryf!(find_entry(params));
    done(Value::from(entry.help))
}

fn method_signature(_: &mut dyn Host, params: &[Value]) -> Outcome {
    let entry = tryf!(find_entry(params));
    let mut ret = None;
    let mut types = Vec::new();
    for line in entry.help.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("@return"), Some(t)) => ret = Some(t),
            (Some("@param"), Some(t)) => types.push(Value::from(t)),
            _ => {}
        }
    }
    match ret {
        Some(r) => {
            types.insert(0, Value::from(r));
            done(Value::Array(types))
        }
        None => fail(FaultCode::SignatureUnsupported, None),
    }
}

fn multicall(host: &mut dyn Host, params: &[Value]) -> Outcome {
    tryf!(arity(params, 1, 1));
    let calls = tryf!(params[0].as_array().ok_or_else(incorrect)).to_vec();
    match multicall_run(host, calls, Vec::new()) {
        Ok(value) => done(value),
        Err(wait) => Outcome::Pending(Pending(wait)),
    }
}

/// A multicall result: the value, or the fault as a struct.
pub(crate) fn multicall_result(result: Result<Value, Fault>) -> Value {
    result.unwrap_or_else(|f| f.to_value())
}

/// Runs the remaining calls of a multicall until one has to wait (`Err` with the
/// pending state) or all are done (`Ok` with the results).
pub(crate) fn multicall_run(
    host: &mut dyn Host,
    remaining: Vec<Value>,
    mut results: Vec<Value>,
) -> Result<Value, Wait> {
    let mut calls = remaining.into_iter();
    while let Some(call) = calls.next() {
        let name = call.get("methodName").and_then(Value::as_str);
        let params = match call.get("params") {
            None => Vec::new(),
            Some(Value::Array(p)) => p.clone(),
            Some(_) => {
                results.push(incorrect().to_value());
                continue;
            }
        };
        let outcome = match name {
            None => Outcome::Done(Err(Fault::new(
                FaultCode::IncorrectParameters,
                Some("No methodName"),
            ))),
            Some("system.multicall") => Outcome::Done(Err(Fault::new(
                FaultCode::IncorrectParameters,
                Some("Recursive system.multicall forbidden"),
            ))),
            Some(name) => self::call(host, name, &params),
        };
        match outcome {
            Outcome::Done(result) => results.push(multicall_result(result)),
            Outcome::Pending(Pending(wait)) => {
                return Err(Wait::Multicall {
                    current: Box::new(wait),
                    remaining: calls.collect(),
                    results,
                });
            }
        }
    }
    Ok(Value::Array(results))
}
