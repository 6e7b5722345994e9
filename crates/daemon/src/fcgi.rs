//! `[fcgi-program:x]`: the listening socket a FastCGI group shares. supervisord creates
//! it, hands it to every process of the group as its stdin (fd 0) and keeps it open while
//! at least one of them holds it: the first spawn opens it, the reaping of the last holder
//! closes it, the next spawn opens it again (Supervisor's `SocketManager` reference count).
//!
//! A unix socket file is replaced when the socket is created and left in place when it is
//! closed, as Supervisor does.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::Path;

use supervisor_config::{Config, FcgiSocket, GroupKind};
use supervisor_log::Logger;
use supervisor_process::ProcessId;

use crate::core::Core;

/// Why a group's socket could not be opened; the text is Supervisor's.
#[derive(Debug, thiserror::Error)]
#[error("Could not create FastCGI socket {url}: {reason}")]
pub struct SocketError {
    /// The socket's URL (`unix:///path`, `tcp://host:port`).
    pub url: String,
    /// What failed, in Python's words (`[Errno 98] Address already in use`).
    pub reason: String,
}

/// One group's socket and the processes holding it (`H` identifies a holder).
#[derive(Debug)]
pub(crate) struct SharedSocket<H = ProcessId> {
    config: FcgiSocket,
    listener: Option<OwnedFd>,
    holders: BTreeSet<H>,
}

impl<H: Ord> SharedSocket<H> {
    /// A socket that opens at its first [`SharedSocket::acquire`].
    pub(crate) fn new(config: FcgiSocket) -> SharedSocket<H> {
        SharedSocket {
            config,
            listener: None,
            holders: BTreeSet::new(),
        }
    }

    /// Takes a reference for `holder` (opening the socket if nobody holds it) and returns
    /// a duplicate of the listening descriptor for the child's stdin.
    pub(crate) fn acquire(
        &mut self,
        holder: H,
        logger: &mut Logger,
    ) -> Result<OwnedFd, SocketError> {
        let listener = match self.listener.take() {
            Some(fd) => fd,
            None => open(&self.config, logger)?,
        };
        let dup = listener.try_clone();
        self.listener = Some(listener);
        let dup = dup.map_err(|e| SocketError {
            url: self.config.url(),
            reason: python_os_error(&e),
        });
        match dup {
            Ok(dup) => {
                self.holders.insert(holder);
                Ok(dup)
            }
            Err(e) => {
                if self.holders.is_empty() {
                    self.close(logger);
                }
                Err(e)
            }
        }
    }

    /// Drops the reference of `holder`, if it has one; the last one closes the socket.
    pub(crate) fn release(&mut self, holder: &H, logger: &mut Logger) {
        if self.holders.remove(holder) && self.holders.is_empty() {
            self.close(logger);
        }
    }

    /// Whether `holder` has a reference.
    pub(crate) fn holds(&self, holder: &H) -> bool {
        self.holders.contains(holder)
    }

    fn close(&mut self, logger: &mut Logger) {
        let _ = logger.info(&format!("Closing socket {}", self.config.url()));
        self.listener = None;
    }
}

/// Opens and closes the socket of every FastCGI group, as supervisord does when it adds
/// a group, so that a socket that cannot be created stops the start.
pub(crate) fn probe_all(config: &Config, logger: &mut Logger) -> Result<(), SocketError> {
    for group in &config.groups {
        if let GroupKind::FastCgi { socket } = &group.kind {
            probe(socket, logger)?;
        }
    }
    Ok(())
}

/// Opens the socket and closes it at once (Supervisor's check when a group is added).
pub(crate) fn probe(config: &FcgiSocket, logger: &mut Logger) -> Result<(), SocketError> {
    drop(open(config, logger)?);
    let _ = logger.info(&format!("Closing socket {}", config.url()));
    Ok(())
}

/// Logs Supervisor's line and creates the socket.
fn open(config: &FcgiSocket, logger: &mut Logger) -> Result<OwnedFd, SocketError> {
    let url = config.url();
    let _ = logger.info(&format!("Creating socket {url}"));
    create(config).map_err(|e| SocketError {
        url,
        reason: python_os_error(&e),
    })
}

