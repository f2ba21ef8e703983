//! The providers' published request limits, enforced on the mail API traffic by default: Gmail's
//! per-user quota units per minute and per-user concurrent requests, and Outlook's (Graph mail)
//! concurrent requests, requests per ten minutes and uploads per five minutes per mailbox. Each
//! limit is a setting with the documented value as default, and can be switched off; every
//! window runs on one time scale.
//!
//! The sandbox has one user per provider, so each limit has one account: per user (Gmail) or per
//! mailbox (Outlook) for every client app at once. The providers count some limits per app as
//! well; one account for all apps is the stricter reading.

mod gmail;
mod graph;
mod window;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use self::window::{Scale, Window};
use crate::Controls;
use crate::config::Provider;
use crate::state::Store;
use crate::wire::{Refusal, Request, Response};

/// Gmail's per-user rate limit: 15,000 quota units per user per minute
/// (https://developers.google.com/workspace/gmail/api/reference/quota). Copies of that page
/// since May 2026 give 6,000 for projects created after that date; the value is a setting
/// ([`Controls::set_gmail_quota`]).
const GMAIL_UNITS_PER_MINUTE: u32 = 15_000;
/// Gmail's per-user concurrent requests. The error guide names the limit
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors: "a per-user
/// concurrent request limit … shared by all Gmail API clients accessing a given user") but not
/// its value. The value is the one measured against live Gmail in
/// https://github.com/amd/gaia/issues/2720: batches of 25 calls (which Gmail may run at once)
/// were served, batches of 100 answered "Too many concurrent requests for user."; 60 requests at
/// once were refused too (https://github.com/amp-labs/connectors/pull/2942). The sandbox takes
/// the lowest value seen served, the stricter reading.
const GMAIL_CONCURRENT: usize = 25;
/// Outlook's concurrent requests per app and mailbox: 4
/// (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits).
const GRAPH_CONCURRENT: usize = 4;
/// Outlook's requests per app and mailbox: 10,000 API requests in a 10 minute period (same
/// page).
const GRAPH_REQUESTS_PER_TEN_MINUTES: u32 = 10_000;
/// Outlook's uploads per app and mailbox: 150 megabytes (MB) upload (PATCH, POST, PUT) in a 5
/// minute period (same page), read as 150,000,000 bytes, the stricter of the two readings of MB.
const GRAPH_UPLOAD_BYTES_PER_FIVE_MINUTES: u64 = 150_000_000;

/// Gmail's quota window: a minute.
const MINUTE: Duration = Duration::from_secs(60);
/// Outlook's request window: ten minutes.
const TEN_MINUTES: Duration = Duration::from_secs(600);
/// Outlook's upload window: five minutes.
const FIVE_MINUTES: Duration = Duration::from_secs(300);

/// What one request spends of its provider's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meter {
    /// Nothing: not a call on a user's mailbox (an unknown path, a batch request itself, a
    /// request turned away for its token).
    Free,
    /// A Gmail method costing `units` quota units, and a concurrent request of the user.
    Gmail {
        /// Its quota units.
        units: u32,
    },
    /// An Outlook request of the mailbox, uploading `bytes`.
    Outlook {
        /// The bytes it uploads (its body, for `PATCH`, `POST` and `PUT`).
        bytes: u64,
    },
}

impl Meter {
    /// The provider whose limits it spends, if any.
    pub fn provider(self) -> Option<Provider> {
        match self {
            Meter::Free => None,
            Meter::Gmail { .. } => Some(Provider::Google),
            Meter::Outlook { .. } => Some(Provider::Microsoft),
        }
    }
}

/// What `request` spends of its provider's limits.
pub(crate) fn meter(store: &Store, request: &Request) -> Meter {
    let accepted = |provider| {
        request
            .bearer()
            .is_some_and(|token| store.check_access(provider, token).is_ok())
    };
    match request.host.as_str() {
        "gmail.googleapis.com" => gmail::meter(request, accepted(Provider::Google)),
        "graph.microsoft.com" | "outlook.office.com" => {
            graph::meter(request, accepted(Provider::Microsoft))
        }
        _ => Meter::Free,
    }
}

