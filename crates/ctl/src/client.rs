//! The real [`Connector`]: XML-RPC calls through `supervisor-xmlrpc`'s blocking client
//! (one kept-alive HTTP/1.1 connection per proxy, Basic authentication), decoded into the
//! typed results of [`Supervisor`]; and `/logtail` streams.
//!
//! The stream reader is our own because it must survive read timeouts without losing its
//! place in the chunked framing: the controller polls it so Ctrl-C is noticed while no
//! log output arrives.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use supervisor_xmlrpc::Value;
use supervisor_xmlrpc::auth::basic_header;
use supervisor_xmlrpc::client::{Client, ClientError, ServerUrl};

use crate::py;
use crate::rpc::{
    ConfigChanges, ConfigInfo, Connector, ProcessInfo, ProcessResult, RpcError, RpcErrorKind,
    StreamError, Supervisor, Target,
};

/// How often a blocked `/logtail` read wakes up so the caller can notice Ctrl-C.
const STREAM_POLL: Duration = Duration::from_millis(200);

/// Connects to supervisord for real (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpConnector;

impl Connector for HttpConnector {
    fn supervisor(&mut self, target: &Target) -> Box<dyn Supervisor> {
        Box::new(XmlRpcClient::new(target))
    }

    fn stream(&mut self, target: &Target, path: &str) -> Result<Box<dyn Read + Send>, StreamError> {
        open_stream(target, path)
    }
}

/// A byte stream to supervisord.
enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Unix(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

impl Conn {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Conn::Unix(s) => s.set_read_timeout(t),
            Conn::Tcp(s) => s.set_read_timeout(t),
        }
    }
}

fn connect(url: &ServerUrl) -> io::Result<Conn> {
    match url {
        ServerUrl::Unix(path) => UnixStream::connect(path).map(Conn::Unix),
        ServerUrl::Http { host, port } => TcpStream::connect((host.as_str(), *port)).map(Conn::Tcp),
    }
}

/// A parsed response head.
struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    close: bool,
}

/// Reads a response head (status line and headers) from `r`.
fn read_head<R: BufRead>(r: &mut R) -> io::Result<Head> {
    let mut raw = Vec::new();
    loop {
        let before = raw.len();
        let n = r.read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "Remote end closed connection without response",
            ));
        }
        let line = &raw[before..];
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            break;
        }
        if raw.len() > 64 * 1024 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "response head too long",
            ));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&raw)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let mut head = Head {
        status: resp.code.unwrap_or(0),
        content_length: None,
        chunked: false,
        close: resp.version == Some(0),
    };
    for h in resp.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        let value = value.trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            head.content_length = value.parse().ok();
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.eq_ignore_ascii_case("chunked");
        } else if h.name.eq_ignore_ascii_case("connection") {
            head.close = value.eq_ignore_ascii_case("close");
        }
    }
    Ok(head)
}

/// A de-chunking reader (`Transfer-Encoding: chunked`) that keeps its place when the
/// underlying read times out, so it can be polled.
struct Chunked<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes left in the current chunk; `None` while reading a size line.
    left: Option<u64>,
    done: bool,
}

impl<R: Read> Chunked<R> {
    fn new(inner: R, buffered: Vec<u8>) -> Self {
        Chunked {
            inner,
            buf: buffered,
            pos: 0,
            left: None,
            done: false,
        }
    }

    fn fill(&mut self) -> io::Result<usize> {
        self.buf.drain(..self.pos);
        self.pos = 0;
        let mut tmp = [0u8; 8192];
        let n = self.inner.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }
}

