//! Reading method parameters. Python raises `TypeError` for a wrong argument count,
//! which Supervisor turns into `INCORRECT_PARAMETERS`; a parameter of the wrong type
//! gets the same fault here.

use supervisor_types::FaultCode;
use supervisor_xmlrpc::{Fault, Value};

pub(crate) fn incorrect() -> Fault {
    Fault::new(FaultCode::IncorrectParameters, None)
}

/// Checks that there are between `min` and `max` parameters.
pub(crate) fn arity(params: &[Value], min: usize, max: usize) -> Result<(), Fault> {
    if (min..=max).contains(&params.len()) {
        Ok(())
    } else {
        Err(incorrect())
    }
}

/// A string parameter.
pub(crate) fn string(v: &Value) -> Result<&str, Fault> {
    v.as_str().ok_or_else(incorrect)
}

/// An optional flag, true when absent, with Python's truthiness for other types.
pub(crate) fn flag(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(n)) => *n != 0,
        Some(Value::Double(d)) => *d != 0.0,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Struct(m)) => !m.is_empty(),
        Some(Value::Base64(b)) => !b.is_empty(),
        Some(Value::DateTime(_)) => true,
        Some(Value::Nil) => false,
    }
}

/// The text of a signal parameter as Python's `%s` shows it.
pub(crate) fn signal_text(v: &Value) -> Result<String, Fault> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Int(n) => Ok(n.to_string()),
        _ => Err(incorrect()),
    }
}
