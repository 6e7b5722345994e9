//! The process table: every group and process, and every lifecycle decision.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use supervisor_types::{
    AutoRestart, LogLevel, Namespec, ProcessState, SupervisorState, make_namespec, signal_name,
};

use crate::event::{Action, Event, ExitStatus, LogLine, StateChange};
use crate::time::{Timestamp, format_stop_date, format_uptime, unix_seconds};
use crate::transition::is_allowed_transition;
use crate::{CommandError, GroupSpec, ProcessSpec};

/// SIGKILL, sent when a process overruns `stopwaitsecs`.
const SIGKILL: i32 = 9;
/// `waiting for NAME to stop` is logged at most this often.
const STOP_REPORT_EVERY: Duration = Duration::from_secs(2);
/// `waiting for A, B to die` is logged at most this often during shutdown.
const SHUTDOWN_REPORT_EVERY: Duration = Duration::from_secs(3);
/// The least time between two SIGKILLs to a process that will not die.
const MIN_REKILL: Duration = Duration::from_secs(1);
/// The spawn error of a process that exited before `startsecs`.
const EXITED_TOO_QUICKLY: &str = "Exited too quickly (process log may have details)";

/// Hashes pids: they come from the host's kernel, not from users, so a multiplicative
/// hash is enough and several times cheaper than SipHash on this hot path.
#[derive(Clone, Copy, Debug, Default)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type PidMap = HashMap<u32, ProcessId, BuildHasherDefault<PidHasher>>;

/// A process in a [`ProcessTable`]: small, copyable, and never reused for another
/// process (a removed process's id stays invalid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId {
    index: u32,
    generation: u32,
}

/// What a namespec names: [`ProcessTable::find`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One process (`name` or `group:name`).
    Process(ProcessId),
    /// A whole group (`group:*` or `group:`); holds the group name.
    Group(Arc<str>),
}

/// Whether a waited-for command has finished: [`ProcessTable::start_progress`],
/// [`ProcessTable::stop_progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Not yet: ask again after the next state change.
    Pending,
    /// Finished successfully.
    Done,
}

/// The outcome of a group or "all" command for one process, in the order Supervisor
/// reports them.
pub type BatchResult = Vec<(ProcessId, Result<(), CommandError>)>;

/// Everything `getProcessInfo` reports that this crate knows (log file names are the
/// host's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The process name.
    pub name: String,
    /// Its group's name.
    pub group: String,
    /// Last start, in Unix seconds (0 if never started).
    pub start: i64,
    /// Last exit, in Unix seconds (0 if never exited).
    pub stop: i64,
    /// The wall-clock time passed in, in Unix seconds.
    pub now: i64,
    /// The current state.
    pub state: ProcessState,
    /// The last spawn error, or empty.
    pub spawnerr: String,
    /// The last exit status (0 if none, -1 if killed by a signal).
    pub exitstatus: i32,
    /// The pid, or 0 when not running.
    pub pid: u32,
    /// The human-readable description (see [`ProcessRef::description`]).
    pub description: String,
}

#[derive(Debug)]
struct Process {
    spec: ProcessSpec,
    name: Arc<str>,
    group_name: Arc<str>,
    state: ProcessState,
    pid: Option<u32>,
    /// A `Spawn` action is out and the host has not reported its outcome.
    spawn_pending: bool,
    /// Where it stands in Supervisor's priority order: (group priority, group insertion,
    /// place in the group). Deadlines due together are handled in this order, as one
    /// pass of Supervisor's main loop would.
    rank: (i32, u64, u32),
    laststart: Option<Instant>,
    laststart_wall: Option<SystemTime>,
    laststop_wall: Option<SystemTime>,
    laststopreport: Option<Instant>,
    deadline: Option<Instant>,
    backoff: u32,
    killing: bool,
    exitstatus: Option<i32>,
    spawnerr: Option<String>,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    process: Option<Process>,
}

#[derive(Debug)]
struct Group {
    name: Arc<str>,
    priority: i32,
    seq: u64,
    /// In priority order (stable: ties keep configuration order).
    members: Vec<ProcessId>,
}

/// Every group and process Supervisor manages, and all of their lifecycle decisions.
///
/// It does no I/O and reads no clock. The host (a daemon's event loop, or any program
/// embedding it) feeds it what happened and the time, and carries out what it asks.
///
/// # Call order
///
/// 1. Build: [`new`](Self::new), then [`add_group`](Self::add_group) for each configured
///    group, then [`start_autostart`](Self::start_autostart) once.
/// 2. Loop:
///    - drain [`poll_action`](Self::poll_action) and carry out each action: a `Spawn` is
///      answered with [`handle_spawned`](Self::handle_spawned) or
///      [`handle_spawn_failed`](Self::handle_spawn_failed) (before or after draining
///      the rest); a `Kill` is sent (see [`Action::Kill`]);
///    - drain [`poll_event`](Self::poll_event) (state changes, main-log lines);
///    - wait for I/O or until [`poll_timeout`](Self::poll_timeout);
///    - report what happened: [`handle_exit`](Self::handle_exit) for each reaped child,
///      [`handle_timeout`](Self::handle_timeout) when the deadline has passed, commands
///      ([`start`](Self::start), [`stop`](Self::stop), [`signal`](Self::signal), …) as
///      they arrive.
/// 3. Stop: [`shutdown`](Self::shutdown) or [`restart`](Self::restart), keep looping
///    until [`Event::AllStopped`] comes out (also [`is_stopped_all`](Self::is_stopped_all)).
///
/// Every call that changes something takes a [`Timestamp`] and first catches up with
/// any deadline already due, so calling `handle_timeout` late, early or twice is
/// harmless. After each call the outputs may have grown: poll them before waiting.
#[derive(Debug)]
pub struct ProcessTable {
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    groups: Vec<Option<Group>>,
    free_groups: Vec<usize>,
    group_index: HashMap<Arc<str>, usize>,
    /// Group slots in priority order (stable on insertion order).
    group_order: Vec<usize>,
    next_seq: u64,
    pids: PidMap,
    timers: BTreeSet<(Instant, u32)>,
    /// Scratch space for the deadlines one `settle` handles.
    due: Vec<((i32, u64, u32), usize)>,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
    mood: SupervisorState,
    started: bool,
    /// Groups still to stop, the last one first; `Some` once stopping has begun.
    stop_groups: Option<Vec<usize>>,
    last_shutdown_report: Option<Instant>,
    all_stopped_sent: bool,
}

