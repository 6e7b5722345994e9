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
//! This crate is not a server: it never touches a socket or a clock, and the only files
//! it touches are logs it reads through `supervisor-log` at paths the host names. The
//! host (the daemon) supplies time, carries out the state machine's actions, and does
//! what needs the system: checking commands, clearing logs, writing to a child's stdin,
//! re-reading the configuration file, adding and removing groups.
//!
//! ```
//! use std::io;
//! use std::path::PathBuf;
//! use std::time::{Instant, SystemTime};
//! use supervisor_api::{Channel, GroupDiff, Host, Outcome, dispatch};
//! use supervisor_config::GroupConfig;
//! use supervisor_log::LogFileError;
//! use supervisor_process::{CommandError, GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp};
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
//!     fn logfile(&self, _: ProcessId, _: Channel) -> Option<PathBuf> { None }
//!     fn main_logfile(&self) -> Option<PathBuf> { None }
//!     fn clear_main_log(&mut self) -> Result<(), LogFileError> { Ok(()) }
//!     fn clear_process_logs(&mut self, _: ProcessId) -> io::Result<()> { Ok(()) }
//!     fn send_stdin(&mut self, _: ProcessId, _: &[u8]) -> io::Result<()> { Ok(()) }
//!     fn send_remote_comm_event(&mut self, _: &str, _: &str) {}
//!     fn group_configs(&self) -> &[GroupConfig] { &[] }
//!     fn reload_config(&mut self) -> Result<GroupDiff, String> { Ok(GroupDiff::default()) }
//!     fn add_group(&mut self, name: &str) -> Result<(), CommandError> {
//!         Err(CommandError::BadName(name.into()))
//!     }
//!     fn remove_group(&mut self, name: &str) -> Result<(), CommandError> {
//!         Err(CommandError::BadName(name.into()))
//!     }
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

mod config;
mod logs;
mod methods;
mod params;
mod pending;
#[cfg(test)]
mod tests;

use std::io;
use std::path::PathBuf;

use supervisor_config::GroupConfig;
use supervisor_log::LogFileError;
use supervisor_process::{CommandError, ProcessId, ProcessTable, Timestamp};
use supervisor_xmlrpc::{Fault, MethodCall, Value};

pub use methods::{API_VERSION, SUPERVISOR_VERSION, method_names};
pub use pending::Pending;

/// A child's output channel, for its log files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Standard output (`stdout_logfile`).
    Stdout,
    /// Standard error (`stderr_logfile`).
    Stderr,
}

/// What `reloadConfig` found: the group names of Supervisor's `diff_to_active`.
pub type GroupDiff = supervisor_config::GroupDiff;

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
    /// The log file of one channel of a process (`AUTO` already named), or `None` when
    /// the channel keeps no file.
    fn logfile(&self, id: ProcessId, channel: Channel) -> Option<PathBuf>;
    /// The main log file as configured (`logfile=` of `[supervisord]`; `syslog` is
    /// the relative path `syslog`, as Supervisor treats it), or `None` when there is none.
    fn main_logfile(&self) -> Option<PathBuf>;
    /// `clearLog`: removes the main log and reopens its handlers
    /// ([`supervisor_log::Logger::clear_log`]).
    fn clear_main_log(&mut self) -> Result<(), LogFileError>;
    /// `clearProcessLogs`: removes and reopens the open log files of a process (none
    /// before its first spawn, as in Supervisor).
    fn clear_process_logs(&mut self, id: ProcessId) -> io::Result<()>;
    /// `sendProcessStdin`: queues `data` for the running child's stdin. An error (no
    /// pipe, the child closed it) becomes `NO_FILE`.
    fn send_stdin(&mut self, id: ProcessId, data: &[u8]) -> io::Result<()>;
    /// `sendRemoteCommEvent`: publishes a `REMOTE_COMMUNICATION` event (payload
    /// `type:KIND\nDATA`) to the eventlistener pools subscribed to it.
    fn send_remote_comm_event(&mut self, kind: &str, data: &str);
    /// The group configurations read last (at startup or by `reloadConfig`), in file
    /// order; `getAllConfigInfo` shows them and `addProcessGroup` adds from them.
    fn group_configs(&self) -> &[GroupConfig];
    /// `reloadConfig`: reads the configuration file again, keeps its groups as the new
    /// [`group_configs`](Self::group_configs), and diffs them against the active groups.
    /// The error is the configuration error's text.
    fn reload_config(&mut self) -> Result<GroupDiff, String>;
    /// `addProcessGroup`: makes the group of [`group_configs`](Self::group_configs) named
    /// `name` active (its processes join the table; `autostart` ones start).
    /// `BadName` if no such group was read, `AlreadyAdded` if it is active.
    fn add_group(&mut self, name: &str) -> Result<(), CommandError>;
    /// `removeProcessGroup`: drops an active group whose processes are all stopped.
    /// `BadName` if it is not active, `StillRunning` if a process is not stopped.
    fn remove_group(&mut self, name: &str) -> Result<(), CommandError>;
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
