//! The daemon's state apart from its network side: the process table, each process's
//! configuration, pipes and logs, the main log. It carries out the table's actions
//! (spawn, kill) and answers the api crate's questions ([`supervisor_api::Host`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use supervisor_config::{Config, GroupConfig, LogFile, ProcessConfig};
use supervisor_events::EventBus;
use supervisor_log::{
    ChildLog, Logger, OutputSplitter, Piece, RotatingFile, Spliced, SystemSyslog,
    create_auto_child_log, mainlog_message,
};
use supervisor_process::{Action, Event, ExitStatus, ProcessId, ProcessTable, Timestamp};
use supervisor_types::{LogLevel, SupervisorState};

use crate::clone_spawn::CloneSpawner;
use crate::events::Output;
use crate::pipesize::PipeBudget;
use crate::reap::Termination;
use crate::spawn::{self, SpawnRequest};

/// How much one read of a child pipe takes (Supervisor reads 128 KiB too).
const READ_CHUNK: usize = 128 * 1024;
/// The most one splice(2) call moves from a child pipe to its log file: a grown pipe's
/// whole content (see [`crate::pipesize`]).
const SPLICE_CHUNK: usize = 1024 * 1024;

/// Which output channel of a child a pipe carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Stdout,
    Stderr,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// A child's output pipe registered with the poll.
#[derive(Debug)]
pub struct Pipe {
    pub id: ProcessId,
    pub channel: Channel,
    pub fd: OwnedFd,
    /// How its output is handled: `None` is the fast path (the kernel moves the bytes
    /// from the pipe to the log file with splice(2)); a splitter reads them into user
    /// space for `strip_ansi`, capture mode, debug echo or syslog.
    splitter: Option<OutputSplitter>,
    /// `None` until the pipe proves busy; then the pages its growth took from the budget
    /// (0 when it could not grow).
    grown_pages: Option<usize>,
}

/// A process's configuration and what the daemon keeps for it across spawns.
#[derive(Debug)]
pub struct Proc {
    pub config: ProcessConfig,
    /// The log paths once known (`AUTO` becomes a path at the first spawn).
    pub stdout_path: Option<PathBuf>,
    pub stderr_path: Option<PathBuf>,
    pub(crate) stdout_log: Option<ChildLog>,
    pub(crate) stderr_log: Option<ChildLog>,
    /// Write end of the child's stdin while it runs.
    pub stdin: Option<OwnedFd>,
    /// Its output pipes still registered with the poll (at most two).
    pub(crate) pipe_tokens: Vec<Token>,
}

/// Everything but the sockets.
pub struct Core {
    /// The configuration read last (at startup or by `reloadConfig`).
    pub config: Config,
    /// The configurations of the active groups, in the order they were added.
    pub(crate) active: Vec<GroupConfig>,
    /// Data for children's stdin that their pipes could not take yet.
    pub(crate) stdin_backlog: HashMap<ProcessId, Vec<u8>>,
    /// The process each live child pid belongs to.
    pids: HashMap<u32, ProcessId>,
    /// Stdin pipes watched for room because data is queued for them.
    stdin_watch: HashMap<Token, ProcessId>,
    pub table: ProcessTable,
    pub procs: HashMap<ProcessId, Proc>,
    pub pipes: HashMap<Token, Pipe>,
    pub logger: Logger,
    registry: Registry,
    next_token: usize,
    /// supervisord's own environment, the base of every child's.
    base_env: Vec<(OsString, OsString)>,
    search_path: Vec<PathBuf>,
    pub(crate) pid: u32,
    pub(crate) utc_offset: i32,
    /// Set once every process is stopped after a shutdown or restart request.
    pub finished: Option<SupervisorState>,
    /// The eventlistener pools and the events on their way ([`crate::events`]).
    pub(crate) events: EventBus,
    /// The buffer child output is read into, allocated once.
    read_buf: Box<[u8]>,
    /// The sockets of the active FastCGI groups, by group name ([`crate::fcgi`]).
    pub(crate) fcgi: HashMap<String, crate::fcgi::SharedSocket>,
    /// How much busy child pipes may still grow ([`crate::pipesize`]).
    pipe_budget: PipeBudget,
    /// `None` where the kernel cannot spawn without copying the descriptor table.
    spawner: Option<CloneSpawner>,
}

