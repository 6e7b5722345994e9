//! Calendar fields of a count of seconds since the Unix epoch, for the dates Supervisor
//! prints (stop times, `ctime()` in the web page, HTTP `Date` headers).

/// English month abbreviations, January first (C locale `%b`).
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// English weekday abbreviations, Monday first (C locale `%a`).
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The proleptic Gregorian date and time of day of an instant, as Python's
/// `time.gmtime` splits it (apply a UTC offset to the seconds first for local time).
///
/// ```
/// use supervisor_types::CivilTime;
///
/// let t = CivilTime::from_unix(1_709_197_537); // 2024-02-29 09:05:37 UTC
/// assert_eq!((t.year, t.month, t.day), (2024, 2, 29));
/// assert_eq!((t.hour, t.minute, t.second), (9, 5, 37));
/// assert_eq!((t.weekday_abbr(), t.month_abbr()), ("Thu", "Feb"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// The year (1970, 2024, …; earlier instants give earlier years).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59.
    pub second: u8,
    /// The day of the week, 0 for Monday to 6 for Sunday (Python's `tm_wday`).
    pub weekday: u8,
}

impl CivilTime {
    /// The calendar fields of `secs` seconds after 1970-01-01 00:00:00 (negative is
    /// before it).
    pub fn from_unix(secs: i64) -> CivilTime {
        let days = secs.div_euclid(86_400);
        let time = secs.rem_euclid(86_400);
        // Days since 0000-03-01, split into 400-year eras of 146,097 days so that
        // leap days fall at the end of each year (Hinnant's civil-from-days).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let march_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * march_month + 2) / 5 + 1;
        let month = if march_month < 10 {
            march_month + 3
        } else {
            march_month - 9
        };
        CivilTime {
            year: year_of_era + era * 400 + i64::from(month <= 2),
            month: month as u8,
            day: day as u8,
            hour: (time / 3600) as u8,
            minute: (time / 60 % 60) as u8,
            second: (time % 60) as u8,
            // 1970-01-01 was a Thursday.
            weekday: (days + 3).rem_euclid(7) as u8,
        }
    }

    /// The month's English abbreviation (`Jan` … `Dec`).
    pub fn month_abbr(&self) -> &'static str {
        MONTHS[usize::from(self.month - 1)]
    }

    /// The weekday's English abbreviation (`Mon` … `Sun`).
    pub fn weekday_abbr(&self) -> &'static str {
        WEEKDAYS[usize::from(self.weekday)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(secs: i64) -> (i64, u8, u8) {
        let t = CivilTime::from_unix(secs);
        (t.year, t.month, t.day)
    }

    #[test]
    fn the_epoch_and_around_it() {
        let t = CivilTime::from_unix(0);
        assert_eq!(
            t,
            CivilTime {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                weekday: 3,
            }
        );
        assert_eq!((t.weekday_abbr(), t.month_abbr()), ("Thu", "Jan"));
        let t = CivilTime::from_unix(-1);
        assert_eq!((t.year, t.month, t.day), (1969, 12, 31));
        assert_eq!((t.hour, t.minute, t.second), (23, 59, 59));
        assert_eq!(t.weekday_abbr(), "Wed");
    }

    #[test]
    fn leap_days_and_century_rules() {
        assert_eq!(ymd(19_782 * 86_400), (2024, 2, 29));
        assert_eq!(ymd(11_016 * 86_400), (2000, 2, 29));
        // 2100 is not a leap year: Feb 28 is followed by Mar 1.
        assert_eq!(ymd(4_107_456_000), (2100, 2, 28));
        assert_eq!(ymd(4_107_456_000 + 86_400), (2100, 3, 1));
        assert_eq!(ymd(1_735_689_599), (2024, 12, 31));
    }

    #[test]
    fn weekdays_cycle_from_thursday() {
        let names: Vec<&str> = (0..8)
            .map(|d| CivilTime::from_unix(d * 86_400).weekday_abbr())
            .collect();
        assert_eq!(
            names,
            ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed", "Thu"]
        );
        // 1994-11-06, the HTTP specification's example date, was a Sunday.
        assert_eq!(CivilTime::from_unix(784_111_777).weekday_abbr(), "Sun");
    }
}
