//! The command interpreter: one line in, Python supervisorctl's text and exit status out.

use std::io::{self, ErrorKind, Read, Write};
use std::panic::Location;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use supervisor_types::{FaultCode, Namespec, ProcessState, make_namespec};

use crate::format;
use crate::options::CtlOptions;
use crate::py;
use crate::rpc::{
    Connector, ProcessInfo, ProcessResult, RpcError, RpcErrorKind, Supervisor, Target,
};

/// Exit statuses, as Python's `LSBInitExitStatuses` and `LSBStatusExitStatuses`.
pub mod exit {
    /// Everything worked.
    pub const SUCCESS: i32 = 0;
    /// Something failed.
    pub const GENERIC: i32 = 1;
    /// A command was missing its arguments (`start` with no name), or a group is unknown.
    pub const INVALID_ARGS: i32 = 2;
    /// `[rpcinterface:supervisor]` is missing on the server.
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    /// The server refused the connection.
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    /// The server speaks another API version.
    pub const NOT_INSTALLED: i32 = 5;
    /// The socket file does not exist, or a process is not running.
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: some process shown is not running.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: a name is unknown, or the server cannot be reached.
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// The API version this supervisorctl expects from `getVersion`.
pub const API_VERSION: &str = "3.0";

/// Line input from the user: the shell, confirmations, logins and `fg`.
pub trait Console {
    /// Shows `prompt` and reads one line without its newline; `None` at end of input.
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>>;
    /// Like [`Console::read_line`] without echoing what is typed.
    fn read_password(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Ctrl-C while following a log: armed around `tail -f`, `maintail -f` and `fg`.
pub trait Interrupt {
    /// Starts catching Ctrl-C (until [`Interrupt::disarm`]) instead of dying from it.
    fn arm(&mut self);
    /// Back to the default Ctrl-C behaviour; forgets a pending interrupt.
    fn disarm(&mut self);
    /// Whether Ctrl-C was pressed since [`Interrupt::arm`].
    fn fired(&self) -> bool;
}

/// What a command asks of the shell loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Continue,
    /// Leave the shell (`quit`, `exit`, end of input).
    Stop,
}

/// A failure that Python reports as `error: <class ...>, ...: file: ... line: ...`.
#[derive(Debug)]
enum Failure {
    /// Ctrl-C at a prompt of a command: Python's `KeyboardInterrupt` leaves the shell.
    Interrupted,
    Rpc(RpcError),
    Python {
        class: &'static str,
        message: String,
        at: &'static Location<'static>,
    },
}

impl From<RpcError> for Failure {
    fn from(e: RpcError) -> Self {
        Failure::Rpc(e)
    }
}

impl Failure {
    #[track_caller]
    fn value_error(message: String) -> Failure {
        Failure::Python {
            class: "ValueError",
            message,
            at: Location::caller(),
        }
    }

    #[track_caller]
    fn eof() -> Failure {
        Failure::Python {
            class: "EOFError",
            message: String::new(),
            at: Location::caller(),
        }
    }

    #[track_caller]
    fn io(e: io::Error) -> Failure {
        if e.kind() == ErrorKind::Interrupted {
            Failure::Interrupted
        } else {
            Failure::Rpc(RpcError::from(e))
        }
    }

    fn line(&self) -> String {
        match self {
            Failure::Interrupted => String::new(),
            Failure::Rpc(e) => e.error_line(),
            Failure::Python { class, message, at } => format!(
                "error: <class '{class}'>, {message}: file: {} line: {}",
                at.file(),
                at.line()
            ),
        }
    }
}

type CmdResult = Result<Flow, Failure>;

/// supervisorctl's interpreter: holds the options, the connection and the exit status.
///
/// Call [`Controller::onecmd`] per command line; read [`Controller::exit_status`] at the
/// end. Output goes to the writers given at construction.
pub struct Controller<'io> {
    options: CtlOptions,
    connector: Box<dyn Connector + 'io>,
    out: Box<dyn Write + Send + 'io>,
    err: Box<dyn Write + 'io>,
    console: Box<dyn Console + 'io>,
    interrupt: Box<dyn Interrupt + 'io>,
    proxy: Option<Box<dyn Supervisor>>,
    complete_info: Option<Vec<ProcessInfo>>,
    exit_status: i32,
}

/// Where a controller's output goes and where its input comes from.
pub struct Io<'io> {
    /// Command output (stdout).
    pub out: Box<dyn Write + Send + 'io>,
    /// Stream errors (stderr).
    pub err: Box<dyn Write + 'io>,
    /// Line input.
    pub console: Box<dyn Console + 'io>,
    /// Ctrl-C while following logs.
    pub interrupt: Box<dyn Interrupt + 'io>,
}

fn split_namespec(name: &str) -> (&str, Option<&str>) {
    let spec = Namespec::parse(name);
    (spec.group, spec.process)
}

fn fault_is(e: &RpcError, code: FaultCode) -> bool {
    e.fault_code() == Some(code.code())
}

impl<'io> Controller<'io> {
    /// A controller for these options, connecting through `connector`.
    pub fn new(options: CtlOptions, connector: Box<dyn Connector + 'io>, io: Io<'io>) -> Self {
        Controller {
            options,
            connector,
            out: io.out,
            err: io.err,
            console: io.console,
            interrupt: io.interrupt,
            proxy: None,
            complete_info: None,
            exit_status: exit::SUCCESS,
        }
    }

    /// The exit status so far (Python's `exitstatus`).
    pub fn exit_status(&self) -> i32 {
        self.exit_status
    }

    /// The options in force (`open` changes the server URL, a login the credentials).
    pub fn options(&self) -> &CtlOptions {
        &self.options
    }

    /// The shell prompt: the configured prompt and `> `.
    pub fn prompt(&self) -> String {
        format!("{}> ", self.options.prompt)
    }

    /// The console, for the shell loop to read commands from.
    pub fn console(&mut self) -> &mut dyn Console {
        self.console.as_mut()
    }

    /// Writes `message` and a newline in one write, then flushes. Output errors (a
    /// closed pipe) are ignored.
    pub fn output(&mut self, message: &str) {
        let mut line = String::with_capacity(message.len() + 1);
        line.push_str(message);
        line.push('\n');
        self.emit(&line);
    }

