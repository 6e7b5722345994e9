//! Supervisor's web UI: the status page, the tail page, and the actions of their forms,
//! rendered from the XML-RPC api's data without touching a socket.
//!
//! [`Web::handle`] takes one HTTP request for a path [`matches()`] accepts and a
//! [`supervisor_api::Host`], reads what it shows through [`supervisor_api::dispatch`]
//! (`getAllProcessInfo`, `getSupervisorVersion`, `getIdentification`,
//! `readProcessStdoutLog`) and acts through it too (`startProcess`, `stopProcess`,
//! `clearProcessLogs`, `stopAllProcesses`, `system.multicall`). An action answers with a
//! redirect to the status page carrying Supervisor's banner message (`Process foo
//! started`, `All stopped at ...`); one that waits for processes comes back as
//! [`Reply::Waiting`], which the server keeps with the connection and polls after state
//! events, like a pending XML-RPC reply, so the daemon never blocks on it.
//!
//! Pages: `/` and `/index.html` (status), `/tail.html?processname=NAME[&limit=N]` (the
//! last bytes of a stdout log, reloading itself), `/ok.html` (`OK`, for health checks),
//! `/stylesheets/supervisor.css` and `/images/icon.svg`. The `/logtail/NAME` streams the
//! pages link to are the server's, not this crate's.
//!
//! Safety: everything shown is escaped; state-changing actions are accepted only as a
//! `POST` from a same-origin page whose form token matches the session cookie (see
//! [`Sessions`]). Supervisor uses plain `GET` links; that is the deliberate difference.
//! Authentication is the server's job and happens before this crate sees a request.
//!
//! Not here: sockets, HTTP framing (the caller turns a [`Response`] into bytes with
//! [`Response::to_http`]), authentication, log streaming.
//!
//! ```
//! # use std::{io, path::PathBuf, time::{Instant, SystemTime}};
//! # use supervisor_api::{Channel, GroupDiff, Host};
//! # use supervisor_config::GroupConfig;
//! # use supervisor_log::LogFileError;
//! # use supervisor_process::{CommandError, GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp};
//! # use supervisor_xmlrpc::Fault;
//! # struct Demo { table: ProcessTable, now: Timestamp }
//! # impl Host for Demo {
//! #     fn table(&self) -> &ProcessTable { &self.table }
//! #     fn table_mut(&mut self) -> &mut ProcessTable { &mut self.table }
//! #     fn now(&self) -> Timestamp { self.now }
//! #     fn utc_offset(&self) -> i32 { 0 }
//! #     fn identification(&self) -> &str { "supervisor" }
//! #     fn pid(&self) -> u32 { 1 }
//! #     fn check_command(&self, _: ProcessId) -> Result<(), Fault> { Ok(()) }
//! #     fn settle(&mut self) {}
//! #     fn logfile(&self, _: ProcessId, _: Channel) -> Option<PathBuf> { None }
//! #     fn main_logfile(&self) -> Option<PathBuf> { None }
//! #     fn clear_main_log(&mut self) -> Result<(), LogFileError> { Ok(()) }
//! #     fn clear_process_logs(&mut self, _: ProcessId) -> io::Result<()> { Ok(()) }
//! #     fn send_stdin(&mut self, _: ProcessId, _: &[u8]) -> io::Result<()> { Ok(()) }
//! #     fn send_remote_comm_event(&mut self, _: &str, _: &str) {}
//! #     fn group_configs(&self) -> &[GroupConfig] { &[] }
//! #     fn reload_config(&mut self) -> Result<GroupDiff, String> { Ok(GroupDiff::default()) }
//! #     fn add_group(&mut self, n: &str) -> Result<(), CommandError> { Err(CommandError::BadName(n.into())) }
//! #     fn remove_group(&mut self, n: &str) -> Result<(), CommandError> { Err(CommandError::BadName(n.into())) }
//! # }
//! # let now = Timestamp::new(Instant::now(), SystemTime::now());
//! # let mut table = ProcessTable::new();
//! # table.add_group(GroupSpec::single(ProcessSpec::new("web")), now).unwrap();
//! # let mut host = Demo { table, now };
//! use supervisor_web::{Reply, Web, matches};
//! use supervisor_xmlrpc::http::{Request, Version};
//!
//! let mut web = Web::new([7; 32]);
//! let request = Request {
//!     method: "GET".into(),
//!     uri: "/".into(),
//!     version: Version::Http11,
//!     headers: Vec::new(),
//!     content_length: None,
//!     body: Vec::new(),
//! };
//! assert!(matches(request.path()));
//! let Reply::Ready(page) = web.handle(&mut host, &request) else { unreachable!() };
//! assert_eq!(page.status, 200);
//! let html = String::from_utf8(page.body).unwrap();
//! assert!(html.contains("<span class=\"statusnominal\">stopped</span>"));
//! ```
#![deny(missing_docs)]

