//! The shared vocabulary of the supervisor workspace.
//!
//! This crate names things; it does nothing. It holds the values that every other crate
//! exchanges and that users see on the wire: process states with Supervisor's numeric
//! codes, supervisor states, eventlistener states, XML-RPC fault codes, namespecs,
//! signal names, log levels, and the calendar fields of the dates Supervisor prints. Like Supervisor's `states.py`, it depends on nothing else.
//!
//! ```
//! use supervisor_types::{ProcessState, Namespec, signal_number, signal_name};
//!
//! assert_eq!(ProcessState::Running.code(), 20);
//! assert_eq!(ProcessState::from_code(200), Some(ProcessState::Fatal));
//! assert_eq!(ProcessState::Backoff.name(), "BACKOFF");
//!
//! let spec = Namespec::parse("web:*");
//! assert_eq!(spec.group, "web");
//! assert_eq!(spec.process, None);
//!
//! assert_eq!(signal_number("term"), Ok(15));
//! assert_eq!(signal_name(9), "SIGKILL");
//! ```
#![deny(missing_docs)]

mod civil;
mod fault;
mod loglevel;
mod namespec;
mod pyrepr;
mod signal;
mod state;

pub use civil::CivilTime;
pub use fault::FaultCode;
pub use loglevel::{LogLevel, LogLevelError};
pub use namespec::{Namespec, make_namespec};
pub use pyrepr::{py_isspace, py_repr};
pub use signal::{SignalError, signal_name, signal_number};
pub use state::{AutoRestart, EventListenerState, ProcessState, SupervisorState};
