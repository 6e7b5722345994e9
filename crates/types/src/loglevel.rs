//! Supervisor's log levels: the `loglevel` names, their numbers and the four-letter
//! names written in main-log records.

use std::fmt;
use std::str::FromStr;

/// A log level, ordered from the most verbose to the most severe. The discriminants are
/// Supervisor's numbers; a record is written when its level is `>=` the logger's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum LogLevel {
    /// `blather` (3): for developers debugging supervisord itself.
    Blather = 3,
    /// `trace` (5): for developers debugging plugins.
    Trace = 5,
    /// `debug` (10): for users debugging a configuration.
    Debug = 10,
    /// `info` (20): normal output; the default.
    #[default]
    Info = 20,
    /// `warn` (30): problems that are not errors.
    Warn = 30,
    /// `error` (40): errors supervisord carries on after.
    Error = 40,
    /// `critical` (50): conditions that need attention now.
    Critical = 50,
}

/// A `loglevel` value that names no level. `Display` is Supervisor's text:
/// `bad logging level name 'loud'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLevelError(pub String);

impl fmt::Display for LogLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad logging level name {}", crate::py_repr(&self.0))
    }
}

impl std::error::Error for LogLevelError {}

impl LogLevel {
    /// Every level, from the most verbose to the most severe.
    pub const ALL: [LogLevel; 7] = [
        LogLevel::Blather,
        LogLevel::Trace,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
        LogLevel::Critical,
    ];

    /// Supervisor's number for the level (3, 5, 10, 20, 30, 40, 50).
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// The level with Supervisor's number `n`, if any.
    pub fn from_number(n: u8) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|l| l.number() == n)
    }

    /// The four-letter name written in main-log records (`BLAT`, `DEBG`, `CRIT`, …).
    pub const fn name(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }

    /// The name the `loglevel` setting uses (`blather`, `debug`, `critical`, …).
    pub const fn description(self) -> &'static str {
        match self {
            LogLevel::Blather => "blather",
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }

    /// Parses a `loglevel` value as Supervisor does: the description in any case
    /// (Python's `str.lower`), so `INFO` and `Info` are `info` but `CRIT` is nothing.
    ///
    /// ```
    /// use supervisor_types::LogLevel;
    ///
    /// assert_eq!(LogLevel::from_description("WARN"), Ok(LogLevel::Warn));
    /// let err = LogLevel::from_description("loud").unwrap_err();
    /// assert_eq!(err.to_string(), "bad logging level name 'loud'");
    /// ```
    pub fn from_description(value: &str) -> Result<LogLevel, LogLevelError> {
        let found = if value.is_ascii() {
            LogLevel::ALL
                .into_iter()
                .find(|l| l.description().eq_ignore_ascii_case(value))
        } else {
            let lower = value.to_lowercase();
            LogLevel::ALL.into_iter().find(|l| l.description() == lower)
        };
        found.ok_or_else(|| LogLevelError(value.to_owned()))
    }
}

impl fmt::Display for LogLevel {
    /// The four-letter record name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LogLevel {
    type Err = LogLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogLevel::from_description(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_match_supervisor() {
        let table = [
            (LogLevel::Critical, 50, "CRIT", "critical"),
            (LogLevel::Error, 40, "ERRO", "error"),
            (LogLevel::Warn, 30, "WARN", "warn"),
            (LogLevel::Info, 20, "INFO", "info"),
            (LogLevel::Debug, 10, "DEBG", "debug"),
            (LogLevel::Trace, 5, "TRAC", "trace"),
            (LogLevel::Blather, 3, "BLAT", "blather"),
        ];
        for (level, n, name, desc) in table {
            assert_eq!(level.number(), n);
            assert_eq!(LogLevel::from_number(n), Some(level));
            assert_eq!(level.name(), name);
            assert_eq!(level.to_string(), name);
            assert_eq!(level.description(), desc);
            assert_eq!(LogLevel::from_description(desc), Ok(level));
            assert_eq!(desc.to_uppercase().parse::<LogLevel>(), Ok(level));
        }
        assert_eq!(LogLevel::from_number(4), None);
    }

    #[test]
    fn ordering_is_numeric() {
        let mut sorted = LogLevel::ALL;
        sorted.sort_by_key(|l| l.number());
        assert_eq!(sorted, LogLevel::ALL);
        assert!(LogLevel::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(LogLevel::default(), LogLevel::Info);
    }

    #[test]
    fn descriptions_fold_case_as_python_lower_does() {
        assert_eq!(LogLevel::from_description("Debug"), Ok(LogLevel::Debug));
        assert_eq!(
            LogLevel::from_description("cRiTiCaL"),
            Ok(LogLevel::Critical)
        );
        // Python lower-cases U+0130 to `i` plus a combining dot, which names nothing.
        assert!(LogLevel::from_description("\u{130}NFO").is_err());
        assert!(LogLevel::from_description("CRIT").is_err());
        assert!(LogLevel::from_description(" info").is_err());
    }

    #[test]
    fn bad_names_read_like_supervisor() {
        let err = LogLevel::from_description("loud").unwrap_err();
        assert_eq!(err.to_string(), "bad logging level name 'loud'");
        let err = LogLevel::from_description("it's").unwrap_err();
        assert_eq!(err.to_string(), "bad logging level name \"it's\"");
    }
}
