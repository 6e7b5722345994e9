//! The status page's actions as api calls, and the banner messages Supervisor words for
//! their outcomes.

use supervisor_api::{Host, Outcome, Pending, dispatch};
use supervisor_types::{FaultCode, Namespec};
use supervisor_xmlrpc::{Fault, MethodCall, Value};

use crate::text::ctime;

/// An action that is not one of the page's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownAction(pub String);

/// What an action came to: its message now, or a wait for the api's reply.
#[derive(Debug)]
pub enum Started {
    /// The banner message.
    Message(String),
    /// The action waits for the processes; poll it after state events.
    Waiting(Waiting),
}

/// An action whose api call is pending.
#[derive(Debug)]
pub struct Waiting {
    pending: Pending,
    finish: Finish,
}

#[derive(Clone, Debug)]
enum Finish {
    Start(String),
    Stop(String),
    Restart(String),
    StopAll,
    RestartAll,
}

impl Waiting {
    /// The banner message, once the api's reply is known.
    pub fn poll(&mut self, host: &mut dyn Host) -> Option<String> {
        let result = self.pending.poll(host)?;
        Some(self.finish.message(host, result))
    }
}

fn now_text(host: &dyn Host) -> String {
    ctime(host.now().wall, host.utc_offset())
}

fn unexpected(fault: &Fault) -> String {
    format!("unexpected rpc fault [{}] {}", fault.code, fault.string)
}

impl Finish {
    fn message(&self, host: &dyn Host, result: Result<Value, Fault>) -> String {
        match (self, result) {
            (Finish::Start(name), Ok(_)) => format!("Process {name} started"),
            (Finish::Start(name), Err(f)) => {
                let why = match FaultCode::from_code(f.code) {
                    Some(FaultCode::SpawnError) => "spawn error".to_owned(),
                    Some(FaultCode::AbnormalTermination) => "abnormal termination".to_owned(),
                    _ => unexpected(&f),
                };
                format!("ERROR: Process {name}: {why}")
            }
            (Finish::Stop(name), Ok(_)) => format!("Process {name} stopped"),
            (Finish::Stop(_), Err(f)) => unexpected(&f),
            // Supervisor reports a restart as done whatever its two calls answered.
            (Finish::Restart(name), _) => format!("Process {name} restarted"),
            (Finish::StopAll, _) => format!("All stopped at {}", now_text(host)),
            (Finish::RestartAll, _) => format!("All restarted at {}", now_text(host)),
        }
    }
}

fn call(host: &mut dyn Host, method: &str, params: Vec<Value>) -> Outcome {
    dispatch(host, &MethodCall::new(method, params))
}

fn multicall(host: &mut dyn Host, calls: &[(&str, Option<&str>)]) -> Outcome {
    let calls = calls
        .iter()
        .map(|(method, name)| {
            let mut members = vec![("methodName", Value::from(*method))];
            if let Some(name) = name {
                members.push(("params", Value::Array(vec![Value::from(*name)])));
            }
            Value::structure(members)
        })
        .collect();
    call(host, "system.multicall", vec![Value::Array(calls)])
}

fn settle(host: &mut dyn Host, outcome: Outcome, finish: Finish) -> Started {
    match outcome {
        Outcome::Done(result) => Started::Message(finish.message(host, result)),
        Outcome::Pending(pending) => Started::Waiting(Waiting { pending, finish }),
    }
}

/// Whether `namespec` names one process, as Supervisor checks before acting.
fn exists(host: &dyn Host, namespec: &str) -> bool {
    let spec = Namespec::parse(namespec);
    spec.process
        .and_then(|p| host.table().process_id(spec.group, p))
        .is_some()
}

/// Runs `action` (on `processname` where it takes one) the way Supervisor's status view
/// does: `refresh`, `stopall` and `restartall` for the page, `start`, `stop`, `restart`
/// and `clearlog` for a process. Anything else, or a process action without a name, is
/// an [`UnknownAction`].
pub fn run(
    host: &mut dyn Host,
    action: &str,
    processname: Option<&str>,
) -> Result<Started, UnknownAction> {
    match action {
        "refresh" => {
            return Ok(Started::Message(format!(
                "Page refreshed at {}",
                now_text(host)
            )));
        }
        "stopall" => {
            let outcome = call(host, "supervisor.stopAllProcesses", Vec::new());
            return Ok(settle(host, outcome, Finish::StopAll));
        }
        "restartall" => {
            let outcome = multicall(
                host,
                &[
                    ("supervisor.stopAllProcesses", None),
                    ("supervisor.startAllProcesses", None),
                ],
            );
            return Ok(settle(host, outcome, Finish::RestartAll));
        }
        _ => {}
    }
    let (Some(name), "start" | "stop" | "restart" | "clearlog") = (processname, action) else {
        return Err(UnknownAction(action.to_owned()));
    };
    if !exists(host, name) {
        return Ok(Started::Message(format!("No such process named {name}")));
    }
    let owned = name.to_owned();
    Ok(match action {
        "start" => match call(host, "supervisor.startProcess", vec![Value::from(name)]) {
            Outcome::Done(Err(f)) => {
                let why = match FaultCode::from_code(f.code) {
                    Some(FaultCode::NoFile) => "no such file".to_owned(),
                    Some(FaultCode::NotExecutable) => "file not executable".to_owned(),
                    Some(FaultCode::AlreadyStarted) => "already started".to_owned(),
                    Some(FaultCode::SpawnError) => "spawn error".to_owned(),
                    Some(FaultCode::AbnormalTermination) => "abnormal termination".to_owned(),
                    _ => unexpected(&f),
                };
                Started::Message(format!("ERROR: Process {name}: {why}"))
            }
            outcome => settle(host, outcome, Finish::Start(owned)),
        },
        "stop" => {
            let outcome = call(host, "supervisor.stopProcess", vec![Value::from(name)]);
            settle(host, outcome, Finish::Stop(owned))
        }
        "restart" => {
            let outcome = multicall(
                host,
                &[
                    ("supervisor.stopProcess", Some(name)),
                    ("supervisor.startProcess", Some(name)),
                ],
            );
            settle(host, outcome, Finish::Restart(owned))
        }
        _ => match call(host, "supervisor.clearProcessLogs", vec![Value::from(name)]) {
            Outcome::Done(Err(f)) => Started::Message(unexpected(&f)),
            _ => Started::Message(format!("Log for {name} cleared")),
        },
    })
}
