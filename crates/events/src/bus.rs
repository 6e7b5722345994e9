//! The eventlistener pools: subscriptions, buffers, serials, the listener protocol.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use supervisor_log::py_repr_bytes;
use supervisor_process::{LogLevel, LogLine, ProcessId, ProcessState, Timestamp};
use supervisor_types::EventListenerState;

use crate::tick::Ticker;
use crate::{Event, EventType, Header, envelope};

const READY_TOKEN: &[u8] = b"READY\n";
const RESULT_TOKEN_LEN: usize = b"RESULT ".len();
/// Serials wrap after Python's `sys.maxsize`, as Supervisor's `new_serial` does.
const MAX_SERIAL: u64 = i64::MAX as u64;

/// An `[eventlistener:x]` pool as the bus needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSpec {
    /// The pool (group) name, sent as `pool:`.
    pub name: String,
    /// The `events=` subscriptions, abstract types allowed, in configuration order.
    pub events: Vec<EventType>,
    /// `buffer_size`: how many events wait for a free listener before the oldest is
    /// dropped (Supervisor refuses values below 1; 0 is treated as 1).
    pub buffer_size: usize,
    /// The pool's processes and their names (`processname`), in configuration order:
    /// the first READY one gets the next event.
    pub listeners: Vec<(ProcessId, String)>,
}

/// An event accepted by a pool: the event and its two serials.
#[derive(Clone, Debug)]
struct Queued {
    event: Arc<Event>,
    serial: u64,
    pool_serial: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Serial {
    next: u64,
}

impl Serial {
    fn take(&mut self) -> u64 {
        let n = self.next;
        self.next = if n >= MAX_SERIAL { 0 } else { n + 1 };
        n
    }
}

#[derive(Debug)]
struct Pool {
    name: String,
    events: Vec<EventType>,
    buffer_size: usize,
    listeners: Vec<ProcessId>,
    buffer: VecDeque<Queued>,
    serial: Serial,
}

#[derive(Debug)]
struct Listener {
    name: String,
    pool: String,
    running: bool,
    state: EventListenerState,
    /// Protocol bytes not consumed yet.
    input: Vec<u8>,
    result: Vec<u8>,
    result_len: Option<usize>,
    /// The event sent and not answered yet.
    event: Option<Queued>,
}

impl Listener {
    /// A fresh spawn: ACKNOWLEDGED (waiting for `READY`), nothing buffered.
    fn reset(&mut self) {
        self.state = EventListenerState::Acknowledged;
        self.input.clear();
        self.result.clear();
        self.result_len = None;
        self.event = None;
    }
}

/// Every eventlistener pool of a supervisord, and the events on their way to them.
///
/// Sans-IO, like `supervisor_process::ProcessTable`: the host tells it what happened and
/// asks what to do. Call order in one loop turn:
///
/// 1. [`publish`](Self::publish) every event as it happens — including every
///    `PROCESS_STATE_*` change of every process, which is also how the bus learns that a
///    listener started (its protocol resets), runs (it may receive events) or died (its
///    unanswered event goes back to the head of its pool's buffer);
/// 2. [`handle_output`](Self::handle_output) with what a listener wrote on its stdout;
/// 3. [`handle_timeout`](Self::handle_timeout) with the time, for the `TICK_*` events;
/// 4. [`dispatch`](Self::dispatch) to write buffered events to READY listeners;
/// 5. [`poll_log`](Self::poll_log) until `None`, for the main log;
/// 6. sleep until [`poll_timeout`](Self::poll_timeout) at the latest.
#[derive(Debug)]
pub struct EventBus {
    identifier: String,
    serial: Serial,
    pools: Vec<Pool>,
    listeners: HashMap<ProcessId, Listener>,
    ticker: Ticker,
    logs: VecDeque<LogLine>,
}

impl EventBus {
    /// An empty bus for a supervisord whose `identifier` is `identifier` (sent as
    /// `server:`). `now` starts the tick clock: the first ticks come at the next
    /// boundaries after it.
    pub fn new(identifier: &str, now: Timestamp) -> EventBus {
        EventBus {
            identifier: identifier.to_owned(),
            serial: Serial::default(),
            pools: Vec::new(),
            listeners: HashMap::new(),
            ticker: Ticker::new(now),
            logs: VecDeque::new(),
        }
    }

