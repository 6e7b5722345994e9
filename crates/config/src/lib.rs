//! Supervisor's INI configuration dialect: parsing, %-expansion, typed config
#![deny(missing_docs)]
