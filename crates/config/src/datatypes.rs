//! Supervisor's value grammars (`supervisor/datatypes.py`): each converter returns the
//! typed value or Supervisor's exact `ValueError` text.

use std::borrow::Cow;
use std::path::Path;

use supervisor_types::{AutoRestart, LogLevel, SignalError};

use crate::host::{Environment, FileSystem, dirname, expanduser};
use crate::model::{LogFile, Owner};
use crate::py::{self, IntError};

/// A converter's result: the value or Supervisor's message.
pub type Conv<T> = Result<T, String>;

/// `integer`: Python's `int()`.
pub fn integer(s: &str) -> Conv<i64> {
    py::int(s, 10)
}

/// `boolean`: `yes/true/on/1` and `no/false/off/0`, any case.
pub fn boolean(s: &str) -> Conv<bool> {
    // Python lower-cases the text first; no non-ASCII character lower-cases to one of
    // these words' letters, so ASCII case-insensitive matching decides short ASCII.
    if s.len() <= 5 && s.is_ascii() {
        for (word, value) in [
            ("true", true),
            ("false", false),
            ("yes", true),
            ("no", false),
            ("on", true),
            ("off", false),
            ("1", true),
            ("0", false),
        ] {
            if s.eq_ignore_ascii_case(word) {
                return Ok(value);
            }
        }
    }
    match &*py::lower(s) {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!("not a valid boolean value: {}", py::repr(s))),
    }
}

/// `list_of_strings`: comma-separated, each stripped; empty text is an empty list.
pub fn list_of_strings(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|x| py::strip(x).to_owned()).collect()
}

/// `list_of_exitcodes`: comma-separated integers in 0..=255.
pub fn list_of_exitcodes(s: &str) -> Conv<Vec<i32>> {
    let err = || format!("not a valid list of exit codes: {}", py::repr(s));
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let v = py::int(part, 10).map_err(|_| err())?;
        if !(0..=255).contains(&v) {
            return Err(err());
        }
        out.push(v as i32);
    }
    Ok(out)
}

/// `octal_type`: Python's `int(s, 8)`.
pub fn octal_type(s: &str) -> Conv<u32> {
    py::int(s, 8)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("{s} can not be converted to an octal type"))
}

/// `byte_size`: an integer with an optional `KB`/`MB`/`GB` suffix (1024-based, any
/// case).
pub fn byte_size(s: &str) -> Conv<i64> {
    if let Some(n) = ascii_byte_size(s) {
        return Ok(n);
    }
    let v = py::lower(s);
    for (suffix, mult) in [("kb", 1024i64), ("mb", 1 << 20), ("gb", 1 << 30)] {
        if let Some(num) = v.strip_suffix(suffix) {
            let n = py::int(num, 10)?;
            return n
                .checked_mul(mult)
                .ok_or_else(|| format!("{} is out of range", py::repr(s)));
        }
    }
    py::int(&v, 10)
}

/// [`byte_size`] of an ASCII text that parses, matching the suffix without a
/// lower-case copy; `None` sends every other text (and every error) the slow way.
fn ascii_byte_size(s: &str) -> Option<i64> {
    if !s.is_ascii() {
        return None;
    }
    let (num, mult) = match s.len().checked_sub(2).map(|i| s.split_at(i)) {
        Some((num, suffix)) if suffix.eq_ignore_ascii_case("kb") => (num, 1 << 10),
        Some((num, suffix)) if suffix.eq_ignore_ascii_case("mb") => (num, 1 << 20),
        Some((num, suffix)) if suffix.eq_ignore_ascii_case("gb") => (num, 1 << 30),
        _ => (s, 1),
    };
    py::parse_int(num, 10).ok()?.checked_mul(mult)
}

/// `logging_level`: a level name (`critical` … `blather`), any case.
pub fn logging_level(s: &str) -> Conv<LogLevel> {
    LogLevel::from_description(s).map_err(|e| e.to_string())
}

/// `auto_restart`: a boolean or `unexpected`.
pub fn auto_restart(s: &str) -> Conv<AutoRestart> {
    let v = py::lower(s);
    match &*v {
        "yes" | "true" | "on" | "1" => Ok(AutoRestart::Always),
        "no" | "false" | "off" | "0" => Ok(AutoRestart::Never),
        "unexpected" => Ok(AutoRestart::Unexpected),
        _ => Err(format!("invalid 'autorestart' value {}", py::repr(&v))),
    }
}