impl Default for ProcessTable {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcessTable {
    /// An empty table in the RUNNING supervisor state.
    pub fn new() -> ProcessTable {
        ProcessTable {
            slots: Vec::new(),
            free_slots: Vec::new(),
            groups: Vec::new(),
            free_groups: Vec::new(),
            group_index: HashMap::new(),
            group_order: Vec::new(),
            next_seq: 0,
            pids: PidMap::default(),
            timers: BTreeSet::new(),
            due: Vec::new(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
            mood: SupervisorState::Running,
            started: false,
            stop_groups: None,
            last_shutdown_report: None,
            all_stopped_sent: false,
        }
    }

    // ----- groups -------------------------------------------------------------------

    /// Adds a group and its processes (`addProcessGroup`). Once
    /// [`start_autostart`](Self::start_autostart) has run, its `autostart` processes are
    /// started at once, as Supervisor does on its next loop turn.
    ///
    /// Fails with `AlreadyAdded` if the group exists, or names `group:process` if two
    /// processes share a name.
    pub fn add_group(&mut self, spec: GroupSpec, now: Timestamp) -> Result<(), CommandError> {
        if self.group_index.contains_key(spec.name.as_str()) {
            return Err(CommandError::AlreadyAdded(spec.name));
        }
        for (i, p) in spec.processes.iter().enumerate() {
            if spec.processes[..i].iter().any(|q| q.name == p.name) {
                return Err(CommandError::AlreadyAdded(make_namespec(
                    &spec.name, &p.name,
                )));
            }
        }
        let group_name: Arc<str> = Arc::from(spec.name);
        let gslot = match self.free_groups.pop() {
            Some(g) => g,
            None => {
                self.groups.push(None);
                self.groups.len() - 1
            }
        };
        let spec_priority = spec.priority;
        let mut processes = spec.processes;
        processes.sort_by_key(|p| p.priority);
        let members = processes
            .into_iter()
            .enumerate()
            .map(|(i, spec)| {
                let rank = (spec_priority, self.next_seq, i as u32);
                self.insert_process(spec, group_name.clone(), rank)
            })
            .collect();
        self.groups[gslot] = Some(Group {
            name: group_name.clone(),
            priority: spec.priority,
            seq: self.next_seq,
            members,
        });
        self.next_seq += 1;
        self.group_index.insert(group_name.clone(), gslot);
        self.sort_groups();
        self.events.push_back(Event::GroupAdded(group_name));
        if self.started {
            for id in self.group_members(gslot) {
                self.autostart(id.index as usize, now);
            }
        }
        self.settle(now);
        Ok(())
    }

    /// Removes a group whose processes are all stopped (`removeProcessGroup`): `BadName`
    /// if there is no such group, `StillRunning` if a process is not in a stopped state.
    /// The ids of its processes become invalid.
    pub fn remove_group(&mut self, name: &str, now: Timestamp) -> Result<(), CommandError> {
        let gslot = *self
            .group_index
            .get(name)
            .ok_or_else(|| CommandError::BadName(name.to_owned()))?;
        let members = self.group_members(gslot);
        if members.iter().any(|&id| !self.proc(id).state.is_stopped()) {
            return Err(CommandError::StillRunning(name.to_owned()));
        }
        for id in members {
            let slot = &mut self.slots[id.index as usize];
            if let Some(p) = slot.process.take() {
                if let Some(pid) = p.pid {
                    self.pids.remove(&pid);
                }
                if let Some(d) = p.deadline {
                    self.timers.remove(&(d, id.index));
                }
            }
            slot.generation = slot.generation.wrapping_add(1);
            self.free_slots.push(id.index);
        }
        let group = self.groups[gslot].take();
        self.free_groups.push(gslot);
        self.group_index.remove(name);
        self.group_order.retain(|&g| g != gslot);
        if let Some(stop_groups) = &mut self.stop_groups {
            stop_groups.retain(|&g| g != gslot);
        }
        if let Some(group) = group {
            self.events.push_back(Event::GroupRemoved(group.name));
        }
        self.settle(now);
        Ok(())
    }

    fn insert_process(
        &mut self,
        spec: ProcessSpec,
        group_name: Arc<str>,
        rank: (i32, u64, u32),
    ) -> ProcessId {
        let process = Process {
            name: Arc::from(spec.name.as_str()),
            spec,
            group_name,
            state: ProcessState::Stopped,
            pid: None,
            spawn_pending: false,
            rank,
            laststart: None,
            laststart_wall: None,
            laststop_wall: None,
            laststopreport: None,
            deadline: None,
            backoff: 0,
            killing: false,
            exitstatus: None,
            spawnerr: None,
        };
        let index = match self.free_slots.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    process: None,
                });
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.process = Some(process);
        ProcessId {
            index,
            generation: slot.generation,
        }
    }

    fn sort_groups(&mut self) {
        let mut order: Vec<usize> = (0..self.groups.len())
            .filter(|&g| self.groups[g].is_some())
            .collect();
        order.sort_by_key(|&g| {
            self.groups[g]
                .as_ref()
                .map_or((0, 0), |g| (g.priority, g.seq))
        });
        self.group_order = order;
    }

    fn group_members(&self, gslot: usize) -> Vec<ProcessId> {
        self.groups[gslot]
            .as_ref()
            .map(|g| g.members.clone())
            .unwrap_or_default()
    }

