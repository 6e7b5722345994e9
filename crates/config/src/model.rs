//! The typed configuration: what a loaded `supervisord.conf` means.

use std::sync::Arc;

use supervisor_types::{AutoRestart, LogLevel};

/// Where supervisord's own log goes (`[supervisord] logfile`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MainLogFile {
    /// A file: the normalized absolute path.
    Path(String),
    /// The literal value `syslog` (case-sensitive): the syslog service.
    Syslog,
}

/// A process's `stdout_logfile` / `stderr_logfile`. The deprecated value `syslog` is
/// rewritten (as Supervisor does, with a warning) into `None` plus `*_syslog = true`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFile {
    /// `AUTO` (the default): a file Supervisor names in `childlogdir`.
    Auto,
    /// `NONE` / `OFF`: no log file.
    None,
    /// A path (`~` expanded, otherwise as written).
    Path(String),
}

/// A resolved `user[:group]` (`chown`, `socket_owner`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The user id.
    pub uid: u32,
    /// The group id; `None` leaves the group alone (Python's `-1`).
    pub gid: Option<u32>,
}

/// `[supervisord]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisordConfig {
    /// `logfile`, default `$CWD/supervisord.log`.
    pub logfile: MainLogFile,
    /// `logfile_maxbytes`, default 50MB; 0 disables rotation.
    pub logfile_maxbytes: i64,
    /// `logfile_backups`, default 10.
    pub logfile_backups: i64,
    /// `loglevel`, default `info`.
    pub loglevel: LogLevel,
    /// `pidfile`, default `$CWD/supervisord.pid` (normalized absolute path).
    pub pidfile: String,
    /// `umask`, default 022.
    pub umask: u32,
    /// `nodaemon`, default false.
    pub nodaemon: bool,
    /// `silent`, default false.
    pub silent: bool,
    /// `minfds`, default 1024.
    pub minfds: i64,
    /// `minprocs`, default 200.
    pub minprocs: i64,
    /// `nocleanup`, default false.
    pub nocleanup: bool,
    /// `childlogdir`, default the temporary directory; must exist.
    pub childlogdir: String,
    /// `user` as written (resolved when supervisord starts, after command-line
    /// overrides; see [`crate::resolve_user`]).
    pub user: Option<String>,
    /// `directory`; must exist.
    pub directory: Option<String>,
    /// `strip_ansi`, default false.
    pub strip_ansi: bool,
    /// `environment`: pairs added to every child's environment.
    pub environment: Vec<(String, String)>,
    /// `identifier`, default `supervisor`.
    pub identifier: String,
}

/// One `[unix_http_server]` (or `[unix_http_server:name]`) section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixHttpServerConfig {
    /// The part after `:` in the section name, if any.
    pub name: Option<String>,
    /// The section name.
    pub section: String,
    /// `file`: the socket path, normalized.
    pub file: String,
    /// `chmod`, default 0700.
    pub chmod: u32,
    /// `chown`, default unchanged.
    pub chown: Option<Owner>,
    /// `username`.
    pub username: Option<String>,
    /// `password` (plain or `{SHA}` + hex digest).
    pub password: Option<String>,
}

/// One `[inet_http_server]` (or `[inet_http_server:name]`) section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetHttpServerConfig {
    /// The part after `:` in the section name, if any.
    pub name: Option<String>,
    /// The section name.
    pub section: String,
    /// The host to bind, lower-cased; empty means all interfaces (`*:port`).
    pub host: String,
    /// The port.
    pub port: u16,
    /// `username`.
    pub username: Option<String>,
    /// `password` (plain or `{SHA}` + hex digest).
    pub password: Option<String>,
}

/// A `[rpcinterface:x]` or `[ctlplugin:x]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginConfig {
    /// The part after `:` in the section name.
    pub name: String,
    /// The factory spec (`supervisor.rpcinterface:make_main_rpcinterface`).
    pub factory: String,
    /// Every other option of the section, expanded.
    pub extras: Vec<(String, String)>,
}

