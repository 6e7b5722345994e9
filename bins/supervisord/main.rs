//! `supervisord`: parse Python supervisord's command line, load the configuration, run
//! the daemon. Errors print as Supervisor prints them (`Error: ...` and
//! `For help, use supervisord -h`) with exit status 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use supervisor_config::{Environment, OsFs};
use supervisor_daemon::{Exit, Overrides};
use supervisor_log::LocalClock;
use supervisor_types::LogLevel;

#[derive(Parser, Debug)]
#[command(
    name = "supervisord",
    disable_help_flag = true,
    disable_version_flag = true,
    infer_long_args = true
)]
struct Cli {
    #[arg(short = 'c', long = "configuration")]
    configuration: Option<PathBuf>,
    #[arg(short = 'n', long = "nodaemon")]
    nodaemon: bool,
    #[arg(short = 's', long = "silent")]
    silent: bool,
    #[arg(short = 'h', short_alias = '?', long = "help")]
    help: bool,
    #[arg(short = 'v', long = "version")]
    version: bool,
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    #[arg(short = 'm', long = "umask")]
    umask: Option<String>,
    #[arg(short = 'd', long = "directory")]
    directory: Option<String>,
    #[arg(short = 'l', long = "logfile")]
    logfile: Option<String>,
    #[arg(short = 'y', long = "logfile_maxbytes")]
    logfile_maxbytes: Option<String>,
    #[arg(short = 'z', long = "logfile_backups")]
    logfile_backups: Option<String>,
    #[arg(short = 'e', long = "loglevel")]
    loglevel: Option<String>,
    #[arg(short = 'j', long = "pidfile")]
    pidfile: Option<String>,
    #[arg(short = 'i', long = "identifier")]
    identifier: Option<String>,
    #[arg(short = 'q', long = "childlogdir")]
    childlogdir: Option<String>,
    #[arg(short = 'k', long = "nocleanup")]
    nocleanup: bool,
    #[arg(short = 'a', long = "minfds")]
    minfds: Option<String>,
    #[arg(short = 't', long = "strip_ansi")]
    strip_ansi: bool,
    #[arg(long = "minprocs")]
    minprocs: Option<String>,
    #[arg(long = "profile_options")]
    profile_options: Option<String>,
}

const USAGE: &str = "supervisord -- run a set of applications as daemons.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searched for if not given)
-n/--nodaemon -- stay in the foreground (like 'nodaemon=true' in the config file)
-s/--silent -- no logs to stdout (like 'silent=true' in the config file)
-h/--help -- print this usage message and exit
-v/--version -- print the supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- umask for the daemon's subprocesses (default 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- path of the main log file
-y/--logfile_maxbytes BYTES -- size at which the main log file rotates
-z/--logfile_backups NUM -- rotated main log files to keep
-e/--loglevel LEVEL -- log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- file to write the daemon's pid to
-i/--identifier STR -- identifier of this supervisord instance
-q/--childlogdir DIRECTORY -- directory of the child processes' AUTO log files
-k/--nocleanup --  do not remove old AUTO child log files at startup
-a/--minfds NUM -- file descriptors that must be available to start
-t/--strip_ansi -- strip ANSI escape codes from process output
--minprocs NUM  -- processes that must be available to start
--profile_options OPTIONS -- accepted for compatibility; profiling is not supported
";

/// Prints Supervisor's usage error and returns its exit status.
fn usage(progname: &str, message: &str) -> ExitCode {
    eprintln!("Error: {message}");
    eprintln!("For help, use {progname} -h");
    ExitCode::from(2)
}

