//! What loading a configuration needs from the host, injected so that tests and fuzzing
//! run without a real environment: [`Environment`] (variables, host name, working
//! directory, temporary directory, uid) and [`FileSystem`] (files, directories and the
//! account database), with [`OsFs`] for the real system and [`MemFs`] for tests.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::fxhash::FxBuild;

/// The process environment the configuration is expanded against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// Environment variables in the order the process received them; each becomes an
    /// `ENV_<name>` expansion.
    pub vars: Vec<(String, String)>,
    /// `%(host_node_name)s`: the node name (`uname -n`).
    pub host_node_name: String,
    /// The working directory relative paths are resolved against.
    pub cwd: PathBuf,
    /// The default `childlogdir` (Python's `tempfile.gettempdir()`).
    pub tempdir: PathBuf,
    /// The real uid of the loading process (FastCGI socket ownership depends on it).
    pub uid: u32,
}

impl Environment {
    /// An environment with no variables, node name `localhost`, the given working
    /// directory, `/tmp` as temporary directory and uid 1000: a blank slate for tests.
    pub fn new(cwd: impl Into<PathBuf>) -> Environment {
        Environment {
            vars: Vec::new(),
            host_node_name: "localhost".to_owned(),
            cwd: cwd.into(),
            tempdir: PathBuf::from("/tmp"),
            uid: 1000,
        }
    }

    /// The environment of the running process. Variables that are not valid UTF-8
    /// are converted lossily.
    pub fn from_process() -> io::Result<Environment> {
        let vars = std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        let host_node_name = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Environment {
            vars,
            host_node_name,
            cwd: std::env::current_dir()?,
            tempdir: std::env::temp_dir(),
            uid: nix::unistd::getuid().as_raw(),
        })
    }

    /// Adds (or replaces) a variable; returns `self` for chaining.
    pub fn with_var(mut self, name: &str, value: &str) -> Environment {
        match self.vars.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.vars.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    /// The value of a variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn cwd_str(&self) -> String {
        self.cwd.to_string_lossy().into_owned()
    }
}

/// One account of the user database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name (not the path).
    pub name: String,
    /// Whether it is a directory (following symbolic links).
    pub is_dir: bool,
}

/// The host facilities the loader reads: files, directories and the account database.
/// Paths given to it are absolute.
pub trait FileSystem {
    /// The contents of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether the path exists, following symbolic links (`os.path.exists`).
    fn exists(&self, path: &Path) -> bool;
    /// Whether the path exists without following a final symbolic link
    /// (`os.path.lexists`).
    fn lexists(&self, path: &Path) -> bool {
        self.exists(path)
    }
    /// Whether the path is a directory, following symbolic links.
    fn is_dir(&self, path: &Path) -> bool;
    /// The entries of a directory, in any order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// The account called `name`.
    fn user_by_name(&self, name: &str) -> Option<UserEntry>;
    /// The account with this uid.
    fn user_by_uid(&self, uid: u32) -> Option<UserEntry>;
    /// The gid of the group called `name`.
    fn group_by_name(&self, name: &str) -> Option<u32>;
    /// Whether a group with this gid exists.
    fn group_exists(&self, gid: u32) -> bool;
}

/// The real file system and account database.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsFs;

fn user_entry(u: nix::unistd::User) -> UserEntry {
    UserEntry {
        name: u.name,
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
        home: u.dir.to_string_lossy().into_owned(),
    }
}

impl FileSystem for OsFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn lexists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir: entry.path().is_dir(),
            });
        }
        Ok(out)
    }

    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(user_entry)
    }

    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(user_entry)
    }

    fn group_by_name(&self, name: &str) -> Option<u32> {
        nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .map(|g| g.gid.as_raw())
    }

    fn group_exists(&self, gid: u32) -> bool {
        matches!(
            nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid)),
            Ok(Some(_))
        )
    }
}

