//! The INI lexer: Python's `RawConfigParser` exactly as Supervisor configures it
//! (`inline_comment_prefixes=(';', '#')`, `strict=False`, no interpolation).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use crate::py;

/// One `key = value` of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key, case-folded as Python's `str.lower`. Option names Supervisor reads
    /// are shared static strings; other keys are owned.
    pub key: Cow<'static, str>,
    /// The value: inline comments cut, continuation lines joined with `\n`, stripped.
    pub value: String,
    /// The 1-based line that last set this key.
    pub line: usize,
}

/// One `[name]` section. Repeated headers (in one file or across files) are merged
/// into the first one; a repeated key keeps its first position and takes the last value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, verbatim (`program:foo`).
    pub name: String,
    /// The source (file name) that first declared the section.
    pub source: String,
    /// The entries, in order of first appearance.
    pub entries: Vec<Entry>,
}

impl Section {
    /// The value of `key` in this section only (no `[DEFAULT]` fallback).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    /// The entry for `key` in this section only.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Why a file could not be lexed; the `Display` text is Python's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IniError {
    /// A non-comment line came before the first section header.
    MissingSectionHeader {
        /// The source name (file name).
        source: String,
        /// The 1-based line number.
        line: usize,
        /// The offending line, with its line terminator.
        text: String,
    },
    /// Lines that are neither headers, options, comments nor continuations.
    Parsing {
        /// The source name (file name).
        source: String,
        /// Each bad line: 1-based number and text with its terminator.
        lines: Vec<(usize, String)>,
    },
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::MissingSectionHeader { source, line, text } => write!(
                f,
                "File contains no section headers.\nfile: {}, line: {line}\n{}",
                py::repr(source),
                py::repr(text)
            ),
            IniError::Parsing { source, lines } => {
                write!(f, "Source contains parsing errors: {}", py::repr(source))?;
                for (n, text) in lines {
                    write!(f, "\n\t[line {n:2}]: {}", py::repr(text))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for IniError {}

/// A parsed INI document: sections in order of first appearance plus the special
/// `[DEFAULT]` section, whose keys every section inherits.
///
/// ```
/// use supervisor_config::Ini;
/// let ini = Ini::parse("[program:a]\nCommand = cat ; comment\n", "a.conf").unwrap();
/// assert_eq!(ini.get("program:a", "command"), Some("cat"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini {
    sections: Vec<Section>,
    index: HashMap<String, usize>,
    defaults: Vec<Entry>,
}

/// Where the lexer is adding options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// One line of text, without its terminator, and what the single pass that found
/// its end noticed on the way.
struct Line<'a> {
    text: &'a str,
    /// Whether it had a terminator (Python then sees it ending in `\n`).
    terminated: bool,
    /// Whether it holds a `;` or `#` anywhere.
    has_comment_prefix: bool,
    /// The byte offset of its first `=` or `:`.
    delimiter: Option<usize>,
}

/// Bytes the line scan stops to look at: line ends, comment prefixes, delimiters.
const NOTABLE: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b';' as usize] = true;
    t[b'#' as usize] = true;
    t[b'=' as usize] = true;
    t[b':' as usize] = true;
    t
};

/// Splits text into lines as Python's universal-newline text files do: `\n`, `\r\n`
/// and `\r` end a line. One pass over the bytes also notes the comment prefixes and
/// the first delimiter of each line.
fn universal_lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let mut has_comment_prefix = false;
        let mut delimiter = None;
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            if NOTABLE[usize::from(b)] {
                match b {
                    b'\n' | b'\r' => break,
                    b';' | b'#' => has_comment_prefix = true,
                    _ => {
                        if delimiter.is_none() {
                            delimiter = Some(i - start);
                        }
                    }
                }
            }
            i += 1;
        }
        let line = &text[start..i];
        let terminated = i < bytes.len();
        start = if !terminated {
            bytes.len()
        } else if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
        Some(Line {
            text: line,
            terminated,
            has_comment_prefix,
            delimiter,
        })
    })
}

