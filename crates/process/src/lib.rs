//! Supervisor's process lifecycle as a sans-IO state machine
#![deny(missing_docs)]
