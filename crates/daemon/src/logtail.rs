//! The HTTP log streams `GET /logtail/NAME[/CHANNEL]` and `GET /mainlogtail`, behind
//! supervisorctl's `tail -f` and `maintail -f`.
//!
//! A stream starts with the last 1024 bytes of the log, then sends what is appended,
//! polled every [`INTERVAL`] (Supervisor's `tail_f_producer` delay): the event loop folds
//! [`Net::next_deadline`](crate::net::Net::next_deadline) into its poll timeout and
//! calls [`Net::tick`](crate::net::Net::tick) when it is due. Over HTTP/1.1 the body is
//! chunked; over HTTP/1.0 it is written raw until the client goes away.
//!
//! Names resolve through the process table only, so a path cannot name a file.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use supervisor_api::{Channel, Host};
use supervisor_log::{LOGTAIL_HEAD, TRUNCATED_NOTICE, TailFollower, TailPoll};
use supervisor_types::Namespec;
use supervisor_xmlrpc::http::{self, Exchange, LAST_CHUNK, Reply, Request};

use crate::core::Core;

/// How often a stream looks for new bytes.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// One open stream.
#[derive(Debug)]
pub struct LogTail {
    follower: TailFollower,
    chunked: bool,
}

/// What a poll of a stream produced.
pub enum Step {
    /// Bytes to send (possibly none); the stream goes on.
    More(Vec<u8>),
    /// The log can no longer be read: send these bytes, then the stream is over.
    End(Vec<u8>),
}

/// Whether `path` is one of ours.
pub fn matches(path: &str) -> bool {
    path.starts_with("/logtail") || path.starts_with("/mainlogtail")
}

/// The log a request path names, as Supervisor's handlers resolve it; `None` is 404.
fn resolve(path: &str, core: &Core) -> Option<PathBuf> {
    if path.starts_with("/mainlogtail") {
        return core.main_logfile();
    }
    let rest = path.trim_start_matches('/');
    let (_, name_and_channel) = rest.split_once('/')?;
    let (name, channel) = name_and_channel
        .split_once('/')
        .unwrap_or((name_and_channel, "stdout"));
    let channel = match channel {
        "stdout" => Channel::Stdout,
        "stderr" => Channel::Stderr,
        _ => return None,
    };
    let spec = Namespec::parse(name);
    let id = core.table.process_id(spec.group, spec.process?)?;
    core.logfile(id, channel)
}

/// Answers a stream request: the reply head with the first bytes, and the stream unless
/// it is over already; or the error status (400 for a method other than GET, 404 for no
/// such process or log).
pub fn open(
    request: &Request,
    core: &Core,
    now_unix: i64,
) -> Result<(Reply, Option<LogTail>), u16> {
    if request.method != "GET" {
        return Err(400);
    }
    let path = request.path();
    let logfile = resolve(path, core).filter(|p| p.exists()).ok_or(404u16)?;
    let mtime = std::fs::metadata(&logfile)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let modified = http::http_date(mtime);
    let mut headers = vec![
        ("Last-Modified", modified.as_str()),
        ("Content-Type", "text/plain;charset=utf-8"),
    ];
    if !path.starts_with("/mainlogtail") {
        headers.push(("X-Accel-Buffering", "no"));
    }
    let follower = TailFollower::open(&logfile, LOGTAIL_HEAD).map_err(|_| 404u16)?;
    let mut reply = http::stream_reply(Exchange::from(request), &headers, now_unix);
    let mut tail = LogTail {
        follower,
        chunked: reply.chunked,
    };
    match tail.poll() {
        Step::More(bytes) => {
            reply.bytes.extend(bytes);
            Ok((reply, Some(tail)))
        }
        Step::End(bytes) => {
            reply.bytes.extend(bytes);
            Ok((reply, None))
        }
    }
}

impl LogTail {
    /// Looks for new bytes, framed for the wire.
    pub fn poll(&mut self) -> Step {
        let frame = |data: &[u8], chunked: bool| {
            if chunked {
                http::chunk(data)
            } else {
                data.to_vec()
            }
        };
        match self.follower.poll() {
            TailPoll::Data(data) => Step::More(frame(&data, self.chunked)),
            TailPoll::Truncated => Step::More(frame(TRUNCATED_NOTICE, self.chunked)),
            TailPoll::Pending => Step::More(Vec::new()),
            TailPoll::Closed if self.chunked => Step::End(LAST_CHUNK.to_vec()),
            TailPoll::Closed => Step::End(Vec::new()),
        }
    }

    /// Whether the stream uses chunked framing (and so the connection outlives it).
    pub fn is_chunked(&self) -> bool {
        self.chunked
    }
}

/// The tick timer of the open streams.
#[derive(Debug, Default)]
pub struct Ticker {
    next: Option<Instant>,
}

impl Ticker {
    /// When the next tick is due, if anything needs one.
    pub fn deadline(&self) -> Option<Instant> {
        self.next
    }

    /// Whether a tick is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.next.is_some_and(|t| t <= now)
    }

    /// Arms the next tick one [`INTERVAL`] after `now` when `active`, else disarms.
    pub fn rearm(&mut self, now: Instant, active: bool) {
        self.next = active.then(|| now + INTERVAL);
    }

    /// Arms a tick unless one is already due sooner.
    pub fn arm(&mut self, now: Instant) {
        if self.next.is_none() {
            self.next = Some(now + INTERVAL);
        }
    }
}
