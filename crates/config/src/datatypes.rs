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
        Err(IntError::Invalid) => supervisor_types::signal_number(&py::strip(s).to_uppercase()),
    };
    parsed.map_err(|e| match e {
        SignalError::BadName(_) => format!("value {} is not a valid signal name", py::repr(s)),
        SignalError::BadNumber(_) => bad_number(),
    })
}

/// `process_or_group_name`: stripped; no space, `:` or `/`.
pub fn process_or_group_name(s: &str) -> Conv<String> {
    let stripped = py::strip(s);
    for c in [' ', ':', '/'] {
        if stripped.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py::repr(s),
                py::repr(&c.to_string())
            ));
        }
    }
    Ok(stripped.to_owned())
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
    let tokens = shlex_tokens(s)?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if i + 3 > tokens.len() || tokens[i + 1] != "=" {
            return Err(format!("Unexpected end of key/value pairs in value '{s}'"));
        }
        let key = &tokens[i];
        let value = tokens[i + 2].trim_matches(['\'', '"']);
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => value.clone_into(&mut slot.1),
            None => out.push((key.to_string(), value.to_owned())),
        }
        i += 4;
    }
    Ok(out)
}

fn is_wordchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '+' | '-' | '(' | ')' | ':')
}

/// A token being read: where it starts, and its text once a comment inside it made it
/// stop being one slice of the input.
struct Token {
    start: usize,
    spliced: Option<String>,
}

impl Token {
    fn at(start: usize) -> Token {
        Token {
            start,
            spliced: None,
        }
    }

    fn take(&mut self) -> Token {
        std::mem::replace(self, Token::at(0))
    }

    fn finish(self, s: &str, end: usize) -> Cow<'_, str> {
        match self.spliced {
            Some(text) => Cow::Owned(text),
            None => Cow::Borrowed(&s[self.start..end]),
        }
    }
}

/// Python's `shlex.shlex(s)` (non-POSIX) tokens, with the extra word characters.
/// Tokens borrow from `s` unless a `#` comment splices one.
fn shlex_tokens(s: &str) -> Conv<Vec<Cow<'_, str>>> {
    #[derive(PartialEq, Clone, Copy)]
    enum State {
        Space,
        Word,
        Quote(char),
    }
    let mut chars = s.char_indices();
    let mut tokens = Vec::new();
    let mut token = Token::at(0);
    let mut state = State::Space;
    let skip_line = |chars: &mut std::str::CharIndices<'_>| {
        for (_, c) in chars.by_ref() {
            if c == '\n' {
                break;
            }
        }
    };
    loop {
        let next = chars.next();
        let pos = next.map_or(s.len(), |(p, _)| p);
        let c = next.map(|(_, c)| c);
        match state {
            State::Space => match c {
                None => break,
                Some(' ' | '\t' | '\r' | '\n') => {}
                Some('#') => skip_line(&mut chars),
                Some(c) if is_wordchar(c) => {
                    token = Token::at(pos);
                    state = State::Word;
                }
                Some(q @ ('\'' | '"')) => {
                    token = Token::at(pos);
                    state = State::Quote(q);
                }
                Some(c) => tokens.push(Cow::Borrowed(&s[pos..pos + c.len_utf8()])),
            },
            State::Quote(q) => match c {
                None => return Err("No closing quotation".to_owned()),
                Some(c) => {
                    if c == q {
                        let t = token.take();
                        tokens.push(t.finish(s, pos + 1));
                        state = State::Space;
                    }
                }
            },
            State::Word => match c {
                None => {
                    let t = token.take();
                    tokens.push(t.finish(s, pos));
                    break;
                }
                Some(' ' | '\t' | '\r' | '\n') => {
                    let t = token.take();
                    tokens.push(t.finish(s, pos));
                    state = State::Space;
                }
                Some('#') => {
                    if token.spliced.is_none() {
                        token.spliced = Some(s[token.start..pos].to_owned());
                    }
                    skip_line(&mut chars);
                }
                Some(c) if is_wordchar(c) || c == '\'' || c == '"' => {
                    if let Some(text) = &mut token.spliced {
                        text.push(c);
                    }
                }
                Some(c) => {
                    let t = token.take();
                    tokens.push(t.finish(s, pos));
                    tokens.push(Cow::Borrowed(&s[pos..pos + c.len_utf8()]));
                    state = State::Space;
                }
            },
        }
    }
    Ok(tokens)
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
        assert_eq!(process_or_group_name(" foo "), Ok("foo".into()));
        assert_eq!(
            process_or_group_name("a:b").unwrap_err(),
            "Invalid name: 'a:b' because of character: ':'"
        );
    }
}
