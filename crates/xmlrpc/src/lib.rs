//! XML-RPC value codec, faults and HTTP/1.1 framing for Supervisor's API
#![deny(missing_docs)]
