//! Loading: Supervisor's `ServerOptions.read_config` (plus the path normalization of
//! `realize`) and `ClientOptions.read_config`, step for step, so that values, defaults,
//! warnings and error texts come out as Supervisor's.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use supervisor_types::AutoRestart;

use crate::datatypes::{
    auto_restart, boolean, byte_size, colon_separated_user_group, dict_of_key_value_pairs,
    equal_signs, existing_directory, existing_dirpath, gid_for_uid, inet_address, integer,
    key_value_pairs, list_of_exitcodes, list_of_strings, logfile_name, logging_level, name_to_uid,
    octal_type, port_number, process_or_group_name, signal_number,
};
use crate::error::ConfigError;
use crate::glob::glob;
use crate::host::{DirCache, Environment, FileSystem, abspath, dirname, join, normalize_path};
use crate::ini::{Ini, Key};
use crate::model::{
    ClientConfig, Config, EVENT_TYPES, FcgiSocket, GroupConfig, GroupKind, InetHttpServerConfig,
    LogFile, MainLogFile, Owner, PluginConfig, ProcessConfig, ProcessEnvironment,
    SupervisordConfig, UnixHttpServerConfig,
};
use crate::py::{self, Expansions, FormatError, Value};

/// Factory specs that resolve: the ones Supervisor itself ships. Any other spec fails
/// as an uninstalled plugin does in Supervisor.
const KNOWN_SPECS: [&str; 3] = [
    "supervisor.rpcinterface:make_main_rpcinterface",
    "supervisor.dispatchers:default_handler",
    "supervisor.supervisorctl:DefaultControllerPlugin",
];

/// Supervisor's `expand`: `s % expansions`, with its two error texts.
pub fn expand(s: &str, expansions: &Expansions, name: &str) -> Result<String, String> {
    expand_in(s, &[expansions], name).map(Cow::into_owned)
}

/// [`expand`] over layered mappings (see [`py::format_layers`]); text without `%`
/// comes back borrowed.
fn expand_in<'s>(s: &'s str, layers: &[&Expansions], name: &str) -> Result<Cow<'s, str>, String> {
    if !py::has_percent(s) {
        return Ok(Cow::Borrowed(s));
    }
    py::format_layers(s, layers)
        .map(Cow::Owned)
        .map_err(|e| expand_error(s, layers, name, e))
}

/// [`expand_in`] taking ownership: text without `%` passes through uncopied.
fn expand_owned<'s>(
    s: Cow<'s, str>,
    layers: &[&Expansions],
    name: &str,
) -> Result<Cow<'s, str>, String> {
    if !py::has_percent(&s) {
        return Ok(s);
    }
    expand_in(&s, layers, name).map(|v| Cow::Owned(v.into_owned()))
}

fn expand_error(s: &str, layers: &[&Expansions], name: &str, e: FormatError) -> String {
    match e {
        FormatError::MissingName(key) => {
            let mut names: Vec<&str> = layers.iter().flat_map(|m| m.names()).collect();
            names.sort_unstable();
            names.dedup();
            format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py::repr(s),
                py::repr(name),
                py::repr(&key),
                names.join(", ")
            )
        }
        FormatError::Bad(why) => format!(
            "Format string {} for {} is badly formatted: {why}",
            py::repr(s),
            py::repr(name)
        ),
    }
}

/// Decodes file bytes as Python's UTF-8 text reader, with its error text.
fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ConfigError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let bytes = e.as_bytes();
            let err = e.utf8_error();
            let pos = err.valid_up_to();
            let (len, reason) = match err.error_len() {
                None => (bytes.len() - pos, "unexpected end of data"),
                Some(1) if matches!(bytes[pos], 0x80..=0xc1 | 0xf5..=0xff) => {
                    (1, "invalid start byte")
                }
                Some(n) => (n, "invalid continuation byte"),
            };
            let chunk_start = pos - pos % 8192;
            let rel = pos - chunk_start;
            let message = if len == 1 {
                format!(
                    "'utf-8' codec can't decode byte 0x{:02x} in position {rel}: {reason}",
                    bytes[pos]
                )
            } else {
                format!(
                    "'utf-8' codec can't decode bytes in position {rel}-{}: {reason}",
                    rel + len - 1
                )
            };
            Err(ConfigError::Decode {
                file: file.to_owned(),
                message,
            })
        }
    }
}

fn resolve(p: &str, env: &Environment) -> PathBuf {
    if p.starts_with('/') {
        PathBuf::from(p)
    } else {
        env.cwd.join(p)
    }
}

/// Reads the text of the configuration file at `path` (the main file of `-c`).
fn read_main(path: &str, env: &Environment, fs: &dyn FileSystem) -> Result<String, ConfigError> {
    let full = resolve(path, env);
    if !fs.exists(&full) {
        return Err(ConfigError::NotFound {
            path: path.to_owned(),
        });
    }
    let bytes = fs.read(&full).map_err(|_| ConfigError::Unreadable {
        path: path.to_owned(),
    })?;
    decode(bytes, path)
}

fn environ_expansions(env: &Environment) -> Expansions {
    let mut e = Expansions::new();
    for (k, v) in &env.vars {
        e.set_joined_str("ENV_", k, v);
    }
    e
}

/// The state of one load; `'t` is the lifetime of the main file's text.
struct Loader<'a, 't> {
    env: &'a Environment,
    fs: &'a dyn FileSystem,
    here: String,
    parser: Ini<'t>,
    environ: Expansions,
    /// `[supervisord] environment`, shared by every process's environment.
    child_env: Arc<[(String, String)]>,
    /// The buffers of `processes_inner`, kept between sections for reuse.
    scratch: Scratch,
    warnings: Vec<String>,
    infos: Vec<String>,
}

