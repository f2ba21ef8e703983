//! What the sandbox does to mail API traffic besides answering it: added latency, injected
//! faults, redirected links, counting requests in flight and holding them to the providers'
//! limits.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::Provider;
use crate::quota::{Meter, Quotas};
use crate::wire::{Refusal, Response};

/// What to do instead of answering the next requests that match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Whose API: requests to `gmail.googleapis.com`, or to `graph.microsoft.com` and the
    /// attachment upload URLs on `outlook.office.com`.
    pub provider: Provider,
    /// A text the request's path and query must contain (`""` matches every request). The
    /// requests inside a Graph JSON batch or a Gmail batch are matched by their own paths,
    /// after the batch.
    pub path_contains: String,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// How many matching requests get the fault.
    pub times: usize,
}

/// What a [`Fault`] does to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and that provider's error body for it (the request is not
    /// applied), with a `Retry-After` header of `retry_after` seconds when given (and, for
    /// Gmail's rate limits, the time to retry after in the message).
    Status {
        /// The HTTP status.
        status: u16,
        /// The seconds to wait before retrying.
        retry_after: Option<u32>,
    },
    /// Apply the request, then close the connection without answering: the client sees a
    /// connection error though the change was made. Inside a Graph JSON batch, the whole batch
    /// answer is lost (every request in it applied).
    ResponseLost,
}

impl Fault {
    /// The next request to `provider`'s API whose path and query contain `path_contains` is
    /// answered with `status` (once, no `Retry-After`).
    pub fn status(provider: Provider, path_contains: &str, status: u16) -> Fault {
        Fault {
            provider,
            path_contains: path_contains.to_owned(),
            kind: FaultKind::Status {
                status,
                retry_after: None,
            },
            times: 1,
        }
    }

    /// The next matching request is applied and its answer lost (once).
    pub fn lost(provider: Provider, path_contains: &str) -> Fault {
        Fault {
            provider,
            path_contains: path_contains.to_owned(),
            kind: FaultKind::ResponseLost,
            times: 1,
        }
    }

    /// This fault with a `Retry-After` of `seconds` (for a status fault; a lost answer has
    /// none).
    pub fn retry_after(mut self, seconds: u32) -> Fault {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// This fault for the next `times` matching requests.
    pub fn times(mut self, times: usize) -> Fault {
        self.times = times;
        self
    }
}

/// The error a request's service returns when a [`FaultKind::ResponseLost`] fault took its
/// answer: the server then closes the connection without writing a response.
#[derive(Debug)]
pub(crate) struct ResponseLost;

impl std::fmt::Display for ResponseLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer was lost by an injected fault")
    }
}

impl std::error::Error for ResponseLost {}

thread_local! {
    /// Whether a request answered inside the one being served on this thread (a request of a
    /// Graph batch) lost its answer, which loses the enclosing answer too. Requests inside a
    /// batch are answered synchronously on the thread serving the batch.
    static INNER_LOST: Cell<bool> = const { Cell::new(false) };
}

/// Runs `answer` and tells whether a request inside it lost its answer.
fn answer_watching(answer: impl FnOnce() -> Response) -> (Response, bool) {
    INNER_LOST.with(|lost| lost.set(false));
    let response = answer();
    (response, INNER_LOST.with(|lost| lost.replace(false)))
}

/// Marks the answer of the request being served on this thread as lost (a request inside it
/// lost its own).
pub(crate) fn lose_enclosing_answer() {
    INNER_LOST.with(|lost| lost.set(true));
}

/// The traffic settings and counters, shared by the server and the controls.
#[derive(Default)]
pub(crate) struct Traffic {
    inner: Mutex<Settings>,
    /// The requests at each provider's mailbox now (those a [`Meter`] charges), batched ones
    /// one by one.
    in_flight: [AtomicUsize; 2],
    highest: [AtomicUsize; 2],
    /// The providers' request limits and what was spent against them.
    pub quotas: Quotas,
}

#[derive(Default)]
struct Settings {
    latency: Duration,
    faults: Vec<Fault>,
    foreign_host: Option<String>,
}

