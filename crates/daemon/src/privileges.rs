//! What supervisord does to itself at startup: drop privileges to `user`, raise the
//! file and process limits to `minfds` / `minprocs`, and detach into the background.

use std::ffi::CString;

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::{Gid, Uid, User};

/// Switches the whole daemon to `uid` as Supervisor's `drop_privileges` does: nothing to
/// do when it already runs as `uid`; otherwise only root may switch, and supplementary
/// groups, then the group, then the user are set. The error is Supervisor's text.
pub fn drop_privileges(uid: u32) -> Result<(), String> {
    let user = User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .ok_or_else(|| format!("Can't find uid {uid}"))?;
    let current = nix::unistd::getuid();
    if current.as_raw() == uid {
        return Ok(());
    }
    if !current.is_root() {
        return Err("Can't drop privilege as nonroot user".to_owned());
    }
    let name = CString::new(user.name.clone()).map_err(|_| "Can't find uid".to_owned())?;
    let mut groups = nix::unistd::getgrouplist(&name, user.gid)
        .map_err(|_| "Could not set groups of effective user".to_owned())?;
    groups.retain(|g| *g != user.gid);
    groups.insert(0, user.gid);
    nix::unistd::setgroups(&groups).map_err(|_| "Could not set groups of effective user")?;
    nix::unistd::setgid(user.gid).map_err(|_| "Could not set group id of effective user")?;
    nix::unistd::setuid(user.uid).map_err(|_| "Could not set user id of effective user")?;
    Ok(())
}

/// The numeric ids a child running as `uid` gets: its primary group and every group
/// that lists the user, resolved before spawning so that only system calls run
/// between fork and exec.
pub fn user_ids(uid: u32) -> Option<(Uid, Gid, Vec<Gid>)> {
    let user = User::from_uid(Uid::from_raw(uid)).ok().flatten()?;
    let name = CString::new(user.name).ok()?;
    let mut groups = nix::unistd::getgrouplist(&name, user.gid).ok()?;
    groups.retain(|g| *g != user.gid);
    groups.insert(0, user.gid);
    Some((user.uid, user.gid, groups))
}

struct Limit {
    resource: Resource,
    name: &'static str,
    min: u64,
    message: fn(u64, u64) -> String,
}

fn files_message(min: u64, hard: u64) -> String {
    format!(
        "The minimum number of file descriptors required to run this process is {min} as per the \"minfds\" command-line argument or config file setting. The current environment will only allow you to open {hard} file descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) or lower the minfds setting in the config file to allow the process to start."
    )
}

fn procs_message(min: u64, hard: u64) -> String {
    format!(
        "The minimum number of available processes required to run this program is {min} as per the \"minprocs\" command-line argument or config file setting. The current environment will only allow you to open {hard} processes.  Either raise the number of usable processes in your environment (see README.rst) or lower the minprocs setting in the config file to allow the program to start."
    )
}

/// Raises `RLIMIT_NOFILE` to `minfds` and `RLIMIT_NPROC` to `minprocs` where the soft
/// limit is lower, as Supervisor does. Returns the info lines to log
/// (`Increased RLIMIT_NOFILE limit to 1024`), or the usage error.
pub fn raise_limits(minfds: i64, minprocs: i64) -> Result<Vec<String>, String> {
    let limits = [
        Limit {
            resource: Resource::RLIMIT_NOFILE,
            name: "RLIMIT_NOFILE",
            min: minfds.max(0) as u64,
            message: files_message,
        },
        Limit {
            resource: Resource::RLIMIT_NPROC,
            name: "RLIMIT_NPROC",
            min: minprocs.max(0) as u64,
            message: procs_message,
        },
    ];
    let mut infos = Vec::new();
    for limit in limits {
        let Ok((soft, hard)) = getrlimit(limit.resource) else {
            continue;
        };
        let unlimited = nix::sys::resource::RLIM_INFINITY;
        if soft >= limit.min || soft == unlimited {
            continue;
        }
        let new_hard = if hard < limit.min && hard != unlimited {
            limit.min
        } else {
            hard
        };
        match setrlimit(limit.resource, limit.min, new_hard) {
            Ok(()) => infos.push(format!("Increased {} limit to {}", limit.name, limit.min)),
            Err(_) => return Err((limit.message)(limit.min, new_hard)),
        }
    }
    Ok(infos)
}

/// What happened while detaching, for the main log.
pub struct Detached {
    /// `(level is critical, message)` pairs to log in the child.
    pub messages: Vec<(bool, String)>,
}

/// Detaches into the background as Supervisor does: fork (the parent exits 0), chdir to
/// `directory` if given, standard streams to /dev/null, a new session, the umask.
/// Must be called while the process has one thread.
#[allow(unsafe_code)]
pub fn daemonize(directory: Option<&str>, umask: u32) -> std::io::Result<Detached> {
    // SAFETY: supervisord is single-threaded here, so the child may run anything.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Parent { .. } => std::process::exit(0),
        nix::unistd::ForkResult::Child => {}
    }
    let mut messages = vec![(false, "daemonizing the supervisord process".to_owned())];
    if let Some(dir) = directory {
        match std::env::set_current_dir(dir) {
            Ok(()) => messages.push((
                false,
                format!("set current directory: {}", supervisor_types::py_repr(dir)),
            )),
            Err(e) => messages.push((
                true,
                format!("can't chdir into {}: {e}", supervisor_types::py_repr(dir)),
            )),
        }
    }
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(&null)?;
    nix::unistd::dup2_stderr(&null)?;
    nix::unistd::setsid()?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(umask));
    Ok(Detached { messages })
}

/// Marks every descriptor from 3 up close-on-exec, so that whatever supervisord inherited
/// from its parent does not leak into the children (Supervisor closes 3..minfds in each
/// child; the flag does the same without code between fork and exec).
#[allow(unsafe_code)]
pub fn cloexec_inherited() {
    // SAFETY: close_range only changes descriptor flags; no memory is involved.
    let done = unsafe { libc::close_range(3, libc::c_uint::MAX, libc::CLOSE_RANGE_CLOEXEC as i32) };
    if done == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<i32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd >= 3)
        .collect();
    for fd in fds {
        // SAFETY: setting FD_CLOEXEC on a descriptor number; one that was just closed
        // (the directory listing's own) only makes fcntl fail.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
}
