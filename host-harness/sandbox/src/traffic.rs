//! What the sandbox does to mail API traffic besides answering it: added latency, injected
//! faults, redirected links, and counting requests in flight.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::Provider;
use crate::wire::Response;

/// An answer to give instead of the real one, to the next requests that match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Whose API: requests to `gmail.googleapis.com`, or to `graph.microsoft.com` and the
    /// attachment upload URLs on `outlook.office.com`.
    pub provider: Provider,
    /// A text the request's path and query must contain (`""` matches every request). The
    /// requests inside a Graph JSON batch are matched by their own paths, after the batch.
    pub path_contains: String,
    /// The status to answer, with that provider's error body for it.
    pub status: u16,
    /// The `Retry-After` header to send, in seconds.
    pub retry_after: Option<u32>,
    /// How many matching requests get the fault.
    pub times: usize,
}

/// The traffic settings and counters, shared by the server and the controls.
#[derive(Default)]
pub(crate) struct Traffic {
    inner: Mutex<Settings>,
    in_flight: [AtomicUsize; 2],
    highest: [AtomicUsize; 2],
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

    /// Queues `fault` after those already waiting.
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

    /// The most requests to `provider`'s API seen in flight at once.
    pub fn max_in_flight(&self, provider: Provider) -> usize {
        self.highest[slot(provider)].load(Ordering::SeqCst)
    }

    /// Serves a request to `provider`'s API for `target` (path and query): counts it in
    /// flight, waits the latency (without holding up other requests), then answers with the
    /// first matching fault, or with `answer`.
    pub async fn serve(
        &self,
        provider: Provider,
        target: &str,
        answer: impl FnOnce() -> Response,
    ) -> Response {
        let _flight = InFlight::enter(self, provider);
        let latency = self.lock().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match self.take_fault(provider, target) {
            Some(fault) => crate::api::fault(&fault),
            None => answer(),
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

/// Counts a request in flight while it lives.
struct InFlight<'a> {
    traffic: &'a Traffic,
    slot: usize,
}

impl<'a> InFlight<'a> {
    fn enter(traffic: &'a Traffic, provider: Provider) -> InFlight<'a> {
        let slot = slot(provider);
        let now = traffic.in_flight[slot].fetch_add(1, Ordering::SeqCst) + 1;
        traffic.highest[slot].fetch_max(now, Ordering::SeqCst);
        InFlight { traffic, slot }
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
