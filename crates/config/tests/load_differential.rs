//! Differential test of whole-file loading against Python Supervisor's
//! `ServerOptions.realize`: every accepted file must mean the same (all typed values,
//! warnings, infos) and every refused file must be refused with the same message.

mod support;

use std::fmt::Write as _;
use std::path::Path;

use supervisor_config::{
    Config, Environment, FcgiSocket, GroupKind, LogFile, MainLogFile, OsFs, load, py,
};

const DUMP: &str = r#"
import io, sys
from supervisor.options import ServerOptions
from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.options import EventListenerPoolConfig, FastCGIGroupConfig
from supervisor.events import getEventNameByType

class Exit(Exception):
    pass

def v(x):
    if x is Automatic:
        return 'AUTO'
    if x is RestartUnconditionally:
        return 'always'
    if x is RestartWhenExitUnexpected:
        return 'unexpected'
    if x is False:
        return 'False'
    if x is True:
        return 'True'
    if isinstance(x, int):
        return str(int(x))
    if isinstance(x, dict):
        return repr(list(x.items()))
    return repr(x)

def raise_exit(code):
    raise Exit(code)

for path in sys.argv[1:]:
    out = []
    o = ServerOptions()
    o.exit = raise_exit
    o.stderr = io.StringIO()
    try:
        o.realize(args=['-c', path])
        s = o.configroot.supervisord
        out.append('logfile=%s' % v(o.logfile))
        for k in ('logfile_maxbytes', 'logfile_backups', 'loglevel', 'umask', 'nodaemon',
                  'silent', 'minfds', 'minprocs', 'nocleanup', 'childlogdir', 'user',
                  'directory', 'strip_ansi', 'environment', 'identifier'):
            out.append('%s=%s' % (k, v(getattr(s, k))))
        out.append('pidfile=%s' % v(o.pidfile))
        for c in o.server_configs:
            if 'port' in c:
                out.append('inet %s %s %s %s %s' % (v(c['name']), v(c['host']), c['port'], v(c['username']), v(c['password'])))
            else:
                out.append('unix %s %s %o %s %s %s' % (v(c['name']), v(c['file']), c['chmod'], v(c['chown']), v(c['username']), v(c['password'])))
        for name, factory, extras in s.rpcinterface_factories:
            out.append('rpc %s %s' % (v(name), v(extras)))
        out.append('serverurl=%s' % v(o.serverurl))
        for g in o.process_group_configs:
            if isinstance(g, EventListenerPoolConfig):
                kind = 'listener %d %s' % (g.buffer_size, sorted(getEventNameByType(e) for e in g.pool_events))
            elif isinstance(g, FastCGIGroupConfig):
                sc = g.socket_config
                kind = 'fcgi %s %s %s %s' % (sc.url, v(getattr(sc, 'mode', None)), v(getattr(sc, 'owner', None)), v(sc.backlog))
            else:
                kind = 'program'
            out.append('group %s %d %s' % (g.name, g.priority, kind))
            for p in g.process_configs:
                out.append('  process %s' % p.name)
                for k in p.req_param_names + p.optional_param_names:
                    if k == 'name':
                        continue
                    out.append('    %s=%s' % (k, v(getattr(p, k))))
        for w in o.parse_warnings:
            out.append('warning %s' % w)
        for i in o.parse_infos:
            out.append('info %s' % i)
    except Exit:
        text = o.stderr.getvalue()
        out.append(text[:text.rindex('For help, use')].rstrip('\n'))
    sys.stdout.write('\n'.join(out) + '\n\x00\n')
"#;

fn v_str(s: &str) -> String {
    py::repr(s)
}

fn v_opt(s: &Option<String>) -> String {
    s.as_deref().map_or("None".to_owned(), v_str)
}

fn v_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn v_pairs(p: &[(String, String)]) -> String {
    let items: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("({}, {})", v_str(k), v_str(v)))
        .collect();
    format!("[{}]", items.join(", "))
}

fn v_log(l: &LogFile) -> String {
    match l {
        LogFile::Auto => "AUTO".to_owned(),
        LogFile::None => "None".to_owned(),
        LogFile::Path(p) => v_str(p),
    }
}

