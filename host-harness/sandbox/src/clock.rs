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

/// Seconds since the Unix epoch, for `iat` and `exp` claims.
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
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
    }
}
