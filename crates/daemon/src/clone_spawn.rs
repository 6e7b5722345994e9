//! Starting a child without copying the daemon's descriptor table.
//!
//! `posix_spawn` (what `std::process::Command` uses) gives the child a copy of the
//! daemon's whole descriptor table, and the child's `execve` then closes every descriptor
//! marked close-on-exec. The daemon holds three pipe ends and two log files per program,
//! so each spawn walks all of them twice, and starting N programs costs O(N²): at 500
//! programs those closes were the largest single cost of a start after exec itself.
//!
//! Here the child shares the daemon's memory and descriptor table (`CLONE_VM |
//! CLONE_VFORK | CLONE_FILES`: the daemon is suspended until the child has exec'd, as with
//! vfork) and makes itself a private table that holds only the lowest descriptors with
//! `close_range(CLOSE_RANGE_UNSHARE)` (Linux 5.9). The three descriptors the child needs
//! were placed beforehand in three slots the daemon reserved at low numbers when it
//! started. Between clone and exec the child does what `posix_spawn` does: system calls
//! only, no allocation, no lock; every signal stays blocked until the handlers the daemon
//! installed are back to their defaults, so none of them can run in the child.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::ptr;

use libc::{c_char, c_int, c_uint, c_void};

use crate::spawn::SpawnRequest;

/// The child's stack: it only makes system calls through libc.
const STACK_SIZE: usize = 64 * 1024;

/// Spawns children through `clone`, keeping three reserved low descriptors.
#[derive(Debug)]
pub struct CloneSpawner {
    /// Where the child's stdin, stdout and stderr wait during a spawn; `/dev/null` between
    /// spawns.
    slots: [OwnedFd; 3],
    devnull: OwnedFd,
    stack: Box<[u8]>,
}

/// What the child reads (and, on failure, writes) while the parent is suspended.
#[repr(C)]
struct Plan {
    filename: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    /// Null when the child stays in the daemon's directory.
    directory: *const c_char,
    slots: [c_int; 3],
    /// The first descriptor above the slots: the private table keeps only those below.
    above_slots: c_uint,
    set_user: bool,
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: *const libc::gid_t,
    group_count: usize,
    set_umask: bool,
    umask: libc::mode_t,
    /// The errno of the step that failed, 0 while none has.
    error: c_int,
}

impl CloneSpawner {
    /// The spawner, or `None` when this kernel (or a seccomp filter) refuses `close_range`
    /// or the slots cannot be opened; the caller then spawns through `posix_spawn`.
    pub fn new() -> Option<CloneSpawner> {
        if !close_range_available() {
            return None;
        }
        let devnull = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .ok()?;
        let devnull = OwnedFd::from(devnull);
        // Above 0, 1 and 2 even if the daemon was started with one of them closed: the
        // child moves the slots onto those.
        let slot = || devnull.try_clone_to_at_least(3);
        Some(CloneSpawner {
            slots: [slot()?, slot()?, slot()?],
            devnull,
            stack: vec![0u8; STACK_SIZE].into_boxed_slice(),
        })
    }

