//! [`ConfigError`]: why a configuration was refused, displayed in Supervisor's words.

use crate::ini::IniError;
use crate::py;

/// Why a configuration could not be loaded. `Display` is the exact text Supervisor
/// prints after `Error: `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file does not exist.
    #[error("could not find config file {path}")]
    NotFound {
        /// The path as given.
        path: String,
    },
    /// The file exists but could not be read.
    #[error("could not read config file {path}")]
    Unreadable {
        /// The path as given.
        path: String,
    },
    /// No `-c` and none of the default paths exists.
    #[error(
        "No config file found at default paths ({}); use the -c option to specify a config file at a different path",
        .searched.join(", ")
    )]
    NoConfigFound {
        /// The paths searched, in order.
        searched: Vec<String>,
    },
    /// The file is not valid UTF-8 (Python's `UnicodeDecodeError` text).
    #[error("{message}")]
    Decode {
        /// The file.
        file: String,
        /// Python's message, e.g. `'utf-8' codec can't decode byte 0xff in position 3:
        /// invalid start byte`.
        message: String,
    },
    /// The INI syntax is wrong.
    #[error(transparent)]
    Syntax(#[from] IniError),
    /// A required section is absent (`supervisord` or `supervisorctl`).
    #[error(".ini file does not include {section} section")]
    MissingSection {
        /// The section name.
        section: String,
    },
    /// A value or rule violation outside a process section, with Supervisor's text.
    #[error("{message}")]
    Invalid {
        /// The message.
        message: String,
    },
    /// A value or rule violation inside a `[program:x]`, `[eventlistener:x]` or
    /// `[fcgi-program:x]` section.
    #[error("{message} in section {} (file: {})", py::repr(.section), py::repr(.file))]
    InSection {
        /// What is wrong.
        message: String,
        /// The section name.
        section: String,
        /// The file that declared the section (as given, or the included path).
        file: String,
    },
}

impl From<String> for ConfigError {
    fn from(message: String) -> Self {
        ConfigError::Invalid { message }
    }
}
