//! Reaping children: `waitpid(-1, WNOHANG)` until nothing is left, on every SIGCHLD
//! (signals coalesce, so one SIGCHLD may stand for many exits).

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    /// It called exit with this code.
    Exited(i32),
    /// A signal ended it; `core` when it dumped core.
    Signaled {
        /// The signal number.
        signal: i32,
        /// Whether a core file was written.
        core: bool,
    },
}

impl Termination {
    /// Supervisor's text for a wait status, as in `reaped unknown pid 42 (exit status 0)`.
    pub fn describe(self) -> String {
        match self {
            Termination::Exited(code) => format!("exit status {code}"),
            Termination::Signaled { signal, core } => format!(
                "terminated by {}{}",
                supervisor_types::signal_name(signal),
                if core { " (core dumped)" } else { "" }
            ),
        }
    }
}

/// Collects every child that has ended, without blocking.
///
/// It calls libc directly rather than nix: nix cannot represent a real-time signal in a
/// wait status and would return an error after the child was already reaped, losing it.
#[allow(unsafe_code)]
pub fn reap_all() -> Vec<(u32, Termination)> {
    let mut ended = Vec::new();
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes only to `status`, a valid c_int we own.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid > 0 {
            if libc::WIFEXITED(status) {
                ended.push((pid as u32, Termination::Exited(libc::WEXITSTATUS(status))));
            } else if libc::WIFSIGNALED(status) {
                ended.push((
                    pid as u32,
                    Termination::Signaled {
                        signal: libc::WTERMSIG(status),
                        core: libc::WCOREDUMP(status),
                    },
                ));
            }
            continue;
        }
        if pid < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break;
    }
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_like_supervisor() {
        assert_eq!(Termination::Exited(3).describe(), "exit status 3");
        assert_eq!(
            Termination::Signaled {
                signal: 9,
                core: false
            }
            .describe(),
            "terminated by SIGKILL"
        );
        assert_eq!(
            Termination::Signaled {
                signal: 6,
                core: true
            }
            .describe(),
            "terminated by SIGABRT (core dumped)"
        );
    }
}
