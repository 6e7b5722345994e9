//! `pidproxy PIDFILE COMMAND [ARGS...]`: runs COMMAND as a child and relays the signals it
//! receives to the process whose pid is written in PIDFILE. A drop-in for Python
//! Supervisor's `pidproxy`, meant for launchers such as `mysqld_safe` that stay in the
//! foreground while the process that should get supervisord's signals is another one.
//!
//! # Behaviour (Python Supervisor 4.3's, as a user sees it)
//! - Fewer than two arguments: the usage text on stdout, exit status 1. There are no
//!   options: the first argument is always the pidfile.
//! - COMMAND is not looked up in `PATH`. It is made absolute against the current directory
//!   and normalised lexically (`..` removed without resolving symlinks, as
//!   `os.path.abspath` does), then executed with ARGS; the child's `argv[0]` is COMMAND as
//!   typed. An empty COMMAND is an error (exit status 1).
//! - SIGTERM, SIGHUP, SIGINT, SIGUSR1, SIGUSR2 and SIGQUIT are relayed: the pidfile is read
//!   again on every signal and the same signal is sent to the pid in it (an integer as
//!   Python's `int()` reads it, surrounding whitespace allowed). After relaying SIGTERM,
//!   SIGINT or SIGQUIT pidproxy exits 0 at once, waiting for nothing. If the pidfile cannot
//!   be read or holds no integer, `Can't read child pidfile PIDFILE!` goes to stdout and the
//!   signal is dropped; pidproxy keeps running, even after SIGTERM. If the signal cannot be
//!   sent (no such process, not permitted, pid outside the C `int` range) pidproxy exits 1.
//! - Every five seconds pidproxy reaps any exited child (`waitpid(-1, WNOHANG)`); once one
//!   is reaped it exits 0, whatever the child's exit status. It watches its own child, not
//!   the pid in the pidfile: a command that forks a daemon and exits ends pidproxy at the
//!   next tick, and the daemon keeps running. SIGCHLD itself triggers nothing.
//!
//! # Design
//! No signal handlers. First the relayed signals and SIGCHLD get their default disposition,
//! in case pidproxy inherited them ignored: an ignored signal is never delivered, and an
//! ignored SIGCHLD would let the kernel reap the child before `waitpid` sees it. (Python gets
//! the same effect by installing handlers for all seven, its SIGCHLD handler doing
//! nothing.) Then the relayed signals are blocked, so threads started later inherit the
//! block, and one thread takes them with `sigwait` and sends them over a channel. std does
//! not clear the signal mask of a child, so the child gets the mask pidproxy started with
//! back between fork and exec, as Python's child inherits its untouched mask. The main
//! thread waits on the channel until the next tick's deadline, so a signal is relayed as
//! soon as it arrives and the reaping tick keeps its five-second rhythm, like Python's
//! `time.sleep(5)`, which resumes after a signal handler has run.
//!
//! # Differences from Python
//! - Where Python dies with a traceback (signal not deliverable, empty COMMAND), pidproxy
//!   prints one line to stderr; the exit status is the same, 1.
//! - When COMMAND cannot be executed, Python's forked child exits 127 silently; pidproxy
//!   prints why on stderr. In both, pidproxy then exits 0 at the first tick.
//! - The child starts with default dispositions for SIGPIPE and SIGXFSZ; Python's child
//!   inherits the interpreter's `SIG_IGN` for both (`os.spawnv` does not restore them).
//! - `Can't read child pidfile` is written at once; Python's block-buffered stdout holds
//!   it until exit when stdout is not a terminal.
//! - Pidfile digits must be ASCII; Python's `int()` also accepts other Unicode decimal
//!   digits.

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

/// How often exited children are reaped (Python's `time.sleep(5)`).
const TICK: Duration = Duration::from_secs(5);

/// The signals relayed to the pid in the pidfile.
const RELAYED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGQUIT,
];

/// The relayed signals after which pidproxy exits.
const FINAL: [Signal; 3] = [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT];

/// Python's usage text, split around the program name.
const USAGE_HEAD: &str = "pidproxy -- run command and proxy signals to it via its pidfile.

This executable runs a command and then monitors a pidfile.  When this
executable receives a signal, it sends the same signal to the pid
in the pidfile.

