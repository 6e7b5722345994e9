//! Embedding the state machine: a short guide.
//!
//! # 1. Describe the processes
//!
//! Build a [`ProcessSpec`](crate::ProcessSpec) per process (its lifecycle parameters
//! only) and a [`GroupSpec`](crate::GroupSpec) per group. Keep your own map from
//! [`ProcessId`](crate::ProcessId) (or from group and process name) to whatever you need
//! to spawn it: command line, environment, working directory.
//!
//! # 2. Own the I/O
//!
//! Your program does what the table cannot:
//!
//! - **Spawning.** On [`Action::Spawn`](crate::Action::Spawn), spawn the child (with
//!   `std::process::Command`, in its own process group) and report
//!   [`handle_spawned`](crate::ProcessTable::handle_spawned) with its pid, or
//!   [`handle_spawn_failed`](crate::ProcessTable::handle_spawn_failed) with the error
//!   text. Every spawn must be answered, or the process stays STARTING.
//! - **Signalling.** On [`Action::Kill`](crate::Action::Kill), `kill(pid, signal)` or
//!   `kill(-pid, signal)` when `process_group`.
//! - **Reaping.** Reap your children (by pid, with `Child::try_wait`, or
//!   `waitpid(-1)` if you own every child) and report
//!   [`handle_exit`](crate::ProcessTable::handle_exit). The table never reaps: it would
//!   steal children that are not its own.
//! - **Time.** Read the clocks once per loop turn into a
//!   [`Timestamp`](crate::Timestamp) and pass it in.
//!
//! # 3. Loop
//!
//! ```no_run
//! # use supervisor_process::*;
//! # fn clocks() -> Timestamp { unimplemented!() }
//! # fn wait_for_io_or(_deadline: Option<std::time::Instant>) {}
//! # fn reaped() -> Vec<(u32, ExitStatus)> { Vec::new() }
//! # let mut table = ProcessTable::new();
//! table.start_autostart(clocks());
//! loop {
//!     while let Some(action) = table.poll_action() {
//!         match action {
//!             Action::Spawn { id } => { /* spawn, then handle_spawned / handle_spawn_failed */ }
//!             Action::Kill { pid, signal, process_group, .. } => { /* kill(2) */ }
//!         }
//!     }
//!     while let Some(event) = table.poll_event() {
//!         match event {
//!             Event::Log(line) => println!("{} {}", line.level.name(), line.text),
//!             Event::AllStopped(_) => return,
//!             _ => {}
//!         }
//!     }
//!     wait_for_io_or(table.poll_timeout());
//!     let now = clocks();
//!     for (pid, status) in reaped() {
//!         table.handle_exit(pid, status, now);
//!     }
//!     table.handle_timeout(now);
//! }
//! ```
//!
//! The runnable version of this loop, supervising two real commands, is
//! `examples/two_commands.rs` (`cargo run -p supervisor-process --example two_commands`).
//!
//! # 4. Commands
//!
//! Look processes up with [`find`](crate::ProcessTable::find) (namespecs) and call
//! [`start`](crate::ProcessTable::start), [`stop`](crate::ProcessTable::stop),
//! [`signal`](crate::ProcessTable::signal) or their group and "all" forms. Refusals are
//! [`CommandError`](crate::CommandError)s that map one-to-one onto Supervisor's XML-RPC
//! faults. To wait for a start or stop to finish, re-check
//! [`start_progress`](crate::ProcessTable::start_progress) or
//! [`stop_progress`](crate::ProcessTable::stop_progress) whenever a state change for
//! that process comes out of `poll_event`.
//!
//! # 5. Stop
//!
//! Call [`shutdown`](crate::ProcessTable::shutdown) (or
//! [`restart`](crate::ProcessTable::restart)) and keep looping until
//! [`Event::AllStopped`](crate::Event::AllStopped) comes out.