    /// Starts `req` with `stdio` as the child's descriptors 0, 1 and 2 and returns its pid.
    /// A failure of any step in the child (chdir, setuid, exec...) is returned with its
    /// errno, the child already reaped.
    pub fn spawn(&mut self, req: &SpawnRequest, stdio: [&OwnedFd; 3]) -> io::Result<u32> {
        let filename = c_string(req.filename.as_os_str())?;
        let argv = req
            .argv
            .iter()
            .map(|a| c_string(OsStr::new(a)))
            .collect::<io::Result<Vec<_>>>()?;
        let env = req
            .env
            .iter()
            .map(|(k, v)| {
                let mut pair = Vec::with_capacity(k.len() + v.len() + 2);
                pair.extend_from_slice(k.as_bytes());
                pair.push(b'=');
                pair.extend_from_slice(v.as_bytes());
                CString::new(pair).map_err(|_| nul_error())
            })
            .collect::<io::Result<Vec<_>>>()?;
        let directory = req
            .directory
            .as_deref()
            .map(|d| c_string(d.as_os_str()))
            .transpose()?;
        let argv_ptrs = null_terminated(&argv);
        let env_ptrs = null_terminated(&env);
        let groups: Vec<libc::gid_t> = req
            .user
            .as_ref()
            .map(|(_, _, gs)| gs.iter().map(|g| g.as_raw()).collect())
            .unwrap_or_default();
        let slots = self.slots.each_ref().map(AsRawFd::as_raw_fd);
        let mut plan = Plan {
            filename: filename.as_ptr(),
            argv: argv_ptrs.as_ptr(),
            envp: env_ptrs.as_ptr(),
            directory: directory.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
            slots,
            above_slots: slots.iter().copied().max().unwrap_or(2) as c_uint + 1,
            set_user: req.user.is_some(),
            uid: req.user.as_ref().map_or(0, |(u, _, _)| u.as_raw()),
            gid: req.user.as_ref().map_or(0, |(_, g, _)| g.as_raw()),
            groups: groups.as_ptr(),
            group_count: groups.len(),
            set_umask: req.umask.is_some(),
            umask: req.umask.unwrap_or(0) as libc::mode_t,
            error: 0,
        };

        let started = slots
            .iter()
            .zip(stdio)
            .try_for_each(|(slot, fd)| dup_onto(fd.as_raw_fd(), *slot))
            .and_then(|()| self.clone_child(&mut plan));
        // Whatever happened, the slots must not keep the child's pipe ends open: the
        // daemon would never see the end of its output.
        let released = slots
            .iter()
            .try_for_each(|slot| dup_onto(self.devnull.as_raw_fd(), *slot));
        let pid = started?;
        released?;
        // SAFETY: the child, which wrote it, has exec'd or exited.
        #[allow(unsafe_code)]
        let error = unsafe { ptr::read_volatile(&plan.error) };
        match error {
            0 => Ok(pid as u32),
            errno => {
                reap(pid);
                Err(io::Error::from_raw_os_error(errno))
            }
        }
    }

    /// Clones the child with every signal blocked and returns once it has exec'd or
    /// given up; `plan.error` tells which.
    #[allow(unsafe_code)]
    fn clone_child(&mut self, plan: &mut Plan) -> io::Result<libc::pid_t> {
        let base = self.stack.as_mut_ptr() as usize;
        let top = (base + self.stack.len()) & !15;
        // SAFETY: the signal sets are plain values we own; blocking every signal here and
        // restoring the old mask below is what keeps the daemon's handlers out of the
        // child. `clone` with CLONE_VFORK returns only after the child has exec'd or
        // exited, so `plan`, the strings it points into and the stack outlive its use by
        // the child; the child runs `child_main` alone on that stack.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            let pid = libc::clone(
                child_main,
                top as *mut c_void,
                libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_FILES | libc::SIGCHLD,
                (plan as *mut Plan).cast::<c_void>(),
            );
            let clone_error = io::Error::last_os_error();
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, ptr::null_mut());
            if pid < 0 {
                return Err(clone_error);
            }
            Ok(pid)
        }
    }
}