mod actions;
mod pages;
mod session;
#[cfg(test)]
mod tests;
mod text;

use supervisor_api::{Host, Outcome, dispatch};
use supervisor_types::FaultCode;
use supervisor_xmlrpc::http::{self, Exchange, Request};
use supervisor_xmlrpc::{MethodCall, Value};

pub use pages::{Row, TAIL_REFRESH_SECS};
pub use session::{COOKIE, Sessions};
pub use text::{ctime, escape, quote};

const STYLESHEET: &str = include_str!("assets/supervisor.css");
const ICON: &str = include_str!("assets/icon.svg");

/// The content security policy of every page: no scripts, no frames, nothing from
/// elsewhere, forms only to this server.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What the web UI serves at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Status,
    Tail,
    Ok,
    Stylesheet,
    Icon,
}

fn route(path: &str) -> Option<Route> {
    match path.trim_start_matches('/') {
        "" | "index.html" => Some(Route::Status),
        "tail.html" => Some(Route::Tail),
        "ok.html" => Some(Route::Ok),
        "stylesheets/supervisor.css" => Some(Route::Stylesheet),
        "images/icon.svg" => Some(Route::Icon),
        _ => None,
    }
}

/// Whether the web UI serves `path` (a request path without its query).
pub fn matches(path: &str) -> bool {
    route(path).is_some()
}