/// `signal_number` exactly as Supervisor on Linux: Python's `int()` of the text, else a
/// name with or without `SIG`, in any case. The table of names and the set of valid
/// numbers are `supervisor_types::signal_number`'s; what this adds is Python's side:
/// `int()`'s grammar (underscores, unbounded size), `str.strip`/`str.upper` (so `ſigterm`
/// names SIGTERM, as in Python) and `repr` in the messages.
pub fn signal_number(s: &str) -> Conv<i32> {
    let bad_number = || format!("value {} is not a valid signal number", py::repr(s));
    let parsed = match py::parse_int(s, 10) {
        Ok(n) => match i32::try_from(n) {
            Ok(n) => supervisor_types::signal_number(&n.to_string()),
            Err(_) => return Err(bad_number()),
        },
        Err(IntError::OutOfRange) => return Err(bad_number()),
        // Python's int() refused the text, so Rust's integer parse refuses it too and
        // the types crate reads it as a name.
        Err(IntError::Invalid) => match ascii_signal_name(s) {
            Some((buf, len)) => {
                supervisor_types::signal_number(std::str::from_utf8(&buf[..len]).unwrap_or(s))
            }
            None => supervisor_types::signal_number(&py::strip(s).to_uppercase()),
        },
    };
    parsed.map_err(|e| match e {
        SignalError::BadName(_) => format!("value {} is not a valid signal name", py::repr(s)),
        SignalError::BadNumber(_) => bad_number(),
    })
}

/// The signal name Python looks up for a short ASCII text without white space (so
/// `str.strip` leaves it alone): `str.upper`, with `SIG` put in front unless it starts
/// so, in a buffer instead of two allocations.
fn ascii_signal_name(s: &str) -> Option<([u8; 24], usize)> {
    let b = s.as_bytes();
    if b.len() > 16 || !b.iter().all(|&c| py::is_plain_ascii(c)) {
        return None;
    }
    let mut buf = [0u8; 24];
    let prefixed = !(b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"SIG"));
    let start = if prefixed { 3 } else { 0 };
    buf[..3].copy_from_slice(b"SIG");
    for (d, c) in buf[start..].iter_mut().zip(b) {
        *d = c.to_ascii_uppercase();
    }
    Some((buf, start + b.len()))
}

/// `process_or_group_name`: stripped; no space, `:` or `/`.
pub fn process_or_group_name(s: &str) -> Conv<&str> {
    let stripped = py::strip(s);
    if !stripped.bytes().any(|b| matches!(b, b' ' | b':' | b'/')) {
        return Ok(stripped);
    }
    for c in [' ', ':', '/'] {
        if stripped.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py::repr(s),
                py::repr(&c.to_string())
            ));
        }
    }
    Ok(stripped)
}

/// `port_number`: an integer in 1..=65535.
pub fn port_number(s: &str) -> Conv<u16> {
    let v = integer(s)?;
    if v < 1 {
        return Err(format!("{v} is below lower bound (1)"));
    }
    if v > 0xffff {
        return Err(format!("{v} is above upper bound (65535)"));
    }
    Ok(v as u16)
}

/// `inet_address`: `port`, `host:port` or `*:port`; the host is lower-cased and `*`
/// becomes empty (all interfaces).
pub fn inet_address(s: &str) -> Conv<(String, u16)> {
    match s.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() {
                return Err(format!("no port number specified in {}", py::repr(port)));
            }
            let port = port_number(port)?;
            let host = host.to_lowercase();
            let host = if host == "*" { String::new() } else { host };
            Ok((host, port))
        }
        None => match port_number(s) {
            Ok(port) => Ok((String::new(), port)),
            Err(_) => Err(format!("not a valid port number: {} ", py::repr(s))),
        },
    }
}

/// `name_to_uid`: a user name or a numeric uid that exists.
pub fn name_to_uid(s: &str, fs: &dyn FileSystem) -> Conv<u32> {
    match py::int(s, 10) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|uid| fs.user_by_uid(*uid).is_some())
            .ok_or_else(|| format!("Invalid user id {s}")),
        Err(_) => fs
            .user_by_name(s)
            .map(|u| u.uid)
            .ok_or_else(|| format!("Invalid user name {s}")),
    }
}

/// `name_to_gid`: a group name or a numeric gid that exists.
fn name_to_gid(s: &str, fs: &dyn FileSystem) -> Conv<u32> {
    match py::int(s, 10) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|gid| fs.group_exists(*gid))
            .ok_or_else(|| format!("Invalid group id {s}")),
        Err(_) => fs
            .group_by_name(s)
            .ok_or_else(|| format!("Invalid group name {s}")),
    }
}