Usage: ";
const USAGE_TAIL: &str = " <pidfile name> <command> [<cmdarg1> ...]\n\n";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let (pidfile, command) = match args.get(1..) {
        Some([pidfile, command @ ..]) if !command.is_empty() => (Path::new(pidfile), command),
        _ => {
            let program = args.first().map(OsString::as_os_str).unwrap_or_default();
            print_usage(program);
            return ExitCode::from(1);
        }
    };
    match run(pidfile, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pidproxy: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn print_usage(program: &OsStr) {
    let mut out = std::io::stdout().lock();
    // A closed stdout changes nothing: the status is 1 either way.
    let _ = out
        .write_all(USAGE_HEAD.as_bytes())
        .and_then(|()| out.write_all(program.as_bytes()))
        .and_then(|()| out.write_all(USAGE_TAIL.as_bytes()))
        .and_then(|()| out.flush());
}

/// Runs `command` and relays signals until pidproxy should exit with status 0; an error
/// means exit status 1.
fn run(pidfile: &Path, command: &[OsString]) -> anyhow::Result<()> {
    let program = absolute(&command[0]).context("cannot make the command path absolute")?;
    let (signals, original_mask) = relayed_signals()?;
    if command[0].is_empty() {
        bail!("the command must not be an empty string");
    }
    let mut child = Command::new(&program);
    child.arg0(&command[0]).args(&command[1..]);
    restore_mask_in_child(&mut child, original_mask);
    let spawned = child.spawn();
    // The child handle is not kept: children are reaped with `waitpid(-1)`, as in Python.
    if let Err(e) = &spawned {
        eprintln!("pidproxy: cannot execute {}: {e}", program.display());
    }
    let mut tick = Instant::now() + TICK;
    loop {
        let left = tick.saturating_duration_since(Instant::now());
        let signal = match signals.recv_timeout(left) {
            Ok(signal) => Some(signal),
            Err(RecvTimeoutError::Timeout) => None,
            // The signal thread only ends if `sigwait` fails; keep reaping on time.
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(left);
                None
            }
        };
        match signal {
            Some(signal) => {
                if relay(pidfile, signal)? && FINAL.contains(&signal) {
                    return Ok(());
                }
            }
            None => {
                // A command that could not be executed counts as a child that exited at
                // once, as Python's forked child does with status 127.
                if spawned.is_err() || reaped_a_child() {
                    return Ok(());
                }
                tick = Instant::now() + TICK;
            }
        }
    }
}

/// Restores default dispositions, blocks the relayed signals and starts the thread that
/// receives them. Returns the receiving end and the signal mask pidproxy started with.
fn relayed_signals() -> anyhow::Result<(Receiver<Signal>, SigSet)> {
    for sig in RELAYED.into_iter().chain([Signal::SIGCHLD]) {
        set_default_disposition(sig).with_context(|| format!("cannot reset {sig}"))?;
    }
    let set: SigSet = RELAYED.into_iter().collect();
    let original_mask = set
        .thread_swap_mask(SigmaskHow::SIG_BLOCK)
        .context("cannot block the relayed signals")?;
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            while let Ok(signal) = set.wait() {
                if sender.send(signal).is_err() {
                    break;
                }
            }
        })
        .context("cannot start the signal thread")?;
    Ok((receiver, original_mask))
}

/// Makes the child start with `mask` as its signal mask instead of pidproxy's.
#[allow(unsafe_code)]
fn restore_mask_in_child(command: &mut Command, mask: SigSet) {
    // SAFETY: the hook runs between fork and exec and only calls `pthread_sigmask`, which
    // is async-signal-safe; it neither allocates nor takes locks.
    unsafe {
        command.pre_exec(move || mask.thread_set_mask().map_err(std::io::Error::from));
    }
}

/// Gives `sig` its default disposition.
#[allow(unsafe_code)]
fn set_default_disposition(sig: Signal) -> nix::Result<()> {
    // SAFETY: `SIG_DFL` installs no handler, so no code can run in signal context.
    unsafe { nix::sys::signal::signal(sig, SigHandler::SigDfl) }.map(drop)
}

/// Sends `signal` to the pid in `pidfile` and returns true, or reports on stdout that there
/// is no pid and returns false.
fn relay(pidfile: &Path, signal: Signal) -> anyhow::Result<bool> {
    let pid = match read_pid(pidfile) {
        PidText::Pid(pid) => pid,
        PidText::OutOfRange => bail!(
            "cannot send {signal}: the pid in {} is out of range",
            pidfile.display()
        ),
        PidText::Invalid => {
            let mut out = std::io::stdout().lock();
            // Nothing else is done for an unwritable stdout either.
            let _ = out
                .write_all(b"Can't read child pidfile ")
                .and_then(|()| out.write_all(pidfile.as_os_str().as_bytes()))
                .and_then(|()| out.write_all(b"!\n"))
                .and_then(|()| out.flush());
            return Ok(false);
        }
    };
    kill(Pid::from_raw(pid), signal).with_context(|| {
        format!(
            "cannot send {signal} to pid {pid} (from {})",
            pidfile.display()
        )
    })?;
    Ok(true)
}

/// True when `waitpid(-1, WNOHANG)` reaped a child. No child at all is not an exit, as in
/// Python.
fn reaped_a_child() -> bool {
    waitpid(None, Some(WaitPidFlag::WNOHANG)).is_ok_and(|status| status.pid().is_some())
}

/// What a pidfile holds.
#[derive(Debug, PartialEq, Eq)]
enum PidText {
    /// A pid that fits a C `int`.
    Pid(i32),
    /// An integer outside the C `int` range (Python raises `OverflowError` in `os.kill`).
    OutOfRange,
    /// Unreadable, not UTF-8, or not an integer.
    Invalid,
}