    // ----- lookup and iteration -----------------------------------------------------

    /// Resolves a namespec as Supervisor does: `name` (group and process of that name),
    /// `group:name`, or `group:*` / `group:` (the whole group). `BadName` carries the
    /// namespec as given.
    ///
    /// ```
    /// # use supervisor_process::*;
    /// # let now = Timestamp::new(std::time::Instant::now(), std::time::SystemTime::now());
    /// let mut table = ProcessTable::new();
    /// table.add_group(GroupSpec::new("g", vec![ProcessSpec::new("a")]), now).unwrap();
    /// assert!(matches!(table.find("g:a"), Ok(Target::Process(_))));
    /// assert!(matches!(table.find("g:*"), Ok(Target::Group(_))));
    /// assert_eq!(table.find("a").unwrap_err().to_string(), "BAD_NAME: a");
    /// ```
    pub fn find(&self, namespec: &str) -> Result<Target, CommandError> {
        let spec = Namespec::parse(namespec);
        let bad = || CommandError::BadName(namespec.to_owned());
        let gslot = *self.group_index.get(spec.group).ok_or_else(bad)?;
        let group = self.groups[gslot].as_ref().ok_or_else(bad)?;
        match spec.process {
            None => Ok(Target::Group(group.name.clone())),
            Some(name) => group
                .members
                .iter()
                .copied()
                .find(|&id| &*self.proc(id).name == name)
                .map(Target::Process)
                .ok_or_else(bad),
        }
    }

    /// The process `name` of group `group`, if any.
    pub fn process_id(&self, group: &str, name: &str) -> Option<ProcessId> {
        let gslot = *self.group_index.get(group)?;
        self.groups[gslot]
            .as_ref()?
            .members
            .iter()
            .copied()
            .find(|&id| &*self.proc(id).name == name)
    }