impl Core {
    /// Builds the table from the config's groups.
    pub fn new(config: Config, logger: Logger, registry: Registry, first_token: usize) -> Core {
        let base_env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        let path_env = std::env::var("PATH").ok();
        let utc_offset = logger.clock().offset().whole_seconds();
        let mut core = Core {
            table: ProcessTable::new(),
            procs: HashMap::new(),
            pipes: HashMap::new(),
            logger,
            registry,
            next_token: first_token,
            base_env,
            search_path: spawn::search_path(path_env.as_deref()),
            pid: std::process::id(),
            utc_offset,
            finished: None,
            read_buf: vec![0; READ_CHUNK].into_boxed_slice(),
            fcgi: HashMap::new(),
            pipe_budget: PipeBudget::from_system(),
            spawner: CloneSpawner::new(),
            events: EventBus::new(&config.supervisord.identifier, Core::timestamp()),
            config,
            active: Vec::new(),
            stdin_backlog: HashMap::new(),
            pids: HashMap::new(),
            stdin_watch: HashMap::new(),
        };
        for group in core.config.groups.clone() {
            // Duplicate names were refused by the config crate; nothing to report here.
            let _ = core.activate_group(group);
        }
        core
    }

    /// The daemon's record of a configured process. `AUTO` log files get their names
    /// (and empty files) now, as Supervisor creates them when a group is added.
    pub(crate) fn new_proc(&mut self, config: ProcessConfig) -> Proc {
        let childlogdir = PathBuf::from(&self.config.supervisord.childlogdir);
        let identifier = self.config.supervisord.identifier.clone();
        let mut path = |setting: &LogFile, channel: Channel| match setting {
            LogFile::Path(p) => Some(PathBuf::from(p)),
            LogFile::None => None,
            LogFile::Auto => {
                match create_auto_child_log(&childlogdir, &config.name, channel.name(), &identifier)
                {
                    Ok(path) => Some(path),
                    Err(e) => {
                        let _ = self.logger.warn(&format!(
                            "could not create the {} log of {}: {e}",
                            channel.name(),
                            config.name
                        ));
                        None
                    }
                }
            }
        };
        let stdout_path = path(&config.stdout_logfile, Channel::Stdout);
        let stderr_path = if config.redirect_stderr {
            None
        } else {
            path(&config.stderr_logfile, Channel::Stderr)
        };
        Proc {
            config,
            stdout_path,
            stderr_path,
            stdout_log: None,
            stderr_log: None,
            stdin: None,
            pipe_tokens: Vec::new(),
        }
    }

    /// A fresh token for a pipe or connection.
    pub fn token(&mut self) -> Token {
        let t = Token(self.next_token);
        self.next_token += 1;
        t
    }

    /// Now, for the table.
    pub fn timestamp() -> Timestamp {
        Timestamp::new(Instant::now(), SystemTime::now())
    }

    /// Writes a main-log line; a failing log never stops the daemon.
    pub fn log(&mut self, level: LogLevel, message: &str) {
        let _ = self.logger.log(level, message);
    }

    /// Carries out every queued action and logs every event until the table is quiet.
    pub fn drive(&mut self) {
        loop {
            let mut busy = false;
            while let Some(action) = self.table.poll_action() {
                busy = true;
                self.act(action);
                // Log each action's outcome as it happens (`spawned: ...` carries the
                // time of that spawn, not of the end of a batch of 500).
                self.handle_table_events();
            }
            busy |= self.handle_table_events();
            if !busy {
                break;
            }
        }
        self.pump_events();
        self.watch_stdin();
    }