    /// Adds a pool (an `[eventlistener:x]` group made active). Its listeners start
    /// ACKNOWLEDGED and not running. A pool of the same name is replaced.
    pub fn add_pool(&mut self, spec: PoolSpec) {
        self.remove_pool(&spec.name);
        for (id, name) in &spec.listeners {
            self.listeners.insert(
                *id,
                Listener {
                    name: name.clone(),
                    pool: spec.name.clone(),
                    running: false,
                    state: EventListenerState::Acknowledged,
                    input: Vec::new(),
                    result: Vec::new(),
                    result_len: None,
                    event: None,
                },
            );
        }
        self.pools.push(Pool {
            name: spec.name,
            events: spec.events,
            buffer_size: spec.buffer_size.max(1),
            listeners: spec.listeners.into_iter().map(|(id, _)| id).collect(),
            buffer: VecDeque::new(),
            serial: Serial::default(),
        });
    }

    /// Removes a pool with its buffered events; returns whether it existed.
    pub fn remove_pool(&mut self, name: &str) -> bool {
        let Some(at) = self.pools.iter().position(|p| p.name == name) else {
            return false;
        };
        let pool = self.pools.remove(at);
        for id in pool.listeners {
            self.listeners.remove(&id);
        }
        true
    }

    /// Whether `id` is a listener of some pool (its stdout speaks the protocol).
    pub fn is_listener(&self, id: ProcessId) -> bool {
        self.listeners.contains_key(&id)
    }

    /// The protocol state of listener `id`.
    pub fn listener_state(&self, id: ProcessId) -> Option<EventListenerState> {
        self.listeners.get(&id).map(|l| l.state)
    }

    /// How many events wait in pool `name`'s buffer.
    pub fn buffered(&self, name: &str) -> Option<usize> {
        self.pools
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.buffer.len())
    }

    /// Something happened: every pool subscribed to its type (or a type above it)
    /// buffers it. The first pool to take it gives it the next global serial; each pool
    /// gives it its own pool serial. A pool whose subscriptions match it twice (say
    /// `PROCESS_STATE` and `PROCESS_STATE_EXITED`) buffers it twice, as Supervisor does.
    pub fn publish(&mut self, event: Event) {
        let event = Arc::new(event);
        let kind = event.event_type();
        let mut serial = None;
        for pool in &mut self.pools {
            let mut pool_serial = None;
            let matching = pool.events.iter().filter(|&&s| kind.is_a(s)).count();
            for _ in 0..matching {
                let serial = *serial.get_or_insert_with(|| self.serial.take());
                let again = pool_serial.is_some();
                let pool_serial = *pool_serial.get_or_insert_with(|| pool.serial.take());
                let queued = Queued {
                    event: Arc::clone(&event),
                    serial,
                    pool_serial,
                };
                accept(pool, queued, false, again, &mut self.logs);
            }
        }
        if let Event::ProcessState(change) = &*event {
            self.listener_state_changed(change.id, change.from_state, change.to_state);
        }
    }

    fn listener_state_changed(&mut self, id: ProcessId, from: ProcessState, to: ProcessState) {
        let Some(listener) = self.listeners.get_mut(&id) else {
            return;
        };
        listener.running = to == ProcessState::Running;
        if to == ProcessState::Starting {
            listener.reset();
        }
        let exited = matches!(
            from,
            ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
        ) && matches!(
            to,
            ProcessState::Backoff | ProcessState::Exited | ProcessState::Stopped
        );
        if exited && let Some(queued) = listener.event.take() {
            let pool = listener.pool.clone();
            self.rebuffer(&pool, queued);
        }
    }

    fn rebuffer(&mut self, pool: &str, queued: Queued) {
        rebuffer(&mut self.pools, pool, queued, &mut self.logs);
    }

    /// Listener `id` wrote `data` on its stdout: run the protocol (`READY\n`,
    /// `RESULT N\n` and N bytes; `OK` acknowledges the event, anything else rejects it
    /// and puts it back at the head of the buffer; anything out of turn sends the
    /// listener to UNKNOWN for good, until it is restarted).
    pub fn handle_output(&mut self, id: ProcessId, data: &[u8]) {
        let Some(listener) = self.listeners.get_mut(&id) else {
            return;
        };
        listener.input.extend_from_slice(data);
        run_protocol(listener, &mut self.pools, &mut self.logs);
    }

