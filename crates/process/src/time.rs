//! Time as this crate receives it, and the two ways Supervisor prints it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use supervisor_types::CivilTime;

/// "Now", as the host passes it to every time-dependent call.
///
/// `mono` decides everything (startsecs, backoff delays, stopwaitsecs, report throttles);
/// `wall` is only recorded for what is reported (`start` and `stop` in `getProcessInfo`,
/// the date in a description). So a wall clock that jumps changes what is printed, never
/// what is done. The host reads both clocks once per loop turn; this crate reads neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Monotonic time: the base of every decision and deadline.
    pub mono: Instant,
    /// Wall-clock time: only recorded and reported.
    pub wall: SystemTime,
}

impl Timestamp {
    /// Pairs a monotonic and a wall-clock reading taken together.
    pub const fn new(mono: Instant, wall: SystemTime) -> Timestamp {
        Timestamp { mono, wall }
    }

    /// Both clocks moved forward by `by`: how tests and simulations advance time.
    pub fn advanced(self, by: Duration) -> Timestamp {
        Timestamp {
            mono: self.mono + by,
            wall: self.wall + by,
        }
    }

    /// Both clocks moved to the monotonic instant `to` (no-op if `to` is not later).
    pub fn advanced_to(self, to: Instant) -> Timestamp {
        self.advanced(to.saturating_duration_since(self.mono))
    }
}

/// Seconds since the Unix epoch as Supervisor reports them over XML-RPC: truncated to an
/// integer and capped to the 32-bit range (`capped_int`).
pub fn unix_seconds(t: SystemTime) -> i64 {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    secs.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// An uptime as Supervisor prints it (Python's `timedelta`): `0:01:05`, `1 day, 2:03:04`,
/// `3 days, 0:00:00`. Negative spans (a wall clock set back) print as `0:00:00`.
///
/// ```
/// use supervisor_process::format_uptime;
/// assert_eq!(format_uptime(65), "0:01:05");
/// assert_eq!(format_uptime(90061), "1 day, 1:01:01");
/// ```
pub fn format_uptime(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, rest) = (s / 86_400, s % 86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        d => format!("{d} days, {clock}"),
    }
}

/// A stop time as Supervisor prints it in a description (`strftime('%b %d %I:%M %p')` of
/// local time), e.g. `Nov 30 04:00 PM`. `utc_offset_secs` is the local offset from UTC
/// (east positive); the host computes it, since this crate never reads the environment.
///
/// ```
/// use supervisor_process::format_stop_date;
/// // 2023-11-30 16:00:00 UTC
/// assert_eq!(format_stop_date(1_701_360_000, 0), "Nov 30 04:00 PM");
/// assert_eq!(format_stop_date(1_701_360_000, -5 * 3600), "Nov 30 11:00 AM");
/// ```
pub fn format_stop_date(unix_secs: i64, utc_offset_secs: i32) -> String {
    let t = CivilTime::from_unix(unix_secs + i64::from(utc_offset_secs));
    let hour12 = match t.hour % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if t.hour < 12 { "AM" } else { "PM" };
    format!(
        "{} {:02} {:02}:{:02} {}",
        t.month_abbr(),
        t.day,
        hour12,
        t.minute,
        ampm
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_matches_python_timedelta() {
        assert_eq!(format_uptime(0), "0:00:00");
        assert_eq!(format_uptime(-5), "0:00:00");
        assert_eq!(format_uptime(3599), "0:59:59");
        assert_eq!(format_uptime(36_000), "10:00:00");
        assert_eq!(format_uptime(86_400), "1 day, 0:00:00");
        assert_eq!(format_uptime(2 * 86_400 + 5), "2 days, 0:00:05");
    }

    #[test]
    fn dates_match_strftime() {
        assert_eq!(format_stop_date(0, 0), "Jan 01 12:00 AM");
        assert_eq!(format_stop_date(43_200, 0), "Jan 01 12:00 PM");
        assert_eq!(format_stop_date(0, -3600), "Dec 31 11:00 PM");
        // 2024-02-29 09:05:00 UTC, a leap day.
        assert_eq!(format_stop_date(1_709_197_500, 0), "Feb 29 09:05 AM");
        assert_eq!(format_stop_date(1_709_197_500, 19_800), "Feb 29 02:35 PM");
    }

    #[test]
    fn unix_seconds_truncate_and_cap() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1999)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(1500)), -1);
        assert_eq!(
            unix_seconds(UNIX_EPOCH + Duration::from_secs(1 << 40)),
            i64::from(i32::MAX)
        );
    }
}
