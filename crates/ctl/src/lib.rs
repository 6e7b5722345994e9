//! supervisorctl as a library: the command interpreter of Python Supervisor's
//! `supervisorctl`, with its exact output text and exit codes.
//!
//! What it is: command-line parsing ([`options`]), the interpreter ([`Controller`]) that
//! turns one command line into the text Python's supervisorctl prints, the formatting of
//! that text ([`format`](mod@format)), the typed view of the `supervisor.*` XML-RPC methods it calls
//! ([`Supervisor`]) and the real client over Unix sockets and TCP ([`client`]).
//!
//! What it is not: a terminal. Line editing, history and completion belong to the binary
//! (`bins/supervisorctl`), which feeds lines to [`Controller::onecmd`]; this crate only
//! computes completions ([`complete`]).
//!
//! ```
//! use supervisor_ctl::{CtlOptions, options::parse_command_line};
//!
//! let args: Vec<String> = ["-s", "unix:///tmp/supervisor.sock", "status", "web:*"]
//!     .iter().map(|s| s.to_string()).collect();
//! let cl = parse_command_line("supervisorctl", &args).unwrap();
//! let opts = CtlOptions::resolve(cl, None);
//! assert_eq!(opts.serverurl, "unix:///tmp/supervisor.sock");
//! assert_eq!(opts.args, ["status", "web:*"]);
//! assert!(!opts.interactive);
//!
//! let usage = parse_command_line("supervisorctl", &["-v".to_string()]).unwrap_err();
//! assert_eq!(usage.exit_code(), 2);
//! ```
#![deny(missing_docs)]

pub mod cli;
pub mod client;
pub mod complete;
mod controller;
pub mod format;
pub mod options;
mod py;
pub mod rpc;

pub use controller::{API_VERSION, Console, Controller, Flow, Interrupt, Io, exit};
pub use options::{CommandLine, CtlOptions, EarlyExit};
pub use rpc::{
    ConfigChanges, ConfigInfo, Connector, ProcessInfo, ProcessResult, RpcError, RpcErrorKind,
    StreamError, Supervisor, Target,
};
