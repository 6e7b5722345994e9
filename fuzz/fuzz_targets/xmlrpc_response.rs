//! The client's reply parser on arbitrary bytes: never panics, and a value it reads
//! survives an encode/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_xmlrpc::{Value, encode_response, parse_response};

/// Whether the value holds text that XML cannot carry back unchanged (a `\r`, which
/// line-end normalisation turns into `\n`) or a NaN, which equals nothing.
fn lossy(v: &Value) -> bool {
    match v {
        Value::String(s) | Value::DateTime(s) => s.contains('\r'),
        Value::Double(d) => d.is_nan(),
        Value::Array(items) => items.iter().any(lossy),
        Value::Struct(members) => members.iter().any(|(k, v)| k.contains('\r') || lossy(v)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(Ok(v)) = parse_response(data) {
        if !lossy(&v) {
            let again = parse_response(encode_response(&v).as_bytes());
            assert_eq!(again, Ok(Ok(v)));
        }
    }
});
