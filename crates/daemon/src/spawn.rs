//! Turning a program's command line into a running child: Supervisor's command parsing and
//! lookup rules, then a spawn through [`CloneSpawner`] (or `std::process::Command` where
//! the kernel lacks what it needs), with the child in its own process group and its
//! stdin, stdout and stderr on pipes whose parent ends are non-blocking (stdin is a
//! listening socket instead for a FastCGI program).

use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use nix::fcntl::OFlag;
use nix::unistd::{Gid, Uid};
use supervisor_types::py_repr;

use crate::clone_spawn::CloneSpawner;

/// Why a command cannot be run; the text is Supervisor's `spawnerr`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The command line does not split (an open quote, a trailing backslash).
    #[error("can't parse command {}: {reason}", py_repr(.command))]
    Parse {
        /// The command as configured.
        command: String,
        /// shlex's reason.
        reason: &'static str,
    },
    /// The command line has no words.
    #[error("command is empty")]
    Empty,
    /// No file by that name (on PATH, for a bare name).
    #[error("can't find command {}", py_repr(.0))]
    NotFound(String),
    /// The path names a directory.
    #[error("command at {} is a directory", py_repr(.0))]
    IsDirectory(String),
    /// The file has no execute bit.
    #[error("command at {} is not executable", py_repr(.0))]
    NotExecutable(String),
    /// The file is executable, but not by us.
    #[error("no permission to run command {}", py_repr(.0))]
    NoPermission(String),
}

impl CommandError {
    /// Whether Supervisor's `startProcess` reports this as `NO_FILE` (else `NOT_EXECUTABLE`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, CommandError::NotFound(_))
    }
}

/// Splits a command line as Python's `shlex.split` (POSIX mode, no comments).
pub fn split_command(command: &str) -> Result<Vec<String>, CommandError> {
    let parse_error = |reason| CommandError::Parse {
        command: command.to_owned(),
        reason,
    };
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().ok_or(parse_error("No escaped character"))?);
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(parse_error("No closing quotation")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(parse_error("No closing quotation")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(parse_error("No closing quotation")),
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The directories searched for a bare command name: `$PATH` of supervisord, or
/// Supervisor's default when it is unset or empty.
pub fn search_path(path_env: Option<&str>) -> Vec<PathBuf> {
    match path_env {
        Some(p) if !p.is_empty() => p.split(':').map(PathBuf::from).collect(),
        _ => ["/bin", "/usr/bin", "/usr/local/bin"]
            .into_iter()
            .map(PathBuf::from)
            .collect(),
    }
}

/// Resolves a command line to the file to execute and its argv, with Supervisor's checks
/// (`get_execv_args` + `check_execv_args`).
pub fn resolve_command(
    command: &str,
    path: &[PathBuf],
) -> Result<(PathBuf, Vec<String>), CommandError> {
    let argv = split_command(command)?;
    let program = argv.first().ok_or(CommandError::Empty)?;
    let (filename, meta) = if program.contains('/') {
        (PathBuf::from(program), std::fs::metadata(program).ok())
    } else {
        path.iter()
            .map(|dir| dir.join(program))
            .find_map(|f| std::fs::metadata(&f).ok().map(|m| (f, Some(m))))
            .unwrap_or_else(|| (PathBuf::from(program), None))
    };
    let shown = || filename.to_string_lossy().into_owned();
    let meta = meta.ok_or_else(|| CommandError::NotFound(shown()))?;
    if meta.is_dir() {
        return Err(CommandError::IsDirectory(shown()));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(CommandError::NotExecutable(shown()));
    }
    if nix::unistd::access(&filename, nix::unistd::AccessFlags::X_OK).is_err() {
        return Err(CommandError::NoPermission(shown()));
    }
    Ok((filename, argv))
}

/// Everything needed to start one child.
#[derive(Debug)]
pub struct SpawnRequest {
    /// The file to execute (from [`resolve_command`]).
    pub filename: PathBuf,
    /// The argument vector, `argv[0]` included.
    pub argv: Vec<String>,
    /// The complete environment of the child.
    pub env: Vec<(OsString, OsString)>,
    /// The working directory, if not supervisord's.
    pub directory: Option<PathBuf>,
    /// The umask to set before exec, if any.
    pub umask: Option<u32>,
    /// Whether the child's stderr goes to its stdout pipe.
    pub redirect_stderr: bool,
    /// The user to run as: uid, primary gid and every group id, resolved beforehand.
    pub user: Option<(Uid, Gid, Vec<Gid>)>,
    /// A descriptor to become the child's stdin instead of a pipe (the listening socket
    /// of a FastCGI group); the child gets its own copy.
    pub stdin_socket: Option<OwnedFd>,
}

/// A started child: its pid and the parent's ends of its pipes (non-blocking).
#[derive(Debug)]
pub struct SpawnedChild {
    /// The child's pid (also its process group id).
    pub pid: u32,
    /// Write end of the child's stdin, unless its stdin is a socket.
    pub stdin: Option<OwnedFd>,
    /// Read end of the child's stdout.
    pub stdout: OwnedFd,
    /// Read end of the child's stderr, unless it was redirected to stdout.
    pub stderr: Option<OwnedFd>,
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(OFlag::O_CLOEXEC)?)
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)?;
    let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(flags))?;
    Ok(())
}

