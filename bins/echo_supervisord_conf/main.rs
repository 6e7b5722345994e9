//! `echo_supervisord_conf`: prints a sample configuration to stdout.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(supervisor_config::SAMPLE_CONFIG.as_bytes())
        .and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_supervisord_conf: {e}");
            ExitCode::FAILURE
        }
    }
}