/// getopt's words for a command-line error, from clap's.
fn getopt_message(err: &clap::Error, args: &[String]) -> String {
    let arg = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let typed = arg.split_whitespace().next().unwrap_or("").to_owned();
    match err.kind() {
        ErrorKind::UnknownArgument if !typed.starts_with('-') => {
            let start = args.iter().position(|a| *a == typed).unwrap_or(args.len());
            let rest: Vec<String> = args[start..]
                .iter()
                .map(|a| supervisor_types::py_repr(a))
                .collect();
            format!(
                "positional arguments are not supported: [{}]",
                rest.join(", ")
            )
        }
        ErrorKind::UnknownArgument => {
            format!(
                "option {} not recognized",
                typed.split('=').next().unwrap_or("")
            )
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals => {
            let last = args.last().cloned().unwrap_or(typed);
            format!("option {last} requires argument")
        }
        ErrorKind::TooManyValues | ErrorKind::ArgumentConflict => {
            format!("option {typed} must not have an argument")
        }
        _ => err.to_string().lines().next().unwrap_or("").to_owned(),
    }
}

fn overrides(cli: &Cli, env: &Environment) -> Result<Overrides, String> {
    let invalid = |opt: &str, v: &str, why: String| {
        format!(
            "invalid value for {opt} {}: {why}",
            supervisor_types::py_repr(v)
        )
    };
    let int = |opt: &str, v: &Option<String>| -> Result<Option<i64>, String> {
        v.as_ref()
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    invalid(
                        opt,
                        v,
                        format!(
                            "invalid literal for int() with base 10: {}",
                            supervisor_types::py_repr(v)
                        ),
                    )
                })
            })
            .transpose()
    };
    Ok(Overrides {
        nodaemon: cli.nodaemon.then_some(true),
        silent: cli.silent.then_some(true),
        user: cli.user.clone(),
        umask: cli
            .umask
            .as_ref()
            .map(|v| supervisor_config::octal_type(v).map_err(|e| invalid("-m", v, e)))
            .transpose()?,
        directory: cli
            .directory
            .as_ref()
            .map(|v| {
                supervisor_config::existing_directory(v, env, &OsFs)
                    .map_err(|e| invalid("-d", v, e))
            })
            .transpose()?,
        logfile: cli
            .logfile
            .as_ref()
            .map(|v| {
                supervisor_config::existing_dirpath(v.into(), env, &OsFs)
                    .map_err(|e| invalid("-l", v, e))
            })
            .transpose()?,
        logfile_maxbytes: cli
            .logfile_maxbytes
            .as_ref()
            .map(|v| supervisor_config::byte_size(v).map_err(|e| invalid("-y", v, e)))
            .transpose()?,
        logfile_backups: int("-z", &cli.logfile_backups)?,
        loglevel: cli
            .loglevel
            .as_ref()
            .map(|v| LogLevel::from_description(v).map_err(|e| invalid("-e", v, e.to_string())))
            .transpose()?,
        pidfile: cli
            .pidfile
            .as_ref()
            .map(|v| {
                supervisor_config::existing_dirpath(v.into(), env, &OsFs)
                    .map_err(|e| invalid("-j", v, e))
            })
            .transpose()?,
        identifier: cli.identifier.clone(),
        childlogdir: cli
            .childlogdir
            .as_ref()
            .map(|v| {
                supervisor_config::existing_directory(v, env, &OsFs)
                    .map_err(|e| invalid("-q", v, e))
            })
            .transpose()?,
        nocleanup: cli.nocleanup.then_some(true),
        minfds: int("-a", &cli.minfds)?,
        minprocs: int("--minprocs", &cli.minprocs)?,
        strip_ansi: cli.strip_ansi.then_some(true),
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let progname = args
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisord".to_owned());
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage(&progname, &getopt_message(&e, &args[1..])),
    };
    if cli.help {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{}", USAGE.replace("%s", &progname));
        return ExitCode::SUCCESS;
    }
    if cli.version {
        println!("{}", supervisor_api::SUPERVISOR_VERSION);
        return ExitCode::SUCCESS;
    }
    let env = match Environment::from_process() {
        Ok(env) => env,
        Err(e) => return usage(&progname, &e.to_string()),
    };
    let overrides = match overrides(&cli, &env) {
        Ok(o) => o,
        Err(msg) => return usage(&progname, &msg),
    };
    if cli.profile_options.is_some() {
        eprintln!(
            "supervisord: --profile_options is accepted but profiling is not supported; running normally"
        );
    }
    let configfile = match &cli.configuration {
        Some(path) => path.clone(),
        None => {
            if nix::unistd::getuid().is_root() {
                eprintln!("UserWarning: {}", supervisor_config::ROOT_SEARCH_WARNING);
            }
            match supervisor_config::find_config_file(&progname, &env, &OsFs) {
                Ok(path) => PathBuf::from(path),
                Err(e) => return usage(&progname, &e.to_string()),
            }
        }
    };
    // The local time offset must be read while the program is single-threaded.
    let clock = LocalClock::from_system().unwrap_or_else(|_| LocalClock::utc());
    let mut first = true;
    loop {
        let config = match supervisor_daemon::load_config(&configfile, &overrides) {
            Ok(config) => config,
            Err(e) => return usage(&progname, &e.to_string()),
        };
        match supervisor_daemon::run(config, clock, first) {
            Ok(Exit::Restart) => first = false,
            Ok(Exit::Shutdown) => return ExitCode::SUCCESS,
            Err(e) => return usage(&progname, &e.to_string()),
        }
    }
}
