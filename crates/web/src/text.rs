//! Text helpers: HTML escaping, URL quoting, form decoding and the `ctime` clock text.

use std::time::{SystemTime, UNIX_EPOCH};

use supervisor_types::CivilTime;
use supervisor_xmlrpc::http::percent_decode;

/// Escapes text for HTML content and quoted attribute values: `& < > " '`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `text` as Python's `urllib.parse.quote` does with its default
/// `safe='/'`: letters, digits, `_.-~` and `/` stay, every other UTF-8 byte becomes `%XX`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one `application/x-www-form-urlencoded` component as Python's `unquote_plus`:
/// `+` is a space, then `%XX` is a byte (a `%` without two hex digits stays as it is),
/// invalid UTF-8 becomes U+FFFD.
fn unquote_plus(text: &str) -> String {
    percent_decode(&text.replace('+', " "))
}

/// The fields of a query string or urlencoded body, in order, as Python's `parse_qsl`
/// reads them (empty values are dropped; a field without `=` is dropped).
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split(['&', ';'])
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let v = unquote_plus(v);
            (!v.is_empty()).then(|| (unquote_plus(k), v))
        })
        .collect()
}

/// Python's `time.ctime()` text for `wall` in a zone `utc_offset` seconds east of UTC:
/// `Mon Jan  1 10:00:00 2024`.
pub fn ctime(wall: SystemTime, utc_offset: i32) -> String {
    let secs = match wall.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX / 2),
    } + i64::from(utc_offset);
    let t = CivilTime::from_unix(secs);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        t.weekday_abbr(),
        t.month_abbr(),
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn quotes_like_python() {
        assert_eq!(quote("g:p one/é&"), "g%3Ap%20one/%C3%A9%26");
        assert_eq!(quote("a-b_c.d~"), "a-b_c.d~");
    }

    #[test]
    fn parses_forms_like_parse_qsl() {
        assert_eq!(
            parse_form("action=stop&processname=g%3Ap+1&empty=&bare&x=%zz%4"),
            vec![
                ("action".into(), "stop".into()),
                ("processname".into(), "g:p 1".into()),
                ("x".into(), "%zz%4".into()),
            ]
        );
        assert_eq!(parse_form("m=%FF"), vec![("m".into(), "\u{fffd}".into())]);
        assert_eq!(parse_form("p=a%2Bb+c"), vec![("p".into(), "a+b c".into())]);
    }

    #[test]
    fn ctime_matches_python() {
        // time.ctime(0) in UTC and time.ctime(1704103200) (2024-01-01 10:00 UTC).
        assert_eq!(ctime(UNIX_EPOCH, 0), "Thu Jan  1 00:00:00 1970");
        let t = UNIX_EPOCH + Duration::from_secs(1_704_103_200);
        assert_eq!(ctime(t, 0), "Mon Jan  1 10:00:00 2024");
        assert_eq!(ctime(t, 3600), "Mon Jan  1 11:00:00 2024");
        assert_eq!(ctime(t, -11 * 3600), "Sun Dec 31 23:00:00 2023");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(ctime(leap, 0), "Tue Feb 29 00:00:00 2000");
    }
}