impl Traffic {
    fn lock(&self) -> MutexGuard<'_, Settings> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `latency` to every later mail API request.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Queues `fault` after those already waiting (none when it is for no request).
    pub fn fail_next(&self, fault: Fault) {
        if fault.times > 0 {
            self.lock().faults.push(fault);
        }
    }

    /// Makes the next `@odata.nextLink` point at `host`.
    pub fn foreign_next_link(&self, host: &str) {
        self.lock().foreign_host = Some(host.to_owned());
    }

    /// The host the next `@odata.nextLink` must point at instead of Graph's, once.
    pub fn take_foreign_host(&self) -> Option<String> {
        self.lock().foreign_host.take()
    }

    /// The most requests to `provider`'s mailbox seen in flight at once.
    pub fn max_in_flight(&self, provider: Provider) -> usize {
        self.highest[slot(provider)].load(Ordering::SeqCst)
    }

    /// Admits a request metered `meter` to its provider's mailbox: its place in flight (none
    /// for a request that spends nothing), held as long as the request is being answered, or
    /// the provider's throttling answer when it is over the concurrent requests or over a
    /// quota.
    pub fn admit(&self, meter: Meter) -> Result<Option<InFlight<'_>>, Refusal> {
        let Some(provider) = meter.provider() else {
            return Ok(None);
        };
        let limit = self.quotas.concurrency(provider);
        let flight = InFlight::enter(self, provider, limit)
            .ok_or_else(|| Box::new(self.quotas.refuse_concurrent(meter)))?;
        self.quotas.charge(meter)?;
        Ok(Some(flight))
    }

    /// Serves a request to `provider`'s API for `target` (path and query), metered `meter`:
    /// admits it (a refusal is its answer), waits the latency (without holding up other
    /// requests), then answers with the first matching fault, or with `answer`. A lost answer
    /// (the fault's, or one inside the request) is [`ResponseLost`].
    pub async fn serve(
        &self,
        provider: Provider,
        target: &str,
        meter: Meter,
        answer: impl FnOnce() -> Response,
    ) -> Result<Response, ResponseLost> {
        let admitted = self.admit(meter);
        let latency = self.lock().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let _flight = match admitted {
            Ok(flight) => flight,
            Err(refused) => return Ok(*refused),
        };
        match self.take_fault(provider, target) {
            Some(Fault {
                kind:
                    FaultKind::Status {
                        status,
                        retry_after,
                    },
                ..
            }) => Ok(crate::api::fault(provider, status, retry_after)),
            Some(_lost) => {
                answer_watching(answer);
                Err(ResponseLost)
            }
            None => match answer_watching(answer) {
                (_, true) => Err(ResponseLost),
                (response, false) => Ok(response),
            },
        }
    }

    /// Spends one use of the first fault matching a request to `provider`'s API for `target`.
    pub(crate) fn take_fault(&self, provider: Provider, target: &str) -> Option<Fault> {
        let mut settings = self.lock();
        let index = settings
            .faults
            .iter()
            .position(|f| f.provider == provider && target.contains(&f.path_contains))?;
        let fault = &mut settings.faults[index];
        fault.times -= 1;
        let taken = fault.clone();
        if fault.times == 0 {
            settings.faults.remove(index);
        }
        Some(taken)
    }
}

/// A request at a provider's mailbox, counted in flight while it lives.
pub(crate) struct InFlight<'a> {
    traffic: &'a Traffic,
    slot: usize,
}

impl<'a> InFlight<'a> {
    /// Counts one more request in flight at `provider`'s mailbox, unless `limit` are already.
    fn enter(
        traffic: &'a Traffic,
        provider: Provider,
        limit: Option<usize>,
    ) -> Option<InFlight<'a>> {
        let slot = slot(provider);
        let before = traffic.in_flight[slot]
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                limit.is_none_or(|limit| now < limit).then_some(now + 1)
            })
            .ok()?;
        traffic.highest[slot].fetch_max(before + 1, Ordering::SeqCst);
        Some(InFlight { traffic, slot })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.traffic.in_flight[self.slot].fetch_sub(1, Ordering::SeqCst);
    }
}

/// The counter slot of `provider`.
fn slot(provider: Provider) -> usize {
    match provider {
        Provider::Google => 0,
        Provider::Microsoft => 1,
    }
}
