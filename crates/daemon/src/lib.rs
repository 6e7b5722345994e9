//! supervisord: the single-threaded mio event loop that runs everything.
//!
//! [`run`] loads the configuration, opens the main log and the HTTP servers, starts the
//! configured programs and then loops: child output, client requests, signals and the
//! state machine's deadlines are the only things that wake it. Every lifecycle decision
//! is made by [`supervisor_process::ProcessTable`]; every XML-RPC method by
//! [`supervisor_api`]; this crate does the system calls they ask for.
//!
//! It is the only crate of the workspace that touches mio, nix and libc, and it is not
//! meant to be embedded: programs that want the lifecycle logic use the process crate.
#![deny(missing_docs)]

mod clone_spawn;
mod core;
mod events;
mod fcgi;
mod host;
mod listen;
mod logtail;
mod net;
mod pipesize;
mod privileges;
mod reap;
mod spawn;
mod web;

use std::io;
use std::path::PathBuf;
use std::time::Instant;

use mio::{Events, Poll, Token};
use signal_hook::consts::signal::{SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR2};
use signal_hook_mio::v1_0::Signals;
use supervisor_config::{Config, ConfigError, Environment, MainLogFile, OsFs};
use supervisor_log::{LocalClock, Logger, MainLogSettings, MainLogTarget, clear_auto_child_logs};
use supervisor_types::{LogLevel, SupervisorState, signal_name};
use supervisor_xmlrpc::auth::Credentials;

use crate::core::Core;
use crate::net::{Listener, Net, Server};

pub use listen::ListenError;

const SIGNALS: Token = Token(0);
const ROOT_WARNING: &str = "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.";
/// Listener tokens start here; connections and pipes come after them.
const FIRST_LISTENER: usize = 1;

/// Command-line settings that override `[supervisord]` (Python supervisord's options).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `-n`
    pub nodaemon: Option<bool>,
    /// `-s`
    pub silent: Option<bool>,
    /// `-u`
    pub user: Option<String>,
    /// `-m`
    pub umask: Option<u32>,
    /// `-d`
    pub directory: Option<String>,
    /// `-l`
    pub logfile: Option<String>,
    /// `-y`
    pub logfile_maxbytes: Option<i64>,
    /// `-z`
    pub logfile_backups: Option<i64>,
    /// `-e`
    pub loglevel: Option<LogLevel>,
    /// `-j`
    pub pidfile: Option<String>,
    /// `-i`
    pub identifier: Option<String>,
    /// `-q`
    pub childlogdir: Option<String>,
    /// `-k`
    pub nocleanup: Option<bool>,
    /// `-a`
    pub minfds: Option<i64>,
    /// `--minprocs`
    pub minprocs: Option<i64>,
    /// `-t`
    pub strip_ansi: Option<bool>,
}

/// Why supervisord could not start; `Display` is the text after `Error: `, and the
/// binary adds Supervisor's `For help, use supervisord -h` and exits 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An HTTP server could not be opened.
    #[error(transparent)]
    Listen(#[from] ListenError),
    /// Anything else, with Supervisor's wording where it has one.
    #[error("{0}")]
    Other(String),
}

impl From<io::Error> for StartError {
    fn from(e: io::Error) -> Self {
        StartError::Other(e.to_string())
    }
}

/// How the daemon ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Shut down on request (SIGTERM, SIGINT, SIGQUIT, `supervisor.shutdown`).
    Shutdown,
    /// Restart on request (SIGHUP, `supervisor.restart`): reload the configuration and
    /// run again in the same process.
    Restart,
}

fn apply(config: &mut Config, o: &Overrides) {
    let s = &mut config.supervisord;
    macro_rules! set {
        ($($field:ident),*) => { $( if let Some(v) = &o.$field { s.$field = v.clone(); } )* };
    }
    set!(
        nodaemon,
        silent,
        umask,
        logfile_maxbytes,
        logfile_backups,
        loglevel,
        pidfile,
        identifier,
        childlogdir,
        nocleanup,
        minfds,
        minprocs,
        strip_ansi
    );
    if let Some(user) = &o.user {
        s.user = Some(user.clone());
    }
    if let Some(dir) = &o.directory {
        s.directory = Some(dir.clone());
    }
    if let Some(logfile) = &o.logfile {
        s.logfile = if logfile == "syslog" {
            MainLogFile::Syslog
        } else {
            MainLogFile::Path(logfile.clone())
        };
    }
}

/// Loads the configuration at `path` with the command-line overrides applied.
pub fn load_config(path: &std::path::Path, overrides: &Overrides) -> Result<Config, StartError> {
    let env = Environment::from_process()?;
    let mut config = supervisor_config::load(path, &env, &OsFs)?;
    apply(&mut config, overrides);
    Ok(config)
}

