//! HTTP/1.x framing for the server side, sans-IO: a request parser fed bytes, and the
//! bytes of replies laid out as Supervisor's medusa server lays them out.
//!
//! The daemon owns the sockets. Per connection it keeps a [`RequestParser`], feeds it
//! what it reads, takes complete [`Request`]s out, and writes the [`Reply`] bytes built
//! here. After a [`Reply`] with `close` set, or any [`HttpError`], it closes the
//! connection once the bytes are written.
//!
//! Medusa's habits kept here: headers `Server: Medusa/1.12` and `Date` first, then the
//! handler's headers in the order it set them; an HTTP/1.0 client gets
//! `Connection: Keep-Alive` only when it asked for it and the reply has a length; an
//! HTTP/1.1 reply without a length is chunked; `Connection: close` is never written
//! for a closing HTTP/1.1 reply (medusa builds the head before deciding), the
//! connection is just closed.

use std::fmt;

use supervisor_types::CivilTime;

/// The `Server` header medusa sends.
pub const SERVER: &str = "Medusa/1.12";

/// The last chunk of a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The HTTP version of a request; replies echo it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// Size limits for one request. Medusa has none; these bound a connection's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request head (request line and headers), in bytes.
    pub max_head: usize,
    /// Largest body, in bytes.
    pub max_body: usize,
}

impl Default for Limits {
    /// 64 KiB of head and 16 MiB of body.
    fn default() -> Limits {
        Limits {
            max_head: 64 * 1024,
            max_body: 16 * 1024 * 1024,
        }
    }
}

/// A complete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The target as medusa stores it: when the path holds `%`, the path is
    /// percent-decoded and the query (if non-empty) re-attached after `?`.
    pub uri: String,
    /// The version from the request line.
    pub version: Version,
    /// Header names and values, in order, as sent.
    pub headers: Vec<(String, String)>,
    /// The `Content-Length`, when given. A `POST` without one gets 411 from medusa.
    pub content_length: Option<usize>,
    /// The body (empty without `Content-Length`).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path: `uri` up to the first `;`, `?` or `#`.
    pub fn path(&self) -> &str {
        let end = self.uri.find([';', '?', '#']).unwrap_or(self.uri.len());
        &self.uri[..end]
    }

    /// Whether the connection stays open after the reply, by medusa's rules: HTTP/1.0
    /// only with `Connection: keep-alive`, HTTP/1.1 unless `Connection: close`.
    pub fn keep_alive(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        match self.version {
            Version::Http10 => conn == "keep-alive",
            Version::Http11 => conn != "close",
        }
    }
}

/// Why the bytes on a connection are not a request. Every one ends the connection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The request line or a header is not HTTP/1.x syntax.
    #[error("malformed HTTP request head: {0}")]
    Malformed(String),
    /// The head grew beyond [`Limits::max_head`] without ending.
    #[error("HTTP request head exceeds {limit} bytes")]
    HeadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// `Content-Length` is larger than [`Limits::max_body`].
    #[error("HTTP request body of {length} bytes exceeds {limit} bytes")]
    BodyTooLarge {
        /// The request's version, for the reply.
        version: Version,
        /// The announced length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// `Content-Length` is not a number.
    #[error("HTTP Content-Length {value:?} is not a number")]
    BadContentLength {
        /// The request's version, for the reply.
        version: Version,
        /// The header's value.
        value: String,
    },
    /// A request body in chunked transfer encoding, which medusa does not read.
    #[error("HTTP request bodies in chunked transfer encoding are not supported")]
    ChunkedRequest {
        /// The request's version, for the reply.
        version: Version,
    },
}