/// `colon_separated_user_group`: `user` or `user:group`, both resolved.
pub fn colon_separated_user_group(s: &str, fs: &dyn FileSystem) -> Conv<Owner> {
    let err = || format!("Invalid user:group definition {s}");
    match s.split_once(':') {
        None => Ok(Owner {
            uid: name_to_uid(s, fs).map_err(|_| err())?,
            gid: None,
        }),
        Some((u, g)) => Ok(Owner {
            uid: name_to_uid(u, fs).map_err(|_| err())?,
            gid: Some(name_to_gid(g, fs).map_err(|_| err())?),
        }),
    }
}

/// `gid_for_uid`: the primary group of an account.
pub fn gid_for_uid(uid: u32, fs: &dyn FileSystem) -> Conv<u32> {
    fs.user_by_uid(uid)
        .map(|u| u.gid)
        .ok_or_else(|| format!("getpwuid(): uid not found: {uid}"))
}

/// `existing_directory`: `~` expanded; must be a directory.
pub fn existing_directory(s: &str, env: &Environment, fs: &dyn FileSystem) -> Conv<String> {
    let nv = expanduser(s, env, fs);
    if fs.is_dir(&resolve(&nv, env)) {
        Ok(nv.into_owned())
    } else {
        Err(format!("{s} is not an existing directory"))
    }
}

/// `existing_dirpath`: `~` expanded; its directory part (if any) must exist.
/// A value that needs no `~` expansion is returned without a copy.
pub fn existing_dirpath(s: Cow<'_, str>, env: &Environment, fs: &dyn FileSystem) -> Conv<String> {
    let nv = expanduser(&s, env, fs);
    let dir = dirname(&nv);
    if !dir.is_empty() && !fs.is_dir(&resolve(dir, env)) {
        return Err(format!(
            "The directory named as part of the path {s} does not exist"
        ));
    }
    match nv {
        Cow::Owned(expanded) => Ok(expanded),
        Cow::Borrowed(_) => Ok(s.into_owned()),
    }
}

/// `logfile_name`: `NONE`/`OFF` (none), `AUTO`, `SYSLOG` (any case) or a path whose
/// directory exists. `Ok(None)` stands for the deprecated `syslog` value.
pub fn logfile_name(
    s: Cow<'_, str>,
    env: &Environment,
    fs: &dyn FileSystem,
) -> Conv<Option<LogFile>> {
    // Only a text of at most 6 bytes, or a non-ASCII one, can lower-case to a keyword.
    if s.len() > 6 && s.is_ascii() {
        return existing_dirpath(s, env, fs).map(|p| Some(LogFile::Path(p)));
    }
    match &*py::lower(&s) {
        "none" | "off" => Ok(Some(LogFile::None)),
        "auto" => Ok(Some(LogFile::Auto)),
        "syslog" => Ok(None),
        _ => existing_dirpath(s, env, fs).map(|p| Some(LogFile::Path(p))),
    }
}

fn resolve<'p>(p: &'p str, env: &Environment) -> Cow<'p, Path> {
    if p.starts_with('/') {
        Cow::Borrowed(Path::new(p))
    } else {
        Cow::Owned(env.cwd.join(p))
    }
}

/// `dict_of_key_value_pairs`: `KEY=val,KEY2="v, 2"` tokenized by Python's
/// non-POSIX `shlex` (with `/.+-():` as word characters), keeping Supervisor's quirks:
/// the token after each value is skipped whatever it is, quotes are stripped from both
/// ends of values only, `#` starts a comment that runs to the end of the line.
pub fn dict_of_key_value_pairs(s: &str) -> Conv<Vec<(String, String)>> {
    // Each pair has an `=` token: a capacity that holds them all.
    let mut out: Vec<(String, String)> = Vec::with_capacity(equal_signs(s));
    key_value_pairs(s, |key, value| {
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => value.clone_into(&mut slot.1),
            None => out.push((key.to_owned(), value.to_owned())),
        }
    })?;
    Ok(out)
}

/// How many `=` bytes `s` holds: at least as many as its key/value pairs.
pub(crate) fn equal_signs(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'=').count()
}

