//! The daemon's answers to the api crate: [`supervisor_api::Host`] for [`Core`], and the
//! `Core` helpers behind them (adding and removing groups, re-reading the config file,
//! writing to a child's stdin).

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use supervisor_api::{Channel, GroupDiff};
use supervisor_config::{
    Environment, GroupConfig, GroupKind, LogFile, MainLogFile, OsFs, diff_groups,
};
use supervisor_log::LogFileError;
use supervisor_process::{CommandError, GroupSpec, ProcessId, ProcessTable, Timestamp};
use supervisor_types::FaultCode;
use supervisor_xmlrpc::Fault;

use crate::core::{Core, Proc, clamp_i32, process_spec};

impl Core {
    /// Makes `group` active: its processes join the table (autostart ones start once the
    /// daemon runs) and get their records; `AUTO` log names are written back into the
    /// read configuration, as Supervisor's `after_setuid` does, so `getAllConfigInfo`
    /// shows them.
    pub(crate) fn activate_group(&mut self, group: GroupConfig) -> Result<(), CommandError> {
        let spec = GroupSpec {
            name: group.name.clone(),
            priority: clamp_i32(group.priority),
            processes: group.processes.iter().map(process_spec).collect(),
        };
        self.table.add_group(spec, Core::timestamp())?;
        if let Some(pool) = crate::events::pool_spec(&group, &self.table) {
            self.events.add_pool(pool);
        }
        if let GroupKind::FastCgi { socket } = &group.kind {
            let shared = crate::fcgi::SharedSocket::new(socket.clone());
            self.fcgi.insert(group.name.clone(), shared);
        }
        for pc in &group.processes {
            if let Some(id) = self.table.process_id(&group.name, &pc.name) {
                let proc = self.new_proc(pc.clone());
                self.record_auto_names(&group.name, &proc);
                self.procs.insert(id, proc);
            }
        }
        self.active.push(group);
        Ok(())
    }

    fn record_auto_names(&mut self, group: &str, proc: &Proc) {
        let Some(read) = self.config.groups.iter_mut().find(|g| g.name == group) else {
            return;
        };
        let Some(pc) = read
            .processes
            .iter_mut()
            .find(|p| p.name == proc.config.name)
        else {
            return;
        };
        let fill = |setting: &mut LogFile, path: &Option<PathBuf>| {
            if let (LogFile::Auto, Some(path)) = (&setting, path) {
                *setting = LogFile::Path(path.display().to_string());
            }
        };
        fill(&mut pc.stdout_logfile, &proc.stdout_path);
        fill(&mut pc.stderr_logfile, &proc.stderr_path);
    }

    /// Drops an active group whose processes are all stopped, with their records, logs
    /// and any pipe not yet drained.
    pub(crate) fn deactivate_group(&mut self, name: &str) -> Result<(), CommandError> {
        if !self.active.iter().any(|g| g.name == name) {
            return Err(CommandError::BadName(name.to_owned()));
        }
        let ids = self
            .table
            .group_processes(name)
            .map(<[ProcessId]>::to_vec)
            .unwrap_or_default();
        self.table.remove_group(name, Core::timestamp())?;
        self.events.remove_pool(name);
        self.fcgi.remove(name);
        for id in &ids {
            self.procs.remove(id);
            self.stdin_backlog.remove(id);
        }
        self.pipes.retain(|_, pipe| !ids.contains(&pipe.id));
        self.active.retain(|g| g.name != name);
        Ok(())
    }

    /// The configuration file, by absolute path: the daemon may have changed directory
    /// since it was read.
    fn config_path(&self) -> PathBuf {
        let file = Path::new(&self.config.configfile);
        match file.file_name() {
            Some(base) if file.is_relative() => Path::new(&self.config.here).join(base),
            _ => file.to_owned(),
        }
    }

    /// Writes `data` (after anything still queued) to the child's stdin without
    /// blocking; what the pipe cannot take now stays queued until the pipe has room
    /// ([`Core::stdin_writable`]).
    fn write_stdin(&mut self, id: ProcessId, data: &[u8]) -> io::Result<()> {
        write_stdin_to(&self.procs, &mut self.stdin_backlog, id, data)
    }
}

