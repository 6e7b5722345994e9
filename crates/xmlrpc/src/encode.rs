//! Writing XML-RPC documents byte for byte as Python's `xmlrpc.client.dumps` does.

use base64::Engine as _;

use crate::{Fault, MethodCall, Value};

const XML_HEADER: &str = "<?xml version='1.0'?>\n";

/// Appends `s` with only `&`, `<` and `>` replaced, as Python's `xmlrpc.client.escape`.
/// Quotes, control characters and `\r` pass through untouched.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    // Most text has nothing to escape; a scan without early exit checks that quickly.
    let special = s
        .bytes()
        .fold(false, |any, b| any | matches!(b, b'&' | b'<' | b'>'));
    if !special {
        out.push_str(s);
        return;
    }
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Formats a double as Python's `repr(float)`: the shortest digits that round-trip,
/// positional between 1e-4 and 1e16, else scientific with a signed two-digit exponent.
pub fn python_float_repr(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` yields the same shortest round-trip digits as Python's repr.
    let sci = format!("{d:e}");
    let (sign, rest) = match sci.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", sci.as_str()),
    };
    let (mantissa, exp) = rest.split_once('e').unwrap_or((rest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let mut out = String::from(sign);
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else {
        let decpt = decpt as usize;
        if decpt >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', decpt - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
    out
}

/// Python's `base64.encodebytes`: lines of at most 76 characters, each ending in `\n`.
fn encodebytes_into(out: &mut String, data: &[u8]) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    for line in encoded.as_bytes().chunks(76) {
        // Base64 output is ASCII, so every chunk boundary is a char boundary.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
}

/// Appends `n` in decimal without going through a temporary `String`.
fn push_int(out: &mut String, n: i32) {
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    // Only ASCII digits and '-' were written.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Appends one `<value>` element in Python's layout.
pub(crate) fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Int(n) => {
            out.push_str("<value><int>");
            push_int(out, *n);
            out.push_str("</int></value>\n");
        }
        Value::Bool(b) => {
            out.push_str("<value><boolean>");
            out.push(if *b { '1' } else { '0' });
            out.push_str("</boolean></value>\n");
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            escape_into(out, s);
            out.push_str("</string></value>\n");
        }
        Value::Double(d) => {
            out.push_str("<value><double>");
            out.push_str(&python_float_repr(*d));
            out.push_str("</double></value>\n");
        }
        Value::DateTime(s) => {
            out.push_str("<value><dateTime.iso8601>");
            escape_into(out, s);
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Base64(bytes) => {
            out.push_str("<value><base64>\n");
            encodebytes_into(out, bytes);
            out.push_str("</base64></value>\n");
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                write_value(out, item);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (name, v) in members {
                out.push_str("<member>\n<name>");
                escape_into(out, name);
                out.push_str("</name>\n");
                write_value(out, v);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
        // Python writes no newline after <nil/>; keep that quirk for identical bytes.
        Value::Nil => out.push_str("<value><nil/></value>"),
    }
}

/// The body of a successful reply, identical to Python's
/// `xmlrpc.client.dumps((value,), methodresponse=1)` (with `allow_none` for `Nil`).
pub fn encode_response(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(XML_HEADER);
    out.push_str("<methodResponse>\n<params>\n<param>\n");
    write_value(&mut out, value);
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    out
}

/// The body of a fault reply, identical to Python's `xmlrpc.client.dumps(Fault(...))`.
pub fn encode_fault(fault: &Fault) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(XML_HEADER);
    out.push_str("<methodResponse>\n<fault>\n");
    write_value(&mut out, &fault.to_value());
    out.push_str("</fault>\n</methodResponse>\n");
    out
}

/// The body of a request, as Python's `xmlrpc.client.dumps(params, name)` writes it
/// (the method name is escaped, which Python omits; names never contain `&<>`).
pub fn encode_call(call: &MethodCall) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(XML_HEADER);
    out.push_str("<methodCall>\n<methodName>");
    escape_into(&mut out, &call.name);
    out.push_str("</methodName>\n<params>\n");
    for p in &call.params {
        out.push_str("<param>\n");
        write_value(&mut out, p);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use supervisor_types::FaultCode;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e-7, "1e-07"),
            (-12.214, "-12.214"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (1712345678.123456, "1712345678.123456"),
        ];
        for (d, want) in cases {
            assert_eq!(python_float_repr(d), want, "{d:e}");
        }
    }

    #[test]
    fn escape_only_amp_lt_gt() {
        let mut s = String::new();
        escape_into(&mut s, "a<&>\"'\r\x01b");
        assert_eq!(s, "a&lt;&amp;&gt;\"'\r\x01b");
    }

    #[test]
    fn response_layout_matches_python() {
        // Produced by Python 3.11: xmlrpc.client.dumps(({...},), methodresponse=1,
        // allow_none=True) with the members below.
        let v = Value::structure([
            ("name", Value::from("a<&>\"'")),
            ("pid", 1.into()),
            ("ok", true.into()),
            ("f", 1.5.into()),
            ("arr", Value::Array(vec![])),
            ("s", Value::Struct(vec![])),
            ("n", Value::Nil),
            ("dt", Value::DateTime("20240101T10:00:00".into())),
            ("b", Value::Base64(b"hi\0".to_vec())),
        ]);
        let want = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>a&lt;&amp;&gt;\"'</string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>ok</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>f</name>\n<value><double>1.5</double></value>\n</member>\n<member>\n<name>arr</name>\n<value><array><data>\n</data></array></value>\n</member>\n<member>\n<name>s</name>\n<value><struct>\n</struct></value>\n</member>\n<member>\n<name>n</name>\n<value><nil/></value></member>\n<member>\n<name>dt</name>\n<value><dateTime.iso8601>20240101T10:00:00</dateTime.iso8601></value>\n</member>\n<member>\n<name>b</name>\n<value><base64>\naGkA\n</base64></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
        assert_eq!(encode_response(&v), want);
    }

    #[test]
    fn ints_are_written_in_decimal() {
        for n in [0, 7, 10, -1, -10, 123_456, i32::MIN, i32::MAX] {
            let mut out = String::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn fault_layout_matches_python() {
        let f = Fault::new(FaultCode::BadName, Some("foo"));
        let want = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
        assert_eq!(encode_fault(&f), want);
    }

    #[test]
    fn call_layout_matches_python() {
        let call = MethodCall::new("supervisor.getState", vec![]);
        assert_eq!(
            encode_call(&call),
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n</params>\n</methodCall>\n"
        );
        let call = MethodCall::new("a.b", vec!["a".into(), 1.into()]);
        assert_eq!(
            encode_call(&call),
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b</methodName>\n<params>\n<param>\n<value><string>a</string></value>\n</param>\n<param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n"
        );
    }

    #[test]
    fn base64_wraps_at_76_like_encodebytes() {
        let mut s = String::new();
        encodebytes_into(&mut s, &[0u8; 60]);
        let lines: Vec<&str> = s.split_terminator('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 76);
        assert_eq!(lines[1].len(), 4);
        let mut e = String::new();
        encodebytes_into(&mut e, b"");
        assert_eq!(e, "");
    }
}
