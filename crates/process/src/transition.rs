//! The allowed-transition table.

use supervisor_types::ProcessState;

/// Whether a process may go from `from` to `to` in one step. Every state change this
/// crate makes is checked against this table (in debug builds), and the table is
/// tested exhaustively.
///
/// | from | to | when |
/// |---|---|---|
/// | STOPPED, EXITED, FATAL | STARTING | start, autostart, autorestart |
/// | BACKOFF | STARTING | the retry delay passed |
/// | STARTING | RUNNING | up for `startsecs` (or it exits after that, before the check) |
/// | STARTING | BACKOFF | spawn failed, or exited before `startsecs` |
/// | STARTING, RUNNING | STOPPING | stop (the stop signal was sent) |
/// | STARTING, RUNNING, STOPPING | UNKNOWN | sending a signal failed |
/// | RUNNING | EXITED | exited on its own |
/// | BACKOFF | FATAL | out of `startretries`, or given up by a shutdown |
/// | BACKOFF | STOPPED | stop (no signal: nothing is running) |
/// | STOPPING | STOPPED | exited after the stop signal or SIGKILL |
///
/// Nothing leaves UNKNOWN.
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