/// Starts the child, through `spawner` when there is one, else through `posix_spawn`.
/// The child is the leader of a new process group, so signals sent to supervisord's group
/// (a Ctrl-C in its terminal) do not reach it.
pub fn spawn(req: &SpawnRequest, spawner: Option<&mut CloneSpawner>) -> io::Result<SpawnedChild> {
    let (child_stdin, stdin) = match &req.stdin_socket {
        Some(socket) => (socket.try_clone()?, None),
        None => {
            let (r, w) = pipe()?;
            (r, Some(w))
        }
    };
    let (stdout, child_stdout) = pipe()?;
    let (stderr, child_stderr) = if req.redirect_stderr {
        (None, child_stdout.try_clone()?)
    } else {
        let (r, w) = pipe()?;
        (Some(r), w)
    };
    for fd in [stdin.as_ref(), Some(&stdout), stderr.as_ref()]
        .into_iter()
        .flatten()
    {
        set_nonblocking(fd)?;
    }

    let pid = match spawner {
        Some(spawner) => spawner.spawn(req, [&child_stdin, &child_stdout, &child_stderr])?,
        None => posix_spawn(req, child_stdin, child_stdout, child_stderr)?,
    };
    Ok(SpawnedChild {
        pid,
        stdin,
        stdout,
        stderr,
    })
}

/// Starts the child with `std::process::Command`, which uses `posix_spawn` when nothing
/// has to run between fork and exec.
fn posix_spawn(
    req: &SpawnRequest,
    child_stdin: OwnedFd,
    child_stdout: OwnedFd,
    child_stderr: OwnedFd,
) -> io::Result<u32> {
    let mut cmd = Command::new(&req.filename);
    if let Some((argv0, rest)) = req.argv.split_first() {
        cmd.arg0(argv0).args(rest);
    }
    cmd.env_clear()
        .envs(req.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::from(child_stdin))
        .stdout(Stdio::from(child_stdout))
        .stderr(Stdio::from(child_stderr))
        .process_group(0);
    if let Some(dir) = &req.directory {
        cmd.current_dir(dir);
    }
    if req.umask.is_some() || req.user.is_some() {
        before_exec(&mut cmd, req.user.clone(), req.umask);
    }
    Ok(cmd.spawn()?.id())
}

/// Switches user and sets the umask between fork and exec: setgroups, setgid, setuid,
/// umask, in that order, and nothing else (each is async-signal-safe and the group list
/// is allocated before the fork).
#[allow(unsafe_code)]
fn before_exec(cmd: &mut Command, user: Option<(Uid, Gid, Vec<Gid>)>, umask: Option<u32>) {
    let mode = umask.map(|m| nix::sys::stat::Mode::from_bits_truncate(m as nix::libc::mode_t));
    // SAFETY: the closure makes only async-signal-safe system calls and allocates
    // nothing: the group list was built before the fork.
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid, groups)) = &user {
                nix::unistd::setgroups(groups)?;
                nix::unistd::setgid(*gid)?;
                nix::unistd::setuid(*uid)?;
            }
            if let Some(mode) = mode {
                nix::sys::stat::umask(mode);
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python_shlex() {
        let cases: &[(&str, &[&str])] = &[
            ("a b", &["a", "b"]),
            ("a \"b c\" d", &["a", "b c", "d"]),
            ("a 'b\\' c", &["a", "b\\", "c"]),
            ("a\\ b", &["a b"]),
            ("x \"a\\\"b\"", &["x", "a\"b"]),
            ("", &[]),
            ("  ", &[]),
            ("a#b c", &["a#b", "c"]),
            ("a \"\" b", &["a", "", "b"]),
            ("a 'x'y z", &["a", "xy", "z"]),
            ("a\\\\b", &["a\\b"]),
            ("\"a\\b\"", &["a\\b"]),
        ];
        for (input, want) in cases {
            assert_eq!(split_command(input).unwrap(), *want, "input {input:?}");
        }
    }

    #[test]
    fn split_errors_have_supervisor_text() {
        assert_eq!(
            split_command("a \"unclosed").unwrap_err().to_string(),
            "can't parse command 'a \"unclosed': No closing quotation"
        );
        assert_eq!(
            split_command("a\\").unwrap_err().to_string(),
            "can't parse command 'a\\\\': No escaped character"
        );
    }

    #[test]
    fn resolves_on_path_and_reports_missing() {
        let path = search_path(Some("/nonexistent:/bin:/usr/bin"));
        let (file, argv) = resolve_command("sh -c 'exit 0'", &path).unwrap();
        assert!(file.ends_with("sh"));
        assert_eq!(argv, ["sh", "-c", "exit 0"]);
        assert_eq!(
            resolve_command("no-such-cmd-xyz", &path)
                .unwrap_err()
                .to_string(),
            "can't find command 'no-such-cmd-xyz'"
        );
        assert_eq!(
            resolve_command("/tmp", &path).unwrap_err().to_string(),
            "command at '/tmp' is a directory"
        );
        assert_eq!(
            resolve_command("  ", &path).unwrap_err(),
            CommandError::Empty
        );
    }

    #[test]
    fn default_search_path() {
        assert_eq!(search_path(None)[0], PathBuf::from("/bin"));
        assert_eq!(search_path(Some("")).len(), 3);
    }
}