/// Creates, binds and listens, as Supervisor's `create_and_bind` then `listen` do. The
/// descriptor is close-on-exec; the spawn makes the child's copy its fd 0.
fn create(config: &FcgiSocket) -> io::Result<OwnedFd> {
    let (fd, backlog) = match config {
        FcgiSocket::Unix {
            path,
            owner,
            mode,
            backlog,
        } => {
            let path = Path::new(path);
            if std::fs::symlink_metadata(path).is_ok() {
                std::fs::remove_file(path)?;
            }
            let listener = UnixListener::bind(path)?;
            let finish = || -> io::Result<()> {
                if let Some(owner) = owner {
                    let gid = owner.gid.map(nix::unistd::Gid::from_raw);
                    nix::unistd::chown(path, Some(nix::unistd::Uid::from_raw(owner.uid)), gid)
                        .map_err(|e| {
                            wrapped(
                                "Could not change ownership of socket file: ",
                                e.into(),
                                path,
                            )
                        })?;
                }
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
                    .map_err(|e| wrapped("Could not change permissions of socket file: ", e, path))
            };
            if let Err(e) = finish() {
                drop(listener);
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
            (OwnedFd::from(listener), *backlog)
        }
        FcgiSocket::Tcp {
            host,
            port,
            backlog,
        } => {
            let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), *port))?
                .find(std::net::SocketAddr::is_ipv4)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EADDRNOTAVAIL))?;
            // std sets SO_REUSEADDR on unix, as Supervisor does.
            (OwnedFd::from(std::net::TcpListener::bind(addr)?), *backlog)
        }
    };
    listen(&fd, backlog.map_or(libc::SOMAXCONN, |b| b as i32))?;
    set_blocking(&fd)?;
    Ok(fd)
}

/// Sets the listen backlog (std listens with its own; listening again updates it).
#[allow(unsafe_code)]
fn listen(fd: &OwnedFd, backlog: i32) -> io::Result<()> {
    // SAFETY: listen(2) on a descriptor we own; no memory is passed.
    if unsafe { libc::listen(fd.as_raw_fd(), backlog) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Children get a blocking socket, as Python's sockets are.
fn set_blocking(fd: &OwnedFd) -> io::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags - OFlag::O_NONBLOCK))?;
    Ok(())
}

/// An error of a call that names a file, prefixed as Supervisor prefixes it.
fn wrapped(prefix: &str, e: io::Error, path: &Path) -> io::Error {
    let text = format!(
        "{prefix}{}: {}",
        python_os_error(&e),
        supervisor_types::py_repr(&path.to_string_lossy())
    );
    io::Error::other(text)
}

/// Python's `str(OSError)`: `[Errno 2] No such file or directory`.
fn python_os_error(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            let text = io::Error::from_raw_os_error(code).to_string();
            let text = text
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&text);
            format!("[Errno {code}] {text}")
        }
        None => e.to_string(),
    }
}

