//! XML-RPC on the wire: the same requests sent raw over the unix socket to Python's
//! daemon and to ours must get byte-identical bodies once volatile values (pids, times)
//! are redacted.

use crate::util::{Impl, Scene, http, reference, rpc, string_param, wait_for};

const PROGRAMS: &str = "\
[program:sleeper]
command=sleep 1000
startsecs=0

[program:failer]
command=sh -c 'exit 3'
startsecs=1
startretries=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0

[program:missing]
command=/nonexistent/program
autostart=false
";

/// (method, params XML) pairs, in order; state changes are part of the script.
fn script() -> Vec<(&'static str, String)> {
    let s = string_param;
    vec![
        ("supervisor.getState", String::new()),
        ("supervisor.getAPIVersion", String::new()),
        ("supervisor.getVersion", String::new()),
        ("supervisor.getSupervisorVersion", String::new()),
        ("supervisor.getIdentification", String::new()),
        ("supervisor.getPID", String::new()),
        ("supervisor.getAllProcessInfo", String::new()),
        ("supervisor.getProcessInfo", s("sleeper")),
        ("supervisor.getProcessInfo", s("failer")),
        ("supervisor.getProcessInfo", s("idle")),
        ("supervisor.getProcessInfo", s("nosuch")),
        ("supervisor.getProcessInfo", s("sleeper:*")),
        ("supervisor.getProcessInfo", String::new()),
        ("supervisor.startProcess", s("sleeper")),
        ("supervisor.startProcess", s("nosuch")),
        ("supervisor.startProcess", s("missing")),
        ("supervisor.stopProcess", s("idle")),
        ("supervisor.startProcess", s("idle")),
        ("supervisor.getProcessInfo", s("idle")),
        ("supervisor.stopProcess", s("idle")),
        ("supervisor.getProcessInfo", s("idle")),
        ("supervisor.stopProcess", s("idle:idle")),
        ("supervisor.noSuchMethod", String::new()),
        ("system.noSuchMethod", String::new()),
        ("supervisor.getState.extra", String::new()),
        ("supervisor._update", s("x")),
        ("getState", String::new()),
        ("system.methodSignature", s("supervisor.nope")),
    ]
}

/// Replaces the values that differ between two runs: pid, times, descriptions with
/// uptimes or dates.
pub(crate) fn redact_xml(body: &str) -> String {
    let mut out = String::new();
    let mut last_name = String::new();
    for line in body.split_inclusive('\n') {
        if let Some(name) = line
            .strip_prefix("<name>")
            .and_then(|l| l.strip_suffix("</name>\n"))
        {
            last_name = name.to_owned();
            out.push_str(line);
            continue;
        }
        let volatile = matches!(last_name.as_str(), "pid" | "start" | "stop" | "now");
        if volatile && line.starts_with("<value><int>") {
            out.push_str("<value><int>N</int></value>\n");
        } else {
            out.push_str(&crate::util::redact(line));
        }
        last_name.clear();
    }
    out
}

/// AUTO log names end in a random part.
pub(crate) fn redact_auto_names(body: &str, dir: &str) -> String {
    let body = body.replace(dir, "<DIR>");
    let mut out = String::new();
    let mut rest = body.as_str();
    while let Some(i) = rest.find("---supervisor-") {
        let start = i + "---supervisor-".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(".log").unwrap_or(0);
        out.push_str("<RAND>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn run(which: Impl) -> Vec<String> {
    let scene = Scene::new(PROGRAMS);
    let dir = scene.dir.path().to_string_lossy().into_owned();
    let daemon = scene.start(which);
    wait_for("settled states", || {
        let body = rpc(&daemon.socket, "supervisor.getAllProcessInfo", "").unwrap();
        body.matches("<string>RUNNING</string>").count() == 1
            && body.matches("<string>FATAL</string>").count() == 1
    });
    script()
        .into_iter()
        .map(|(method, params)| {
            let body = rpc(&daemon.socket, method, &params).unwrap();
            let body = if method == "supervisor.getPID" {
                body.replace(&daemon.pid().to_string(), "N")
            } else {
                body
            };
            let body = redact_auto_names(&body, &dir);
            format!("{method}({params}) =>\n{}", redact_xml(&body))
        })
        .collect()
}

#[test]
fn oracle_xmlrpc_bodies_match_python() {
    if reference().is_none() {
        return;
    }
    let python = run(Impl::Python);
    let ours = run(Impl::Ours);
    for (want, have) in python.iter().zip(&ours) {
        assert_eq!(want, have);
    }
}

#[test]
fn oracle_list_methods_equals_pythons() {
    if reference().is_none() {
        return;
    }
    let list = |which| {
        let scene = Scene::new("");
        let daemon = scene.start(which);
        rpc(&daemon.socket, "system.listMethods", "").unwrap()
    };
    assert_eq!(list(Impl::Python), list(Impl::Ours));
}

/// Malformed requests get medusa's answers, and the daemon keeps serving.
#[test]
fn oracle_http_errors_match_python() {
    if reference().is_none() {
        return;
    }
    let requests = [
        "GET /RPC2 HTTP/1.0\r\n\r\n",
        "POST /RPC2 HTTP/1.0\r\nContent-Length: 9\r\n\r\nnot xml!!",
        "POST /RPC2 HTTP/1.0\r\nContent-Length: 44\r\n\r\n<?xml version='1.0'?><methodCall></methodCall>",
    ];
    let answers = |which| {
        let scene = Scene::new("");
        let daemon = scene.start(which);
        let out: Vec<String> = requests
            .iter()
            .map(|r| {
                let (head, body) = http(&daemon.socket, r).unwrap();
                let status = head.lines().next().unwrap_or("").to_owned();
                format!("{status}\n{body}")
            })
            .collect();
        assert!(rpc(&daemon.socket, "supervisor.getState", "").is_ok());
        out
    };
    assert_eq!(answers(Impl::Python), answers(Impl::Ours));
}
