//! The allowed-transition table.

use supervisor_types::ProcessState;

/// Whether a process may go from `from` to `to` in one step. Every state change this
/// crate makes is checked against this table (in debug builds) and the table is tested
/// exhaustively.
///
/// ```text
///   STOPPED ──start──► STARTING ──startsecs──► RUNNING ──exit──► EXITED
///      ▲                │  │  │                 │  │                │
///      │   spawn failed │  │  └──stop──┐  stop ─┘  └─ kill failed ─►UNKNOWN
///      │ or exited fast ▼  │           ▼
///      └──stop── BACKOFF   │        STOPPING ──exit──► STOPPED
///          retry ◄──┘  │   │           │
///          (STARTING)  └─ retries ──► FATAL ──start──► STARTING
/// ```
///
/// EXITED, FATAL and BACKOFF go back to STARTING; UNKNOWN is a dead end.
pub const fn is_allowed_transition(from: ProcessState, to: ProcessState) -> bool {
    use ProcessState::*;
    matches!(
        (from, to),
        (Stopped | Exited | Fatal | Backoff, Starting)
            | (Starting, Running | Backoff | Stopping | Unknown)
            | (Running, Exited | Stopping | Unknown)
            | (Backoff, Fatal | Stopped)
            | (Stopping, Stopped | Unknown)
    )
}
