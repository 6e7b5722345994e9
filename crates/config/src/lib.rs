//! Supervisor's configuration dialect: lexing, `%`-expansion and typed config.
#![deny(missing_docs)]

mod ini;
pub mod py;

pub use ini::{Entry, Ini, IniError, Section};
