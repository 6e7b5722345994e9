//! Supervisor's XML-RPC method table, dispatched onto the process state machine.
//!
//! [`dispatch`] takes a decoded [`MethodCall`] and a [`Host`] and answers it the way
//! Python Supervisor 4.3's `rpcinterface.py` and `xmlrpc.py` do: the same method names
//! (with the old aliases), the same value shapes, the same fault codes and strings.
//! Calls that wait (`startProcess(name, wait=True)`, group and "all" variants, and
//! `system.multicall` holding one of them) answer with a [`Pending`] reply that the host
//! polls again whenever the state machine has emitted events; nothing here polls on a
//! timer.
//!
//! This crate is not a server: it never touches a socket, a clock or a file. The host
//! (the daemon) supplies time, carries out the state machine's actions, and answers the
//! questions that need the system (can this command run? where are the logs?).
//!
//! ```
//! use std::time::{Instant, SystemTime};
//! use supervisor_api::{Host, Outcome, dispatch};
//! use supervisor_process::{GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp};
//! use supervisor_xmlrpc::{Fault, MethodCall, Value};
//!
//! struct Demo { table: ProcessTable, now: Timestamp }
//! impl Host for Demo {
//!     fn table(&self) -> &ProcessTable { &self.table }
//!     fn table_mut(&mut self) -> &mut ProcessTable { &mut self.table }
//!     fn now(&self) -> Timestamp { self.now }
//!     fn utc_offset(&self) -> i32 { 0 }
//!     fn identification(&self) -> &str { "supervisor" }
//!     fn pid(&self) -> u32 { 1 }
//!     fn check_command(&self, _: ProcessId) -> Result<(), Fault> { Ok(()) }
//!     fn settle(&mut self) {}
//!     fn logfiles(&self, _: ProcessId) -> (String, String) { (String::new(), String::new()) }
//! }
//!
//! let now = Timestamp::new(Instant::now(), SystemTime::now());
//! let mut table = ProcessTable::new();
//! table.add_group(GroupSpec::single(ProcessSpec::new("web")), now).unwrap();
//! let mut host = Demo { table, now };
//!
//! let call = MethodCall::new("supervisor.getProcessInfo", vec![Value::from("nope")]);
//! let Outcome::Done(Err(fault)) = dispatch(&mut host, &call) else { unreachable!() };
//! assert_eq!(fault.string, "BAD_NAME: nope");
//! ```
#![deny(missing_docs)]

mod methods;
mod params;
mod pending;

use supervisor_process::{ProcessId, ProcessTable, Timestamp};
use supervisor_xmlrpc::{Fault, MethodCall, Value};

pub use methods::{API_VERSION, SUPERVISOR_VERSION, method_names};
pub use pending::Pending;

/// What the api needs from the program that runs it.
pub trait Host {
    /// The process table.
    fn table(&self) -> &ProcessTable;
    /// The process table, to command it.
    fn table_mut(&mut self) -> &mut ProcessTable;
    /// The current time (monotonic and wall clock).
    fn now(&self) -> Timestamp;
    /// The local time zone's offset from UTC in seconds, for dates in descriptions.
    fn utc_offset(&self) -> i32;
    /// `getIdentification`: the `identifier` of `[supervisord]`.
    fn identification(&self) -> &str;
    /// `getPID`: supervisord's pid.
    fn pid(&self) -> u32;
    /// Whether the process's command could be run now; the fault is `NO_FILE` or
    /// `NOT_EXECUTABLE` with Supervisor's text (`startProcess` checks before spawning).
    fn check_command(&self, id: ProcessId) -> Result<(), Fault>;
    /// Carries out everything the table has queued (spawns, signals) and feeds back the
    /// outcomes, so that a reply sees their effects (a spawn error).
    fn settle(&mut self);
    /// The process's `stdout_logfile` and `stderr_logfile` as `getProcessInfo` shows
    /// them (empty when there is none).
    fn logfiles(&self, id: ProcessId) -> (String, String);
}

/// The answer to a call.
#[derive(Debug)]
pub enum Outcome {
    /// Answered now.
    Done(Result<Value, Fault>),
    /// Answer later: call [`Pending::poll`] after the state machine has emitted events.
    Pending(Pending),
}

/// Runs one XML-RPC call. Names must be `namespace.method`; anything else, and any
/// unknown method, is `UNKNOWN_METHOD`, as after CVE-2017-11610.
pub fn dispatch(host: &mut dyn Host, call: &MethodCall) -> Outcome {
    methods::call(host, &call.name, &call.params)
}
