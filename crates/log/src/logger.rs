//! The main log (`Logger`, its handlers) and a child channel's normal log (`ChildLog`).

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use supervisor_types::LogLevel;

use crate::{LocalClock, LogError, LogFileError, RotatingFile, Spliced};

/// Where syslog records go. [`SystemSyslog`] is the real one; tests record lines instead.
pub trait SyslogSink {
    /// Sends one line (no trailing newline needed) at `LOG_INFO`.
    fn send(&mut self, line: &[u8]) -> io::Result<()>;
}

/// The system logger through `syslog(3)`: facility `LOG_USER`, priority `LOG_INFO`, ident
/// the program's name (no `openlog` call), as Python's `syslog.syslog(msg)` sends.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemSyslog;

impl SyslogSink for SystemSyslog {
    fn send(&mut self, line: &[u8]) -> io::Result<()> {
        use nix::syslog::{Facility, Priority, Severity};
        let priority = Priority::new(Severity::LOG_INFO, Facility::LOG_USER);
        nix::syslog::syslog(priority, OsStr::from_bytes(line)).map_err(io::Error::from)
    }
}

/// One destination of main-log records.
pub enum Handler {
    /// A log file, rotating when its `maxbytes > 0`.
    File(RotatingFile),
    /// A stream, normally the daemon's stdout (`nodaemon` without `silent`). A closed
    /// pipe (`EPIPE`) is ignored, as Supervisor ignores it.
    Stream(Box<dyn Write + Send>),
    /// Syslog: each line of a message is sent as its own full record.
    Syslog(Box<dyn SyslogSink + Send>),
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handler::File(file) => f.debug_tuple("File").field(&file.path()).finish(),
            Handler::Stream(_) => f.write_str("Stream"),
            Handler::Syslog(_) => f.write_str("Syslog"),
        }
    }
}

impl Handler {
    /// A handler writing to the daemon's stdout.
    pub fn stdout() -> Handler {
        Handler::Stream(Box::new(io::stdout()))
    }

    /// A handler sending to the system syslog.
    pub fn syslog() -> Handler {
        Handler::Syslog(Box::new(SystemSyslog))
    }

    /// Reopens a file handler; streams and syslog have nothing to reopen.
    pub fn reopen(&mut self) -> Result<(), LogError> {
        match self {
            Handler::File(file) => file.reopen(),
            Handler::Stream(_) | Handler::Syslog(_) => Ok(()),
        }
    }

    fn emit(&mut self, record: &str, stamp_level: &str, message: &str) -> Result<(), LogError> {
        match self {
            Handler::File(file) => file.write(record.as_bytes()),
            Handler::Stream(stream) => match stream
                .write_all(record.as_bytes())
                .and_then(|()| stream.flush())
            {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(LogError::Stream(e)),
                _ => Ok(()),
            },
            Handler::Syslog(sink) => {
                let mut result = Ok(());
                for line in message.trim_end_matches('\n').split('\n') {
                    let entry = format!("{stamp_level}{line}\n");
                    if let Err(e) = sink.send(entry.as_bytes()) {
                        result = result.and(Err(LogError::Syslog(e)));
                    }
                }
                result
            }
        }
    }
}

/// Where the main log goes: the `logfile` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainLogTarget {
    /// A file path (`/dev/stdout` included).
    File(PathBuf),
    /// The literal value `syslog`.
    Syslog,
}

impl MainLogTarget {
    /// Interprets a `logfile` value: exactly `syslog` means syslog, anything else is a
    /// path (Supervisor compares the string the same way).
    pub fn from_logfile(value: &Path) -> MainLogTarget {
        if value.as_os_str() == "syslog" {
            MainLogTarget::Syslog
        } else {
            MainLogTarget::File(value.to_owned())
        }
    }
}

/// The `[supervisord]` settings that shape the main log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainLogSettings {
    /// `logfile` (`-l`).
    pub target: MainLogTarget,
    /// `logfile_maxbytes` (`-y`); 0 never rotates.
    pub maxbytes: u64,
    /// `logfile_backups` (`-z`); 0 truncates on rollover.
    pub backups: u32,
    /// `loglevel` (`-e`).
    pub level: LogLevel,
    /// `nodaemon` (`-n`): records also go to stdout…
    pub nodaemon: bool,
    /// …unless `silent` (`-s`).
    pub silent: bool,
}

