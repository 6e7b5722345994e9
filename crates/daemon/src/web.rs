//! Glue between the HTTP servers and the web UI (`supervisor-web`): the pages and
//! assets it serves, its key, and its waiting actions, which a connection keeps like a
//! pending XML-RPC reply (see [`crate::net`]).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;

use supervisor_web::{Reply, Waiting, Web};
use supervisor_xmlrpc::http::{self, Exchange, Request};

use crate::core::Core;

pub use supervisor_web::matches;

/// A web UI keyed by 32 bytes from the system's random source. Should
/// `/dev/urandom` be unreadable, std's per-process random hash keys (seeded by the
/// same source through `getrandom`) fill the key instead.
pub fn new() -> Web {
    let mut secret = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut secret));
    if read.is_err() {
        for (i, chunk) in secret.chunks_mut(8).enumerate() {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_usize(i);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
    }
    Web::new(secret)
}

/// What a web request came to.
pub enum Handled {
    /// Send this.
    Reply(http::Reply),
    /// An action waits for processes; later requests on the connection wait behind it.
    Waiting(Waiting),
}

/// Answers a request for a path [`matches`] accepts; authentication is already done.
pub fn handle(web: &mut Web, request: &Request, core: &mut Core, now_unix: i64) -> Handled {
    let reply = web.handle(core, request);
    core.drive();
    match reply {
        Reply::Ready(response) => {
            Handled::Reply(response.to_http(Exchange::from(request), now_unix))
        }
        Reply::Waiting(waiting) => Handled::Waiting(waiting),
    }
}

/// The reply of a waiting action, once its outcome is known.
pub fn poll(
    waiting: &mut Waiting,
    ex: Exchange,
    core: &mut Core,
    now_unix: i64,
) -> Option<http::Reply> {
    waiting.poll(core).map(|r| r.to_http(ex, now_unix))
}