    /// Sends buffered events to READY, RUNNING listeners, oldest first, until a pool has
    /// no event left or no listener free. `write(id, bytes)` writes an envelope to the
    /// listener's stdin and returns false when the pipe is closed (EPIPE): then the
    /// next listener is tried, as Supervisor does.
    pub fn dispatch(&mut self, write: &mut dyn FnMut(ProcessId, &[u8]) -> bool) {
        for pool in &mut self.pools {
            let capable = pool.listeners.iter().any(|id| {
                self.listeners
                    .get(id)
                    .is_some_and(|l| l.running && l.state == EventListenerState::Ready)
            });
            if !capable {
                continue;
            }
            while let Some(queued) = pool.buffer.pop_front() {
                if let Err(queued) = send(
                    pool,
                    queued,
                    &mut self.listeners,
                    &self.identifier,
                    write,
                    &mut self.logs,
                ) {
                    accept(pool, queued, true, true, &mut self.logs);
                    break;
                }
            }
        }
    }

    /// The next `TICK_*` boundary, when some pool subscribes to ticks.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ticks = [EventType::Tick5, EventType::Tick60, EventType::Tick3600];
        self.pools
            .iter()
            .flat_map(|p| &p.events)
            .any(|&s| ticks.iter().any(|t| t.is_a(s)))
            .then(|| self.ticker.next())
    }

    /// Publishes the `TICK_*` events whose time slice began since the last call.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        for tick in self.ticker.handle(now) {
            self.publish(tick);
        }
    }

    /// The next main-log line, Supervisor's wording.
    pub fn poll_log(&mut self) -> Option<LogLine> {
        self.logs.pop_front()
    }
}

fn log(logs: &mut VecDeque<LogLine>, level: LogLevel, text: String) {
    logs.push_back(LogLine { level, text });
}

/// Supervisor's `_acceptEvent`: a full buffer drops its oldest event first.
fn accept(pool: &mut Pool, queued: Queued, head: bool, again: bool, logs: &mut VecDeque<LogLine>) {
    if again {
        log(
            logs,
            LogLevel::Debug,
            format!(
                "rebuffering event {} for pool {} (buf size={}, max={})",
                queued.serial,
                pool.name,
                pool.buffer.len(),
                pool.buffer_size
            ),
        );
    }
    if pool.buffer.len() >= pool.buffer_size
        && let Some(discarded) = pool.buffer.pop_front()
    {
        log(
            logs,
            LogLevel::Error,
            format!(
                "pool {} event buffer overflowed, discarding event {}",
                pool.name, discarded.serial
            ),
        );
    }
    if head {
        pool.buffer.push_front(queued);
    } else {
        pool.buffer.push_back(queued);
    }
}

/// Puts a rejected event back at the head of its pool's buffer.
fn rebuffer(pools: &mut [Pool], pool: &str, queued: Queued, logs: &mut VecDeque<LogLine>) {
    if let Some(pool) = pools.iter_mut().find(|p| p.name == pool) {
        accept(pool, queued, true, true, logs);
    }
}

/// Supervisor's `_dispatchEvent`: the first RUNNING, READY listener that takes the bytes
/// becomes BUSY with the event. Gives the event back when none could.
fn send(
    pool: &Pool,
    queued: Queued,
    listeners: &mut HashMap<ProcessId, Listener>,
    identifier: &str,
    write: &mut dyn FnMut(ProcessId, &[u8]) -> bool,
    logs: &mut VecDeque<LogLine>,
) -> Result<(), Queued> {
    for id in &pool.listeners {
        let Some(listener) = listeners.get_mut(id) else {
            continue;
        };
        if !listener.running || listener.state != EventListenerState::Ready {
            continue;
        }
        let header = Header {
            server: identifier,
            serial: queued.serial,
            pool: &pool.name,
            pool_serial: queued.pool_serial,
            event: queued.event.event_type(),
        };
        let bytes = envelope(&header, &queued.event.payload());
        if !write(*id, &bytes) {
            log(
                logs,
                LogLevel::Debug,
                format!(
                    "epipe occurred while sending event {} to listener {}, listener state unchanged",
                    queued.serial, listener.name
                ),
            );
            continue;
        }
        log(
            logs,
            LogLevel::Debug,
            format!("event {} sent to listener {}", queued.serial, listener.name),
        );
        listener.state = EventListenerState::Busy;
        listener.event = Some(queued);
        return Ok(());
    }
    Err(queued)
}