/// supervisord's own log: records `2024-01-01 10:00:00,123 INFO message` sent to every
/// handler when their level is at least the logger's level.
///
/// Writing never stops at a failing handler: every handler gets the record and the first
/// failure is returned, for the caller to report or ignore (Supervisor prints a traceback
/// to stderr and carries on).
#[derive(Debug)]
pub struct Logger {
    level: LogLevel,
    clock: LocalClock,
    handlers: Vec<Handler>,
}

impl Logger {
    /// A logger at `level` with no handlers.
    pub fn new(level: LogLevel, clock: LocalClock) -> Logger {
        Logger {
            level,
            clock,
            handlers: Vec::new(),
        }
    }

    /// The main log as supervisord builds it: stdout first when `nodaemon` and not
    /// `silent`, then the `logfile` (a [`RotatingFile`] with `maxbytes`/`backups`, or
    /// syslog).
    pub fn for_supervisord(
        settings: &MainLogSettings,
        clock: LocalClock,
    ) -> Result<Logger, LogError> {
        let mut logger = Logger::new(settings.level, clock);
        if settings.nodaemon && !settings.silent {
            logger.add_handler(Handler::stdout());
        }
        match &settings.target {
            MainLogTarget::Syslog => logger.add_handler(Handler::syslog()),
            MainLogTarget::File(path) => logger.add_handler(Handler::File(RotatingFile::open(
                path.clone(),
                settings.maxbytes,
                settings.backups,
            )?)),
        }
        Ok(logger)
    }

    /// Adds a handler after the existing ones.
    pub fn add_handler(&mut self, handler: Handler) {
        self.handlers.push(handler);
    }

    /// The handlers, in the order records reach them.
    pub fn handlers(&self) -> &[Handler] {
        &self.handlers
    }

    /// The handlers, mutably (to reach a [`RotatingFile`]).
    pub fn handlers_mut(&mut self) -> &mut [Handler] {
        &mut self.handlers
    }

    /// The logger's level.
    pub fn level(&self) -> LogLevel {
        self.level
    }

    /// Changes the logger's level.
    pub fn set_level(&mut self, level: LogLevel) {
        self.level = level;
    }

    /// The clock stamping records.
    pub fn clock(&self) -> LocalClock {
        self.clock
    }

    /// Replaces the clock (after recomputing the local offset).
    pub fn set_clock(&mut self, clock: LocalClock) {
        self.clock = clock;
    }

    /// Whether a record at `level` would be written; check it before building an
    /// expensive message.
    pub fn is_enabled(&self, level: LogLevel) -> bool {
        level >= self.level
    }

    /// Writes `message` at `level`, stamped with the current time.
    pub fn log(&mut self, level: LogLevel, message: &str) -> Result<(), LogError> {
        self.log_at(level, message, SystemTime::now())
    }

    /// Writes `message` at `level`, stamped with `at`. The record is
    /// `STAMP LEVL message\n`; the message is written as given, newlines included.
    pub fn log_at(
        &mut self,
        level: LogLevel,
        message: &str,
        at: SystemTime,
    ) -> Result<(), LogError> {
        if !self.is_enabled(level) || self.handlers.is_empty() {
            return Ok(());
        }
        let mut record = String::with_capacity(30 + message.len());
        self.clock.write_stamp(at, &mut record);
        record.push(' ');
        record.push_str(level.name());
        record.push(' ');
        let prefix_len = record.len();
        record.push_str(message);
        record.push('\n');
        let mut result = Ok(());
        for handler in &mut self.handlers {
            if let Err(e) = handler.emit(&record, &record[..prefix_len], message) {
                result = result.and(Err(e));
            }
        }
        result
    }