/// Whether `%`-expanding `text` could read the `ENV_` names a process's
/// `environment=` adds: a `%(ENV_…)` name, or any conversion other than `%(name)…` (a
/// bare `%s` formats the whole mapping).
fn may_read_env_names(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = py::find_either(b, 0, b'%', b'%');
    while i < b.len() {
        if b.get(i + 1) != Some(&b'(') || b.get(i + 2..i + 6) == Some(b"ENV_") {
            return true;
        }
        i = py::find_either(b, i + 2, b'%', b'%');
    }
    false
}

/// What `processes_inner` reuses from section to section: its expansion layers and
/// the text of the current process's expanded `environment=`.
#[derive(Default)]
struct Scratch {
    head: Expansions,
    tail: Expansions,
    cur: Expansions,
    environment: String,
    /// The last `stopsignal` text and its meaning: sections mostly repeat it, and
    /// Supervisor's name lookup is the costliest of the section's conversions.
    last_signal: Option<(String, Result<i32, String>)>,
}

/// `saneget` of a raw value: expanded against `layers` (the first is the
/// environment); `None` when absent. `section` and `option` name it in errors.
#[inline]
fn saneget<'v>(
    raw: Option<&'v str>,
    layers: &[&Expansions],
    section: &str,
    option: &str,
) -> Result<Option<Cow<'v, str>>, String> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if !py::has_percent(raw) {
        return Ok(Some(Cow::Borrowed(raw)));
    }
    match py::format_layers(raw, layers) {
        Ok(v) => Ok(Some(Cow::Owned(v))),
        Err(e) => Err(expand_error(raw, layers, &format!("{section}.{option}"), e)),
    }
}

/// One section as `saneget` reads it: its own keys, then `[DEFAULT]`'s. Resolved once
/// per section into a table by [`Key`], so that each option costs an index and no
/// allocation unless it expands.
struct View<'a> {
    name: &'a str,
    values: [Option<&'a str>; Key::ALL.len()],
}

impl<'a> View<'a> {
    fn new(parser: &'a Ini<'_>, name: &'a str) -> View<'a> {
        let mut values = [None; Key::ALL.len()];
        if let Some(section) = parser.section(name) {
            // The section's own keys win over `[DEFAULT]`'s.
            for e in parser.defaults().iter().chain(&section.entries) {
                if let Some(k) = e.known() {
                    values[k as usize] = Some(&*e.value);
                }
            }
        }
        View { name, values }
    }

    /// The raw value (with `[DEFAULT]` fallback).
    fn raw(&self, key: Key) -> Option<&'a str> {
        self.values[key as usize]
    }

    /// `saneget`: the value expanded against `layers`; `None` when absent.
    fn get(&self, key: Key, layers: &[&Expansions]) -> Result<Option<Cow<'a, str>>, String> {
        saneget(self.raw(key), layers, self.name, key.name())
    }

    fn get_or(
        &self,
        key: Key,
        layers: &[&Expansions],
        default: &'a str,
    ) -> Result<Cow<'a, str>, String> {
        Ok(self.get(key, layers)?.unwrap_or(Cow::Borrowed(default)))
    }

    /// [`View::get`] converted by `convert`, or `default` (the conversion of the
    /// default text) when the option is absent.
    fn get_as<T>(
        &self,
        key: Key,
        layers: &[&Expansions],
        default: T,
        convert: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.raw(key).is_none() {
            return Ok(default);
        }
        match self.get(key, layers)? {
            None => Ok(default),
            Some(v) => convert(&v),
        }
    }

    /// `convert` of the option (or `default`) when its text has no `%`, so that
    /// expanding it changes nothing whatever the expansions; `None` otherwise.
    fn fixed<T>(
        &self,
        key: Key,
        default: &str,
        convert: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Result<T, String>> {
        let raw = self.raw(key).unwrap_or(default);
        (!py::has_percent(raw)).then(|| convert(raw))
    }
}

