//! XML-RPC faults.

use std::fmt;

use supervisor_types::FaultCode;

use crate::Value;

/// An XML-RPC fault: what a method answers instead of a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Fault {
    /// `faultCode`.
    pub code: i32,
    /// `faultString`.
    pub string: String,
}

impl Fault {
    /// A Supervisor fault: the code's number, and its name then `: detail` when given
    /// (as Supervisor's `RPCError`).
    pub fn new(code: FaultCode, detail: Option<&str>) -> Fault {
        Fault {
            code: code.code(),
            string: code.fault_string(detail),
        }
    }

    /// The Supervisor fault code, when `code` is one of Supervisor's.
    pub fn fault_code(&self) -> Option<FaultCode> {
        FaultCode::from_code(self.code)
    }

    /// The `{faultCode, faultString}` struct sent on the wire (and used inside
    /// `system.multicall` results).
    pub fn to_value(&self) -> Value {
        Value::Struct(vec![
            ("faultCode".to_owned(), Value::Int(self.code)),
            ("faultString".to_owned(), Value::String(self.string.clone())),
        ])
    }

    /// Reads a `{faultCode, faultString}` struct, as Python's client does for a
    /// `<fault>` reply: both members must be present, `faultCode` an int and
    /// `faultString` a string.
    pub fn from_value(value: &Value) -> Option<Fault> {
        let code = value.get("faultCode")?.as_i32()?;
        let string = value.get("faultString")?.as_str()?.to_owned();
        Some(Fault { code, string })
    }
}

impl fmt::Display for Fault {
    /// Python's `repr(xmlrpc.client.Fault)`: `<Fault 10: 'BAD_NAME: foo'>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Fault {}: {}>",
            self.code,
            supervisor_types::py_repr(&self.string)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_uses_supervisor_names() {
        let f = Fault::new(FaultCode::BadName, Some("foo"));
        assert_eq!(f.code, 10);
        assert_eq!(f.string, "BAD_NAME: foo");
        assert_eq!(f.fault_code(), Some(FaultCode::BadName));
        assert_eq!(
            Fault::new(FaultCode::NotRunning, None).string,
            "NOT_RUNNING"
        );
    }

    #[test]
    fn value_round_trip() {
        let f = Fault::new(FaultCode::Failed, Some("x"));
        assert_eq!(Fault::from_value(&f.to_value()), Some(f));
        assert_eq!(Fault::from_value(&Value::Int(1)), None);
    }

    #[test]
    fn display_is_python_repr() {
        let f = Fault::new(FaultCode::BadName, Some("foo"));
        assert_eq!(f.to_string(), "<Fault 10: 'BAD_NAME: foo'>");
        let f = Fault {
            code: 1,
            string: "it's".into(),
        };
        assert_eq!(f.to_string(), "<Fault 1: \"it's\">");
    }
}
