//! The supervisorctl program: command line, config file, one command or the shell.
//! The binary's `main` calls [`main`]; everything that touches the terminal lives here.

use std::cell::RefCell;
use std::io::{self, BufRead, IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use supervisor_config::{Environment, OsFs};

use crate::client::{HttpConnector, XmlRpcClient};
use crate::complete::{self, Kind};
use crate::controller::{Console, Controller, Flow, Interrupt, Io};
use crate::options::{self, CtlOptions, EarlyExit};
use crate::rpc::{ProcessInfo, Supervisor, Target};

/// A writer several owners share (the controller, prompts, `fg`'s output threads).
#[derive(Clone)]
pub struct SharedWrite(pub Arc<Mutex<dyn Write + Send>>);

impl SharedWrite {
    /// Shares `w`.
    pub fn new(w: impl Write + Send + 'static) -> Self {
        SharedWrite(Arc::new(Mutex::new(w)))
    }
}

impl Write for SharedWrite {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// Where the program's text goes and comes from.
pub struct Streams {
    /// Standard output.
    pub out: SharedWrite,
    /// Standard error.
    pub err: SharedWrite,
    /// Standard input, read line by line when it is not a terminal.
    pub input: Box<dyn BufRead>,
    /// Whether standard input is a terminal (then rustyline reads it).
    pub terminal: bool,
}

impl Streams {
    /// The process's own stdin, stdout and stderr.
    pub fn std() -> Self {
        Streams {
            out: SharedWrite::new(io::stdout()),
            err: SharedWrite::new(io::stderr()),
            input: Box::new(io::BufReader::new(io::stdin())),
            terminal: io::stdin().is_terminal(),
        }
    }
}

/// Runs supervisorctl with `progname` (argv\[0\]) and `args` (the rest) on the process's
/// stdin, stdout and stderr, and returns the exit code.
pub fn main(progname: &str, args: &[String]) -> i32 {
    run_with(&display_progname(progname), args, Streams::std())
}

/// Runs supervisorctl on the given streams and returns the exit code: `-h` and usage
/// errors, then one command (the action words) or the shell.
pub fn run_with(progname: &str, args: &[String], mut streams: Streams) -> i32 {
    match prepare(progname, args) {
        Ok(opts) => run(opts, streams),
        Err(EarlyExit::Help(text)) => {
            let _ = streams.out.write_all(text.as_bytes());
            let _ = streams.out.flush();
            0
        }
        Err(exit @ EarlyExit::Usage(_)) => {
            if let EarlyExit::Usage(text) = &exit {
                let _ = streams.err.write_all(text.as_bytes());
                let _ = streams.err.flush();
            }
            exit.exit_code()
        }
    }
}

/// Python shows `sys.argv[0]`, which is the path the program was run by; a bare name
/// found on `PATH` shows as the full path, as the shell resolved it for Python.
fn display_progname(argv0: &str) -> String {
    if argv0.contains('/') {
        return argv0.to_owned();
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| argv0.to_owned())
}

/// Parses the command line and reads the config file (the one given with `-c`, or the
/// first found on the search path).
fn prepare(progname: &str, args: &[String]) -> Result<CtlOptions, EarlyExit> {
    let cl = options::parse_command_line(progname, args)?;
    let env =
        Environment::from_process().map_err(|e| options::usage_error(progname, &e.to_string()))?;
    let file = options::read_config_file(progname, cl.configfile.as_deref(), &env, &OsFs)?;
    Ok(CtlOptions::resolve(cl, file))
}

fn run(opts: CtlOptions, streams: Streams) -> i32 {
    let Streams {
        out,
        err,
        input,
        terminal,
    } = streams;
    let console: Box<dyn Console> = if terminal {
        Box::new(TtyConsole::new(new_editor(None)))
    } else {
        Box::new(PlainConsole {
            input,
            out: out.clone(),
        })
    };
    let io = Io {
        out: Box::new(out),
        err: Box::new(err),
        console,
        interrupt: Box::new(SigintFlag::default()),
    };
    if !opts.args.is_empty() {
        let line = opts.args.join(" ");
        let mut ctl = Controller::new(opts, Box::new(HttpConnector), io);
        ctl.onecmd(&line);
        return ctl.exit_status();
    }
    if terminal {
        shell_tty(opts, io);
    } else {
        shell_plain(opts, io);
    }
    0
}

/// The shell without a terminal: prompts go to stdout, lines come from stdin.
fn shell_plain(opts: CtlOptions, io: Io<'_>) {
    let mut ctl = Controller::new(opts, Box::new(HttpConnector), io);
    if ctl.onecmd("status") == Flow::Stop {
        return;
    }
    loop {
        let prompt = ctl.prompt();
        let line = match ctl.console().read_line(&prompt) {
            Ok(Some(line)) => line,
            Ok(None) => "EOF".to_owned(),
            Err(_) => return,
        };
        if ctl.onecmd(&line) == Flow::Stop {
            return;
        }
    }
}

/// The shell at a terminal: rustyline editing, completion and history.
fn shell_tty(opts: CtlOptions, mut io: Io<'_>) {
    let history_file = opts.history_file.clone();
    let completion = Rc::new(RefCell::new(Completion {
        target: target_of(&opts),
        cache: None,
    }));
    let editor = new_editor(Some(ShellHelper {
        completion: completion.clone(),
    }));
    if let Some(path) = &history_file {
        let _ = editor.borrow_mut().load_history(path);
    }
    io.console = Box::new(TtyConsole::new(editor.clone()));
    let mut ctl = Controller::new(opts, Box::new(HttpConnector), io);
    let mut flow = ctl.onecmd("status");
    while flow == Flow::Continue {
        {
            let mut c = completion.borrow_mut();
            c.target = target_of(ctl.options());
            c.cache = None;
        }
        let prompt = ctl.prompt();
        let read = editor.borrow_mut().readline(&prompt);
        flow = match read {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.borrow_mut().add_history_entry(line.as_str());
                }
                ctl.onecmd(&line)
            }
            Err(ReadlineError::Eof) => ctl.onecmd("EOF"),
            Err(ReadlineError::Interrupted) => {
                ctl.output("");
                Flow::Stop
            }
            Err(_) => Flow::Stop,
        };
    }
    if let Some(path) = &history_file {
        let _ = editor.borrow_mut().save_history(path);
    }
}

