//! The network side: listeners, HTTP connections, and the routing of requests to the
//! XML-RPC api.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::time::{Instant, SystemTime};

use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Interest, Registry, Token};
use supervisor_api::{Outcome, Pending};
use supervisor_types::{LogLevel, py_repr};
use supervisor_xmlrpc::auth::{AuthOutcome, Credentials};
use supervisor_xmlrpc::http::{self, Exchange, Limits, Request, RequestParser};
use supervisor_xmlrpc::{MethodCall, ParseError, encode_fault, encode_response};

use crate::core::Core;
use crate::logtail::{LogTail, Step, Ticker};

/// One HTTP server: a listener and its credentials.
pub struct Server {
    pub listener: Listener,
    pub credentials: Option<Credentials>,
}

/// A unix or TCP listener.
pub enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Unix(s) => s,
            Stream::Tcp(s) => s,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bytes waiting to go out on a connection. A partial write moves an offset instead of
/// shifting the rest of a large reply, and a reply queued when nothing is waiting is
/// moved in, not copied.
#[derive(Default)]
struct Outbox {
    data: Vec<u8>,
    sent: usize,
}

impl Outbox {
    fn extend(&mut self, bytes: Vec<u8>) {
        if self.is_empty() {
            self.data = bytes;
            self.sent = 0;
        } else {
            self.data.drain(..self.sent);
            self.sent = 0;
            self.data.extend_from_slice(&bytes);
        }
    }

    fn is_empty(&self) -> bool {
        self.sent >= self.data.len()
    }

    fn pending(&self) -> &[u8] {
        &self.data[self.sent..]
    }

    fn consume(&mut self, n: usize) {
        self.sent += n;
        if self.is_empty() {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.data.clear();
        self.sent = 0;
    }
}

/// One client connection.
struct Conn {
    stream: Stream,
    server: usize,
    parser: RequestParser,
    out: Outbox,
    /// Close once `out` is written.
    closing: bool,
    /// The peer has closed its side.
    eof: bool,
    /// A waiting XML-RPC reply or web action; later requests wait behind it.
    pending: Option<(Wait, Exchange)>,
    /// An open `/logtail` or `/mainlogtail` stream; later requests wait behind it.
    tail: Option<LogTail>,
    writable: bool,
}

/// A reply that waits for the state machine.
enum Wait {
    /// An XML-RPC call (`startProcess(name, wait=True)` ...).
    Rpc(Pending),
    /// A web UI action (Stop, Restart All ...); see [`crate::web`].
    Web(supervisor_web::Waiting),
}

/// Listeners and connections.
pub struct Net {
    pub servers: Vec<Server>,
    conns: HashMap<Token, Conn>,
    registry: Registry,
    /// The poll timer of log streams and queued stdin data.
    ticker: Ticker,
    /// Accepting failed for want of descriptors; retried on the tick.
    accept_blocked: bool,
    /// The web UI's state (its session key).
    web: supervisor_web::Web,
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Net {
    /// Registers the listeners under tokens `first..first+n`.
    pub fn new(mut servers: Vec<Server>, registry: Registry, first: usize) -> io::Result<Net> {
        for (i, server) in servers.iter_mut().enumerate() {
            let token = Token(first + i);
            match &mut server.listener {
                Listener::Unix(l) => registry.register(l, token, Interest::READABLE)?,
                Listener::Tcp(l) => registry.register(l, token, Interest::READABLE)?,
            }
        }
        Ok(Net {
            servers,
            conns: HashMap::new(),
            registry,
            ticker: Ticker::default(),
            accept_blocked: false,
            web: crate::web::new(),
        })
    }

    /// Whether `token` is a connection's.
    pub fn is_conn(&self, token: Token) -> bool {
        self.conns.contains_key(&token)
    }

    /// Accepts every waiting connection on server `index`.
    pub fn accept(&mut self, index: usize, core: &mut Core) {
        loop {
            let accepted = match &self.servers[index].listener {
                Listener::Unix(l) => l.accept().map(|(s, _)| Stream::Unix(s)),
                Listener::Tcp(l) => l.accept().map(|(s, _)| Stream::Tcp(s)),
            };
            match accepted {
                Ok(mut stream) => {
                    let token = core.token();
                    if self
                        .registry
                        .register(stream.source(), token, Interest::READABLE)
                        .is_err()
                    {
                        continue;
                    }
                    self.conns.insert(
                        token,
                        Conn {
                            stream,
                            server: index,
                            parser: RequestParser::new(Limits::default()),
                            out: Outbox::default(),
                            closing: false,
                            eof: false,
                            pending: None,
                            tail: None,
                            writable: false,
                        },
                    );
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // EMFILE and friends: the waiting connection stays queued, and an
                    // edge-triggered listener would not report it again; retry on the
                    // stream tick until a descriptor is free. Say so once.
                    if !self.accept_blocked {
                        core.log(
                            LogLevel::Warn,
                            &format!("could not accept a connection: {e}"),
                        );
                    }
                    self.accept_blocked = true;
                    self.ticker.arm(Instant::now());
                    break;
                }
            }
        }
    }

    /// Handles readiness of a connection.
    pub fn ready(&mut self, token: Token, core: &mut Core) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        while !conn.eof {
            match conn.stream.read(&mut buf) {
                Ok(0) => conn.eof = true,
                Ok(n) => conn.parser.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    conn.eof = true;
                    conn.closing = true;
                }
            }
        }
        self.serve(token, core);
    }

