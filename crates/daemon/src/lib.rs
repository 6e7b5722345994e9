//! supervisord: the single-threaded mio event loop
#![deny(missing_docs)]
