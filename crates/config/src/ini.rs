//! The INI lexer: Python's `RawConfigParser` exactly as Supervisor configures it
//! (`inline_comment_prefixes=(';', '#')`, `strict=False`, no interpolation).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::fxhash::FxBuild;
use crate::py;

/// One `key = value` of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The key, case-folded as Python's `str.lower`. Option names Supervisor reads
    /// are shared static strings; other keys are owned.
    pub key: Cow<'static, str>,
    /// The value: inline comments cut, continuation lines joined with `\n`, stripped.
    /// A one-line value is borrowed from the text that was read.
    pub value: Cow<'a, str>,
    /// The 1-based line that last set this key.
    pub line: usize,
    /// Which of Supervisor's option names `key` is, if any.
    known: Option<Key>,
}

impl Entry<'_> {
    /// Which of Supervisor's option names the key is, if any.
    pub(crate) fn known(&self) -> Option<Key> {
        self.known
    }
}

/// One `[name]` section. Repeated headers (in one file or across files) are merged
/// into the first one; a repeated key keeps its first position and takes the last value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// The name between the brackets, verbatim (`program:foo`).
    pub name: Cow<'a, str>,
    /// The source (file name) that first declared the section, shared by the
    /// sections of one file.
    pub source: Arc<str>,
    /// The entries, in order of first appearance.
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Section<'a> {
    /// The value of `key` in this section only (no `[DEFAULT]` fallback).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| &*e.value)
    }

    /// The entry for `key` in this section only.
    pub fn entry(&self, key: &str) -> Option<&Entry<'a>> {
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
/// `[DEFAULT]` section, whose keys every section inherits. Names and one-line values
/// borrow from the text read (hence the lifetime).
///
/// ```
/// use supervisor_config::Ini;
/// let ini = Ini::parse("[program:a]\nCommand = cat ; comment\n", "a.conf").unwrap();
/// assert_eq!(ini.get("program:a", "command"), Some("cat"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini<'a> {
    sections: Vec<Section<'a>>,
    index: HashMap<Cow<'a, str>, usize, FxBuild>,
    defaults: Vec<Entry<'a>>,
    /// Per section, then for `[DEFAULT]`: a bit per [`Key`] the entries hold, so that
    /// setting a key seen for the first time skips looking for it.
    known_sets: Vec<u64>,
    defaults_known: u64,
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
    let bytes = line.as_bytes();
    let mut state: [Option<usize>; 2] = [Some(usize::MAX), Some(usize::MAX)];
    let prefixes = [b';', b'#'];
    loop {
        let mut best: Option<usize> = None;
        let mut any = false;
        for (slot, prefix) in state.iter_mut().zip(prefixes) {
            let Some(prev) = *slot else { continue };
            let from = prev.wrapping_add(1);
            let index = py::find_either(bytes, from, prefix, prefix);
            match bytes.get(index) {
                None => *slot = None,
                Some(_) => {
                    any = true;
                    *slot = Some(index);
                    let qualifies = match index.checked_sub(1).map(|p| bytes[p]) {
                        None => true,
                        Some(b) if b.is_ascii() => !py::is_plain_ascii(b),
                        Some(_) => line[..index].chars().next_back().is_some_and(py::is_space),
                    };
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

impl<'a> Ini<'a> {
    /// An empty document.
    pub fn new() -> Ini<'a> {
        Ini::default()
    }

    /// Lexes `text`, naming it `source` in errors.
    pub fn parse(text: &'a str, source: &str) -> Result<Ini<'a>, IniError> {
        let mut ini = Ini::new();
        ini.read(text, source)?;
        Ok(ini)
    }

    /// Lexes `text` into this document, merging sections that already exist, as a
    /// second `RawConfigParser.read` does.
    pub fn read(&mut self, text: &'a str, source: &str) -> Result<(), IniError> {
        self.read_with(text, source, Cow::Borrowed)
    }

    /// [`Ini::read`] for a text that does not live as long as the document: what is
    /// kept of it is copied.
    pub(crate) fn read_copied(&mut self, text: &str, source: &str) -> Result<(), IniError> {
        self.read_with(text, source, |s| Cow::Owned(s.to_owned()))
    }

    /// The lexer; `keep` turns a slice of `text` into what the document stores.
    fn read_with<'t>(
        &mut self,
        text: &'t str,
        source: &str,
        keep: impl Fn(&'t str) -> Cow<'a, str>,
    ) -> Result<(), IniError> {
        let shared_source: Arc<str> = Arc::from(source);
        let mut current: Option<(Target, usize)> = None;
        // Blank lines seen since the current value's last line. Python appends an
        // empty line to the value for each and right-strips the joined value at the
        // end, so they only count when a continuation line follows.
        let mut blank_lines = 0usize;
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
            let value = match comment_start {
                None => trimmed,
                Some(c) => py::strip(&line[..c]),
            };
            if value.is_empty() {
                if comment_start.is_none() && cursect.is_some() && current.is_some() {
                    blank_lines += 1;
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
                let v = self.value_mut(c).to_mut();
                for _ in 0..std::mem::take(&mut blank_lines) {
                    v.push('\n');
                }
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
                    let name = keep(header);
                    self.index.insert(name.clone(), idx);
                    self.sections.push(Section {
                        name,
                        source: shared_source.clone(),
                        entries: Vec::with_capacity(16),
                    });
                    self.known_sets.push(0);
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
                    let key = py::rstrip(option);
                    let optval = py::strip(&value[pos + 1..]);
                    let idx = self.set_entry(target, key, keep(optval), lineno);
                    // An empty option name takes no continuation lines (Python tests
                    // the name's truth).
                    current = (!key.is_empty()).then_some((target, idx));
                    blank_lines = 0;
                }
            }
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

    fn entries_mut(&mut self, target: Target) -> &mut Vec<Entry<'a>> {
        self.target_mut(target).0
    }

    fn target_mut(&mut self, target: Target) -> (&mut Vec<Entry<'a>>, &mut u64) {
        match target {
            Target::Defaults => (&mut self.defaults, &mut self.defaults_known),
            Target::Section(i) => (&mut self.sections[i].entries, &mut self.known_sets[i]),
        }
    }

    fn value_mut(&mut self, (target, idx): (Target, usize)) -> &mut Cow<'a, str> {
        &mut self.entries_mut(target)[idx].value
    }

    /// Sets `key` (keeping its position when it exists) and returns its index.
    fn set_entry(&mut self, target: Target, key: &str, value: Cow<'a, str>, line: usize) -> usize {
        let folded = fold_key(key);
        let (entries, known_set) = self.target_mut(target);
        let existing = match &folded {
            Folded::Known(k) if *known_set & k.bit() == 0 => {
                *known_set |= k.bit();
                None
            }
            Folded::Known(k) => entries.iter().position(|e| e.known == Some(*k)),
            Folded::Other(name) => entries
                .iter()
                .position(|e| e.known.is_none() && e.key == **name),
        };
        match existing {
            Some(i) => {
                let e = &mut entries[i];
                e.value = value;
                e.line = line;
                i
            }
            None => {
                let (key, known) = match folded {
                    Folded::Known(k) => (Cow::Borrowed(k.name()), Some(k)),
                    Folded::Other(name) => (Cow::Owned(name.into_owned()), None),
                };
                entries.push(Entry {
                    key,
                    value,
                    line,
                    known,
                });
                entries.len() - 1
            }
        }
    }

    /// The sections in order of first appearance (without `[DEFAULT]`).
    pub fn sections(&self) -> &[Section<'a>] {
        &self.sections
    }

    /// The section called `name`.
    pub fn section(&self, name: &str) -> Option<&Section<'a>> {
        self.index.get(name).map(|&i| &self.sections[i])
    }

    /// Whether a section called `name` exists (`[DEFAULT]` does not count).
    pub fn has_section(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The entries of `[DEFAULT]`.
    pub fn defaults(&self) -> &[Entry<'a>] {
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
                .map(|e| &*e.value)
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
        for (s, known_set) in self.sections.iter_mut().zip(&mut self.known_sets) {
            for d in &defaults {
                if s.get(&d.key).is_none() && d.value.contains(HERE) {
                    *known_set |= d.known.map_or(0, Key::bit);
                    s.entries.push(Entry {
                        key: d.key.clone(),
                        value: Cow::Owned(d.value.replace(HERE, here)),
                        line: d.line,
                        known: d.known,
                    });
                }
            }
            for e in &mut s.entries {
                if e.value.contains(HERE) {
                    e.value = Cow::Owned(e.value.replace(HERE, here));
                }
            }
        }
    }
}

/// A key after Python's `str.lower`: one of Supervisor's option names, or another.
enum Folded<'k> {
    Known(Key),
    Other(Cow<'k, str>),
}

fn fold_key(key: &str) -> Folded<'_> {
    if key.is_ascii() {
        match Key::find(key) {
            Some(k) => Folded::Known(k),
            None if key.bytes().any(|b| b.is_ascii_uppercase()) => {
                Folded::Other(Cow::Owned(key.to_ascii_lowercase()))
            }
            None => Folded::Other(Cow::Borrowed(key)),
        }
    } else {
        let lower = key.to_lowercase();
        match Key::find(&lower) {
            Some(k) => Folded::Known(k),
            None => Folded::Other(Cow::Owned(lower)),
        }
    }
}

/// Declares [`Key`] with one variant per option name.
macro_rules! option_names {
    ($($variant:ident = $name:literal,)*) => {
        /// Every option name Supervisor reads. The lexer tags each entry whose key is
        /// one of them, so that looking an option up compares a byte, not text, and
        /// the key is a shared static string, not a copy.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Key {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Key {
            /// Every key, in declaration order.
            pub(crate) const ALL: &[Key] = &[$(Key::$variant,)*];
            /// Their names, in the same order.
            const NAMES: &[&str] = &[$($name,)*];
        }
    };
}

option_names! {
    File = "file",
    Port = "port",
    User = "user",
    Chmod = "chmod",
    Chown = "chown",
    Files = "files",
    Umask = "umask",
    Events = "events",
    Minfds = "minfds",
    Prompt = "prompt",
    Silent = "silent",
    Socket = "socket",
    Command = "command",
    Logfile = "logfile",
    Pidfile = "pidfile",
    Loglevel = "loglevel",
    Minprocs = "minprocs",
    Nodaemon = "nodaemon",
    Numprocs = "numprocs",
    Password = "password",
    Priority = "priority",
    Programs = "programs",
    Username = "username",
    Autostart = "autostart",
    Directory = "directory",
    Exitcodes = "exitcodes",
    Nocleanup = "nocleanup",
    Serverurl = "serverurl",
    Startsecs = "startsecs",
    Identifier = "identifier",
    Stopsignal = "stopsignal",
    StripAnsi = "strip_ansi",
    Autorestart = "autorestart",
    BufferSize = "buffer_size",
    Childlogdir = "childlogdir",
    Environment = "environment",
    Killasgroup = "killasgroup",
    SocketMode = "socket_mode",
    Stopasgroup = "stopasgroup",
    HistoryFile = "history_file",
    ProcessName = "process_name",
    SocketOwner = "socket_owner",
    Startretries = "startretries",
    Stopwaitsecs = "stopwaitsecs",
    StderrSyslog = "stderr_syslog",
    StdoutSyslog = "stdout_syslog",
    NumprocsStart = "numprocs_start",
    ResultHandler = "result_handler",
    SocketBacklog = "socket_backlog",
    StderrLogfile = "stderr_logfile",
    StdoutLogfile = "stdout_logfile",
    LogfileBackups = "logfile_backups",
    RedirectStderr = "redirect_stderr",
    LogfileMaxbytes = "logfile_maxbytes",
    StderrEventsEnabled = "stderr_events_enabled",
    StdoutEventsEnabled = "stdout_events_enabled",
    StderrLogfileBackups = "stderr_logfile_backups",
    StdoutLogfileBackups = "stdout_logfile_backups",
    SupervisorCtlFactory = "supervisor.ctl_factory",
    StderrCaptureMaxbytes = "stderr_capture_maxbytes",
    StderrLogfileMaxbytes = "stderr_logfile_maxbytes",
    StdoutCaptureMaxbytes = "stdout_capture_maxbytes",
    StdoutLogfileMaxbytes = "stdout_logfile_maxbytes",
    SupervisorRpcinterfaceFactory = "supervisor.rpcinterface_factory",
}

/// The size of [`KEY_SLOTS`], a power of two about four times the number of keys so
/// that a probe mostly ends at its first slot.
const SLOT_COUNT: usize = 256;

/// Where probing for a (non-empty) key starts: a hash of its length and three of its
/// bytes, ASCII-lower-cased.
const fn first_slot(b: &[u8]) -> usize {
    let n = b.len();
    let h = (n as u32).wrapping_mul(0x9E37_79B1)
        ^ (b[0].to_ascii_lowercase() as u32).wrapping_mul(0x85EB_CA6B)
        ^ (b[n / 2].to_ascii_lowercase() as u32).wrapping_mul(0x27D4_EB2F)
        ^ (b[n - 1].to_ascii_lowercase() as u32).wrapping_mul(0xC2B2_AE35);
    ((h ^ (h >> 15)) as usize) & (SLOT_COUNT - 1)
}

/// An open-addressing table (linear probing) of [`Key`] indexes; `u8::MAX` is empty.
const KEY_SLOTS: [u8; SLOT_COUNT] = {
    let mut slots = [u8::MAX; SLOT_COUNT];
    let mut i = 0;
    while i < Key::NAMES.len() {
        let mut s = first_slot(Key::NAMES[i].as_bytes());
        while slots[s] != u8::MAX {
            s = (s + 1) & (SLOT_COUNT - 1);
        }
        slots[s] = i as u8;
        i += 1;
    }
    slots
};

// A key's bit must fit in the `u64` sets of `Ini`.
const _: () = assert!(Key::ALL.len() <= 64);

impl Key {
    /// This key's bit in a set of keys.
    fn bit(self) -> u64 {
        1 << (self as u32)
    }

    /// The option name.
    pub(crate) fn name(self) -> &'static str {
        Key::NAMES[self as usize]
    }

    /// The key whose name equals `s` ignoring ASCII case.
    fn find(s: &str) -> Option<Key> {
        let b = s.as_bytes();
        if b.is_empty() {
            return None;
        }
        let mut slot = first_slot(b);
        loop {
            let id = usize::from(KEY_SLOTS[slot]);
            let name = Key::NAMES.get(id)?;
            if name.len() == b.len()
                && (same_bytes(name.as_bytes(), b) || name.as_bytes().eq_ignore_ascii_case(b))
            {
                return Some(Key::ALL[id]);
            }
            slot = (slot + 1) & (SLOT_COUNT - 1);
        }
    }
}