/// A complete HTTP response, before framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers in order, without `Content-Length` (added by [`Response::to_http`]).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The bytes to send for this response to a request of exchange `ex`, dated
    /// `now_unix` (seconds since the epoch).
    pub fn to_http(&self, ex: Exchange, now_unix: i64) -> http::Reply {
        let len = self.body.len().to_string();
        let mut headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        headers.push(("Content-Length", &len));
        http::complete_reply(ex, self.status, &headers, &self.body, now_unix)
    }

    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn page(status: u16, html: String, cookie: Option<String>) -> Response {
        let mut headers = vec![
            ("Content-Type", "text/html;charset=utf-8".to_owned()),
            ("Pragma", "no-cache".to_owned()),
            ("Cache-Control", "no-cache".to_owned()),
            ("Expires", http::http_date(0)),
            ("Content-Security-Policy", CSP.to_owned()),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("X-Frame-Options", "DENY".to_owned()),
            ("Referrer-Policy", "same-origin".to_owned()),
        ];
        if let Some(session) = cookie {
            headers.push((
                "Set-Cookie",
                format!("{COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"),
            ));
        }
        Response {
            status,
            headers,
            body: html.into_bytes(),
        }
    }

    fn refused(status: u16, why: &str) -> Response {
        let title = format!("{status} {}", http::reason(status));
        Response::page(status, pages::refusal(&title, why), None)
    }

    fn asset(content_type: &str, body: &str) -> Response {
        Response {
            status: 200,
            headers: vec![
                ("Content-Type", content_type.to_owned()),
                ("Cache-Control", "max-age=3600".to_owned()),
                ("X-Content-Type-Options", "nosniff".to_owned()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The redirect after an action: back to the status page with the banner.
    fn after_action(message: &str) -> Response {
        Response {
            status: 303,
            headers: vec![
                (
                    "Location",
                    format!("index.html?message={}", text::quote(message)),
                ),
                ("Content-Type", "text/plain".to_owned()),
                ("Cache-Control", "no-cache".to_owned()),
            ],
            body: Vec::new(),
        }
    }
}

/// The answer to a request.
#[derive(Debug)]
pub enum Reply {
    /// Send this now.
    Ready(Response),
    /// An action waits for processes: poll it after state events; later requests on
    /// the connection wait behind it.
    Waiting(Waiting),
}

/// An action whose outcome is not known yet.
#[derive(Debug)]
pub struct Waiting(actions::Waiting);

impl Waiting {
    /// The redirect with the banner message, once the action's outcome is known.
    pub fn poll(&mut self, host: &mut dyn Host) -> Option<Response> {
        self.0.poll(host).map(|m| Response::after_action(&m))
    }
}

/// The web UI's state: the key of its sessions and form tokens.
#[derive(Clone, Debug)]
pub struct Web {
    sessions: Sessions,
}

/// A request's fields, query first and then a form body, the later value winning.
struct Form(Vec<(String, String)>);

impl Form {
    fn of(request: &Request) -> Form {
        let query = request
            .uri
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(""))
            .unwrap_or("");
        let mut fields = text::parse_form(query);
        if request.method == "POST" {
            fields.extend(text::parse_form(&String::from_utf8_lossy(&request.body)));
        }
        Form(fields)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request to act comes from another site, if it does. The browser's
/// `Sec-Fetch-Site` decides when it is sent (it stays right behind a proxy that
/// rewrites `Host`); older browsers' `Origin` must then match `Host`.
fn cross_site(request: &Request) -> Option<&'static str> {
    if let Some(site) = request.header("sec-fetch-site") {
        return (!matches!(site, "same-origin" | "none"))
            .then_some("the form was sent from another site");
    }
    let origin = request.header("origin")?;
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (authority, request.header("host")) {
        (None, _) => Some("the form was sent from a page without an origin"),
        (Some(a), Some(host)) if !a.eq_ignore_ascii_case(host) => {
            Some("the form was sent from another site")
        }
        _ => None,
    }
}

fn string_call(host: &mut dyn Host, method: &str) -> String {
    match dispatch(host, &MethodCall::new(method, Vec::new())) {
        Outcome::Done(Ok(Value::String(s))) => s,
        _ => String::new(),
    }
}

fn rows(host: &mut dyn Host) -> Vec<Row> {
    let call = MethodCall::new("supervisor.getAllProcessInfo", Vec::new());
    let Outcome::Done(Ok(Value::Array(infos))) = dispatch(host, &call) else {
        return Vec::new();
    };
    let text = |info: &Value, key| {
        info.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    infos
        .iter()
        .map(|info| Row {
            name: text(info, "name"),
            group: text(info, "group"),
            state: info.get("state").and_then(Value::as_i32).unwrap_or(1000),
            statename: text(info, "statename"),
            description: text(info, "description"),
        })
        .collect()
}

impl Web {
    /// A web UI whose sessions and tokens are keyed by `secret`, which must be
    /// unpredictable (the daemon reads it from the system's random source).
    pub fn new(secret: [u8; 32]) -> Web {
        Web {
            sessions: Sessions::new(secret),
        }
    }

    /// Answers a request for a path [`matches()`] accepts (anything else is 404).
    /// Authentication must have been checked already.
    pub fn handle(&mut self, host: &mut dyn Host, request: &Request) -> Reply {
        let Some(route) = route(request.path()) else {
            return Reply::Ready(Response::refused(404, "There is no such page."));
        };
        let method = request.method.as_str();
        match route {
            Route::Stylesheet | Route::Icon if method != "GET" => {
                Reply::Ready(Response::refused(400, "Only GET is served here."))
            }
            Route::Stylesheet => Reply::Ready(Response::asset("text/css", STYLESHEET)),
            Route::Icon => Reply::Ready(Response::asset("image/svg+xml", ICON)),
            _ if method != "GET" && method != "POST" => {
                Reply::Ready(Response::refused(400, "Only GET and POST are served here."))
            }
            Route::Ok => Reply::Ready(Response {
                status: 200,
                headers: vec![("Content-Type", "text/plain".to_owned())],
                body: b"OK".to_vec(),
            }),
            Route::Tail => Reply::Ready(self.tail(host, request)),
            Route::Status => self.status(host, request),
        }
    }

    fn session(&mut self, request: &Request) -> (String, Option<String>) {
        match session::from_cookie(request.header("cookie")) {
            Some(s) => (s.to_owned(), None),
            None => {
                let s = self.sessions.issue();
                (s.clone(), Some(s))
            }
        }
    }

    fn status(&mut self, host: &mut dyn Host, request: &Request) -> Reply {
        let form = Form::of(request);
        if let Some(action) = form.get("action") {
            if action != "refresh"
                && let Some(refusal) = self.refuse_action(request, &form)
            {
                return Reply::Ready(refusal);
            }
            return match actions::run(host, action, form.get("processname")) {
                Ok(actions::Started::Message(m)) => Reply::Ready(Response::after_action(&m)),
                Ok(actions::Started::Waiting(w)) => Reply::Waiting(Waiting(w)),
                Err(actions::UnknownAction(a)) => Reply::Ready(Response::refused(
                    400,
                    &format!("Unknown action {a:?} (or it needs a process name)."),
                )),
            };
        }
        let (session, cookie) = self.session(request);
        let token = self.sessions.token(&session);
        let version = string_call(host, "supervisor.getSupervisorVersion");
        let identification = string_call(host, "supervisor.getIdentification");
        let rows = rows(host);
        let page = pages::StatusPage {
            message: form.get("message"),
            token: &token,
            version: &version,
            identification: &identification,
        };
        Reply::Ready(Response::page(200, pages::status(&page, &rows), cookie))
    }

    /// Why a state-changing action is refused, if it is: not a POST, from another
    /// site, or without the token of its session.
    fn refuse_action(&self, request: &Request, form: &Form) -> Option<Response> {
        if request.method != "POST" {
            return Some(Response::refused(
                403,
                "Actions are only taken from the buttons of the status page.",
            ));
        }
        if let Some(why) = cross_site(request) {
            return Some(Response::refused(403, &format!("Refused: {why}.")));
        }
        let session = session::from_cookie(request.header("cookie"));
        let valid = session
            .zip(form.get("token"))
            .is_some_and(|(s, t)| self.sessions.check(s, t));
        (!valid).then(|| {
            Response::refused(
                403,
                "Refused: the form's token does not match this browser's session. Reload the status page and try again.",
            )
        })
    }

    fn tail(&self, host: &mut dyn Host, request: &Request) -> Response {
        let form = Form::of(request);
        let processname = form.get("processname");
        let limit = form
            .get("limit")
            .filter(|l| l.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|l| l.parse::<u64>().ok())
            .unwrap_or(1024)
            .max(1024);
        let body = match processname {
            None => "No process name found".to_owned(),
            Some(name) => {
                let offset = -i32::try_from(limit).unwrap_or(i32::MAX);
                let call = MethodCall::new(
                    "supervisor.readProcessStdoutLog",
                    vec![Value::from(name), Value::Int(offset), Value::Int(0)],
                );
                match dispatch(host, &call) {
                    Outcome::Done(Ok(Value::String(s))) => s,
                    Outcome::Done(Err(f)) if f.code == FaultCode::NoFile.code() => {
                        format!("No file for {name}")
                    }
                    Outcome::Done(Err(f)) => {
                        format!("ERROR: unexpected rpc fault [{}] {}", f.code, f.string)
                    }
                    Outcome::Done(Ok(_)) | Outcome::Pending(_) => String::new(),
                }
            }
        };
        Response::page(200, pages::tail(processname, &body, limit), None)
    }
}
