//! What the sandbox does to mail API traffic besides answering it: added latency, injected
//! faults, redirected links, counting requests in flight and holding them to the providers'
//! limits.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::Provider;
use crate::delivery::Outcome;
use crate::faults::{Draws, Fault, FaultKind, RandomFaults};
use crate::quota::{Meter, Quotas};
use crate::wire::{Refusal, Response};

thread_local! {
    /// The fault a request answered inside the one being served on this thread (a request of
    /// a batch) drew for the whole enclosing answer, the first one drawn. Requests inside a
    /// batch are answered synchronously on the thread serving the batch.
    static ENCLOSING: RefCell<Option<FaultKind>> = const { RefCell::new(None) };
}

/// Runs `answer` and tells which fault a request inside it drew for it, if any.
fn answer_watching(answer: impl FnOnce() -> Response) -> (Response, Option<FaultKind>) {
    ENCLOSING.with(|kind| kind.borrow_mut().take());
    let response = answer();
    (response, ENCLOSING.with(|kind| kind.borrow_mut().take()))
}

/// Makes `kind` the fault of the answer enclosing the request being served on this thread,
/// unless a request before it chose one.
fn fault_enclosing(kind: FaultKind) {
    ENCLOSING.with(|enclosing| {
        enclosing.borrow_mut().get_or_insert(kind);
    });
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
    /// Each provider's random faults, by [`slot`].
    draws: [Option<Draws>; 2],
    /// The faults each provider's requests got, by kind name, by [`slot`].
    injected: [BTreeMap<String, usize>; 2],
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

    /// The latency added to each mail API request.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Back to the start: no latency, no fault waiting or drawn, none counted, the documented
    /// limits with nothing spent. Requests in flight stay counted until they end.
    pub fn reset(&self) {
        *self.lock() = Settings::default();
        for highest in &self.highest {
            highest.store(0, Ordering::SeqCst);
        }
        self.quotas.reset();
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

    /// Draws `provider`'s random faults from `faults` from now on, from the start of its
    /// seed's sequence (`None`: no more random faults).
    pub fn set_random_faults(&self, provider: Provider, faults: Option<RandomFaults>) {
        self.lock().draws[slot(provider)] = faults.and_then(Draws::new);
    }

    /// How many faults `provider`'s requests got so far, by [`FaultKind::name`].
    pub fn faults_injected(&self, provider: Provider) -> BTreeMap<String, usize> {
        self.lock().injected[slot(provider)].clone()
    }

    /// Serves a request to `provider`'s API for `target` (path and query), metered `meter`:
    /// admits it (a refusal is its answer), waits the latency (without holding up other
    /// requests), then takes the first matching fault, or draws a random one (not for a
    /// `batch`, whose requests draw their own), and answers as the fault says, or with
    /// `answer`. A fault a request inside the answer drew for it shapes it too.
    pub async fn serve(
        &self,
        provider: Provider,
        target: &str,
        meter: Meter,
        batch: bool,
        answer: impl FnOnce() -> Response,
    ) -> Outcome {
        let admitted = self.admit(meter);
        let latency = self.lock().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let _flight = match admitted {
            Ok(flight) => flight,
            Err(refused) => return Outcome::Answer(*refused),
        };
        let fault = self.take_fault(provider, target, !batch);
        let (response, enclosing) = match fault.as_ref().is_none_or(FaultKind::applies) {
            true => {
                let (response, enclosing) = answer_watching(answer);
                (Some(response), enclosing)
            }
            false => (None, None),
        };
        match fault.or(enclosing) {
            Some(kind) => kind.outcome(provider, response),
            None => response.map_or(Outcome::Close, Outcome::Answer),
        }
    }

    /// Answers a request to `provider`'s API for `target` that came inside a batch, with
    /// `answer` or as its fault says (the first matching, or a random one): a status in its
    /// own part; any other kind for the whole batch, the request applied or not as the kind
    /// says.
    pub fn answer_inner(
        &self,
        provider: Provider,
        target: &str,
        answer: impl FnOnce() -> Response,
    ) -> Response {
        let Some(kind) = self.take_fault(provider, target, true) else {
            return answer();
        };
        let response = kind.applies().then(answer);
        let part = kind.part(provider, response);
        if !kind.fits_in_batch() {
            fault_enclosing(kind);
        }
        part
    }

    /// The fault of a request to `provider`'s API for `target`: one use of the first targeted
    /// fault matching it, or, if none does and `random`, a draw of `provider`'s random
    /// faults. Counted in [`Traffic::faults_injected`].
    fn take_fault(&self, provider: Provider, target: &str, random: bool) -> Option<FaultKind> {
        let mut settings = self.lock();
        let kind = match settings.take_targeted(provider, target) {
            Some(kind) => kind,
            None if random => settings.draws[slot(provider)].as_mut()?.draw()?,
            None => return None,
        };
        *settings.injected[slot(provider)]
            .entry(kind.name())
            .or_default() += 1;
        Some(kind)
    }
}

impl Settings {
    /// Spends one use of the first targeted fault matching a request to `provider`'s API for
    /// `target`.
    fn take_targeted(&mut self, provider: Provider, target: &str) -> Option<FaultKind> {
        let index = self
            .faults
            .iter()
            .position(|f| f.provider == provider && target.contains(&f.path_contains))?;
        let fault = &mut self.faults[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(kind)
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
