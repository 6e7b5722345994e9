//! Loads the 500-program configuration of the criterion bench once (or `N` times, the
//! first argument), from memory. Meant for instruction counting, which criterion's
//! timing loop cannot give deterministically:
//!
//! ```text
//! cargo build --release -p supervisor-config --example load_500
//! valgrind --tool=callgrind target/release/examples/load_500
//! ```

use std::fmt::Write as _;
use std::path::Path;

use supervisor_config::{Environment, MemFs, load};

/// The text `benches/benches/config_load.rs` loads (keep the two in step).
fn config_text(programs: usize) -> String {
    let mut text = String::from(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\
         [supervisord]\nlogfile=%(here)s/supervisord.log\nenvironment=A=\"1\",B='two'\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         [supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n",
    );
    for i in 0..programs {
        let _ = write!(
            text,
            "\n[program:app{i}]\n\
             command=/usr/bin/app --id {i} --port=80%(process_num)02d ; inline comment\n\
             process_name=%(program_name)s_%(process_num)s\n\
             numprocs=2\n\
             directory=%(here)s\n\
             priority={}\n\
             autorestart=true\n\
             stopsignal=INT\n\
             stdout_logfile=%(here)s/%(program_name)s-%(process_num)s.log\n\
             stdout_logfile_maxbytes=10MB\n\
             environment=HOME=\"/home/app\",PORT=\"80%(process_num)02d\"\n",
            i % 50
        );
    }
    text
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let mut fs = MemFs::new();
    fs.add_file("/etc/supervisord.conf", config_text(500));
    let env = Environment::new("/")
        .with_var("PATH", "/usr/bin:/bin")
        .with_var("HOME", "/root");
    for _ in 0..runs {
        match load(Path::new("/etc/supervisord.conf"), &env, &fs) {
            Ok(config) => assert_eq!(config.groups.len(), 500),
            Err(e) => {
                eprintln!("Error: {e}");
                std::process::exit(2);
            }
        }
    }
}