impl<'t> Loader<'_, 't> {
    /// The raw value of `key` in `section` (with `[DEFAULT]` fallback).
    fn raw(&self, section: &str, key: Key) -> Option<&str> {
        let s = self.parser.section(section)?;
        s.entries
            .iter()
            .chain(self.parser.defaults())
            .find(|e| e.known() == Some(key))
            .map(|e| &*e.value)
    }

    /// `saneget`: the raw value (with `[DEFAULT]` fallback) expanded against the
    /// environment plus `extra`; `None` when absent.
    fn get(
        &self,
        section: &str,
        key: Key,
        extra: &Expansions,
    ) -> Result<Option<Cow<'_, str>>, String> {
        saneget(
            self.raw(section, key),
            &[&self.environ, extra],
            section,
            key.name(),
        )
    }

    fn get_or<'s>(
        &'s self,
        section: &str,
        key: Key,
        extra: &Expansions,
        default: &'s str,
    ) -> Result<Cow<'s, str>, String> {
        Ok(self
            .get(section, key, extra)?
            .unwrap_or(Cow::Borrowed(default)))
    }

    /// [`Loader::get`] for any option name.
    fn get_named(
        &self,
        section: &str,
        option: &str,
        extra: &Expansions,
    ) -> Result<Option<Cow<'_, str>>, String> {
        saneget(
            self.parser.get(section, option),
            &[&self.environ, extra],
            section,
            option,
        )
    }

    fn here_only(&self) -> Expansions {
        let mut e = Expansions::new();
        e.set_str("here", &self.here);
        e
    }

    fn read_includes(&mut self, configfile: &str) -> Result<(), ConfigError> {
        if !self.parser.has_section("include") {
            return Ok(());
        }
        let mut expansions = Expansions::new();
        expansions.set_str("here", &self.here);
        expansions.set_str("host_node_name", &self.env.host_node_name);
        expansions.update(&self.environ);
        self.parser.expand_here(&self.here.clone());
        let Some(files) = self.parser.get("include", "files") else {
            return Err(".ini file has [include] section, but no files setting"
                .to_owned()
                .into());
        };
        let files = expand(files, &expansions, "include.files")?;
        let base = dirname(&abspath(configfile, self.env)).to_owned();
        for pattern in py::split_whitespace(&files) {
            let pattern = join(&base, pattern);
            let mut filenames = glob(&pattern, self.fs);
            if filenames.is_empty() {
                self.warnings
                    .push(format!("No file matches via include \"{pattern}\""));
                continue;
            }
            filenames.sort();
            for filename in filenames {
                self.infos
                    .push(format!("Included extra file \"{filename}\" during parsing"));
                if let Ok(bytes) = self.fs.read(&resolve(&filename, self.env)) {
                    let text = decode(bytes, &filename)?;
                    self.parser.read_copied(&text, &filename)?;
                }
                let dir = abspath(dirname(&filename), self.env);
                self.parser.expand_here(&dir);
            }
        }
        Ok(())
    }

    fn supervisord(&mut self) -> Result<SupervisordConfig, ConfigError> {
        let s = "supervisord";
        let here = self.here_only();
        let env = self.env;
        let fs = self.fs;
        let get =
            |key: Key, default: &str| self.get_or(s, key, &here, default).map(Cow::into_owned);
        let minfds = integer(&get(Key::Minfds, "1024")?)?;
        let minprocs = integer(&get(Key::Minprocs, "200")?)?;
        let directory = match self.get(s, Key::Directory, &here)? {
            None => None,
            Some(d) => Some(existing_directory(&d, env, fs)?),
        };
        let user = self.get(s, Key::User, &here)?.map(Cow::into_owned);
        let umask = octal_type(&get(Key::Umask, "022")?)?;
        let logfile = existing_dirpath(get(Key::Logfile, "supervisord.log")?.into(), env, fs)?;
        let logfile_maxbytes = byte_size(&get(Key::LogfileMaxbytes, "50MB")?)?;
        let logfile_backups = integer(&get(Key::LogfileBackups, "10")?)?;
        let loglevel = logging_level(&get(Key::Loglevel, "info")?)?;
        let pidfile = existing_dirpath(get(Key::Pidfile, "supervisord.pid")?.into(), env, fs)?;
        let identifier = get(Key::Identifier, "supervisor")?;
        let nodaemon = boolean(&get(Key::Nodaemon, "false")?)?;
        let silent = boolean(&get(Key::Silent, "false")?)?;
        let tempdir = env.tempdir.to_string_lossy().into_owned();
        let childlogdir = existing_directory(&get(Key::Childlogdir, &tempdir)?, env, fs)?;
        let nocleanup = boolean(&get(Key::Nocleanup, "false")?)?;
        let strip_ansi = boolean(&get(Key::StripAnsi, "false")?)?;
        let environ_str = get(Key::Environment, "")?;
        let mut expansions = Expansions::new();
        expansions.set_str("here", &self.here);
        expansions.set_str("host_node_name", &env.host_node_name);
        expansions.update(&self.environ);
        let environ_str = expand(&environ_str, &expansions, "environment")?;
        let environment = dict_of_key_value_pairs(&environ_str)?;
        for (k, v) in &environment {
            self.environ.set_str(&format!("ENV_{k}"), v);
        }
        self.child_env = environment.as_slice().into();
        let logfile = if logfile == "syslog" {
            MainLogFile::Syslog
        } else {
            MainLogFile::Path(normalize_path(&logfile, env, fs))
        };
        Ok(SupervisordConfig {
            logfile,
            logfile_maxbytes,
            logfile_backups,
            loglevel,
            pidfile: normalize_path(&pidfile, env, fs),
            umask,
            nodaemon,
            silent,
            minfds,
            minprocs,
            nocleanup,
            childlogdir,
            user,
            directory,
            strip_ansi,
            environment,
            identifier,
        })
    }

    fn plugins(&self, factory_key: &str, prefix: &str) -> Result<Vec<PluginConfig>, ConfigError> {
        let none = Expansions::new();
        let mut out = Vec::new();
        for section in self.parser.sections() {
            let Some(name) = section.name.strip_prefix(prefix) else {
                continue;
            };
            let name = section.name.split_once(':').map_or(name, |(_, n)| n);
            let Some(factory) = self.get_named(&section.name, factory_key, &none)? else {
                return Err(format!(
                    "section [{}] does not specify a {factory_key}",
                    section.name
                )
                .into());
            };
            if !KNOWN_SPECS.contains(&&*factory) {
                return Err(
                    format!("{factory} cannot be resolved within [{}]", section.name).into(),
                );
            }
            let mut extras = Vec::new();
            for k in self.parser.options(&section.name) {
                if k != factory_key {
                    let v = self.get_named(&section.name, k, &none)?.unwrap_or_default();
                    extras.push((k.to_owned(), v.into_owned()));
                }
            }
            out.push(PluginConfig {
                name: name.to_owned(),
                factory: factory.into_owned(),
                extras,
            });
        }
        Ok(out)
    }

    fn section_file(&self, section: &str) -> String {
        self.parser
            .section(section)
            .map(|s| s.source.to_string())
            .unwrap_or_default()
    }

    fn processes_from_section(
        &mut self,
        section: &str,
        group_name: &str,
    ) -> Result<Vec<ProcessConfig>, ConfigError> {
        let mut warnings = Vec::new();
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut processes =
            self.processes_inner(section, group_name, &mut scratch, &mut warnings, false);
        if processes.is_err() {
            // The first pass may have left out the `ENV_` names processes add, which
            // error texts list: the full pass says what is wrong.
            warnings.clear();
            processes =
                self.processes_inner(section, group_name, &mut scratch, &mut warnings, true);
        }
        self.scratch = scratch;
        let processes = processes.map_err(|message| ConfigError::InSection {
            message,
            section: section.to_owned(),
            file: self.section_file(section),
        })?;
        self.warnings.append(&mut warnings);
        Ok(processes)
    }

    /// Supervisor's `processes_from_section`. Python keeps one expansions dict per
    /// section and mutates it per process; here that dict is three layers read as one
    /// (see [`py::format_layers`]), so nothing is copied per process:
    /// `head` holds the section's names plus `process_num` and `numprocs`, `tail` the
    /// `ENV_` names that processes' `environment=` added (a stale one stays, as in
    /// Python), `cur` the names this process's `environment=` overrides in the
    /// environment. The dict is then `[head, environ, tail, cur]`, and `saneget`'s
    /// union with the environment is `[environ, head, tail, cur]`.
    fn processes_inner(
        &self,
        section: &str,
        group_name: &str,
        scratch: &mut Scratch,
        warnings: &mut Vec<String>,
        track_env_names: bool,
    ) -> Result<Vec<ProcessConfig>, String> {
        let env = self.env;
        let fs = self.fs;
        let environ = &self.environ;
        let view = View::new(&self.parser, section);
        let program_name = process_or_group_name(section.split_once(':').map_or("", |(_, n)| n))?;
        let Scratch {
            head,
            tail,
            cur,
            environment: environment_text,
            last_signal,
        } = scratch;
        head.clear();
        tail.clear();
        head.set_str("here", &self.here);
        head.set_str("program_name", program_name);
        head.set_str("host_node_name", &env.host_node_name);
        head.set_str("group_name", group_name);
        let get_or = |key: Key, default: &'static str| view.get_or(key, &[environ, head], default);
        // An absent option takes its default, already converted.
        let layers: [&Expansions; 2] = [environ, head];
        let priority = view.get_as(Key::Priority, &layers, 999, integer)?;
        let autostart = view.get_as(Key::Autostart, &layers, true, boolean)?;
        let autorestart = view.get_as(
            Key::Autorestart,
            &layers,
            AutoRestart::Unexpected,
            auto_restart,
        )?;
        let startsecs = view.get_as(Key::Startsecs, &layers, 1, integer)?;
        let startretries = view.get_as(Key::Startretries, &layers, 3, integer)?;
        let stopsignal = {
            let text = get_or(Key::Stopsignal, "TERM")?;
            match &mut *last_signal {
                Some((last, known)) if *last == *text => known.clone()?,
                slot => {
                    let parsed = signal_number(&text);
                    *slot = Some((text.into_owned(), parsed.clone()));
                    parsed?
                }
            }
        };
        let stopwaitsecs = view.get_as(Key::Stopwaitsecs, &layers, 10, integer)?;
        let stopasgroup = view.get_as(Key::Stopasgroup, &layers, false, boolean)?;
        let killasgroup = view.get_as(Key::Killasgroup, &layers, stopasgroup, boolean)?;
        let exitcodes = view.get_as(Key::Exitcodes, &layers, vec![0], list_of_exitcodes)?;
        let redirect_stderr = view.get_as(Key::RedirectStderr, &layers, false, boolean)?;
        let numprocs = view.get_as(Key::Numprocs, &layers, 1, integer)?;
        let numprocs_start = view.get_as(Key::NumprocsStart, &layers, 0, integer)?;
        let environment_str = view.raw(Key::Environment).unwrap_or("");
        let stdout_cmaxbytes = view.get_as(Key::StdoutCaptureMaxbytes, &layers, 0, byte_size)?;
        let stdout_events = view.get_as(Key::StdoutEventsEnabled, &layers, false, boolean)?;
        let stderr_cmaxbytes = view.get_as(Key::StderrCaptureMaxbytes, &layers, 0, byte_size)?;
        let stderr_events = view.get_as(Key::StderrEventsEnabled, &layers, false, boolean)?;
        let serverurl = view
            .get(Key::Serverurl, &[environ, head])?
            .filter(|u| u.is_empty() || py::strip(u).to_uppercase() != "AUTO")
            .map(Cow::into_owned);
        let uid = match view.get(Key::User, &[environ, head])? {
            None => None,
            Some(u) => Some(name_to_uid(&u, fs)?),
        };
        let umask = match view.get(Key::Umask, &[environ, head])? {
            None => None,
            Some(u) => Some(octal_type(&u)?),
        };
        let process_name =
            process_or_group_name(view.raw(Key::ProcessName).unwrap_or("%(program_name)s"))?;
        if numprocs > 1 && !process_name.contains("%(process_num)") {
            return Err(
                "%(process_num) must be present within process_name when numprocs > 1".to_owned(),
            );
        }
        if stopasgroup && !killasgroup {
            return Err("Cannot set stopasgroup=true and killasgroup=false".to_owned());
        }
        const CHANNELS: [[Key; 4]; 2] = [
            [
                Key::StdoutLogfile,
                Key::StdoutSyslog,
                Key::StdoutLogfileBackups,
                Key::StdoutLogfileMaxbytes,
            ],
            [
                Key::StderrLogfile,
                Key::StderrSyslog,
                Key::StderrLogfileBackups,
                Key::StderrLogfileMaxbytes,
            ],
        ];
        // Options without `%` mean the same for every process: converted once here,
        // their errors raised where Python reads them, inside the loop.
        let fixed = CHANNELS.map(|[_, sy_key, backups_key, maxbytes_key]| {
            (
                view.fixed(backups_key, "10", integer),
                view.fixed(maxbytes_key, "50MB", byte_size),
                view.fixed(sy_key, "false", boolean),
            )
        });
        // A process's `environment=` adds `ENV_` names for the expansions after it.
        // Tracking them costs; it is skipped when no text expanded per process can
        // read them (an error then reruns the section with them, see
        // `processes_from_section`).
        let track_env_names = track_env_names
            || [
                environment_str,
                process_name,
                view.raw(Key::Directory).unwrap_or(""),
                view.raw(Key::Command).unwrap_or(""),
                view.raw(Key::StdoutLogfile).unwrap_or(""),
                view.raw(Key::StderrLogfile).unwrap_or(""),
            ]
            .into_iter()
            .any(may_read_env_names);
        let count = usize::try_from(numprocs.max(0)).unwrap_or(usize::MAX);
        let mut programs = Vec::with_capacity(count.min(1024));
        let end = numprocs_start.saturating_add(numprocs.max(0));
        // Python adds these two names when the first process is made, after the
        // section-wide options above were read without them.
        let process_num_at = head.set_index("process_num", Value::Int(numprocs_start));
        head.set("numprocs", Value::Int(numprocs));
        for process_num in numprocs_start..end {
            head.set_at(process_num_at, Value::Int(process_num));
            cur.clear();
            let environment_str: &str = if py::has_percent(environment_str) {
                let text = &mut *environment_text;
                text.clear();
                let layers: [&Expansions; 4] = [head, environ, tail, cur];
                py::format_layers_into(text, environment_str, &layers)
                    .map_err(|e| expand_error(environment_str, &layers, "environment", e))?;
                text
            } else {
                environment_str
            };
            let mut environment = ProcessEnvironment::with_capacity(
                self.child_env.clone(),
                environment_str.len(),
                equal_signs(environment_str),
            );
            key_value_pairs(environment_str, |k, v| environment.set_own(k, v))?;
            if track_env_names {
                for (k, v) in environment.own() {
                    if environ.contains_joined("ENV_", k) {
                        cur.set_joined_str("ENV_", k, v);
                    } else {
                        tail.set_joined_str("ENV_", k, v);
                    }
                }
            }
            let dict: [&Expansions; 4] = [head, environ, tail, cur];
            let sane: [&Expansions; 4] = [environ, head, tail, cur];
            let directory = view.get(Key::Directory, &sane)?.map(Cow::into_owned);
            let mut logs = [(LogFile::Auto, 0, 0, false), (LogFile::Auto, 0, 0, false)];
            for (slot, [lf_key, sy_key, backups_key, maxbytes_key]) in
                CHANNELS.into_iter().enumerate()
            {
                let (lf_name, sy_name) = (lf_key.name(), sy_key.name());
                let lf_val = match view.get(lf_key, &sane)? {
                    None => Some(LogFile::Auto),
                    // Expanded a second time, as Supervisor does: what the first
                    // expansion produced could name anything.
                    Some(v) if !track_env_names && py::has_percent(&v) => return Err(String::new()),
                    Some(v) => logfile_name(expand_owned(v, &dict, lf_name)?, env, fs)?,
                };
                let (fixed_backups, fixed_maxbytes, fixed_syslog) = &fixed[slot];
                let backups = match fixed_backups {
                    Some(r) => r.clone()?,
                    None => integer(&view.get_or(backups_key, &sane, "10")?)?,
                };
                let maxbytes = match fixed_maxbytes {
                    Some(r) => r.clone()?,
                    None => byte_size(&view.get_or(maxbytes_key, &sane, "50MB")?)?,
                };
                let mut syslog = match fixed_syslog {
                    Some(r) => r.clone()?,
                    None => boolean(&view.get_or(sy_key, &sane, "false")?)?,
                };
                let lf_val = match lf_val {
                    Some(v) => v,
                    None => {
                        warnings.push(format!(
                            "For [{section}], {lf_name}=syslog but this is deprecated and will be removed.  Use {sy_name}=true to enable syslog instead."
                        ));
                        syslog = true;
                        LogFile::None
                    }
                };
                if lf_val == LogFile::Auto && maxbytes == 0 {
                    warnings.push(format!(
                        "For [{section}], AUTO logging used for {lf_name} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"
                    ));
                }
                logs[slot] = (lf_val, backups, maxbytes, syslog);
            }
            if redirect_stderr {
                if matches!(logs[1].0, LogFile::Path(_)) {
                    warnings.push(format!(
                        "For [{section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"
                    ));
                }
                logs[1].0 = LogFile::None;
            }
            let Some(command) = view.get(Key::Command, &sane)? else {
                return Err(format!(
                    "program section {section} does not specify a command"
                ));
            };
            let name = expand_in(process_name, &dict, "process_name")?.into_owned();
            let [out, err] = logs;
            programs.push(ProcessConfig {
                name,
                group: group_name.to_owned(),
                command: command.into_owned(),
                directory,
                umask,
                priority,
                autostart,
                autorestart,
                startsecs,
                startretries,
                uid,
                stdout_logfile: out.0,
                stdout_logfile_maxbytes: out.2,
                stdout_logfile_backups: out.1,
                stdout_capture_maxbytes: stdout_cmaxbytes,
                stdout_events_enabled: stdout_events,
                stdout_syslog: out.3,
                stderr_logfile: err.0,
                stderr_logfile_maxbytes: err.2,
                stderr_logfile_backups: err.1,
                stderr_capture_maxbytes: stderr_cmaxbytes,
                stderr_events_enabled: stderr_events,
                stderr_syslog: err.3,
                stopsignal,
                stopwaitsecs,
                stopasgroup,
                killasgroup,
                exitcodes: exitcodes.clone(),
                redirect_stderr,
                environment,
                serverurl: serverurl.clone(),
            });
        }
        programs.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(programs)
    }

    fn groups(&mut self) -> Result<Vec<GroupConfig>, ConfigError> {
        let here = self.here_only();
        let names: Vec<Cow<'t, str>> = self
            .parser
            .sections()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let has = |n: &str| names.iter().any(|s| s == n);
        let mut groups = Vec::new();
        let mut exclude: Vec<String> = Vec::new();
        for section in &names {
            let Some(rest) = section.strip_prefix("group:") else {
                continue;
            };
            let group_name = process_or_group_name(rest)?.to_owned();
            let programs =
                list_of_strings(&self.get(section, Key::Programs, &here)?.unwrap_or_default());
            let priority = integer(&self.get_or(section, Key::Priority, &here, "999")?)?;
            let mut processes = Vec::new();
            let mut shown = section.to_string();
            for program in programs {
                let program_section = format!("program:{program}");
                let fcgi_section = format!("fcgi-program:{program}");
                let (p, f) = (has(&program_section), has(&fcgi_section));
                if !p && !f {
                    return Err(format!(
                        "[{shown}] names unknown program or fcgi-program {program}"
                    )
                    .into());
                }
                if p && f {
                    return Err(format!(
                        "[{shown}] name {program} is ambiguous (exists as program and fcgi-program)"
                    )
                    .into());
                }
                shown = if p { program_section } else { fcgi_section };
                exclude.push(shown.clone());
                processes.extend(self.processes_from_section(&shown, &group_name)?);
            }
            groups.push(GroupConfig {
                name: group_name,
                priority,
                kind: GroupKind::Program,
                processes,
            });
        }
        for section in &names {
            if !section.starts_with("program:") || exclude.iter().any(|e| e == section) {
                continue;
            }
            let program_name = process_or_group_name(&section["program:".len()..])?.to_owned();
            let priority = integer(&self.get_or(section, Key::Priority, &here, "999")?)?;
            let processes = self.processes_from_section(section, &program_name)?;
            groups.push(GroupConfig {
                name: program_name,
                priority,
                kind: GroupKind::Program,
                processes,
            });
        }
        for section in &names {
            let Some(pool_name) = section.strip_prefix("eventlistener:") else {
                continue;
            };
            let priority = integer(&self.get_or(section, Key::Priority, &here, "-1")?)?;
            let buffer_size = integer(&self.get_or(section, Key::BufferSize, &here, "10")?)?;
            if buffer_size < 1 {
                return Err(format!(
                    "[{section}] section sets invalid buffer_size ({buffer_size})"
                )
                .into());
            }
            let result_handler = self
                .get_or(
                    section,
                    Key::ResultHandler,
                    &here,
                    "supervisor.dispatchers:default_handler",
                )?
                .into_owned();
            if !KNOWN_SPECS.contains(&result_handler.as_str()) {
                return Err(
                    format!("{result_handler} cannot be resolved within [{section}]").into(),
                );
            }
            let mut events: Vec<String> = Vec::new();
            for e in list_of_strings(&self.get_or(section, Key::Events, &here, "")?) {
                let e = e.to_uppercase();
                if !events.contains(&e) {
                    events.push(e);
                }
            }
            if events.is_empty() {
                return Err(format!("[{section}] section requires an \"events\" line").into());
            }
            if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
                return Err(format!("Unknown event type {bad} in [{section}] events").into());
            }
            if boolean(&self.get_or(section, Key::RedirectStderr, &here, "false")?)? {
                return Err(format!(
                    "[{section}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol"
                )
                .into());
            }
            let processes = self.processes_from_section(section, pool_name)?;
            groups.push(GroupConfig {
                name: pool_name.to_owned(),
                priority,
                kind: GroupKind::EventListener {
                    buffer_size,
                    events,
                    result_handler,
                },
                processes,
            });
        }
        for section in &names {
            if !section.starts_with("fcgi-program:") || exclude.iter().any(|e| e == section) {
                continue;
            }
            let program_name = process_or_group_name(&section["fcgi-program:".len()..])?.to_owned();
            let priority = integer(&self.get_or(section, Key::Priority, &here, "999")?)?;
            let proc_uid = match self.get(section, Key::User, &here)? {
                None => None,
                Some(u) => Some(name_to_uid(&u, self.fs)?),
            };
            let backlog = match self.get(section, Key::SocketBacklog, &here)? {
                None => None,
                Some(b) => {
                    let b = integer(&b)?;
                    if !(1..=65535).contains(&b) {
                        return Err(format!("Invalid socket_backlog value {b}").into());
                    }
                    Some(b)
                }
            };
            let owner = match self.get(section, Key::SocketOwner, &here)? {
                None => None,
                Some(o) => Some(
                    colon_separated_user_group(&o, self.fs)
                        .map_err(|_| format!("Invalid socket_owner value {o}"))?,
                ),
            };
            let mode = match self.get(section, Key::SocketMode, &here)? {
                None => None,
                Some(m) => {
                    Some(octal_type(&m).map_err(|_| format!("Invalid socket_mode value {m}"))?)
                }
            };
            let mut fcgi = Expansions::new();
            fcgi.set_str("program_name", &program_name);
            fcgi.update(&here);
            let socket = self.get(section, Key::Socket, &fcgi)?.unwrap_or_default();
            if socket.is_empty() {
                return Err(format!("[{section}] section requires a \"socket\" line").into());
            }
            let socket = self
                .fcgi_socket(&socket, proc_uid, owner, mode, backlog)
                .map_err(|e| format!("{e} in [{section}] socket"))?;
            let processes = self.processes_from_section(section, &program_name)?;
            groups.push(GroupConfig {
                name: program_name,
                priority,
                kind: GroupKind::FastCgi { socket },
                processes,
            });
        }
        groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        Ok(groups)
    }

    fn fcgi_socket(
        &self,
        sock: &str,
        proc_uid: Option<u32>,
        owner: Option<Owner>,
        mode: Option<u32>,
        backlog: Option<i64>,
    ) -> Result<FcgiSocket, String> {
        if let Some(path) = sock.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(format!(
                    "('Unix socket path %s is not an absolute path', {})",
                    py::repr(path)
                ));
            }
            let path = normalize_path(path, self.env, self.fs);
            let owner = match (owner, proc_uid) {
                (Some(o), _) => Some(o),
                (None, Some(uid)) if uid != self.env.uid => Some(Owner {
                    uid,
                    gid: Some(gid_for_uid(uid, self.fs)?),
                }),
                _ => None,
            };
            return Ok(FcgiSocket::Unix {
                path,
                owner,
                mode: mode.unwrap_or(0o700),
                backlog,
            });
        }
        if owner.is_some() || mode.is_some() {
            return Err(
                "socket_owner and socket_mode params should only be used with a Unix domain socket"
                    .to_owned(),
            );
        }
        if let Some(rest) = sock.strip_prefix("tcp://")
            && let Some((host, port)) = rest.rsplit_once(':')
            && !host.is_empty()
            && !host.contains(|c: char| c == ':' || py::is_space(c))
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
        {
            let port = port_number(port)?;
            return Ok(FcgiSocket::Tcp {
                host: host.to_lowercase(),
                port,
                backlog,
            });
        }
        Err(format!("('Bad socket format %s', {})", py::repr(sock)))
    }

    fn auth(&self, section: &str) -> Result<(Option<String>, Option<String>), ConfigError> {
        let none = Expansions::new();
        let username = self.get(section, Key::Username, &none)?;
        let password = self.get(section, Key::Password, &none)?;
        if username.is_some() != password.is_some() {
            return Err(format!(
                "Section [{section}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"
            )
            .into());
        }
        Ok((username.map(Cow::into_owned), password.map(Cow::into_owned)))
    }

    fn servers(
        &self,
    ) -> Result<(Vec<UnixHttpServerConfig>, Vec<InetHttpServerConfig>), ConfigError> {
        let none = Expansions::new();
        let names: Vec<Cow<'t, str>> = self
            .parser
            .sections()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let split_name = |s: &str| s.split_once(':').map(|(_, n)| n.to_owned());
        let mut inet = Vec::new();
        for section in names.iter().filter(|s| s.starts_with("inet_http_server")) {
            let (username, password) = self.auth(section)?;
            let Some(port) = self.get(section, Key::Port, &none)? else {
                return Err(format!("section [{section}] has no port value").into());
            };
            let (host, port) = inet_address(&port)?;
            inet.push(InetHttpServerConfig {
                name: split_name(section),
                section: section.to_string(),
                host,
                port,
                username,
                password,
            });
        }
        let mut unix = Vec::new();
        for section in names.iter().filter(|s| s.starts_with("unix_http_server")) {
            let Some(file) = self.get(section, Key::File, &self.here_only())? else {
                return Err(format!("section [{section}] has no file value").into());
            };
            let file = normalize_path(py::strip(&file), self.env, self.fs);
            let (username, password) = self.auth(section)?;
            let chown = match self.get(section, Key::Chown, &none)? {
                None => None,
                Some(c) => Some(
                    colon_separated_user_group(&c, self.fs)
                        .map_err(|_| format!("Invalid sockchown value {c}"))?,
                ),
            };
            let chmod = match self.get(section, Key::Chmod, &none)? {
                None => 0o700,
                Some(c) => octal_type(&c).map_err(|_| format!("Invalid chmod value {c}"))?,
            };
            unix.push(UnixHttpServerConfig {
                name: split_name(section),
                section: section.to_string(),
                file,
                chmod,
                chown,
                username,
                password,
            });
        }
        Ok((unix, inet))
    }
}

