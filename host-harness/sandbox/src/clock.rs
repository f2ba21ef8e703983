//! Wall-clock times in the formats the providers print.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC date and time, split into fields.
pub(crate) struct Utc {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    /// Hundreds of nanoseconds within the second (.NET ticks, as Entra prints them).
    ticks: u32,
}

impl Utc {
    /// Splits `time` into UTC fields.
    pub fn of(time: SystemTime) -> Utc {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs();
        let (year, month, day) = civil_from_days((secs / 86_400) as i64);
        let in_day = secs % 86_400;
        Utc {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day / 60 % 60,
            second: in_day % 60,
            ticks: since.subsec_nanos() / 100,
        }
    }

    /// Splits `secs` seconds after the Unix epoch into UTC fields.
    pub fn of_unix(secs: u64) -> Utc {
        Utc::of(UNIX_EPOCH + std::time::Duration::from_secs(secs))
    }

    /// `2016-01-09T02:02:12Z`: Graph's `DateTimeOffset` values (`receivedDateTime`, …).
    pub fn graph_instant(&self) -> String {
        format!("{}T{}Z", self.date(), self.time())
    }

    /// `Sat, 9 Jan 2016 02:02:12`: an RFC 5322 date-time without its zone.
    pub fn rfc5322_local(&self) -> String {
        format!(
            "{}, {} {} {} {}",
            &self.weekday()[..3],
            self.day,
            &MONTHS[self.month as usize - 1][..3],
            self.year,
            self.time()
        )
    }

    /// `Sat, 9 Jan 2016 02:02:12 +0000`: an RFC 5322 `Date` in UTC, as Exchange writes it.
    pub fn rfc5322(&self) -> String {
        format!("{} +0000", self.rfc5322_local())
    }

    /// `Saturday, 09 January 2016 02:02:12`: the `Sent:` line of the header block Outlook puts
    /// above a quoted message.
    pub fn quote_header(&self) -> String {
        format!(
            "{}, {:02} {} {} {}",
            self.weekday(),
            self.day,
            MONTHS[self.month as usize - 1],
            self.year,
            self.time()
        )
    }

    /// The English name of the day of the week.
    fn weekday(&self) -> &'static str {
        const DAYS: [&str; 7] = [
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
            "Monday",
            "Tuesday",
            "Wednesday",
        ];
        DAYS[days_from_civil(self.year, self.month, self.day).rem_euclid(7) as usize]
    }

    /// `2016-01-09 02:02:12Z`: the `timestamp` of Entra errors.
    pub fn entra_timestamp(&self) -> String {
        format!("{} {}Z", self.date(), self.time())
    }

    /// `2021-03-11T13:11:19.3170000Z`: the instants inside Entra error messages.
    pub fn entra_instant(&self) -> String {
        format!("{}T{}.{:07}Z", self.date(), self.time(), self.ticks)
    }

    /// `2020-08-18T12:51:51`: the `date` of Graph error `innerError`s.
    pub fn graph_date(&self) -> String {
        format!("{}T{}", self.date(), self.time())
    }

    fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

/// The English month names.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Milliseconds since the Unix epoch, for when a mailbox receives a message.
pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// Seconds since the Unix epoch, for `iat` and `exp` claims.
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Seconds since the Unix epoch of midnight UTC on `year`-`month`-`day`, if that is a date.
pub(crate) fn unix_midnight(year: i64, month: u32, day: u32) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && civil_from_days(days_from_civil(year, month, day)) == (year, month, day);
    valid.then(|| days_from_civil(year, month, day) * 86_400)
}

/// The number of days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` days after 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_like_the_providers() {
        // 2016-01-09 02:02:12.5 UTC
        let t = UNIX_EPOCH + Duration::from_millis(1_452_304_932_500);
        let utc = Utc::of(t);
        assert_eq!(utc.entra_timestamp(), "2016-01-09 02:02:12Z");
        assert_eq!(utc.entra_instant(), "2016-01-09T02:02:12.5000000Z");
        assert_eq!(utc.graph_date(), "2016-01-09T02:02:12");
        assert_eq!(Utc::of(UNIX_EPOCH).graph_date(), "1970-01-01T00:00:00");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(Utc::of(leap).graph_date(), "2000-02-29T00:00:00");
        assert_eq!(Utc::of(t).graph_instant(), "2016-01-09T02:02:12Z");
        assert_eq!(Utc::of(t).rfc5322_local(), "Sat, 9 Jan 2016 02:02:12");
        assert_eq!(Utc::of(leap).rfc5322_local(), "Tue, 29 Feb 2000 00:00:00");
        assert_eq!(Utc::of(t).rfc5322(), "Sat, 9 Jan 2016 02:02:12 +0000");
        assert_eq!(
            Utc::of(t).quote_header(),
            "Saturday, 09 January 2016 02:02:12"
        );
        assert_eq!(unix_midnight(2000, 2, 29), Some(951_782_400));
        assert_eq!(unix_midnight(2001, 2, 29), None);
        assert_eq!(unix_midnight(1970, 1, 1), Some(0));
    }
}