/// [`Core::write_stdin`] on the two fields it needs, so that the eventlistener bus can
/// write while it is borrowed.
pub(crate) fn write_stdin_to(
    procs: &HashMap<ProcessId, Proc>,
    backlog: &mut HashMap<ProcessId, Vec<u8>>,
    id: ProcessId,
    data: &[u8],
) -> io::Result<()> {
    let Some(fd) = procs.get(&id).and_then(|p| p.stdin.as_ref()) else {
        return Err(io::Error::from_raw_os_error(libc::EPIPE));
    };
    let mut queued = backlog.remove(&id).unwrap_or_default();
    queued.extend_from_slice(data);
    let written = write_some(fd.as_fd(), &queued)?;
    if written < queued.len() {
        queued.drain(..written);
        backlog.insert(id, queued);
    }
    Ok(())
}

/// Writes as much of `data` as the non-blocking pipe takes now.
fn write_some(fd: std::os::fd::BorrowedFd<'_>, data: &[u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < data.len() {
        match nix::unistd::write(fd, &data[done..]) {
            Ok(n) => done += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

fn channel_log(p: &Proc, channel: Channel) -> Option<&PathBuf> {
    match channel {
        Channel::Stdout => p.stdout_path.as_ref(),
        Channel::Stderr => p.stderr_path.as_ref(),
    }
}

impl supervisor_api::Host for Core {
    fn table(&self) -> &ProcessTable {
        &self.table
    }

    fn table_mut(&mut self) -> &mut ProcessTable {
        &mut self.table
    }

    fn now(&self) -> Timestamp {
        Core::timestamp()
    }

    fn utc_offset(&self) -> i32 {
        self.utc_offset
    }

    fn identification(&self) -> &str {
        &self.config.supervisord.identifier
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    fn check_command(&self, id: ProcessId) -> Result<(), Fault> {
        self.resolve(id).map(|_| ()).map_err(|e| {
            let code = if e.is_not_found() {
                FaultCode::NoFile
            } else {
                FaultCode::NotExecutable
            };
            Fault::new(code, Some(&e.to_string()))
        })
    }

    /// Like Supervisor's `startProcess`, reaps before answering, so a child that has
    /// already died is reported as such.
    fn settle(&mut self) {
        self.drive();
        let ended = crate::reap::reap_all();
        if !ended.is_empty() {
            self.reaped(ended);
            self.drive();
        }
    }

    fn logfile(&self, id: ProcessId, channel: Channel) -> Option<PathBuf> {
        self.procs
            .get(&id)
            .and_then(|p| channel_log(p, channel))
            .cloned()
    }

    fn main_logfile(&self) -> Option<PathBuf> {
        Some(match &self.config.supervisord.logfile {
            MainLogFile::Path(p) => PathBuf::from(p),
            MainLogFile::Syslog => PathBuf::from("syslog"),
        })
    }

    fn clear_main_log(&mut self) -> Result<(), LogFileError> {
        let path = self.main_logfile().unwrap_or_default();
        self.logger.clear_log(&path)
    }

    fn clear_process_logs(&mut self, id: ProcessId) -> io::Result<()> {
        let Some(p) = self.procs.get_mut(&id) else {
            return Ok(());
        };
        for log in [p.stdout_log.as_mut(), p.stderr_log.as_mut()]
            .into_iter()
            .flatten()
        {
            log.clear().map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn send_stdin(&mut self, id: ProcessId, data: &[u8]) -> io::Result<()> {
        self.write_stdin(id, data)
    }

    fn send_remote_comm_event(&mut self, kind: &str, data: &str) {
        self.events
            .publish(supervisor_events::Event::RemoteCommunication {
                kind: kind.to_owned(),
                data: data.to_owned(),
            });
    }

    fn group_configs(&self) -> &[GroupConfig] {
        &self.config.groups
    }

    fn reload_config(&mut self) -> Result<GroupDiff, String> {
        let env = Environment::from_process().map_err(|e| e.to_string())?;
        let config =
            supervisor_config::load(&self.config_path(), &env, &OsFs).map_err(|e| e.to_string())?;
        self.config.groups = config.groups;
        Ok(diff_groups(&self.active, &self.config.groups))
    }

    fn add_group(&mut self, name: &str) -> Result<(), CommandError> {
        let group = self
            .config
            .groups
            .iter()
            .find(|g| g.name == name)
            .cloned()
            .ok_or_else(|| CommandError::BadName(name.to_owned()))?;
        if self.active.iter().any(|g| g.name == name) {
            return Err(CommandError::AlreadyAdded(name.to_owned()));
        }
        if let GroupKind::FastCgi { socket } = &group.kind {
            crate::fcgi::probe(socket, &mut self.logger)
                .map_err(|e| CommandError::Failed(e.to_string()))?;
        }
        self.activate_group(group)
    }

    fn remove_group(&mut self, name: &str) -> Result<(), CommandError> {
        self.deactivate_group(name)
    }
}