/// Loads a server configuration as `supervisord -c path` does: the file, its
/// `[include]`s, every section, Supervisor's defaults and checks. `path` is kept as
/// given for messages; relative paths resolve against `env.cwd`.
///
/// ```
/// use std::path::Path;
/// use supervisor_config::{Environment, MemFs, load};
///
/// let mut fs = MemFs::new();
/// fs.add_file("/etc/supervisord.conf", "[supervisord]\n[program:cat]\ncommand=/bin/cat\n");
/// let env = Environment::new("/");
/// let config = load(Path::new("/etc/supervisord.conf"), &env, &fs).unwrap();
/// assert_eq!(config.groups[0].processes[0].command, "/bin/cat");
/// assert_eq!(config.groups[0].processes[0].startsecs, 1);
/// ```
pub fn load(path: &Path, env: &Environment, fs: &dyn FileSystem) -> Result<Config, ConfigError> {
    let cached = DirCache::new(fs);
    let fs: &dyn FileSystem = &cached;
    let configfile = path.to_string_lossy().into_owned();
    let here = abspath(dirname(&configfile), env);
    let text = read_main(&configfile, env, fs)?;
    let parser = Ini::parse(&text, &configfile)?;
    let mut loader = Loader {
        env,
        fs,
        here,
        parser,
        environ: environ_expansions(env),
        child_env: Arc::default(),
        scratch: Scratch::default(),
        warnings: Vec::new(),
        infos: Vec::new(),
    };
    loader.read_includes(&configfile)?;
    if !loader.parser.has_section("supervisord") {
        return Err(ConfigError::MissingSection {
            section: "supervisord".to_owned(),
        });
    }
    let supervisord = loader.supervisord()?;
    let rpcinterfaces = loader.plugins("supervisor.rpcinterface_factory", "rpcinterface:")?;
    let groups = loader.groups()?;
    let (unix_http_servers, inet_http_servers) = loader.servers()?;
    Ok(Config {
        configfile,
        here: loader.here,
        supervisord,
        unix_http_servers,
        inet_http_servers,
        rpcinterfaces,
        groups,
        warnings: loader.warnings,
        infos: loader.infos,
    })
}

