//! Replies that wait for the state machine: Supervisor's deferred callbacks, resolved
//! from events instead of being re-polled on a timer.

use supervisor_process::{ProcessId, Progress};
use supervisor_types::FaultCode;
use supervisor_xmlrpc::{Fault, Value};

use crate::Host;
use crate::methods;

/// A reply that is not known yet. Call [`Pending::poll`] after every batch of state
/// machine events; it answers `Some` once the reply is known.
#[derive(Debug)]
pub struct Pending(pub(crate) Wait);

#[derive(Debug)]
pub(crate) enum Wait {
    /// `startProcess(name, wait=True)`: until RUNNING, or a fault.
    Start { id: ProcessId, name: String },
    /// `stopProcess(name, wait=True)`: until a stopped state.
    Stop { id: ProcessId },
    /// A group or "all" command: per-process waits, results in completion order.
    Batch {
        waiting: Vec<(ProcessId, String, String, Wait)>,
        results: Vec<Value>,
    },
    /// `system.multicall` stopped at a waiting call; the rest run after it.
    Multicall {
        current: Box<Wait>,
        remaining: Vec<Value>,
        results: Vec<Value>,
    },
}

impl Pending {
    /// The reply, once known.
    pub fn poll(&mut self, host: &mut dyn Host) -> Option<Result<Value, Fault>> {
        self.0.poll(host)
    }
}

/// A batch entry as Supervisor's `make_allfunc` reports it.
pub(crate) fn batch_entry(name: &str, group: &str, status: i32, description: &str) -> Value {
    Value::structure([
        ("name", Value::from(name)),
        ("group", Value::from(group)),
        ("status", Value::Int(status)),
        ("description", Value::from(description)),
    ])
}

impl Wait {
    pub(crate) fn poll(&mut self, host: &mut dyn Host) -> Option<Result<Value, Fault>> {
        match self {
            Wait::Start { id, name } => match host.table().start_progress(*id) {
                Ok(Progress::Done) => Some(Ok(Value::Bool(true))),
                Ok(Progress::Pending) => None,
                Err(e) => Some(Err(methods::fault_for(&e, name))),
            },
            Wait::Stop { id } => {
                let now = host.now();
                host.table_mut().stop_report(*id, now);
                match host.table().stop_progress(*id) {
                    Ok(Progress::Done) => Some(Ok(Value::Bool(true))),
                    Ok(Progress::Pending) => None,
                    Err(e) => Some(Err(methods::fault_for(&e, ""))),
                }
            }
            Wait::Batch { waiting, results } => {
                let mut i = 0;
                while i < waiting.len() {
                    match waiting[i].3.poll(host) {
                        None => i += 1,
                        Some(outcome) => {
                            let (_, name, group, _) = waiting.remove(i);
                            results.push(match outcome {
                                Ok(_) => {
                                    batch_entry(&name, &group, FaultCode::Success.code(), "OK")
                                }
                                Err(f) => batch_entry(&name, &group, f.code, &f.string),
                            });
                        }
                    }
                }
                waiting
                    .is_empty()
                    .then(|| Ok(Value::Array(std::mem::take(results))))
            }
            Wait::Multicall {
                current,
                remaining,
                results,
            } => {
                let value = current.poll(host)?;
                results.push(methods::multicall_result(value));
                match methods::multicall_run(
                    host,
                    std::mem::take(remaining),
                    std::mem::take(results),
                ) {
                    Ok(done) => Some(Ok(done)),
                    Err(next) => {
                        *self = next;
                        None
                    }
                }
            }
        }
    }
}
