//! What the state machine needs to know about a process and a group.

use supervisor_types::AutoRestart;

/// The lifecycle parameters of one process instance, independent of any INI file.
///
/// Commands, environments, users and log files are not here: the host spawns, so only
/// the host knows them. The defaults of [`ProcessSpec::new`] are Supervisor's defaults
/// for a `[program:x]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The process name (`process_name`, e.g. `web_01`); unique inside its group.
    pub name: String,
    /// Order inside the group: lower starts first and stops last (`priority`, default 999).
    pub priority: i32,
    /// Start when the supervisor starts or the group is added (`autostart`, default true).
    pub autostart: bool,
    /// Whether a process that exited from RUNNING is started again (`autorestart`).
    pub autorestart: AutoRestart,
    /// Seconds the process must stay up to count as started (`startsecs`, default 1).
    pub startsecs: u64,
    /// Failed start attempts allowed before giving up in FATAL (`startretries`, default 3).
    pub startretries: u32,
    /// Exit codes that count as expected (`exitcodes`, default `[0]`).
    pub exitcodes: Vec<i32>,
    /// The signal that asks the process to stop (`stopsignal`, default 15, SIGTERM).
    pub stopsignal: i32,
    /// Seconds to wait after the stop signal before sending SIGKILL (`stopwaitsecs`, default 10).
    pub stopwaitsecs: u64,
    /// Send the stop signal to the whole process group (`stopasgroup`).
    pub stopasgroup: bool,
    /// Send SIGKILL to the whole process group (`killasgroup`).
    pub killasgroup: bool,
}

impl ProcessSpec {
    /// A spec with Supervisor's defaults and this name.
    ///
    /// ```
    /// let spec = supervisor_process::ProcessSpec::new("web");
    /// assert_eq!((spec.priority, spec.startsecs, spec.startretries), (999, 1, 3));
    /// assert_eq!(spec.exitcodes, [0]);
    /// ```
    pub fn new(name: impl Into<String>) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            priority: 999,
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            startsecs: 1,
            startretries: 3,
            exitcodes: vec![0],
            stopsignal: 15,
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
        }
    }
}

/// A process group: a name, a priority and its processes.
///
/// A `[program:x]` section becomes a group named `x` holding its `numprocs` instances; a
/// `[group:g]` section becomes a group `g` holding the programs it lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    /// The group name.
    pub name: String,
    /// Lower starts first and stops last (`priority`, default 999).
    pub priority: i32,
    /// The processes, in configuration order.
    pub processes: Vec<ProcessSpec>,
}

impl GroupSpec {
    /// A group with the default priority.
    pub fn new(name: impl Into<String>, processes: Vec<ProcessSpec>) -> GroupSpec {
        GroupSpec {
            name: name.into(),
            priority: 999,
            processes,
        }
    }

    /// The usual one-process group (`[program:x]` with `numprocs=1`): group and process
    /// share the spec's name and priority.
    pub fn single(spec: ProcessSpec) -> GroupSpec {
        GroupSpec {
            name: spec.name.clone(),
            priority: spec.priority,
            processes: vec![spec],
        }
    }
}