/// Loads the `[supervisorctl]` settings as `supervisorctl -c path` does (no
/// `[include]` processing, as in Supervisor).
///
/// ```
/// use std::path::Path;
/// use supervisor_config::{Environment, MemFs, load_client};
///
/// let mut fs = MemFs::new();
/// fs.add_file("/etc/s.conf", "[supervisorctl]\nserverurl=unix://%(here)s/../run/s.sock\n");
/// let c = load_client(Path::new("/etc/s.conf"), &Environment::new("/"), &fs).unwrap();
/// assert_eq!(c.serverurl, "unix:///run/s.sock");
/// assert_eq!(c.prompt, "supervisor");
/// ```
pub fn load_client(
    path: &Path,
    env: &Environment,
    fs: &dyn FileSystem,
) -> Result<ClientConfig, ConfigError> {
    let configfile = path.to_string_lossy().into_owned();
    let here = dirname(&normalize_path(&configfile, env, fs)).to_owned();
    let text = read_main(&configfile, env, fs)?;
    let parser = Ini::parse(&text, &configfile)?;
    let loader = Loader {
        env,
        fs,
        here,
        parser,
        environ: environ_expansions(env),
        child_env: Arc::default(),
        scratch: Scratch::default(),
        warnings: Vec::new(),
        infos: Vec::new(),
    };
    let s = "supervisorctl";
    if !loader.parser.has_section(s) {
        return Err(ConfigError::MissingSection {
            section: s.to_owned(),
        });
    }
    let here = loader.here_only();
    let none = Expansions::new();
    let defaults = ClientConfig::default();
    let mut serverurl = loader
        .get_or(s, Key::Serverurl, &here, &defaults.serverurl)?
        .into_owned();
    if let Some(p) = serverurl.strip_prefix("unix://") {
        serverurl = format!("unix://{}", normalize_path(p, env, fs));
    }
    let prompt = loader
        .get_or(s, Key::Prompt, &none, &defaults.prompt)?
        .into_owned();
    let username = loader.get(s, Key::Username, &none)?.map(Cow::into_owned);
    let password = loader.get(s, Key::Password, &none)?.map(Cow::into_owned);
    let history_file = loader
        .get(s, Key::HistoryFile, &here)?
        .filter(|h| !h.is_empty())
        .map(|h| normalize_path(&h, env, fs));
    let ctlplugins = loader.plugins("supervisor.ctl_factory", "ctlplugin:")?;
    Ok(ClientConfig {
        serverurl,
        username,
        password,
        prompt,
        history_file,
        ctlplugins,
    })
}

