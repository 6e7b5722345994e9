//! supervisorctl's command line, parsed as Python's `getopt.getopt` and
//! `supervisor.options.ClientOptions` do, with their exact error messages.
//!
//! Options stop at the first word that does not start with `-` (or after `--`); the words
//! from there on form the action. Long options may be abbreviated to any unique prefix.

use std::path::Path;

use supervisor_config::{ClientConfig, Environment, FileSystem};

use crate::py;

/// The help text printed by `-h`; `%s` stands for the program name.
const USAGE_DOC: &str =
    "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

/// Short options in getopt notation: a trailing `:` takes an argument.
const SHORT_OPTS: &str = "h?c:is:u:p:r:";
/// Long options in getopt notation: a trailing `=` takes an argument.
const LONG_OPTS: [&str; 7] = [
    "help",
    "configuration=",
    "interactive",
    "serverurl=",
    "username=",
    "password=",
    "history_file=",
];

/// What the command line asks for before any config file is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// `-c FILE`.
    pub configfile: Option<String>,
    /// `-i`.
    pub interactive: bool,
    /// `-s URL`, already checked to look like a URL.
    pub serverurl: Option<String>,
    /// `-u NAME`.
    pub username: Option<String>,
    /// `-p PASSWORD`.
    pub password: Option<String>,
    /// `-r FILE`.
    pub history_file: Option<String>,
    /// The action and its arguments: every word after the options.
    pub args: Vec<String>,
}

/// A command line that ends the program before any command runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EarlyExit {
    /// `-h`, `--help` or `-?`: print this text on stdout, exit 0.
    Help(String),
    /// A usage error: print this text on stderr, exit 2.
    Usage(String),
}

impl EarlyExit {
    /// The exit code Python's supervisorctl ends with.
    pub fn exit_code(&self) -> i32 {
        match self {
            EarlyExit::Help(_) => 0,
            EarlyExit::Usage(_) => 2,
        }
    }
}

/// The usage-error text: `Error: MSG` and a pointer to `-h`, as `Options.usage` prints.
pub fn usage_error(progname: &str, msg: &str) -> EarlyExit {
    EarlyExit::Usage(format!("Error: {msg}\nFor help, use {progname} -h\n"))
}

/// The `-h` text for this program name.
pub fn help_text(progname: &str) -> String {
    format!("{}\n", USAGE_DOC.replace("%s", progname))
}

/// Options as getopt returns them: (`-x` or `--name`, value), in order.
type Opts = Vec<(String, String)>;

/// Python's `getopt.getopt` over supervisorctl's options: the options in order and the
/// remaining words.
fn getopt(args: &[String]) -> Result<(Opts, Vec<String>), String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let (has_arg, name) = long_has_args(name)?;
            let value = if has_arg {
                match value {
                    Some(v) => v,
                    None => {
                        let v = args
                            .get(i)
                            .ok_or_else(|| format!("option --{name} requires argument"))?;
                        i += 1;
                        v.clone()
                    }
                }
            } else if value.is_some() {
                return Err(format!("option --{name} must not have an argument"));
            } else {
                String::new()
            };
            opts.push((format!("--{name}"), value));
        } else {
            let mut rest = &arg[1..];
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                if short_has_arg(c)? {
                    let value = if rest.is_empty() {
                        let v = args
                            .get(i)
                            .ok_or_else(|| format!("option -{c} requires argument"))?;
                        i += 1;
                        v.clone()
                    } else {
                        std::mem::take(&mut rest).to_owned()
                    };
                    opts.push((format!("-{c}"), value));
                } else {
                    opts.push((format!("-{c}"), String::new()));
                }
            }
        }
    }
    Ok((opts, args[i..].to_vec()))
}

fn long_has_args(opt: &str) -> Result<(bool, String), String> {
    let possible: Vec<&str> = LONG_OPTS
        .iter()
        .copied()
        .filter(|o| o.starts_with(opt))
        .collect();
    if possible.is_empty() {
        return Err(format!("option --{opt} not recognized"));
    }
    if possible.contains(&opt) {
        return Ok((false, opt.to_owned()));
    }
    if possible.contains(&format!("{opt}=").as_str()) {
        return Ok((true, opt.to_owned()));
    }
    if possible.len() > 1 {
        return Err(format!("option --{opt} not a unique prefix"));
    }
    let only = possible[0];
    Ok(match only.strip_suffix('=') {
        Some(name) => (true, name.to_owned()),
        None => (false, only.to_owned()),
    })
}

