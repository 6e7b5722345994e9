//! Unit tests of the method table on a fake host: faults, value shapes, parameters.

use std::io;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use supervisor_config::{GroupConfig, GroupKind, LogFile, ProcessConfig};
use supervisor_log::LogFileError;
use supervisor_process::{
    CommandError, GroupSpec, ProcessId, ProcessSpec, ProcessTable, Timestamp,
};
use supervisor_xmlrpc::{Fault, MethodCall, Value};

use crate::params::{int, py_str};
use crate::{Channel, GroupDiff, Host, Outcome, dispatch, method_names};

struct Fake {
    table: ProcessTable,
    now: Timestamp,
    dir: tempfile::TempDir,
    groups: Vec<GroupConfig>,
    stdin: Vec<u8>,
    cleared: Vec<ProcessId>,
    reread: Result<GroupDiff, String>,
    remote: Vec<(String, String)>,
}

impl Fake {
    fn new() -> Fake {
        let now = Timestamp::new(Instant::now(), SystemTime::now());
        let mut table = ProcessTable::new();
        let mut group = GroupSpec::single(ProcessSpec::new("web"));
        group.processes.push(ProcessSpec::new("db"));
        table.add_group(group, now).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web.out"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("main.log"), b"main\n").unwrap();
        Fake {
            table,
            now,
            dir,
            groups: Vec::new(),
            stdin: Vec::new(),
            cleared: Vec::new(),
            reread: Ok(GroupDiff::default()),
            remote: Vec::new(),
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
        "supervisor"
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
        match (name.as_str(), channel) {
            ("web", Channel::Stdout) => Some(self.dir.path().join("web.out")),
            ("web", Channel::Stderr) => Some(self.dir.path().join("web.err")),
            _ => None,
        }
    }
    fn main_logfile(&self) -> Option<PathBuf> {
        Some(self.dir.path().join("main.log"))
    }
    fn clear_main_log(&mut self) -> Result<(), LogFileError> {
        Ok(())
    }
    fn clear_process_logs(&mut self, id: ProcessId) -> io::Result<()> {
        self.cleared.push(id);
        Ok(())
    }
    fn send_stdin(&mut self, _: ProcessId, data: &[u8]) -> io::Result<()> {
        self.stdin.extend_from_slice(data);
        Ok(())
    }
    fn send_remote_comm_event(&mut self, kind: &str, data: &str) {
        self.remote.push((kind.to_owned(), data.to_owned()));
    }
    fn group_configs(&self) -> &[GroupConfig] {
        &self.groups
    }
    fn reload_config(&mut self) -> Result<GroupDiff, String> {
        self.reread.clone()
    }
    fn add_group(&mut self, name: &str) -> Result<(), CommandError> {
        Err(CommandError::AlreadyAdded(name.to_owned()))
    }
    fn remove_group(&mut self, name: &str) -> Result<(), CommandError> {
        Err(CommandError::StillRunning(name.to_owned()))
    }
}

fn call(host: &mut Fake, name: &str, params: Vec<Value>) -> Result<Value, Fault> {
    match dispatch(host, &MethodCall::new(name, params)) {
        Outcome::Done(result) => result,
        Outcome::Pending(_) => panic!("{name} should answer at once"),
    }
}

fn fault(host: &mut Fake, name: &str, params: Vec<Value>) -> String {
    call(host, name, params).unwrap_err().string
}

fn s(text: &str) -> Value {
    Value::from(text)
}

#[test]
fn the_table_is_sorted_and_every_method_has_a_return_tag() {
    let names: Vec<&str> = method_names().collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 41);
    let mut host = Fake::new();
    for name in names {
        let sig = call(&mut host, "system.methodSignature", vec![s(name)]).unwrap();
        assert!(!sig.as_array().unwrap().is_empty(), "{name}");
    }
}