/// The byte offset where an inline comment starts, by Python's algorithm: each round
/// looks at the next `;` and the next `#`; the round's earliest one at column 0 or
/// after white space wins. (A qualifying prefix found in an earlier round than a
/// non-qualifying one can hide an earlier qualifying one: Python does the same.)
fn inline_comment_start(line: &str) -> Option<usize> {
    let mut state: [Option<usize>; 2] = [Some(usize::MAX), Some(usize::MAX)];
    let prefixes = [';', '#'];
    loop {
        let mut best: Option<usize> = None;
        let mut any = false;
        for (slot, prefix) in state.iter_mut().zip(prefixes) {
            let Some(prev) = *slot else { continue };
            let from = prev.wrapping_add(1);
            match line[from..].find(prefix) {
                None => *slot = None,
                Some(off) => {
                    any = true;
                    let index = from + off;
                    *slot = Some(index);
                    let qualifies =
                        index == 0 || line[..index].chars().next_back().is_some_and(py::is_space);
                    if qualifies {
                        best = Some(best.map_or(index, |b: usize| b.min(index)));
                    }
                }
            }
        }
        if best.is_some() || !any {
            return best;
        }
    }
}

impl Ini {
    /// An empty document.
    pub fn new() -> Ini {
        Ini::default()
    }

    /// Lexes `text`, naming it `source` in errors.
    pub fn parse(text: &str, source: &str) -> Result<Ini, IniError> {
        let mut ini = Ini::new();
        ini.read(text, source)?;
        Ok(ini)
    }

    /// Lexes `text` into this document, merging sections that already exist, as a
    /// second `RawConfigParser.read` does.
    pub fn read(&mut self, text: &str, source: &str) -> Result<(), IniError> {
        // Values set by this read, built in place: continuation lines are appended
        // with `\n` and the whole value is right-stripped once the text is read, as
        // Python joins its per-option line lists at the end of `_read`.
        let mut touched: Vec<(Target, usize)> = Vec::new();
        let mut current: Option<(Target, usize)> = None;
        let mut cursect: Option<Target> = None;
        let mut indent_level = 0usize;
        let mut errors: Vec<(usize, String)> = Vec::new();
        for (i, scanned) in universal_lines(text).enumerate() {
            let Line {
                text: line,
                terminated,
                has_comment_prefix,
                delimiter,
            } = scanned;
            let lineno = i + 1;
            let as_python = || {
                let mut l = line.to_owned();
                if terminated {
                    l.push('\n');
                }
                l
            };
            let trimmed = py::strip(line);
            let comment_start = if !has_comment_prefix {
                None
            } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
                Some(0)
            } else {
                inline_comment_start(line)
            };
            let value = py::strip(&line[..comment_start.unwrap_or(line.len())]);
            if value.is_empty() {
                if comment_start.is_none()
                    && cursect.is_some()
                    && let Some(c) = current
                {
                    self.value_mut(c).push('\n');
                }
                continue;
            }
            let cur_indent = match line.as_bytes().first() {
                Some(&b) if b.is_ascii() && !py::is_space(char::from(b)) => 0,
                _ => line.chars().take_while(|c| py::is_space(*c)).count(),
            };
            if cursect.is_some()
                && let Some(c) = current
                && cur_indent > indent_level
            {
                let v = self.value_mut(c);
                v.push('\n');
                v.push_str(value);
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(value) {
                cursect = Some(if let Some(&idx) = self.index.get(header) {
                    Target::Section(idx)
                } else if header == "DEFAULT" {
                    Target::Defaults
                } else {
                    let idx = self.sections.len();
                    self.sections.push(Section {
                        name: header.to_owned(),
                        source: source.to_owned(),
                        entries: Vec::with_capacity(8),
                    });
                    self.index.insert(header.to_owned(), idx);
                    Target::Section(idx)
                });
                current = None;
                continue;
            }
            let Some(target) = cursect else {
                return Err(IniError::MissingSectionHeader {
                    source: source.to_owned(),
                    line: lineno,
                    text: as_python(),
                });
            };
            // `value` lies inside `line` after its leading white space, so the line's
            // first delimiter is the value's when it falls within the value.
            let value_start = value.as_ptr() as usize - line.as_ptr() as usize;
            let delimiter = delimiter
                .filter(|&d| d < value_start + value.len())
                .map(|d| d - value_start);
            match delimiter {
                None => errors.push((lineno, as_python())),
                Some(pos) => {
                    let option = &value[..pos];
                    if option.is_empty() {
                        errors.push((lineno, as_python()));
                    }
                    let key = option.trim_end_matches(py::is_space);
                    let optval = py::strip(&value[pos + 1..]);
                    let idx = self.set_entry(target, &py::lower(key), optval, lineno);
                    touched.push((target, idx));
                    // An empty option name takes no continuation lines (Python tests
                    // the name's truth).
                    current = (!key.is_empty()).then_some((target, idx));
                }
            }
        }
        for c in touched {
            let v = self.value_mut(c);
            let keep = v.trim_end_matches(py::is_space).len();
            v.truncate(keep);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(IniError::Parsing {
                source: source.to_owned(),
                lines: errors,
            })
        }
    }