/// Supervisor's default configuration search path for a program invoked as `argv0`:
/// `<argv0>/../../etc/supervisord.conf`, `<argv0>/../../supervisord.conf`, then
/// `supervisord.conf`, `etc/supervisord.conf` (relative to the working directory),
/// `/etc/supervisord.conf`, `/etc/supervisor/supervisord.conf`.
pub fn search_paths(argv0: &str) -> Vec<String> {
    let here = dirname(dirname(argv0));
    vec![
        join(&join(here, "etc"), "supervisord.conf"),
        join(here, "supervisord.conf"),
        "supervisord.conf".to_owned(),
        "etc/supervisord.conf".to_owned(),
        "/etc/supervisord.conf".to_owned(),
        "/etc/supervisor/supervisord.conf".to_owned(),
    ]
}

/// The warning supervisord prints when it searches the default paths as root.
pub const ROOT_SEARCH_WARNING: &str = "Supervisord is running as root and it is searching for its configuration file in default locations (including its current working directory); you probably want to specify a \"-c\" argument specifying an absolute path to a configuration file for improved security.";

/// The first existing path of [`search_paths`], or [`ConfigError::NoConfigFound`].
/// (supervisorctl treats "none found" as "use the defaults".)
pub fn find_config_file(
    argv0: &str,
    env: &Environment,
    fs: &dyn FileSystem,
) -> Result<String, ConfigError> {
    let searched = search_paths(argv0);
    searched
        .iter()
        .find(|p| fs.exists(&resolve(p, env)))
        .cloned()
        .ok_or(ConfigError::NoConfigFound { searched })
}

/// Resolves `[supervisord] user` (or `-u`) as supervisord does at start-up: the uid
/// and primary gid; the error is Supervisor's text (`Invalid user name x`).
pub fn resolve_user(user: &str, fs: &dyn FileSystem) -> Result<(u32, u32), ConfigError> {
    let uid = name_to_uid(user, fs)?;
    let gid = gid_for_uid(uid, fs)?;
    Ok((uid, gid))
}