fn dump(c: &Config) -> String {
    let mut o = String::new();
    let s = &c.supervisord;
    let logfile = match &s.logfile {
        MainLogFile::Path(p) => v_str(p),
        MainLogFile::Syslog => v_str("syslog"),
    };
    let _ = writeln!(o, "logfile={logfile}");
    let _ = writeln!(o, "logfile_maxbytes={}", s.logfile_maxbytes);
    let _ = writeln!(o, "logfile_backups={}", s.logfile_backups);
    let _ = writeln!(o, "loglevel={}", s.loglevel.number());
    let _ = writeln!(o, "umask={}", s.umask);
    let _ = writeln!(o, "nodaemon={}", v_bool(s.nodaemon));
    let _ = writeln!(o, "silent={}", v_bool(s.silent));
    let _ = writeln!(o, "minfds={}", s.minfds);
    let _ = writeln!(o, "minprocs={}", s.minprocs);
    let _ = writeln!(o, "nocleanup={}", v_bool(s.nocleanup));
    let _ = writeln!(o, "childlogdir={}", v_str(&s.childlogdir));
    let _ = writeln!(o, "user={}", v_opt(&s.user));
    let _ = writeln!(o, "directory={}", v_opt(&s.directory));
    let _ = writeln!(o, "strip_ansi={}", v_bool(s.strip_ansi));
    let _ = writeln!(o, "environment={}", v_pairs(&s.environment));
    let _ = writeln!(o, "identifier={}", v_str(&s.identifier));
    let _ = writeln!(o, "pidfile={}", v_str(&s.pidfile));
    for i in &c.inet_http_servers {
        let _ = writeln!(
            o,
            "inet {} {} {} {} {}",
            v_opt(&i.name),
            v_str(&i.host),
            i.port,
            v_opt(&i.username),
            v_opt(&i.password)
        );
    }
    for u in &c.unix_http_servers {
        let chown = match u.chown {
            None => "(-1, -1)".to_owned(),
            Some(o) => format!("({}, {})", o.uid, o.gid.map_or(-1, i64::from)),
        };
        let _ = writeln!(
            o,
            "unix {} {} {:o} {chown} {} {}",
            v_opt(&u.name),
            v_str(&u.file),
            u.chmod,
            v_opt(&u.username),
            v_opt(&u.password)
        );
    }
    for r in &c.rpcinterfaces {
        let _ = writeln!(o, "rpc {} {}", v_str(&r.name), v_pairs(&r.extras));
    }
    let _ = writeln!(o, "serverurl={}", v_opt(&c.serverurl()));
    for g in &c.groups {
        let kind = match &g.kind {
            GroupKind::Program => "program".to_owned(),
            GroupKind::EventListener {
                buffer_size,
                events,
                ..
            } => {
                let mut e = events.clone();
                e.sort();
                let e: Vec<String> = e.iter().map(|x| v_str(x)).collect();
                format!("listener {buffer_size} [{}]", e.join(", "))
            }
            GroupKind::FastCgi { socket } => {
                let (mode, owner, backlog) = match socket {
                    FcgiSocket::Unix {
                        owner,
                        mode,
                        backlog,
                        ..
                    } => (
                        mode.to_string(),
                        owner.map_or("None".to_owned(), |o| {
                            format!("({}, {})", o.uid, o.gid.map_or(-1, i64::from))
                        }),
                        *backlog,
                    ),
                    FcgiSocket::Tcp { backlog, .. } => ("None".into(), "None".into(), *backlog),
                };
                let backlog = backlog.map_or("None".to_owned(), |b| b.to_string());
                format!("fcgi {} {mode} {owner} {backlog}", socket.url())
            }
        };
        let _ = writeln!(o, "group {} {} {kind}", g.name, g.priority);
        for p in &g.processes {
            let _ = writeln!(o, "  process {}", p.name);
            let opt_i = |x: Option<u32>| x.map_or("None".to_owned(), |x| x.to_string());
            let restart = match p.autorestart {
                supervisor_types::AutoRestart::Always => "always",
                supervisor_types::AutoRestart::Unexpected => "unexpected",
                supervisor_types::AutoRestart::Never => "False",
            };
            let codes: Vec<String> = p.exitcodes.iter().map(|c| c.to_string()).collect();
            let fields: Vec<(&str, String)> = vec![
                ("uid", opt_i(p.uid)),
                ("command", v_str(&p.command)),
                ("directory", v_opt(&p.directory)),
                ("umask", opt_i(p.umask)),
                ("priority", p.priority.to_string()),
                ("autostart", v_bool(p.autostart).into()),
                ("autorestart", restart.into()),
                ("startsecs", p.startsecs.to_string()),
                ("startretries", p.startretries.to_string()),
                ("stdout_logfile", v_log(&p.stdout_logfile)),
                (
                    "stdout_capture_maxbytes",
                    p.stdout_capture_maxbytes.to_string(),
                ),
                (
                    "stdout_events_enabled",
                    v_bool(p.stdout_events_enabled).into(),
                ),
                ("stdout_syslog", v_bool(p.stdout_syslog).into()),
                (
                    "stdout_logfile_backups",
                    p.stdout_logfile_backups.to_string(),
                ),
                (
                    "stdout_logfile_maxbytes",
                    p.stdout_logfile_maxbytes.to_string(),
                ),
                ("stderr_logfile", v_log(&p.stderr_logfile)),
                (
                    "stderr_capture_maxbytes",
                    p.stderr_capture_maxbytes.to_string(),
                ),
                (
                    "stderr_logfile_backups",
                    p.stderr_logfile_backups.to_string(),
                ),
                (
                    "stderr_logfile_maxbytes",
                    p.stderr_logfile_maxbytes.to_string(),
                ),
                (
                    "stderr_events_enabled",
                    v_bool(p.stderr_events_enabled).into(),
                ),
                ("stderr_syslog", v_bool(p.stderr_syslog).into()),
                ("stopsignal", p.stopsignal.to_string()),
                ("stopwaitsecs", p.stopwaitsecs.to_string()),
                ("stopasgroup", v_bool(p.stopasgroup).into()),
                ("killasgroup", v_bool(p.killasgroup).into()),
                ("exitcodes", format!("[{}]", codes.join(", "))),
                ("redirect_stderr", v_bool(p.redirect_stderr).into()),
                ("environment", v_pairs(&p.environment.to_vec())),
                ("serverurl", v_opt(&p.serverurl)),
            ];
            for (k, val) in fields {
                let _ = writeln!(o, "    {k}={val}");
            }
        }
    }
    for w in &c.warnings {
        let _ = writeln!(o, "warning {w}");
    }
    for i in &c.infos {
        let _ = writeln!(o, "info {i}");
    }
    o
}