    fn entries_mut(&mut self, target: Target) -> &mut Vec<Entry> {
        match target {
            Target::Defaults => &mut self.defaults,
            Target::Section(i) => &mut self.sections[i].entries,
        }
    }

    fn value_mut(&mut self, (target, idx): (Target, usize)) -> &mut String {
        &mut self.entries_mut(target)[idx].value
    }

    /// Sets `key` (keeping its position when it exists) and returns its index.
    fn set_entry(&mut self, target: Target, key: &str, value: &str, line: usize) -> usize {
        let shared = shared_key(key);
        let entries = self.entries_mut(target);
        // A shared key is stored as that very string, so comparing addresses finds it.
        let existing = match shared {
            Some(k) => entries
                .iter()
                .position(|e| matches!(e.key, Cow::Borrowed(b) if std::ptr::eq(b, k))),
            None => entries
                .iter()
                .position(|e| matches!(&e.key, Cow::Owned(o) if o == key)),
        };
        match existing {
            Some(i) => {
                let e = &mut entries[i];
                e.value.clear();
                e.value.push_str(value);
                e.line = line;
                i
            }
            None => {
                entries.push(Entry {
                    key: shared.map_or_else(|| Cow::Owned(key.to_owned()), Cow::Borrowed),
                    value: value.to_owned(),
                    line,
                });
                entries.len() - 1
            }
        }
    }

    /// The sections in order of first appearance (without `[DEFAULT]`).
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The section called `name`.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.index.get(name).map(|&i| &self.sections[i])
    }

    /// Whether a section called `name` exists (`[DEFAULT]` does not count).
    pub fn has_section(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The entries of `[DEFAULT]`.
    pub fn defaults(&self) -> &[Entry] {
        &self.defaults
    }

    /// The value of `key` in `section`, falling back to `[DEFAULT]`; `None` when the
    /// section or the key is absent.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let s = self.section(section)?;
        s.get(key).or_else(|| {
            self.defaults
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.value.as_str())
        })
    }

    /// The keys of `section` followed by the `[DEFAULT]` keys it does not set.
    pub fn options(&self, section: &str) -> Vec<&str> {
        let Some(s) = self.section(section) else {
            return Vec::new();
        };
        let mut keys: Vec<&str> = s.entries.iter().map(|e| &*e.key).collect();
        for d in &self.defaults {
            if s.get(&d.key).is_none() {
                keys.push(&d.key);
            }
        }
        keys
    }

    /// Replaces the literal text `%(here)s` in every section's values (and in the
    /// `[DEFAULT]` values each section inherits, which are then copied into the
    /// section), as Supervisor does after reading each file when `[include]` exists.
    pub(crate) fn expand_here(&mut self, here: &str) {
        const HERE: &str = "%(here)s";
        let defaults = self.defaults.clone();
        for s in &mut self.sections {
            for d in &defaults {
                if s.get(&d.key).is_none() && d.value.contains(HERE) {
                    let v = d.value.replace(HERE, here);
                    s.entries.push(Entry {
                        key: d.key.clone(),
                        value: v,
                        line: d.line,
                    });
                }
            }
            for e in &mut s.entries {
                if e.value.contains(HERE) {
                    e.value = e.value.replace(HERE, here);
                }
            }
        }
    }
}

/// Every option name Supervisor reads, sorted by length then text (so that a lookup
/// mostly compares lengths), so that the lexer can share these strings instead of
/// allocating a copy of each key it reads.
const KNOWN_KEYS: [&str; 64] = [
    "file",
    "port",
    "user",
    "chmod",
    "chown",
    "files",
    "umask",
    "events",
    "minfds",
    "prompt",
    "silent",
    "socket",
    "command",
    "logfile",
    "pidfile",
    "loglevel",
    "minprocs",
    "nodaemon",
    "numprocs",
    "password",
    "priority",
    "programs",
    "username",
    "autostart",
    "directory",
    "exitcodes",
    "nocleanup",
    "serverurl",
    "startsecs",
    "identifier",
    "stopsignal",
    "strip_ansi",
    "autorestart",
    "buffer_size",
    "childlogdir",
    "environment",
    "killasgroup",
    "socket_mode",
    "stopasgroup",
    "history_file",
    "process_name",
    "socket_owner",
    "startretries",
    "stopwaitsecs",
    "stderr_syslog",
    "stdout_syslog",
    "numprocs_start",
    "result_handler",
    "socket_backlog",
    "stderr_logfile",
    "stdout_logfile",
    "logfile_backups",
    "redirect_stderr",
    "logfile_maxbytes",
    "stderr_events_enabled",
    "stdout_events_enabled",
    "stderr_logfile_backups",
    "stdout_logfile_backups",
    "supervisor.ctl_factory",
    "stderr_capture_maxbytes",
    "stderr_logfile_maxbytes",
    "stdout_capture_maxbytes",
    "stdout_logfile_maxbytes",
    "supervisor.rpcinterface_factory",
];

