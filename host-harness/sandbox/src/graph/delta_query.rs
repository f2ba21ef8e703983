//! The `$orderby` and `$filter` a message delta takes, and nothing else.
//!
//! Source: https://learn.microsoft.com/en-us/graph/delta-query-messages (and
//! https://learn.microsoft.com/en-us/graph/api/message-delta): "The only supported `$filter`
//! expressions are `$filter=receivedDateTime+ge+{value}` or
//! `$filter=receivedDateTime+gt+{value}`"; "The only supported `$orderby` expression is
//! `$orderby=receivedDateTime+desc`. If you don't include an `$orderby` expression, the return
//! order isn't guaranteed." Anything else is refused ([`errors::not_tracked`]).

use serde::{Deserialize, Serialize};

use super::errors;
use crate::clock;
use crate::wire::Refusal;

/// The resource change tracking names in its errors.
const RESOURCE: &str = "Messages";

/// Whether `$orderby` asks for the newest first: `receivedDateTime desc` (the property name in
/// any case, as Graph matches property names); no `$orderby` leaves the order open.
pub(super) fn newest_first(orderby: Option<&str>) -> Result<bool, Refusal> {
    let Some(orderby) = orderby else {
        return Ok(false);
    };
    let words: Vec<&str> = orderby.split_whitespace().collect();
    match words.as_slice() {
        [property, "desc"] if property.eq_ignore_ascii_case("receivedDateTime") => Ok(true),
        _ => Err(errors::not_tracked(RESOURCE, "$orderby")),
    }
}

/// A `receivedDateTime` lower bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct ReceivedSince {
    /// The instant, in milliseconds since the Unix epoch.
    pub millis: i64,
    /// `ge` (true) or `gt`.
    pub inclusive: bool,
}

impl ReceivedSince {
    /// Whether a message received at `received_ms` passes, its `receivedDateTime` being
    /// compared as Graph shows it (whole seconds).
    pub fn admits(&self, received_ms: u64) -> bool {
        let shown = i64::try_from(received_ms / 1000 * 1000).unwrap_or(i64::MAX);
        match self.inclusive {
            true => shown >= self.millis,
            false => shown > self.millis,
        }
    }
}

/// The bound `$filter` sets: `receivedDateTime ge|gt {DateTimeOffset}` (property name in any
/// case); another filter is refused as change tracking refuses it, a date Graph cannot read as
/// Graph refuses a filter it cannot read.
pub(super) fn received_since(filter: Option<&str>) -> Result<Option<ReceivedSince>, Refusal> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    let words: Vec<&str> = filter.split_whitespace().collect();
    let [property, operator, literal] = words.as_slice() else {
        return Err(errors::not_tracked(RESOURCE, "$filter"));
    };
    let inclusive = match *operator {
        "ge" => true,
        "gt" => false,
        _ => return Err(errors::not_tracked(RESOURCE, "$filter")),
    };
    if !property.eq_ignore_ascii_case("receivedDateTime") {
        return Err(errors::not_tracked(RESOURCE, "$filter"));
    }
    let millis = date_time_offset(literal).ok_or_else(errors::invalid_filter)?;
    Ok(Some(ReceivedSince { millis, inclusive }))
}

/// An OData `DateTimeOffset` literal (`2024-05-04T09:00:00Z`, with optional fractional seconds
/// and a `Z` or `±hh:mm` offset), in milliseconds since the Unix epoch.
fn date_time_offset(literal: &str) -> Option<i64> {
    let (date, rest) = literal.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = digits(date_parts.next()?, 4)?;
    let month: u32 = digits(date_parts.next()?, 2)?;
    let day: u32 = digits(date_parts.next()?, 2)?;
    let (time, offset_minutes) = match rest.strip_suffix(['Z', 'z']) {
        Some(time) => (time, 0),
        None => {
            let at = rest.rfind(['+', '-'])?;
            let (time, offset) = rest.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = offset[1..].split_once(':')?;
            let minutes = digits::<i64>(hours, 2)? * 60 + digits::<i64>(minutes, 2)?;
            (time, sign * minutes)
        }
    };
    let (clock_time, fraction) = match time.split_once('.') {
        Some((clock_time, fraction)) => (clock_time, Some(fraction)),
        None => (time, None),
    };
    let mut time_parts = clock_time.splitn(3, ':');
    let hour: i64 = digits(time_parts.next()?, 2)?;
    let minute: i64 = digits(time_parts.next()?, 2)?;
    let second: i64 = digits(time_parts.next()?, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<3}")[..3].parse().ok()?
        }
        Some(_) => return None,
    };
    let midnight = clock::unix_midnight(year, month, day)?;
    let seconds = midnight + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// `text` as a number of exactly `len` ASCII digits.
fn digits<T: std::str::FromStr>(text: &str, len: usize) -> Option<T> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_graph_date_time_offsets() {
        assert_eq!(date_time_offset("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            date_time_offset("2016-01-09T02:02:12Z"),
            Some(1_452_304_932_000)
        );
        assert_eq!(
            date_time_offset("2016-01-09T03:02:12.5+01:00"),
            Some(1_452_304_932_500)
        );
        assert_eq!(date_time_offset("2016-01-09"), None);
        assert_eq!(date_time_offset("2016-02-30T00:00:00Z"), None);
        assert_eq!(date_time_offset("'2016-01-09T02:02:12Z'"), None);
    }

    #[test]
    fn only_received_date_time_orders_and_filters() {
        assert_eq!(newest_first(None).ok(), Some(false));
        assert_eq!(newest_first(Some("ReceivedDateTime desc")).ok(), Some(true));
        assert!(newest_first(Some("receivedDateTime asc")).is_err());
        assert!(newest_first(Some("subject desc")).is_err());
        let since = received_since(Some("receivedDateTime gt 1970-01-01T00:00:01Z"))
            .ok()
            .flatten()
            .unwrap();
        assert!(!since.admits(1_999) && since.admits(2_000));
        assert!(received_since(Some("isRead eq false")).is_err());
        assert!(received_since(Some("receivedDateTime lt 1970-01-01T00:00:01Z")).is_err());
    }
}