fn short_has_arg(opt: char) -> Result<bool, String> {
    let chars: Vec<char> = SHORT_OPTS.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == opt && opt != ':' {
            return Ok(chars.get(i + 1) == Some(&':'));
        }
    }
    Err(format!("option -{opt} not recognized"))
}

/// Supervisor's `url` datatype: a scheme and then a network location or a path.
pub fn check_url(value: &str) -> Result<(), String> {
    let parts = py::urlparse(value);
    if !parts.scheme.is_empty() && (!parts.netloc.is_empty() || !parts.path.is_empty()) {
        Ok(())
    } else {
        Err(format!("value {} is not a URL", py::repr(value)))
    }
}

/// Parses supervisorctl's arguments (without the program name). Options are handled in
/// order, so `-h` wins over a later bad value and loses to an earlier one, as in Python.
pub fn parse_command_line(progname: &str, args: &[String]) -> Result<CommandLine, EarlyExit> {
    let (opts, rest) = getopt(args).map_err(|m| usage_error(progname, &m))?;
    let mut cl = CommandLine {
        args: rest,
        ..CommandLine::default()
    };
    for (opt, value) in opts {
        let slot = match opt.as_str() {
            "-h" | "-?" | "--help" => return Err(EarlyExit::Help(help_text(progname))),
            "-i" | "--interactive" => {
                if cl.interactive {
                    return Err(conflict(progname, &opt));
                }
                cl.interactive = true;
                continue;
            }
            "-s" | "--serverurl" => {
                if let Err(m) = check_url(&value) {
                    let msg = format!("invalid value for {opt} {}: {m}", py::repr(&value));
                    return Err(usage_error(progname, &msg));
                }
                &mut cl.serverurl
            }
            "-c" | "--configuration" => &mut cl.configfile,
            "-u" | "--username" => &mut cl.username,
            "-p" | "--password" => &mut cl.password,
            _ => &mut cl.history_file,
        };
        if slot.is_some() {
            return Err(conflict(progname, &opt));
        }
        *slot = Some(value);
    }
    Ok(cl)
}

fn conflict(progname: &str, opt: &str) -> EarlyExit {
    usage_error(
        progname,
        &format!("conflicting command line option {}", py::repr(opt)),
    )
}

/// Reads the config file as supervisorctl does before running a command: the one given
/// with `-c`, or else the first of [`supervisor_config::search_paths`] that exists (none
/// found means the defaults), loaded with [`supervisor_config::load_client`]. A file that
/// cannot be loaded is a usage error with Supervisor's text.
pub fn read_config_file(
    progname: &str,
    configfile: Option<&str>,
    env: &Environment,
    fs: &dyn FileSystem,
) -> Result<Option<ClientConfig>, EarlyExit> {
    let path = match configfile {
        Some(path) => path.to_owned(),
        None => match supervisor_config::find_config_file(progname, env, fs) {
            Ok(path) => path,
            Err(_) => return Ok(None),
        },
    };
    supervisor_config::load_client(Path::new(&path), env, fs)
        .map(Some)
        .map_err(|e| usage_error(progname, &e.to_string()))
}

/// Everything the controller needs to know about how it was invoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtlOptions {
    /// Where supervisord listens: `unix:///path` or `http://host:port`.
    pub serverurl: String,
    /// Basic-auth user name.
    pub username: Option<String>,
    /// Basic-auth password.
    pub password: Option<String>,
    /// The shell prompt without its trailing `> `.
    pub prompt: String,
    /// Where the shell keeps its history, if anywhere.
    pub history_file: Option<String>,
    /// Whether the user is at a shell (confirmations and login prompts are asked).
    pub interactive: bool,
    /// The action and its arguments from the command line.
    pub args: Vec<String>,
}

