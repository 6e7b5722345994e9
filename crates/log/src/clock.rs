//! The main-log timestamp: local time with milliseconds after a comma.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, UtcOffset};

use crate::LogError;

/// Turns wall-clock instants into Supervisor's record stamps, `2024-01-01 10:00:00,123`.
///
/// The UTC offset is fixed when the clock is made. [`LocalClock::from_system`] asks the
/// `time` crate for the local offset, which on Unix it only answers while the process has
/// a single thread (reading the offset races with `setenv` in other threads): call it in
/// `main` before any thread is started, and again (for daylight-saving changes) only while
/// still single-threaded. Tests build clocks with [`LocalClock::with_offset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    offset: UtcOffset,
}

impl LocalClock {
    /// A clock writing UTC stamps.
    pub fn utc() -> Self {
        LocalClock {
            offset: UtcOffset::UTC,
        }
    }

    /// A clock writing stamps at a fixed offset from UTC.
    pub fn with_offset(offset: UtcOffset) -> Self {
        LocalClock { offset }
    }

    /// The system's current local offset (the `TZ` variable, else `/etc/localtime`).
    ///
    /// Fails with [`LogError::LocalOffset`] when the offset cannot be determined soundly,
    /// notably when the process already runs more than one thread.
    pub fn from_system() -> Result<Self, LogError> {
        UtcOffset::current_local_offset()
            .map(LocalClock::with_offset)
            .map_err(|_| LogError::LocalOffset)
    }

    /// The offset this clock applies.
    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// Appends the stamp for `at` to `out`: `YYYY-MM-DD HH:MM:SS,mmm` (milliseconds
    /// truncated, as Supervisor's `%03d` truncates).
    pub fn write_stamp(&self, at: SystemTime, out: &mut String) {
        let t = to_offset_datetime(at).to_offset(self.offset);
        let (y, mo, d) = (t.year(), t.month() as u8, t.day());
        let (h, mi, s, ms) = (t.hour(), t.minute(), t.second(), t.millisecond());
        if (0..=9999).contains(&y) {
            push_digits(out, y as u32, 4);
        } else {
            out.push_str(&y.to_string());
        }
        out.push('-');
        push_digits(out, u32::from(mo), 2);
        out.push('-');
        push_digits(out, u32::from(d), 2);
        out.push(' ');
        push_digits(out, u32::from(h), 2);
        out.push(':');
        push_digits(out, u32::from(mi), 2);
        out.push(':');
        push_digits(out, u32::from(s), 2);
        out.push(',');
        push_digits(out, u32::from(ms), 3);
    }

    /// The stamp for `at` as a new string.
    pub fn stamp(&self, at: SystemTime) -> String {
        let mut s = String::with_capacity(23);
        self.write_stamp(at, &mut s);
        s
    }
}

fn to_offset_datetime(at: SystemTime) -> OffsetDateTime {
    let nanos = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn push_digits(out: &mut String, mut value: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut i = buf.len();
    while value > 0 || buf.len() - i < width {
        i -= 1;
        buf[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(millis * 1000 + 999)
    }

    #[test]
    fn utc_stamp_has_comma_milliseconds() {
        // 2024-01-01 10:00:00 UTC
        let t = at(1_704_103_200, 123);
        assert_eq!(LocalClock::utc().stamp(t), "2024-01-01 10:00:00,123");
        assert_eq!(
            LocalClock::utc().stamp(at(1_704_103_200, 7)),
            "2024-01-01 10:00:00,007"
        );
    }

    #[test]
    fn offset_is_applied() {
        let t = at(1_704_103_200, 0);
        let east = LocalClock::with_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!(east.stamp(t), "2024-01-01 15:30:00,000");
        let west = LocalClock::with_offset(UtcOffset::from_hms(-11, 0, 0).unwrap());
        assert_eq!(west.stamp(t), "2023-12-31 23:00:00,000");
        assert_eq!(west.offset(), UtcOffset::from_hms(-11, 0, 0).unwrap());
    }

    #[test]
    fn write_stamp_appends() {
        let mut s = String::from(">");
        LocalClock::utc().write_stamp(UNIX_EPOCH, &mut s);
        assert_eq!(s, ">1970-01-01 00:00:00,000");
    }
}