/// Cases: (file name, text). Files named `inc/...` are included by others and are
/// not loaded on their own.
const CASES: &[(&str, &str)] = &[
    ("minimal.conf", "[supervisord]\n"),
    ("sample.conf", supervisor_config::SAMPLE_CONFIG),
    (
        "full.conf",
        "[unix_http_server]\nfile=%(here)s/run/s.sock\nchmod=0770\nchown=root:root\nusername=u\npassword={SHA}abc\n\
         [inet_http_server]\nport=*:9001\nusername=a\npassword=b\n\
         [supervisord]\nlogfile=%(here)s/main.log\nlogfile_maxbytes=1KB\nlogfile_backups=3\nloglevel=DEBUG\n\
         pidfile=run.pid\numask=0o27\nnodaemon=true\nsilent=on\nminfds=10\nminprocs=20\nnocleanup=yes\n\
         childlogdir=%(here)s\nuser=root\ndirectory=%(here)s\nstrip_ansi=1\nenvironment=A=\"1, 2\",B='x',C=%(ENV_HOME)s\nidentifier=ident\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\nextra=%(ENV_HOME)s\n\
         [supervisorctl]\nserverurl=unix:///tmp/x.sock\n\
         [program:cat]\ncommand=/bin/cat %(program_name)s %(group_name)s %(host_node_name)s %(here)s\n\
         priority=5\nautostart=false\nautorestart=true\nstartsecs=0\nstartretries=9\nuser=0\nstopsignal=kill\n\
         stopwaitsecs=3\nstopasgroup=true\nexitcodes=0,2\numask=002\ndirectory=/tmp\n\
         stdout_logfile=%(here)s/%(program_name)s-%(process_num)d.log\nstdout_logfile_maxbytes=0\nstdout_logfile_backups=0\n\
         stdout_capture_maxbytes=1MB\nstdout_events_enabled=true\nstderr_logfile=NONE\nstderr_syslog=true\n\
         environment=X=%(ENV_C)s,P=%(process_num)02d\nserverurl=AUTO\n\
         [program:web]\ncommand=/bin/web --port=80%(process_num)02d\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=3\nnumprocs_start=8\n\
         redirect_stderr=true\nstderr_logfile=/tmp/x.log\nstdout_logfile=syslog\nautorestart=unexpected\n\
         [group:g]\nprograms=a,b\npriority=1\n[program:a]\ncommand=a\n[program:b]\ncommand=b\npriority=0\n\
         [eventlistener:lis]\ncommand=listener\nevents=PROCESS_STATE,TICK_5,tick_5\nbuffer_size=3\n\
         [fcgi-program:f]\ncommand=php\nsocket=unix://%(here)s/%(program_name)s.sock\nsocket_mode=0666\nsocket_owner=0:0\nsocket_backlog=5\n\
         [fcgi-program:t]\ncommand=php\nsocket=tcp://LocalHost:9000\n",
    ),
    (
        "defaults.conf",
        "[DEFAULT]\nautostart=false\nstartsecs=%(ENV_NOPE_NOT_SET)s\n[supervisord]\n[program:x]\ncommand=x\nstartsecs=2\n",
    ),
    (
        "include.conf",
        "[supervisord]\n[include]\nfiles = inc/*.ini\n  nomatch/*.ini inc/literal.ini\n",
    ),
    (
        "inc/a.ini",
        "[program:inc_a]\ncommand=%(here)s/a\n[include]\nfiles=/nonexistent/*\n",
    ),
    ("inc/b.ini", "[program:inc_b]\ncommand=b\n"),
    ("inc/.hidden.ini", "[program:hidden]\ncommand=h\n"),
    ("inc/literal.ini", "[program:lit]\ncommand=lit\n"),
    ("err_missing_supervisord.conf", "[program:x]\ncommand=x\n"),
    ("err_no_header.conf", "command=x\n"),
    (
        "err_parse.conf",
        "[supervisord]\nbogus line\n[program:x]\nanother\n",
    ),
    (
        "err_expand.conf",
        "[supervisord]\n[program:app]\ncommand=/bin/ping %(ENV_HOST_NOT_SET)s\n",
    ),
    (
        "err_badformat.conf",
        "[supervisord]\n[program:app]\ncommand=/bin/ping %(program_name)d\n",
    ),
    (
        "err_numprocs.conf",
        "[supervisord]\n[program:app]\ncommand=x\nnumprocs=2\n",
    ),
    (
        "err_stopasgroup.conf",
        "[supervisord]\n[program:app]\ncommand=x\nstopasgroup=true\nkillasgroup=false\n",
    ),
    ("err_nocommand.conf", "[supervisord]\n[program:app]\n"),
    ("err_name.conf", "[supervisord]\n[program:a b]\ncommand=x\n"),
    (
        "err_colon.conf",
        "[supervisord]\n[program:a:b]\ncommand=x\n",
    ),
    (
        "err_priority.conf",
        "[supervisord]\n[program:a]\ncommand=x\npriority=high\n",
    ),
    (
        "err_bool.conf",
        "[supervisord]\n[program:a]\ncommand=x\nautostart=maybe\n",
    ),
    (
        "err_signal.conf",
        "[supervisord]\n[program:a]\ncommand=x\nstopsignal=BOGUS\n",
    ),
    (
        "err_signum.conf",
        "[supervisord]\n[program:a]\ncommand=x\nstopsignal=40\n",
    ),
    (
        "err_exitcodes.conf",
        "[supervisord]\n[program:a]\ncommand=x\nexitcodes=0,300\n",
    ),
    (
        "err_autorestart.conf",
        "[supervisord]\n[program:a]\ncommand=x\nautorestart=Sometimes\n",
    ),
    (
        "err_user.conf",
        "[supervisord]\n[program:a]\ncommand=x\nuser=no_such_user_xyz\n",
    ),
    (
        "err_logdir.conf",
        "[supervisord]\n[program:a]\ncommand=x\nstdout_logfile=/no/such/dir/x.log\n",
    ),
    (
        "err_env.conf",
        "[supervisord]\n[program:a]\ncommand=x\nenvironment=A=1 B=2\n",
    ),
    (
        "err_env_quote.conf",
        "[supervisord]\n[program:a]\ncommand=x\nenvironment=A=\"1\n",
    ),
    (
        "err_listener_redirect.conf",
        "[supervisord]\n[eventlistener:l]\ncommand=x\nevents=TICK_5\nredirect_stderr=true\n",
    ),
    (
        "err_listener_events.conf",
        "[supervisord]\n[eventlistener:l]\ncommand=x\nevents=TICK_5,NOPE\n",
    ),
    (
        "err_listener_noevents.conf",
        "[supervisord]\n[eventlistener:l]\ncommand=x\n",
    ),
    (
        "err_listener_buffer.conf",
        "[supervisord]\n[eventlistener:l]\ncommand=x\nevents=TICK\nbuffer_size=0\n",
    ),
    (
        "err_listener_handler.conf",
        "[supervisord]\n[eventlistener:l]\ncommand=x\nevents=TICK\nresult_handler=nope:nothing\n",
    ),
    (
        "err_group_unknown.conf",
        "[supervisord]\n[group:g]\nprograms=a,zz\n[program:a]\ncommand=a\n",
    ),
    (
        "err_group_ambiguous.conf",
        "[supervisord]\n[group:g]\nprograms=a\n[program:a]\ncommand=a\n[fcgi-program:a]\ncommand=a\nsocket=tcp://h:1\n",
    ),
    (
        "err_auth.conf",
        "[supervisord]\n[inet_http_server]\nport=9001\nusername=u\n",
    ),
    (
        "err_port.conf",
        "[supervisord]\n[inet_http_server]\nport=host:\n",
    ),
    (
        "err_port2.conf",
        "[supervisord]\n[inet_http_server]\nport=99999\n",
    ),
    ("err_port3.conf", "[supervisord]\n[inet_http_server]\n"),
    (
        "err_unixfile.conf",
        "[supervisord]\n[unix_http_server]\nchmod=777\n",
    ),
    (
        "err_chmod.conf",
        "[supervisord]\n[unix_http_server]\nfile=/tmp/s.sock\nchmod=999\n",
    ),
    (
        "err_chown.conf",
        "[supervisord]\n[unix_http_server]\nfile=/tmp/s.sock\nchown=nobody_xyz:nogroup_xyz\n",
    ),
    ("err_minfds.conf", "[supervisord]\nminfds=lots\n"),
    ("err_umask.conf", "[supervisord]\numask=9\n"),
    ("err_loglevel.conf", "[supervisord]\nloglevel=loud\n"),
    ("err_size.conf", "[supervisord]\nlogfile_maxbytes=5XB\n"),
    ("err_dir.conf", "[supervisord]\ndirectory=/no/such/dir\n"),
    (
        "err_logfile.conf",
        "[supervisord]\nlogfile=/no/such/dir/x.log\n",
    ),
    ("err_include_nofiles.conf", "[supervisord]\n[include]\n"),
    ("err_rpc.conf", "[supervisord]\n[rpcinterface:x]\nfoo=bar\n"),
    (
        "err_rpc2.conf",
        "[supervisord]\n[rpcinterface:x]\nsupervisor.rpcinterface_factory=nope.mod:fn\n",
    ),
    (
        "err_fcgi_nosocket.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\n",
    ),
    (
        "err_fcgi_relative.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=unix://rel/path\n",
    ),
    (
        "err_fcgi_format.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=udp://h:1\n",
    ),
    (
        "err_fcgi_mode_tcp.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=tcp://h:1\nsocket_mode=0600\n",
    ),
    (
        "err_fcgi_backlog.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=tcp://h:1\nsocket_backlog=0\n",
    ),
    (
        "err_fcgi_port.conf",
        "[supervisord]\n[fcgi-program:f]\ncommand=x\nsocket=tcp://h:70000\n",
    ),
    (
        "err_logfile_double_expand.conf",
        "[supervisord]\n[program:a]\ncommand=x\nstdout_logfile=/tmp/100%%.log\n",
    ),
    (
        "err_incomplete.conf",
        "[supervisord]\n[program:a]\ncommand=x 100%\n",
    ),
    (
        "err_decode.conf",
        "[supervisord]\n[program:a]\ncommand=x \u{fffd}\n",
    ),
    (
        "quirk_here_escape.conf",
        "[supervisord]\n[program:a]\ncommand=%%(here)s %%(program_name)s\n",
    ),
    (
        "quirk_env_chain.conf",
        "[supervisord]\nenvironment=BASE=/opt\n[program:a]\ncommand=%(ENV_BASE)s/bin/a %(ENV_LOCAL)s\nenvironment=LOCAL=%(ENV_BASE)s/x,BASE=/override\n",
    ),
    (
        "err_env_names_listed.conf",
        "[supervisord]\n[program:a]\nnumprocs=2\nprocess_name=%(process_num)s\nenvironment=A=1,B=\"2\"\ncommand=/bin/%(nope)s\n",
    ),
    (
        "quirk_log_expanded_twice.conf",
        "[supervisord]\n[program:a]\ncommand=a\nenvironment=A=x\nstdout_logfile=/tmp/%%(ENV_A)s.log\n",
    ),
    (
        "quirk_group_twice.conf",
        "[supervisord]\n[group:g]\nprograms=a\n[group:h]\nprograms=a\n[program:a]\ncommand=a\n",
    ),
    (
        "quirk_group_errname.conf",
        "[supervisord]\n[group:g]\nprograms=a, missing\n[program:a]\ncommand=a\n",
    ),
    (
        "quirk_process_num_format.conf",
        "[supervisord]\n[program:w]\ncommand=w %(process_num)03d %(numprocs)d %(process_num)x\nprocess_name=w%(process_num)s\nnumprocs=12\n",
    ),
    (
        "quirk_inline_comments.conf",
        "[supervisord]\n[program:a]\ncommand=bash -c 'a ; b' # trailing\nenvironment=URL=\"http://h/#x\"\n",
    ),
];