    /// Registers for writability the stdin of every process with queued data that is not
    /// watched yet; the loop calls [`Core::stdin_writable`] when its pipe has room.
    fn watch_stdin(&mut self) {
        let waiting: Vec<ProcessId> = self
            .stdin_backlog
            .keys()
            .filter(|id| !self.stdin_watch.values().any(|w| w == *id))
            .copied()
            .collect();
        for id in waiting {
            let Some(raw) = self
                .procs
                .get(&id)
                .and_then(|p| p.stdin.as_ref())
                .map(|fd| fd.as_raw_fd())
            else {
                self.stdin_backlog.remove(&id);
                continue;
            };
            let token = self.token();
            if self
                .registry
                .register(&mut SourceFd(&raw), token, Interest::WRITABLE)
                .is_ok()
            {
                self.stdin_watch.insert(token, id);
            }
        }
    }

    /// Whether `token` is a watched stdin pipe.
    pub fn is_stdin(&self, token: Token) -> bool {
        self.stdin_watch.contains_key(&token)
    }

    /// A watched stdin pipe has room: writes what is queued; stops watching once all of
    /// it is written, drops it if the pipe is gone.
    pub fn stdin_writable(&mut self, token: Token) {
        let Some(&id) = self.stdin_watch.get(&token) else {
            return;
        };
        if crate::host::write_stdin_to(&self.procs, &mut self.stdin_backlog, id, &[]).is_err() {
            self.stdin_backlog.remove(&id);
        }
        if !self.stdin_backlog.contains_key(&id) {
            self.unwatch_stdin(id);
        }
    }

    /// Stops watching the stdin of `id` (its data is written, or its pipe is going away).
    fn unwatch_stdin(&mut self, id: ProcessId) {
        let tokens: Vec<Token> = self
            .stdin_watch
            .iter()
            .filter(|(_, w)| **w == id)
            .map(|(t, _)| *t)
            .collect();
        for token in tokens {
            self.stdin_watch.remove(&token);
            if let Some(raw) = self
                .procs
                .get(&id)
                .and_then(|p| p.stdin.as_ref())
                .map(|fd| fd.as_raw_fd())
            {
                let _ = self.registry.deregister(&mut SourceFd(&raw));
            }
        }
    }

