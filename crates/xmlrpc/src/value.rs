//! The XML-RPC value model.

use std::fmt;

/// The largest integer XML-RPC's `<int>` carries (Python's `xmlrpc.client.MAXINT`).
pub const MAXINT: i64 = i32::MAX as i64;
/// The smallest integer XML-RPC's `<int>` carries (Python's `xmlrpc.client.MININT`).
pub const MININT: i64 = i32::MIN as i64;

/// One XML-RPC value.
///
/// Struct members keep the order they were inserted or parsed in, because Python's
/// `dict` does and Supervisor's replies list keys in a fixed order that clients show.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `<int>` / `<i4>`: a signed 32-bit integer.
    Int(i32),
    /// `<boolean>`: `1` or `0` on the wire.
    Bool(bool),
    /// `<string>`, or the text of a `<value>` with no type element.
    String(String),
    /// `<double>`, written the way Python's `repr(float)` writes it.
    Double(f64),
    /// `<dateTime.iso8601>`, kept in its wire form, e.g. `20240101T10:00:00`.
    DateTime(String),
    /// `<base64>`: raw bytes.
    Base64(Vec<u8>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`: members in order; names are unique.
    Struct(Vec<(String, Value)>),
    /// `<nil/>`, the common extension for Python's `None`.
    Nil,
}

/// An integer outside XML-RPC's 32-bit range, refused the way Python's marshaller
/// refuses it (`OverflowError: int exceeds XML-RPC limits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("int exceeds XML-RPC limits: {0}")]
pub struct IntOverflow(pub i64);

impl Value {
    /// A checked integer: `Err` when `n` does not fit `<int>`, as Python's `dumps` raises.
    pub fn int(n: i64) -> Result<Value, IntOverflow> {
        i32::try_from(n).map(Value::Int).map_err(|_| IntOverflow(n))
    }

    /// An integer clamped into `<int>` range, as Supervisor's `capped_int` does for
    /// timestamps in `getProcessInfo`.
    pub fn capped_int(n: i64) -> Value {
        Value::Int(n.clamp(MININT, MAXINT) as i32)
    }

    /// A struct built from `(name, value)` pairs; a repeated name replaces the earlier
    /// value in place, as assigning to a Python dict does.
    pub fn structure<K: Into<String>>(members: impl IntoIterator<Item = (K, Value)>) -> Value {
        let members = members.into_iter();
        let mut out: Vec<(String, Value)> = Vec::with_capacity(members.size_hint().0);
        for (k, v) in members {
            let k = k.into();
            match out.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        Value::Struct(out)
    }

    /// The XML-RPC type name, as the element that carries it (`int`, `string`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }

    /// The integer, if this is an `Int`.
    pub fn as_i32(&self) -> Option<i32> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if this is a `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a `Double`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The items, if this is an `Array`.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members, if this is a `Struct`.
    pub fn as_struct(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Struct(members) => Some(members),
            _ => None,
        }
    }

    /// The member called `name`, if this is a `Struct` that has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_struct()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The member `name` for changing or moving out, if this is a `Struct` that has it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Struct(members) => members.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Value {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

impl fmt::Display for Value {
    /// A compact, Python-like rendering for messages and debugging; not the wire form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Double(d) => f.write_str(&crate::encode::python_float_repr(*d)),
            Value::DateTime(s) => write!(f, "<DateTime {s}>"),
            Value::Base64(b) => write!(f, "<Binary {} bytes>", b.len()),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Struct(members) => {
                f.write_str("{")?;
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Nil => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_range_matches_python_limits() {
        assert_eq!(Value::int(2_147_483_647), Ok(Value::Int(i32::MAX)));
        assert_eq!(Value::int(-2_147_483_648), Ok(Value::Int(i32::MIN)));
        let err = Value::int(2_147_483_648).unwrap_err();
        assert_eq!(err.to_string(), "int exceeds XML-RPC limits: 2147483648");
    }

    #[test]
    fn capped_int_clamps() {
        assert_eq!(Value::capped_int(1 << 40), Value::Int(i32::MAX));
        assert_eq!(Value::capped_int(-(1 << 40)), Value::Int(i32::MIN));
        assert_eq!(Value::capped_int(7), Value::Int(7));
    }

    #[test]
    fn structure_replaces_repeated_names_in_place() {
        let v = Value::structure([("a", 1.into()), ("b", 2.into()), ("a", 3.into())]);
        assert_eq!(
            v,
            Value::Struct(vec![
                ("a".into(), Value::Int(3)),
                ("b".into(), Value::Int(2))
            ])
        );
        assert_eq!(v.get("b"), Some(&Value::Int(2)));
        assert_eq!(v.get("c"), None);
    }

    #[test]
    fn accessors_check_the_type() {
        assert_eq!(Value::from("x").as_str(), Some("x"));
        assert_eq!(Value::from(1).as_str(), None);
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert_eq!(Value::from(1.5).as_f64(), Some(1.5));
        assert_eq!(Value::from(vec![]).as_array(), Some(&[][..]));
        assert_eq!(Value::Nil.type_name(), "nil");
    }

    #[test]
    fn display_is_python_like() {
        let v = Value::structure([
            ("a", Value::from(vec![1.into(), "x".into()])),
            ("b", Value::Nil),
            ("c", 1e16.into()),
        ]);
        assert_eq!(v.to_string(), r#"{"a": [1, "x"], "b": None, "c": 1e+16}"#);
    }
}