#[test]
fn loading_matches_python_supervisor() {
    let Some(reference) = support::reference() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    std::fs::create_dir_all(dir.join("run")).unwrap();
    let mut loaded = Vec::new();
    for (name, text) in CASES {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let bytes: Vec<u8> = if name.starts_with("err_decode") {
            text.replace('\u{fffd}', "\0")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xff } else { b })
                .collect()
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(&path, bytes).unwrap();
        if !name.starts_with("inc/") {
            loaded.push(*name);
        }
    }
    let out = std::process::Command::new(reference.join("bin/python"))
        .arg("-c")
        .arg(DUMP)
        .args(&loaded)
        .current_dir(&dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected: Vec<&str> = stdout.split("\x00\n").collect();
    let mut env = Environment::from_process().unwrap();
    env.cwd = dir.clone();
    let mut failures = Vec::new();
    for (i, name) in loaded.iter().enumerate() {
        let ours = match load(Path::new(name), &env, &OsFs) {
            Ok(c) => dump(&c),
            Err(e) => format!("Error: {e}\n"),
        };
        if ours != expected[i] {
            let py_lines: Vec<&str> = expected[i].lines().collect();
            let our_lines: Vec<&str> = ours.lines().collect();
            let mut diff = String::new();
            for j in 0..py_lines.len().max(our_lines.len()) {
                let (a, b) = (py_lines.get(j), our_lines.get(j));
                if a != b {
                    let _ = writeln!(diff, "line {j}\n  python: {a:?}\n  ours:   {b:?}");
                }
            }
            failures.push(format!("{name}:\n{diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        loaded.len(),
        failures.join("\n")
    );
    eprintln!(
        "loading agrees with Python Supervisor on {} files",
        loaded.len()
    );
}
