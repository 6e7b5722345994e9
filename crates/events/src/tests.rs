//! Scenarios on simulated time: pools, serials, the listener protocol, overflow,
//! rejection, dying listeners, ticks.

use std::time::{Duration, Instant, UNIX_EPOCH};

use supervisor_process::{
    GroupSpec, LogLevel, ProcessId, ProcessSpec, ProcessState, ProcessTable, StateChange, Timestamp,
};
use supervisor_types::EventListenerState::{self, *};

use crate::{Channel, Event, EventBus, EventType, PoolSpec};

/// The one place tests read the monotonic clock: a base `Instant` paired with a wall
/// clock `secs.millis` after the epoch.
#[allow(clippy::disallowed_methods)]
pub(crate) fn base(secs: u64, millis: u64) -> Timestamp {
    Timestamp::new(
        Instant::now(),
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis),
    )
}

/// Process ids for `n` processes of group `group`.
fn ids(group: &str, n: usize) -> Vec<ProcessId> {
    ids_in(&mut ProcessTable::new(), group, n)
}

/// Process ids for `n` processes of a new group `group` of `table`.
fn ids_in(table: &mut ProcessTable, group: &str, n: usize) -> Vec<ProcessId> {
    let processes = (0..n)
        .map(|i| ProcessSpec::new(format!("{group}_{i}")))
        .collect();
    let spec = GroupSpec {
        name: group.into(),
        priority: -1,
        processes,
    };
    table.add_group(spec, base(0, 0)).unwrap();
    (0..n)
        .map(|i| table.process_id(group, &format!("{group}_{i}")).unwrap())
        .collect()
}

fn change(id: ProcessId, name: &str, from: ProcessState, to: ProcessState) -> Event {
    Event::ProcessState(StateChange {
        id,
        process: name.into(),
        group: "g".into(),
        from_state: from,
        to_state: to,
        pid: 100,
        expected: true,
        tries: 0,
    })
}

fn remote(data: &str) -> Event {
    Event::RemoteCommunication {
        kind: "t".into(),
        data: data.into(),
    }
}

struct Harness {
    bus: EventBus,
    ids: Vec<ProcessId>,
    names: Vec<String>,
}

impl Harness {
    /// One pool `pool` of `n` listeners subscribed to `events`, all spawned and RUNNING,
    /// protocol not started (ACKNOWLEDGED).
    fn new(pool: &str, n: usize, events: &[&str], buffer_size: usize) -> Harness {
        let mut bus = EventBus::new("supervisor", base(1_000_000, 0));
        let ids = ids(pool, n);
        let names: Vec<String> = (0..n).map(|i| format!("{pool}_{i}")).collect();
        bus.add_pool(PoolSpec {
            name: pool.into(),
            events: events
                .iter()
                .map(|e| EventType::from_name(e).unwrap())
                .collect(),
            buffer_size,
            listeners: ids.iter().copied().zip(names.iter().cloned()).collect(),
        });
        let mut h = Harness { bus, ids, names };
        for i in 0..n {
            h.start(i);
        }
        h
    }

    fn start(&mut self, i: usize) {
        let (id, name) = (self.ids[i], self.names[i].clone());
        self.bus.publish(change(
            id,
            &name,
            ProcessState::Stopped,
            ProcessState::Starting,
        ));
        self.bus.publish(change(
            id,
            &name,
            ProcessState::Starting,
            ProcessState::Running,
        ));
    }

    fn state(&self, i: usize) -> EventListenerState {
        self.bus.listener_state(self.ids[i]).unwrap()
    }

    fn say(&mut self, i: usize, data: &[u8]) {
        self.bus.handle_output(self.ids[i], data);
    }

    /// Dispatches; returns (listener index, envelope text) for each write.
    fn dispatch(&mut self) -> Vec<(usize, String)> {
        let mut sent = Vec::new();
        let ids = self.ids.clone();
        self.bus.dispatch(&mut |id, bytes| {
            let i = ids.iter().position(|x| *x == id).unwrap();
            sent.push((i, String::from_utf8(bytes.to_vec()).unwrap()));
            true
        });
        sent
    }

    fn logs(&mut self) -> Vec<(LogLevel, String)> {
        std::iter::from_fn(|| self.bus.poll_log())
            .map(|l| (l.level, l.text))
            .collect()
    }
}

fn header_serials(envelope: &str) -> (u64, u64) {
    let field = |name: &str| -> u64 {
        envelope
            .split([' ', '\n'])
            .find_map(|f| f.strip_prefix(name))
            .unwrap()
            .parse()
            .unwrap()
    };
    (field("serial:"), field("poolserial:"))
}

