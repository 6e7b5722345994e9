//! A blocking XML-RPC client for supervisorctl and tests, speaking to a `unix://` or
//! `http://` server URL over one kept-alive HTTP/1.1 connection, like Supervisor's
//! `SupervisorTransport`; plus the streaming `GET` that `tail -f` uses.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crate::{Fault, MethodCall, ParseError, Value, auth, parse_response};

/// The path XML-RPC calls are posted to.
pub const RPC_PATH: &str = "/RPC2";

const USER_AGENT: &str = concat!("supervisor-rs/", env!("CARGO_PKG_VERSION"));
const MAX_HEAD: usize = 64 * 1024;

/// Where the server listens, from a `serverurl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerUrl {
    /// `unix:///path/to/supervisor.sock`
    Unix(PathBuf),
    /// `http://host:port` (port 80 when absent).
    Http {
        /// Host name or address.
        host: String,
        /// TCP port.
        port: u16,
    },
}

impl ServerUrl {
    /// Reads a `serverurl` as Supervisor does: everything after `unix://` is the socket
    /// path; `http://` takes host and port and ignores any path.
    pub fn parse(url: &str) -> Result<ServerUrl, ClientError> {
        let bad = || ClientError::BadUrl(url.to_owned());
        if let Some(path) = url.strip_prefix("unix://") {
            return Ok(ServerUrl::Unix(PathBuf::from(path)));
        }
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| bad())?,
        };
        Ok(ServerUrl::Http {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The `Host` header: `localhost` for a unix socket (as Supervisor sends), else
    /// `host` or `host:port` when the port is not 80.
    fn host_header(&self) -> String {
        match self {
            ServerUrl::Unix(_) => "localhost".to_owned(),
            ServerUrl::Http { host, port: 80 } => host.clone(),
            ServerUrl::Http { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            ServerUrl::Http { host, port } => format!("{host}:{port}"),
        }
    }
}

/// Why a call did not produce a value.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The method answered with a fault.
    #[error("{0}")]
    Fault(Fault),
    /// The server URL is neither `unix://` nor `http://`.
    #[error("Unknown protocol for serverurl {0}")]
    BadUrl(String),
    /// Connecting, writing or reading failed. `source.raw_os_error()` is the errno
    /// (ENOENT: "no such file", ECONNREFUSED: "refused connection" in supervisorctl).
    #[error("{url}: {source}")]
    Io {
        /// The server URL.
        url: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The server answered with a status other than 200 (401 when credentials are
    /// missing or wrong).
    #[error("{url}: HTTP {status} {reason}")]
    Status {
        /// The URL requested (server URL and path).
        url: String,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The server's bytes are not an HTTP response.
    #[error("{url}: malformed HTTP response: {message}")]
    Protocol {
        /// The server URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The reply body is not an XML-RPC response.
    #[error("malformed XML-RPC response: {0}")]
    Parse(#[from] ParseError),
}

impl ClientError {
    /// The errno of a transport error.
    pub fn errno(&self) -> Option<i32> {
        match self {
            ClientError::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// The I/O error kind of a transport error.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            ClientError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    /// The HTTP status of a status error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Debug)]
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
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
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

impl Stream {
    fn connect(url: &ServerUrl, timeout: Option<Duration>) -> io::Result<Stream> {
        let stream = match url {
            ServerUrl::Unix(path) => {
                let s = UnixStream::connect(path)?;
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)?;
                Stream::Unix(s)
            }
            ServerUrl::Http { host, port } => {
                let s = TcpStream::connect((host.as_str(), *port))?;
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)?;
                s.set_nodelay(true)?;
                Stream::Tcp(s)
            }
        };
        Ok(stream)
    }
}

/// A response head.
struct Head {
    status: u16,
    reason: String,
    version: u8,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length")
            .and_then(|v| v.trim().parse().ok())
    }

    /// Whether the server will close the connection after this response.
    fn closes(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.version == 0 {
            conn != "keep-alive"
        } else {
            conn == "close"
        }
    }
}

struct Conn {
    url: String,
    reader: BufReader<Stream>,
}

impl Conn {
    fn io(&self, source: io::Error) -> ClientError {
        ClientError::Io {
            url: self.url.clone(),
            source,
        }
    }

    fn protocol(&self, message: impl Into<String>) -> ClientError {
        ClientError::Protocol {
            url: self.url.clone(),
            message: message.into(),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let stream = self.reader.get_mut();
        stream
            .write_all(bytes)
            .and_then(|()| stream.flush())
            .map_err(|e| self.io(e))
    }

    /// Reads one line including its `\n`; an empty result means end of stream.
    fn line(&mut self, limit: usize) -> Result<Vec<u8>, ClientError> {
        let mut line = Vec::new();
        let mut take = (&mut self.reader).take(limit as u64);
        take.read_until(b'\n', &mut line)
            .map_err(|e| ClientError::Io {
                url: self.url.clone(),
                source: e,
            })?;
        Ok(line)
    }

    /// Reads a response head. `Ok(None)` when the server closed before sending a byte.
    fn head(&mut self) -> Result<Option<Head>, ClientError> {
        let mut raw = Vec::new();
        loop {
            let line = self.line(MAX_HEAD)?;
            if line.is_empty() {
                if raw.is_empty() {
                    return Ok(None);
                }
                return Err(self.protocol("connection closed inside the response head"));
            }
            raw.extend_from_slice(&line);
            if raw.len() > MAX_HEAD {
                return Err(self.protocol("response head too large"));
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&raw) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err(self.protocol("incomplete head")),
            Err(e) => return Err(self.protocol(e.to_string())),
        }
        Ok(Some(Head {
            status: resp.code.unwrap_or(0),
            reason: resp.reason.unwrap_or("").to_owned(),
            version: resp.version.unwrap_or(1),
            headers: resp
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_owned(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
        }))
    }

    /// Reads one chunk of a chunked body; `None` after the last chunk and trailers.
    fn chunk(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        let line = self.line(1024)?;
        if line.is_empty() {
            return Err(self.protocol("connection closed inside a chunked body"));
        }
        let text = String::from_utf8_lossy(&line);
        let size_text = text.trim().split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| self.protocol(format!("bad chunk size {size_text:?}")))?;
        if size == 0 {
            loop {
                let trailer = self.line(MAX_HEAD)?;
                if trailer.is_empty() || trailer == b"\r\n" || trailer == b"\n" {
                    return Ok(None);
                }
            }
        }
        let mut data = vec![0; size];
        self.reader
            .read_exact(&mut data)
            .map_err(|e| ClientError::Io {
                url: self.url.clone(),
                source: e,
            })?;
        let end = self.line(2)?;
        if end != b"\r\n" && end != b"\n" {
            return Err(self.protocol("chunk not followed by CRLF"));
        }
        Ok(Some(data))
    }

    /// Reads a whole body framed as `head` says.
    fn body(&mut self, head: &Head) -> Result<Vec<u8>, ClientError> {
        if head.chunked() {
            let mut body = Vec::new();
            while let Some(c) = self.chunk()? {
                body.extend_from_slice(&c);
            }
            return Ok(body);
        }
        let mut body = Vec::new();
        let result = match head.content_length() {
            Some(n) => {
                body.resize(n, 0);
                self.reader.read_exact(&mut body)
            }
            None => self.reader.read_to_end(&mut body).map(drop),
        };
        result.map_err(|e| self.io(e))?;
        Ok(body)
    }
}

/// A blocking XML-RPC client. Calls reuse one connection while the server keeps it.
pub struct Client {
    url: ServerUrl,
    serverurl: String,
    authorization: Option<String>,
    timeout: Option<Duration>,
    conn: Option<Conn>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("serverurl", &self.serverurl)
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `serverurl`. Basic credentials are sent when both `username` and
    /// `password` are given, as Supervisor's transport does. Nothing connects yet.
    pub fn new(
        serverurl: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<Client, ClientError> {
        Ok(Client {
            url: ServerUrl::parse(serverurl)?,
            serverurl: serverurl.to_owned(),
            authorization: match (username, password) {
                (Some(u), Some(p)) => Some(auth::basic_header(u, p)),
                _ => None,
            },
            timeout: None,
            conn: None,
        })
    }

    /// The server URL this client was made with.
    pub fn serverurl(&self) -> &str {
        &self.serverurl
    }

    /// A read/write timeout for later connections (none by default, as Python's).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Drops the kept-alive connection, if any.
    pub fn close(&mut self) {
        self.conn = None;
    }

    fn connect(&self) -> Result<Conn, ClientError> {
        let stream = Stream::connect(&self.url, self.timeout).map_err(|e| ClientError::Io {
            url: self.serverurl.clone(),
            source: e,
        })?;
        Ok(Conn {
            url: self.serverurl.clone(),
            reader: BufReader::new(stream),
        })
    }

    fn post_bytes(&self, body: &str) -> Vec<u8> {
        let mut head = format!(
            "POST {RPC_PATH} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: identity\r\nUser-Agent: {USER_AGENT}\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n",
            self.url.host_header()
        );
        if let Some(a) = &self.authorization {
            head.push_str("Authorization: ");
            head.push_str(a);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }

    /// Calls `method` with `params`: the value, or the fault, or what went wrong on the
    /// way. A non-200 status drops the connection, as Supervisor's transport does.
    pub fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, ClientError> {
        let body = MethodCall::new(method, params.to_vec()).encode();
        let request = self.post_bytes(&body);
        // A kept connection the server has since closed fails before any reply byte;
        // that one case is retried once on a fresh connection.
        let reused = self.conn.is_some();
        match self.exchange(&request) {
            Err(Retry::Stale) if reused => {}
            Err(Retry::Stale) => {
                return Err(ClientError::Protocol {
                    url: self.serverurl.clone(),
                    message: "connection closed before a response".into(),
                });
            }
            Err(Retry::Fatal(e)) => return Err(e),
            Ok(v) => return v,
        }
        match self.exchange(&request) {
            Ok(v) => v,
            Err(Retry::Fatal(e)) => Err(e),
            Err(Retry::Stale) => Err(ClientError::Protocol {
                url: self.serverurl.clone(),
                message: "connection closed before a response".into(),
            }),
        }
    }

    fn exchange(&mut self, request: &[u8]) -> Result<Result<Value, ClientError>, Retry> {
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => self.connect().map_err(Retry::Fatal)?,
        };
        match conn.send(request) {
            Ok(()) => {}
            Err(ClientError::Io { source, .. }) if is_stale(&source) => return Err(Retry::Stale),
            Err(e) => return Err(Retry::Fatal(e)),
        }
        let head = match conn.head() {
            Ok(Some(h)) => h,
            Ok(None) => return Err(Retry::Stale),
            Err(ClientError::Io { source, .. }) if is_stale(&source) => return Err(Retry::Stale),
            Err(e) => return Err(Retry::Fatal(e)),
        };
        if head.status != 200 {
            return Ok(Err(ClientError::Status {
                url: format!("{}{RPC_PATH}", self.serverurl),
                status: head.status,
                reason: head.reason,
            }));
        }
        let body = conn.body(&head).map_err(Retry::Fatal)?;
        if !head.closes() && (head.content_length().is_some() || head.chunked()) {
            self.conn = Some(conn);
        }
        Ok(match parse_response(&body) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(fault)) => Err(ClientError::Fault(fault)),
            Err(e) => Err(ClientError::Parse(e)),
        })
    }

    /// Opens a streaming `GET` of `path` (`/logtail/NAME`, `/logtail/NAME/stderr`,
    /// `/mainlogtail`) on a connection of its own, as supervisorctl's `tail -f` does.
    /// A status other than 200 is [`ClientError::Status`].
    pub fn open_stream(&self, path: &str) -> Result<LogStream, ClientError> {
        let mut conn = self.connect()?;
        let mut head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: {USER_AGENT}\r\n",
            self.url.host_header()
        );
        if let Some(a) = &self.authorization {
            head.push_str("Authorization: ");
            head.push_str(a);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        conn.send(head.as_bytes())?;
        let Some(resp) = conn.head()? else {
            return Err(conn.protocol("connection closed before a response"));
        };
        if resp.status != 200 {
            return Err(ClientError::Status {
                url: format!("{}{path}", self.serverurl),
                status: resp.status,
                reason: resp.reason,
            });
        }
        let framing = if resp.chunked() {
            Framing::Chunked
        } else if let Some(n) = resp.content_length() {
            Framing::Length(n)
        } else {
            Framing::UntilClose
        };
        Ok(LogStream {
            conn,
            framing,
            done: false,
        })
    }
}

enum Retry {
    Stale,
    Fatal(ClientError),
}

fn is_stale(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

/// The body of a streaming `GET`, piece by piece as the server sends it.
pub struct LogStream {
    conn: Conn,
    framing: Framing,
    done: bool,
}

impl std::fmt::Debug for LogStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStream")
            .field("url", &self.conn.url)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl LogStream {
    /// The next piece of the body (blocking until the server sends one), `None` once
    /// the body has ended.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        if self.done {
            return Ok(None);
        }
        let piece = match &mut self.framing {
            Framing::Chunked => self.conn.chunk()?,
            Framing::Length(0) => None,
            Framing::Length(left) => {
                let mut buf = vec![0; (*left).min(64 * 1024)];
                let n = self
                    .conn
                    .reader
                    .read(&mut buf)
                    .map_err(|e| self.conn.io(e))?;
                if n == 0 {
                    return Err(self.conn.protocol("connection closed inside the body"));
                }
                *left -= n;
                buf.truncate(n);
                Some(buf)
            }
            Framing::UntilClose => {
                let mut buf = vec![0; 64 * 1024];
                let n = self
                    .conn
                    .reader
                    .read(&mut buf)
                    .map_err(|e| self.conn.io(e))?;
                buf.truncate(n);
                (n > 0).then_some(buf)
            }
        };
        self.done = piece.is_none();
        Ok(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;
    use std::thread;

    #[test]
    fn server_urls() {
        assert_eq!(
            ServerUrl::parse("unix:///tmp/s.sock").unwrap(),
            ServerUrl::Unix("/tmp/s.sock".into())
        );
        assert_eq!(
            ServerUrl::parse("http://LocalHost:9001/RPC2").unwrap(),
            ServerUrl::Http {
                host: "localhost".into(),
                port: 9001
            }
        );
        assert_eq!(
            ServerUrl::parse("http://127.0.0.1").unwrap(),
            ServerUrl::Http {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(
            ServerUrl::parse("http://[::1]:9001").unwrap(),
            ServerUrl::Http {
                host: "::1".into(),
                port: 9001
            }
        );
        let e = ServerUrl::parse("ftp://x").unwrap_err();
        assert_eq!(e.to_string(), "Unknown protocol for serverurl ftp://x");
        assert!(ServerUrl::parse("http://h:port").is_err());
        assert_eq!(
            ServerUrl::parse("http://h:9001").unwrap().host_header(),
            "h:9001"
        );
        assert_eq!(
            ServerUrl::parse("unix:///x").unwrap().host_header(),
            "localhost"
        );
    }

    #[test]
    fn missing_socket_reports_enoent() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("unix://{}/none.sock", dir.path().display());
        let mut c = Client::new(&url, None, None).unwrap();
        let e = c.call("supervisor.getState", &[]).unwrap_err();
        // ENOENT: supervisorctl prints "<serverurl> no such file".
        assert_eq!(e.errno(), Some(2));
        assert_eq!(e.io_kind(), Some(io::ErrorKind::NotFound));
    }

    /// Serves canned replies on a unix socket, one per request, recording requests.
    fn serve(
        replies: Vec<Vec<u8>>,
        close_after: bool,
    ) -> (
        tempfile::TempDir,
        String,
        thread::JoinHandle<Vec<crate::http::Request>>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let handle = thread::spawn(move || {
            let mut seen = Vec::new();
            let mut replies = replies.into_iter();
            while let Some(first) = replies.next() {
                let (mut sock, _) = listener.accept().unwrap();
                let mut parser = crate::http::RequestParser::new(Default::default());
                let mut pending = Some(first);
                let mut buf = [0u8; 4096];
                while let Some(reply) = pending.take() {
                    let req = loop {
                        if let Some(r) = parser.next_request().unwrap() {
                            break Some(r);
                        }
                        let n = sock.read(&mut buf).unwrap();
                        if n == 0 {
                            break None;
                        }
                        parser.feed(&buf[..n]);
                    };
                    let Some(req) = req else { break };
                    seen.push(req);
                    sock.write_all(&reply).unwrap();
                    if !close_after {
                        pending = replies.next();
                    }
                }
            }
            seen
        });
        (dir, format!("unix://{}", path.display()), handle)
    }

    fn ok_reply(v: &Value) -> Vec<u8> {
        let ex = crate::http::Exchange {
            version: crate::http::Version::Http11,
            keep_alive: true,
        };
        crate::http::xmlrpc_reply(ex, &crate::encode_response(v), 0).bytes
    }

    #[test]
    fn calls_share_one_connection_and_send_auth() {
        let fault = Fault::new(supervisor_types::FaultCode::BadName, Some("x"));
        let ex = crate::http::Exchange {
            version: crate::http::Version::Http11,
            keep_alive: true,
        };
        let replies = vec![
            ok_reply(&Value::from("RUNNING")),
            crate::http::xmlrpc_reply(ex, &crate::encode_fault(&fault), 0).bytes,
            crate::http::unauthorized_reply(ex, 0).bytes,
        ];
        let (_dir, url, handle) = serve(replies, false);
        let mut c = Client::new(&url, Some("user"), Some("123")).unwrap();
        assert_eq!(
            c.call("supervisor.getState", &[]).unwrap(),
            Value::from("RUNNING")
        );
        match c.call("supervisor.getProcessInfo", &["x".into()]) {
            Err(ClientError::Fault(f)) => assert_eq!(f, fault),
            other => panic!("{other:?}"),
        }
        let e = c.call("supervisor.getState", &[]).unwrap_err();
        assert_eq!(e.status(), Some(401));
        let seen = handle.join().unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].uri, "/RPC2");
        assert_eq!(seen[0].header("host"), Some("localhost"));
        assert_eq!(seen[0].header("authorization"), Some("Basic dXNlcjoxMjM="));
        assert_eq!(
            MethodCall::parse(&seen[1].body).unwrap(),
            MethodCall::new("supervisor.getProcessInfo", vec!["x".into()])
        );
    }

    #[test]
    fn stale_connection_is_retried_once() {
        // The server answers one request per connection, then closes it.
        let replies = vec![ok_reply(&Value::Int(1)), ok_reply(&Value::Int(2))];
        let (_dir, url, handle) = serve(replies, true);
        let mut c = Client::new(&url, None, None).unwrap();
        assert_eq!(c.call("a.b", &[]).unwrap(), Value::Int(1));
        assert_eq!(c.call("a.b", &[]).unwrap(), Value::Int(2));
        assert_eq!(handle.join().unwrap().len(), 2);
    }

    #[test]
    fn stream_reads_chunks() {
        let ex = crate::http::Exchange {
            version: crate::http::Version::Http11,
            keep_alive: true,
        };
        let mut reply = crate::http::stream_reply(ex, &[("Content-Type", "text/plain")], 0).bytes;
        reply.extend(crate::http::chunk(b"hello "));
        reply.extend(crate::http::chunk(b"world"));
        reply.extend(crate::http::LAST_CHUNK);
        let (_dir, url, handle) = serve(
            vec![reply, crate::http::error_reply(ex, 404, 0).bytes],
            true,
        );
        let c = Client::new(&url, None, None).unwrap();
        let mut s = c.open_stream("/logtail/foo").unwrap();
        assert_eq!(s.next_chunk().unwrap().unwrap(), b"hello ");
        assert_eq!(s.next_chunk().unwrap().unwrap(), b"world");
        assert_eq!(s.next_chunk().unwrap(), None);
        assert_eq!(s.next_chunk().unwrap(), None);
        let e = c.open_stream("/logtail/nope").unwrap_err();
        assert_eq!(e.status(), Some(404));
        let seen = handle.join().unwrap();
        assert_eq!(seen[0].method, "GET");
        assert_eq!(seen[0].uri, "/logtail/foo");
    }
}