    /// Writes `text` as it is and flushes, so that a long listing costs one write
    /// rather than one per line. Output errors (a closed pipe) are ignored.
    fn emit(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn target(&self) -> Target {
        Target {
            serverurl: self.options.serverurl.clone(),
            username: self.options.username.clone(),
            password: self.options.password.clone(),
        }
    }

    fn sup(&mut self) -> &mut dyn Supervisor {
        if self.proxy.is_none() {
            let target = self.target();
            self.proxy = Some(self.connector.supervisor(&target));
        }
        self.proxy.as_deref_mut().expect("proxy was just created")
    }

    fn reset_connection(&mut self) {
        self.proxy = None;
    }

    /// Interprets one command line as Python's `Controller.onecmd`: unknown words print
    /// `*** Unknown syntax`, failures print an `error:` line, a 401 prints `Server requires
    /// authentication` (and at a shell asks for a user name and password, then retries).
    pub fn onecmd(&mut self, line: &str) -> Flow {
        let line = py::strip(line);
        if line.is_empty() {
            return Flow::Continue;
        }
        let line = match line.strip_prefix('?') {
            Some(rest) => format!("help {rest}"),
            None => line.to_owned(),
        };
        let split = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        let cmd = &line[..split];
        let arg = py::strip(&line[split..]).to_owned();
        if cmd.is_empty() || !(format::COMMANDS.contains(&cmd) || cmd == "EOF") {
            self.output(&format!("*** Unknown syntax: {line}"));
            self.exit_status = exit::GENERIC;
            return Flow::Continue;
        }
        self.complete_info = None;
        let cmd = cmd.to_owned();
        match self.dispatch(&cmd, &arg) {
            Ok(flow) => flow,
            Err(Failure::Rpc(e)) if e.is_unauthorized() => {
                self.output("Server requires authentication");
                if self.options.interactive {
                    match self.login() {
                        Ok(()) => self.onecmd(&line),
                        Err(f) => self.report(&f),
                    }
                } else {
                    self.exit_status = exit::GENERIC;
                    match self.dispatch(&cmd, &arg) {
                        Err(f) => self.report(&f),
                        Ok(_) => Flow::Continue,
                    }
                }
            }
            Err(f) => self.report(&f),
        }
    }

    /// Prints a failure's `error:` line; a Ctrl-C prints an empty line and ends the shell.
    fn report(&mut self, f: &Failure) -> Flow {
        let line = f.line();
        self.output(&line);
        if let Failure::Interrupted = f {
            return Flow::Stop;
        }
        self.exit_status = exit::GENERIC;
        Flow::Continue
    }

    fn login(&mut self) -> Result<(), Failure> {
        let username = self
            .console
            .read_line("Username:")
            .map_err(Failure::io)?
            .ok_or_else(Failure::eof)?;
        let password = self
            .console
            .read_password("Password:")
            .map_err(Failure::io)?
            .ok_or_else(Failure::eof)?;
        self.output("");
        self.options.username = Some(username);
        self.options.password = Some(password);
        self.reset_connection();
        Ok(())
    }

    fn dispatch(&mut self, cmd: &str, arg: &str) -> CmdResult {
        match cmd {
            "help" => self.do_help(arg),
            "EOF" | "quit" | "exit" => {
                self.output("");
                return Ok(Flow::Stop);
            }
            "status" => self.do_status(arg),
            "pid" => self.do_pid(arg),
            "start" => self.do_start(arg),
            "stop" => self.do_stop(arg),
            "signal" => self.do_signal(arg),
            "restart" => self.do_restart(arg),
            "tail" => self.do_tail(arg),
            "maintail" => self.do_maintail(arg),
            "shutdown" => self.do_shutdown(arg),
            "reload" => self.do_reload(arg),
            "avail" => self.do_avail(arg),
            "reread" => self.do_reread(arg),
            "add" => self.do_add(arg),
            "remove" => self.do_remove(arg),
            "update" => self.do_update(arg),
            "clear" => self.do_clear(arg),
            "open" => self.do_open(arg),
            "version" => self.do_version(arg),
            _ => self.do_fg(arg),
        }?;
        Ok(Flow::Continue)
    }

    fn help(&mut self, cmd: &str) {
        if let Some(text) = format::command_help(cmd) {
            self.emit(text);
        }
    }

    fn usage(&mut self, msg: &str, status: i32, help_cmd: Option<&str>) {
        self.output(msg);
        self.exit_status = status;
        if let Some(cmd) = help_cmd {
            self.help(cmd);
        }
    }

    /// The usage error of a command that takes no arguments, when it was given some.
    fn refuse_arguments(&mut self, cmd: &str, arg: &str) -> bool {
        if arg.is_empty() {
            return false;
        }
        self.usage(
            &format!("Error: {cmd} accepts no arguments"),
            exit::GENERIC,
            Some(cmd),
        );
        true
    }

    /// A failed call whose only expected fault is `SHUTDOWN_STATE`: any fault sets the
    /// exit status, that one prints `shutting_down`, everything else is raised.
    fn shutdown_fault(&mut self, e: RpcError, shutting_down: &str) -> Result<(), Failure> {
        if e.fault_code().is_none() {
            return Err(e.into());
        }
        self.exit_status = exit::GENERIC;
        if fault_is(&e, FaultCode::ShutdownState) {
            self.output(shutting_down);
            Ok(())
        } else {
            Err(e.into())
        }
    }

    fn set_exit_from_fault(&mut self, code: i32, ignored: Option<FaultCode>) {
        let dead = [
            FaultCode::SpawnError,
            FaultCode::AbnormalTermination,
            FaultCode::NotRunning,
        ];
        if Some(code) == ignored.map(FaultCode::code) || code == FaultCode::Success.code() {
            return;
        }
        self.exit_status = if dead.iter().any(|f| f.code() == code) {
            exit::NOT_RUNNING
        } else {
            exit::GENERIC
        };
    }

    /// Checks the server is reachable and speaks our API, printing Python's messages when
    /// not. `Ok(false)` means the command should stop.
    fn upcheck(&mut self) -> Result<bool, Failure> {
        match self.sup().get_api_version() {
            Ok(api) if api == API_VERSION => Ok(true),
            Ok(api) => {
                self.output(&format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API version {API_VERSION}, but the remote version is {api}."
                ));
                self.exit_status = exit::NOT_INSTALLED;
                Ok(false)
            }
            Err(e) if fault_is(&e, FaultCode::UnknownMethod) => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).",
                );
                self.exit_status = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(e) if e.errno() == Some(libc::ECONNREFUSED) => {
                let msg = format!("{} refused connection", self.options.serverurl);
                self.output(&msg);
                self.exit_status = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(e) if e.errno() == Some(libc::ENOENT) => {
                let msg = format!("{} no such file", self.options.serverurl);
                self.output(&msg);
                self.exit_status = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e) => {
                if e.fault_code().is_some() || e.errno().is_some() {
                    self.exit_status = exit::GENERIC;
                }
                Err(e.into())
            }
        }
    }

    fn do_help(&mut self, arg: &str) -> Result<(), Failure> {
        if arg.is_empty() {
            self.emit(&format::help_topics());
        } else if format::command_help(arg).is_some() {
            self.help(arg);
        } else {
            self.output(&format!("*** No help on {arg}"));
        }
        Ok(())
    }

    fn do_status(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            self.exit_status = exit::STATUS_UNKNOWN;
            return Ok(());
        }
        let all = self.sup().get_all_process_info()?;
        let names = py::split(arg);
        let matching: Vec<ProcessInfo> = if names.is_empty() || names.contains(&"all") {
            all
        } else {
            let mut matching = Vec::new();
            for name in names {
                let (group, process) = split_namespec(name);
                let before = matching.len();
                matching.extend(
                    all.iter()
                        .filter(|i| i.group == group && process.is_none_or(|p| i.name == p))
                        .cloned(),
                );
                if matching.len() == before {
                    let msg = match process {
                        None => format!("{group}: ERROR (no such group)"),
                        Some(_) => format!("{name}: ERROR (no such process)"),
                    };
                    self.output(&msg);
                    self.exit_status = exit::STATUS_UNKNOWN;
                }
            }
            matching
        };
        self.emit(&format::status_table(&matching));
        if matching
            .iter()
            .any(|i| ProcessState::from_code(i.state).is_some_and(ProcessState::is_stopped))
        {
            self.exit_status = exit::STATUS_NOT_RUNNING;
        }
        Ok(())
    }

    fn do_pid(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = py::split(arg);
        if names.is_empty() {
            let pid = self.sup().get_pid()?;
            self.output(&pid.to_string());
        } else if names.contains(&"all") {
            let pids: String = self
                .sup()
                .get_all_process_info()?
                .iter()
                .map(|info| format!("{}\n", info.pid))
                .collect();
            self.emit(&pids);
        } else {
            for name in names {
                match self.sup().get_process_info(name) {
                    Ok(info) => {
                        self.output(&info.pid.to_string());
                        if info.pid == 0 {
                            self.exit_status = exit::NOT_RUNNING;
                        }
                    }
                    Err(e) if e.fault_code().is_some() => {
                        self.exit_status = exit::GENERIC;
                        if fault_is(&e, FaultCode::BadName) {
                            self.output(&format!("No such process {name}"));
                        } else {
                            return Err(e.into());
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Prints multi-process results with `line_for`, updating the exit status; stops at a
    /// code Python does not expect.
    fn show_results(
        &mut self,
        results: &[ProcessResult],
        line_for: impl Fn(&ProcessResult) -> Option<String>,
        ignored: Option<FaultCode>,
    ) -> Result<(), Failure> {
        for r in results {
            let line =
                line_for(r).ok_or_else(|| Failure::value_error(format::unknown_result(r)))?;
            self.output(&line);
            self.set_exit_from_fault(r.status, ignored);
        }
        Ok(())
    }

    fn fault_result(e: &RpcError, group: &str, process: &str) -> Option<ProcessResult> {
        match &e.kind {
            RpcErrorKind::Fault { code, string } => Some(ProcessResult {
                name: process.to_owned(),
                group: group.to_owned(),
                status: *code,
                description: string.clone(),
            }),
            _ => None,
        }
    }

    fn do_start(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = py::split(arg);
        if names.is_empty() {
            self.usage(
                "Error: start requires a process name",
                exit::INVALID_ARGS,
                Some("start"),
            );
            return Ok(());
        }
        let ignored = Some(FaultCode::AlreadyStarted);
        if names.contains(&"all") {
            let results = self.sup().start_all_processes()?;
            return self.show_results(&results, format::start_result, ignored);
        }
        for name in names {
            let (group, process) = split_namespec(name);
            match process {
                None => match self.sup().start_process_group(group) {
                    Ok(results) => self.show_results(&results, format::start_result, ignored)?,
                    Err(e) if fault_is(&e, FaultCode::BadName) => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exit_status = exit::INVALID_ARGS;
                    }
                    Err(e) => {
                        self.exit_status = exit::GENERIC;
                        return Err(e.into());
                    }
                },
                Some(process) => match self.sup().start_process(name) {
                    Ok(()) => self.output(&format!("{}: started", make_namespec(group, process))),
                    Err(e) => {
                        let r = Self::fault_result(&e, group, process).ok_or(e)?;
                        self.show_results(&[r], format::start_result, ignored)?;
                    }
                },
            }
        }
        Ok(())
    }

    fn do_stop(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = py::split(arg);
        if names.is_empty() {
            self.usage(
                "Error: stop requires a process name",
                exit::GENERIC,
                Some("stop"),
            );
            return Ok(());
        }
        let ignored = Some(FaultCode::NotRunning);
        let stopped = |r: &ProcessResult| format::signal_result(r, "stopped");
        if names.contains(&"all") {
            let results = self.sup().stop_all_processes()?;
            return self.show_results(&results, stopped, ignored);
        }
        for name in names {
            let (group, process) = split_namespec(name);
            match process {
                None => match self.sup().stop_process_group(group) {
                    Ok(results) => self.show_results(&results, stopped, ignored)?,
                    Err(e) => {
                        self.exit_status = exit::GENERIC;
                        if fault_is(&e, FaultCode::BadName) {
                            self.output(&format!("{group}: ERROR (no such group)"));
                        } else {
                            return Err(e.into());
                        }
                    }
                },
                Some(process) => match self.sup().stop_process(name) {
                    Ok(()) => self.output(&format!("{}: stopped", make_namespec(group, process))),
                    Err(e) => {
                        let r = Self::fault_result(&e, group, process).ok_or(e)?;
                        self.show_results(&[r], stopped, ignored)?;
                    }
                },
            }
        }
        Ok(())
    }

    fn do_signal(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let args = py::split(arg);
        if args.len() < 2 {
            self.usage(
                "Error: signal requires a signal name and a process name",
                exit::GENERIC,
                Some("signal"),
            );
            return Ok(());
        }
        let sig = args[0];
        let names = &args[1..];
        let signalled = |r: &ProcessResult| format::signal_result(r, "signalled");
        if names.contains(&"all") {
            let results = self.sup().signal_all_processes(sig)?;
            return self.show_results(&results, signalled, None);
        }
        for name in names {
            let (group, process) = split_namespec(name);
            match process {
                None => match self.sup().signal_process_group(group, sig) {
                    Ok(results) => self.show_results(&results, signalled, None)?,
                    Err(e) if fault_is(&e, FaultCode::BadName) => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exit_status = exit::GENERIC;
                    }
                    Err(e) => return Err(e.into()),
                },
                Some(process) => match self.sup().signal_process(name, sig) {
                    Ok(()) => self.output(&format!("{}: signalled", make_namespec(group, process))),
                    Err(e) => {
                        let r = Self::fault_result(&e, group, process).ok_or(e)?;
                        self.show_results(&[r], signalled, None)?;
                    }
                },
            }
        }
        Ok(())
    }

    fn do_restart(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        if py::split(arg).is_empty() {
            self.usage(
                "Error: restart requires a process name",
                exit::GENERIC,
                Some("restart"),
            );
            return Ok(());
        }
        self.do_stop(arg)?;
        self.do_start(arg)
    }

    fn confirm(&mut self, question: &str) -> Result<bool, Failure> {
        if !self.options.interactive {
            return Ok(true);
        }
        let _ = self.out.flush();
        let answer = self
            .console
            .read_line(question)
            .map_err(Failure::io)?
            .ok_or_else(Failure::eof)?;
        Ok(answer.to_lowercase().starts_with('y'))
    }

    fn do_shutdown(&mut self, arg: &str) -> Result<(), Failure> {
        if self.refuse_arguments("shutdown", arg) {
            return Ok(());
        }
        if !self.confirm("Really shut the remote supervisord process down y/N? ")? {
            return Ok(());
        }
        match self.sup().shutdown() {
            Ok(()) => self.output("Shut down"),
            Err(e) if fault_is(&e, FaultCode::ShutdownState) => {
                self.output("ERROR: already shutting down")
            }
            Err(e) if e.errno() == Some(libc::ECONNREFUSED) => {
                self.exit_status = exit::GENERIC;
                let msg = format!(
                    "ERROR: {} refused connection (already shut down?)",
                    self.options.serverurl
                );
                self.output(&msg);
            }
            Err(e) if e.errno() == Some(libc::ENOENT) => {
                self.exit_status = exit::GENERIC;
                let msg = format!(
                    "ERROR: {} no such file (already shut down?)",
                    self.options.serverurl
                );
                self.output(&msg);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn do_reload(&mut self, arg: &str) -> Result<(), Failure> {
        if self.refuse_arguments("reload", arg) {
            return Ok(());
        }
        if !self.confirm("Really restart the remote supervisord process y/N? ")? {
            return Ok(());
        }
        match self.sup().restart() {
            Ok(()) => self.output("Restarted supervisord"),
            Err(e) => return self.shutdown_fault(e, "ERROR: already shutting down"),
        }
        Ok(())
    }

    fn do_avail(&mut self, arg: &str) -> Result<(), Failure> {
        if self.refuse_arguments("avail", arg) {
            return Ok(());
        }
        match self.sup().get_all_config_info() {
            Ok(infos) => {
                for info in &infos {
                    self.output(&format::avail_line(info));
                }
            }
            Err(e) => return self.shutdown_fault(e, "ERROR: supervisor shutting down"),
        }
        Ok(())
    }

    fn do_reread(&mut self, arg: &str) -> Result<(), Failure> {
        if self.refuse_arguments("reread", arg) {
            return Ok(());
        }
        match self.sup().reload_config() {
            Ok(changes) => {
                for line in format::change_lines(&changes) {
                    self.output(&line);
                }
            }
            Err(RpcError {
                kind: RpcErrorKind::Fault { code, string },
                ..
            }) if code == FaultCode::CantReread.code() => {
                self.exit_status = exit::GENERIC;
                self.output(&format!("ERROR: {string}"));
            }
            Err(e) => return self.shutdown_fault(e, "ERROR: supervisor shutting down"),
        }
        Ok(())
    }

    fn do_add(&mut self, arg: &str) -> Result<(), Failure> {
        for name in py::split(arg) {
            match self.sup().add_process_group(name) {
                Ok(()) => self.output(&format!("{name}: added process group")),
                Err(e) if fault_is(&e, FaultCode::ShutdownState) => {
                    self.output("ERROR: shutting down");
                    self.exit_status = exit::GENERIC;
                }
                Err(e) if fault_is(&e, FaultCode::AlreadyAdded) => {
                    self.output("ERROR: process group already active");
                }
                Err(e) if fault_is(&e, FaultCode::BadName) => {
                    self.output(&format!("ERROR: no such process/group: {name}"));
                    self.exit_status = exit::GENERIC;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn do_remove(&mut self, arg: &str) -> Result<(), Failure> {
        for name in py::split(arg) {
            match self.sup().remove_process_group(name) {
                Ok(()) => self.output(&format!("{name}: removed process group")),
                Err(e) if e.fault_code().is_some() => {
                    self.exit_status = exit::GENERIC;
                    if fault_is(&e, FaultCode::StillRunning) {
                        self.output(&format!("ERROR: process/group still running: {name}"));
                    } else if fault_is(&e, FaultCode::BadName) {
                        self.output(&format!("ERROR: no such process/group: {name}"));
                    } else {
                        return Err(e.into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn do_update(&mut self, arg: &str) -> Result<(), Failure> {
        let changes = match self.sup().reload_config() {
            Ok(c) => c,
            Err(e) => return self.shutdown_fault(e, "ERROR: already shutting down"),
        };
        let mut wanted: Vec<&str> = Vec::new();
        for name in py::split(arg) {
            if !wanted.contains(&name) {
                wanted.push(name);
            }
        }
        if wanted.contains(&"all") {
            wanted.clear();
        }
        let chosen = |g: &str| wanted.is_empty() || wanted.contains(&g);
        if !wanted.is_empty() {
            let mut groups: Vec<String> = self
                .sup()
                .get_all_process_info()?
                .into_iter()
                .map(|i| i.group)
                .collect();
            groups.extend(changes.added.iter().cloned());
            for gname in &wanted {
                if !groups.iter().any(|g| g == gname) {
                    self.output(&format!("ERROR: no such group: {gname}"));
                    self.exit_status = exit::GENERIC;
                }
            }
        }
        for gname in changes.removed.iter().filter(|g| chosen(g)) {
            let results = self.sup().stop_process_group(gname)?;
            self.output(&format!("{gname}: stopped"));
            if results.iter().any(|r| r.status == FaultCode::Failed.code()) {
                self.output(&format!("{gname}: has problems; not removing"));
                self.exit_status = exit::GENERIC;
                continue;
            }
            self.sup().remove_process_group(gname)?;
            self.output(&format!("{gname}: removed process group"));
        }
        for gname in changes.changed.iter().filter(|g| chosen(g)) {
            self.sup().stop_process_group(gname)?;
            self.output(&format!("{gname}: stopped"));
            self.sup().remove_process_group(gname)?;
            self.sup().add_process_group(gname)?;
            self.output(&format!("{gname}: updated process group"));
        }
        for gname in changes.added.iter().filter(|g| chosen(g)) {
            self.sup().add_process_group(gname)?;
            self.output(&format!("{gname}: added process group"));
        }
        Ok(())
    }

    fn do_clear(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = py::split(arg);
        if names.is_empty() {
            self.usage(
                "Error: clear requires a process name",
                exit::GENERIC,
                Some("clear"),
            );
            return Ok(());
        }
        if names.contains(&"all") {
            let results = self.sup().clear_all_process_logs()?;
            return self.show_results(&results, format::clear_result, None);
        }
        for name in names {
            // Python formats a missing process part as "None" here (`clear g:` prints
            // `g:None: ...`); kept for identical output.
            let (group, process) = split_namespec(name);
            let process = process.unwrap_or("None");
            match self.sup().clear_process_logs(name) {
                Ok(()) => self.output(&format!("{}: cleared", make_namespec(group, process))),
                Err(e) => {
                    let r = Self::fault_result(&e, group, process).ok_or(e)?;
                    self.show_results(&[r], format::clear_result, None)?;
                }
            }
        }
        Ok(())
    }

    fn do_open(&mut self, arg: &str) -> Result<(), Failure> {
        let url = py::strip(arg);
        let scheme = py::urlparse(url).scheme;
        if scheme != "unix" && scheme != "http" {
            self.output("ERROR: url must be http:// or unix://");
            self.exit_status = exit::GENERIC;
            return Ok(());
        }
        self.options.serverurl = url.to_owned();
        self.reset_connection();
        let old = self.exit_status;
        self.do_status("")?;
        self.exit_status = old;
        Ok(())
    }

    fn do_version(&mut self, arg: &str) -> Result<(), Failure> {
        if self.refuse_arguments("version", arg) {
            return Ok(());
        }
        if !self.upcheck()? {
            return Ok(());
        }
        let version = self.sup().get_supervisor_version()?;
        self.output(&version);
        Ok(())
    }

    fn do_tail(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let mut args = py::split(arg);
        if args.is_empty() {
            self.usage("Error: too few arguments", exit::GENERIC, Some("tail"));
            return Ok(());
        }
        if args.len() > 3 {
            self.usage("Error: too many arguments", exit::GENERIC, Some("tail"));
            return Ok(());
        }
        let modifier = if args[0].starts_with('-') {
            Some(args.remove(0))
        } else {
            None
        };
        let (name, channel) = match args.as_slice() {
            [name] => (*name, "stdout".to_owned()),
            [] => {
                self.usage("Error: tail requires process name", exit::GENERIC, None);
                return Ok(());
            }
            [name, .., last] => {
                let channel = last.to_lowercase();
                if channel != "stderr" && channel != "stdout" {
                    let msg = format!("Error: bad channel {}", py::repr(&channel));
                    self.usage(&msg, exit::GENERIC, None);
                    return Ok(());
                }
                (*name, channel)
            }
        };
        let mut bytes = 1600;
        if let Some(modifier) = modifier {
            let what = &modifier[1..];
            if what == "f" {
                return self.follow(&format!("/logtail/{name}/{channel}"));
            }
            match py::int(what) {
                Some(n) => bytes = n,
                None => {
                    let msg = format!("Error: bad argument {modifier}");
                    self.usage(&msg, exit::GENERIC, None);
                    return Ok(());
                }
            }
        }
        let offset = xmlrpc_int(-bytes)?;
        let read = if channel == "stdout" {
            self.sup().read_process_stdout_log(name, offset, 0)
        } else {
            self.sup().read_process_stderr_log(name, offset, 0)
        };
        match read {
            Ok(text) => self.output(&text),
            Err(e) => {
                let why = if fault_is(&e, FaultCode::NoFile) {
                    "no log file"
                } else if fault_is(&e, FaultCode::Failed) {
                    "unknown error reading log"
                } else if fault_is(&e, FaultCode::BadName) {
                    "no such process name"
                } else {
                    return Err(e.into());
                };
                self.exit_status = exit::GENERIC;
                self.output(&format!("{name}: ERROR ({why})"));
            }
        }
        Ok(())
    }

    fn do_maintail(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let args = py::split(arg);
        let bytes = match args.as_slice() {
            [] => 1600,
            [one] => {
                let parsed = one.strip_prefix('-').and_then(|what| {
                    if what == "f" {
                        Some(None)
                    } else {
                        py::int(what).map(Some)
                    }
                });
                match parsed {
                    Some(None) => return self.follow("/mainlogtail"),
                    Some(Some(n)) => n,
                    None => {
                        let msg = format!("Error: bad argument {one}");
                        self.usage(&msg, exit::GENERIC, None);
                        return Ok(());
                    }
                }
            }
            _ => {
                self.usage("Error: too many arguments", exit::GENERIC, Some("maintail"));
                return Ok(());
            }
        };
        let offset = xmlrpc_int(-bytes)?;
        match self.sup().read_log(offset, 0) {
            Ok(text) => self.output(&text),
            Err(e) => {
                let why = if fault_is(&e, FaultCode::NoFile) {
                    "no log file"
                } else if fault_is(&e, FaultCode::Failed) {
                    "unknown error reading log"
                } else {
                    return Err(e.into());
                };
                self.exit_status = exit::GENERIC;
                self.output(&format!("supervisord: ERROR ({why})"));
            }
        }
        Ok(())
    }

    /// Streams `path` to stdout until the server closes it or Ctrl-C.
    fn follow(&mut self, path: &str) -> Result<(), Failure> {
        self.output("==> Press Ctrl-C to exit <==");
        self.interrupt.arm();
        let target = self.target();
        let url = format!("{}{}", self.options.serverurl, path);
        let interrupted = match self.connector.stream(&target, path) {
            Ok(mut body) => self.pump(&mut *body, &url),
            Err(e) => {
                let _ = writeln!(self.err, "{url} {e}");
                let _ = self.err.flush();
                self.interrupt.fired()
            }
        };
        self.interrupt.disarm();
        if interrupted {
            self.output("");
        }
        Ok(())
    }

    /// Copies a stream to stdout; true when it ended by Ctrl-C.
    fn pump(&mut self, body: &mut dyn Read, url: &str) -> bool {
        let mut buf = [0u8; 8192];
        loop {
            if self.interrupt.fired() {
                return true;
            }
            match body.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => {
                    let _ = self.out.write_all(&buf[..n]);
                    let _ = self.out.flush();
                }
                Err(e) if is_poll_timeout(&e) => {}
                Err(e) => {
                    let _ = writeln!(self.err, "{url} {}", crate::rpc::StreamError::connect(&e));
                    let _ = self.err.flush();
                    return self.interrupt.fired();
                }
            }
        }
    }

    fn do_fg(&mut self, arg: &str) -> Result<(), Failure> {
        if !self.upcheck()? {
            return Ok(());
        }
        let names = py::split(arg);
        let name = match names.as_slice() {
            [] => {
                self.usage("ERROR: no process name supplied", exit::GENERIC, Some("fg"));
                return Ok(());
            }
            [name] => name.to_string(),
            _ => {
                self.usage(
                    "ERROR: too many process names supplied",
                    exit::GENERIC,
                    None,
                );
                return Ok(());
            }
        };
        match self.sup().get_process_info(&name) {
            Ok(info) if info.state == ProcessState::Running.code() => {}
            Ok(_) => {
                self.usage("ERROR: process not running", exit::GENERIC, None);
                return Ok(());
            }
            Err(e) if fault_is(&e, FaultCode::BadName) => {
                self.usage("ERROR: bad process name supplied", exit::GENERIC, None);
                return Ok(());
            }
            Err(e) => {
                let msg = match &e.kind {
                    RpcErrorKind::Fault { code, string } => {
                        format!("ERROR: <Fault {code}: {}>", py::repr(string))
                    }
                    _ => return Err(e.into()),
                };
                self.output(&msg);
                return Ok(());
            }
        }
        self.output("==> Press Ctrl-C to exit <==");
        self.foreground(&name)
    }

    /// `fg`'s loop: the process's stdout and stderr stream to our stdout from two threads
    /// while typed lines go to its stdin, until Ctrl-C, end of input or the process dies.
    fn foreground(&mut self, name: &str) -> Result<(), Failure> {
        let target = self.target();
        let mut bodies = Vec::new();
        for channel in ["stdout", "stderr"] {
            let path = format!("/logtail/{name}/{channel}");
            match self.connector.stream(&target, &path) {
                Ok(body) => bodies.push(body),
                Err(e) => {
                    let _ = writeln!(self.err, "{}{path} {e}", target.serverurl);
                    let _ = self.err.flush();
                }
            }
        }
        if self.proxy.is_none() {
            self.proxy = Some(self.connector.supervisor(&target));
        }
        let sup = self.proxy.as_deref_mut().expect("proxy was just created");
        let console = self.console.as_mut();
        let out = Mutex::new(&mut self.out);
        let stop = AtomicBool::new(false);
        let say = |msg: &str| {
            let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "{msg}");
            let _ = out.flush();
        };
        std::thread::scope(|scope| {
            for mut body in bodies {
                let (out, stop) = (&out, &stop);
                scope.spawn(move || {
                    let mut buf = [0u8; 8192];
                    while !stop.load(Ordering::Relaxed) {
                        match body.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => {
                                let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                                let _ = out.write_all(&buf[..n]);
                                let _ = out.flush();
                            }
                            Err(e) if is_poll_timeout(&e) => {}
                            Err(_) => break,
                        }
                    }
                });
            }
            let result = loop {
                let line = match console.read_line("") {
                    Ok(Some(line)) => line,
                    Ok(None) => break Ok(()),
                    Err(e) if e.kind() == ErrorKind::Interrupted => break Ok(()),
                    Err(e) => break Err(Failure::io(e)),
                };
                if let Err(e) = sup.send_process_stdin(name, &format!("{line}\n")) {
                    match &e.kind {
                        RpcErrorKind::Fault { code, .. }
                            if *code == FaultCode::NotRunning.code() =>
                        {
                            say("Process got killed");
                        }
                        RpcErrorKind::Fault { code, string } => {
                            say(&format!("ERROR: <Fault {code}: {}>", py::repr(string)));
                        }
                        _ => break Err(e.into()),
                    }
                    say("Exiting foreground");
                    stop.store(true, Ordering::Relaxed);
                    return Ok(());
                }
                match sup.get_process_info(name) {
                    Ok(info) if info.state == ProcessState::Running.code() => {}
                    Ok(_) => {
                        say("Process got killed");
                        say("Exiting foreground");
                        stop.store(true, Ordering::Relaxed);
                        return Ok(());
                    }
                    Err(e) => break Err(e.into()),
                }
            };
            if result.is_ok() {
                say("Exiting foreground");
            }
            stop.store(true, Ordering::Relaxed);
            result
        })
    }

    /// Process and group names for tab completion, fetched once per command.
    pub fn complete_info(&mut self) -> Option<&[ProcessInfo]> {
        if self.complete_info.is_none() {
            self.complete_info = self.sup().get_all_process_info().ok();
        }
        self.complete_info.as_deref()
    }
}

/// Whether a read error only means "nothing yet" on a polled stream.
fn is_poll_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Python's xmlrpclib refuses integers beyond 32 bits.
fn xmlrpc_int(n: i64) -> Result<i64, Failure> {
    if i32::try_from(n).is_ok() {
        Ok(n)
    } else {
        Err(Failure::Rpc(RpcError::from(RpcErrorKind::Overflow(
            "int exceeds XML-RPC limits".into(),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::rc::Rc;
    use std::sync::{Arc, Mutex as StdMutex};

    use super::*;
    use crate::rpc::{ConfigChanges, ConfigInfo, StreamError};

    #[derive(Default)]
    struct State {
        infos: Vec<ProcessInfo>,
        credentials: Option<(String, String)>,
        stdin: Vec<String>,
        stream: Vec<u8>,
        streams_block: bool,
        /// The fault `restart`, `reloadConfig` and `getAllConfigInfo` answer with.
        fault: Option<(FaultCode, Option<&'static str>)>,
    }

    struct Fake {
        state: Rc<RefCell<State>>,
        target: Target,
    }

    impl Fake {
        fn check(&self) -> Result<(), RpcError> {
            let st = self.state.borrow();
            match &st.credentials {
                Some((u, p))
                    if self.target.username.as_deref() != Some(u)
                        || self.target.password.as_deref() != Some(p) =>
                {
                    Err(RpcErrorKind::Http {
                        status: 401,
                        reason: "Unauthorized".into(),
                    }
                    .into())
                }
                _ => Ok(()),
            }
        }

        fn info(&self, name: &str) -> Result<ProcessInfo, RpcError> {
            self.check()?;
            let (group, process) = split_namespec(name);
            self.state
                .borrow()
                .infos
                .iter()
                .find(|i| i.group == group && Some(i.name.as_str()) == process)
                .cloned()
                .ok_or_else(|| RpcError::supervisor_fault(FaultCode::BadName, Some(name)))
        }

        fn fault(&self) -> Result<(), RpcError> {
            self.check()?;
            match self.state.borrow().fault {
                Some((code, detail)) => Err(RpcError::supervisor_fault(code, detail)),
                None => Ok(()),
            }
        }

        fn unsupported<T>(&self) -> Result<T, RpcError> {
            self.check()?;
            Err(RpcError::supervisor_fault(FaultCode::UnknownMethod, None))
        }
    }

    impl Supervisor for Fake {
        fn get_api_version(&mut self) -> Result<String, RpcError> {
            self.check().map(|_| API_VERSION.to_owned())
        }
        fn get_supervisor_version(&mut self) -> Result<String, RpcError> {
            self.check().map(|_| "4.3.0".to_owned())
        }
        fn get_pid(&mut self) -> Result<i64, RpcError> {
            self.check().map(|_| 42)
        }
        fn get_all_process_info(&mut self) -> Result<Vec<ProcessInfo>, RpcError> {
            self.check()?;
            Ok(self.state.borrow().infos.clone())
        }
        fn get_process_info(&mut self, name: &str) -> Result<ProcessInfo, RpcError> {
            self.info(name)
        }
        fn start_process(&mut self, name: &str) -> Result<(), RpcError> {
            let info = self.info(name)?;
            if info.state == ProcessState::Running.code() {
                return Err(RpcError::supervisor_fault(
                    FaultCode::AlreadyStarted,
                    Some(name),
                ));
            }
            Ok(())
        }
        fn start_process_group(&mut self, _: &str) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn start_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
            self.check()?;
            Ok(vec![ProcessResult {
                name: "x".into(),
                group: "x".into(),
                status: FaultCode::Failed.code(),
                description: "FAILED".into(),
            }])
        }
        fn stop_process(&mut self, name: &str) -> Result<(), RpcError> {
            self.info(name).map(drop)
        }
        fn stop_process_group(&mut self, _: &str) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn stop_all_processes(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn signal_process(&mut self, name: &str, _: &str) -> Result<(), RpcError> {
            self.info(name).map(drop)
        }
        fn signal_process_group(
            &mut self,
            _: &str,
            _: &str,
        ) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn signal_all_processes(&mut self, _: &str) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn read_process_stdout_log(
            &mut self,
            name: &str,
            _: i64,
            _: i64,
        ) -> Result<String, RpcError> {
            self.info(name).map(|_| "out".to_owned())
        }
        fn read_process_stderr_log(
            &mut self,
            name: &str,
            _: i64,
            _: i64,
        ) -> Result<String, RpcError> {
            self.info(name).map(|_| "err".to_owned())
        }
        fn read_log(&mut self, offset: i64, _: i64) -> Result<String, RpcError> {
            self.check().map(|_| format!("main log from {offset}"))
        }
        fn clear_process_logs(&mut self, name: &str) -> Result<(), RpcError> {
            self.info(name).map(drop)
        }
        fn clear_all_process_logs(&mut self) -> Result<Vec<ProcessResult>, RpcError> {
            self.unsupported()
        }
        fn get_all_config_info(&mut self) -> Result<Vec<ConfigInfo>, RpcError> {
            self.fault()?;
            self.unsupported()
        }
        fn reload_config(&mut self) -> Result<ConfigChanges, RpcError> {
            self.fault()?;
            Ok(ConfigChanges {
                added: vec!["new".into()],
                changed: vec![],
                removed: vec![],
            })
        }
        fn add_process_group(&mut self, _: &str) -> Result<(), RpcError> {
            self.check()
        }
        fn remove_process_group(&mut self, _: &str) -> Result<(), RpcError> {
            self.check()
        }
        fn shutdown(&mut self) -> Result<(), RpcError> {
            self.check()
        }
        fn restart(&mut self) -> Result<(), RpcError> {
            self.fault()
        }
        fn send_process_stdin(&mut self, name: &str, chars: &str) -> Result<(), RpcError> {
            self.info(name)?;
            self.state.borrow_mut().stdin.push(chars.to_owned());
            Ok(())
        }
    }

    struct FakeConnector(Rc<RefCell<State>>);

    struct Blocking;

    impl Read for Blocking {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::from(ErrorKind::WouldBlock))
        }
    }

    impl Connector for FakeConnector {
        fn supervisor(&mut self, target: &Target) -> Box<dyn Supervisor> {
            Box::new(Fake {
                state: self.0.clone(),
                target: target.clone(),
            })
        }
        fn stream(&mut self, _: &Target, path: &str) -> Result<Box<dyn Read + Send>, StreamError> {
            let st = self.0.borrow();
            if path.contains("nope") {
                return Err(StreamError::Status(404));
            }
            if st.streams_block {
                return Ok(Box::new(Blocking));
            }
            Ok(Box::new(io::Cursor::new(st.stream.clone())))
        }
    }

    struct Lines(VecDeque<&'static str>);

    impl Console for Lines {
        fn read_line(&mut self, _: &str) -> io::Result<Option<String>> {
            Ok(self.0.pop_front().map(str::to_owned))
        }
        fn read_password(&mut self, prompt: &str) -> io::Result<Option<String>> {
            self.read_line(prompt)
        }
    }

    /// Fires after it has been asked `after` times while armed.
    struct CtrlC {
        armed: bool,
        after: usize,
        asked: Cell<usize>,
    }

    impl Interrupt for CtrlC {
        fn arm(&mut self) {
            self.armed = true;
        }
        fn disarm(&mut self) {
            self.armed = false;
        }
        fn fired(&self) -> bool {
            self.asked.set(self.asked.get() + 1);
            self.armed && self.asked.get() > self.after
        }
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<StdMutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Buf {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    fn info(group: &str, name: &str, state: ProcessState) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: state.code(),
            statename: state.name().into(),
            description: "desc".into(),
            pid: if state == ProcessState::Running { 7 } else { 0 },
        }
    }

    struct Harness {
        state: Rc<RefCell<State>>,
        out: Buf,
        err: Buf,
    }

    impl Harness {
        fn new() -> Harness {
            let state = State {
                infos: vec![
                    info("web", "web", ProcessState::Running),
                    info("db", "db", ProcessState::Stopped),
                ],
                ..State::default()
            };
            Harness {
                state: Rc::new(RefCell::new(state)),
                out: Buf::default(),
                err: Buf::default(),
            }
        }

        fn controller(
            &self,
            interactive: bool,
            input: &[&'static str],
            after: usize,
        ) -> Controller<'static> {
            let options = CtlOptions {
                interactive,
                ..CtlOptions::default()
            };
            let io = Io {
                out: Box::new(self.out.clone()),
                err: Box::new(self.err.clone()),
                console: Box::new(Lines(input.iter().copied().collect())),
                interrupt: Box::new(CtrlC {
                    armed: false,
                    after,
                    asked: Cell::new(0),
                }),
            };
            Controller::new(options, Box::new(FakeConnector(self.state.clone())), io)
        }

        fn run(&self, line: &str) -> (String, i32) {
            let mut ctl = self.controller(false, &[], usize::MAX);
            ctl.onecmd(line);
            (self.out.text(), ctl.exit_status())
        }
    }

    #[test]
    fn status_exit_codes_follow_lsb() {
        let (out, code) = Harness::new().run("status web");
        assert!(out.starts_with("web                              RUNNING   desc\n"));
        assert_eq!(code, exit::SUCCESS);
        assert_eq!(Harness::new().run("status").1, exit::STATUS_NOT_RUNNING);
        let (out, code) = Harness::new().run("status nope web:");
        assert_eq!(code, exit::STATUS_UNKNOWN);
        assert!(out.starts_with("nope: ERROR (no such process)\n"));
    }

    #[test]
    fn start_stop_pid_and_unexpected_results() {
        assert_eq!(
            Harness::new().run("start web nope"),
            (
                "web: ERROR (already started)\nnope: ERROR (no such process)\n".into(),
                exit::GENERIC
            )
        );
        assert_eq!(Harness::new().run("start").1, exit::INVALID_ARGS);
        assert_eq!(
            Harness::new().run("pid db"),
            ("0\n".into(), exit::NOT_RUNNING)
        );
        assert_eq!(Harness::new().run("pid"), ("42\n".into(), exit::SUCCESS));
        let (out, code) = Harness::new().run("start all");
        assert!(
            out.starts_with("error: <class 'ValueError'>, Unknown result code 30 for x: file: "),
            "{out}"
        );
        assert_eq!(code, exit::GENERIC);
        let (out, _) = Harness::new().run("clear g:");
        assert_eq!(out, "g:None: ERROR (no such process)\n");
    }

    #[test]
    fn unknown_syntax_and_help() {
        assert_eq!(
            Harness::new().run("Status"),
            ("*** Unknown syntax: Status\n".into(), exit::GENERIC)
        );
        assert_eq!(
            Harness::new().run("?quit").0,
            "quit\tExit the supervisor shell.\n"
        );
        assert_eq!(Harness::new().run("   ").0, "");
        let h = Harness::new();
        let mut ctl = h.controller(false, &[], usize::MAX);
        assert_eq!(ctl.onecmd("exit"), Flow::Stop);
        assert_eq!(h.out.text(), "\n");
    }

    #[test]
    fn a_401_asks_for_a_login_only_at_the_shell() {
        let h = Harness::new();
        h.state.borrow_mut().credentials = Some(("u".into(), "p".into()));
        let (out, code) = h.run("version");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "Server requires authentication");
        assert!(lines[1].starts_with(
            "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>"
        ));
        assert_eq!(code, exit::GENERIC);

        let h = Harness::new();
        h.state.borrow_mut().credentials = Some(("u".into(), "p".into()));
        let mut ctl = h.controller(true, &["u", "p"], usize::MAX);
        ctl.onecmd("version");
        assert_eq!(h.out.text(), "Server requires authentication\n\n4.3.0\n");
        assert_eq!(ctl.options().username.as_deref(), Some("u"));
    }

    #[test]
    fn shutdown_and_reload_confirm_at_the_shell() {
        let h = Harness::new();
        let mut ctl = h.controller(true, &["n", "Yes"], usize::MAX);
        ctl.onecmd("shutdown");
        ctl.onecmd("reload");
        assert_eq!(h.out.text(), "Restarted supervisord\n");
        assert_eq!(Harness::new().run("shutdown").0, "Shut down\n");
    }

    #[test]
    fn faults_while_shutting_down_and_unreadable_configs() {
        let run = |fault: (FaultCode, Option<&'static str>), line: &str| {
            let h = Harness::new();
            h.state.borrow_mut().fault = Some(fault);
            h.run(line)
        };
        let shutting = (FaultCode::ShutdownState, None);
        for (line, text) in [
            ("reload", "ERROR: already shutting down\n"),
            ("avail", "ERROR: supervisor shutting down\n"),
            ("reread", "ERROR: supervisor shutting down\n"),
            ("update", "ERROR: already shutting down\n"),
        ] {
            assert_eq!(
                run(shutting, line),
                (text.to_owned(), exit::GENERIC),
                "{line}"
            );
        }
        assert_eq!(
            run((FaultCode::CantReread, Some("bad.conf")), "reread"),
            ("ERROR: CANT_REREAD: bad.conf\n".to_owned(), exit::GENERIC)
        );
    }

    #[test]
    fn commands_without_arguments_refuse_them() {
        for cmd in ["shutdown", "reload", "avail", "reread", "version"] {
            let (out, code) = Harness::new().run(&format!("{cmd} x"));
            let first = out.lines().next().unwrap_or_default().to_owned();
            assert_eq!(first, format!("Error: {cmd} accepts no arguments"));
            assert!(out.lines().count() > 1, "{cmd}: the command's help follows");
            assert_eq!(code, exit::GENERIC);
        }
    }

    #[test]
    fn tail_follow_streams_until_the_end_or_ctrl_c() {
        let h = Harness::new();
        h.state.borrow_mut().stream = b"line 1\nline 2\n".to_vec();
        let (out, code) = h.run("tail -f web");
        assert_eq!(out, "==> Press Ctrl-C to exit <==\nline 1\nline 2\n");
        assert_eq!(code, exit::SUCCESS);

        let h = Harness::new();
        h.state.borrow_mut().streams_block = true;
        let mut ctl = h.controller(false, &[], 3);
        ctl.onecmd("maintail -f");
        assert_eq!(h.out.text(), "==> Press Ctrl-C to exit <==\n\n");

        let h = Harness::new();
        h.run("tail -f nope");
        assert_eq!(
            h.err.text(),
            "http://localhost:9001/logtail/nope/stdout Cannot read, status code 404\n"
        );
    }

    #[test]
    fn tail_arguments_are_checked_like_python() {
        assert_eq!(Harness::new().run("tail web").0, "out\n");
        assert_eq!(Harness::new().run("tail web STDERR").0, "err\n");
        assert_eq!(
            Harness::new().run("tail web x"),
            ("Error: bad channel 'x'\n".into(), exit::GENERIC)
        );
        assert_eq!(
            Harness::new().run("tail -f"),
            ("Error: tail requires process name\n".into(), exit::GENERIC)
        );
        assert_eq!(Harness::new().run("maintail -50").0, "main log from -50\n");
        assert!(
            Harness::new()
                .run("tail -99999999999 web")
                .0
                .starts_with("error: <class 'OverflowError'>, int exceeds XML-RPC limits: file: ")
        );
    }

    #[test]
    fn fg_forwards_lines_until_end_of_input() {
        let h = Harness::new();
        h.state.borrow_mut().stream = b"hello\n".to_vec();
        let mut ctl = h.controller(false, &["one", "two"], usize::MAX);
        ctl.onecmd("fg web");
        let out = h.out.text();
        assert!(out.starts_with("==> Press Ctrl-C to exit <==\n"));
        assert!(out.ends_with("Exiting foreground\n"));
        assert_eq!(h.state.borrow().stdin, ["one\n", "two\n"]);
        assert_eq!(
            Harness::new().run("fg db"),
            ("ERROR: process not running\n".into(), exit::GENERIC)
        );
    }

    #[test]
    fn update_reports_unknown_groups_then_adds() {
        assert_eq!(
            Harness::new().run("update zz new"),
            (
                "ERROR: no such group: zz\nnew: added process group\n".into(),
                exit::GENERIC
            )
        );
        assert_eq!(Harness::new().run("reread").0, "new: available\n");
    }
}
