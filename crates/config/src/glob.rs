//! Python's `glob.glob` (non-recursive) over an injected [`FileSystem`]: `*`, `?` and
//! `[...]` per path component, names starting with `.` matched only by a pattern that
//! starts with `.`, literal components checked for existence.

use std::path::Path;

use crate::host::{FileSystem, join, split};

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The paths matching `pattern`, in listing order (callers sort).
pub fn glob(pattern: &str, fs: &dyn FileSystem) -> Vec<String> {
    iglob(pattern, false, fs)
}

fn iglob(pathname: &str, dironly: bool, fs: &dyn FileSystem) -> Vec<String> {
    let (dirname, basename) = split(pathname);
    if !has_magic(pathname) {
        let found = if basename.is_empty() {
            fs.is_dir(Path::new(dirname))
        } else {
            fs.lexists(Path::new(pathname))
        };
        return if found {
            vec![pathname.to_owned()]
        } else {
            Vec::new()
        };
    }
    if dirname.is_empty() {
        return glob_in_dir("", basename, dironly, fs);
    }
    let dirs = if dirname != pathname && has_magic(dirname) {
        iglob(dirname, true, fs)
    } else {
        vec![dirname.to_owned()]
    };
    let mut out = Vec::new();
    for d in dirs {
        for name in glob_in_dir(&d, basename, dironly, fs) {
            out.push(join(&d, &name));
        }
    }
    out
}

fn glob_in_dir(dir: &str, basename: &str, dironly: bool, fs: &dyn FileSystem) -> Vec<String> {
    let listed = if dir.is_empty() { "." } else { dir };
    if !has_magic(basename) {
        let found = if basename.is_empty() {
            fs.is_dir(Path::new(listed))
        } else {
            fs.lexists(Path::new(&join(dir, basename)))
        };
        return if found {
            vec![basename.to_owned()]
        } else {
            Vec::new()
        };
    }
    let Ok(entries) = fs.read_dir(Path::new(listed)) else {
        return Vec::new();
    };
    let pattern: Vec<char> = basename.chars().collect();
    entries
        .into_iter()
        .filter(|e| !dironly || e.is_dir)
        .filter(|e| basename.starts_with('.') || !e.name.starts_with('.'))
        .filter(|e| fnmatch(&e.name, &pattern))
        .map(|e| e.name)
        .collect()
}

/// A `[...]` character class.
struct Class {
    negate: bool,
    items: Vec<(char, char)>,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.items.iter().any(|&(a, b)| a <= c && c <= b) != self.negate
    }
}

/// Parses the class starting after `[` at `i`; returns it and the index after `]`, or
/// `None` when there is no closing `]` (the `[` is then literal).
fn parse_class(pat: &[char], i: usize) -> Option<(Class, usize)> {
    let mut j = i;
    if j < pat.len() && pat[j] == '!' {
        j += 1;
    }
    if j < pat.len() && pat[j] == ']' {
        j += 1;
    }
    while j < pat.len() && pat[j] != ']' {
        j += 1;
    }
    if j >= pat.len() {
        return None;
    }
    let mut stuff = &pat[i..j];
    let negate = stuff.first() == Some(&'!');
    if negate {
        stuff = &stuff[1..];
    }
    let mut items = Vec::new();
    let mut k = 0;
    while k < stuff.len() {
        if k + 2 < stuff.len() && stuff[k + 1] == '-' {
            items.push((stuff[k], stuff[k + 2]));
            k += 3;
        } else {
            items.push((stuff[k], stuff[k]));
            k += 1;
        }
    }
    if negate && items.is_empty() {
        return Some((
            Class {
                negate: false,
                items: vec![('\0', char::MAX)],
            },
            j + 1,
        ));
    }
    Some((Class { negate, items }, j + 1))
}

/// Python's `fnmatch.fnmatchcase` (POSIX: case-sensitive).
fn fnmatch(name: &str, pat: &[char]) -> bool {
    let name: Vec<char> = name.chars().collect();
    match_from(&name, 0, pat, 0)
}

fn match_from(name: &[char], mut n: usize, pat: &[char], mut p: usize) -> bool {
    while p < pat.len() {
        match pat[p] {
            '*' => {
                while p < pat.len() && pat[p] == '*' {
                    p += 1;
                }
                if p == pat.len() {
                    return true;
                }
                return (n..=name.len()).any(|start| match_from(name, start, pat, p));
            }
            '?' => {
                if n >= name.len() {
                    return false;
                }
                n += 1;
                p += 1;
            }
            '[' => match parse_class(pat, p + 1) {
                Some((class, next)) => {
                    if n >= name.len() || !class.matches(name[n]) {
                        return false;
                    }
                    n += 1;
                    p = next;
                }
                None => {
                    if n >= name.len() || name[n] != '[' {
                        return false;
                    }
                    n += 1;
                    p += 1;
                }
            },
            c => {
                if n >= name.len() || name[n] != c {
                    return false;
                }
                n += 1;
                p += 1;
            }
        }
    }
    n == name.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemFs;

    fn m(name: &str, pat: &str) -> bool {
        fnmatch(name, &pat.chars().collect::<Vec<_>>())
    }

    #[test]
    fn fnmatch_basics() {
        assert!(m("a.conf", "*.conf"));
        assert!(!m("a.confx", "*.conf"));
        assert!(m("a1", "a[0-9]"));
        assert!(!m("a1", "a[!0-9]"));
        assert!(m("a[", "a["));
        assert!(m("]", "[]]"));
        assert!(m("x", "?"));
    }

    #[test]
    fn glob_skips_dotfiles_and_lists_dirs() {
        let mut fs = MemFs::new();
        fs.add_file("/e/c/a.conf", "")
            .add_file("/e/c/.h.conf", "")
            .add_file("/e/d/b.conf", "")
            .add_file("/e/c/x.txt", "");
        let mut got = glob("/e/*/*.conf", &fs);
        got.sort();
        assert_eq!(got, vec!["/e/c/a.conf", "/e/d/b.conf"]);
        assert_eq!(glob("/e/c/.*.conf", &fs), vec!["/e/c/.h.conf"]);
        assert_eq!(glob("/e/c/a.conf", &fs), vec!["/e/c/a.conf"]);
        assert!(glob("/e/c/none.conf", &fs).is_empty());
    }
}