/// The child, between clone and exec. It shares the daemon's memory, so it only reads the
/// plan, writes `plan.error` and makes system calls.
#[allow(unsafe_code)]
extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the parent's `Plan`, alive while the parent is suspended; every
    // pointer in it is valid or null as documented on its field. Only async-signal-safe
    // calls follow, and every signal is blocked until the handlers are reset.
    unsafe {
        let plan = &mut *arg.cast::<Plan>();
        let fail = |plan: &mut Plan| -> c_int {
            ptr::write_volatile(&mut plan.error, *libc::__errno_location());
            libc::_exit(127)
        };
        if libc::syscall(
            libc::SYS_close_range,
            plan.above_slots,
            c_uint::MAX,
            libc::CLOSE_RANGE_UNSHARE,
        ) != 0
        {
            return fail(plan);
        }
        for (target, slot) in plan.slots.iter().enumerate() {
            if libc::dup2(*slot, target as c_int) < 0 {
                return fail(plan);
            }
        }
        if libc::syscall(libc::SYS_close_range, 3 as c_uint, c_uint::MAX, 0 as c_uint) != 0 {
            return fail(plan);
        }
        if libc::setpgid(0, 0) != 0 {
            return fail(plan);
        }
        if !plan.directory.is_null() && libc::chdir(plan.directory) != 0 {
            return fail(plan);
        }
        // Raw system calls: glibc's wrappers would apply the change to every thread of
        // the daemon, whose memory the child shares.
        if plan.set_user
            && (libc::syscall(libc::SYS_setgroups, plan.group_count, plan.groups) != 0
                || libc::syscall(libc::SYS_setgid, plan.gid) != 0
                || libc::syscall(libc::SYS_setuid, plan.uid) != 0)
        {
            return fail(plan);
        }
        if plan.set_umask {
            libc::umask(plan.umask);
        }
        // Handlers go back to the default (exec would do it, but a signal arriving before
        // exec must not run the daemon's handler here); SIGPIPE too, which the Rust
        // runtime ignores, as std's Command does. Other ignored signals stay ignored.
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        for signal in 1..=libc::SIGRTMAX() {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, ptr::null(), &mut current) != 0 {
                continue;
            }
            let handled =
                current.sa_sigaction != libc::SIG_DFL && current.sa_sigaction != libc::SIG_IGN;
            if handled || (signal == libc::SIGPIPE && current.sa_sigaction == libc::SIG_IGN) {
                libc::sigaction(signal, &default, ptr::null_mut());
            }
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, ptr::null_mut());
        libc::execve(plan.filename, plan.argv, plan.envp);
        fail(plan)
    }
}

/// Whether `close_range` exists: asked with a range it rejects (EINVAL) before doing
/// anything, so the daemon's own table is left alone.
#[allow(unsafe_code)]
fn close_range_available() -> bool {
    // SAFETY: with `first > last` the kernel returns EINVAL at once and touches nothing.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            1 as c_uint,
            0 as c_uint,
            libc::CLOSE_RANGE_UNSHARE,
        )
    };
    r != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL)
}

/// Points `slot` at what `fd` is (close-on-exec, as every daemon descriptor is).
fn dup_onto(fd: RawFd, slot: RawFd) -> io::Result<()> {
    loop {
        // SAFETY: dup3 only reads two descriptor numbers; `slot` is a descriptor we own.
        #[allow(unsafe_code)]
        let r = unsafe { libc::dup3(fd, slot, libc::O_CLOEXEC) };
        if r >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Waits for a child that failed before exec.
fn reap(pid: libc::pid_t) {
    while let Err(nix::errno::Errno::EINTR) =
        nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None)
    {}
}

/// Duplicates a descriptor onto the lowest free number at or above a floor.
trait DupAbove {
    fn try_clone_to_at_least(&self, floor: RawFd) -> Option<OwnedFd>;
}

impl DupAbove for OwnedFd {
    #[allow(unsafe_code)]
    fn try_clone_to_at_least(&self, floor: RawFd) -> Option<OwnedFd> {
        // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that nothing else owns.
        unsafe {
            let fd = libc::fcntl(self.as_raw_fd(), libc::F_DUPFD_CLOEXEC, floor);
            (fd >= 0).then(|| OwnedFd::from_raw_fd(fd))
        }
    }
}

fn c_string(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| nul_error())
}

/// std's error for the same case, so the spawn error text does not change.
fn nul_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "nul byte found in provided data",
    )
}