/// [`dict_of_key_value_pairs`] handing each pair to `put` (in order; a repeated key
/// is handed again) instead of building the dictionary. Names and values are slices
/// of `s` (a comment spliced out of one aside), so they add up to at most its length.
pub(crate) fn key_value_pairs(s: &str, mut put: impl FnMut(&str, &str)) -> Conv<()> {
    if let Some((pairs, count)) = simple_pairs(s) {
        for &(name, value) in &pairs[..count] {
            put(&s[name.0..name.1], strip_quotes(&s[value.0..value.1]));
        }
        return Ok(());
    }
    shlex_pairs(s, put)
}

/// [`key_value_pairs`] through the tokenizer, for any text.
fn shlex_pairs(s: &str, mut put: impl FnMut(&str, &str)) -> Conv<()> {
    let mut lexer = Shlex::new(s);
    // Python lists every token before pairing them, so a quoting error anywhere wins
    // over a pairing error.
    let unexpected = |lexer: &mut Shlex<'_>| {
        while let Some(t) = lexer.next_token().transpose() {
            t?;
        }
        Err(format!("Unexpected end of key/value pairs in value '{s}'"))
    };
    while let Some(key) = lexer.next_token()? {
        let (Some(eq), Some(value)) = (lexer.next_token()?, lexer.next_token()?) else {
            return unexpected(&mut lexer);
        };
        if eq != "=" {
            return unexpected(&mut lexer);
        }
        put(&key, strip_quotes(&value));
        // The token after a pair (normally `,`) is dropped unread.
        lexer.next_token()?;
    }
    Ok(())
}

/// The most pairs [`simple_pairs`] reads.
const SIMPLE_PAIRS: usize = 8;

/// Byte ranges of a name and of its value token.
type PairSpan = ((usize, usize), (usize, usize));

/// The pairs of the usual `environment=` text, found in one pass without the
/// tokenizer: `NAME=VALUE` items separated by single commas (one may end the text),
/// each name a run of word characters, each value a run of word characters or one
/// quoted string, nothing else (no white space, comments or other characters).
/// The tokenizer reads such a text as exactly these tokens (name, `=`, value, `,`),
/// so the pairs are the same. `None` for any other text.
fn simple_pairs(s: &str) -> Option<([PairSpan; SIMPLE_PAIRS], usize)> {
    let b = s.as_bytes();
    let mut pairs = [((0, 0), (0, 0)); SIMPLE_PAIRS];
    let mut count = 0;
    let mut i = 0;
    let word_end = |mut j: usize| {
        while j < b.len() && is_wordchar(b[j]) {
            j += 1;
        }
        j
    };
    while i < b.len() {
        let name = (i, word_end(i));
        if name.0 == name.1 || b.get(name.1) != Some(&b'=') {
            return None;
        }
        let start = name.1 + 1;
        let end = match b.get(start) {
            Some(&q @ (b'\'' | b'"')) => start + 2 + b[start + 1..].iter().position(|&c| c == q)?,
            Some(&c) if is_wordchar(c) => word_end(start),
            _ => return None,
        };
        *pairs.get_mut(count)? = (name, (start, end));
        count += 1;
        match b.get(end) {
            None => break,
            Some(b',') => i = end + 1,
            Some(_) => return None,
        }
    }
    Some((pairs, count))
}

/// Python's `str.strip('\'"')`.
fn strip_quotes(v: &str) -> &str {
    let quote = |b: &u8| *b == b'\'' || *b == b'"';
    let b = v.as_bytes();
    let start = b.iter().position(|c| !quote(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !quote(c)).map_or(start, |e| e + 1);
    // Both ends are next to ASCII quotes or at the text's ends: character boundaries.
    &v[start..end]
}

fn is_wordchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'/' | b'.' | b'+' | b'-' | b'(' | b')' | b':')
}

/// Python's `shlex.shlex(s)` (non-POSIX) with the extra word characters, one token
/// at a time. Tokens borrow from `s` unless a `#` comment splices one.
struct Shlex<'s> {
    s: &'s str,
    pos: usize,
    /// The one-character token that ended a word, returned next.
    pending: Option<&'s str>,
}

impl<'s> Shlex<'s> {
    fn new(s: &'s str) -> Shlex<'s> {
        Shlex {
            s,
            pos: 0,
            pending: None,
        }
    }

    /// Moves past the end of the current line (a comment).
    fn skip_line(&mut self) {
        let b = &self.s.as_bytes()[self.pos..];
        self.pos += b
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| i + 1);
    }