impl CtlOptions {
    /// Merges the command line over the config file over the defaults. With no action
    /// words the session is interactive.
    pub fn resolve(cl: CommandLine, file: Option<ClientConfig>) -> CtlOptions {
        let file = file.unwrap_or_default();
        let interactive = cl.interactive || cl.args.is_empty();
        CtlOptions {
            serverurl: cl.serverurl.unwrap_or(file.serverurl),
            username: cl.username.or(file.username),
            password: cl.password.or(file.password),
            prompt: file.prompt,
            history_file: cl.history_file.or(file.history_file),
            interactive,
            args: cl.args,
        }
    }
}

impl Default for CtlOptions {
    fn default() -> Self {
        CtlOptions::resolve(CommandLine::default(), None)
    }
}

#[cfg(test)]
mod tests {
    use supervisor_config::MemFs;

    use super::*;

    fn parse(args: &[&str]) -> Result<CommandLine, EarlyExit> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_command_line("/bin/supervisorctl", &args)
    }

    fn usage(msg: &str) -> EarlyExit {
        usage_error("/bin/supervisorctl", msg)
    }

    #[test]
    fn options_stop_at_the_first_action_word() {
        let cl = parse(&["-c", "a.conf", "-s", "unix:///x", "tail", "-f", "x"]).unwrap();
        assert_eq!(cl.configfile.as_deref(), Some("a.conf"));
        assert_eq!(cl.serverurl.as_deref(), Some("unix:///x"));
        assert_eq!(cl.args, ["tail", "-f", "x"]);
        let cl = parse(&["--", "-i"]).unwrap();
        assert_eq!(cl.args, ["-i"]);
        assert!(!cl.interactive);
        let cl = parse(&["-", "x"]).unwrap();
        assert_eq!(cl.args, ["-", "x"]);
    }

    #[test]
    fn clustered_short_options_and_attached_values() {
        let cl = parse(&["-iuuser", "-pPW", "status"]).unwrap();
        assert!(cl.interactive);
        assert_eq!(cl.username.as_deref(), Some("user"));
        assert_eq!(cl.password.as_deref(), Some("PW"));
    }

    #[test]
    fn long_options_take_unique_prefixes() {
        let cl = parse(&["--server=http://h:1", "--user", "u", "--hist", "f"]).unwrap();
        assert_eq!(cl.serverurl.as_deref(), Some("http://h:1"));
        assert_eq!(cl.username.as_deref(), Some("u"));
        assert_eq!(cl.history_file.as_deref(), Some("f"));
        assert_eq!(
            parse(&["--h"]),
            Err(usage("option --h not a unique prefix"))
        );
        assert_eq!(
            parse(&["--interactive=1"]),
            Err(usage("option --interactive must not have an argument"))
        );
    }

    #[test]
    fn getopt_errors_read_like_python() {
        assert_eq!(parse(&["-v"]), Err(usage("option -v not recognized")));
        assert_eq!(
            parse(&["--bogus"]),
            Err(usage("option --bogus not recognized"))
        );
        assert_eq!(parse(&["-c"]), Err(usage("option -c requires argument")));
        assert_eq!(
            parse(&["--serverurl"]),
            Err(usage("option --serverurl requires argument"))
        );
        assert_eq!(
            parse(&["-s", "bad"]),
            Err(usage(
                "invalid value for -s 'bad': value 'bad' is not a URL"
            ))
        );
        assert_eq!(
            parse(&["-u", "a", "--username", "b"]),
            Err(usage("conflicting command line option '--username'"))
        );
        assert_eq!(
            parse(&["-i", "-i"]),
            Err(usage("conflicting command line option '-i'"))
        );
        assert_eq!(
            usage("x"),
            EarlyExit::Usage("Error: x\nFor help, use /bin/supervisorctl -h\n".into())
        );
    }

    #[test]
    fn help_is_handled_in_order() {
        let help = EarlyExit::Help(help_text("/bin/supervisorctl"));
        assert_eq!(parse(&["-h", "-s", "bad"]), Err(help.clone()));
        assert_eq!(parse(&["-?"]), Err(help.clone()));
        assert!(matches!(
            parse(&["-s", "bad", "-h"]),
            Err(EarlyExit::Usage(_))
        ));
        // getopt errors come before any option is acted on.
        assert!(matches!(
            parse(&["-h", "--bogus"]),
            Err(EarlyExit::Usage(_))
        ));
        let EarlyExit::Help(text) = help else {
            unreachable!()
        };
        assert!(text.contains("Usage: /bin/supervisorctl [options] [action [arguments]]\n"));
        assert!(text.ends_with("actions.\n\n"));
    }

    fn memfs(files: &[(&str, &str)]) -> MemFs {
        let mut fs = MemFs::new();
        for (path, text) in files {
            fs.add_file(path, text);
        }
        fs
    }

    #[test]
    fn the_config_file_is_searched_next_to_the_program_then_in_the_working_directory() {
        let env = Environment::new("/work");
        let conf = "[supervisorctl]\nprompt=found\n";
        let fs = memfs(&[
            ("/opt/sv/etc/supervisord.conf", conf),
            ("/work/supervisord.conf", "[supervisorctl]\nprompt=cwd\n"),
        ]);
        let found = read_config_file("/opt/sv/bin/supervisorctl", None, &env, &fs).unwrap();
        assert_eq!(found.unwrap().prompt, "found");
        let found = read_config_file("supervisorctl", None, &env, &fs).unwrap();
        assert_eq!(found.unwrap().prompt, "cwd");
        let none = read_config_file("supervisorctl", None, &env, &MemFs::new()).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn the_section_is_read_and_expanded() {
        let env = Environment::new("/work").with_var("USER", "bob");
        let text = "[supervisorctl]\nserverurl=unix://%(here)s/../run/s.sock\nusername=%(ENV_USER)s\nprompt=hi\nhistory_file=h.txt\n";
        let fs = memfs(&[("/work/etc/sd.conf", text)]);
        let c = read_config_file("supervisorctl", Some("etc/sd.conf"), &env, &fs)
            .unwrap()
            .unwrap();
        assert_eq!(c.serverurl, "unix:///work/run/s.sock");
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert_eq!(c.prompt, "hi");
        assert_eq!(c.history_file.as_deref(), Some("/work/h.txt"));
        assert_eq!(c.password, None);
    }

    #[test]
    fn config_file_errors_are_usage_errors_in_pythons_words() {
        let env = Environment::new("/work").with_var("USER", "bob");
        let fs = memfs(&[
            ("/work/a.conf", "[supervisord]\n"),
            ("/work/b.conf", "[supervisorctl]\nusername=%(nope)s\n"),
        ]);
        let read = |path: &str| read_config_file("/bin/supervisorctl", Some(path), &env, &fs);
        assert_eq!(
            read("a.conf"),
            Err(usage(".ini file does not include supervisorctl section"))
        );
        assert_eq!(
            read("b.conf"),
            Err(usage(
                "Format string '%(nope)s' for 'supervisorctl.username' contains names ('nope') which cannot be expanded. Available names: ENV_USER"
            ))
        );
        assert_eq!(
            read("/nonexistent/x.conf"),
            Err(usage("could not find config file /nonexistent/x.conf"))
        );
    }

    #[test]
    fn resolve_prefers_command_line_then_file_then_defaults() {
        let file = ClientConfig {
            serverurl: "unix:///f.sock".into(),
            prompt: "p".into(),
            username: Some("fu".into()),
            ..ClientConfig::default()
        };
        let cl = CommandLine {
            username: Some("cu".into()),
            args: vec!["status".into()],
            ..CommandLine::default()
        };
        let o = CtlOptions::resolve(cl, Some(file));
        assert_eq!(o.serverurl, "unix:///f.sock");
        assert_eq!(o.username.as_deref(), Some("cu"));
        assert_eq!(o.prompt, "p");
        assert!(!o.interactive);
        let o = CtlOptions::default();
        assert_eq!(o.serverurl, "http://localhost:9001");
        assert_eq!(o.prompt, "supervisor");
        assert!(o.interactive);
    }
}