#[test]
fn a_listener_must_say_ready_before_it_gets_an_event() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(remote("x"));
    assert_eq!(h.state(0), Acknowledged);
    assert!(h.dispatch().is_empty());
    h.say(0, b"READ");
    assert_eq!(h.state(0), Acknowledged);
    h.say(0, b"Y\n");
    assert_eq!(h.state(0), Ready);
    let sent = h.dispatch();
    assert_eq!(
        sent,
        [(
            0,
            "ver:3.0 server:supervisor serial:0 pool:l poolserial:0 eventname:REMOTE_COMMUNICATION len:8\ntype:t\nx"
                .to_owned()
        )]
    );
    assert_eq!(h.state(0), Busy);
    assert!(h.dispatch().is_empty(), "a busy listener gets nothing more");
    h.say(0, b"RESULT 2\n");
    assert_eq!(h.state(0), Busy);
    h.say(0, b"OK");
    assert_eq!(h.state(0), Acknowledged);
    assert_eq!(
        h.logs(),
        [
            (LogLevel::Debug, "l_0: ACKNOWLEDGED -> READY".into()),
            (LogLevel::Debug, "event 0 sent to listener l_0".into()),
            (LogLevel::Debug, "l_0: event was processed".into()),
            (LogLevel::Debug, "l_0: BUSY -> ACKNOWLEDGED".into()),
        ]
    );
}

#[test]
fn the_whole_exchange_in_one_byte_at_a_time() {
    let mut h = Harness::new("l", 1, &["EVENT"], 10);
    h.bus.publish(remote("a"));
    h.bus.publish(remote("b"));
    for &b in b"READY\n" {
        h.say(0, &[b]);
    }
    assert_eq!(h.dispatch().len(), 1);
    for &b in b"RESULT 2\nOKREADY\n" {
        h.say(0, &[b]);
    }
    assert_eq!(h.state(0), Ready);
    let sent = h.dispatch();
    assert_eq!(header_serials(&sent[0].1), (1, 1));
}

#[test]
fn fail_puts_the_event_back_at_the_head_with_its_serials() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(remote("first"));
    h.bus.publish(remote("second"));
    h.say(0, b"READY\n");
    let first = h.dispatch();
    h.logs();
    h.say(0, b"RESULT 4\nFAILREADY\n");
    assert_eq!(
        h.logs(),
        [
            (LogLevel::Warn, "l_0: event was rejected".into()),
            (LogLevel::Debug, "l_0: BUSY -> ACKNOWLEDGED".into()),
            (
                LogLevel::Debug,
                "rebuffering event 0 for pool l (buf size=1, max=10)".into()
            ),
            (LogLevel::Debug, "l_0: ACKNOWLEDGED -> READY".into()),
        ]
    );
    let again = h.dispatch();
    assert_eq!(again, first, "the same bytes, serials included");
    assert_eq!(h.bus.buffered("l"), Some(1));
}

#[test]
fn serials_are_global_and_per_pool() {
    let mut bus = EventBus::new("sup", base(1_000_000, 0));
    let mut table = ProcessTable::new();
    let a = ids_in(&mut table, "a", 1);
    let b = ids_in(&mut table, "b", 1);
    bus.add_pool(PoolSpec {
        name: "a".into(),
        events: vec![EventType::ProcessGroup],
        buffer_size: 10,
        listeners: vec![(a[0], "a".into())],
    });
    bus.add_pool(PoolSpec {
        name: "b".into(),
        events: vec![EventType::Event],
        buffer_size: 10,
        listeners: vec![(b[0], "b".into())],
    });
    bus.publish(Event::ProcessGroupAdded("g".into())); // serial 0: a#0, b#0
    bus.publish(Event::SupervisorRunning); // serial 1: b#1
    bus.publish(Event::ProcessGroupRemoved("g".into())); // serial 2: a#1, b#2
    let mut got = Vec::new();
    for (id, name) in [(a[0], "a"), (b[0], "b")] {
        bus.publish(change(
            id,
            name,
            ProcessState::Stopped,
            ProcessState::Starting,
        ));
        bus.publish(change(
            id,
            name,
            ProcessState::Starting,
            ProcessState::Running,
        ));
    }
    // Pool b also took the four state changes (serials 3..=6).
    for _ in 0..7 {
        bus.handle_output(a[0], b"READY\n");
        bus.handle_output(b[0], b"READY\n");
        bus.dispatch(&mut |id, bytes| {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            got.push((id == a[0], header_serials(&text)));
            true
        });
        bus.handle_output(a[0], b"RESULT 2\nOK");
        bus.handle_output(b[0], b"RESULT 2\nOK");
    }
    let pool_a: Vec<_> = got.iter().filter(|(is_a, _)| *is_a).map(|g| g.1).collect();
    let pool_b: Vec<_> = got.iter().filter(|(is_a, _)| !*is_a).map(|g| g.1).collect();
    assert_eq!(pool_a, [(0, 0), (2, 1)]);
    assert_eq!(
        pool_b,
        [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)]
    );
}