    /// The character starting at byte `i`, as a one-character token.
    fn char_at(&self, i: usize) -> &'s str {
        let len = self.s[i..].chars().next().map_or(1, char::len_utf8);
        &self.s[i..i + len]
    }

    fn next_token(&mut self) -> Conv<Option<Cow<'s, str>>> {
        if let Some(t) = self.pending.take() {
            return Ok(Some(Cow::Borrowed(t)));
        }
        let s = self.s;
        let b = s.as_bytes();
        loop {
            match b.get(self.pos) {
                None => return Ok(None),
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'#') => self.skip_line(),
                Some(_) => break,
            }
        }
        let start = self.pos;
        let first = b[start];
        if first == b'\'' || first == b'"' {
            return match b[start + 1..].iter().position(|&c| c == first) {
                None => {
                    self.pos = b.len();
                    Err("No closing quotation".to_owned())
                }
                Some(off) => {
                    self.pos = start + off + 2;
                    Ok(Some(Cow::Borrowed(&s[start..self.pos])))
                }
            };
        }
        if !is_wordchar(first) {
            let t = self.char_at(start);
            self.pos = start + t.len();
            return Ok(Some(Cow::Borrowed(t)));
        }
        // A word: word characters and quotes, until white space or another character.
        // A comment inside it is cut out, and the word goes on on the next line.
        let mut spliced: Option<String> = None;
        let mut piece = start;
        self.pos += 1;
        let end = loop {
            match b.get(self.pos) {
                None => break self.pos,
                Some(&c) if is_wordchar(c) || c == b'\'' || c == b'"' => self.pos += 1,
                Some(b' ' | b'\t' | b'\r' | b'\n') => {
                    self.pos += 1;
                    break self.pos - 1;
                }
                Some(b'#') => {
                    spliced
                        .get_or_insert_with(String::new)
                        .push_str(&s[piece..self.pos]);
                    self.skip_line();
                    piece = self.pos;
                }
                Some(_) => {
                    let t = self.char_at(self.pos);
                    self.pending = Some(t);
                    let end = self.pos;
                    self.pos += t.len();
                    break end;
                }
            }
        };
        Ok(Some(match spliced {
            None => Cow::Borrowed(&s[start..end]),
            Some(mut text) => {
                text.push_str(&s[piece..end]);
                Cow::Owned(text)
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_sizes() {
        assert_eq!(boolean("Yes"), Ok(true));
        assert_eq!(boolean("off"), Ok(false));
        assert_eq!(
            boolean("maybe").unwrap_err(),
            "not a valid boolean value: 'maybe'"
        );
        assert_eq!(byte_size("50MB"), Ok(52_428_800));
        assert_eq!(byte_size("1kb"), Ok(1024));
        assert_eq!(byte_size("10"), Ok(10));
        assert_eq!(byte_size(" 2Gb"), Ok(2 << 30));
        assert_eq!(byte_size("-1_0kB"), Ok(-10240));
        // Python lower-cases first: the Kelvin sign becomes `k`.
        assert_eq!(byte_size("3\u{212a}b"), Ok(3072));
        assert_eq!(
            byte_size("9999999999999GB").unwrap_err(),
            "'9999999999999GB' is out of range"
        );
        assert_eq!(
            byte_size("5XB").unwrap_err(),
            "invalid literal for int() with base 10: '5xb'"
        );
    }

    #[test]
    fn signals_follow_python_signal_module() {
        assert_eq!(signal_number("TERM"), Ok(15));
        assert_eq!(signal_number("sigkill"), Ok(9));
        assert_eq!(signal_number("0"), Ok(0));
        assert_eq!(
            signal_number("35").unwrap_err(),
            "value '35' is not a valid signal number"
        );
        assert_eq!(
            signal_number("BOGUS").unwrap_err(),
            "value 'BOGUS' is not a valid signal name"
        );
        assert_eq!(signal_number("1_5"), Ok(15));
        assert_eq!(signal_number("\x1cterm"), Ok(15));
        assert_eq!(signal_number("\u{17f}ig_dfl"), Ok(0));
        assert_eq!(
            signal_number("99999999999999999999999").unwrap_err(),
            "value '99999999999999999999999' is not a valid signal number"
        );
        assert_eq!(
            signal_number("it's").unwrap_err(),
            "value \"it's\" is not a valid signal name"
        );
    }

    #[test]
    fn exit_codes() {
        assert_eq!(list_of_exitcodes("0, 2"), Ok(vec![0, 2]));
        assert_eq!(list_of_exitcodes(""), Ok(vec![]));
        assert_eq!(
            list_of_exitcodes("256").unwrap_err(),
            "not a valid list of exit codes: '256'"
        );
    }

    #[test]
    fn key_value_pairs_keep_supervisor_quirks() {
        assert_eq!(
            dict_of_key_value_pairs("A=1,B=\"x, y\",C='z'"),
            Ok(vec![
                ("A".into(), "1".into()),
                ("B".into(), "x, y".into()),
                ("C".into(), "z".into())
            ])
        );
        assert_eq!(
            dict_of_key_value_pairs("A=1 B=2").unwrap_err(),
            "Unexpected end of key/value pairs in value 'A=1 B=2'"
        );
        assert_eq!(
            dict_of_key_value_pairs("A=\"x").unwrap_err(),
            "No closing quotation"
        );
        assert_eq!(
            dict_of_key_value_pairs("PATH=/bin:/usr/bin"),
            Ok(vec![("PATH".into(), "/bin:/usr/bin".into())])
        );
    }

    #[test]
    fn key_value_pairs_tokenize_as_python_shlex() {
        // Expected values from Python Supervisor 4.3's `dict_of_key_value_pairs`.
        let pairs = |s: &str| {
            dict_of_key_value_pairs(s).map(|v| {
                v.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("|")
            })
        };
        let unexpected = |s: &str| Err(format!("Unexpected end of key/value pairs in value '{s}'"));
        assert_eq!(pairs("A=b#c\nd,E=f"), Ok("A=bd|E=f".into()));
        assert_eq!(pairs("A=1;B=2"), Ok("A=1|B=2".into()));
        assert_eq!(pairs("A=\u{e9},B=2"), Ok("A=\u{e9}|B=2".into()));
        assert_eq!(pairs("#c\nA=1"), Ok("A=1".into()));
        assert_eq!(pairs("A==,B=1"), Ok("A==|B=1".into()));
        assert_eq!(pairs(""), Ok(String::new()));
        assert_eq!(pairs("A=x\"y\"z"), Ok("A=x\"y\"z".into()));
        assert_eq!(pairs("A=1,B"), unexpected("A=1,B"));
        assert_eq!(pairs("K=v w x,Y=2"), unexpected("K=v w x,Y=2"));
        assert_eq!(pairs("A=1,,B=2"), unexpected("A=1,,B=2"));
        assert_eq!(
            pairs("A=\"a\"b\"c\",B=''"),
            unexpected("A=\"a\"b\"c\",B=''")
        );
        assert_eq!(pairs("A=1 B=2 \"x"), Err("No closing quotation".into()));
    }

    #[test]
    fn simple_pairs_read_as_the_tokenizer_does() {
        let collect = |s: &str, tokenizer: bool| {
            let mut out = Vec::new();
            let put = |k: &str, v: &str| out.push(format!("{k}={v}"));
            let done = if tokenizer {
                shlex_pairs(s, put)
            } else {
                key_value_pairs(s, put)
            };
            done.map(|()| out)
        };
        for s in [
            "",
            "A=1",
            "A=1,",
            "HOME=\"/home/app\",PORT=\"8000\"",
            "A='x, y',B=\"it's\",C=/a:b(c)+d-e.f",
            "A=\"\",B=''",
            "A=1,A=2",
            "A=\"multi\nline\"",
        ] {
            assert!(simple_pairs(s).is_some(), "{s:?}");
            assert_eq!(collect(s, false), collect(s, true), "{s:?}");
        }
        for s in [
            "A=x\"y\"", "A==", "A=1,,B=2", "A=1 ", " A=1", "A=\"x", "A=b=c", "A=1;B=2",
        ] {
            assert!(simple_pairs(s).is_none(), "{s:?}");
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(inet_address("*:9001"), Ok((String::new(), 9001)));
        assert_eq!(
            inet_address("LocalHost:9001"),
            Ok(("localhost".into(), 9001))
        );
        assert_eq!(inet_address("9001"), Ok((String::new(), 9001)));
        assert_eq!(
            inet_address("host:").unwrap_err(),
            "no port number specified in ''"
        );
        assert_eq!(
            inet_address("x").unwrap_err(),
            "not a valid port number: 'x' "
        );
        assert_eq!(
            inet_address("h:0").unwrap_err(),
            "0 is below lower bound (1)"
        );
    }

    #[test]
    fn names() {
        assert_eq!(process_or_group_name(" foo "), Ok("foo"));
        assert_eq!(
            process_or_group_name("a:b").unwrap_err(),
            "Invalid name: 'a:b' because of character: ':'"
        );
    }
}