/// The event types an eventlistener can subscribe to (`events=`).
pub const EVENT_TYPES: [&str; 27] = [
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
];

/// The socket of a `[fcgi-program:x]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FcgiSocket {
    /// `unix:///path`.
    Unix {
        /// The normalized absolute path.
        path: String,
        /// `socket_owner`, or the program's user when it differs from the loader's.
        owner: Option<Owner>,
        /// `socket_mode`, default 0700.
        mode: u32,
        /// `socket_backlog`.
        backlog: Option<i64>,
    },
    /// `tcp://host:port`.
    Tcp {
        /// The host, lower-cased.
        host: String,
        /// The port.
        port: u16,
        /// `socket_backlog`.
        backlog: Option<i64>,
    },
}

impl FcgiSocket {
    /// The URL Supervisor shows and compares (`unix:///p`, `tcp://h:1`).
    pub fn url(&self) -> String {
        match self {
            FcgiSocket::Unix { path, .. } => format!("unix://{path}"),
            FcgiSocket::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
        }
    }
}

/// What kind of group a section made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// `[program:x]` or `[group:x]`.
    Program,
    /// `[eventlistener:x]`.
    EventListener {
        /// `buffer_size`, default 10.
        buffer_size: i64,
        /// `events`: upper-case names from [`EVENT_TYPES`], first mention order.
        events: Vec<String>,
        /// `result_handler`, default `supervisor.dispatchers:default_handler`.
        result_handler: String,
    },
    /// `[fcgi-program:x]`.
    FastCgi {
        /// The socket shared by the group's processes.
        socket: FcgiSocket,
    },
}

/// The variables a process adds to its children's environment: `[supervisord]
/// environment`, one copy shared by every process of a load, overlaid with the
/// program's own `environment=` pairs. It reads as the dictionary Supervisor builds
/// with `copy()` then `update()`: shared names first, in their order, each with the
/// program's value when the program sets it too, then the program's other names in
/// their order.
///
/// Equality is a Python `dict`'s: the same names with the same values, in any order.
///
/// ```
/// use std::sync::Arc;
/// use supervisor_config::ProcessEnvironment;
///
/// let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
/// let shared: Arc<[(String, String)]> = vec![pair("A", "1"), pair("B", "2")].into();
/// let env = ProcessEnvironment::new(shared, vec![pair("C", "3"), pair("A", "x")]);
/// let pairs: Vec<(&str, &str)> = env.iter().collect();
/// assert_eq!(pairs, [("A", "x"), ("B", "2"), ("C", "3")]);
/// assert_eq!(env.get("B"), Some("2"));
/// assert_eq!(env.len(), 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProcessEnvironment {
    shared: Arc<[(String, String)]>,
    /// The program's own pairs, names and values back to back (two allocations per
    /// process instead of one per string).
    own_text: String,
    /// Where each own pair's name and value end in `own_text`.
    own_ends: Ends,
}

impl ProcessEnvironment {
    /// The `shared` pairs overlaid with `own`. Names are unique within each (as the
    /// parser makes them); a repeated name in `own` keeps its first position and its
    /// last value.
    pub fn new(shared: Arc<[(String, String)]>, own: Vec<(String, String)>) -> Self {
        let text = own.iter().map(|(k, v)| k.len() + v.len()).sum();
        let mut env = ProcessEnvironment::with_capacity(shared, text, own.len());
        for (k, v) in &own {
            env.set_own(k, v);
        }
        env
    }

    /// An environment with no own pairs yet, with room for `pairs` of them whose
    /// names and values add up to `text` bytes.
    pub(crate) fn with_capacity(
        shared: Arc<[(String, String)]>,
        text: usize,
        pairs: usize,
    ) -> Self {
        ProcessEnvironment {
            shared,
            own_text: String::with_capacity(text),
            own_ends: Ends::with_capacity(pairs),
        }
    }