/// An in-memory file system and account database for tests and fuzzing. Paths are
/// normalized lexically (there are no symbolic links); adding a file adds its parent
/// directories. It starts with `/`, `/tmp` and the user `root` (uid 0, gid 0, group
/// `root`).
#[derive(Clone, Debug)]
pub struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    users: Vec<UserEntry>,
    groups: Vec<(String, u32)>,
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl MemFs {
    /// A file system holding `/` and `/tmp`, with the `root` user and group.
    pub fn new() -> MemFs {
        let mut dirs = BTreeSet::new();
        dirs.insert("/".to_owned());
        dirs.insert("/tmp".to_owned());
        MemFs {
            files: BTreeMap::new(),
            dirs,
            users: vec![UserEntry {
                name: "root".to_owned(),
                uid: 0,
                gid: 0,
                home: "/root".to_owned(),
            }],
            groups: vec![("root".to_owned(), 0)],
        }
    }

    fn key(path: &Path) -> String {
        MemFs::lookup_key(path).into_owned()
    }

    /// [`MemFs::key`] without allocating when the path is already normal.
    fn lookup_key(path: &Path) -> Cow<'_, str> {
        match path.to_string_lossy() {
            Cow::Borrowed(p) => normpath_cow(p),
            Cow::Owned(p) => Cow::Owned(normpath(&p)),
        }
    }

    /// Adds a directory and its parents.
    pub fn add_dir(&mut self, path: impl AsRef<Path>) -> &mut MemFs {
        let mut p = MemFs::key(path.as_ref());
        loop {
            self.dirs.insert(p.clone());
            let (head, _) = split(&p);
            if head == p || head.is_empty() {
                break;
            }
            p = head.to_owned();
        }
        self
    }

    /// Adds a file (and its parent directories).
    pub fn add_file(&mut self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &mut MemFs {
        let key = MemFs::key(path.as_ref());
        let (head, _) = split(&key);
        let head = head.to_owned();
        self.add_dir(head);
        self.files.insert(key, contents.as_ref().to_vec());
        self
    }

    /// Adds an account.
    pub fn add_user(&mut self, name: &str, uid: u32, gid: u32, home: &str) -> &mut MemFs {
        self.users.push(UserEntry {
            name: name.to_owned(),
            uid,
            gid,
            home: home.to_owned(),
        });
        self
    }

    /// Adds a group.
    pub fn add_group(&mut self, name: &str, gid: u32) -> &mut MemFs {
        self.groups.push((name.to_owned(), gid));
        self
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let key = MemFs::key(path);
        match self.files.get(&key) {
            Some(c) => Ok(c.clone()),
            None if self.dirs.contains(&key) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }

    fn exists(&self, path: &Path) -> bool {
        let key = MemFs::lookup_key(path);
        self.files.contains_key(&*key) || self.dirs.contains(&*key)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(&*MemFs::lookup_key(path))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let key = MemFs::key(path);
        if !self.dirs.contains(&key) {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        let prefix = if key.ends_with('/') {
            key.clone()
        } else {
            format!("{key}/")
        };
        let mut out = Vec::new();
        let child = |p: &String| -> Option<String> {
            let rest = p.strip_prefix(&prefix)?;
            (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_owned())
        };
        for d in &self.dirs {
            if let Some(name) = child(d) {
                out.push(DirEntry { name, is_dir: true });
            }
        }
        for f in self.files.keys() {
            if let Some(name) = child(f) {
                out.push(DirEntry {
                    name,
                    is_dir: false,
                });
            }
        }
        Ok(out)
    }

    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        self.users.iter().find(|u| u.name == name).cloned()
    }

    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        self.users.iter().find(|u| u.uid == uid).cloned()
    }

    fn group_by_name(&self, name: &str) -> Option<u32> {
        self.groups.iter().find(|g| g.0 == name).map(|g| g.1)
    }

    fn group_exists(&self, gid: u32) -> bool {
        self.groups.iter().any(|g| g.1 == gid)
    }
}

/// Python's `os.path.split` on POSIX.
/// A [`FileSystem`] that answers each directory check once for the length of one
/// load: Supervisor checks every process's log file directory, which is usually the
/// same few directories (and, on the real file system, a `stat` each time).
pub(crate) struct DirCache<'a> {
    fs: &'a dyn FileSystem,
    dirs: RefCell<HashMap<Vec<u8>, bool, FxBuild>>,
}