    /// A view of one process, or `None` if the id is stale.
    pub fn process(&self, id: ProcessId) -> Option<ProcessRef<'_>> {
        self.get(id).map(|p| ProcessRef { id, p })
    }

    /// Every process in Supervisor's priority order: groups by priority, processes by
    /// priority inside each group, ties in the order they were added.
    pub fn processes(&self) -> impl Iterator<Item = ProcessId> + '_ {
        self.group_order
            .iter()
            .filter_map(|&g| self.groups[g].as_ref())
            .flat_map(|g| g.members.iter().copied())
    }

    /// Every process in lexical order (group name, then process name), as
    /// `getAllProcessInfo` lists them.
    pub fn processes_lexical(&self) -> Vec<ProcessId> {
        let mut ids: Vec<ProcessId> = self.processes().collect();
        ids.sort_by(|&a, &b| {
            let (pa, pb) = (self.proc(a), self.proc(b));
            (&pa.group_name, &pa.name).cmp(&(&pb.group_name, &pb.name))
        });
        ids
    }

    /// The groups in priority order, as `(name, priority)`.
    pub fn groups(&self) -> impl Iterator<Item = (&str, i32)> + '_ {
        self.group_order
            .iter()
            .filter_map(|&g| self.groups[g].as_ref())
            .map(|g| (&*g.name, g.priority))
    }

    /// The processes of a group in priority order, or `None` if there is no such group.
    pub fn group_processes(&self, group: &str) -> Option<&[ProcessId]> {
        let gslot = *self.group_index.get(group)?;
        self.groups[gslot].as_ref().map(|g| g.members.as_slice())
    }

    /// The number of processes.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free_slots.len()
    }

    /// Whether there are no processes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The supervisor state (`getState`): RUNNING until [`shutdown`](Self::shutdown) or
    /// [`restart`](Self::restart).
    pub fn supervisor_state(&self) -> SupervisorState {
        self.mood
    }

    /// Whether every process is in a stopped state (STOPPED, EXITED, FATAL, UNKNOWN).
    pub fn is_stopped_all(&self) -> bool {
        self.processes().all(|id| self.proc(id).state.is_stopped())
    }

    fn get(&self, id: ProcessId) -> Option<&Process> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation == id.generation {
            slot.process.as_ref()
        } else {
            None
        }
    }

    fn lookup(&self, id: ProcessId) -> Result<&Process, CommandError> {
        self.get(id)
            .ok_or_else(|| CommandError::BadName(format!("process #{}", id.index)))
    }

    /// A live process by id; only called with ids taken from the table itself.
    fn proc(&self, id: ProcessId) -> &Process {
        self.slots[id.index as usize]
            .process
            .as_ref()
            .expect("ids held by the table are live")
    }

    fn at(&mut self, index: usize) -> &mut Process {
        self.slots[index]
            .process
            .as_mut()
            .expect("indices held by the table are live")
    }

    fn id_of(&self, index: usize) -> ProcessId {
        ProcessId {
            index: index as u32,
            generation: self.slots[index].generation,
        }
    }

    // ----- outputs ------------------------------------------------------------------

    /// The next thing the host must do, if any.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next event (state change, log line, group or supervisor event), if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline (startsecs, backoff delay, stopwaitsecs, shutdown report),
    /// if any. Call [`handle_timeout`](Self::handle_timeout) once it has passed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = self.timers.first().map(|&(t, _)| t);
        let report = match (&self.stop_groups, self.last_shutdown_report) {
            (Some(_), Some(last)) if !self.all_stopped_sent => Some(last + SHUTDOWN_REPORT_EVERY),
            _ => None,
        };
        match (timer, report) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- inputs -------------------------------------------------------------------

    /// Time has passed: act on every deadline that is due.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.settle(now);
    }

    /// The host spawned the process it was asked to ([`Action::Spawn`]) and it has `pid`.
    /// Logs `spawned: 'NAME' with pid PID`.
    ///
    /// Returns false (and changes nothing) if the id is stale or no spawn was pending;
    /// that child is then the host's own business.
    pub fn handle_spawned(&mut self, id: ProcessId, pid: u32, now: Timestamp) -> bool {
        let pending = self.get(id).is_some_and(|p| p.spawn_pending);
        if !pending || self.pids.contains_key(&pid) {
            return false;
        }
        let index = id.index as usize;
        let p = self.at(index);
        p.spawn_pending = false;
        p.pid = Some(pid);
        p.spawnerr = None;
        let text = format!("spawned: '{}' with pid {pid}", p.name);
        let deadline = p
            .laststart
            .and_then(|t| t.checked_add(Duration::from_secs(p.spec.startsecs)));
        self.pids.insert(pid, id);
        self.log(LogLevel::Info, text);
        self.set_deadline(index, deadline);
        self.settle(now);
        true
    }

    /// The host could not spawn the process; `message` is the spawn error Supervisor
    /// would record, e.g. `can't find command '/x'`. Logs `spawnerr: MESSAGE` and goes to
    /// BACKOFF (or FATAL when out of retries). Returns false if the id is stale or no
    /// spawn was pending.
    pub fn handle_spawn_failed(&mut self, id: ProcessId, message: &str, now: Timestamp) -> bool {
        if !self.get(id).is_some_and(|p| p.spawn_pending) {
            return false;
        }
        let index = id.index as usize;
        let p = self.at(index);
        p.spawn_pending = false;
        p.spawnerr = Some(message.to_owned());
        self.log(LogLevel::Info, format!("spawnerr: {message}"));
        self.enter_backoff(index, now);
        self.settle(now);
        true
    }

    /// The host reaped `pid` with `status`. Returns whether the pid was one of ours; if
    /// not, nothing changes (Supervisor logs `reaped unknown pid PID (STATUS)`: the host's
    /// job, since it may have children of its own).
    pub fn handle_exit(&mut self, pid: u32, status: ExitStatus, now: Timestamp) -> bool {
        let Some(id) = self.pids.remove(&pid) else {
            return false;
        };
        self.finish(id.index as usize, status, now);
        self.settle(now);
        true
    }

    /// Sending a signal (an [`Action::Kill`]) failed with an error other than ESRCH;
    /// `message` says why. Supervisor then logs at CRITICAL and puts the process in the
    /// UNKNOWN state. Returns false if the id is stale or the process has no pid.
    pub fn handle_signal_failed(&mut self, id: ProcessId, message: &str, now: Timestamp) -> bool {
        let Some(p) = self.get(id) else {
            return false;
        };
        let Some(pid) = p.pid else {
            return false;
        };
        if !p.state.is_signallable() {
            return false;
        }
        let text = if p.killing {
            format!("unknown problem killing {} ({pid}):{message}", p.name)
        } else {
            format!("unknown problem sending sig {} ({pid}):{message}", p.name)
        };
        let index = id.index as usize;
        self.log(LogLevel::Critical, text);
        self.change_state(index, ProcessState::Unknown, true);
        self.at(index).killing = false;
        self.set_deadline(index, None);
        self.settle(now);
        true
    }

    // ----- commands -----------------------------------------------------------------

    /// Starts a process (`startProcess`): STOPPED, EXITED, FATAL or BACKOFF → STARTING,
    /// and a [`Action::Spawn`] comes out.
    ///
    /// Errors: `ShutdownState` while stopping everything, `AlreadyStarted` when STARTING,
    /// RUNNING or BACKOFF, `Failed` when UNKNOWN or STOPPING, `BadName` for a stale id.
    pub fn start(&mut self, id: ProcessId, now: Timestamp) -> Result<(), CommandError> {
        let p = self.lookup(id)?;
        if self.mood != SupervisorState::Running {
            return Err(CommandError::ShutdownState);
        }
        match p.state {
            s if s.is_running() => return Err(CommandError::AlreadyStarted(namespec(p))),
            ProcessState::Unknown => {
                return Err(CommandError::Failed(format!(
                    "{} is in an unknown process state",
                    namespec(p)
                )));
            }
            ProcessState::Stopping => {
                return Err(CommandError::Failed(format!("{} is stopping", namespec(p))));
            }
            _ => {}
        }
        self.spawn(id.index as usize, now);
        self.settle(now);
        Ok(())
    }

    /// Stops a process (`stopProcess`): sends its `stopsignal` (to its process group when
    /// `stopasgroup`) and enters STOPPING, or goes straight to STOPPED from BACKOFF. After
    /// `stopwaitsecs` without an exit, SIGKILL follows.
    ///
    /// Errors: `NotRunning` unless STARTING, RUNNING or BACKOFF; `Failed` when the spawn
    /// has not been reported yet (no pid to signal); `BadName` for a stale id.
    pub fn stop(&mut self, id: ProcessId, now: Timestamp) -> Result<(), CommandError> {
        let p = self.lookup(id)?;
        if !p.state.is_running() {
            return Err(CommandError::NotRunning(namespec(p)));
        }
        let index = id.index as usize;
        self.at(index).laststopreport = None;
        let signal = self.at(index).spec.stopsignal;
        let result = self.kill(index, signal, now).map_err(CommandError::Failed);
        self.settle(now);
        result
    }

    /// Sends `signal` to a process without intending to stop it (`signalProcess`).
    ///
    /// Errors: `BadSignal` for a number that is no signal, `NotRunning` unless STARTING,
    /// RUNNING or STOPPING, `Failed` when it has no pid yet, `BadName` for a stale id.
    pub fn signal(
        &mut self,
        id: ProcessId,
        signal: i32,
        now: Timestamp,
    ) -> Result<(), CommandError> {
        let p = self.lookup(id)?;
        if !matches!(signal, 1..=31 | 34..=64) {
            return Err(CommandError::BadSignal(signal.to_string()));
        }
        if !p.state.is_signallable() {
            return Err(CommandError::NotRunning(namespec(p)));
        }
        let Some(pid) = p.pid else {
            let text = format!(
                "attempted to send {} sig {} but it wasn't running",
                p.name,
                signal_name(signal)
            );
            self.log(LogLevel::Debug, text.clone());
            return Err(CommandError::Failed(text));
        };
        let text = format!("sending {} (pid {pid}) sig {}", p.name, signal_name(signal));
        self.log(LogLevel::Debug, text);
        self.actions.push_back(Action::Kill {
            id,
            pid,
            signal,
            process_group: false,
        });
        self.settle(now);
        Ok(())
    }

    /// Starts every process of a group that is not running (`startProcessGroup`), in
    /// priority order. `BadName` if there is no such group.
    pub fn start_group(
        &mut self,
        group: &str,
        now: Timestamp,
    ) -> Result<BatchResult, CommandError> {
        let ids = self.members_of(group)?;
        Ok(self.batch(
            ids,
            |s, id| !s.proc(id).state.is_running(),
            |s, id| s.start(id, now),
        ))
    }

    /// Stops every running process of a group (`stopProcessGroup`), in priority order.
    pub fn stop_group(&mut self, group: &str, now: Timestamp) -> Result<BatchResult, CommandError> {
        let ids = self.members_of(group)?;
        Ok(self.batch(
            ids,
            |s, id| s.proc(id).state.is_running(),
            |s, id| s.stop(id, now),
        ))
    }

    /// Signals every signallable process of a group (`signalProcessGroup`).
    pub fn signal_group(
        &mut self,
        group: &str,
        signal: i32,
        now: Timestamp,
    ) -> Result<BatchResult, CommandError> {
        let ids = self.members_of(group)?;
        Ok(self.batch(
            ids,
            |s, id| s.proc(id).state.is_signallable(),
            |s, id| s.signal(id, signal, now),
        ))
    }

    /// Starts every process that is not running, in priority order (`startAllProcesses`).
    pub fn start_all(&mut self, now: Timestamp) -> BatchResult {
        let ids = self.processes().collect();
        self.batch(
            ids,
            |s, id| !s.proc(id).state.is_running(),
            |s, id| s.start(id, now),
        )
    }

    /// Stops every running process, in priority order (`stopAllProcesses`).
    pub fn stop_all(&mut self, now: Timestamp) -> BatchResult {
        let ids = self.processes().collect();
        self.batch(
            ids,
            |s, id| s.proc(id).state.is_running(),
            |s, id| s.stop(id, now),
        )
    }

    /// Signals every signallable process, in priority order (`signalAllProcesses`).
    pub fn signal_all(&mut self, signal: i32, now: Timestamp) -> BatchResult {
        let ids = self.processes().collect();
        self.batch(
            ids,
            |s, id| s.proc(id).state.is_signallable(),
            |s, id| s.signal(id, signal, now),
        )
    }

    fn members_of(&self, group: &str) -> Result<Vec<ProcessId>, CommandError> {
        self.group_processes(group)
            .map(<[ProcessId]>::to_vec)
            .ok_or_else(|| CommandError::BadName(group.to_owned()))
    }

    fn batch(
        &mut self,
        ids: Vec<ProcessId>,
        wanted: impl Fn(&Self, ProcessId) -> bool,
        mut command: impl FnMut(&mut Self, ProcessId) -> Result<(), CommandError>,
    ) -> BatchResult {
        let mut results = Vec::new();
        for id in ids {
            if wanted(self, id) {
                let result = command(self, id);
                results.push((id, result));
            }
        }
        results
    }

    /// Whether a started process has finished starting, as `startProcess(wait=True)`
    /// decides: `SpawnError` if it has a spawn error (failed spawn, exited too quickly, bad
    /// exit code), `AbnormalTermination` if it is neither STARTING nor RUNNING, `Done`
    /// when RUNNING, else `Pending`.
    pub fn start_progress(&self, id: ProcessId) -> Result<Progress, CommandError> {
        let p = self.lookup(id)?;
        if p.spawnerr.is_some() {
            return Err(CommandError::SpawnError(namespec(p)));
        }
        match p.state {
            ProcessState::Running => Ok(Progress::Done),
            ProcessState::Starting => Ok(Progress::Pending),
            _ => Err(CommandError::AbnormalTermination(namespec(p))),
        }
    }

    /// Whether a stopped process has reached a stopped state (`stopProcess(wait=True)`).
    pub fn stop_progress(&self, id: ProcessId) -> Result<Progress, CommandError> {
        let p = self.lookup(id)?;
        Ok(if p.state.is_stopped() {
            Progress::Done
        } else {
            Progress::Pending
        })
    }

    /// While someone waits for a process to stop: logs `waiting for NAME to stop` at most
    /// every two seconds (Supervisor's `stop_report`). Call it on each loop turn of the
    /// wait.
    pub fn stop_report(&mut self, id: ProcessId, now: Timestamp) {
        let Some(p) = self.get(id) else {
            return;
        };
        let due = p
            .laststopreport
            .is_none_or(|last| now.mono >= last + STOP_REPORT_EVERY);
        if p.state == ProcessState::Stopping && due {
            let text = format!("waiting for {} to stop", p.name);
            self.at(id.index as usize).laststopreport = Some(now.mono);
            self.log(LogLevel::Info, text);
        }
    }

    /// Enters the supervisor RUNNING state proper: emits [`Event::SupervisorRunning`] and
    /// starts every `autostart` process that was never started, in priority order. Call
    /// it once, after adding the configured groups; later calls do nothing.
    pub fn start_autostart(&mut self, now: Timestamp) {
        if self.started {
            return;
        }
        self.started = true;
        self.events.push_back(Event::SupervisorRunning);
        let ids: Vec<ProcessId> = self.processes().collect();
        for id in ids {
            self.autostart(id.index as usize, now);
        }
        self.settle(now);
    }

    /// Begins shutting down (SHUTDOWN): nothing starts any more; groups are stopped
    /// highest priority value first, each priority only after every group of the previous
    /// one is entirely stopped (groups of equal priority stop together, where Supervisor
    /// takes them one by one in an order it leaves undefined); [`Event::AllStopped`] comes
    /// out when all are.
    pub fn shutdown(&mut self, now: Timestamp) {
        self.mood = SupervisorState::Shutdown;
        self.settle(now);
    }

    /// Begins a restart (RESTARTING): stops everything like [`shutdown`](Self::shutdown);
    /// the host then reloads its configuration and builds a new table. Fails with
    /// `ShutdownState` if a shutdown is already in progress (Supervisor ignores such a
    /// restart request).
    pub fn restart(&mut self, now: Timestamp) -> Result<(), CommandError> {
        if self.mood == SupervisorState::Shutdown {
            return Err(CommandError::ShutdownState);
        }
        self.mood = SupervisorState::Restarting;
        self.settle(now);
        Ok(())
    }

    // ----- the lifecycle ------------------------------------------------------------

    fn log(&mut self, level: LogLevel, text: String) {
        self.events.push_back(Event::Log(LogLine { level, text }));
    }

    fn set_deadline(&mut self, index: usize, deadline: Option<Instant>) {
        let key = index as u32;
        let p = self.at(index);
        let old = std::mem::replace(&mut p.deadline, deadline);
        if let Some(t) = old {
            self.timers.remove(&(t, key));
        }
        if let Some(t) = deadline {
            self.timers.insert((t, key));
        }
    }

    /// The one place a state changes: checks the table and emits the event.
    fn change_state(&mut self, index: usize, to: ProcessState, expected: bool) {
        let id = self.id_of(index);
        let p = self.at(index);
        let from = p.state;
        debug_assert!(
            is_allowed_transition(from, to),
            "illegal transition {from} -> {to} for {}",
            p.name
        );
        p.state = to;
        if to == ProcessState::Backoff {
            p.backoff += 1;
        }
        let change = StateChange {
            id,
            process: p.name.clone(),
            group: p.group_name.clone(),
            from_state: from,
            to_state: to,
            pid: p.pid.unwrap_or(0),
            expected,
            tries: p.backoff,
        };
        self.events.push_back(Event::StateChange(change));
    }

    /// STOPPED/EXITED/FATAL/BACKOFF → STARTING, asking the host to spawn.
    fn spawn(&mut self, index: usize, now: Timestamp) {
        let p = self.at(index);
        p.killing = false;
        p.spawnerr = None;
        p.exitstatus = None;
        p.laststart = Some(now.mono);
        p.laststart_wall = Some(now.wall);
        p.spawn_pending = true;
        self.set_deadline(index, None);
        self.change_state(index, ProcessState::Starting, true);
        let id = self.id_of(index);
        self.actions.push_back(Action::Spawn { id });
    }

    /// Enters BACKOFF (which counts one more try) and decides what follows.
    fn enter_backoff(&mut self, index: usize, now: Timestamp) {
        self.change_state(index, ProcessState::Backoff, true);
        self.after_backoff(index, now);
    }

    /// BACKOFF → FATAL.
    fn give_up(&mut self, index: usize) {
        self.at(index).backoff = 0;
        self.set_deadline(index, None);
        self.change_state(index, ProcessState::Fatal, true);
    }

    /// Supervisor's `kill`: the stop path for RUNNING, STARTING, STOPPING and BACKOFF.
    fn kill(&mut self, index: usize, signal: i32, now: Timestamp) -> Result<(), String> {
        let p = self.at(index);
        if p.state == ProcessState::Backoff {
            let text = format!("Attempted to kill {}, which is in BACKOFF state.", p.name);
            self.log(LogLevel::Debug, text);
            self.set_deadline(index, None);
            self.change_state(index, ProcessState::Stopped, true);
            return Ok(());
        }
        let Some(pid) = p.pid else {
            let text = format!(
                "attempted to kill {} with sig {} but it wasn't running",
                p.name,
                signal_name(signal)
            );
            self.log(LogLevel::Debug, text.clone());
            return Err(text);
        };
        let stopping = p.state == ProcessState::Stopping;
        let as_group = if stopping {
            p.spec.killasgroup
        } else {
            p.spec.stopasgroup
        };
        let text = format!(
            "killing {} (pid {pid}) {}with signal {}",
            p.name,
            if as_group { "process group " } else { "" },
            signal_name(signal)
        );
        p.killing = true;
        let wait = Duration::from_secs(p.spec.stopwaitsecs);
        let wait = if stopping { wait.max(MIN_REKILL) } else { wait };
        self.log(LogLevel::Debug, text);
        // A deadline past the end of time (absurd stopwaitsecs) means: never.
        self.set_deadline(index, now.mono.checked_add(wait));
        if !stopping {
            self.change_state(index, ProcessState::Stopping, true);
        }
        let id = self.id_of(index);
        self.actions.push_back(Action::Kill {
            id,
            pid,
            signal,
            process_group: as_group,
        });
        Ok(())
    }

    /// Supervisor's `finish`: the process with this index exited.
    fn finish(&mut self, index: usize, status: ExitStatus, now: Timestamp) {
        let p = self.at(index);
        p.laststop_wall = Some(now.wall);
        let code = status.code();
        let expected = p.spec.exitcodes.contains(&code);
        let too_quickly = p.laststart.is_some_and(|t| {
            now.mono.saturating_duration_since(t) < Duration::from_secs(p.spec.startsecs)
        });
        let name = p.name.clone();
        if p.killing {
            p.killing = false;
            p.exitstatus = Some(code);
            self.set_deadline(index, None);
            self.change_state(index, ProcessState::Stopped, true);
            let level = if expected {
                LogLevel::Info
            } else {
                LogLevel::Warn
            };
            self.log(level, format!("stopped: {name} ({status})"));
            self.at(index).pid = None;
        } else if p.state == ProcessState::Unknown {
            p.exitstatus = Some(code);
            p.pid = None;
            self.set_deadline(index, None);
            let (level, word) = if expected {
                (LogLevel::Info, "expected")
            } else {
                (LogLevel::Warn, "not expected")
            };
            self.log(level, format!("exited: {name} ({status}; {word})"));
        } else if too_quickly && p.state == ProcessState::Starting {
            p.exitstatus = None;
            p.spawnerr = Some(EXITED_TOO_QUICKLY.to_owned());
            self.set_deadline(index, None);
            self.change_state(index, ProcessState::Backoff, true);
            self.log(
                LogLevel::Warn,
                format!("exited: {name} ({status}; not expected)"),
            );
            self.at(index).pid = None;
            self.after_backoff(index, now);
        } else {
            p.backoff = 0;
            p.exitstatus = Some(code);
            self.set_deadline(index, None);
            if self.at(index).state == ProcessState::Starting {
                self.change_state(index, ProcessState::Running, true);
            }
            if expected {
                self.change_state(index, ProcessState::Exited, true);
                self.log(
                    LogLevel::Info,
                    format!("exited: {name} ({status}; expected)"),
                );
            } else {
                self.at(index).spawnerr = Some(format!("Bad exit code {code}"));
                self.change_state(index, ProcessState::Exited, false);
                self.log(
                    LogLevel::Warn,
                    format!("exited: {name} ({status}; not expected)"),
                );
            }
            self.at(index).pid = None;
            let p = self.at(index);
            let restart = match p.spec.autorestart {
                AutoRestart::Always => true,
                AutoRestart::Unexpected => !expected,
                AutoRestart::Never => false,
            };
            if restart && self.mood == SupervisorState::Running {
                self.spawn(index, now);
            }
        }
    }

    /// Just entered BACKOFF: give up at once when out of retries, else schedule the
    /// retry (only while the supervisor is running).
    fn after_backoff(&mut self, index: usize, now: Timestamp) {
        let running = self.mood == SupervisorState::Running;
        let p = self.at(index);
        if p.backoff > p.spec.startretries {
            let text = format!(
                "gave up: {} entered FATAL state, too many start retries too quickly",
                p.name
            );
            self.give_up(index);
            self.log(LogLevel::Info, text);
        } else if running {
            let delay = Duration::from_secs(u64::from(p.backoff));
            self.set_deadline(index, now.mono.checked_add(delay));
        }
    }

    /// Starts a never-started `autostart` process while the supervisor runs.
    fn autostart(&mut self, index: usize, now: Timestamp) {
        let running = self.mood == SupervisorState::Running;
        let p = self.at(index);
        if running
            && p.spec.autostart
            && p.state == ProcessState::Stopped
            && p.laststart.is_none()
            && !p.spawn_pending
        {
            self.spawn(index, now);
        }
    }

    /// Acts on every due deadline, then advances a shutdown in progress.
    fn settle(&mut self, now: Timestamp) {
        loop {
            let mut due = std::mem::take(&mut self.due);
            while let Some(&(t, key)) = self.timers.first() {
                if t > now.mono {
                    break;
                }
                self.timers.pop_first();
                let index = key as usize;
                let p = self.at(index);
                p.deadline = None;
                due.push((p.rank, index));
            }
            due.sort_unstable();
            for &(_, index) in &due {
                self.on_deadline(index, now);
            }
            due.clear();
            self.due = due;
            if self.mood != SupervisorState::Running {
                self.advance_shutdown(now);
            }
            // A shutdown turn may have set a deadline that is already due (stopwaitsecs=0);
            // deadlines set while handling one are never due at once, so this ends.
            if self.timers.first().is_none_or(|&(t, _)| t > now.mono) {
                break;
            }
        }
    }

    fn on_deadline(&mut self, index: usize, now: Timestamp) {
        let running = self.mood == SupervisorState::Running;
        let p = self.at(index);
        match p.state {
            ProcessState::Starting if p.pid.is_some() => {
                p.backoff = 0;
                let text = format!(
                    "success: {} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                    p.name, p.spec.startsecs
                );
                self.change_state(index, ProcessState::Running, true);
                self.log(LogLevel::Info, text);
            }
            ProcessState::Backoff if running && p.backoff <= p.spec.startretries => {
                self.spawn(index, now);
            }
            ProcessState::Stopping => {
                let text = format!("killing '{}' ({}) with SIGKILL", p.name, p.pid.unwrap_or(0));
                self.log(LogLevel::Warn, text);
                // An error here means no pid, which a STOPPING process always has.
                let _ = self.kill(index, SIGKILL, now);
            }
            _ => {}
        }
    }

    /// One turn of Supervisor's ordered shutdown (`ordered_stop_groups_phase_1/2` and
    /// `shutdown_report`).
    fn advance_shutdown(&mut self, now: Timestamp) {
        if self.stop_groups.is_none() {
            self.stop_groups = Some(self.group_order.clone());
            self.events.push_back(Event::SupervisorStopping);
        }
        while let Some(band) = self.stop_band() {
            let mut unstopped = false;
            for &gslot in &band {
                let mut members = self.group_members(gslot);
                members.reverse();
                for id in &members {
                    let index = id.index as usize;
                    match self.at(index).state {
                        ProcessState::Running | ProcessState::Starting => {
                            self.at(index).laststopreport = None;
                            let signal = self.at(index).spec.stopsignal;
                            // Without a pid yet this fails; the next turn retries.
                            let _ = self.kill(index, signal, now);
                        }
                        ProcessState::Backoff => self.give_up(index),
                        _ => {}
                    }
                }
                unstopped |= members.iter().any(|&id| !self.proc(id).state.is_stopped());
            }
            if unstopped {
                break;
            }
            if let Some(g) = self.stop_groups.as_mut() {
                g.truncate(g.len() - band.len());
            }
        }
        let unstopped = self.unstopped_in_insertion_order();
        if unstopped.is_empty() {
            if !self.all_stopped_sent {
                self.all_stopped_sent = true;
                self.events.push_back(Event::AllStopped(self.mood));
            }
            return;
        }
        let due = self
            .last_shutdown_report
            .is_none_or(|last| now.mono >= last + SHUTDOWN_REPORT_EVERY);
        if due {
            self.last_shutdown_report = Some(now.mono);
            let names: Vec<&str> = unstopped.iter().map(|&id| &*self.proc(id).name).collect();
            let text = format!("waiting for {} to die", names.join(", "));
            let states: Vec<String> = unstopped
                .iter()
                .map(|&id| {
                    let p = self.proc(id);
                    format!("{} state: {}", p.name, p.state)
                })
                .collect();
            self.log(LogLevel::Info, text);
            for line in states {
                self.log(LogLevel::Blather, line);
            }
        }
    }

    /// The groups shutdown stops next: the last group left in priority order and every
    /// group before it with the same priority, last first. Supervisor stops one group at
    /// a time; groups of equal priority have no order between them, so stopping them
    /// together keeps every ordering a configuration can ask for and does not make a
    /// shutdown of many programs wait for each one in turn.
    fn stop_band(&self) -> Option<Vec<usize>> {
        let order = self.stop_groups.as_ref()?;
        let priority = |gslot: usize| self.groups[gslot].as_ref().map(|g| g.priority);
        let last = priority(*order.last()?);
        Some(
            order
                .iter()
                .rev()
                .take_while(|&&gslot| priority(gslot) == last)
                .copied()
                .collect(),
        )
    }

    /// Unstopped processes, groups in the order they were added (Supervisor iterates its
    /// group dictionary here, not the priority order).
    fn unstopped_in_insertion_order(&self) -> Vec<ProcessId> {
        let mut groups: Vec<&Group> = self.groups.iter().flatten().collect();
        groups.sort_by_key(|g| g.seq);
        groups
            .into_iter()
            .flat_map(|g| g.members.iter().copied())
            .filter(|&id| !self.proc(id).state.is_stopped())
            .collect()
    }
}