impl<R: Read> Read for Chunked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            let avail = &self.buf[self.pos..];
            match self.left {
                Some(left) if !avail.is_empty() => {
                    let k = (left.min(avail.len() as u64) as usize).min(out.len());
                    out[..k].copy_from_slice(&avail[..k]);
                    self.pos += k;
                    self.left = if left == k as u64 {
                        None
                    } else {
                        Some(left - k as u64)
                    };
                    return Ok(k);
                }
                None => {
                    if let Some(nl) = avail.iter().position(|b| *b == b'\n') {
                        let line = String::from_utf8_lossy(&avail[..nl]).into_owned();
                        self.pos += nl + 1;
                        let word = line.split_whitespace().next().unwrap_or("");
                        if word.is_empty() {
                            continue;
                        }
                        let word = word.split(';').next().unwrap_or("");
                        let size = u64::from_str_radix(word, 16).map_err(|_| {
                            io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!("bad chunk size {line:?}"),
                            )
                        })?;
                        if size == 0 {
                            self.done = true;
                        } else {
                            self.left = Some(size);
                        }
                        continue;
                    }
                }
                Some(_) => {}
            }
            if self.fill()? == 0 {
                return Ok(0);
            }
        }
    }
}

/// Opens `GET path` on the server and returns the body reader.
fn open_stream(target: &Target, path: &str) -> Result<Box<dyn Read + Send>, StreamError> {
    let endpoint = ServerUrl::parse(&target.serverurl).map_err(|e| StreamError::Connect {
        class: "ValueError".into(),
        message: e.to_string(),
    })?;
    let conn = connect(&endpoint).map_err(|e| StreamError::connect(&e))?;
    let url = format!("{}{}", target.serverurl, path);
    let host = py::urlparse(&url).netloc.to_owned();
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\n"
    );
    if let Some(password) = target.password.as_deref().filter(|p| !p.is_empty()) {
        let user = target.username.as_deref().unwrap_or("None");
        req.push_str(&format!(
            "Authorization: {}\r\n",
            basic_header(user, password)
        ));
    }
    req.push_str("\r\n");
    let mut conn = conn;
    conn.write_all(req.as_bytes())
        .map_err(|e| StreamError::connect(&e))?;
    let mut reader = BufReader::new(conn);
    let head = read_head(&mut reader).map_err(|e| StreamError::connect(&e))?;
    if head.status != 200 {
        return Err(StreamError::Status(head.status));
    }
    let buffered = reader.buffer().to_vec();
    let conn = reader.into_inner();
    conn.set_read_timeout(Some(STREAM_POLL))
        .map_err(|e| StreamError::connect(&e))?;
    if head.chunked {
        Ok(Box::new(Chunked::new(conn, buffered)))
    } else {
        let len = head.content_length.unwrap_or(0);
        Ok(Box::new(io::Cursor::new(buffered).chain(conn).take(len)))
    }
}

/// An XML-RPC proxy for one server, decoding replies into [`Supervisor`]'s types.
pub struct XmlRpcClient {
    client: Result<Client, String>,
}

impl XmlRpcClient {
    /// A proxy for `target`; nothing is connected yet. A bad URL shows up as the error
    /// of every call, as Python raises it when the first command runs.
    pub fn new(target: &Target) -> Self {
        let client = Client::new(
            &target.serverurl,
            target.username.as_deref(),
            target.password.as_deref(),
        )
        .map_err(|_| format!("Unknown protocol for serverurl {}", target.serverurl));
        XmlRpcClient { client }
    }

    /// Calls `method` with `params` and returns its value, or the fault as an error.
    #[track_caller]
    pub fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, RpcError> {
        let client = self
            .client
            .as_mut()
            .map_err(|m| RpcError::from(RpcErrorKind::BadUrl(m.clone())))?;
        client.call(method, &params).map_err(|e| match e {
            ClientError::Fault(f) => RpcError::fault(f.code, f.string),
            ClientError::BadUrl(url) => {
                RpcErrorKind::BadUrl(format!("Unknown protocol for serverurl {url}")).into()
            }
            ClientError::Io { source, .. } => source.into(),
            ClientError::Status { status, reason, .. } => {
                RpcErrorKind::Http { status, reason }.into()
            }
            ClientError::Protocol { message, .. } => RpcError::protocol(message),
            ClientError::Parse(e) => RpcError::protocol(e.to_string()),
        })
    }
}

