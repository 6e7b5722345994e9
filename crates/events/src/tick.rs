//! `TICK_5`, `TICK_60` and `TICK_3600` as a deadline.

use std::time::{Duration, Instant, UNIX_EPOCH};

use supervisor_process::Timestamp;

use crate::{Event, TickPeriod};

/// Past a tick boundary by this much before checking, so that a monotonic deadline
/// reached a hair before the wall clock crosses the boundary does not spin.
const SLACK: Duration = Duration::from_millis(1);

/// Tracks the time slice of each tick period, as supervisord's `tick()` does: the slices
/// current at creation are the baseline, and each change of slice makes one event whose
/// `when` is the new slice's start.
#[derive(Clone, Debug)]
pub(crate) struct Ticker {
    slices: [i64; 3],
    next: Instant,
}

impl Ticker {
    pub(crate) fn new(now: Timestamp) -> Ticker {
        let secs = wall_seconds(now);
        Ticker {
            slices: TickPeriod::ALL.map(|p| timeslice(p, secs)),
            next: deadline(now),
        }
    }

    /// The next moment a slice can change (the next multiple of 5 seconds).
    pub(crate) fn next(&self) -> Instant {
        self.next
    }

    /// The tick events due at `now`, shortest period first.
    pub(crate) fn handle(&mut self, now: Timestamp) -> Vec<Event> {
        let secs = wall_seconds(now);
        let mut due = Vec::new();
        for (i, period) in TickPeriod::ALL.into_iter().enumerate() {
            let slice = timeslice(period, secs);
            if slice != self.slices[i] {
                self.slices[i] = slice;
                due.push(Event::Tick {
                    period,
                    when: slice,
                });
            }
        }
        self.next = deadline(now);
        due
    }
}

fn wall_seconds(now: Timestamp) -> i64 {
    now.wall
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The start of the slice of `period` that holds `secs` (Supervisor's `timeslice`).
fn timeslice(period: TickPeriod, secs: i64) -> i64 {
    secs - secs.rem_euclid(period.seconds())
}

/// When the wall clock next reaches a multiple of 5 seconds, on the monotonic clock.
fn deadline(now: Timestamp) -> Instant {
    let since_epoch = now.wall.duration_since(UNIX_EPOCH).unwrap_or_default();
    let period = Duration::from_secs(TickPeriod::Five.seconds() as u64);
    let into = Duration::from_nanos((since_epoch.as_nanos() % period.as_nanos()) as u64);
    now.mono + (period - into) + SLACK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::base;

    fn periods(events: &[Event]) -> Vec<(i64, i64)> {
        events
            .iter()
            .map(|e| match e {
                Event::Tick { period, when } => (period.seconds(), *when),
                other => panic!("not a tick: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn first_ticks_come_at_the_next_boundaries() {
        // 3598 s after the epoch-aligned hour start: 2 s before TICK_5, TICK_60 and TICK_3600.
        let start = base(3598, 250);
        let mut ticker = Ticker::new(start);
        assert!(ticker.handle(start).is_empty());
        let next = ticker.next();
        assert_eq!(next - start.mono, Duration::from_millis(1751));
        let now = start.advanced_to(next);
        assert_eq!(
            periods(&ticker.handle(now)),
            [(5, 3600), (60, 3600), (3600, 3600)]
        );
        let now = now.advanced_to(ticker.next());
        assert_eq!(periods(&ticker.handle(now)), [(5, 3605)]);
        assert_eq!(
            ticker.next() - now.mono,
            Duration::from_millis(4999) + SLACK
        );
    }

    #[test]
    fn a_minute_of_simulated_time_gives_twelve_tick5_and_one_tick60() {
        let start = base(7200 + 1, 0);
        let mut ticker = Ticker::new(start);
        let mut now = start;
        let mut all = Vec::new();
        while ticker.next() <= start.mono + Duration::from_secs(60) {
            now = now.advanced_to(ticker.next());
            all.extend(periods(&ticker.handle(now)));
        }
        let fives = all.iter().filter(|(p, _)| *p == 5).count();
        let sixties: Vec<_> = all.iter().filter(|(p, _)| *p == 60).collect();
        assert_eq!(fives, 12);
        assert_eq!(sixties, [&(60, 7260)]);
        assert!(all.iter().all(|(p, when)| when % p == 0));
    }

    #[test]
    fn a_wall_clock_jump_ticks_once_per_period() {
        let start = base(100, 0);
        let mut ticker = Ticker::new(start);
        let mut later = start.advanced(Duration::from_secs(1));
        later.wall += Duration::from_secs(10_000);
        assert_eq!(
            periods(&ticker.handle(later)),
            [(5, 10_100), (60, 10_080), (3600, 7200)]
        );
    }
}
