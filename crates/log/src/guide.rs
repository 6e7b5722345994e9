//! How the daemon uses this crate (documentation only).
//!
//! # Startup
//!
//! 1. While still single-threaded, in `main`: [`LocalClock::from_system`] (fall back to
//!    [`LocalClock::utc`] if it fails, and say so).
//! 2. After dropping privileges: [`Logger::for_supervisord`] with the `[supervisord]`
//!    settings ([`MainLogTarget::from_logfile`] for `logfile`,
//!    [`LogLevel::from_description`] for `loglevel`).
//! 3. Unless `nocleanup`: [`clear_auto_child_logs`]`(childlogdir, identifier)` and log each
//!    warning at `WARN`.
//!
//! # Per process channel (stdout, stderr)
//!
//! * `*_logfile = AUTO`: [`create_auto_child_log`] once per process config, when its group
//!   is added (at startup after dropping privileges, and on `update`/`addProcessGroup`),
//!   as Supervisor's `after_setuid` does; the file then serves every spawn of that config.
//!   A path: use it; `NONE`: no file. At each spawn open it with
//!   [`RotatingFile::open`]`(path, *_logfile_maxbytes, *_logfile_backups)` and wrap it in
//!   a [`ChildLog`] (add [`ChildLog::with_syslog`] for `*_syslog = true`); drop it when
//!   the process has exited, as Supervisor drops its dispatchers.
//! * Reading the pipe, the general path: read up to 128 KiB, then
//!   [`OutputSplitter::feed`] (built with `*_capture_maxbytes` and `strip_ansi`), and for
//!   each [`Piece`]: `Output` → [`ChildLog::write`]; `Output`/`Captured` → when the logger
//!   is at `debug` or lower, [`Logger::log`]`(LogLevel::Debug, &`[`mainlog_message`]`(…))`, and
//!   the `PROCESS_LOG_*` event when `*_events_enabled`; `CommEvent` → the
//!   `PROCESS_COMMUNICATION_*` event and the `DEBG` line
//!   `'NAME' stdout emitted a comm event`. At end of output call
//!   [`OutputSplitter::finish`].
//! * The fast path, when none of that applies (no `strip_ansi`, no capture, no events, no
//!   syslog, main log above `debug`): [`RotatingFile::splice_from`] with the pipe's read
//!   end at each readiness event (it stops once the pipe is empty, or at end of file when
//!   told the writer hung up); on [`Spliced::Unsupported`] switch that channel to the
//!   general path for good. Enlarging a busy pipe (`fcntl(F_SETPIPE_SZ)`, e.g. 1 MiB) cuts
//!   the wake-ups per byte further (see the README's figures).
//!
//! # Signals and RPCs
//!
//! * SIGUSR2: log `received SIGUSR2 indicating log reopen request`, then
//!   [`Logger::reopen`] (which logs `supervisord logreopen`), then [`ChildLog::reopen`]
//!   on every channel.
//! * `readLog` / `readProcessStdoutLog` / `readProcessStderrLog`: [`read_log`]; map
//!   [`LogFileError::fault_code`]. A channel without a log file is `NO_FILE` too.
//! * `tailProcessStdoutLog` / `tailProcessStderrLog`: [`tail_log`]; a channel without a log
//!   file answers `["", 0, false]` like a missing file.
//! * `clearLog`: [`Logger::clear_log`]. `clearProcessLogs`: [`ChildLog::clear`] on both
//!   channels and [`OutputSplitter::clear_capture`]; any error is `FAILED` with the name.
//!   Supervisor clears through the live channels only, so for a process that is not
//!   running it removes nothing and still answers true.
//! * HTTP `/logtail/NAME[/stderr]`, `/mainlogtail`: answer 404 when the file does not
//!   exist, else [`TailFollower::open`]`(path, `[`LOGTAIL_HEAD`]`)` and poll it on a timer
//!   (Supervisor polls every 0.1 s), sending [`TRUNCATED_NOTICE`] on
//!   [`TailPoll::Truncated`] and ending on [`TailPoll::Closed`].

// Brings the crate's items into scope for the links above.
#[allow(unused_imports)]
use crate::*;
#[allow(unused_imports)]
use supervisor_types::LogLevel;
