//! End-to-end tests of the shipped binaries: our daemon with our supervisorctl and with
//! Python's, side by side with Python's daemon (the oracle).

mod api;
mod cli;
mod events;
mod fcgi;
mod lifecycle;
mod output;
mod pidproxy;
mod regression;
mod robustness;
mod rpc_oracle;
mod shell;
mod skeleton;
mod support_extra;
mod util;
mod web;
