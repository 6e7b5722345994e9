//! Request-level tests on a fake host: routing, sessions and tokens, refusals, action
//! messages, the tail page.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use supervisor_api::{Channel, GroupDiff, Host};
use supervisor_config::GroupConfig;
use supervisor_log::LogFileError;
use supervisor_process::{
    CommandError, GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp,
};
use supervisor_xmlrpc::Fault;
use supervisor_xmlrpc::http::{Exchange, Request, Version};

use crate::{COOKIE, Reply, Response, Web, matches};

struct Fake {
    table: ProcessTable,
    now: Timestamp,
    dir: tempfile::TempDir,
    cleared: Vec<ProcessId>,
}

impl Fake {
    fn new() -> Fake {
        let now = Timestamp::new(
            Instant::now(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_103_200),
        );
        let mut table = ProcessTable::new();
        table
            .add_group(GroupSpec::single(ProcessSpec::new("web")), now)
            .unwrap();
        let mut group = GroupSpec::single(ProcessSpec::new("w1"));
        group.name = "workers".into();
        table.add_group(group, now).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web.out"), b"hello <b>world</b>\n").unwrap();
        Fake {
            table,
            now,
            dir,
            cleared: Vec::new(),
        }
    }
}

impl Host for Fake {
    fn table(&self) -> &ProcessTable {
        &self.table
    }
    fn table_mut(&mut self) -> &mut ProcessTable {
        &mut self.table
    }
    fn now(&self) -> Timestamp {
        self.now
    }
    fn utc_offset(&self) -> i32 {
        0
    }
    fn identification(&self) -> &str {
        "box<1>"
    }
    fn pid(&self) -> u32 {
        1
    }
    fn check_command(&self, _: ProcessId) -> Result<(), Fault> {
        Ok(())
    }
    fn settle(&mut self) {}
    fn logfile(&self, id: ProcessId, channel: Channel) -> Option<PathBuf> {
        let name = self.table.process(id)?.name().to_owned();
        (name == "web" && channel == Channel::Stdout).then(|| self.dir.path().join("web.out"))
    }
    fn main_logfile(&self) -> Option<PathBuf> {
        None
    }
    fn clear_main_log(&mut self) -> Result<(), LogFileError> {
        Ok(())
    }
    fn clear_process_logs(&mut self, id: ProcessId) -> io::Result<()> {
        self.cleared.push(id);
        Ok(())
    }
    fn send_stdin(&mut self, _: ProcessId, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn send_remote_comm_event(&mut self, _: &str, _: &str) {}
    fn group_configs(&self) -> &[GroupConfig] {
        &[]
    }
    fn reload_config(&mut self) -> Result<GroupDiff, String> {
        Ok(GroupDiff::default())
    }
    fn add_group(&mut self, name: &str) -> Result<(), CommandError> {
        Err(CommandError::BadName(name.into()))
    }
    fn remove_group(&mut self, name: &str) -> Result<(), CommandError> {
        Err(CommandError::BadName(name.into()))
    }
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request {
    Request {
        method: method.into(),
        uri: uri.into(),
        version: Version::Http11,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        content_length: Some(body.len()),
        body: body.as_bytes().to_vec(),
    }
}

fn ready(reply: Reply) -> Response {
    match reply {
        Reply::Ready(r) => r,
        Reply::Waiting(w) => panic!("expected a response, got {w:?}"),
    }
}

fn body(r: &Response) -> String {
    String::from_utf8(r.body.clone()).unwrap()
}

/// Loads the status page as a new browser: its session cookie and form token.
fn session(web: &mut Web, host: &mut Fake) -> (String, String) {
    let page = ready(web.handle(host, &request("GET", "/", &[], "")));
    let cookie = page.header("Set-Cookie").unwrap();
    let session = cookie
        .strip_prefix(&format!("{COOKIE}="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = body(&page);
    let at = html.find("name=\"token\" value=\"").unwrap() + 20;
    (session, html[at..at + 40].to_owned())
}

fn post(web: &mut Web, host: &mut Fake, session: &str, form: &str) -> Reply {
    let cookie = format!("{COOKIE}={session}");
    let headers = [
        ("Host", "127.0.0.1:9001"),
        ("Origin", "http://127.0.0.1:9001"),
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    web.handle(host, &request("POST", "/index.html", &headers, form))
}

#[test]
fn routes_like_supervisor() {
    for path in ["/", "/index.html", "//index.html", "/tail.html", "/ok.html"] {
        assert!(matches(path), "{path}");
    }
    for path in [
        "/RPC2",
        "/logtail/web",
        "/status.html",
        "/images/../ok.html",
    ] {
        assert!(!matches(path), "{path}");
    }
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let ok = ready(web.handle(&mut host, &request("GET", "/ok.html", &[], "")));
    assert_eq!((ok.status, body(&ok).as_str()), (200, "OK"));
    let css = ready(web.handle(
        &mut host,
        &request("GET", "/stylesheets/supervisor.css", &[], ""),
    ));
    assert_eq!(css.header("Content-Type"), Some("text/css"));
    let put = ready(web.handle(&mut host, &request("PUT", "/", &[], "")));
    assert_eq!(put.status, 400);
}

#[test]
fn status_page_lists_processes_with_headers() {
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let page = ready(web.handle(
        &mut host,
        &request("GET", "/?message=Hi%20%3Cthere%3E", &[], ""),
    ));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some("text/html;charset=utf-8"));
    assert_eq!(page.header("Content-Security-Policy"), Some(crate::CSP));
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    let html = body(&page);
    assert!(html.contains("data-name=\"web\" data-state=\"STOPPED\""));
    assert!(html.contains("data-name=\"workers:w1\""));
    assert!(html.contains(">Hi &lt;there&gt;</div>"));
    assert!(html.contains("box&lt;1&gt;"));
    assert!(html.contains("<span id=\"version\">4.3.0</span>"));
    // A browser that has a session keeps it.
    let (session, _) = session(&mut web, &mut host);
    let cookie = format!("{COOKIE}={session}");
    let again = ready(web.handle(&mut host, &request("GET", "/", &[("Cookie", &cookie)], "")));
    assert_eq!(again.header("Set-Cookie"), None);
    let wire = again.to_http(
        Exchange {
            version: Version::Http11,
            keep_alive: true,
        },
        0,
    );
    let head = String::from_utf8_lossy(&wire.bytes);
    assert!(head.contains(&format!("Content-Length: {}\r\n", again.body.len())));
}

#[test]
fn actions_need_post_same_origin_and_the_session_token() {
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let (session, token) = session(&mut web, &mut host);
    let form = format!("action=clearlog&processname=web&token={token}");
    // A GET link, as Supervisor's pages use, is refused.
    let get = ready(web.handle(
        &mut host,
        &request("GET", &format!("/index.html?{form}"), &[], ""),
    ));
    assert_eq!(get.status, 403);
    // No cookie, a forged token, another session's token, another site.
    let bare = ready(web.handle(&mut host, &request("POST", "/index.html", &[], &form)));
    assert_eq!(bare.status, 403);
    let forged = ready(post(
        &mut web,
        &mut host,
        &session,
        "action=clearlog&processname=web&token=00",
    ));
    assert_eq!(forged.status, 403);
    let (other, _) = self::session(&mut web, &mut host);
    assert_eq!(ready(post(&mut web, &mut host, &other, &form)).status, 403);
    for (name, value) in [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        let cookie = format!("{COOKIE}={session}");
        let headers = [
            ("Host", "127.0.0.1:9001"),
            ("Cookie", cookie.as_str()),
            (name, value),
        ];
        let r = ready(web.handle(&mut host, &request("POST", "/", &headers, &form)));
        assert_eq!(r.status, 403, "{name}: {value}");
        assert!(body(&r).contains("Refused"), "{}", body(&r));
    }
    assert!(host.cleared.is_empty());
    // Behind a proxy that rewrites Host, the browser's own verdict counts.
    let cookie = format!("{COOKIE}={session}");
    let proxied = [
        ("Host", "127.0.0.1:9001"),
        ("Origin", "https://ops.example"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Cookie", cookie.as_str()),
    ];
    let r = ready(web.handle(&mut host, &request("POST", "/", &proxied, &form)));
    assert_eq!(r.status, 303);
    host.cleared.clear();
    // The page's own form is accepted.
    let done = ready(post(&mut web, &mut host, &session, &form));
    assert_eq!(done.status, 303);
    assert_eq!(
        done.header("Location"),
        Some("index.html?message=Log%20for%20web%20cleared")
    );
    assert_eq!(host.cleared.len(), 1);
}

#[test]
fn action_messages_are_supervisors() {
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let (session, token) = session(&mut web, &mut host);
    let mut message = |form: &str| {
        let r = ready(post(
            &mut web,
            &mut host,
            &session,
            &format!("{form}&token={token}"),
        ));
        assert_eq!(r.status, 303);
        let location = r.header("Location").unwrap().to_owned();
        let query = location.strip_prefix("index.html?").unwrap();
        crate::text::parse_form(query).remove(0).1
    };
    assert_eq!(
        message("action=stop&processname=web"),
        "unexpected rpc fault [70] NOT_RUNNING: web"
    );
    assert_eq!(
        message("action=start&processname=nope"),
        "No such process named nope"
    );
    assert_eq!(
        message("action=stop&processname=workers%3A%2A"),
        "No such process named workers:*"
    );
    assert_eq!(
        message("action=stopall"),
        "All stopped at Mon Jan  1 10:00:00 2024"
    );
    // Refresh is harmless, so a plain link may ask for it.
    let r = ready(web.handle(
        &mut host,
        &request("GET", "/index.html?action=refresh", &[], ""),
    ));
    assert_eq!(
        r.header("Location"),
        Some("index.html?message=Page%20refreshed%20at%20Mon%20Jan%20%201%2010%3A00%3A00%202024")
    );
}

#[test]
fn waiting_actions_come_back_as_waiting() {
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let (session, token) = session(&mut web, &mut host);
    let form = format!("action=start&processname=web&token={token}");
    let Reply::Waiting(mut waiting) = post(&mut web, &mut host, &session, &form) else {
        panic!("start waits for RUNNING")
    };
    // The fake never spawns: the process stays STARTING and the reply waits.
    assert_eq!(waiting.poll(&mut host), None);
    let unknown = ready(post(
        &mut web,
        &mut host,
        &session,
        &format!("action=dance&token={token}"),
    ));
    assert_eq!(unknown.status, 400);
    let nameless = ready(post(
        &mut web,
        &mut host,
        &session,
        &format!("action=stop&token={token}"),
    ));
    assert_eq!(nameless.status, 400);
}

#[test]
fn tail_page_shows_the_escaped_log_or_why_not() {
    let (mut web, mut host) = (Web::new([3; 32]), Fake::new());
    let mut tail = |uri: &str| body(&ready(web.handle(&mut host, &request("GET", uri, &[], ""))));
    let html = tail("/tail.html?processname=web&limit=5");
    assert!(
        html.contains("<pre id=\"tail\">hello &lt;b&gt;world&lt;/b&gt;\n</pre>"),
        "{html}"
    );
    assert!(html.contains("limit=1024"));
    assert!(tail("/tail.html?processname=workers%3Aw1").contains(">No file for workers:w1</pre>"));
    assert!(
        tail("/tail.html?processname=zz")
            .contains(">ERROR: unexpected rpc fault [10] BAD_NAME: zz</pre>")
    );
    assert!(tail("/tail.html").contains(">No process name found</pre>"));
    assert!(tail("/tail.html?processname=web&limit=99999999999").contains("limit=99999999999"));
}