impl<'a> DirCache<'a> {
    pub(crate) fn new(fs: &'a dyn FileSystem) -> DirCache<'a> {
        DirCache {
            fs,
            dirs: RefCell::new(HashMap::default()),
        }
    }
}

impl FileSystem for DirCache<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.fs.read(path)
    }

    fn exists(&self, path: &Path) -> bool {
        self.fs.exists(path)
    }

    fn lexists(&self, path: &Path) -> bool {
        self.fs.lexists(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        let key = path.as_os_str().as_bytes();
        if let Some(&known) = self.dirs.borrow().get(key) {
            return known;
        }
        let answer = self.fs.is_dir(path);
        self.dirs.borrow_mut().insert(key.to_vec(), answer);
        answer
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.fs.read_dir(path)
    }

    fn user_by_name(&self, name: &str) -> Option<UserEntry> {
        self.fs.user_by_name(name)
    }

    fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
        self.fs.user_by_uid(uid)
    }

    fn group_by_name(&self, name: &str) -> Option<u32> {
        self.fs.group_by_name(name)
    }

    fn group_exists(&self, gid: u32) -> bool {
        self.fs.group_exists(gid)
    }
}

pub(crate) fn split(p: &str) -> (&str, &str) {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    let (head, tail) = (&p[..i], &p[i..]);
    if !head.is_empty() && !head.bytes().all(|b| b == b'/') {
        (head.trim_end_matches('/'), tail)
    } else {
        (head, tail)
    }
}

/// Python's `os.path.dirname`.
pub(crate) fn dirname(p: &str) -> &str {
    split(p).0
}

/// Python's `os.path.join` of two parts on POSIX.
pub(crate) fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_owned()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// Python's `os.path.normpath` on POSIX (lexical; `//` at the start is kept).
pub(crate) fn normpath(p: &str) -> String {
    normpath_cow(p).into_owned()
}

/// Whether `normpath` would return `p` unchanged: absolute (with one leading `/`) or
/// relative, with no empty, `.` or `..` component.
fn is_normal(p: &str) -> bool {
    let rel = match p.strip_prefix('/') {
        Some("") => return true,
        Some(r) if r.starts_with('/') => return false,
        Some(r) => r,
        None => p,
    };
    !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// [`normpath`], borrowing `p` when it is already normal.
fn normpath_cow(p: &str) -> Cow<'_, str> {
    if is_normal(p) {
        return Cow::Borrowed(p);
    }
    if p.is_empty() {
        return Cow::Borrowed(".");
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        2
    } else if p.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let mut out = "/".repeat(initial);
    out.push_str(&parts.join("/"));
    if out.is_empty() {
        Cow::Borrowed(".")
    } else {
        Cow::Owned(out)
    }
}

/// Python's `os.path.abspath` against the environment's working directory.
pub(crate) fn abspath(p: &str, env: &Environment) -> String {
    if p.starts_with('/') {
        normpath(p)
    } else {
        normpath(&join(&env.cwd_str(), p))
    }
}

/// Python's `os.path.expanduser`: `~` is `$HOME` (else the account of the loading
/// uid), `~name` the home of that account; unknown accounts leave the path alone.
/// Paths without a leading `~` come back borrowed.
pub(crate) fn expanduser<'p>(p: &'p str, env: &Environment, fs: &dyn FileSystem) -> Cow<'p, str> {
    let Some(rest) = p.strip_prefix('~') else {
        return Cow::Borrowed(p);
    };
    let i = rest.find('/').unwrap_or(rest.len());
    let (user, tail) = rest.split_at(i);
    let home = if user.is_empty() {
        match env.var("HOME") {
            Some(h) => h.to_owned(),
            None => match fs.user_by_uid(env.uid) {
                Some(u) => u.home,
                None => return Cow::Borrowed(p),
            },
        }
    } else {
        match fs.user_by_name(user) {
            Some(u) => u.home,
            None => return Cow::Borrowed(p),
        }
    };
    let home = if home == "/" {
        home
    } else {
        home.trim_end_matches('/').to_owned()
    };
    let out = format!("{home}{tail}");
    Cow::Owned(if out.is_empty() { "/".to_owned() } else { out })
}