impl HttpError {
    /// The status to answer before closing, or `None` to close without a word, as
    /// medusa does when it cannot read the request line.
    pub fn reply(&self) -> Option<(Version, u16)> {
        match self {
            HttpError::Malformed(_) => None,
            // Medusa has no head limit; 400 is the nearest answer it knows.
            HttpError::HeadTooLarge { .. } => Some((Version::Http11, 400)),
            HttpError::BodyTooLarge { version, .. } => Some((*version, 413)),
            // Medusa's `int(content_length)` raises, and the server answers 500.
            HttpError::BadContentLength { version, .. } => Some((*version, 500)),
            // Without a Content-Length medusa's collector answers 411.
            HttpError::ChunkedRequest { version } => Some((*version, 411)),
        }
    }
}

/// An incremental request parser for one connection: feed it bytes as they arrive,
/// take requests out as they complete (pipelined requests queue up).
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    buf: Vec<u8>,
    failed: Option<HttpError>,
}

const MAX_HEADERS: usize = 64;

impl RequestParser {
    /// A parser with these limits.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            buf: Vec::new(),
            failed: None,
        }
    }

    /// Appends bytes read from the connection.
    pub fn feed(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// How many bytes are buffered and not yet part of a returned request.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete request, `Ok(None)` if more bytes are needed. After an error
    /// the parser keeps returning it.
    pub fn next_request(&mut self) -> Result<Option<Request>, HttpError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.parse() {
            Ok(r) => Ok(r),
            Err(e) => {
                self.buf = Vec::new();
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn parse(&mut self) -> Result<Option<Request>, HttpError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let head_len = match req.parse(&self.buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                if self.buf.len() > self.limits.max_head {
                    return Err(HttpError::HeadTooLarge {
                        limit: self.limits.max_head,
                    });
                }
                return Ok(None);
            }
            Err(e) => return Err(HttpError::Malformed(e.to_string())),
        };
        if head_len > self.limits.max_head {
            return Err(HttpError::HeadTooLarge {
                limit: self.limits.max_head,
            });
        }
        let version = match req.version {
            Some(0) => Version::Http10,
            _ => Version::Http11,
        };
        let method = req.method.unwrap_or_default().to_owned();
        let raw_uri = req.path.unwrap_or_default();
        let uri = medusa_unquote_uri(raw_uri);
        let mut content_length = None;
        let mut out_headers = Vec::with_capacity(req.headers.len());
        for h in req.headers.iter() {
            let value = String::from_utf8_lossy(h.value).into_owned();
            if h.name.eq_ignore_ascii_case("content-length") && content_length.is_none() {
                let n = value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| HttpError::BadContentLength {
                        version,
                        value: value.clone(),
                    })?;
                content_length = Some(n);
            }
            if h.name.eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
            {
                return Err(HttpError::ChunkedRequest { version });
            }
            out_headers.push((h.name.to_owned(), value));
        }
        let body_len = content_length.unwrap_or(0);
        if body_len > self.limits.max_body {
            return Err(HttpError::BodyTooLarge {
                version,
                length: body_len,
                limit: self.limits.max_body,
            });
        }
        if self.buf.len() - head_len < body_len {
            return Ok(None);
        }
        let body = self.buf[head_len..head_len + body_len].to_vec();
        self.buf.drain(..head_len + body_len);
        Ok(Some(Request {
            method,
            uri,
            version,
            headers: out_headers,
            content_length,
            body,
        }))
    }
}

/// Medusa's treatment of the target: only when the part before the last `?` holds a
/// `%` is it percent-decoded (as UTF-8, bad sequences replaced), and then an empty
/// query is dropped.
fn medusa_unquote_uri(uri: &str) -> String {
    let (path, query) = match uri.rsplit_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    if !path.contains('%') {
        return uri.to_owned();
    }
    let decoded = percent_decode(path);
    match query {
        Some(q) if !q.is_empty() => format!("{decoded}?{q}"),
        _ => decoded,
    }
}

