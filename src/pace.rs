//! Pacing to a provider's published request limits: a budget of units per sliding window (Gmail:
//! quota units per user per minute; Graph: requests per mailbox per ten minutes), and a ledger
//! of what was spent, which a sync carries from call to call in its cursor.
//!
//! The ledger keeps spending in buckets of a fiftieth of the window, and a bucket counts until
//! the window has passed its end and one bucket more: a conservative reading of the provider's
//! window (the provider counts a request when it arrives and handles it, a little after the
//! component sent it), so that the component never spends more than the limit in any window
//! the provider may measure.

use serde::{Deserialize, Serialize};

/// How many buckets a window is cut into.
const BUCKETS: u64 = 50;

/// A budget of `units` per sliding window of `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The units the window allows.
    pub units: u32,
    /// The window's length, in milliseconds.
    pub window_ms: u64,
}

impl Budget {
    /// A bucket's length.
    fn bucket_ms(&self) -> u64 {
        (self.window_ms / BUCKETS).max(1)
    }

    /// When units spent in the bucket starting at `start` stop counting.
    fn frees(&self, start: u64) -> u64 {
        start + 2 * self.bucket_ms() + self.window_ms
    }
}

/// What was spent, bucket by bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// `(bucket start in Unix milliseconds, units)`, oldest first.
    #[serde(default)]
    spent: Vec<(u64, u32)>,
}

impl Ledger {
    /// Forgets the buckets that no longer count at `now`.
    fn prune(&mut self, budget: &Budget, now: u64) {
        self.spent.retain(|&(start, _)| budget.frees(start) > now);
    }

    /// The units spent in the window that ends at `now`.
    pub fn used(&self, budget: &Budget, now: u64) -> u64 {
        self.spent
            .iter()
            .filter(|&&(start, _)| budget.frees(start) > now)
            .map(|&(_, units)| u64::from(units))
            .sum()
    }

    /// The units that may be spent at `now`.
    pub fn room(&self, budget: &Budget, now: u64) -> u64 {
        u64::from(budget.units).saturating_sub(self.used(budget, now))
    }

    /// How long to wait from `now` before `units` fit in the window (0 when they fit now). A
    /// spend larger than the whole budget waits for an empty window.
    pub fn wait_for(&self, budget: &Budget, units: u64, now: u64) -> u64 {
        let units = units.min(u64::from(budget.units));
        let mut used = self.used(budget, now);
        if used + units <= u64::from(budget.units) {
            return 0;
        }
        for &(start, spent) in &self.spent {
            let frees = budget.frees(start);
            if frees <= now {
                continue;
            }
            used -= u64::from(spent);
            if used + units <= u64::from(budget.units) {
                return frees - now;
            }
        }
        budget.window_ms
    }

    /// Records `units` spent at `now`.
    pub fn spend(&mut self, budget: &Budget, units: u64, now: u64) {
        self.prune(budget, now);
        let bucket = budget.bucket_ms();
        let start = now - now % bucket;
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        match self.spent.last_mut() {
            Some((last, spent)) if *last == start => *spent = spent.saturating_add(units),
            _ => self.spent.push((start, units)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Budget = Budget {
        units: 100,
        window_ms: 60_000,
    };

    #[test]
    fn the_window_allows_its_budget_then_waits_for_the_oldest_spend() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.room(&MINUTE, 1_000), 100);
        ledger.spend(&MINUTE, 60, 1_000);
        ledger.spend(&MINUTE, 30, 10_000);
        assert_eq!(ledger.room(&MINUTE, 10_000), 10);
        assert_eq!(ledger.wait_for(&MINUTE, 10, 10_000), 0);
        // 20 more need the first bucket (0..1,200 ms) to leave the window and a bucket more:
        // at 62,400 ms.
        assert_eq!(ledger.wait_for(&MINUTE, 20, 10_000), 52_400);
        assert_eq!(ledger.room(&MINUTE, 62_400), 70);
        // Everything frees after the window passes the last bucket's end, and one more: the
        // bucket of 10,000 ms starts at 9,600 and frees at 72,000.
        assert_eq!(ledger.room(&MINUTE, 72_001), 100);
        // More than the whole budget waits for an empty window.
        assert_eq!(ledger.wait_for(&MINUTE, 500, 10_000), 62_000);
    }

    #[test]
    fn the_ledger_stays_small_and_survives_the_cursor() {
        let mut ledger = Ledger::default();
        for t in 0..10_000u64 {
            ledger.spend(&MINUTE, 1, t * 10);
        }
        assert!(ledger.spent.len() <= 53, "{}", ledger.spent.len());
        let json = serde_json::to_string(&ledger).unwrap();
        let back: Ledger = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ledger);
    }
}
