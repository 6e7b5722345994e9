//! Supervisor's configuration dialect: lexing, `%`-expansion and typed config.
#![deny(missing_docs)]

mod datatypes;
mod error;
mod glob;
mod host;
mod ini;
mod load;
mod model;
pub mod py;

pub use error::ConfigError;
pub use host::{DirEntry, Environment, FileSystem, MemFs, OsFs, UserEntry, normalize_path};
pub use ini::{Entry, Ini, IniError, Section};
pub use load::{
    ROOT_SEARCH_WARNING, expand, find_config_file, load, load_client, resolve_user, search_paths,
};
pub use model::{
    ClientConfig, Config, EVENT_TYPES, FcgiSocket, GroupConfig, GroupKind, InetHttpServerConfig,
    LogFile, LogLevel, MainLogFile, Owner, PluginConfig, ProcessConfig, SupervisordConfig,
    UnixHttpServerConfig,
};