#[test]
fn reading_process_logs() {
    let mut h = Fake::new();
    let read = "supervisor.readProcessStdoutLog";
    let r =
        |h: &mut Fake, o: i32, l: i32| call(h, read, vec![s("web"), Value::Int(o), Value::Int(l)]);
    assert_eq!(r(&mut h, 0, 0).unwrap(), s("0123456789"));
    assert_eq!(r(&mut h, -3, 0).unwrap(), s("789"));
    assert_eq!(r(&mut h, 2, 3).unwrap(), s("234"));
    assert_eq!(r(&mut h, 0, -1).unwrap_err().string, "BAD_ARGUMENTS");
    assert_eq!(
        fault(&mut h, read, vec![s("nope"), Value::Int(0), Value::Int(0)]),
        "BAD_NAME: nope"
    );
    assert_eq!(
        fault(&mut h, read, vec![s("web:*"), Value::Int(0), Value::Int(0)]),
        "BAD_NAME: web:*"
    );
    assert_eq!(
        fault(
            &mut h,
            read,
            vec![s("web:db"), Value::Int(0), Value::Int(0)]
        ),
        "NO_FILE"
    );
    let err = fault(
        &mut h,
        "supervisor.readProcessStderrLog",
        vec![s("web"), Value::Int(0), Value::Int(0)],
    );
    assert!(
        err.starts_with("NO_FILE: /") && err.ends_with("web.err"),
        "{err}"
    );
    assert_eq!(fault(&mut h, read, vec![s("web")]), "INCORRECT_PARAMETERS");
    assert_eq!(
        fault(&mut h, read, vec![s("web"), s("x"), Value::Int(0)]),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        call(&mut h, read, vec![s("web"), s(" 8 "), Value::Double(1.9)]).unwrap(),
        s("8")
    );
    let main = call(
        &mut h,
        "supervisor.readLog",
        vec![Value::Int(0), Value::Int(0)],
    );
    assert_eq!(main.unwrap(), s("main\n"));
}

#[test]
fn tailing_process_logs() {
    let mut h = Fake::new();
    let tail = |h: &mut Fake, name: &str, o: i32, l: i32| {
        call(
            h,
            "supervisor.tailProcessStdoutLog",
            vec![s(name), Value::Int(o), Value::Int(l)],
        )
        .unwrap()
    };
    let shape = |text: &str, offset: i32, overflow: bool| {
        Value::Array(vec![s(text), Value::Int(offset), Value::Bool(overflow)])
    };
    assert_eq!(tail(&mut h, "web", 0, 100), shape("0123456789", 10, false));
    assert_eq!(tail(&mut h, "web", 0, 3), shape("789", 10, true));
    assert_eq!(tail(&mut h, "web", 10, 3), shape("", 10, false));
    assert_eq!(tail(&mut h, "web:db", 0, 3), shape("", 0, false));
}

#[test]
fn invalid_utf8_in_a_log_is_replaced() {
    let mut h = Fake::new();
    std::fs::write(h.dir.path().join("web.out"), b"a\xffb").unwrap();
    let got = call(
        &mut h,
        "supervisor.readProcessLog",
        vec![s("web"), Value::Int(0), Value::Int(0)],
    );
    assert_eq!(got.unwrap(), s("a\u{fffd}b"));
}

#[test]
fn stdin_faults_in_supervisors_order() {
    let mut h = Fake::new();
    let send = "supervisor.sendProcessStdin";
    assert_eq!(
        fault(&mut h, send, vec![s("nope"), Value::Int(5)]),
        "INCORRECT_PARAMETERS: 5"
    );
    assert_eq!(
        fault(
            &mut h,
            send,
            vec![s("web"), Value::Array(vec![Value::Bool(true), s("a")])]
        ),
        "INCORRECT_PARAMETERS: [True, 'a']"
    );
    assert_eq!(
        fault(&mut h, send, vec![s("nope"), s("x")]),
        "BAD_NAME: nope"
    );
    assert_eq!(
        fault(&mut h, send, vec![s("web"), s("x")]),
        "NOT_RUNNING: web"
    );
    assert!(h.stdin.is_empty());
    let event = call(
        &mut h,
        "supervisor.sendRemoteCommEvent",
        vec![s("t"), s("d")],
    );
    assert_eq!(event.unwrap(), Value::Bool(true));
    let event = call(
        &mut h,
        "supervisor.sendRemoteCommEvent",
        vec![Value::Int(5), Value::Bool(true)],
    );
    assert_eq!(event.unwrap(), Value::Bool(true));
    assert_eq!(
        h.remote,
        [("t".into(), "d".into()), ("5".into(), "True".into())]
    );
}

#[test]
fn clearing_logs() {
    let mut h = Fake::new();
    assert_eq!(
        call(&mut h, "supervisor.clearProcessLogs", vec![s("web")]).unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        fault(&mut h, "supervisor.clearProcessLog", vec![s("x")]),
        "BAD_NAME: x"
    );
    let all = call(&mut h, "supervisor.clearAllProcessLogs", vec![]).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].get("status"), Some(&Value::Int(80)));
    assert_eq!(all[0].get("description"), Some(&s("OK")));
    assert_eq!(h.cleared.len(), 3);
    assert_eq!(
        call(&mut h, "supervisor.clearLog", vec![]).unwrap(),
        Value::Bool(true)
    );
}