    /// Sets an own pair: a new name goes last, a known one keeps its place.
    pub(crate) fn set_own(&mut self, name: &str, value: &str) {
        let existing = self.own().position(|(k, _)| k == name);
        match existing {
            None => {
                self.own_text.push_str(name);
                let name_end = self.own_text.len();
                self.own_text.push_str(value);
                self.own_ends.push((name_end, self.own_text.len()));
            }
            Some(i) => {
                // Rare (a name repeated in one `environment=`): rebuild.
                let mut pairs: Vec<(String, String)> = self
                    .own()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                value.clone_into(&mut pairs[i].1);
                self.own_text.clear();
                self.own_ends.clear();
                for (k, v) in &pairs {
                    self.set_own(k, v);
                }
            }
        }
    }

    /// The value a child gets for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.own_value(name).or_else(|| {
            self.shared
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        })
    }

    /// The pairs, in the order described on the type.
    pub fn iter(&self) -> EnvIter<'_> {
        EnvIter { env: self, pos: 0 }
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.shared.len() + self.own().filter(|(k, _)| !self.in_shared(k)).count()
    }

    /// Whether there are no names at all.
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty() && self.own_ends.is_empty()
    }

    /// The pairs as owned strings, in iteration order.
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// The `[supervisord] environment` part.
    pub fn shared(&self) -> &Arc<[(String, String)]> {
        &self.shared
    }

    /// The program's own pairs, in their order.
    pub fn own(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.own_ends.len()).map(|i| self.own_pair(i))
    }

    fn own_pair(&self, i: usize) -> (&str, &str) {
        let ends = self.own_ends.as_slice();
        let start = i.checked_sub(1).map_or(0, |p| ends[p].1);
        let (name_end, value_end) = ends[i];
        (
            &self.own_text[start..name_end],
            &self.own_text[name_end..value_end],
        )
    }

    fn own_value(&self, name: &str) -> Option<&str> {
        self.own().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn in_shared(&self, name: &str) -> bool {
        self.shared.iter().any(|(k, _)| k == name)
    }
}

/// How many own pairs a [`ProcessEnvironment`] keeps without a second allocation.
const INLINE_PAIRS: usize = 4;

/// The ends of a [`ProcessEnvironment`]'s own pairs: a few inline (the usual
/// `environment=` has one to four pairs), more on the heap.
#[derive(Clone, Debug)]
enum Ends {
    Inline([(usize, usize); INLINE_PAIRS], usize),
    Heap(Vec<(usize, usize)>),
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Inline([(0, 0); INLINE_PAIRS], 0)
    }
}

impl Ends {
    fn with_capacity(pairs: usize) -> Ends {
        if pairs <= INLINE_PAIRS {
            Ends::default()
        } else {
            Ends::Heap(Vec::with_capacity(pairs))
        }
    }

    fn as_slice(&self) -> &[(usize, usize)] {
        match self {
            Ends::Inline(ends, len) => &ends[..*len],
            Ends::Heap(ends) => ends,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    fn push(&mut self, end: (usize, usize)) {
        match self {
            Ends::Inline(ends, len) if *len < INLINE_PAIRS => {
                ends[*len] = end;
                *len += 1;
            }
            Ends::Inline(ends, _) => {
                let mut heap = ends.to_vec();
                heap.push(end);
                *self = Ends::Heap(heap);
            }
            Ends::Heap(ends) => ends.push(end),
        }
    }

    fn clear(&mut self) {
        match self {
            Ends::Inline(_, len) => *len = 0,
            Ends::Heap(ends) => ends.clear(),
        }
    }
}

impl PartialEq for ProcessEnvironment {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for ProcessEnvironment {}

impl<'a> IntoIterator for &'a ProcessEnvironment {
    type Item = (&'a str, &'a str);
    type IntoIter = EnvIter<'a>;

    fn into_iter(self) -> EnvIter<'a> {
        self.iter()
    }
}

/// The pairs of a [`ProcessEnvironment`], in its order.
#[derive(Clone, Debug)]
pub struct EnvIter<'a> {
    env: &'a ProcessEnvironment,
    pos: usize,
}

impl<'a> Iterator for EnvIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let env = self.env;
        while self.pos < env.shared.len() + env.own_ends.len() {
            let i = self.pos;
            self.pos += 1;
            match env.shared.get(i) {
                Some((k, v)) => return Some((k, env.own_value(k).unwrap_or(v))),
                None => {
                    let (k, v) = env.own_pair(i - env.shared.len());
                    if !env.in_shared(k) {
                        return Some((k, v));
                    }
                }
            }
        }
        None
    }
}

