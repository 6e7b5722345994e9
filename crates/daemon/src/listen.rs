//! Opening the HTTP listeners: the unix socket with Supervisor's stale-socket handling,
//! and TCP.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// Why a listener could not be opened; the text is what supervisord prints before its
/// usage hint.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Another process answers on the socket or port.
    #[error(
        "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord."
    )]
    InUse,
    /// Any other socket error.
    #[error("Cannot open an HTTP server: socket.error reported errno.{name} ({code})")]
    Socket {
        /// The errno name, e.g. `EACCES`.
        name: String,
        /// The errno number.
        code: i32,
    },
    /// chown of the socket was refused.
    #[error(
        "Not permitted to chown {path} to uid/gid ({uid}, {gid}); adjust \"sockchown\" value in config file or on command line to values that the current user ({user}) can successfully chown"
    )]
    Chown {
        /// The socket path.
        path: String,
        /// Wanted owner.
        uid: u32,
        /// Wanted group.
        gid: u32,
        /// Who we are.
        user: String,
    },
}

impl From<io::Error> for ListenError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::AddrInUse {
            return ListenError::InUse;
        }
        let code = e.raw_os_error().unwrap_or(0);
        ListenError::Socket {
            name: format!("{:?}", nix::errno::Errno::from_raw(code)),
            code,
        }
    }
}

/// Binds the unix socket at `path` with mode `chmod` and owner `chown`, as Supervisor does:
/// bind a temporary name, set its mode, hard-link it into place. When the link fails
/// because a socket is already there, a live server there is an error; a stale socket is
/// unlinked (saying so on stderr) and the bind tried again.
pub fn bind_unix(
    path: &Path,
    chmod: u32,
    chown: Option<(u32, u32)>,
) -> Result<UnixListener, ListenError> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".{}", std::process::id()));
    let temp = PathBuf::from(temp);
    loop {
        let _ = std::fs::remove_file(&temp);
        let listener = UnixListener::bind(&temp)?;
        let linked = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(chmod))
            .and_then(|()| std::fs::hard_link(&temp, path));
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                if let Some((uid, gid)) = chown {
                    chown_socket(path, uid, gid)?;
                }
                listener.set_nonblocking(true)?;
                return Ok(listener);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if UnixStream::connect(path).is_ok() {
                    return Err(ListenError::InUse);
                }
                eprintln!("Unlinking stale socket {}", path.display());
                let _ = std::fs::remove_file(path);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn chown_socket(path: &Path, uid: u32, gid: u32) -> Result<(), ListenError> {
    use nix::unistd::{Gid, Uid, User};
    match nix::unistd::chown(path, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid))) {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EPERM) => Err(ListenError::Chown {
            path: path.display().to_string(),
            uid,
            gid,
            user: User::from_uid(Uid::effective())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_default(),
        }),
        Err(e) => Err(io::Error::from(e).into()),
    }
}

/// Binds a TCP listener on `host:port` (`*` or empty host: every address).
pub fn bind_tcp(host: &str, port: u16) -> Result<std::net::TcpListener, ListenError> {
    let host = if host.is_empty() || host == "*" {
        "0.0.0.0"
    } else {
        host
    };
    let listener = std::net::TcpListener::bind((host, port))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_replaces_stale_and_refuses_live() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s.sock");
        let first = bind_unix(&sock, 0o700, None).unwrap();
        let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert!(matches!(
            bind_unix(&sock, 0o700, None),
            Err(ListenError::InUse)
        ));
        drop(first);
        // The file is still there, but nobody listens: it is stale and gets replaced.
        assert!(sock.exists());
        bind_unix(&sock, 0o700, None).unwrap();
    }
}