fn member<'v>(v: &'v Value, name: &str) -> Result<&'v Value, RpcError> {
    v.get(name)
        .ok_or_else(|| RpcError::protocol(format!("missing member {name:?} in {v}")))
}

fn string(v: &Value, name: &str) -> Result<String, RpcError> {
    member(v, name)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| RpcError::protocol(format!("member {name:?} is not a string")))
}

fn int(v: &Value, name: &str) -> Result<i64, RpcError> {
    match member(v, name)? {
        Value::Int(n) => Ok(i64::from(*n)),
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => Err(RpcError::protocol(format!("member {name:?} is not an int"))),
    }
}

fn truth(v: &Value, name: &str) -> Result<bool, RpcError> {
    match member(v, name)? {
        Value::Bool(b) => Ok(*b),
        Value::Int(n) => Ok(*n != 0),
        _ => Err(RpcError::protocol(format!(
            "member {name:?} is not a boolean"
        ))),
    }
}

fn array(v: Value) -> Result<Vec<Value>, RpcError> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(RpcError::protocol(format!(
            "expected an array, got {other}"
        ))),
    }
}

fn text(v: Value) -> Result<String, RpcError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(RpcError::protocol(format!(
            "expected a string, got {other}"
        ))),
    }
}

/// The fields of one process info struct, found in one pass over its members; the
/// strings are moved out, so a status listing of hundreds of processes copies none.
/// `None` (and `v` untouched) when a member is missing or of the wrong type.
fn take_process_info(v: &mut Value) -> Option<ProcessInfo> {
    let Value::Struct(members) = v else {
        return None;
    };
    let [
        mut name,
        mut group,
        mut state,
        mut statename,
        mut description,
        mut pid,
    ] = [None, None, None, None, None, None];
    for (key, value) in members.iter_mut() {
        let slot = match key.as_str() {
            "name" => &mut name,
            "group" => &mut group,
            "state" => &mut state,
            "statename" => &mut statename,
            "description" => &mut description,
            "pid" => &mut pid,
            _ => continue,
        };
        // The first member of a name wins, as `Value::get` finds it.
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    let number = |v: &Value| match v {
        Value::Int(n) => Some(i64::from(*n)),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    let (state, pid) = (number(state?)?, number(pid?)?);
    let mut text = [name?, group?, statename?, description?].map(|v| match v {
        Value::String(s) => Some(s),
        _ => None,
    });
    if text.iter().any(Option::is_none) {
        return None;
    }
    let mut take = |i: usize| text[i].take().map(std::mem::take).unwrap_or_default();
    Some(ProcessInfo {
        name: take(0),
        group: take(1),
        state: state as i32,
        statename: take(2),
        description: take(3),
        pid,
    })
}

fn process_info(mut v: Value) -> Result<ProcessInfo, RpcError> {
    if let Some(info) = take_process_info(&mut v) {
        return Ok(info);
    }
    // Report the first bad member, in the order the errors have always come.
    string(&v, "name")?;
    string(&v, "group")?;
    int(&v, "state")?;
    string(&v, "statename")?;
    string(&v, "description")?;
    int(&v, "pid")?;
    Err(RpcError::protocol(format!("malformed process info {v}")))
}

fn results(v: Value) -> Result<Vec<ProcessResult>, RpcError> {
    array(v)?
        .iter()
        .map(|r| {
            Ok(ProcessResult {
                name: string(r, "name")?,
                group: string(r, "group")?,
                status: int(r, "status")? as i32,
                description: string(r, "description")?,
            })
        })
        .collect()
}

fn names(v: &Value) -> Result<Vec<String>, RpcError> {
    v.as_array()
        .ok_or_else(|| RpcError::protocol("expected a list of names"))?
        .iter()
        .map(|n| {
            n.as_str()
                .map(str::to_owned)
                .ok_or_else(|| RpcError::protocol("expected a name"))
        })
        .collect()
}

fn int_arg(n: i64) -> Result<Value, RpcError> {
    Value::int(n).map_err(|_| RpcErrorKind::Overflow("int exceeds XML-RPC limits".into()).into())
}

impl Supervisor for XmlRpcClient {
    fn get_api_version(&mut self) -> Result<String, RpcError> {
        text(self.call("supervisor.getVersion", vec![])?)
    }

    fn get_supervisor_version(&mut self) -> Result<String, RpcError> {
        text(self.call("supervisor.getSupervisorVersion", vec![])?)
    }

    fn get_pid(&mut self) -> Result<i64, RpcError> {
        match self.call("supervisor.getPID", vec![])? {
            Value::Int(n) => Ok(i64::from(n)),
            other => Err(RpcError::protocol(format!("expected an int, got {other}"))),
        }
    }

    fn get_all_process_info(&mut self) -> Result<Vec<ProcessInfo>, RpcError> {
        array(self.call("supervisor.getAllProcessInfo", vec![])?)?
            .into_iter()
            .map(process_info)
            .collect()
    }

    fn get_process_info(&mut self, name: &str) -> Result<ProcessInfo, RpcError> {
        process_info(self.call("supervisor.getProcessInfo", vec![name.into()])?)
    }

    fn start_process(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.startProcess", vec![name.into()])
            .map(drop)
    }

    fn start_process_group(&mut self, name: &str) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.startProcessGroup", vec![name.into()])?)
    }

    fn start_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.startAllProcesses", vec![])?)
    }

    fn stop_process(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.stopProcess", vec![name.into()])
            .map(drop)
    }

    fn stop_process_group(&mut self, name: &str) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.stopProcessGroup", vec![name.into()])?)
    }

    fn stop_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.stopAllProcesses", vec![])?)
    }

    fn signal_process(&mut self, name: &str, signal: &str) -> Result<(), RpcError> {
        self.call("supervisor.signalProcess", vec![name.into(), signal.into()])
            .map(drop)
    }

    fn signal_process_group(
        &mut self,
        name: &str,
        signal: &str,
    ) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call(
            "supervisor.signalProcessGroup",
            vec![name.into(), signal.into()],
        )?)
    }

    fn signal_all_processes(&mut self, signal: &str) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.signalAllProcesses", vec![signal.into()])?)
    }

    fn read_process_stdout_log(
        &mut self,
        name: &str,
        offset: i64,
        length: i64,
    ) -> Result<String, RpcError> {
        let params = vec![name.into(), int_arg(offset)?, int_arg(length)?];
        text(self.call("supervisor.readProcessStdoutLog", params)?)
    }

    fn read_process_stderr_log(
        &mut self,
        name: &str,
        offset: i64,
        length: i64,
    ) -> Result<String, RpcError> {
        let params = vec![name.into(), int_arg(offset)?, int_arg(length)?];
        text(self.call("supervisor.readProcessStderrLog", params)?)
    }

    fn read_log(&mut self, offset: i64, length: i64) -> Result<String, RpcError> {
        let params = vec![int_arg(offset)?, int_arg(length)?];
        text(self.call("supervisor.readLog", params)?)
    }

    fn clear_process_logs(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.clearProcessLogs", vec![name.into()])
            .map(drop)
    }

    fn clear_all_process_logs(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
        results(self.call("supervisor.clearAllProcessLogs", vec![])?)
    }

    fn get_all_config_info(&mut self) -> Result<Vec<ConfigInfo>, RpcError> {
        array(self.call("supervisor.getAllConfigInfo", vec![])?)?
            .iter()
            .map(|c| {
                Ok(ConfigInfo {
                    name: string(c, "name")?,
                    group: string(c, "group")?,
                    inuse: truth(c, "inuse")?,
                    autostart: truth(c, "autostart")?,
                    group_prio: int(c, "group_prio")?,
                    process_prio: int(c, "process_prio")?,
                })
            })
            .collect()
    }

    fn reload_config(&mut self) -> Result<ConfigChanges, RpcError> {
        let v = self.call("supervisor.reloadConfig", vec![])?;
        let lists = v
            .as_array()
            .and_then(|outer| outer.first())
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::protocol(format!("unexpected reloadConfig reply {v}")))?;
        let [added, changed, removed] = lists else {
            return Err(RpcError::protocol(format!(
                "unexpected reloadConfig reply {v}"
            )));
        };
        Ok(ConfigChanges {
            added: names(added)?,
            changed: names(changed)?,
            removed: names(removed)?,
        })
    }

    fn add_process_group(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.addProcessGroup", vec![name.into()])
            .map(drop)
    }

    fn remove_process_group(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.removeProcessGroup", vec![name.into()])
            .map(drop)
    }

    fn shutdown(&mut self) -> Result<(), RpcError> {
        self.call("supervisor.shutdown", vec![]).map(drop)
    }

    fn restart(&mut self) -> Result<(), RpcError> {
        self.call("supervisor.restart", vec![]).map(drop)
    }

    fn send_process_stdin(&mut self, name: &str, chars: &str) -> Result<(), RpcError> {
        self.call(
            "supervisor.sendProcessStdin",
            vec![name.into(), chars.into()],
        )
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_info_takes_fields_and_reports_the_first_bad_member() {
        let good = || {
            vec![
                ("name".to_owned(), Value::from("a")),
                ("group".to_owned(), Value::from("g")),
                ("state".to_owned(), Value::Int(20)),
                ("statename".to_owned(), Value::from("RUNNING")),
                (
                    "description".to_owned(),
                    Value::from("pid 7, uptime 0:00:01"),
                ),
                ("pid".to_owned(), Value::Bool(true)),
                ("name".to_owned(), Value::from("ignored")),
            ]
        };
        assert_eq!(
            process_info(Value::Struct(good())).unwrap(),
            ProcessInfo {
                name: "a".into(),
                group: "g".into(),
                state: 20,
                statename: "RUNNING".into(),
                description: "pid 7, uptime 0:00:01".into(),
                pid: 1,
            }
        );
        let mut bad = good();
        bad.retain(|(k, _)| k != "pid");
        bad[4].1 = Value::Int(3);
        let err = process_info(Value::Struct(bad)).unwrap_err().to_string();
        assert!(err.contains("\"description\" is not a string"), "{err}");
        let err = process_info(Value::Nil).unwrap_err().to_string();
        assert!(err.contains("missing member \"name\""), "{err}");
    }

    #[test]
    fn chunked_reader_survives_timeouts_between_pieces() {
        struct Pieces(Vec<io::Result<Vec<u8>>>);
        impl Read for Pieces {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                let piece = self.0.remove(0)?;
                buf[..piece.len()].copy_from_slice(&piece);
                Ok(piece.len())
            }
        }
        let timeout = || Err(io::Error::from(io::ErrorKind::WouldBlock));
        let src = Pieces(vec![
            Ok(b"5\r\nhel".to_vec()),
            timeout(),
            Ok(b"lo\r\n3;x=y\r\n ab".to_vec()),
            timeout(),
            Ok(b"\r\n0\r\n\r\n".to_vec()),
        ]);
        let mut r = Chunked::new(src, b"\r\n".to_vec());
        let mut got = Vec::new();
        let mut buf = [0u8; 4];
        let mut timeouts = 0;
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => timeouts += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, b"hello ab");
        assert_eq!(timeouts, 2);
    }

    #[test]
    fn heads_are_parsed() {
        let mut r = io::Cursor::new(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
                .to_vec(),
        );
        let h = read_head(&mut r).unwrap();
        assert_eq!(h.status, 401);
        assert_eq!(h.content_length, Some(3));
        assert!(h.close);
        let mut r = io::Cursor::new(b"".to_vec());
        assert!(read_head(&mut r).is_err());
    }
}