fn null_terminated(strings: &[CString]) -> Vec<*const c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(ptr::null()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::Pid;

    use super::*;
    use crate::spawn::{SpawnedChild, spawn};

    fn request(script: &str) -> SpawnRequest {
        SpawnRequest {
            filename: PathBuf::from("/bin/sh"),
            argv: vec!["my-sh".into(), "-c".into(), script.into()],
            env: vec![(OsString::from("GREETING"), OsString::from("hello there"))],
            directory: None,
            umask: None,
            redirect_stderr: true,
            user: None,
            stdin_socket: None,
        }
    }

    /// Everything the child writes until it closes its output, then its exit code.
    fn output_and_exit(child: SpawnedChild) -> (String, i32) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            assert!(Instant::now() < deadline, "the child's output never ended");
            match nix::unistd::read(&child.stdout, &mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Err(e) => panic!("read: {e}"),
            }
        }
        let code = match waitpid(Pid::from_raw(child.pid as i32), None).unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("{other:?}"),
        };
        (String::from_utf8(out).unwrap(), code)
    }

    #[test]
    fn the_child_gets_its_argv_environment_directory_umask_and_group() {
        let Some(mut spawner) = CloneSpawner::new() else {
            eprintln!("SKIPPED: no close_range here");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut req =
            request("echo \"$0|$GREETING|$(pwd)|$(umask)|$$|$(cut -d' ' -f5 /proc/self/stat)\"");
        req.directory = Some(dir.path().to_path_buf());
        req.umask = Some(0o027);
        let child = spawn(&req, Some(&mut spawner)).unwrap();
        let pid = child.pid;
        let (out, code) = output_and_exit(child);
        let dir = dir.path().canonicalize().unwrap();
        assert_eq!(
            out.trim_end(),
            format!("my-sh|hello there|{}|0027|{pid}|{pid}", dir.display())
        );
        assert_eq!(code, 0);
    }

    #[test]
    fn the_child_has_only_its_three_descriptors() {
        // Not close-on-exec: posix_spawn would pass it on; Supervisor closes it. Opened
        // first, below the slots, where the child's private table still holds it.
        let (r, w) = nix::unistd::pipe().unwrap();
        let Some(mut spawner) = CloneSpawner::new() else {
            eprintln!("SKIPPED: no close_range here");
            return;
        };
        let child = spawn(&request("ls /proc/self/fd"), Some(&mut spawner)).unwrap();
        let (out, code) = output_and_exit(child);
        // ls reads the directory through a descriptor of its own: 3.
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            ["0", "1", "2", "3"]
        );
        assert_eq!(code, 0);
        drop((r, w));
    }

    #[test]
    fn the_child_switches_user_and_the_daemon_does_not() {
        let Some(mut spawner) = CloneSpawner::new() else {
            eprintln!("SKIPPED: no close_range here");
            return;
        };
        if !nix::unistd::getuid().is_root() {
            eprintln!("SKIPPED: switching user needs root");
            return;
        }
        let mut req = request("echo $(id -u) $(id -g) $(id -G)");
        let nobody = nix::unistd::Uid::from_raw(65534);
        let group = nix::unistd::Gid::from_raw(65534);
        req.user = Some((nobody, group, vec![group]));
        let child = spawn(&req, Some(&mut spawner)).unwrap();
        assert_eq!(
            output_and_exit(child),
            ("65534 65534 65534\n".to_owned(), 0)
        );
        assert!(nix::unistd::getuid().is_root());
        assert!(nix::unistd::geteuid().is_root());
    }

    #[test]
    fn a_failed_exec_or_chdir_returns_its_errno() {
        let Some(mut spawner) = CloneSpawner::new() else {
            eprintln!("SKIPPED: no close_range here");
            return;
        };
        let mut req = request("exit 0");
        req.filename = PathBuf::from("/nonexistent/program");
        let e = spawn(&req, Some(&mut spawner)).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let mut req = request("exit 0");
        req.directory = Some(PathBuf::from("/nonexistent/dir"));
        let e = spawn(&req, Some(&mut spawner)).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn the_slots_let_go_of_the_childs_pipes() {
        let Some(mut spawner) = CloneSpawner::new() else {
            eprintln!("SKIPPED: no close_range here");
            return;
        };
        // The output ends at the child's exit only if no copy of the pipe's write end
        // stayed in a slot of the daemon.
        for _ in 0..3 {
            let child = spawn(&request("echo done"), Some(&mut spawner)).unwrap();
            assert_eq!(output_and_exit(child), ("done\n".to_owned(), 0));
        }
        assert_eq!(spawner.slots.len(), 3);
    }
}