    /// Writes at `CRIT`.
    pub fn critical(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Critical, message)
    }

    /// Writes at `ERRO`.
    pub fn error(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Error, message)
    }

    /// Writes at `WARN`.
    pub fn warn(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Warn, message)
    }

    /// Writes at `INFO`.
    pub fn info(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Info, message)
    }

    /// Writes at `DEBG`.
    pub fn debug(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Debug, message)
    }

    /// Writes at `TRAC`.
    pub fn trace(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Trace, message)
    }

    /// Writes at `BLAT`.
    pub fn blather(&mut self, message: &str) -> Result<(), LogError> {
        self.log(LogLevel::Blather, message)
    }

    /// supervisord's log reopen (SIGUSR2): logs `supervisord logreopen` at `INFO`, then
    /// reopens every handler. (The daemon logs `received SIGUSR2 indicating log reopen
    /// request` itself before calling this, and then reopens the child logs.)
    pub fn reopen(&mut self) -> Result<(), LogError> {
        let logged = self.info("supervisord logreopen");
        let mut result = Ok(());
        for handler in &mut self.handlers {
            if let Err(e) = handler.reopen() {
                result = result.and(Err(e));
            }
        }
        logged.and(result)
    }

    /// `clearLog`: removes `logfile` (fault `NO_FILE` when it does not exist, `FAILED`
    /// when it cannot be removed), then for each handler logs `reopening log file` at
    /// `INFO` and reopens that handler, as Supervisor does (so with two handlers the line
    /// is logged twice, and the first copy reaches the removed file).
    pub fn clear_log(&mut self, logfile: &Path) -> Result<(), LogFileError> {
        if !logfile.exists() {
            return Err(LogFileError::NoFile {
                path: logfile.to_owned(),
            });
        }
        std::fs::remove_file(logfile).map_err(|source| LogFileError::Failed {
            path: logfile.to_owned(),
            source,
        })?;
        for i in 0..self.handlers.len() {
            // Failures here are the handlers' business, as in Supervisor, whose
            // clearLog answers True once the file is gone.
            let _ = self.info("reopening log file");
            let _ = self.handlers[i].reopen();
        }
        Ok(())
    }
}

/// The normal (non-capture) log of one channel (stdout or stderr) of one process: an
/// optional file (`*_logfile`) and an optional syslog copy (`*_syslog`). Data is written
/// as raw bytes, exactly as the child produced it (after `strip_ansi`, if enabled).
pub struct ChildLog {
    file: Option<RotatingFile>,
    syslog: Option<(String, Box<dyn SyslogSink + Send>)>,
}

impl std::fmt::Debug for ChildLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildLog")
            .field("file", &self.file.as_ref().map(RotatingFile::path))
            .field("syslog", &self.syslog.as_ref().map(|(name, _)| name))
            .finish()
    }
}

impl ChildLog {
    /// A channel log writing to `file`, if any.
    pub fn new(file: Option<RotatingFile>) -> ChildLog {
        ChildLog { file, syslog: None }
    }

    /// Also sends every line to `sink` as `PROGRAM line` (`stdout_syslog = true`).
    pub fn with_syslog(mut self, program: &str, sink: Box<dyn SyslogSink + Send>) -> ChildLog {
        self.syslog = Some((program.to_owned(), sink));
        self
    }

    /// The file, if the channel has one.
    pub fn file(&self) -> Option<&RotatingFile> {
        self.file.as_ref()
    }

    /// The file, mutably (for [`RotatingFile::splice_from`]).
    pub fn file_mut(&mut self) -> Option<&mut RotatingFile> {
        self.file.as_mut()
    }

    /// Whether the channel keeps its output anywhere.
    pub fn is_active(&self) -> bool {
        self.file.is_some() || self.syslog.is_some()
    }

    /// Writes one chunk of output: to the file as is, and to syslog one record per line
    /// (trailing newlines dropped). Empty chunks are ignored.
    pub fn write(&mut self, data: &[u8]) -> Result<(), LogError> {
        if data.is_empty() {
            return Ok(());
        }
        let mut result = Ok(());
        if let Some(file) = &mut self.file {
            result = file.write(data);
        }
        if let Some((program, sink)) = &mut self.syslog {
            let mut end = data.len();
            while end > 0 && data[end - 1] == b'\n' {
                end -= 1;
            }
            for line in data[..end].split(|&b| b == b'\n') {
                let mut entry = Vec::with_capacity(program.len() + 1 + line.len());
                entry.extend_from_slice(program.as_bytes());
                entry.push(b' ');
                entry.extend_from_slice(line);
                if let Err(e) = sink.send(&entry) {
                    result = result.and(Err(LogError::Syslog(e)));
                }
            }
        }
        result
    }