fn target_of(opts: &CtlOptions) -> Target {
    Target {
        serverurl: opts.serverurl.clone(),
        username: opts.username.clone(),
        password: opts.password.clone(),
    }
}

type ShellEditor = Editor<ShellHelper, DefaultHistory>;

fn new_editor(helper: Option<ShellHelper>) -> Rc<RefCell<ShellEditor>> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor = ShellEditor::with_config(config).expect("a terminal editor");
    editor.set_helper(helper);
    Rc::new(RefCell::new(editor))
}

/// What completion needs: where to ask for process names, and the names once asked.
struct Completion {
    target: Target,
    cache: Option<Vec<ProcessInfo>>,
}

impl Completion {
    fn infos(&mut self) -> &[ProcessInfo] {
        if self.cache.is_none() {
            let mut client = XmlRpcClient::new(&self.target);
            self.cache = Some(client.get_all_process_info().unwrap_or_default());
        }
        self.cache.as_deref().unwrap_or_default()
    }
}

/// The rustyline helper: completion of commands, groups and processes.
struct ShellHelper {
    completion: Rc<RefCell<Completion>>,
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = complete::word_start(line, pos);
        let text = &line[start..pos];
        let matches = match complete::kind(line) {
            Kind::Action => complete::actions(text),
            Kind::Group => complete::groups(text, self.completion.borrow_mut().infos()),
            Kind::Process => complete::processes(text, self.completion.borrow_mut().infos()),
            Kind::Nothing => Vec::new(),
        };
        Ok((start, matches))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// Line input through rustyline at a terminal (confirmations, logins, `fg`).
struct TtyConsole {
    editor: Rc<RefCell<ShellEditor>>,
}

impl TtyConsole {
    fn new(editor: Rc<RefCell<ShellEditor>>) -> Self {
        TtyConsole { editor }
    }
}

fn readline_result(r: Result<String, ReadlineError>) -> io::Result<Option<String>> {
    match r {
        Ok(line) => Ok(Some(line)),
        Err(ReadlineError::Eof) => Ok(None),
        Err(ReadlineError::Interrupted) => Err(io::Error::from(io::ErrorKind::Interrupted)),
        Err(ReadlineError::Io(e)) => Err(e),
        Err(e) => Err(io::Error::other(e.to_string())),
    }
}

impl Console for TtyConsole {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        readline_result(self.editor.borrow_mut().readline(prompt))
    }

    fn read_password(&mut self, prompt: &str) -> io::Result<Option<String>> {
        read_password_tty(prompt)
    }
}

/// Reads a line with echo off, as Python's `getpass`.
fn read_password_tty(prompt: &str) -> io::Result<Option<String>> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = io::stdin();
    let saved = tcgetattr(&stdin).map_err(io::Error::from)?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSAFLUSH, &quiet).map_err(io::Error::from)?;
    let mut out = io::stdout();
    out.write_all(prompt.as_bytes())?;
    out.flush()?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = tcsetattr(&stdin, SetArg::TCSAFLUSH, &saved);
    let _ = writeln!(out);
    if read? == 0 {
        return Ok(None);
    }
    if line.ends_with('\n') {
        line.pop();
    }
    Ok(Some(line))
}

/// Line input from a non-terminal stdin; prompts are written to stdout, as Python's
/// `input()` does.
struct PlainConsole {
    input: Box<dyn BufRead>,
    out: SharedWrite,
}

impl Console for PlainConsole {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.out.write_all(prompt.as_bytes())?;
        self.out.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line.ends_with('\n') {
            line.pop();
        }
        Ok(Some(line))
    }

    fn read_password(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.read_line(prompt)
    }
}

/// Ctrl-C caught into a flag while armed; the default action otherwise.
#[derive(Default)]
struct SigintFlag {
    flag: Arc<AtomicBool>,
    id: Option<signal_hook::SigId>,
}

impl Interrupt for SigintFlag {
    fn arm(&mut self) {
        self.flag.store(false, Ordering::SeqCst);
        if self.id.is_none() {
            self.id =
                signal_hook::flag::register(signal_hook::consts::SIGINT, self.flag.clone()).ok();
        }
    }

    fn disarm(&mut self) {
        if let Some(id) = self.id.take() {
            signal_hook::low_level::unregister(id);
        }
        self.flag.store(false, Ordering::SeqCst);
    }

    fn fired(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}