/// One process instance after `numprocs` expansion, with Supervisor's option names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessConfig {
    /// The expanded `process_name`.
    pub name: String,
    /// The group it belongs to.
    pub group: String,
    /// `command`, expanded.
    pub command: String,
    /// `directory`, expanded.
    pub directory: Option<String>,
    /// `umask`.
    pub umask: Option<u32>,
    /// `priority`, default 999.
    pub priority: i64,
    /// `autostart`, default true.
    pub autostart: bool,
    /// `autorestart`, default unexpected.
    pub autorestart: AutoRestart,
    /// `startsecs`, default 1.
    pub startsecs: i64,
    /// `startretries`, default 3.
    pub startretries: i64,
    /// The uid from `user` (resolved at load time, as Supervisor does).
    pub uid: Option<u32>,
    /// `stdout_logfile`, default AUTO.
    pub stdout_logfile: LogFile,
    /// `stdout_logfile_maxbytes`, default 50MB.
    pub stdout_logfile_maxbytes: i64,
    /// `stdout_logfile_backups`, default 10.
    pub stdout_logfile_backups: i64,
    /// `stdout_capture_maxbytes`, default 0.
    pub stdout_capture_maxbytes: i64,
    /// `stdout_events_enabled`, default false.
    pub stdout_events_enabled: bool,
    /// `stdout_syslog`, default false.
    pub stdout_syslog: bool,
    /// `stderr_logfile`, default AUTO (`None` when `redirect_stderr`).
    pub stderr_logfile: LogFile,
    /// `stderr_logfile_maxbytes`, default 50MB.
    pub stderr_logfile_maxbytes: i64,
    /// `stderr_logfile_backups`, default 10.
    pub stderr_logfile_backups: i64,
    /// `stderr_capture_maxbytes`, default 0.
    pub stderr_capture_maxbytes: i64,
    /// `stderr_events_enabled`, default false.
    pub stderr_events_enabled: bool,
    /// `stderr_syslog`, default false.
    pub stderr_syslog: bool,
    /// `stopsignal`, default TERM (15).
    pub stopsignal: i32,
    /// `stopwaitsecs`, default 10.
    pub stopwaitsecs: i64,
    /// `stopasgroup`, default false.
    pub stopasgroup: bool,
    /// `killasgroup`, default `stopasgroup`.
    pub killasgroup: bool,
    /// `exitcodes`, default `0`.
    pub exitcodes: Vec<i32>,
    /// `redirect_stderr`, default false.
    pub redirect_stderr: bool,
    /// `[supervisord] environment` overlaid with the program's `environment`.
    pub environment: ProcessEnvironment,
    /// `serverurl`; `None` for `AUTO` or absent (use supervisord's own).
    pub serverurl: Option<String>,
}

/// A process group: one per `[program:x]`, `[group:x]`, `[eventlistener:x]` or
/// `[fcgi-program:x]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupConfig {
    /// The group name.
    pub name: String,
    /// `priority` (999; -1 for eventlisteners).
    pub priority: i64,
    /// What made it.
    pub kind: GroupKind,
    /// Its processes, sorted by priority then name.
    pub processes: Vec<ProcessConfig>,
}

