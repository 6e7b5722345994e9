//! supervisorctl as a library: commands, Python-compatible output, exit codes
#![deny(missing_docs)]
