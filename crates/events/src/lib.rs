//! Supervisor's events and eventlistener pools, as a sans-IO library.
//!
//! This crate holds every event type Supervisor 4.3 sends, with its name and its
//! payload to the byte; the abstract types usable in `events=` ([`EventType`]); and
//! the eventlistener pool protocol ([`EventBus`]): per-pool buffers with
//! `buffer_size` and oldest-first overflow, global and per-pool serials, the
//! `ver:3.0 ...` header ([`envelope`]), the listener states ACKNOWLEDGED → READY → BUSY →
//! ACKNOWLEDGED (or UNKNOWN), `RESULT N\nOK` / `FAIL` (a failed event is buffered again),
//! an unanswered event re-queued when its listener dies, and `TICK_5` / `TICK_60` /
//! `TICK_3600` as a deadline.
//!
//! It is **not** an event loop and does no I/O: it never reads a pipe, writes to a child
//! or reads a clock. The host (supervisord) publishes what happened, feeds it what
//! listeners write on stdout, writes what [`EventBus::dispatch`] hands it to their stdin,
//! and sleeps until [`EventBus::poll_timeout`]. `PROCESS_STATE_*` payloads come from
//! `supervisor_process::StateChange`, which this crate reuses.
//!
//! ```
//! use std::time::{Duration, Instant, SystemTime};
//! use supervisor_events::*;
//! use supervisor_process::{GroupSpec, ProcessSpec, ProcessTable, Timestamp};
//! use supervisor_types::EventListenerState;
//!
//! // A listener process, as the process table knows it.
//! let now = Timestamp::new(Instant::now(), SystemTime::now());
//! let mut table = ProcessTable::new();
//! table.add_group(GroupSpec::single(ProcessSpec::new("listener")), now).unwrap();
//! let id = table.process_id("listener", "listener").unwrap();
//!
//! let mut bus = EventBus::new("supervisor", now);
//! bus.add_pool(PoolSpec {
//!     name: "listener".into(),
//!     events: vec![EventType::from_name("REMOTE_COMMUNICATION").unwrap()],
//!     buffer_size: 10,
//!     listeners: vec![(id, "listener".into())],
//! });
//!
//! // The table's state changes go through the bus: it learns the listener runs.
//! table.start_autostart(now);
//! table.handle_spawned(id, 4242, now);
//! let now = now.advanced(Duration::from_secs(1));
//! table.handle_timeout(now);
//! while let Some(event) = table.poll_event() {
//!     if let supervisor_process::Event::StateChange(change) = event {
//!         bus.publish(Event::ProcessState(change));
//!     }
//! }
//!
//! bus.publish(Event::RemoteCommunication { kind: "hello".into(), data: "world".into() });
//! bus.handle_output(id, b"READY\n");
//! let mut sent = Vec::new();
//! bus.dispatch(&mut |_, bytes| { sent.push(bytes.to_vec()); true });
//! assert_eq!(
//!     sent,
//!     [b"ver:3.0 server:supervisor serial:0 pool:listener poolserial:0 \
//!        eventname:REMOTE_COMMUNICATION len:16\ntype:hello\nworld".to_vec()]
//! );
//! assert_eq!(bus.listener_state(id), Some(EventListenerState::Busy));
//! bus.handle_output(id, b"RESULT 2\nOK");
//! assert_eq!(bus.listener_state(id), Some(EventListenerState::Acknowledged));
//! ```
#![deny(missing_docs)]

mod bus;
mod event;
mod kind;
mod tick;

pub use bus::{EventBus, PoolSpec};
pub use event::{Channel, Event, Header, TickPeriod, envelope};
pub use kind::EventType;

#[cfg(test)]
mod tests;