/// A loaded server configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The configuration file as given.
    pub configfile: String,
    /// `%(here)s` of the main file: its absolute directory.
    pub here: String,
    /// `[supervisord]`.
    pub supervisord: SupervisordConfig,
    /// Every `[unix_http_server*]` section.
    pub unix_http_servers: Vec<UnixHttpServerConfig>,
    /// Every `[inet_http_server*]` section.
    pub inet_http_servers: Vec<InetHttpServerConfig>,
    /// Every `[rpcinterface:x]`, in file order.
    pub rpcinterfaces: Vec<PluginConfig>,
    /// The process groups, sorted by priority then name.
    pub groups: Vec<GroupConfig>,
    /// Warnings to log at WARN once logging is up, in Supervisor's order and wording.
    pub warnings: Vec<String>,
    /// Messages to log at INFO once logging is up (`Included extra file …`).
    pub infos: Vec<String>,
}

impl Config {
    /// The first `[unix_http_server]`.
    pub fn unix_http_server(&self) -> Option<&UnixHttpServerConfig> {
        self.unix_http_servers.first()
    }

    /// The first `[inet_http_server]`.
    pub fn inet_http_server(&self) -> Option<&InetHttpServerConfig> {
        self.inet_http_servers.first()
    }

    /// The group called `name` (the first, if several share it).
    pub fn group(&self, name: &str) -> Option<&GroupConfig> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The URL children get as `SUPERVISOR_SERVER_URL` when their `serverurl` is
    /// AUTO: the first unix socket, else the last inet server (`localhost` for all
    /// interfaces), as Supervisor picks it.
    pub fn serverurl(&self) -> Option<String> {
        if let Some(u) = self.unix_http_servers.first() {
            return Some(format!("unix://{}", u.file));
        }
        self.inet_http_servers.last().map(|i| {
            let host = if i.host.is_empty() {
                "localhost"
            } else {
                &i.host
            };
            format!("http://{host}:{}", i.port)
        })
    }
}

/// The `[supervisorctl]` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// `serverurl`, default `http://localhost:9001`; `unix://` paths normalized.
    pub serverurl: String,
    /// `username`.
    pub username: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `prompt`, default `supervisor`.
    pub prompt: String,
    /// `history_file`, normalized.
    pub history_file: Option<String>,
    /// Every `[ctlplugin:x]`.
    pub ctlplugins: Vec<PluginConfig>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            serverurl: "http://localhost:9001".to_owned(),
            username: None,
            password: None,
            prompt: "supervisor".to_owned(),
            history_file: None,
            ctlplugins: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn environment_reads_as_a_copied_then_updated_dict() {
        let shared: Arc<[(String, String)]> = pairs(&[("A", "1"), ("B", "2")]).into();
        let env =
            ProcessEnvironment::new(shared.clone(), pairs(&[("B", "x"), ("C", "3"), ("C", "4")]));
        assert_eq!(env.to_vec(), pairs(&[("A", "1"), ("B", "x"), ("C", "4")]));
        assert_eq!(
            (env.len(), env.get("C"), env.get("D")),
            (3, Some("4"), None)
        );
        assert!(Arc::ptr_eq(env.shared(), &shared));
        assert_eq!(env.own().collect::<Vec<_>>(), [("B", "x"), ("C", "4")]);
        let many: Vec<(String, String)> =
            (0..7).map(|i| (format!("K{i}"), "v".repeat(i))).collect();
        let mut env = ProcessEnvironment::with_capacity(Arc::default(), 0, 0);
        for (k, v) in &many {
            env.set_own(k, v);
        }
        env.set_own("K2", "again");
        let mut expected = many.clone();
        expected[2].1 = "again".to_owned();
        assert_eq!(env.to_vec(), expected);
        assert_eq!(env, ProcessEnvironment::new(Arc::default(), expected));
        assert!(ProcessEnvironment::default().is_empty());
    }

    #[test]
    fn environment_equality_ignores_order_and_layering() {
        let a = ProcessEnvironment::new(pairs(&[("A", "1")]).into(), pairs(&[("B", "2")]));
        let b = ProcessEnvironment::new(Arc::default(), pairs(&[("B", "2"), ("A", "1")]));
        let c = ProcessEnvironment::new(Arc::default(), pairs(&[("B", "2"), ("A", "9")]));
        let d = ProcessEnvironment::new(Arc::default(), pairs(&[("B", "2")]));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(d, a);
    }
}