impl Core {
    /// Takes the group's socket for `id` before its spawn. `Ok(None)` for a process that is
    /// not in a FastCGI group.
    pub(crate) fn fcgi_acquire(&mut self, id: ProcessId) -> Result<Option<OwnedFd>, String> {
        let Some(group) = self.procs.get(&id).map(|p| p.config.group.clone()) else {
            return Ok(None);
        };
        let Some(socket) = self.fcgi.get_mut(&group) else {
            return Ok(None);
        };
        socket
            .acquire(id, &mut self.logger)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// Gives back the socket reference of `id` once it has no child (reaped, or its spawn
    /// failed), after the table's lines about that child, as Supervisor logs the closing
    /// after the exit.
    pub(crate) fn fcgi_release(&mut self, id: ProcessId) {
        let Some(group) = self.procs.get(&id).map(|p| p.config.group.clone()) else {
            return;
        };
        if !self.fcgi.get(&group).is_some_and(|s| s.holds(&id)) {
            return;
        }
        if self.table.process(id).is_some_and(|p| p.pid().is_some()) {
            return;
        }
        self.handle_table_events();
        if let Some(socket) = self.fcgi.get_mut(&group) {
            socket.release(&id, &mut self.logger);
        }
    }

    /// Spawns `id`; a process of a FastCGI group gets the group's socket as its stdin and
    /// returns its reference if the spawn fails.
    pub(crate) fn spawn(&mut self, id: ProcessId) {
        match self.fcgi_acquire(id) {
            Ok(stdin) => {
                self.spawn_child(id, stdin);
                self.fcgi_release(id);
            }
            Err(message) => {
                self.table
                    .handle_spawn_failed(id, &message, Core::timestamp());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    use supervisor_log::{LocalClock, MainLogSettings, MainLogTarget};
    use supervisor_types::LogLevel;

    fn logger(dir: &Path) -> (Logger, std::path::PathBuf) {
        let file = dir.join("main.log");
        let settings = MainLogSettings {
            target: MainLogTarget::File(file.clone()),
            maxbytes: 0,
            backups: 0,
            level: LogLevel::Info,
            nodaemon: false,
            silent: true,
        };
        (
            Logger::for_supervisord(&settings, LocalClock::utc()).unwrap(),
            file,
        )
    }

    fn lines(file: &Path) -> Vec<String> {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .map(|l| l[24..].to_owned())
            .collect()
    }

    fn unix(path: &Path) -> FcgiSocket {
        FcgiSocket::Unix {
            path: path.to_string_lossy().into_owned(),
            owner: None,
            mode: 0o700,
            backlog: None,
        }
    }

    #[test]
    fn reference_counted_unix_socket() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, file) = logger(dir.path());
        let path = dir.path().join("app.sock");
        let url = format!("unix://{}", path.display());
        std::fs::write(&path, "stale").unwrap();
        let mut socket = SharedSocket::<u32>::new(unix(&path));
        let (a, b) = (1, 2);
        let fd = socket.acquire(a, &mut log).unwrap();
        socket.acquire(b, &mut log).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let mut client = UnixStream::connect(&path).unwrap();
        let listener = UnixListener::from(fd);
        let (mut served, _) = listener.accept().unwrap();
        served.write_all(b"hi").unwrap();
        let mut got = [0; 2];
        client.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hi");
        drop(listener);
        socket.release(&a, &mut log);
        assert!(socket.listener.is_some());
        socket.release(&a, &mut log);
        socket.release(&b, &mut log);
        assert!(socket.listener.is_none());
        assert!(path.exists(), "Supervisor leaves the socket file");
        assert!(UnixStream::connect(&path).is_err());
        socket.acquire(a, &mut log).unwrap();
        assert!(UnixStream::connect(&path).is_ok());
        assert_eq!(
            lines(&file),
            [
                format!("INFO Creating socket {url}"),
                format!("INFO Closing socket {url}"),
                format!("INFO Creating socket {url}"),
            ]
        );
    }

    #[test]
    fn tcp_socket_and_address_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = logger(dir.path());
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let config = FcgiSocket::Tcp {
            host: "127.0.0.1".into(),
            port,
            backlog: Some(5),
        };
        let err = probe(&config, &mut log).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Could not create FastCGI socket tcp://127.0.0.1:{port}: [Errno 98] Address already in use"
            )
        );
        drop(taken);
        let mut socket = SharedSocket::<u32>::new(config);
        let fd = socket.acquire(1, &mut log).unwrap();
        let listener = std::net::TcpListener::from(fd);
        std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        listener.accept().unwrap();
    }

    #[test]
    fn unix_socket_in_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, file) = logger(dir.path());
        let path = dir.path().join("nodir/app.sock");
        let err = probe(&unix(&path), &mut log).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Could not create FastCGI socket unix://{}: [Errno 2] No such file or directory",
                path.display()
            )
        );
        assert_eq!(
            lines(&file),
            [format!("INFO Creating socket unix://{}", path.display())]
        );
    }
}