/// Whether two byte strings of the same length are equal, compared 8 bytes at a
/// time inline (option names are short; a `memcmp` call costs more).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], i: usize| s.get(i..i + 8).and_then(|w| w.first_chunk::<8>().copied());
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    // The last 8 bytes, overlapping the words already compared.
    word(a, n - 8) == word(b, n - 8)
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

    fn one(text: &str) -> Ini<'_> {
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
        for (i, name) in Key::NAMES.iter().enumerate() {
            assert_eq!(Key::find(name), Some(Key::ALL[i]));
            assert_eq!(Key::find(&name.to_uppercase()), Some(Key::ALL[i]));
            assert_eq!(Key::ALL[i].name(), *name);
        }
        for other in [
            "",
            "commands",
            "comman",
            "x",
            "supervisor.rpcinterface_factorY_",
        ] {
            assert_eq!(Key::find(other), None, "{other}");
        }
        // Python lower-cases the Kelvin sign to `k`.
        let ini = one("[s]\n\u{212a}illasgroup=true\n");
        assert_eq!(ini.sections()[0].entries[0].known(), Some(Key::Killasgroup));
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
    fn same_bytes_compares_every_byte() {
        for n in 0..20 {
            let a: Vec<u8> = (0..n).map(|i| b'a' + i as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for i in 0..n {
                let mut b = a.clone();
                b[i] = b'_';
                assert!(!same_bytes(&a, &b), "{n} {i}");
            }
        }
    }

    #[test]
    fn one_line_values_and_names_borrow_the_text() {
        let ini = one("[s]\na = 1\nb = x\n\n  y\n\n\n[t]\n");
        let s = &ini.sections()[0];
        assert!(matches!(s.name, Cow::Borrowed("s")));
        assert!(matches!(s.entries[0].value, Cow::Borrowed("1")));
        assert_eq!(s.entries[1].value, "x\n\ny");
        let ini = one("[s]\na = 1\n\n\n[t]\n");
        assert!(matches!(
            ini.sections()[0].entries[0].value,
            Cow::Borrowed("1")
        ));
        let mut copied = Ini::new();
        copied.read_copied("[s]\na = 1\n", "t.conf").unwrap();
        assert_eq!(copied, one("[s]\na = 1\n"));
    }

    #[test]
    fn header_is_greedy_and_unanchored() {
        let ini = one("[a]b] trailing\nk=v\n");
        assert_eq!(ini.get("a]b", "k"), Some("v"));
    }
}
