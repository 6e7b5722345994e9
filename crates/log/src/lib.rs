//! Log files for supervisord: rotation, reopen, byte-offset reads and tails, the main-log format
#![deny(missing_docs)]
