//! supervisorctl: control the processes run by supervisord, from the command line or an
//! interactive shell. A drop-in for Python Supervisor's `supervisorctl`; the work is done
//! by the `supervisor-ctl` crate.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args();
    let progname = args.next().unwrap_or_else(|| "supervisorctl".to_owned());
    let rest: Vec<String> = args.collect();
    let code = supervisor_ctl::cli::main(&progname, &rest);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