fn change_state(listener: &mut Listener, to: EventListenerState, logs: &mut VecDeque<LogLine>) {
    log(
        logs,
        LogLevel::Debug,
        format!(
            "{}: {} -> {}",
            listener.name,
            listener.state.name(),
            to.name()
        ),
    );
    listener.state = to;
    if to == EventListenerState::Unknown {
        log(
            logs,
            LogLevel::Warn,
            format!(
                "{}: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol",
                listener.name
            ),
        );
    }
}

/// Supervisor's `handle_listener_state_change`, as a loop: consumes what it can of the
/// listener's input; a rejected event goes back to the head of its pool's buffer at once.
fn run_protocol(listener: &mut Listener, pools: &mut [Pool], logs: &mut VecDeque<LogLine>) {
    while !listener.input.is_empty() {
        match listener.state {
            EventListenerState::Unknown => listener.input.clear(),
            EventListenerState::Acknowledged => {
                if listener.input.len() < READY_TOKEN.len() {
                    return;
                }
                if listener.input.starts_with(READY_TOKEN) {
                    change_state(listener, EventListenerState::Ready, logs);
                    listener.input.drain(..READY_TOKEN.len());
                } else {
                    change_state(listener, EventListenerState::Unknown, logs);
                    listener.input.clear();
                }
                listener.event = None;
            }
            EventListenerState::Ready => {
                change_state(listener, EventListenerState::Unknown, logs);
                listener.input.clear();
                listener.event = None;
            }
            EventListenerState::Busy => match listener.result_len {
                None => {
                    let Some(pos) = listener.input.iter().position(|&b| b == b'\n') else {
                        return;
                    };
                    let line: Vec<u8> = listener.input.drain(..=pos).take(pos).collect();
                    let digits = line.get(RESULT_TOKEN_LEN..).unwrap_or_default();
                    match parse_length(digits) {
                        Some(n) => listener.result_len = Some(n),
                        None => {
                            let shown = match std::str::from_utf8(&line) {
                                Ok(s) => s.to_owned(),
                                Err(_) => format!("Undecodable: {}", py_repr_bytes(&line)),
                            };
                            log(
                                logs,
                                LogLevel::Warn,
                                format!("{}: bad result line: '{shown}'", listener.name),
                            );
                            change_state(listener, EventListenerState::Unknown, logs);
                            listener.input.clear();
                            if let Some(queued) = listener.event.take() {
                                rebuffer(pools, &listener.pool, queued, logs);
                            }
                            return;
                        }
                    }
                }
                Some(len) => {
                    let needed = len - listener.result.len();
                    let take = needed.min(listener.input.len());
                    listener.result.extend(listener.input.drain(..take));
                    if listener.result.len() == len {
                        listener.result_len = None;
                        let result = std::mem::take(&mut listener.result);
                        if let Some(rejected) = handle_result(listener, &result, logs) {
                            rebuffer(pools, &listener.pool, rejected, logs);
                        }
                    }
                }
            },
        }
    }
}

/// The default `result_handler`: `OK` acknowledges, anything else rejects the event.
/// Either way the listener becomes ACKNOWLEDGED.
fn handle_result(
    listener: &mut Listener,
    result: &[u8],
    logs: &mut VecDeque<LogLine>,
) -> Option<Queued> {
    let event = listener.event.take();
    if result == b"OK" {
        log(
            logs,
            LogLevel::Debug,
            format!("{}: event was processed", listener.name),
        );
        change_state(listener, EventListenerState::Acknowledged, logs);
        None
    } else {
        log(
            logs,
            LogLevel::Warn,
            format!("{}: event was rejected", listener.name),
        );
        change_state(listener, EventListenerState::Acknowledged, logs);
        event
    }
}

/// The result length as Python's `int()` reads it from bytes: surrounding whitespace,
/// an optional `+`, digits with single `_` between them. Negative lengths (which send
/// Supervisor into endless recursion) are refused as a bad result line.
fn parse_length(raw: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(raw).ok()?;
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty()
        || text.starts_with('_')
        || text.ends_with('_')
        || text.contains("__")
        || !text.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    text.replace('_', "").parse().ok()
}

#[cfg(test)]
pub(crate) fn tests_parse_length(raw: &[u8]) -> Option<usize> {
    parse_length(raw)
}