#[test]
fn events_nobody_subscribes_to_take_no_serial() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(Event::SupervisorRunning);
    h.bus.publish(remote("x"));
    h.say(0, b"READY\n");
    let sent = h.dispatch();
    assert_eq!(header_serials(&sent[0].1), (0, 0));
}

#[test]
fn a_full_buffer_drops_the_oldest_event() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 2);
    for data in ["0", "1", "2", "3"] {
        h.bus.publish(remote(data));
    }
    assert_eq!(
        h.logs(),
        [
            (
                LogLevel::Error,
                "pool l event buffer overflowed, discarding event 0".into()
            ),
            (
                LogLevel::Error,
                "pool l event buffer overflowed, discarding event 1".into()
            ),
        ]
    );
    h.say(0, b"READY\n");
    let sent = h.dispatch();
    assert!(sent[0].1.ends_with("type:t\n2"));
}

#[test]
fn a_listener_that_dies_busy_gets_its_event_back_after_restart() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(remote("precious"));
    h.bus.publish(remote("next"));
    h.say(0, b"READY\n");
    let first = h.dispatch();
    h.say(0, b"RESULT 2\n");
    let (id, name) = (h.ids[0], h.names[0].clone());
    h.bus.publish(change(
        id,
        &name,
        ProcessState::Running,
        ProcessState::Exited,
    ));
    assert_eq!(h.bus.buffered("l"), Some(2));
    h.logs();
    h.start(0);
    assert_eq!(
        h.state(0),
        Acknowledged,
        "a new spawn starts the protocol anew"
    );
    assert!(h.dispatch().is_empty());
    h.say(0, b"READY\n");
    assert_eq!(h.dispatch(), first);
}

#[test]
fn only_running_listeners_get_events_and_the_first_ready_one_wins() {
    let mut h = Harness::new("l", 3, &["REMOTE_COMMUNICATION"], 10);
    let (id, name) = (h.ids[0], h.names[0].clone());
    h.say(0, b"READY\n");
    h.bus.publish(change(
        id,
        &name,
        ProcessState::Running,
        ProcessState::Stopping,
    ));
    h.say(1, b"READY\n");
    h.say(2, b"READY\n");
    h.bus.publish(remote("a"));
    h.bus.publish(remote("b"));
    h.bus.publish(remote("c"));
    let sent: Vec<usize> = h.dispatch().into_iter().map(|(i, _)| i).collect();
    assert_eq!(sent, [1, 2]);
    assert_eq!(h.bus.buffered("l"), Some(1));
}

#[test]
fn a_closed_stdin_skips_to_the_next_listener() {
    let mut h = Harness::new("l", 2, &["REMOTE_COMMUNICATION"], 10);
    h.say(0, b"READY\n");
    h.say(1, b"READY\n");
    h.bus.publish(remote("a"));
    h.logs();
    let mut to = Vec::new();
    let first = h.ids[0];
    h.bus.dispatch(&mut |id, _| {
        to.push(id);
        id != first
    });
    assert_eq!(to, [h.ids[0], h.ids[1]]);
    assert_eq!(h.state(0), Ready);
    assert_eq!(h.state(1), Busy);
    assert_eq!(
        h.logs()[0],
        (
            LogLevel::Debug,
            "epipe occurred while sending event 0 to listener l_0, listener state unchanged".into()
        )
    );
}

#[test]
fn protocol_violations_lead_to_unknown_for_good() {
    let unknown = "has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol";
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.say(0, b"hello!");
    assert_eq!(h.state(0), Unknown);
    assert_eq!(
        h.logs(),
        [
            (LogLevel::Debug, "l_0: ACKNOWLEDGED -> UNKNOWN".into()),
            (LogLevel::Warn, format!("l_0: {unknown}")),
        ]
    );
    h.say(0, b"READY\n");
    assert_eq!(h.state(0), Unknown);

    // Chatter while READY.
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.say(0, b"READY\nx");
    assert_eq!(h.state(0), Unknown);

    // A bad result line rejects the event in flight.
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(remote("a"));
    h.say(0, b"READY\n");
    h.dispatch();
    h.logs();
    h.say(0, b"RESULT two\n");
    assert_eq!(h.state(0), Unknown);
    assert_eq!(
        h.logs(),
        [
            (LogLevel::Warn, "l_0: bad result line: 'RESULT two'".into()),
            (LogLevel::Debug, "l_0: BUSY -> UNKNOWN".into()),
            (LogLevel::Warn, format!("l_0: {unknown}")),
            (
                LogLevel::Debug,
                "rebuffering event 0 for pool l (buf size=0, max=10)".into()
            ),
        ]
    );
    assert_eq!(h.bus.buffered("l"), Some(1));
}