fn read_pid(pidfile: &Path) -> PidText {
    match std::fs::read(pidfile).map(String::from_utf8) {
        Ok(Ok(text)) => parse_pid(&text),
        _ => PidText::Invalid,
    }
}

/// Parses `text` as Python's `int(text.strip())`: surrounding whitespace, an optional
/// sign, ASCII digits with single underscores between them.
fn parse_pid(text: &str) -> PidText {
    let text = text.trim_matches(is_python_space);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return PidText::Invalid;
    }
    let mut value: i64 = 0;
    for digit in digits.bytes().filter(u8::is_ascii_digit) {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(digit - b'0')))
        {
            Some(v) => value = v,
            None => return PidText::OutOfRange,
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).map_or(PidText::OutOfRange, PidText::Pid)
}

/// Python's `str.isspace`: Unicode whitespace plus the separators U+001C to U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `command` made absolute against the current directory and normalised as Python's
/// `os.path.abspath` does.
fn absolute(command: &OsStr) -> std::io::Result<PathBuf> {
    let bytes = command.as_bytes();
    if bytes.starts_with(b"/") {
        return Ok(normalize_absolute(bytes));
    }
    let mut joined = std::env::current_dir()?.into_os_string().into_vec();
    if !joined.ends_with(b"/") {
        joined.push(b'/');
    }
    joined.extend_from_slice(bytes);
    Ok(normalize_absolute(&joined))
}

/// Lexical normalisation of a path starting with `/`: empty and `.` components go, `..`
/// removes the component before it (nothing at the root). Exactly two leading slashes are
/// kept, as POSIX allows them a meaning; more become one.
fn normalize_absolute(path: &[u8]) -> PathBuf {
    let leading = path.iter().take_while(|&&b| b == b'/').count();
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let mut out = if leading == 2 {
        b"//".to_vec()
    } else {
        b"/".to_vec()
    };
    out.extend_from_slice(&parts.join(&b'/'));
    PathBuf::from(OsString::from_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_parse_like_python_int() {
        assert_eq!(parse_pid("123\n"), PidText::Pid(123));
        assert_eq!(parse_pid(" \t+1_2 \r\n"), PidText::Pid(12));
        assert_eq!(parse_pid("007"), PidText::Pid(7));
        assert_eq!(parse_pid("-1"), PidText::Pid(-1));
        assert_eq!(parse_pid("-0"), PidText::Pid(0));
        assert_eq!(parse_pid("\u{1f}42\u{3000}"), PidText::Pid(42));
        assert_eq!(parse_pid("-2147483648"), PidText::Pid(i32::MIN));
    }

    #[test]
    fn non_integers_are_invalid() {
        for text in [
            "",
            " ",
            "abc",
            "1__2",
            "_1",
            "1_",
            "+ 1",
            "+",
            "-",
            "1 2",
            "12\n34",
            "0x10",
            "1.0",
            "\u{feff}1",
            "١٢",
        ] {
            assert_eq!(parse_pid(text), PidText::Invalid, "{text:?}");
        }
    }

    #[test]
    fn integers_beyond_c_int_are_out_of_range() {
        assert_eq!(parse_pid("2147483648"), PidText::OutOfRange);
        assert_eq!(parse_pid("-2147483649"), PidText::OutOfRange);
        assert_eq!(
            parse_pid("123456789012345678901234567890"),
            PidText::OutOfRange
        );
    }

    #[test]
    fn unreadable_pidfiles_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_pid(&dir.path().join("missing")), PidText::Invalid);
        let latin1 = dir.path().join("latin1");
        std::fs::write(&latin1, b"12\xe9").unwrap();
        assert_eq!(read_pid(&latin1), PidText::Invalid);
        let good = dir.path().join("good");
        std::fs::write(&good, b"4321\n").unwrap();
        assert_eq!(read_pid(&good), PidText::Pid(4321));
    }

    #[test]
    fn paths_normalise_like_abspath() {
        let norm = |p: &str| normalize_absolute(p.as_bytes());
        assert_eq!(norm("/bin/sh"), Path::new("/bin/sh"));
        assert_eq!(norm("/a/./b//c/"), Path::new("/a/b/c"));
        assert_eq!(norm("/a/b/../../../c"), Path::new("/c"));
        assert_eq!(norm("/.."), Path::new("/"));
        assert_eq!(norm("//a/b"), Path::new("//a/b"));
        assert_eq!(norm("///a/b"), Path::new("/a/b"));
    }

    #[test]
    fn relative_commands_are_joined_to_the_current_directory() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute(OsStr::new("x/../run")).unwrap(), cwd.join("run"));
        assert_eq!(
            absolute(OsStr::new("/usr/../bin/sh")).unwrap(),
            Path::new("/bin/sh")
        );
        assert_eq!(absolute(OsStr::new("")).unwrap(), cwd);
    }
}
