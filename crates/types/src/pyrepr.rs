//! Python's `repr()` of a string, which Supervisor's messages embed through `%r`.

/// Formats `s` as Python 3's `repr(str)` does: single quotes unless the text holds a single
/// quote and no double quote; backslash, the chosen quote, tab, newline and carriage return
/// escaped; other control characters as `\xNN`.
///
/// ```
/// use supervisor_types::py_repr;
/// assert_eq!(py_repr("/bin/x"), "'/bin/x'");
/// assert_eq!(py_repr("it's"), "\"it's\"");
/// ```
pub fn py_repr(s: &str) -> String {
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
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f || (0x80..0xa0).contains(&(c as u32)) => {
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
    use super::py_repr;

    #[test]
    fn matches_python() {
        assert_eq!(py_repr("a\"b"), "'a\"b'");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("t\tn\n\u{1}é\u{7f}"), "'t\\tn\\n\\x01é\\x7f'");
        assert_eq!(py_repr(""), "''");
    }
}