/// The limits in force; `None` switches one off.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Limits {
    gmail_units_per_minute: Option<u32>,
    gmail_concurrent: Option<usize>,
    graph_concurrent: Option<usize>,
    graph_requests_per_ten_minutes: Option<u32>,
    graph_upload_bytes_per_five_minutes: Option<u64>,
    scale: Scale,
}

impl Default for Limits {
    /// The documented limits, in real time.
    fn default() -> Self {
        Limits {
            gmail_units_per_minute: Some(GMAIL_UNITS_PER_MINUTE),
            gmail_concurrent: Some(GMAIL_CONCURRENT),
            graph_concurrent: Some(GRAPH_CONCURRENT),
            graph_requests_per_ten_minutes: Some(GRAPH_REQUESTS_PER_TEN_MINUTES),
            graph_upload_bytes_per_five_minutes: Some(GRAPH_UPLOAD_BYTES_PER_FIVE_MINUTES),
            scale: Scale::REAL,
        }
    }
}

/// The limits and what was spent against them, behind one lock.
#[derive(Default)]
pub(crate) struct Quotas {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    limits: Limits,
    /// Gmail quota units spent.
    gmail_units: Window,
    /// Outlook requests counted.
    graph_requests: Window,
    /// Outlook bytes uploaded.
    graph_bytes: Window,
    /// Gmail units spent and Outlook requests counted, in all.
    used: [u64; 2],
    /// Throttling refusals, in all.
    throttled: [usize; 2],
}

impl Quotas {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the documented limits, in real time, with nothing spent.
    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    /// How many requests to `provider`'s mailbox may be in flight at once, if that is limited.
    pub fn concurrency(&self, provider: Provider) -> Option<usize> {
        let limits = self.lock().limits;
        match provider {
            Provider::Google => limits.gmail_concurrent,
            Provider::Microsoft => limits.graph_concurrent,
        }
    }

    /// Refuses a request metered `meter` for the concurrency limit of its provider: a
    /// throttling answer, which costs Gmail units nothing (see [`Quotas::charge`]) but counts
    /// among the mailbox's Outlook requests, as every Outlook request does.
    pub fn refuse_concurrent(&self, meter: Meter) -> Response {
        let mut state = self.lock();
        let now = Instant::now();
        match meter {
            Meter::Free => unreachable!("a free request takes no slot"),
            Meter::Gmail { .. } => {
                state.throttled[slot(Provider::Google)] += 1;
                gmail::too_many_concurrent()
            }
            Meter::Outlook { .. } => {
                state.count_outlook(now);
                state.throttled[slot(Provider::Microsoft)] += 1;
                graph::over_concurrency()
            }
        }
    }

    /// Charges a request metered `meter` to its provider's windows, or refuses it.
    ///
    /// Gmail: the request's units, if they fit in the minute's quota; a refused request costs
    /// nothing: over a quota, Google "blocks access to the resource, and the task that you're
    /// trying to perform fails" (https://docs.cloud.google.com/docs/quotas/overview); nothing is
    /// spent. Outlook: the request counts among the mailbox's requests whatever its answer
    /// ("Avoid immediate retries, because all requests accrue against your usage limits";
    /// "Microsoft Graph continues to log resource usage while a client is being throttled":
    /// https://learn.microsoft.com/en-us/graph/throttling), then its upload is checked, and
    /// counted when it is taken.
    pub fn charge(&self, meter: Meter) -> Result<(), Refusal> {
        let mut state = self.lock();
        let now = Instant::now();
        match meter {
            Meter::Free => Ok(()),
            Meter::Gmail { units } => state.charge_gmail(now, units),
            Meter::Outlook { bytes } => state.charge_outlook(now, bytes),
        }
    }

    /// Applies `change` to the limits.
    fn set(&self, change: impl FnOnce(&mut Limits)) {
        change(&mut self.lock().limits);
    }
}