    /// Answers every complete request of a connection that is not waiting, then
    /// writes what it can.
    fn serve(&mut self, token: Token, core: &mut Core) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let credentials = self.servers[conn.server].credentials.clone();
        while conn.pending.is_none() && conn.tail.is_none() && !conn.closing {
            match conn.parser.next_request() {
                Ok(Some(request)) => {
                    handle(conn, request, credentials.as_ref(), &mut self.web, core)
                }
                Ok(None) => break,
                Err(e) => {
                    if let Some((version, code)) = e.reply() {
                        let ex = Exchange {
                            version,
                            keep_alive: false,
                        };
                        conn.out
                            .extend(http::error_reply(ex, code, now_unix()).bytes);
                    }
                    conn.closing = true;
                }
            }
        }
        if conn.tail.is_some() {
            self.ticker.arm(Instant::now());
        }
        self.flush(token);
    }

    /// When the log streams or queued stdin data next need a look; fold it into the
    /// poll timeout.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.ticker.deadline()
    }

    /// When due, sends what the log streams have gained and retries queued stdin data.
    pub fn tick(&mut self, core: &mut Core) {
        let now = Instant::now();
        if !self.ticker.due(now) {
            return;
        }
        if std::mem::take(&mut self.accept_blocked) {
            for index in 0..self.servers.len() {
                self.accept(index, core);
            }
        }
        let streaming: Vec<Token> = self
            .conns
            .iter()
            .filter(|(_, c)| c.tail.is_some())
            .map(|(t, _)| *t)
            .collect();
        for token in &streaming {
            if let Some(conn) = self.conns.get_mut(token)
                && let Some(tail) = conn.tail.as_mut()
            {
                match tail.poll() {
                    Step::More(bytes) => conn.out.extend(bytes),
                    Step::End(bytes) => {
                        conn.out.extend(bytes);
                        conn.closing |= !tail.is_chunked();
                        conn.tail = None;
                    }
                }
            }
        }
        for token in streaming {
            self.serve(token, core);
        }
        let active = self.accept_blocked || self.conns.values().any(|c| c.tail.is_some());
        self.ticker.rearm(now, active);
    }

    /// Polls every waiting reply; writes those that are ready.
    pub fn poll_pending(&mut self, core: &mut Core) {
        let ready: Vec<Token> = self
            .conns
            .iter_mut()
            .filter_map(|(token, conn)| {
                let (wait, ex) = conn.pending.as_mut()?;
                let reply = match wait {
                    Wait::Rpc(pending) => {
                        let body = match pending.poll(core)? {
                            Ok(value) => encode_response(&value),
                            Err(fault) => encode_fault(&fault),
                        };
                        http::xmlrpc_reply(*ex, &body, now_unix())
                    }
                    Wait::Web(waiting) => crate::web::poll(waiting, *ex, core, now_unix())?,
                };
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
                conn.pending = None;
                Some(*token)
            })
            .collect();
        for token in ready {
            self.serve(token, core);
        }
    }

    /// Whether any reply is waiting.
    pub fn has_pending(&self) -> bool {
        self.conns.values().any(|c| c.pending.is_some())
    }

    /// Writes buffered output; closes the connection when it is done with.
    fn flush(&mut self, token: Token) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        while !conn.out.is_empty() {
            match conn.stream.write(conn.out.pending()) {
                Ok(0) => {
                    conn.closing = true;
                    conn.out.clear();
                }
                Ok(n) => {
                    conn.out.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    conn.closing = true;
                    conn.out.clear();
                    conn.tail = None;
                }
            }
        }
        let done = match conn.tail {
            // A client that hangs up ends its stream.
            Some(_) => conn.eof,
            None => conn.out.is_empty() && (conn.closing || (conn.eof && conn.pending.is_none())),
        };
        if done {
            if let Some(mut conn) = self.conns.remove(&token) {
                let _ = self.registry.deregister(conn.stream.source());
            }
            return;
        }
        let want_write = !conn.out.is_empty();
        if want_write != conn.writable {
            conn.writable = want_write;
            let interest = if want_write {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let _ = self
                .registry
                .reregister(conn.stream.source(), token, interest);
        }
    }

    /// Closes every connection and listener.
    pub fn close(&mut self) {
        for (_, mut conn) in self.conns.drain() {
            let _ = self.registry.deregister(conn.stream.source());
        }
    }
}

