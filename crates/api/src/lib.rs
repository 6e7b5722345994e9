//! Supervisor's XML-RPC method table, dispatched onto the process state machine
#![deny(missing_docs)]