/// Supervisor's `normalize_path`: `~` expanded, made absolute against the working
/// directory, normalized lexically.
pub fn normalize_path(p: &str, env: &Environment, fs: &dyn FileSystem) -> String {
    abspath(&expanduser(p, env, fs), env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_matches_python() {
        assert_eq!(normpath("/a/./b/../c//"), "/a/c");
        assert_eq!(normpath("//a"), "//a");
        assert_eq!(normpath("///a"), "/a");
        assert_eq!(normpath("../a/.."), "..");
        assert_eq!(normpath("/.."), "/");
        assert_eq!(normpath(""), ".");
        assert_eq!(normpath("/"), "/");
        assert_eq!(normpath("a/b"), "a/b");
        assert_eq!(normpath("a/"), "a");
        assert_eq!(normpath("/a/b/."), "/a/b");
        assert_eq!(normpath("../a"), "../a");
    }

    #[test]
    fn split_matches_python() {
        assert_eq!(split("/a/b"), ("/a", "b"));
        assert_eq!(split("/a//b"), ("/a", "b"));
        assert_eq!(split("/b"), ("/", "b"));
        assert_eq!(split("b"), ("", "b"));
        assert_eq!(split("/a/"), ("/a", ""));
    }

    #[test]
    fn memfs_lists_children() {
        let mut fs = MemFs::new();
        fs.add_file("/etc/conf.d/a.conf", "x")
            .add_dir("/etc/conf.d/sub");
        let mut names: Vec<_> = fs
            .read_dir(Path::new("/etc/conf.d"))
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.is_dir))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![("a.conf".to_owned(), false), ("sub".to_owned(), true)]
        );
        assert!(fs.is_dir(Path::new("/etc")));
        assert!(fs.exists(Path::new("/etc/../etc/conf.d/a.conf")));
    }

    #[test]
    fn dir_cache_asks_once_per_directory() {
        use std::cell::Cell;
        struct Counting {
            fs: MemFs,
            is_dir_calls: Cell<usize>,
        }
        impl FileSystem for Counting {
            fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
                self.fs.read(path)
            }
            fn exists(&self, path: &Path) -> bool {
                self.fs.exists(path)
            }
            fn is_dir(&self, path: &Path) -> bool {
                self.is_dir_calls.set(self.is_dir_calls.get() + 1);
                self.fs.is_dir(path)
            }
            fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
                self.fs.read_dir(path)
            }
            fn user_by_name(&self, name: &str) -> Option<UserEntry> {
                self.fs.user_by_name(name)
            }
            fn user_by_uid(&self, uid: u32) -> Option<UserEntry> {
                self.fs.user_by_uid(uid)
            }
            fn group_by_name(&self, name: &str) -> Option<u32> {
                self.fs.group_by_name(name)
            }
            fn group_exists(&self, gid: u32) -> bool {
                self.fs.group_exists(gid)
            }
        }
        let mut text = String::from("[supervisord]\n");
        for i in 0..5 {
            text.push_str(&format!(
                "[program:p{i}]\ncommand=x\nstdout_logfile=/var/log/p{i}.log\nstderr_logfile=/var/log/p{i}.err\n"
            ));
        }
        let mut fs = MemFs::new();
        fs.add_dir("/var/log").add_file("/etc/s.conf", text);
        let counting = Counting {
            fs,
            is_dir_calls: Cell::new(0),
        };
        let cache = DirCache::new(&counting);
        for _ in 0..3 {
            assert!(cache.is_dir(Path::new("/var/log")));
            assert!(!cache.is_dir(Path::new("/nope")));
        }
        assert_eq!(counting.is_dir_calls.get(), 2);

        counting.is_dir_calls.set(0);
        crate::load(Path::new("/etc/s.conf"), &Environment::new("/"), &counting).unwrap();
        // `/tmp` (childlogdir) and `/var/log` (ten log files) once each.
        assert_eq!(counting.is_dir_calls.get(), 2);
    }

    #[test]
    fn expanduser_uses_home() {
        let env = Environment::new("/w").with_var("HOME", "/home/me/");
        let fs = MemFs::new();
        assert_eq!(expanduser("~/x", &env, &fs), "/home/me/x");
        assert_eq!(expanduser("~root/x", &env, &fs), "/root/x");
        assert_eq!(expanduser("~nobody/x", &env, &fs), "~nobody/x");
        assert_eq!(normalize_path("a/../b", &env, &fs), "/w/b");
    }
}
