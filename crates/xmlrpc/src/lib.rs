//! The wire of Supervisor's API: XML-RPC values, faults and documents, HTTP/1.x framing
//! for the server side, Basic authentication, and a small blocking client.
//!
//! Everything here is meant to be indistinguishable on the wire from Python Supervisor
//! 4.3: replies are byte-identical to `xmlrpc.client.dumps`, requests are read as
//! Supervisor's tolerant `iterparse` loader reads them, HTTP responses carry medusa's
//! headers in medusa's order.
//!
//! What this crate is not: it opens no listening sockets and runs no event loop (the
//! daemon feeds [`http::RequestParser`] bytes and writes the bytes it gets back), and it
//! knows no method: dispatch, `system.multicall` and the method table live in the api
//! crate.
//!
//! ```
//! use supervisor_xmlrpc::{Fault, MethodCall, Value, encode_fault, encode_response, parse_response};
//! use supervisor_types::FaultCode;
//!
//! let body = b"<?xml version='1.0'?><methodCall><methodName>supervisor.getProcessInfo</methodName>\
//!              <params><param><value>web</value></param></params></methodCall>";
//! let call = MethodCall::parse(body).unwrap();
//! assert_eq!(call.name, "supervisor.getProcessInfo");
//! assert_eq!(call.params, vec![Value::from("web")]);
//!
//! let reply = encode_response(&Value::structure([("name", "web".into()), ("pid", 42.into())]));
//! assert!(reply.contains("<name>pid</name>\n<value><int>42</int></value>\n"));
//! assert_eq!(parse_response(reply.as_bytes()).unwrap().unwrap().get("pid"), Some(&Value::Int(42)));
//!
//! let fault = Fault::new(FaultCode::BadName, Some("web"));
//! let reply = encode_fault(&fault);
//! assert_eq!(parse_response(reply.as_bytes()).unwrap(), Err(fault));
//! ```
//!
//! # How the daemon uses it
//!
//! Per connection: feed bytes to an [`http::RequestParser`]; for each [`http::Request`],
//! check [`auth::Credentials::check`] when the server has a user, route on
//! [`http::Request::uri`] (`/RPC2`, `/logtail/…`, `/mainlogtail`), turn the body into a
//! [`MethodCall`] (a [`ParseError`] is answered with [`http::error_reply`] 400), and
//! write [`http::xmlrpc_reply`] with the body of [`encode_response`] or
//! [`encode_fault`]. Log tails start with [`http::stream_reply`] and continue with
//! [`http::chunk`]s. Close the connection when the [`http::Reply`] says so.
#![deny(missing_docs)]

pub mod auth;
pub mod client;
mod decode;
mod encode;
mod fault;
pub mod http;
mod value;

pub use decode::{MAX_DEPTH, ParseError, parse_response};
pub use encode::{encode_call, encode_fault, encode_response, python_float_repr};
pub use fault::Fault;
pub use value::{IntOverflow, MAXINT, MININT, Value};

/// A method call: the method's name and its positional parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodCall {
    /// The dotted method name, e.g. `supervisor.getState`.
    pub name: String,
    /// The parameters, in order.
    pub params: Vec<Value>,
}

impl MethodCall {
    /// A call of `name` with `params`.
    pub fn new(name: impl Into<String>, params: Vec<Value>) -> MethodCall {
        MethodCall {
            name: name.into(),
            params,
        }
    }

    /// Reads a `POST /RPC2` body as Supervisor does (see the crate docs). A missing
    /// `<params>` means no parameters; a missing or empty `<methodName>` is
    /// [`ParseError::NoMethodName`]. Supervisor answers every error with HTTP 400.
    pub fn parse(body: &[u8]) -> Result<MethodCall, ParseError> {
        decode::parse_call(body)
    }

    /// The request body, as Python's `xmlrpc.client` writes it.
    pub fn encode(&self) -> String {
        encode_call(self)
    }
}
