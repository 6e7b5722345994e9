//! The daemon's answers to the api crate: [`supervisor_api::Host`] for [`Core`].

use std::path::PathBuf;

use supervisor_process::{ProcessId, ProcessTable, Timestamp};
use supervisor_types::FaultCode;
use supervisor_xmlrpc::Fault;

use crate::core::Core;

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

    fn logfiles(&self, id: ProcessId) -> (String, String) {
        let show = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        self.procs
            .get(&id)
            .map(|p| (show(&p.stdout_path), show(&p.stderr_path)))
            .unwrap_or_default()
    }
}