impl State {
    /// Charges `units` of Gmail quota at `now`, or refuses them, naming when they would fit.
    fn charge_gmail(&mut self, now: Instant, units: u32) -> Result<(), Refusal> {
        let span = self.limits.scale.of(MINUTE);
        self.gmail_units.settle(now, span);
        let units = u64::from(units);
        if let Some(limit) = self.limits.gmail_units_per_minute
            && let Some(wait) = self.gmail_units.wait_for(now, span, units, limit.into())
        {
            self.throttled[slot(Provider::Google)] += 1;
            return Err(Box::new(gmail::over_quota(wait)));
        }
        self.gmail_units.spend(now, units);
        self.used[slot(Provider::Google)] += units;
        Ok(())
    }

    /// Counts an Outlook request uploading `bytes` at `now`, or refuses it, naming when a
    /// retry would be taken.
    fn charge_outlook(&mut self, now: Instant, bytes: u64) -> Result<(), Refusal> {
        let span = self.count_outlook(now);
        if let Some(limit) = self.limits.graph_requests_per_ten_minutes
            && self.graph_requests.total() > u64::from(limit)
        {
            // The refused request counts too: a retry fits once one more does.
            let wait = self.graph_requests.wait_for(now, span, 1, limit.into());
            self.throttled[slot(Provider::Microsoft)] += 1;
            return Err(Box::new(graph::over_requests(wait.unwrap_or_default())));
        }
        if bytes == 0 {
            return Ok(());
        }
        let span = self.limits.scale.of(FIVE_MINUTES);
        self.graph_bytes.settle(now, span);
        if let Some(limit) = self.limits.graph_upload_bytes_per_five_minutes
            && let Some(wait) = self.graph_bytes.wait_for(now, span, bytes, limit)
        {
            self.throttled[slot(Provider::Microsoft)] += 1;
            return Err(Box::new(graph::over_uploads(wait)));
        }
        self.graph_bytes.spend(now, bytes);
        Ok(())
    }

    /// Counts one Outlook request at `now`; the request window's span.
    fn count_outlook(&mut self, now: Instant) -> Duration {
        let span = self.limits.scale.of(TEN_MINUTES);
        self.graph_requests.settle(now, span);
        self.graph_requests.spend(now, 1);
        self.used[slot(Provider::Microsoft)] += 1;
        span
    }
}

/// The counter slot of `provider`.
fn slot(provider: Provider) -> usize {
    match provider {
        Provider::Google => 0,
        Provider::Microsoft => 1,
    }
}

