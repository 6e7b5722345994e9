//! The Python string behaviours supervisorctl's output depends on: `str.split()`,
//! `str.strip()`, `repr(str)` and `int(str)` (shared with the config and types crates), and
//! the parts of `urlparse` that decide whether a server URL is acceptable.

pub(crate) use supervisor_config::py::strip;
pub(crate) use supervisor_types::py_repr as repr;

/// `str.split()` with no separator, collected.
pub(crate) fn split(s: &str) -> Vec<&str> {
    supervisor_config::py::split_whitespace(s).collect()
}

/// `int(str)` in base 10; `None` where Python raises `ValueError`.
pub(crate) fn int(s: &str) -> Option<i64> {
    supervisor_config::py::int(s, 10).ok()
}

/// The scheme, network location and path of a URL as Python's `urlparse` splits them
/// (query and fragment are cut off the path; the scheme is lower-cased).
pub(crate) struct UrlParts<'a> {
    /// The scheme, lower-cased; empty when there is none.
    pub scheme: String,
    /// What follows `//` up to the next `/`, `?` or `#`.
    pub netloc: &'a str,
    /// The rest up to `?` or `#`.
    pub path: &'a str,
}

/// Splits `url` as Python 3.11's `urllib.parse.urlparse` does for the parts supervisorctl
/// looks at.
pub(crate) fn urlparse(url: &str) -> UrlParts<'_> {
    let mut scheme = String::new();
    let mut rest = url;
    if let Some(i) = url.find(':')
        && i > 0
        && url.as_bytes()[0].is_ascii_alphabetic()
        && url[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
    {
        scheme = url[..i].to_ascii_lowercase();
        rest = &url[i + 1..];
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
    }
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    UrlParts {
        scheme,
        netloc,
        path: &rest[..end],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_strip_and_int_behave_like_python() {
        assert_eq!(split("  a\tb\x1c c  "), ["a", "b", "c"]);
        assert_eq!(strip("\x1f x \x0b"), "x");
        assert_eq!(int(" -5 "), Some(-5));
        assert_eq!(int("+1_000"), Some(1000));
        assert_eq!(int("f"), None);
        assert_eq!(repr("it's"), "\"it's\"");
    }

    #[test]
    fn urlparse_splits_like_python() {
        let u = urlparse("unix:///tmp/x.sock");
        assert_eq!(
            (u.scheme.as_str(), u.netloc, u.path),
            ("unix", "", "/tmp/x.sock")
        );
        let u = urlparse("HTTP://host:9001/a?b#c");
        assert_eq!(
            (u.scheme.as_str(), u.netloc, u.path),
            ("http", "host:9001", "/a")
        );
        let u = urlparse("bad");
        assert_eq!((u.scheme.as_str(), u.netloc, u.path), ("", "", "bad"));
        let u = urlparse("1x:y");
        assert_eq!(u.scheme, "");
    }
}