fn namespec(p: &Process) -> String {
    make_namespec(&p.group_name, &p.name)
}

/// A read-only view of one process: [`ProcessTable::process`].
#[derive(Clone, Copy, Debug)]
pub struct ProcessRef<'a> {
    id: ProcessId,
    p: &'a Process,
}

impl<'a> ProcessRef<'a> {
    /// Its id.
    pub fn id(&self) -> ProcessId {
        self.id
    }

    /// Its name.
    pub fn name(&self) -> &'a str {
        &self.p.name
    }

    /// Its group's name.
    pub fn group(&self) -> &'a str {
        &self.p.group_name
    }

    /// `group:name`, or `name` when they are equal.
    pub fn namespec(&self) -> String {
        namespec(self.p)
    }

    /// Its lifecycle parameters.
    pub fn spec(&self) -> &'a ProcessSpec {
        &self.p.spec
    }

    /// Its state.
    pub fn state(&self) -> ProcessState {
        self.p.state
    }

    /// Its pid while it has one.
    pub fn pid(&self) -> Option<u32> {
        self.p.pid
    }

    /// The last spawn error (`spawnerr`): a failed spawn, `Exited too quickly (process
    /// log may have details)`, or `Bad exit code N`. Cleared by the next start.
    pub fn spawnerr(&self) -> Option<&'a str> {
        self.p.spawnerr.as_deref()
    }

    /// The last exit status code (-1 when a signal ended it), if it has exited since
    /// its last start.
    pub fn exit_status(&self) -> Option<i32> {
        self.p.exitstatus
    }

    /// Wall-clock time of the last start, if ever started.
    pub fn start_time(&self) -> Option<SystemTime> {
        self.p.laststart_wall
    }

    /// Wall-clock time of the last exit, if ever exited.
    pub fn stop_time(&self) -> Option<SystemTime> {
        self.p.laststop_wall
    }

    /// The backoff counter (start attempts that failed in a row).
    pub fn backoff(&self) -> u32 {
        self.p.backoff
    }

    /// The description `getProcessInfo` reports: `pid 42, uptime 0:01:05` (RUNNING),
    /// the spawn error (BACKOFF, FATAL), the stop date like `Nov 30 04:00 PM` or
    /// `Not started` (STOPPED, EXITED), else empty. `utc_offset_secs` is the local time
    /// zone's offset, for the date.
    pub fn description(&self, now: SystemTime, utc_offset_secs: i32) -> String {
        let p = self.p;
        let start = p.laststart_wall.map_or(0, unix_seconds);
        match p.state {
            ProcessState::Running => format!(
                "pid {}, uptime {}",
                p.pid.unwrap_or(0),
                format_uptime(unix_seconds(now) - start)
            ),
            ProcessState::Backoff | ProcessState::Fatal => match p.spawnerr.as_deref() {
                Some(err) if !err.is_empty() => err.to_owned(),
                _ => format!("unknown error (try \"tail {}\")", p.name),
            },
            ProcessState::Stopped | ProcessState::Exited => {
                if start != 0 {
                    format_stop_date(p.laststop_wall.map_or(0, unix_seconds), utc_offset_secs)
                } else {
                    "Not started".to_owned()
                }
            }
            _ => String::new(),
        }
    }

    /// Everything `getProcessInfo` reports that this crate knows.
    pub fn info(&self, now: SystemTime, utc_offset_secs: i32) -> ProcessInfo {
        let p = self.p;
        ProcessInfo {
            name: p.name.to_string(),
            group: p.group_name.to_string(),
            start: p.laststart_wall.map_or(0, unix_seconds),
            stop: p.laststop_wall.map_or(0, unix_seconds),
            now: unix_seconds(now),
            state: p.state,
            spawnerr: p.spawnerr.clone().unwrap_or_default(),
            exitstatus: p.exitstatus.unwrap_or(0),
            pid: p.pid.unwrap_or(0),
            description: self.description(now, utc_offset_secs),
        }
    }
}