fn make_logger(config: &Config, clock: LocalClock) -> Result<Logger, StartError> {
    let s = &config.supervisord;
    let settings = MainLogSettings {
        target: match &s.logfile {
            MainLogFile::Syslog => MainLogTarget::Syslog,
            MainLogFile::Path(p) => MainLogTarget::File(PathBuf::from(p)),
        },
        maxbytes: s.logfile_maxbytes.max(0) as u64,
        backups: s.logfile_backups.clamp(0, u32::MAX as i64) as u32,
        level: s.loglevel,
        nodaemon: s.nodaemon,
        silent: s.silent,
    };
    Logger::for_supervisord(&settings, clock).map_err(|e| StartError::Other(e.to_string()))
}

fn open_servers(config: &Config) -> Result<Vec<Server>, StartError> {
    let mut servers = Vec::new();
    for inet in &config.inet_http_servers {
        let listener = listen::bind_tcp(&inet.host, inet.port)?;
        servers.push(Server {
            listener: Listener::Tcp(mio::net::TcpListener::from_std(listener)),
            credentials: credentials(&inet.username, &inet.password),
        });
    }
    for unix in &config.unix_http_servers {
        let chown = unix.chown.map(|o| (o.uid, o.gid.unwrap_or(u32::MAX)));
        let listener = listen::bind_unix(std::path::Path::new(&unix.file), unix.chmod, chown)?;
        servers.push(Server {
            listener: Listener::Unix(mio::net::UnixListener::from_std(listener)),
            credentials: credentials(&unix.username, &unix.password),
        });
    }
    Ok(servers)
}

fn credentials(username: &Option<String>, password: &Option<String>) -> Option<Credentials> {
    username.as_ref().map(|u| Credentials {
        username: u.clone(),
        password: password.clone().unwrap_or_default(),
    })
}

/// The sections of the HTTP servers in the order Python opens them (inet, then unix).
fn server_sections(config: &Config) -> Vec<(String, bool)> {
    let inet = config
        .inet_http_servers
        .iter()
        .map(|s| (s.section.clone(), s.username.is_some()));
    let unix = config
        .unix_http_servers
        .iter()
        .map(|s| (s.section.clone(), s.username.is_some()));
    inet.chain(unix).collect()
}

/// Runs supervisord until it is told to shut down or restart.
///
/// `clock` must be made while the program is still single-threaded
/// ([`LocalClock::from_system`]). `first` is true for the first run of the process:
/// only then are limits raised and, without `nodaemon`, the daemon detached.
pub fn run(config: Config, clock: LocalClock, first: bool) -> Result<Exit, StartError> {
    privileges::cloexec_inherited();
    let mut criticals = Vec::new();
    let mut infos = config.infos.clone();
    match &config.supervisord.user {
        None => {
            if nix::unistd::getuid().is_root() {
                criticals.push(ROOT_WARNING.to_owned());
            }
        }
        Some(user) => {
            let (uid, _) = supervisor_config::resolve_user(user, &OsFs)?;
            privileges::drop_privileges(uid).map_err(StartError::Other)?;
            infos.push(format!("Set uid to user {uid} succeeded"));
        }
    }
    if first {
        let raised =
            privileges::raise_limits(config.supervisord.minfds, config.supervisord.minprocs)
                .map_err(StartError::Other)?;
        infos.extend(raised);
    }
    let mut logger = make_logger(&config, clock)?;
    for c in &criticals {
        let _ = logger.critical(c);
    }
    for w in &config.warnings {
        let _ = logger.warn(w);
    }
    for i in &infos {
        let _ = logger.info(i);
    }
    if !config.supervisord.nocleanup {
        let cleanup = clear_auto_child_logs(
            std::path::Path::new(&config.supervisord.childlogdir),
            &config.supervisord.identifier,
        );
        for w in cleanup.warnings {
            let _ = logger.warn(&w);
        }
    }

    fcgi::probe_all(&config, &mut logger).map_err(|e| StartError::Other(e.to_string()))?;
    let servers = open_servers(&config)?;
    for (section, authenticated) in server_sections(&config) {
        for rpc in &config.rpcinterfaces {
            let _ = logger.info(&format!("RPC interface '{}' initialized", rpc.name));
        }
        if !authenticated {
            let _ = logger.critical(&format!(
                "Server '{section}' running without any HTTP authentication checking"
            ));
        }
    }

    if first && !config.supervisord.nodaemon {
        let detached = privileges::daemonize(
            config.supervisord.directory.as_deref(),
            config.supervisord.umask,
        )?;
        for (critical, message) in detached.messages {
            let _ = if critical {
                logger.critical(&message)
            } else {
                logger.info(&message)
            };
        }
    }

    let mut poll = Poll::new()?;
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2, SIGCHLD])?;
    poll.registry()
        .register(&mut signals, SIGNALS, mio::Interest::READABLE)?;
    let socket_files: Vec<PathBuf> = config
        .unix_http_servers
        .iter()
        .map(|u| PathBuf::from(&u.file))
        .collect();
    let pidfile = PathBuf::from(&config.supervisord.pidfile);
    let first_dynamic = FIRST_LISTENER + servers.len();
    let mut net = Net::new(servers, poll.registry().try_clone()?, FIRST_LISTENER)?;
    let mut core = Core::new(config, logger, poll.registry().try_clone()?, first_dynamic);

    let pid = std::process::id();
    let wrote_pidfile = match std::fs::write(&pidfile, format!("{pid}\n")) {
        Ok(()) => {
            core.log(
                LogLevel::Info,
                &format!("supervisord started with pid {pid}"),
            );
            true
        }
        Err(_) => {
            core.log(
                LogLevel::Critical,
                &format!("could not write pidfile {}", pidfile.display()),
            );
            false
        }
    };

    core.table.start_autostart(Core::timestamp());
    let result = event_loop(&mut poll, &mut signals, &mut net, &mut core);

    net.close();
    core.close_pipes();
    for file in socket_files {
        let _ = std::fs::remove_file(file);
    }
    if wrote_pidfile {
        let _ = std::fs::remove_file(&pidfile);
    }
    result
}

