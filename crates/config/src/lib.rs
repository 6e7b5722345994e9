//! Supervisor's configuration files, read the way Python Supervisor 4.3 reads them.
//!
//! This crate turns a `supervisord.conf` (and the files its `[include]` pulls in) into
//! typed values: [`load`] for the daemon, [`load_client`] for `supervisorctl`. It
//! reproduces Supervisor's INI dialect ([`Ini`], the lexer, usable alone), its
//! `%(name)s` expansions, defaults, value grammars, cross-field rules, warnings and
//! every error text ([`ConfigError`]'s `Display` is what Supervisor prints after
//! `Error: `). The environment and the file system are injected ([`Environment`],
//! [`FileSystem`] with [`OsFs`] and [`MemFs`]), so it runs in tests and fuzzers
//! without touching the host.
//!
//! It is not a daemon: it does not open sockets, resolve command paths, create log
//! files or apply command-line overrides; those belong to the caller. Plugin factory
//! specs are recorded, not imported (only the specs Supervisor ships resolve).
//!
//! ```
//! use std::path::Path;
//! use supervisor_config::{Environment, GroupKind, LogFile, MemFs, load};
//!
//! let mut fs = MemFs::new();
//! fs.add_file(
//!     "/etc/supervisord.conf",
//!     "[supervisord]\n\
//!      [program:web]\n\
//!      command=/usr/bin/web --port=80%(process_num)02d\n\
//!      process_name=%(program_name)s_%(process_num)s\n\
//!      numprocs=2\n",
//! );
//! let env = Environment::new("/");
//! let config = load(Path::new("/etc/supervisord.conf"), &env, &fs).unwrap();
//! let web = config.group("web").unwrap();
//! assert_eq!(web.kind, GroupKind::Program);
//! assert_eq!(web.processes[1].name, "web_1");
//! assert_eq!(web.processes[1].command, "/usr/bin/web --port=8001");
//! assert_eq!(web.processes[1].stdout_logfile, LogFile::Auto);
//! assert_eq!(config.supervisord.pidfile, "/supervisord.pid");
//!
//! fs.add_file("/etc/bad.conf", "[supervisord]\n[program:app]\ncommand=/bin/ping %(ENV_HOST)s\n");
//! let err = load(Path::new("/etc/bad.conf"), &env, &fs).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "Format string '/bin/ping %(ENV_HOST)s' for 'program:app.command' contains names \
//!      ('ENV_HOST') which cannot be expanded. Available names: group_name, here, \
//!      host_node_name, numprocs, process_num, program_name in section 'program:app' \
//!      (file: '/etc/bad.conf')"
//! );
//! ```
#![deny(missing_docs)]

mod datatypes;
mod diff;
mod error;
mod fxhash;
mod glob;
mod host;
mod ini;
mod load;
mod model;
pub mod py;

pub use datatypes::{byte_size, existing_directory, existing_dirpath, octal_type};
pub use diff::{GroupDiff, diff_groups};
pub use error::ConfigError;
pub use host::{DirEntry, Environment, FileSystem, MemFs, OsFs, UserEntry, normalize_path};
pub use ini::{Entry, Ini, IniError, Section};
pub use load::{
    ROOT_SEARCH_WARNING, expand, find_config_file, load, load_client, resolve_user, search_paths,
};
pub use model::{
    ClientConfig, Config, EVENT_TYPES, EnvIter, FcgiSocket, GroupConfig, GroupKind,
    InetHttpServerConfig, LogFile, MainLogFile, Owner, PluginConfig, ProcessConfig,
    ProcessEnvironment, SupervisordConfig, UnixHttpServerConfig,
};

/// The sample configuration `echo_supervisord_conf` prints: every section and option,
/// documented, with the optional ones commented out. It loads as is.
pub const SAMPLE_CONFIG: &str = include_str!("sample.conf");

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn sample_config_loads() {
        let mut fs = MemFs::new();
        fs.add_file("/etc/supervisord.conf", SAMPLE_CONFIG);
        let config = load(
            Path::new("/etc/supervisord.conf"),
            &Environment::new("/"),
            &fs,
        )
        .unwrap();
        assert!(SAMPLE_CONFIG.starts_with("; Sample supervisor config file.\n"));
        assert!(config.groups.is_empty());
        assert_eq!(
            config.unix_http_server().unwrap().file,
            "/tmp/supervisor.sock"
        );
        assert_eq!(config.rpcinterfaces.len(), 1);
        let client = load_client(
            Path::new("/etc/supervisord.conf"),
            &Environment::new("/"),
            &fs,
        )
        .unwrap();
        assert_eq!(client.serverurl, "unix:///tmp/supervisor.sock");
    }
}
