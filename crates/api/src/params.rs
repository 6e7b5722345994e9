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

/// An integer parameter read as Python's `int()` reads it: ints, booleans, doubles
/// (truncated) and decimal strings. What Python's `int()` refuses (and Supervisor then
/// fails with an HTTP 500) is `INCORRECT_PARAMETERS` here.
pub(crate) fn int(v: &Value) -> Result<i64, Fault> {
    match v {
        Value::Int(n) => Ok(i64::from(*n)),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Double(d) if d.is_finite() && d.abs() < 9.2e18 => Ok(d.trunc() as i64),
        Value::String(s) => {
            let t = s.trim().replace('_', "");
            if s.trim().starts_with('_') || s.trim().ends_with('_') || s.contains("__") {
                return Err(incorrect());
            }
            t.parse::<i64>().map_err(|_| incorrect())
        }
        _ => Err(incorrect()),
    }
}

/// A value as Python's `str()` shows it, for fault texts that quote a parameter.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr_value(other),
    }
}

fn py_repr_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Double(d) => py_float(*d),
        Value::String(s) => supervisor_types::py_repr(s),
        Value::Nil => "None".to_owned(),
        Value::DateTime(s) => format!("<DateTime '{s}'>"),
        Value::Base64(b) => supervisor_types::py_repr(&String::from_utf8_lossy(b)),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr_value).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Struct(members) => {
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", supervisor_types::py_repr(k), py_repr_value(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's `repr(float)` for the common cases: `1.0`, `0.5`, `inf`, `nan`, `1e+20`.
fn py_float(d: f64) -> String {
    if d.is_nan() {
        "nan".to_owned()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if d == d.trunc() && d.abs() < 1e16 {
        format!("{d:.1}")
    } else if d.abs() >= 1e16 || d.abs() < 1e-4 {
        let s = format!("{d:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e:0>2}"),
            Some((m, e)) => format!("{m}e-{:0>2}", &e[1..]),
            None => s,
        }
    } else {
        d.to_string()
    }
}