    /// The fast path: moves output from the child's pipe straight into the file with
    /// [`RotatingFile::splice_from`]. Answers [`Spliced::Unsupported`] when the channel has
    /// no file or also copies to syslog (which needs the bytes); the caller then reads the
    /// pipe and uses [`write`](Self::write). See [`RotatingFile::splice_from`] for the rest
    /// of the conditions.
    pub fn splice_from(
        &mut self,
        pipe: BorrowedFd<'_>,
        chunk: usize,
        hung_up: bool,
    ) -> Result<Spliced, LogError> {
        match (&mut self.file, &self.syslog) {
            (Some(file), None) => file.splice_from(pipe, chunk, hung_up),
            _ => Ok(Spliced::Unsupported),
        }
    }

    /// Reopens the file (SIGUSR2).
    pub fn reopen(&mut self) -> Result<(), LogError> {
        match &mut self.file {
            Some(file) => file.reopen(),
            None => Ok(()),
        }
    }

    /// Removes and reopens the file (`clearProcessLogs`); syslog has nothing to clear.
    pub fn clear(&mut self) -> Result<(), LogError> {
        match &mut self.file {
            Some(file) => file.clear(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, UNIX_EPOCH};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<Vec<u8>>>>);

    impl SyslogSink for Lines {
        fn send(&mut self, line: &[u8]) -> io::Result<()> {
            self.0.lock().unwrap().push(line.to_vec());
            Ok(())
        }
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn noon() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_704_103_200_123)
    }

    fn text(s: &Shared) -> String {
        String::from_utf8(s.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn record_format_and_level_filter() {
        let out = Shared::default();
        let mut logger = Logger::new(LogLevel::Info, LocalClock::utc());
        logger.add_handler(Handler::Stream(Box::new(out.clone())));
        logger
            .log_at(LogLevel::Info, "spawned: 'foo' with pid 42", noon())
            .unwrap();
        logger.log_at(LogLevel::Debug, "hidden", noon()).unwrap();
        logger.log_at(LogLevel::Critical, "a\nb", noon()).unwrap();
        assert_eq!(
            text(&out),
            "2024-01-01 10:00:00,123 INFO spawned: 'foo' with pid 42\n\
             2024-01-01 10:00:00,123 CRIT a\nb\n"
        );
        assert!(logger.is_enabled(LogLevel::Warn));
        assert!(!logger.is_enabled(LogLevel::Blather));
        logger.set_level(LogLevel::Blather);
        assert!(logger.is_enabled(LogLevel::Blather));
    }

    #[test]
    fn every_level_method_writes_its_name() {
        let out = Shared::default();
        let mut logger = Logger::new(LogLevel::Blather, LocalClock::utc());
        logger.add_handler(Handler::Stream(Box::new(out.clone())));
        logger.critical("m").unwrap();
        logger.error("m").unwrap();
        logger.warn("m").unwrap();
        logger.info("m").unwrap();
        logger.debug("m").unwrap();
        logger.trace("m").unwrap();
        logger.blather("m").unwrap();
        let names: Vec<String> = text(&out)
            .lines()
            .map(|l| l.split(' ').nth(2).unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"]
        );
    }

    #[test]
    fn syslog_gets_one_full_record_per_line() {
        let lines = Lines::default();
        let mut logger = Logger::new(LogLevel::Info, LocalClock::utc());
        logger.add_handler(Handler::Syslog(Box::new(lines.clone())));
        logger
            .log_at(LogLevel::Warn, "one\ntwo\n\n", noon())
            .unwrap();
        let got = lines.0.lock().unwrap().clone();
        assert_eq!(
            got,
            vec![
                b"2024-01-01 10:00:00,123 WARN one\n".to_vec(),
                b"2024-01-01 10:00:00,123 WARN two\n".to_vec()
            ]
        );
    }

    #[test]
    fn broken_pipe_on_stdout_is_ignored() {
        let mut logger = Logger::new(LogLevel::Info, LocalClock::utc());
        logger.add_handler(Handler::Stream(Box::new(Broken)));
        assert!(logger.info("x").is_ok());
    }

    #[test]
    fn supervisord_logger_writes_file_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("supervisord.log");
        let settings = MainLogSettings {
            target: MainLogTarget::File(path.clone()),
            maxbytes: 0,
            backups: 0,
            level: LogLevel::Info,
            nodaemon: false,
            silent: false,
        };
        let mut logger = Logger::for_supervisord(&settings, LocalClock::utc()).unwrap();
        assert_eq!(logger.handlers().len(), 1);
        logger.info("first").unwrap();
        std::fs::rename(&path, dir.path().join("moved.log")).unwrap();
        logger.reopen().unwrap();
        logger.info("second").unwrap();
        let moved = std::fs::read_to_string(dir.path().join("moved.log")).unwrap();
        let now = std::fs::read_to_string(&path).unwrap();
        assert!(moved.contains(" INFO first\n"));
        assert!(moved.ends_with(" INFO supervisord logreopen\n"));
        assert!(now.ends_with(" INFO second\n"));
        assert_eq!(now.lines().count(), 1);
    }

    #[test]
    fn clear_log_matches_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.log");
        let out = Shared::default();
        let mut logger = Logger::new(LogLevel::Info, LocalClock::utc());
        logger.add_handler(Handler::Stream(Box::new(out.clone())));
        logger.add_handler(Handler::File(RotatingFile::open(&path, 0, 0).unwrap()));
        logger.info("before").unwrap();
        logger.clear_log(&path).unwrap();
        assert_eq!(
            text(&out).matches("INFO reopening log file\n").count(),
            2,
            "one line per handler"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"",
            "both copies went to the removed file"
        );
        let missing = dir.path().join("missing.log");
        assert!(matches!(
            logger.clear_log(&missing),
            Err(LogFileError::NoFile { .. })
        ));
    }