/// The [`KNOWN_KEYS`] string equal to `key`, if any.
fn shared_key(key: &str) -> Option<&'static str> {
    KNOWN_KEYS
        .binary_search_by(|k| k.len().cmp(&key.len()).then_with(|| k.cmp(&key)))
        .ok()
        .map(|i| KNOWN_KEYS[i])
}

/// Python's `\[(?P<header>.+)\]` matched at the start of an already stripped line.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Ini {
        Ini::parse(text, "t.conf").unwrap()
    }

    #[test]
    fn delimiters_comments_and_case() {
        let ini = one("[Program:X]\nKey: a = b\nurl=http://h/#x\ncmd=bash -c 'a ; b'\n#c\n ;d\n");
        assert_eq!(ini.get("Program:X", "key"), Some("a = b"));
        assert_eq!(ini.get("Program:X", "url"), Some("http://h/#x"));
        assert_eq!(ini.get("Program:X", "cmd"), Some("bash -c 'a"));
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let ini = one("[s]\nfiles = a\n  b\n\n  c\n\nx=1\n");
        assert_eq!(ini.get("s", "files"), Some("a\nb\n\nc"));
        assert_eq!(ini.get("s", "x"), Some("1"));
    }

    #[test]
    fn duplicates_merge() {
        let ini = one("[s]\na=1\nb=2\n[t]\n[s]\na=3\n");
        let s = ini.section("s").unwrap();
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].value, "3");
        assert_eq!(s.entries[0].line, 6);
        assert_eq!(ini.sections().len(), 2);
    }

    #[test]
    fn crlf_and_cr() {
        let ini = one("[s]\r\na=1\r\rb=2\r");
        assert_eq!(ini.get("s", "a"), Some("1"));
        assert_eq!(ini.get("s", "b"), Some("2"));
    }

    #[test]
    fn defaults_are_inherited() {
        let ini = one("[DEFAULT]\nx=1\n[s]\n");
        assert_eq!(ini.get("s", "x"), Some("1"));
        assert!(!ini.has_section("DEFAULT"));
        assert_eq!(ini.options("s"), vec!["x"]);
    }

    #[test]
    fn errors_read_like_python() {
        let e = Ini::parse("a=1\n", "f.conf").unwrap_err();
        assert_eq!(
            e.to_string(),
            "File contains no section headers.\nfile: 'f.conf', line: 1\n'a=1\\n'"
        );
        let e = Ini::parse("[s]\nbogus\n=x\n", "f.conf").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Source contains parsing errors: 'f.conf'\n\t[line  2]: 'bogus\\n'\n\t[line  3]: '=x\\n'"
        );
    }

    #[test]
    fn known_keys_are_shared_and_others_owned() {
        assert!(
            KNOWN_KEYS
                .windows(2)
                .all(|w| (w[0].len(), w[0]) < (w[1].len(), w[1]))
        );
        assert_eq!(
            shared_key("supervisor.rpcinterface_factory"),
            Some("supervisor.rpcinterface_factory")
        );
        assert_eq!(shared_key("commands"), None);
        let ini = one("[s]\nCommand=a\nmy_key=b\n");
        let keys: Vec<_> = ini.sections()[0].entries.iter().map(|e| &e.key).collect();
        assert!(matches!(keys[0], Cow::Borrowed("command")));
        assert!(matches!(keys[1], Cow::Owned(k) if k == "my_key"));
        let ini = one("[s]\ncommand=a\nmy=1\nCOMMAND=b\nMy=2\n");
        assert_eq!(ini.sections()[0].entries.len(), 2);
        assert_eq!(
            (ini.get("s", "command"), ini.get("s", "my")),
            (Some("b"), Some("2"))
        );
    }

    #[test]
    fn header_is_greedy_and_unanchored() {
        let ini = one("[a]b] trailing\nk=v\n");
        assert_eq!(ini.get("a]b", "k"), Some("v"));
    }
}
