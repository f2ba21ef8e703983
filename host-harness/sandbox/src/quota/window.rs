//! Sliding windows of what was spent (quota units, requests, bytes) over the last span of time,
//! and the time scale every span is measured on.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What was spent over the last span of time: amounts and when they were spent, oldest first.
/// A window slides: at every instant it holds what was spent within one span before it, never a
/// count that resets on a clock boundary (the stricter reading where a provider does not say).
#[derive(Debug, Default)]
pub(super) struct Window {
    spent: VecDeque<(Instant, u64)>,
    total: u64,
}

impl Window {
    /// Forgets what was spent one `span` or more before `now`.
    pub fn settle(&mut self, now: Instant, span: Duration) {
        while let Some(&(at, amount)) = self.spent.front() {
            if now.saturating_duration_since(at) < span {
                break;
            }
            self.spent.pop_front();
            self.total -= amount;
        }
    }

    /// What was spent within the span, as of the last [`Window::settle`].
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Spends `amount` at `now`.
    pub fn spend(&mut self, now: Instant, amount: u64) {
        self.spent.push_back((now, amount));
        self.total += amount;
    }

    /// How long from `now` until `amount` more fits under `limit`, or `None` when it fits now.
    /// It fits once enough of the oldest spending has left the window; an amount over the whole
    /// limit never fits, and is told to wait a whole span.
    pub fn wait_for(
        &self,
        now: Instant,
        span: Duration,
        amount: u64,
        limit: u64,
    ) -> Option<Duration> {
        let excess = (self.total + amount)
            .checked_sub(limit)
            .filter(|e| *e > 0)?;
        if amount > limit {
            return Some(span);
        }
        let mut freed = 0;
        for &(at, spent) in &self.spent {
            freed += spent;
            if freed >= excess {
                return Some((at + span).saturating_duration_since(now));
            }
        }
        Some(span)
    }
}

/// The time scale of every quota window: how many seconds of wall-clock time one minute of the
/// providers' time lasts (60 is real time). Windows and the waits the refusals name shrink by
/// the same factor, so every ratio between them stays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Scale {
    seconds_per_minute: f64,
}

impl Scale {
    /// Real time.
    pub const REAL: Scale = Scale {
        seconds_per_minute: 60.0,
    };

    /// `seconds_per_minute` seconds of wall-clock time for each minute.
    ///
    /// # Panics
    /// If `seconds_per_minute` is not a positive, finite number.
    pub fn new(seconds_per_minute: f64) -> Scale {
        assert!(
            seconds_per_minute.is_finite() && seconds_per_minute > 0.0,
            "a quota time scale needs a positive number of seconds per minute, not {seconds_per_minute}"
        );
        Scale { seconds_per_minute }
    }

    /// The seconds of wall-clock time one minute lasts.
    pub fn seconds_per_minute(self) -> f64 {
        self.seconds_per_minute
    }

    /// How long `span` of the providers' time lasts on the wall clock.
    pub fn of(self, span: Duration) -> Duration {
        span.mul_f64(self.seconds_per_minute / 60.0)
    }
}

/// A wait as a `Retry-After` gives it: whole seconds, rounded up, at least one.
pub(super) fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_slides_and_names_when_room_comes_back() {
        let start = Instant::now();
        let span = Duration::from_secs(60);
        let mut window = Window::default();
        window.spend(start, 5);
        window.spend(start + Duration::from_secs(10), 5);
        assert_eq!(window.wait_for(start, span, 5, 15), None);
        let now = start + Duration::from_secs(20);
        // 10 spent, 10 more asked of 15: the first 5 must leave, at 60 s.
        assert_eq!(
            window.wait_for(now, span, 10, 15),
            Some(Duration::from_secs(40))
        );
        // 20 more of 15 never fits: a whole span.
        assert_eq!(window.wait_for(now, span, 20, 15), Some(span));
        window.settle(start + Duration::from_secs(60), span);
        assert_eq!(window.total(), 5);
        window.settle(start + Duration::from_secs(70), span);
        assert_eq!(window.total(), 0);
    }

    #[test]
    fn scales_keep_ratios_and_waits_round_up() {
        let tenth = Scale::new(6.0);
        assert_eq!(tenth.of(Duration::from_secs(600)), Duration::from_secs(60));
        assert_eq!(
            Scale::REAL.of(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(59_001)), 60);
        assert_eq!(whole_seconds(Duration::from_secs(60)), 60);
    }

    #[test]
    #[should_panic(expected = "positive number of seconds")]
    fn a_scale_needs_time_to_pass() {
        Scale::new(0.0);
    }
}