/// Answers one request: authentication first, then routing.
fn handle(
    conn: &mut Conn,
    request: Request,
    credentials: Option<&Credentials>,
    web: &mut supervisor_web::Web,
    core: &mut Core,
) {
    let ex = Exchange::from(&request);
    let now = now_unix();
    if let Some(credentials) = credentials {
        match credentials.check(&request) {
            AuthOutcome::Authorized => {}
            AuthOutcome::Unauthorized => {
                let reply = http::unauthorized_reply(ex, now);
                conn.out.extend(reply.bytes);
                conn.closing = true;
                return;
            }
            other => {
                let code = other.status().unwrap_or(500);
                let reply = http::error_reply(ex, code, now);
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
                return;
            }
        }
    }
    if crate::logtail::matches(request.path()) {
        match crate::logtail::open(&request, core, now) {
            Ok((reply, tail)) => {
                conn.out.extend(reply.bytes);
                match tail {
                    Some(tail) => conn.tail = Some(tail),
                    None => conn.closing |= reply.close,
                }
            }
            Err(code) => {
                let reply = http::error_reply(ex, code, now);
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
            }
        }
        return;
    }
    if request.path().starts_with("/RPC2") {
        if request.method != "POST" {
            let reply = http::error_reply(ex, 400, now);
            conn.out.extend(reply.bytes);
            conn.closing |= reply.close;
            return;
        }
        let call = match MethodCall::parse(&request.body) {
            Ok(call) => call,
            Err(e) => {
                let why = match e {
                    ParseError::NoMethodName => "no method name",
                    _ => "unmarshallable",
                };
                let data = py_repr(&String::from_utf8_lossy(&request.body));
                core.log(
                    LogLevel::Error,
                    &format!("XML-RPC request data {data} is invalid: {why}"),
                );
                let reply = http::error_reply(ex, 400, now);
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
                return;
            }
        };
        core.log(
            LogLevel::Trace,
            &format!("XML-RPC method called: {}()", call.name),
        );
        let outcome = supervisor_api::dispatch(core, &call);
        core.drive();
        match outcome {
            Outcome::Done(result) => {
                let body = match result {
                    Ok(value) => encode_response(&value),
                    Err(fault) => encode_fault(&fault),
                };
                let reply = http::xmlrpc_reply(ex, &body, now);
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
            }
            Outcome::Pending(pending) => conn.pending = Some((Wait::Rpc(pending), ex)),
        }
        return;
    }
    // Web UI: status and tail pages, their assets and form actions (crate::web).
    if crate::web::matches(request.path()) {
        match crate::web::handle(web, &request, core, now) {
            crate::web::Handled::Reply(reply) => {
                conn.out.extend(reply.bytes);
                conn.closing |= reply.close;
            }
            crate::web::Handled::Waiting(waiting) => {
                conn.pending = Some((Wait::Web(waiting), ex));
            }
        }
        return;
    }
    let reply = http::error_reply(ex, 404, now);
    conn.out.extend(reply.bytes);
    conn.closing |= reply.close;
}
