//! Supervisor's process lifecycle as a sans-IO state machine.
//!
//! This crate makes every decision Python Supervisor 4.3 makes about a supervised
//! process — when to spawn it, when it counts as RUNNING, when to retry, when to give
//! up, which signal to send to whom and when to escalate to SIGKILL, what to log, which
//! `PROCESS_STATE_*` events to emit, how to stop everything in priority order — and
//! nothing else. It does no I/O: it never forks, signals, reaps, sleeps or reads a clock
//! or the environment. The host does those things and tells it what happened.
//!
//! It is **not** a daemon, a config parser or a process spawner: it knows nothing about
//! commands, users, environments or log files. `supervisor-daemon` drives it from a mio
//! loop; [`guide`] shows how to embed it in any other program.
//!
//! ```
//! use std::time::{Duration, Instant, SystemTime};
//! use supervisor_process::*;
//! use supervisor_types::ProcessState;
//!
//! let mut now = Timestamp::new(Instant::now(), SystemTime::now());
//! let mut table = ProcessTable::new();
//! table.add_group(GroupSpec::single(ProcessSpec::new("web")), now).unwrap();
//! table.start_autostart(now);
//!
//! // The table asks for a spawn; the host spawns and reports the pid.
//! let Some(Action::Spawn { id }) = table.poll_action() else { unreachable!() };
//! table.handle_spawned(id, 4242, now);
//!
//! // Jump to the next deadline (startsecs): the process is RUNNING.
//! now = now.advanced_to(table.poll_timeout().unwrap());
//! table.handle_timeout(now);
//! assert_eq!(table.process(id).unwrap().state(), ProcessState::Running);
//!
//! // Everything Supervisor would log, word for word.
//! let log: Vec<String> = std::iter::from_fn(|| table.poll_event())
//!     .filter_map(|e| match e { Event::Log(line) => Some(line.text), _ => None })
//!     .collect();
//! assert_eq!(log, [
//!     "spawned: 'web' with pid 4242",
//!     "success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
//! ]);
//!
//! // Stopping sends SIGTERM; the host reports the exit.
//! table.stop(id, now).unwrap();
//! assert_eq!(
//!     table.poll_action(),
//!     Some(Action::Kill { id, pid: 4242, signal: 15, process_group: false })
//! );
//! table.handle_exit(4242, ExitStatus::Signaled(15), now.advanced(Duration::from_millis(5)));
//! assert_eq!(table.process(id).unwrap().state(), ProcessState::Stopped);
//! ```
//!
//! # States
//!
//! ```text
//!   STOPPED, EXITED, FATAL ── start / autostart / autorestart ──┐
//!                                                                ▼
//!   BACKOFF ────────── retry after 1 s, 2 s, 3 s … ──────────► STARTING ── up for startsecs ──► RUNNING
//!      ▲                                                       │     │                          │    │
//!      └──────── spawn failed, or exited before startsecs ─────┘     │ stop                stop │    │ exited
//!                                                                     ▼                          │    ▼
//!   BACKOFF ── out of retries ──► FATAL                           STOPPING ◄─────────────────────┘  EXITED
//!   BACKOFF ── stop ────────────► STOPPED                             │  (SIGKILL after stopwaitsecs)
//!                                                                     ▼ exited
//!                                                                  STOPPED
//!
//!   a failed kill(2) in STARTING, RUNNING or STOPPING ──► UNKNOWN (nothing leaves it)
//! ```
//!
//! The exact table is [`is_allowed_transition`]; it is tested exhaustively and every
//! state change is checked against it.
//!
//! # Time
//!
//! Every call that can change something takes a [`Timestamp`]: a monotonic `Instant`
//! for every decision and a wall-clock `SystemTime` that is only recorded for reports
//! (`start`/`stop` in `getProcessInfo`, the date in a description). Deadlines come out
//! of [`ProcessTable::poll_timeout`] as `Instant`s. Tests drive simulated time by
//! jumping to that deadline; nothing here ever sleeps.
#![deny(missing_docs)]

mod error;
mod event;
pub mod guide;
mod spec;
mod table;
mod time;
mod transition;

pub use error::CommandError;
pub use event::{Action, Event, ExitStatus, LogLine, StateChange};
pub use spec::{GroupSpec, ProcessSpec};
pub use table::{BatchResult, ProcessId, ProcessInfo, ProcessRef, ProcessTable, Progress, Target};
pub use time::{Timestamp, format_stop_date, format_uptime, unix_seconds};
pub use transition::is_allowed_transition;

/// The vocabulary this API speaks, re-exported so embedders need no second dependency.
pub use supervisor_types::{AutoRestart, LogLevel, ProcessState, SupervisorState};

#[cfg(test)]
mod tests;