    #[test]
    fn main_target_from_logfile() {
        assert_eq!(
            MainLogTarget::from_logfile(Path::new("syslog")),
            MainLogTarget::Syslog
        );
        assert_eq!(
            MainLogTarget::from_logfile(Path::new("/tmp/syslog")),
            MainLogTarget::File("/tmp/syslog".into())
        );
    }

    #[test]
    fn child_log_splices_into_its_file() {
        use std::os::fd::AsFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fast.log");
        let mut log = ChildLog::new(Some(RotatingFile::open(&path, 0, 0).unwrap()));
        let (r, w) = nix::unistd::pipe().unwrap();
        nix::unistd::write(&w, b"fast path").unwrap();
        drop(w);
        assert_eq!(
            log.splice_from(r.as_fd(), 64, true).unwrap(),
            Spliced::Eof(9)
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"fast path");
    }

    #[test]
    fn child_log_writes_bytes_and_syslog_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("child.log");
        let lines = Lines::default();
        let mut log = ChildLog::new(Some(RotatingFile::open(&path, 0, 0).unwrap()))
            .with_syslog("web", Box::new(lines.clone()));
        assert!(log.is_active());
        log.write(b"hi\n\xff\xfe bin\n\n").unwrap();
        log.write(b"").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hi\n\xff\xfe bin\n\n");
        assert_eq!(
            lines.0.lock().unwrap().clone(),
            vec![b"web hi".to_vec(), b"web \xff\xfe bin".to_vec()]
        );
        log.clear().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        log.write(b"again").unwrap();
        log.reopen().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"again");
        assert!(!ChildLog::new(None).is_active());
        let (r, _w) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsFd;
        assert_eq!(
            log.splice_from(r.as_fd(), 10, false).unwrap(),
            Spliced::Unsupported,
            "a syslog copy needs the bytes"
        );
        assert_eq!(
            ChildLog::new(None)
                .splice_from(r.as_fd(), 10, false)
                .unwrap(),
            Spliced::Unsupported
        );
        assert!(format!("{log:?}").contains("web"));
    }
}
