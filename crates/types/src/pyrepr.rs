//! Python's `repr()` of a string, which Supervisor's messages embed through `%r`.

use std::fmt::Write;

/// Whether Python's `str.isspace` holds for `c` (Unicode white space plus the ASCII
/// separators `\x1c`–`\x1f`).
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Whether Python's `str.isprintable` holds for `c`, approximated without the full
/// Unicode category tables: controls, separators other than the ASCII space, the common
/// format characters, private-use and non-characters are not printable.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || py_isspace(c) {
        return false;
    }
    !matches!(u,
        0xad
        | 0x600..=0x605
        | 0x61c
        | 0x6dd
        | 0x70f
        | 0x180e
        | 0x200b..=0x200f
        | 0x202a..=0x202e
        | 0x2060..=0x2064
        | 0x2066..=0x206f
        | 0xe000..=0xf8ff
        | 0xfdd0..=0xfdef
        | 0xfeff
        | 0xfff9..=0xfffb
        | 0xfffe..=0xffff
        | 0xf0000..=0x10ffff)
        && u & 0xfffe != 0xfffe
}

/// Formats `s` as Python 3's `repr(str)` does: single quotes unless the text holds a
/// single quote and no double quote; backslash, the chosen quote, tab, newline and
/// carriage return escaped; other unprintable characters as `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`.
///
/// ```
/// use supervisor_types::py_repr;
/// assert_eq!(py_repr("/bin/x"), "'/bin/x'");
/// assert_eq!(py_repr("it's"), "\"it's\"");
/// assert_eq!(py_repr("tab\there é"), "'tab\\there é'");
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
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x7f && c >= ' ' => out.push(c),
            c if (c as u32) < 0x7f || ((c as u32) < 0x100 && !is_printable(c)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
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
        assert_eq!(py_repr("\u{a0}\u{200b}\u{e000}"), "'\\xa0\\u200b\\ue000'");
        assert_eq!(py_repr("\u{f0000}"), "'\\U000f0000'");
    }
}
