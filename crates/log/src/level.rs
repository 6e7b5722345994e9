//! Log levels: Supervisor's numbers, four-letter record names and config names.

use std::fmt;
use std::str::FromStr;

/// A log level, ordered as Supervisor orders them (`Blat` < `Trac` < … < `Crit`).
///
/// The discriminants are Supervisor's numbers (`LevelsByName`); a record is written when
/// its level is `>=` the logger's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum Level {
    /// `blather` (3): messages for developers debugging supervisor itself.
    Blat = 3,
    /// `trace` (5): messages for developers debugging plugins.
    Trac = 5,
    /// `debug` (10): messages for users debugging configurations.
    Debg = 10,
    /// `info` (20): normal informational output; the default level.
    #[default]
    Info = 20,
    /// `warn` (30): issues that are not errors.
    Warn = 30,
    /// `error` (40): potentially ignorable error conditions.
    Erro = 40,
    /// `critical` (50): conditions that probably need immediate attention.
    Crit = 50,
}

/// A `loglevel` value that names no level; the message is Supervisor's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad logging level name {}", supervisor_types::py_repr(.0))]
pub struct BadLevelName(pub String);

impl Level {
    /// Every level, from the most verbose to the most severe.
    pub const ALL: [Level; 7] = [
        Level::Blat,
        Level::Trac,
        Level::Debg,
        Level::Info,
        Level::Warn,
        Level::Erro,
        Level::Crit,
    ];

    /// Supervisor's number for the level (`LevelsByName`).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The level with Supervisor's number `n`, if any.
    pub fn from_number(n: u8) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.number() == n)
    }

    /// The four-letter name written in main-log records (`INFO`, `DEBG`, …).
    pub fn name(self) -> &'static str {
        match self {
            Level::Blat => "BLAT",
            Level::Trac => "TRAC",
            Level::Debg => "DEBG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Erro => "ERRO",
            Level::Crit => "CRIT",
        }
    }

    /// The name used by the `loglevel` setting (`info`, `debug`, …).
    pub fn description(self) -> &'static str {
        match self {
            Level::Blat => "blather",
            Level::Trac => "trace",
            Level::Debg => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Erro => "error",
            Level::Crit => "critical",
        }
    }

    /// Parses a `loglevel` value as Supervisor does: case-insensitive, one of
    /// `critical error warn info debug trace blather`.
    pub fn from_description(value: &str) -> Result<Level, BadLevelName> {
        let lower = value.to_lowercase();
        Level::ALL
            .into_iter()
            .find(|l| l.description() == lower)
            .ok_or_else(|| BadLevelName(value.to_owned()))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = BadLevelName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::from_description(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_match_supervisor() {
        let table = [
            (Level::Crit, 50, "CRIT", "critical"),
            (Level::Erro, 40, "ERRO", "error"),
            (Level::Warn, 30, "WARN", "warn"),
            (Level::Info, 20, "INFO", "info"),
            (Level::Debg, 10, "DEBG", "debug"),
            (Level::Trac, 5, "TRAC", "trace"),
            (Level::Blat, 3, "BLAT", "blather"),
        ];
        for (level, n, name, desc) in table {
            assert_eq!(level.number(), n);
            assert_eq!(Level::from_number(n), Some(level));
            assert_eq!(level.name(), name);
            assert_eq!(level.to_string(), name);
            assert_eq!(Level::from_description(desc), Ok(level));
            assert_eq!(desc.to_uppercase().parse::<Level>(), Ok(level));
        }
        assert_eq!(Level::from_number(4), None);
    }

    #[test]
    fn ordering_is_numeric() {
        assert!(Level::Blat < Level::Trac);
        assert!(Level::Debg < Level::Info);
        assert!(Level::Erro < Level::Crit);
        assert_eq!(Level::default(), Level::Info);
    }

    #[test]
    fn bad_name_message_matches_supervisor() {
        let err = Level::from_description("loud").unwrap_err();
        assert_eq!(err.to_string(), "bad logging level name 'loud'");
        assert!(Level::from_description("CRIT").is_err());
    }
}