/// Python's `urllib.parse.unquote`.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The reason phrase medusa sends for `code` (its table; `Unknown` outside it).
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        _ => "Unknown",
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) for seconds since the Unix epoch.
pub fn http_date(unix_secs: i64) -> String {
    let t = CivilTime::from_unix(unix_secs);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        t.weekday_abbr(),
        t.day,
        t.month_abbr(),
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

/// Bytes to write for one reply, and what to do with the connection afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The head, and the body when it is complete.
    pub bytes: Vec<u8>,
    /// Close the connection once these bytes (and any stream) are written.
    pub close: bool,
    /// The body follows as a stream: frame each piece with [`chunk`] and end with
    /// [`LAST_CHUNK`]. When `false` for a stream (HTTP/1.0), write it raw and close.
    pub chunked: bool,
}

/// What the reply's connection handling depends on: the request's version and whether
/// it asked to keep the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The request's version.
    pub version: Version,
    /// [`Request::keep_alive`].
    pub keep_alive: bool,
}

impl From<&Request> for Exchange {
    fn from(r: &Request) -> Exchange {
        Exchange {
            version: r.version,
            keep_alive: r.keep_alive(),
        }
    }
}

fn head(ex: Exchange, status: u16, now_unix: i64, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!(
        "{} {} {}\r\nServer: {SERVER}\r\nDate: {}\r\n",
        ex.version,
        status,
        reason(status),
        http_date(now_unix)
    );
    for (k, v) in headers {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A reply with a complete body. `headers` come after `Server` and `Date`, in the
/// order given, and must include `Content-Length` where the handler sets it.
pub fn complete_reply(
    ex: Exchange,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    now_unix: i64,
) -> Reply {
    let mut headers = headers.to_vec();
    let close = match ex.version {
        Version::Http10 if ex.keep_alive => {
            // A dict assignment in medusa: an earlier Connection header keeps its place.
            match headers.iter_mut().find(|(k, _)| *k == "Connection") {
                Some(h) => h.1 = "Keep-Alive",
                None => headers.push(("Connection", "Keep-Alive")),
            }
            false
        }
        Version::Http10 => true,
        Version::Http11 => !ex.keep_alive,
    };
    let mut bytes = head(ex, status, now_unix, &headers);
    bytes.extend_from_slice(body);
    Reply {
        bytes,
        close,
        chunked: false,
    }
}

/// The reply to an XML-RPC call: `Content-Type: text/xml` and `Content-Length`, then
/// the body built by [`crate::encode_response`] or [`crate::encode_fault`].
pub fn xmlrpc_reply(ex: Exchange, body: &str, now_unix: i64) -> Reply {
    let len = body.len().to_string();
    complete_reply(
        ex,
        200,
        &[("Content-Type", "text/xml"), ("Content-Length", &len)],
        body.as_bytes(),
        now_unix,
    )
}

/// Medusa's HTML error page for `code`.
pub fn error_page(code: u16) -> String {
    format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code {code}.\r\n<p>Message: {}.\r\n</body>\r\n",
        reason(code)
    )
}

/// Medusa's error reply: `Content-Length`, `Content-Type: text/html`, the HTML page.
pub fn error_reply(ex: Exchange, code: u16, now_unix: i64) -> Reply {
    let page = error_page(code);
    let len = page.len().to_string();
    complete_reply(
        ex,
        code,
        &[("Content-Length", &len), ("Content-Type", "text/html")],
        page.as_bytes(),
        now_unix,
    )
}

/// The 401 reply of medusa's auth handler, which always closes the connection
/// (medusa leaves it open but ignores everything sent after).
pub fn unauthorized_reply(ex: Exchange, now_unix: i64) -> Reply {
    let page = error_page(401);
    let len = page.len().to_string();
    let mut reply = complete_reply(
        ex,
        401,
        &[
            ("Connection", "close"),
            ("WWW-Authenticate", "Basic realm=\"default\""),
            ("Content-Length", &len),
            ("Content-Type", "text/html"),
        ],
        page.as_bytes(),
        now_unix,
    );
    reply.close = true;
    reply
}

/// The head of a streamed reply (`/logtail`, `/mainlogtail`): `headers` as the handler
/// sets them, then `Transfer-Encoding: chunked` for an HTTP/1.1 client that keeps the
/// connection; otherwise the stream is written raw and the connection closed.
pub fn stream_reply(ex: Exchange, headers: &[(&str, &str)], now_unix: i64) -> Reply {
    let chunked = ex.version == Version::Http11 && ex.keep_alive;
    let mut headers = headers.to_vec();
    if chunked {
        headers.push(("Transfer-Encoding", "chunked"));
    }
    Reply {
        bytes: head(ex, 200, now_unix, &headers),
        close: !chunked,
        chunked,
    }
}

/// One chunk of a chunked body: hex length, CRLF, data, CRLF. Empty data gives no
/// bytes, since an empty chunk would end the body.
pub fn chunk(data: &[u8]) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_794_662_475; // Sat, 14 Nov 2026 13:21:15 GMT

    fn parse_all(data: &[u8]) -> Result<Vec<Request>, HttpError> {
        let mut p = RequestParser::new(Limits::default());
        p.feed(data);
        let mut out = Vec::new();
        while let Some(r) = p.next_request()? {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn http_date_formats_gmt() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(NOW), "Sat, 14 Nov 2026 13:21:15 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    }

    #[test]
    fn parses_byte_by_byte_and_pipelined() {
        let one = b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello";
        let mut p = RequestParser::new(Limits::default());
        let mut got = Vec::new();
        for b in one.iter().chain(one.iter()) {
            p.feed(&[*b]);
            while let Some(r) = p.next_request().unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got.len(), 2);
        let r = &got[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.uri, "/RPC2");
        assert_eq!(r.version, Version::Http11);
        assert_eq!(r.header("HOST"), Some("localhost"));
        assert_eq!(r.content_length, Some(5));
        assert_eq!(r.body, b"hello");
        assert!(r.keep_alive());
        assert_eq!(p.buffered(), 0);
    }

    #[test]
    fn keep_alive_rules() {
        let cases: [(&[u8], bool); 5] = [
            (b"GET / HTTP/1.0\r\n\r\n", false),
            (b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
            (b"GET / HTTP/1.1\r\n\r\n", true),
            (b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", false),
            (b"GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n", true),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_all(raw).unwrap()[0].keep_alive(), want, "{raw:?}");
        }
    }

    #[test]
    fn uri_is_unquoted_like_medusa() {
        let r = &parse_all(b"GET /logtail/a%3Ab?x=%41 HTTP/1.1\r\n\r\n").unwrap()[0];
        assert_eq!(r.uri, "/logtail/a:b?x=%41");
        assert_eq!(r.path(), "/logtail/a:b");
        let r = &parse_all(b"GET /a%20b? HTTP/1.1\r\n\r\n").unwrap()[0];
        assert_eq!(r.uri, "/a b");
        let r = &parse_all(b"GET /ab?q%20 HTTP/1.1\r\n\r\n").unwrap()[0];
        assert_eq!(r.uri, "/ab?q%20");
        assert_eq!(percent_decode("%e2%82%ac%zz%"), "\u{20ac}%zz%");
    }

    #[test]
    fn leading_blank_lines_are_skipped() {
        let r = parse_all(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            parse_all(b"GARBAGE\r\n\r\n"),
            Err(HttpError::Malformed(_))
        ));
        assert_eq!(HttpError::Malformed(String::new()).reply(), None);
        let e = parse_all(b"POST / HTTP/1.0\r\nContent-Length: x\r\n\r\n").unwrap_err();
        assert_eq!(e.reply(), Some((Version::Http10, 500)));
        let e = parse_all(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap_err();
        assert_eq!(e.reply(), Some((Version::Http11, 411)));
        let mut p = RequestParser::new(Limits {
            max_head: 32,
            max_body: 4,
        });
        p.feed(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(p.next_request(), Err(HttpError::HeadTooLarge { limit: 32 }));
        // The parser stays failed.
        p.feed(b"GET / HTTP/1.1\r\n\r\n");
        assert!(p.next_request().is_err());
        let mut p = RequestParser::new(Limits {
            max_head: 1024,
            max_body: 4,
        });
        p.feed(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(
            p.next_request().unwrap_err().reply(),
            Some((Version::Http11, 413))
        );
        let mut p = RequestParser::new(Limits {
            max_head: 16,
            max_body: 4,
        });
        p.feed(b"GET /aaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(p.next_request(), Err(HttpError::HeadTooLarge { limit: 16 }));
    }

    fn ex(version: Version, keep_alive: bool) -> Exchange {
        Exchange {
            version,
            keep_alive,
        }
    }

    // The expected bytes below were captured from Python Supervisor 4.3 over its unix
    // socket, with the Date replaced.
    #[test]
    fn xmlrpc_reply_matches_medusa() {
        let body = "<x/>\n";
        let r = xmlrpc_reply(ex(Version::Http11, true), body, NOW);
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            "HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\nDate: Sat, 14 Nov 2026 13:21:15 GMT\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\n<x/>\n"
        );
        assert!(!r.close);
        let r = xmlrpc_reply(ex(Version::Http10, true), body, NOW);
        assert!(
            String::from_utf8(r.bytes)
                .unwrap()
                .contains("Content-Length: 5\r\nConnection: Keep-Alive\r\n\r\n")
        );
        assert!(!r.close);
        let r = xmlrpc_reply(ex(Version::Http10, false), body, NOW);
        assert!(!String::from_utf8(r.bytes).unwrap().contains("Connection"));
        assert!(r.close);
        let r = xmlrpc_reply(ex(Version::Http11, false), body, NOW);
        assert!(!String::from_utf8(r.bytes).unwrap().contains("Connection"));
        assert!(r.close);
    }

    #[test]
    fn error_reply_matches_medusa() {
        let r = error_reply(ex(Version::Http11, true), 400, NOW);
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            "HTTP/1.1 400 Bad Request\r\nServer: Medusa/1.12\r\nDate: Sat, 14 Nov 2026 13:21:15 GMT\r\nContent-Length: 136\r\nContent-Type: text/html\r\n\r\n<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code 400.\r\n<p>Message: Bad Request.\r\n</body>\r\n"
        );
        assert_eq!(error_page(411).len(), 140);
        assert_eq!(error_page(500).len(), 146);
        assert_eq!(error_page(404).len(), 134);
    }

    #[test]
    fn unauthorized_reply_matches_medusa() {
        let r = unauthorized_reply(ex(Version::Http11, true), NOW);
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            "HTTP/1.1 401 Unauthorized\r\nServer: Medusa/1.12\r\nDate: Sat, 14 Nov 2026 13:21:15 GMT\r\nConnection: close\r\nWWW-Authenticate: Basic realm=\"default\"\r\nContent-Length: 137\r\nContent-Type: text/html\r\n\r\n<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code 401.\r\n<p>Message: Unauthorized.\r\n</body>\r\n"
        );
        assert!(r.close);
    }

    #[test]
    fn stream_reply_matches_medusa() {
        let headers = [
            ("Last-Modified", "Sat, 14 Nov 2026 13:21:09 GMT"),
            ("Content-Type", "text/plain;charset=utf-8"),
            ("X-Accel-Buffering", "no"),
        ];
        let r = stream_reply(ex(Version::Http11, true), &headers, NOW);
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            "HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\nDate: Sat, 14 Nov 2026 13:21:15 GMT\r\nLast-Modified: Sat, 14 Nov 2026 13:21:09 GMT\r\nContent-Type: text/plain;charset=utf-8\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        assert!(r.chunked && !r.close);
        let r = stream_reply(ex(Version::Http10, false), &headers, NOW);
        assert!(!r.chunked && r.close);
        assert_eq!(chunk(b"hello, world!!!!"), b"10\r\nhello, world!!!!\r\n");
        assert_eq!(chunk(b""), b"");
    }
}