impl Controls {
    /// Sets Gmail's per-user quota, in quota units per minute over a sliding minute (`None`:
    /// off). By default 15,000, the per-user rate limit of
    /// https://developers.google.com/workspace/gmail/api/reference/quota (projects created since
    /// May 2026 get 6,000). Each method costs the units that page lists (`messages.get` 5,
    /// `messages.send` 100, …; an upload costs as its method), whatever its answer; a request
    /// over the quota is answered 403 `userRateLimitExceeded` with a `Retry-After` and costs
    /// nothing. Requests inside a batch are charged one by one.
    pub fn set_gmail_quota(&self, units_per_minute: Option<u32>) {
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.gmail_units_per_minute = units_per_minute);
    }

    /// Sets how many Gmail requests of the user may be in flight at once (`None`: no limit);
    /// one more is answered 429 `rateLimitExceeded` "Too many concurrent requests for user.".
    /// By default 25: Gmail documents the limit but not its value, and 25 is the most calls at
    /// once seen served by live Gmail (https://github.com/amd/gaia/issues/2720). The calls of a
    /// batch are all in flight while the batch is answered.
    pub fn set_gmail_concurrency(&self, limit: Option<usize>) {
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.gmail_concurrent = limit);
    }

    /// Sets how many Outlook requests to the mailbox may be in flight at once (`None`: no
    /// limit); one more is answered 429 `ApplicationThrottled` "Application is over its
    /// MailboxConcurrency limit.". By default 4
    /// (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits). Graph
    /// runs the requests of a JSON batch 4 at a time, each counted.
    pub fn set_graph_concurrency(&self, limit: Option<usize>) {
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.graph_concurrent = limit);
    }

    /// Sets how many Outlook requests the mailbox takes in a sliding ten minutes (`None`: no
    /// limit); over it, requests are answered 429 `TooManyRequests` with a `Retry-After` naming
    /// when the window has room. Every request counts, refused ones included. By default 10,000
    /// (same page).
    pub fn set_graph_request_limit(&self, requests_per_ten_minutes: Option<u32>) {
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.graph_requests_per_ten_minutes = requests_per_ten_minutes);
    }

    /// Sets how many bytes the mailbox takes in uploads (`PATCH`, `POST` and `PUT` bodies,
    /// attachment upload session `PUT`s among them) in a sliding five minutes (`None`: no
    /// limit); an upload over it is answered 429 `ApplicationThrottled` "Application is over its
    /// IncomingBytes limit." with a `Retry-After`. By default 150,000,000 (150 MB, same page).
    pub fn set_graph_upload_limit(&self, bytes_per_five_minutes: Option<u64>) {
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.graph_upload_bytes_per_five_minutes = bytes_per_five_minutes);
    }

    /// Makes every quota window last `seconds_per_minute` seconds per minute of the providers'
    /// time (60.0, the default, is real time): with 6.0, Gmail's minute lasts 6 seconds and
    /// Outlook's ten minutes a minute. The waits the refusals name shrink by the same factor
    /// (`Retry-After` rounded up to whole seconds, at least 1), so a benchmark of tens of
    /// thousands of messages meets the same limits in seconds.
    ///
    /// # Panics
    /// If `seconds_per_minute` is not a positive, finite number.
    pub fn set_quota_time_scale(&self, seconds_per_minute: f64) {
        let scale = Scale::new(seconds_per_minute);
        self.shared
            .traffic
            .quotas
            .set(|limits| limits.scale = scale);
    }

    /// The limits in force now, as the control API shows them (`null`: off).
    pub(crate) fn quota_settings(&self) -> serde_json::Value {
        let state = self.shared.traffic.quotas.lock();
        let limits = state.limits;
        serde_json::json!({
            "gmail_units_per_minute": limits.gmail_units_per_minute,
            "gmail_concurrent": limits.gmail_concurrent,
            "graph_concurrent": limits.graph_concurrent,
            "graph_requests_per_ten_minutes": limits.graph_requests_per_ten_minutes,
            "graph_upload_bytes_per_five_minutes": limits.graph_upload_bytes_per_five_minutes,
            "seconds_per_minute": limits.scale.seconds_per_minute(),
            "used": { "google": state.used[0], "microsoft": state.used[1] },
            "throttled": { "google": state.throttled[0], "microsoft": state.throttled[1] },
        })
    }

    /// What `provider`'s limits were charged so far, in all: Gmail quota units spent (by the
    /// requests served), Outlook requests counted (refused ones included).
    pub fn quota_used(&self, provider: Provider) -> u64 {
        self.shared.traffic.quotas.lock().used[slot(provider)]
    }

    /// How many of `provider`'s answers so far were throttling refusals (over a quota, a
    /// request window, an upload window or the concurrent requests), inside batches included.
    pub fn throttled(&self, provider: Provider) -> usize {
        self.shared.traffic.quotas.lock().throttled[slot(provider)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_limits() {
        let limits = Limits::default();
        assert_eq!(limits.gmail_units_per_minute, Some(15_000));
        assert_eq!(limits.gmail_concurrent, Some(25));
        assert_eq!(limits.graph_concurrent, Some(4));
        assert_eq!(limits.graph_requests_per_ten_minutes, Some(10_000));
        assert_eq!(
            limits.graph_upload_bytes_per_five_minutes,
            Some(150_000_000)
        );
        assert_eq!(limits.scale, Scale::REAL);
    }
}