    /// Logs and publishes the table's pending events; whether there were any.
    pub(crate) fn handle_table_events(&mut self) -> bool {
        let mut any = false;
        while let Some(event) = self.table.poll_event() {
            any = true;
            // Events hook: every table event goes to the eventlistener pools.
            if let Some(e) = crate::events::from_table(&event) {
                self.events.publish(e);
            }
            match event {
                Event::Log(line) => self.log(line.level, &line.text),
                Event::AllStopped(state) => self.finished = Some(state),
                Event::StateChange(change) => self.release_if_gone(change.id),
                _ => {}
            }
        }
        any
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Spawn { id } => self.spawn(id),
            Action::Kill {
                id,
                pid,
                signal,
                process_group,
            } => {
                let target = if process_group {
                    -(pid as i32)
                } else {
                    pid as i32
                };
                let sig = nix::sys::signal::Signal::try_from(signal).ok();
                match nix::sys::signal::kill(nix::unistd::Pid::from_raw(target), sig) {
                    Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
                    Err(e) => {
                        let now = Core::timestamp();
                        self.table.handle_signal_failed(id, e.desc(), now);
                    }
                }
            }
        }
    }

    /// The command of `id` resolved, or the spawn error text.
    pub(crate) fn resolve(
        &self,
        id: ProcessId,
    ) -> Result<(PathBuf, Vec<String>), spawn::CommandError> {
        let command = self
            .procs
            .get(&id)
            .map(|p| p.config.command.as_str())
            .unwrap_or("");
        spawn::resolve_command(command, &self.search_path)
    }

    /// Spawns `id` with `stdin` as its fd 0 if given (a FastCGI socket), else a pipe.
    pub(crate) fn spawn_child(&mut self, id: ProcessId, stdin: Option<OwnedFd>) {
        let now = Core::timestamp();
        let (filename, argv) = match self.resolve(id) {
            Ok(r) => r,
            Err(e) => {
                self.table.handle_spawn_failed(id, &e.to_string(), now);
                return;
            }
        };
        if let Some(dir) = self
            .procs
            .get(&id)
            .and_then(|p| p.config.directory.as_deref())
        {
            let missing = match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => None,
                Ok(_) => Some(nix::errno::Errno::ENOTDIR),
                Err(e) => Some(nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0))),
            };
            if let Some(errno) = missing {
                let msg = format!("couldn't chdir to {dir}: {errno:?}");
                self.table.handle_spawn_failed(id, &msg, now);
                return;
            }
        }
        if let Err(e) = self.open_logs(id) {
            let msg = format!(
                "unknown error making dispatchers for '{}': {e}",
                self.name(id)
            );
            self.table.handle_spawn_failed(id, &msg, now);
            return;
        }
        let request = self.spawn_request(id, filename, argv, stdin);
        match spawn::spawn(&request, self.spawner.as_mut()) {
            Ok(child) => {
                let pid = child.pid;
                self.register_pipe(id, Channel::Stdout, child.stdout);
                if let Some(stderr) = child.stderr {
                    self.register_pipe(id, Channel::Stderr, stderr);
                }
                // Data queued for a previous child's stdin is not for this one.
                self.unwatch_stdin(id);
                self.stdin_backlog.remove(&id);
                if let Some(p) = self.procs.get_mut(&id) {
                    p.stdin = child.stdin;
                }
                self.pids.insert(pid, id);
                self.table.handle_spawned(id, pid, now);
            }
            Err(e) => {
                let msg = spawn_error_text(&e, &self.name(id), &request);
                self.table.handle_spawn_failed(id, &msg, now);
            }
        }
    }

    fn name(&self, id: ProcessId) -> String {
        self.procs
            .get(&id)
            .map(|p| p.config.name.clone())
            .unwrap_or_default()
    }

    /// Opens the child's log files the first time they are needed.
    fn open_logs(&mut self, id: ProcessId) -> Result<(), String> {
        let Some(p) = self.procs.get_mut(&id) else {
            return Ok(());
        };
        let c = &p.config;
        let open = |path: &Option<PathBuf>,
                    maxbytes: i64,
                    backups: i64,
                    syslog: bool|
         -> Result<ChildLog, String> {
            let file = match path {
                Some(path) => Some(
                    RotatingFile::open(
                        path.clone(),
                        maxbytes.max(0) as u64,
                        backups.clamp(0, u32::MAX as i64) as u32,
                    )
                    .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let log = ChildLog::new(file);
            Ok(if syslog {
                log.with_syslog(&c.name, Box::new(SystemSyslog))
            } else {
                log
            })
        };
        if p.stdout_log.is_none() {
            p.stdout_log = Some(open(
                &p.stdout_path,
                c.stdout_logfile_maxbytes,
                c.stdout_logfile_backups,
                c.stdout_syslog,
            )?);
        }
        if p.stderr_log.is_none() && !c.redirect_stderr {
            p.stderr_log = Some(open(
                &p.stderr_path,
                c.stderr_logfile_maxbytes,
                c.stderr_logfile_backups,
                c.stderr_syslog,
            )?);
        }
        Ok(())
    }

    fn spawn_request(
        &self,
        id: ProcessId,
        filename: PathBuf,
        argv: Vec<String>,
        stdin_socket: Option<OwnedFd>,
    ) -> SpawnRequest {
        let p = &self.procs[&id];
        let mut env: Vec<(OsString, OsString)> = self.base_env.clone();
        let mut set = |k: &str, v: &str| {
            let k = OsString::from(k);
            env.retain(|(name, _)| *name != k);
            env.push((k, OsString::from(v)));
        };
        set("SUPERVISOR_ENABLED", "1");
        if let Some(url) = p
            .config
            .serverurl
            .clone()
            .or_else(|| self.config.serverurl())
        {
            set("SUPERVISOR_SERVER_URL", &url);
        }
        set("SUPERVISOR_PROCESS_NAME", &p.config.name);
        set("SUPERVISOR_GROUP_NAME", &p.config.group);
        for (k, v) in &p.config.environment {
            set(k, v);
        }
        SpawnRequest {
            filename,
            argv,
            env,
            directory: p.config.directory.as_ref().map(PathBuf::from),
            umask: p.config.umask,
            redirect_stderr: p.config.redirect_stderr,
            stdin_socket,
            user: p
                .config
                .uid
                .filter(|&uid| uid != nix::unistd::getuid().as_raw())
                .and_then(crate::privileges::user_ids),
        }
    }

    fn register_pipe(&mut self, id: ProcessId, channel: Channel, fd: OwnedFd) {
        let token = self.token();
        let raw = fd.as_raw_fd();
        let splitter = self.splitter_for(id, channel);
        if self
            .registry
            .register(&mut SourceFd(&raw), token, Interest::READABLE)
            .is_ok()
        {
            self.pipes.insert(
                token,
                Pipe {
                    id,
                    channel,
                    fd,
                    splitter,
                    grown_pages: None,
                },
            );
            if let Some(p) = self.procs.get_mut(&id) {
                p.pipe_tokens.push(token);
            }
        }
    }

    /// Closes a child pipe: out of the poll and out of its process's list.
    fn remove_pipe(&mut self, token: Token) -> Option<ProcessId> {
        let pipe = self.pipes.remove(&token)?;
        self.pipe_budget.release(pipe.grown_pages.unwrap_or(0));
        let _ = self
            .registry
            .deregister(&mut SourceFd(&pipe.fd.as_raw_fd()));
        if let Some(p) = self.procs.get_mut(&pipe.id) {
            p.pipe_tokens.retain(|t| *t != token);
        }
        Some(pipe.id)
    }

    /// `None` when nothing needs the bytes in user space, so they can be spliced.
    fn splitter_for(&self, id: ProcessId, channel: Channel) -> Option<OutputSplitter> {
        if channel == Channel::Stdout && self.is_listener(id) {
            // Events hook: a listener's stdout is protocol, read into user space as is.
            return Some(OutputSplitter::new(0, false));
        }
        let c = &self.procs.get(&id)?.config;
        let (capture, events, syslog) = match channel {
            Channel::Stdout => (
                c.stdout_capture_maxbytes,
                c.stdout_events_enabled,
                c.stdout_syslog,
            ),
            Channel::Stderr => (
                c.stderr_capture_maxbytes,
                c.stderr_events_enabled,
                c.stderr_syslog,
            ),
        };
        let strip = self.config.supervisord.strip_ansi;
        let fast = !strip
            && capture <= 0
            && !events
            && !syslog
            && !self.logger.is_enabled(LogLevel::Debug);
        (!fast).then(|| OutputSplitter::new(capture.max(0) as usize, strip))
    }

    /// Moves what a readable child pipe holds into the channel's log, until the pipe is
    /// empty (or, once its writer `hung_up`, until end of file), growing a busy pipe.
    /// Closes the pipe at end of file.
    pub fn read_pipe(&mut self, token: Token, hung_up: bool) {
        let Some(pipe) = self.pipes.get_mut(&token) else {
            return;
        };
        let Some(p) = self.procs.get_mut(&pipe.id) else {
            return;
        };
        let mut log = match pipe.channel {
            Channel::Stdout => p.stdout_log.as_mut(),
            Channel::Stderr => p.stderr_log.as_mut(),
        };
        let mut eof = false;
        let listener = pipe.channel == Channel::Stdout && self.events.is_listener(pipe.id);
        let strip = self.config.supervisord.strip_ansi;
        let mut moved = 0;
        if pipe.splitter.is_none() {
            let spliced = match log.as_deref_mut() {
                Some(log) => log.splice_from(pipe.fd.as_fd(), SPLICE_CHUNK, hung_up),
                None => Ok(Spliced::Unsupported),
            };
            match spliced {
                Ok(Spliced::Drained(n)) => {
                    if pipe.grown_pages.is_none() {
                        pipe.grown_pages = self.pipe_budget.grow_if_busy(pipe.fd.as_fd(), n);
                    }
                    return;
                }
                Ok(Spliced::Eof(_)) => eof = true,
                Ok(Spliced::Unsupported) | Err(_) => {
                    pipe.splitter = Some(OutputSplitter::new(0, false));
                }
            }
        }
        let mut echo = Vec::new();
        let mut steps = Vec::new();
        if let Some(splitter) = pipe.splitter.as_mut() {
            let buf = &mut self.read_buf;
            let mut pieces = Vec::new();

            while !eof {
                match nix::unistd::read(&pipe.fd, buf) {
                    Ok(0) => {
                        eof = true;
                        splitter.finish(&mut pieces);
                    }
                    Ok(n) => {
                        moved += n as u64;
                        splitter.feed(&buf[..n], &mut pieces);
                    }
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(nix::errno::Errno::EAGAIN) => break,
                    Err(_) => {
                        eof = true;
                        splitter.finish(&mut pieces);
                    }
                }
                for piece in pieces.drain(..) {
                    match piece {
                        Piece::Output(data) if listener => {
                            if let Some(log) = log.as_deref_mut() {
                                let _ = log.write(&strip_if(strip, &data));
                            }
                            steps.push(Step::Protocol(data));
                        }
                        Piece::Output(data) => {
                            if let Some(log) = log.as_deref_mut() {
                                let _ = log.write(&data);
                            }
                            echo.push(data.clone());
                            steps.push(Step::Event(Output::Log(data)));
                        }
                        Piece::Captured(data) => {
                            echo.push(data.clone());
                            steps.push(Step::Event(Output::Log(data)));
                        }
                        Piece::CommEvent(data) => steps.push(Step::Event(Output::Comm(data))),
                    }
                }
            }
            if !eof && pipe.grown_pages.is_none() {
                pipe.grown_pages = self.pipe_budget.grow_if_busy(pipe.fd.as_fd(), moved);
            }
        }
        if self.logger.is_enabled(LogLevel::Debug) && !echo.is_empty() {
            let (name, channel) = (p.config.name.clone(), pipe.channel.name());
            for data in echo {
                let message = mainlog_message(&name, channel, &data);
                let _ = self.logger.log(LogLevel::Debug, &message);
            }
        }
        // Events hook: protocol bytes, PROCESS_LOG_* and PROCESS_COMMUNICATION_*.
        let (id, channel) = (pipe.id, pipe.channel);
        for step in steps {
            match step {
                Step::Protocol(data) => self.listener_output(id, &data),
                Step::Event(output) => {
                    if let Some(message) = self.output_event(id, channel, output) {
                        self.log(LogLevel::Debug, &message);
                    }
                }
            }
        }
        if eof && let Some(id) = self.remove_pipe(token) {
            self.release_if_gone(id);
        }
    }

    /// Once a process has no live pid, its stdin is closed; once its output pipes are
    /// drained too, its log files are closed (reopened at the next spawn), as Supervisor
    /// closes a finished process's dispatchers. A spawn that already replaced them keeps
    /// the new ones.
    fn release_if_gone(&mut self, id: ProcessId) {
        if self.table.process(id).is_none_or(|p| p.pid().is_some()) {
            return;
        }
        let drained = self.procs.get(&id).is_none_or(|p| p.pipe_tokens.is_empty());
        self.unwatch_stdin(id);
        self.stdin_backlog.remove(&id);
        if let Some(p) = self.procs.get_mut(&id) {
            p.stdin = None;
            if drained {
                p.stdout_log = None;
                p.stderr_log = None;
            }
        }
    }

    /// Reports reaped children to the table; unknown ones are logged.
    pub fn reaped(&mut self, ended: Vec<(u32, Termination)>) {
        for (pid, how) in ended {
            let id = self.pids.remove(&pid);
            if let Some(id) = id {
                self.close_pipes_of(id);
            }
            let status = match how {
                Termination::Exited(code) => ExitStatus::Exited(code),
                Termination::Signaled { signal, core: true } => ExitStatus::CoreDumped(signal),
                Termination::Signaled {
                    signal,
                    core: false,
                } => ExitStatus::Signaled(signal),
            };
            if !self.table.handle_exit(pid, status, Core::timestamp()) {
                self.log(
                    LogLevel::Info,
                    &format!("reaped unknown pid {pid} ({})", how.describe()),
                );
            }
            if let Some(id) = id {
                self.fcgi_release(id);
            }
        }
    }

    /// Drains what a finished child left in its pipes and closes them, as Supervisor does
    /// when it reaps a child (a grandchild still holding the pipe no longer reaches
    /// the log).
    fn close_pipes_of(&mut self, id: ProcessId) {
        let tokens = self
            .procs
            .get(&id)
            .map(|p| p.pipe_tokens.clone())
            .unwrap_or_default();
        for token in tokens {
            self.read_pipe(token, true);
            self.remove_pipe(token);
        }
    }

    /// Reopens every log file (SIGUSR2).
    pub fn reopen_logs(&mut self) {
        let _ = self.logger.reopen();
        for p in self.procs.values_mut() {
            for log in [p.stdout_log.as_mut(), p.stderr_log.as_mut()]
                .into_iter()
                .flatten()
            {
                let _ = log.reopen();
            }
        }
    }

    /// Closes every child pipe (on exit).
    pub fn close_pipes(&mut self) {
        for (_, pipe) in self.pipes.drain() {
            let _ = self
                .registry
                .deregister(&mut SourceFd(&pipe.fd.as_raw_fd()));
        }
    }
}

/// Supervisor's spawnerr for a failed spawn of process `name`.
fn spawn_error_text(e: &io::Error, name: &str, request: &SpawnRequest) -> String {
    let code = e
        .raw_os_error()
        .map(|n| format!("{:?}", nix::errno::Errno::from_raw(n)))
        .unwrap_or_else(|| e.to_string());
    match e.raw_os_error() {
        Some(libc::EAGAIN) => format!("Too many processes in process table to spawn '{name}'"),
        Some(libc::EMFILE) => format!("too many open files to spawn '{name}'"),
        _ => format!("couldn't exec {}: {code}", request.filename.display()),
    }
}

pub(crate) fn clamp_i32(n: i64) -> i32 {
    n.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// The table's view of a configured process.
pub(crate) fn process_spec(pc: &ProcessConfig) -> supervisor_process::ProcessSpec {
    supervisor_process::ProcessSpec {
        name: pc.name.clone(),
        priority: clamp_i32(pc.priority),
        autostart: pc.autostart,
        autorestart: pc.autorestart,
        startsecs: pc.startsecs.max(0) as u64,
        startretries: pc.startretries.clamp(0, u32::MAX as i64) as u32,
        exitcodes: pc.exitcodes.clone(),
        stopsignal: pc.stopsignal,
        stopwaitsecs: pc.stopwaitsecs.max(0) as u64,
        stopasgroup: pc.stopasgroup,
        killasgroup: pc.killasgroup,
    }
}

/// What [`Core::read_pipe`] does with output once the pipe is drained.
enum Step {
    /// A listener's stdout: the eventlistener protocol.
    Protocol(Vec<u8>),
    /// A possible `PROCESS_LOG_*` or `PROCESS_COMMUNICATION_*` event.
    Event(Output),
}

fn strip_if(strip: bool, data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if strip {
        supervisor_log::strip_ansi(data)
    } else {
        std::borrow::Cow::Borrowed(data)
    }
}