fn event_loop(
    poll: &mut Poll,
    signals: &mut Signals,
    net: &mut Net,
    core: &mut Core,
) -> Result<Exit, StartError> {
    let mut events = Events::with_capacity(256);
    let listeners = FIRST_LISTENER..FIRST_LISTENER + net.servers.len();
    loop {
        core.drive();
        if net.has_pending() {
            net.poll_pending(core);
            core.drive();
        }
        if let Some(state) = core.finished {
            match state {
                SupervisorState::Restarting => return Ok(Exit::Restart),
                SupervisorState::Shutdown => return Ok(Exit::Shutdown),
                _ => core.finished = None,
            }
        }
        let deadline = match (core.table.poll_timeout(), net.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let deadline = [deadline, core.events.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
        let mut hangup = false;
        for event in events.iter() {
            let token = event.token();
            if token == SIGNALS {
                let received: Vec<i32> = signals.pending().collect();
                for sig in received {
                    handle_signal(core, sig);
                }
            } else if listeners.contains(&token.0) {
                net.accept(token.0 - FIRST_LISTENER, core);
            } else if net.is_conn(token) {
                net.ready(token, core);
            } else if core.is_stdin(token) {
                core.stdin_writable(token);
            } else {
                let hung_up = event.is_read_closed();
                hangup |= hung_up;
                core.read_pipe(token, hung_up);
            }
        }
        // A child's pipes close when it exits, usually a moment before its SIGCHLD
        // arrives: reap now rather than on the next turn of the loop.
        if hangup {
            let ended = reap::reap_all();
            if !ended.is_empty() {
                core.reaped(ended);
            }
        }
        let now = Core::timestamp();
        if core.table.poll_timeout().is_some_and(|due| due <= now.mono) {
            core.table.handle_timeout(now);
        }
        net.tick(core);
    }
}

fn handle_signal(core: &mut Core, sig: i32) {
    let now = Core::timestamp();
    let name = signal_name(sig);
    match sig {
        SIGTERM | SIGINT | SIGQUIT => {
            core.log(
                LogLevel::Warn,
                &format!("received {name} indicating exit request"),
            );
            core.table.shutdown(now);
        }
        SIGHUP => {
            if core.table.supervisor_state() == SupervisorState::Shutdown {
                core.log(
                    LogLevel::Warn,
                    &format!("ignored {name} indicating restart request (shutdown in progress)"),
                );
            } else {
                core.log(
                    LogLevel::Warn,
                    &format!("received {name} indicating restart request"),
                );
                let _ = core.table.restart(now);
            }
        }
        SIGCHLD => {
            core.log(
                LogLevel::Debug,
                &format!("received {name} indicating a child quit"),
            );
            let ended = reap::reap_all();
            core.reaped(ended);
        }
        SIGUSR2 => {
            core.log(
                LogLevel::Info,
                &format!("received {name} indicating log reopen request"),
            );
            core.reopen_logs();
        }
        _ => core.log(
            LogLevel::Blather,
            &format!("received {name} indicating nothing"),
        ),
    }
}