fn process(name: &str) -> ProcessConfig {
    ProcessConfig {
        name: name.to_owned(),
        group: "g".to_owned(),
        command: "cat".to_owned(),
        directory: None,
        umask: None,
        priority: 999,
        autostart: true,
        autorestart: supervisor_types::AutoRestart::Unexpected,
        startsecs: 1,
        startretries: 3,
        uid: None,
        stdout_logfile: LogFile::Auto,
        stdout_logfile_maxbytes: 52_428_800,
        stdout_logfile_backups: 10,
        stdout_capture_maxbytes: 0,
        stdout_events_enabled: false,
        stdout_syslog: false,
        stderr_logfile: LogFile::None,
        stderr_logfile_maxbytes: 52_428_800,
        stderr_logfile_backups: 10,
        stderr_capture_maxbytes: 0,
        stderr_events_enabled: false,
        stderr_syslog: false,
        stopsignal: 15,
        stopwaitsecs: 10,
        stopasgroup: false,
        killasgroup: false,
        exitcodes: vec![0],
        redirect_stderr: false,
        environment: Default::default(),
        serverurl: None,
    }
}

#[test]
fn config_info_shapes_and_order() {
    let mut h = Fake::new();
    h.groups = vec![
        GroupConfig {
            name: "web".to_owned(),
            priority: 5,
            kind: GroupKind::Program,
            processes: vec![process("zz")],
        },
        GroupConfig {
            name: "other".to_owned(),
            priority: 999,
            kind: GroupKind::Program,
            processes: vec![process("aa")],
        },
    ];
    let info = call(&mut h, "supervisor.getAllConfigInfo", vec![]).unwrap();
    let rows = info.as_array().unwrap();
    assert_eq!(rows[0].get("name"), Some(&s("aa")));
    assert_eq!(rows[0].get("inuse"), Some(&Value::Bool(false)));
    assert_eq!(rows[1].get("inuse"), Some(&Value::Bool(true)));
    assert_eq!(rows[1].get("group_prio"), Some(&Value::Int(5)));
    assert_eq!(rows[0].get("stdout_logfile"), Some(&s("auto")));
    assert_eq!(rows[0].get("stderr_logfile"), Some(&s("none")));
    assert_eq!(rows[0].get("directory"), Some(&s("none")));
    assert_eq!(rows[0].get("uid"), Some(&s("none")));
    assert_eq!(
        rows[0].get("exitcodes"),
        Some(&Value::Array(vec![Value::Int(0)]))
    );
    assert_eq!(rows[0].as_struct().unwrap().len(), 29);
}

#[test]
fn group_changes() {
    let mut h = Fake::new();
    h.reread = Ok(GroupDiff {
        added: vec!["a".to_owned()],
        changed: Vec::new(),
        removed: vec!["r".to_owned()],
    });
    let diff = call(&mut h, "supervisor.reloadConfig", vec![]).unwrap();
    let names = |v: &[&str]| Value::Array(v.iter().map(|n| s(n)).collect());
    assert_eq!(
        diff,
        Value::Array(vec![Value::Array(vec![
            names(&["a"]),
            names(&[]),
            names(&["r"])
        ])])
    );
    h.reread = Err("bad file".to_owned());
    assert_eq!(
        fault(&mut h, "supervisor.reloadConfig", vec![]),
        "CANT_REREAD: bad file"
    );
    assert_eq!(
        fault(&mut h, "supervisor.addProcessGroup", vec![s("web")]),
        "ALREADY_ADDED: web"
    );
    assert_eq!(
        fault(&mut h, "supervisor.removeProcessGroup", vec![s("web")]),
        "STILL_RUNNING: web"
    );
    assert_eq!(
        fault(&mut h, "supervisor.addProcessGroup", vec![Value::Int(1)]),
        "INCORRECT_PARAMETERS"
    );
}

#[test]
fn int_parameters_follow_pythons_int() {
    assert_eq!(int(&Value::Int(-4)).unwrap(), -4);
    assert_eq!(int(&Value::Bool(true)).unwrap(), 1);
    assert_eq!(int(&Value::Double(-2.7)).unwrap(), -2);
    assert_eq!(int(&s(" +12 ")).unwrap(), 12);
    assert_eq!(int(&s("1_000")).unwrap(), 1000);
    for bad in [
        s("_1"),
        s("1__0"),
        s("x"),
        s(""),
        Value::Double(f64::NAN),
        Value::Nil,
    ] {
        assert!(int(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn parameters_quoted_as_python_prints_them() {
    assert_eq!(py_str(&s("a'b")), "a'b");
    assert_eq!(py_str(&Value::Double(1.0)), "1.0");
    assert_eq!(py_str(&Value::Double(0.5)), "0.5");
    assert_eq!(py_str(&Value::Double(1e20)), "1e+20");
    assert_eq!(py_str(&Value::Nil), "None");
    assert_eq!(
        py_str(&Value::structure([("k", Value::Int(1))])),
        "{'k': 1}"
    );
}
