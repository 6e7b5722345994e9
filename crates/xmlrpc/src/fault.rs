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
            python_str_repr(&self.string)
        )
    }
}

/// Python's `repr(str)` for printable text: single quotes unless the text holds a
/// single quote and no double quote; backslash escapes for quotes and controls.
fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
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