#[test]
fn result_lengths_read_like_python_int() {
    use crate::bus::tests_parse_length as p;
    assert_eq!(p(b"2"), Some(2));
    assert_eq!(p(b" 12 "), Some(12));
    assert_eq!(p(b"+1_0"), Some(10));
    assert_eq!(p(b"-1"), None);
    assert_eq!(p(b""), None);
    assert_eq!(p(b"1__0"), None);
    assert_eq!(p(b"_1"), None);
}

#[test]
fn result_zero_waits_for_more_input_as_supervisor_does() {
    let mut h = Harness::new("l", 1, &["REMOTE_COMMUNICATION"], 10);
    h.bus.publish(remote("a"));
    h.say(0, b"READY\n");
    h.dispatch();
    h.say(0, b"RESULT 0\n");
    assert_eq!(h.state(0), Busy);
    // The empty result is judged when the next bytes arrive: not OK, so rejected.
    h.say(0, b"READY\n");
    assert_eq!(h.state(0), Ready);
    assert_eq!(h.bus.buffered("l"), Some(1));
}

#[test]
fn overlapping_subscriptions_buffer_an_event_twice() {
    let mut h = Harness::new("l", 1, &["PROCESS_LOG", "PROCESS_LOG_STDOUT"], 10);
    h.logs();
    h.bus.publish(Event::ProcessLog {
        channel: Channel::Stdout,
        process: "p".into(),
        group: "p".into(),
        pid: 1,
        data: b"x".to_vec(),
    });
    assert_eq!(h.bus.buffered("l"), Some(2));
    assert_eq!(
        h.logs(),
        [(
            LogLevel::Debug,
            "rebuffering event 0 for pool l (buf size=1, max=10)".into()
        )]
    );
}

#[test]
fn ticks_come_through_the_bus_on_simulated_time() {
    let start = base(1_000_003, 0);
    let mut bus = EventBus::new("supervisor", start);
    assert_eq!(bus.poll_timeout(), None, "no pool wants ticks");
    let id = ids("t", 1)[0];
    bus.add_pool(PoolSpec {
        name: "t".into(),
        events: vec![EventType::Tick],
        buffer_size: 100,
        listeners: vec![(id, "t".into())],
    });
    let mut now = start;
    for _ in 0..12 {
        now = now.advanced_to(bus.poll_timeout().unwrap());
        bus.handle_timeout(now);
    }
    // 1_000_005 .. 1_000_060 by 5, and TICK_60 at 1_000_020 (a multiple of 60).
    assert_eq!(bus.buffered("t"), Some(13));
    bus.publish(change(
        id,
        "t",
        ProcessState::Stopped,
        ProcessState::Starting,
    ));
    bus.publish(change(
        id,
        "t",
        ProcessState::Starting,
        ProcessState::Running,
    ));
    bus.handle_output(id, b"READY\n");
    let mut sent = Vec::new();
    bus.dispatch(&mut |_, b| {
        sent.push(String::from_utf8(b.to_vec()).unwrap());
        true
    });
    assert!(sent[0].ends_with("eventname:TICK_5 len:12\nwhen:1000005"));
}

#[test]
fn removing_a_pool_forgets_its_listeners() {
    let mut h = Harness::new("l", 1, &["EVENT"], 10);
    assert!(h.bus.is_listener(h.ids[0]));
    assert!(h.bus.remove_pool("l"));
    assert!(!h.bus.is_listener(h.ids[0]));
    assert!(!h.bus.remove_pool("l"));
    h.bus.publish(remote("x"));
    assert_eq!(h.bus.buffered("l"), None);
}

#[test]
fn state_events_carry_supervisors_names() {
    let id = ids("s", 1)[0];
    for to in ProcessState::ALL {
        let event = change(id, "s", ProcessState::Stopped, to);
        let Event::ProcessState(c) = &event else {
            unreachable!()
        };
        assert_eq!(event.event_type().name(), c.event_name());
        assert!(event.event_type().is_a(EventType::ProcessState));
    }
}
