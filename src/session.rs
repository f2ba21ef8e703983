//! An authorized session with a provider's mail API for the length of one call: it attaches
//! the account's token, keeps the provider's cap on requests in flight, paces requests to the
//! provider's quota, asks again after a throttling answer (within the call's time budget), and
//! refreshes the token once when it has expired (ahead of time, or on a 401), so that the call
//! can finish and hand the refreshed account back to the host.

use crate::net::{
    self, FailureKind, HttpClient, Request, Response, TransportError, TransportFailure,
};
use crate::oauth::{self, Grant};
use crate::pace::{Budget, Ledger};
use crate::profile::{self, Limits};
use crate::types::{Account, App, SyncStats};
use crate::{Error, Failure, config};
use serde::de::DeserializeOwned;

/// How long a call may wait for the quota or for throttled requests, unless it says.
pub const DEFAULT_TIME_BUDGET_MS: u64 = 90_000;

/// How many times one request is asked again after throttling, a 5xx or a failure in transit.
const MOST_ATTEMPTS: u32 = 6;

/// The first wait before asking again when the provider names none; it doubles each time
/// (exponential backoff, as both providers advise).
const FIRST_BACKOFF_MS: u64 = 1_000;

/// Refresh ahead of time when the access token has less than this left.
const EXPIRY_MARGIN_SECONDS: u64 = 60;

/// The conventions of a provider's mail API that a session keeps to: what a request costs
/// against the quota, the batch endpoint, which answers ask the client to slow down, and how
/// its error answers read.
pub trait MailApi: Sync {
    /// What `request` costs against the provider's quota ([`Limits::budget`]).
    fn cost(&self, request: &Request) -> u64;

    /// Several calls as one batch request, when the provider has a batch endpoint.
    fn batch(&self, calls: &[Request]) -> Option<Result<Request, Error>>;

    /// The most calls one batch holds (1: no batching).
    fn batch_size(&self) -> usize;

    /// How many batches may be in flight at once (their calls count as concurrent requests).
    fn batches_in_flight(&self) -> usize {
        1
    }

    /// The answers to the `count` calls of a batch, in their order.
    fn unbatch(&self, response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error>;

    /// Whether `response` is the provider telling the client to slow down (a 429, unless the
    /// provider says so otherwise too): asked again after a wait, it may succeed.
    fn throttled(&self, response: &Response) -> bool {
        response.status() == http::StatusCode::TOO_MANY_REQUESTS
    }

    /// What the error envelope in the `body` of an unsuccessful answer says (nothing, when the
    /// body is not the provider's envelope: a gateway's HTML page, say).
    fn read_error(&self, body: &[u8]) -> ErrorEnvelope;

    /// Whether an error the provider answered, with the `code` and `message` its envelope
    /// gave, refuses an id the client sent as not one of the provider's ids at all.
    fn malformed_id(&self, code: Option<&str>, message: &str) -> bool;
}

/// What a provider's error envelope says, as [`MailApi::read_error`] reads it; [`api_error`]
/// makes the [`Error`] of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorEnvelope {
    /// The most specific code the envelope names (not empty).
    pub code: Option<String>,
    /// What it says went wrong (not empty).
    pub message: Option<String>,
    /// Whether it says the client went over a rate limit, whatever the status: the request may
    /// succeed later.
    pub rate_limited: bool,
}

/// One call's authorized access to a mailbox.
pub struct Session<'a> {
    http: &'a mut dyn HttpClient,
    api: &'static dyn MailApi,
    limits: &'static Limits,
    app: &'a App,
    account: Account,
    refreshed: bool,
    now: u64,
    pace: Pace,
}

/// What a session paces to and what it has spent.
struct Pace {
    /// The quota per window.
    budget: Budget,
    /// What was spent in the current window (carried between sync calls in the cursor).
    ledger: Ledger,
    /// When the call must end its waits, in Unix milliseconds.
    deadline_ms: u64,
    /// The most requests in flight.
    in_flight: usize,
    /// What the call cost.
    stats: SyncStats,
}

impl<'a> Session<'a> {
    /// A session for `account` at `now` with the mail API `api` of the app's provider,
    /// with the default time budget and an empty ledger.
    pub fn new(
        http: &'a mut dyn HttpClient,
        api: &'static dyn MailApi,
        app: &'a App,
        account: Account,
        now: u64,
    ) -> Self {
        let published = &profile::of(app.provider).limits;
        let limits = app.limits.unwrap_or(crate::types::Limits {
            units: None,
            window_seconds: None,
            in_flight: None,
        });
        let budget = Budget {
            units: limits.units.unwrap_or(published.budget.units),
            window_ms: limits
                .window_seconds
                .map_or(published.budget.window_ms, |s| u64::from(s) * 1_000),
        };
        let in_flight = limits
            .in_flight
            .map_or(published.max_in_flight, |n| n as usize)
            .max(1);
        let deadline_ms = http.now_ms().saturating_add(DEFAULT_TIME_BUDGET_MS);
        Self {
            http,
            api,
            limits: published,
            app,
            account,
            refreshed: false,
            now,
            pace: Pace {
                budget,
                ledger: Ledger::default(),
                deadline_ms,
                in_flight,
                stats: SyncStats {
                    requests: 0,
                    calls: 0,
                    quota_units: 0,
                    waited_ms: 0,
                    throttled: 0,
                },
            },
        }
    }

    /// Paces from `ledger` (what earlier calls spent, from the cursor) and lets the call wait
    /// at most `budget_ms` in all.
    pub fn with_pacing(mut self, ledger: Ledger, budget_ms: Option<u64>) -> Self {
        self.pace.ledger = ledger;
        if let Some(budget_ms) = budget_ms {
            self.pace.deadline_ms = self.http.now_ms().saturating_add(budget_ms);
        }
        self
    }

    /// What was spent (for the next call's cursor) and what the call cost.
    pub fn spending(&self) -> (Ledger, SyncStats) {
        (self.pace.ledger.clone(), self.pace.stats)
    }

    /// Now, in seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The account as it stands (its tokens may have been refreshed during the call).
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The account with its current tokens, and whether they were refreshed during the call.
    pub fn into_account(self) -> (Account, bool) {
        (self.account, self.refreshed)
    }

    /// The secrets this session holds, for scrubbing errors.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![
            self.app.client_secret.clone(),
            self.account.access_token.clone(),
        ];
        secrets.extend(self.account.refresh_token.clone());
        secrets
    }

    /// Sends `requests` with the account's token, at most the provider's cap in flight and
    /// within its quota, and returns every response (successful or not). A 401 refreshes the
    /// token once per call and sends the refused requests again; a 401 after that stays in the
    /// responses (it is a passing fault: the grant was just accepted). A throttled request, a
    /// 5xx or a failure in transit is asked again after the wait the provider names (else a
    /// growing backoff) while the call's time budget lasts.
    pub fn send_all(&mut self, requests: Vec<Request>) -> Result<Vec<Response>, Error> {
        self.exchange(requests, Retry::WhenSafe)?
            .into_iter()
            .map(|r| r.map_err(Error::from))
            .collect()
    }

    /// Sends many reads, in batches when the provider has a batch endpoint (each call inside
    /// counts against the quota), and returns every answer, as [`Session::send_all`] does:
    /// refused, throttled or failed calls are asked again inside later batches.
    pub fn send_batched(&mut self, calls: Vec<Request>) -> Result<Vec<Response>, Error> {
        let mut answers: Vec<Option<Response>> = (0..calls.len()).map(|_| None).collect();
        self.each_batched(calls, &mut |i, answer| {
            answers[i] = Some(answer);
            Ok(())
        })?;
        answers
            .into_iter()
            .map(|a| {
                a.ok_or_else(|| {
                    Error::malformed(Some(200), "a batch answer lacks the answer to a call")
                })
            })
            .collect()
    }

    /// [`Session::send_batched`], handing each call's answer to `each` (with the call's index)
    /// as soon as its batch is answered, while the next batches are in flight: what `each`
    /// does overlaps their round trips.
    pub fn each_batched(
        &mut self,
        calls: Vec<Request>,
        each: &mut dyn FnMut(usize, Response) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let api = self.api;
        let size = api.batch_size();
        if size <= 1 || calls.len() <= 1 {
            for (i, answer) in self.send_all(calls)?.into_iter().enumerate() {
                each(i, answer)?;
            }
            return Ok(());
        }
        let mut pending: Vec<usize> = (0..calls.len()).collect();
        let mut attempts = 0;
        while !pending.is_empty() {
            attempts += 1;
            let members: Vec<Vec<usize>> = pending.chunks(size).map(<[usize]>::to_vec).collect();
            let batches = members
                .iter()
                .map(|chunk| {
                    let group: Vec<Request> = chunk
                        .iter()
                        .map(|&i| net::clone_request(&calls[i]))
                        .collect();
                    api.batch(&group)
                        .unwrap_or_else(|| Err(Error::transport("this provider has no batches")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.pace.stats.calls += pending.len() as u32;
            let now = self.now;
            let refreshed = self.refreshed;
            let mut again: Vec<usize> = Vec::new();
            // The last throttling or 5xx answer, whole batch or one call: why, if it lasts.
            let mut last: Option<Response> = None;
            let mut wait_ms = 0;
            let mut refresh = false;
            let mut throttled = 0;
            let mut failed: Option<Error> = None;
            self.stream_batches(batches, &mut |b, outcome| {
                if failed.is_some() {
                    return;
                }
                let chunk = &members[b];
                let response = match outcome {
                    Err(TransportError::Failed(f)) if f.kind == FailureKind::Network => {
                        wait_ms = wait_ms.max(backoff(attempts));
                        again.extend(chunk);
                        return;
                    }
                    Err(other) => {
                        failed = Some(other.into());
                        return;
                    }
                    Ok(response) => response,
                };
                if api.throttled(&response) || response.status().is_server_error() {
                    throttled += u32::from(api.throttled(&response));
                    wait_ms = wait_ms.max(retry_wait(&response, attempts));
                    again.extend(chunk);
                    last = Some(response);
                    return;
                }
                if response.status() == http::StatusCode::UNAUTHORIZED && !refreshed {
                    refresh = true;
                    again.extend(chunk);
                    return;
                }
                let parts = match check(api, response).and_then(|r| api.unbatch(&r, chunk.len())) {
                    Ok(parts) => parts,
                    Err(error) => {
                        failed = Some(error);
                        return;
                    }
                };
                for (&i, part) in chunk.iter().zip(parts) {
                    let Some(mut part) = part else {
                        again.push(i);
                        continue;
                    };
                    net::settle_retry_after(&mut part, now);
                    let status = part.status();
                    if status == http::StatusCode::UNAUTHORIZED && !refreshed {
                        refresh = true;
                        again.push(i);
                    } else if api.throttled(&part) || status.is_server_error() {
                        throttled += u32::from(api.throttled(&part));
                        wait_ms = wait_ms.max(retry_wait(&part, attempts));
                        again.push(i);
                        last = Some(part);
                    } else if let Err(error) = each(i, part) {
                        failed = Some(error);
                        return;
                    }
                }
            })?;
            self.pace.stats.throttled += throttled;
            if let Some(error) = failed {
                return Err(error);
            }
            if refresh {
                self.refresh()?;
            }
            if again.is_empty() {
                return Ok(());
            }
            if attempts >= MOST_ATTEMPTS || !self.wait(wait_ms) {
                // Out of attempts or of time: the last answer of a call still refused says why.
                return Err(match last {
                    Some(answer) => api_error(api, &answer),
                    None => Error::RetryLater {
                        retry_after_seconds: None,
                        status: None,
                        code: Some("network".to_owned()),
                        message: "a batch could not be completed in the call's time".to_owned(),
                    },
                });
            }
            pending = again;
        }
        Ok(())
    }

    /// Sends `batches` with the account's token, paced to the quota, as many in flight at once
    /// as the provider allows, handing each answer to `each` as soon as it is ready.
    fn stream_batches(
        &mut self,
        batches: Vec<Request>,
        each: &mut dyn FnMut(usize, Result<Response, TransportError>),
    ) -> Result<(), Error> {
        if self.account.expires_at <= self.now.saturating_add(EXPIRY_MARGIN_SECONDS) {
            self.refresh()?;
        }
        let costs: Vec<u64> = batches.iter().map(|r| self.api.cost(r)).collect();
        let mut waiting: Vec<usize> = (0..batches.len()).collect();
        let mut batches: Vec<Option<Request>> = batches.into_iter().map(Some).collect();
        let hosts = self.limits.api_hosts;
        let in_flight = self.api.batches_in_flight();
        let now = self.now;
        while !waiting.is_empty() {
            let chunk = self.paced(&waiting, &costs)?;
            waiting.drain(..chunk.len());
            let sent = chunk
                .iter()
                .map(|&b| {
                    let batch = batches[b].take().expect("each batch is sent once");
                    net::authorize(batch, &self.account.access_token, hosts)
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.pace.stats.requests += sent.len() as u32;
            self.bound_timeouts();
            self.http.send_each(sent, in_flight, &mut |slot, outcome| {
                each(
                    chunk[slot],
                    outcome.map(|mut response| {
                        net::settle_retry_after(&mut response, now);
                        response
                    }),
                );
            });
        }
        Ok(())
    }

    /// [`Session::send_all`], keeping each request's transport failure apart; with `retry`,
    /// throttled, failed and 5xx requests are asked again while the time budget lasts.
    fn exchange(
        &mut self,
        requests: Vec<Request>,
        retry: Retry,
    ) -> Result<Vec<Result<Response, TransportError>>, Error> {
        let in_flight = self.pace.in_flight;
        self.exchange_within(requests, retry, in_flight)
    }

    /// [`Session::exchange`] with at most `in_flight` requests in flight.
    fn exchange_within(
        &mut self,
        requests: Vec<Request>,
        retry: Retry,
        in_flight: usize,
    ) -> Result<Vec<Result<Response, TransportError>>, Error> {
        if self.account.expires_at <= self.now.saturating_add(EXPIRY_MARGIN_SECONDS) {
            self.refresh()?;
        }
        let costs: Vec<u64> = requests.iter().map(|r| self.api.cost(r)).collect();
        let mut results: Vec<Option<Result<Response, TransportError>>> =
            (0..requests.len()).map(|_| None).collect();
        let mut attempts = vec![0u32; requests.len()];
        let mut waiting: Vec<usize> = (0..requests.len()).collect();
        while !waiting.is_empty() {
            let chunk = self.paced(&waiting, &costs)?;
            waiting.drain(..chunk.len());
            let sent: Vec<Request> = chunk
                .iter()
                .map(|&i| net::clone_request(&requests[i]))
                .collect();
            let mut again = Vec::new();
            let mut wait_ms = 0;
            let mut refresh = false;
            for (&i, outcome) in chunk.iter().zip(self.send_authorized(sent, in_flight)?) {
                attempts[i] += 1;
                let more = attempts[i] < MOST_ATTEMPTS;
                // Only a request that was not applied (throttled), or one that may be applied
                // twice (a read, an idempotent method), is asked again.
                let unapplied = retry != Retry::Never;
                let repeatable = retry == Retry::Always
                    || (retry == Retry::WhenSafe && idempotent(&requests[i]));
                let asked_again = match &outcome {
                    Ok(r) if r.status() == http::StatusCode::UNAUTHORIZED => {
                        refresh = !self.refreshed;
                        refresh
                    }
                    Ok(r) if self.api.throttled(r) => {
                        self.pace.stats.throttled += 1;
                        wait_ms = wait_ms.max(retry_wait(r, attempts[i]));
                        unapplied && more
                    }
                    Ok(r) if r.status().is_server_error() && repeatable && more => {
                        wait_ms = wait_ms.max(retry_wait(r, attempts[i]));
                        true
                    }
                    Err(TransportError::Failed(failure))
                        if failure.kind == FailureKind::Network && repeatable && more =>
                    {
                        wait_ms = wait_ms.max(backoff(attempts[i]));
                        true
                    }
                    _ => false,
                };
                if asked_again {
                    again.push(i);
                }
                results[i] = Some(outcome);
            }
            if refresh {
                self.refresh()?;
            }
            if !again.is_empty() && (wait_ms == 0 || self.wait(wait_ms)) {
                waiting.extend(again);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(TransportError::Failed(TransportFailure::network(
                        "not sent",
                    )))
                })
            })
            .collect())
    }

    /// The first requests of `waiting` that the quota allows now, waiting for the quota when
    /// none fits (within the time budget; past it, `retry-later` with the wait). Their cost is
    /// spent.
    fn paced(&mut self, waiting: &[usize], costs: &[u64]) -> Result<Vec<usize>, Error> {
        let budget = self.pace.budget;
        let first = costs[waiting[0]];
        let now = self.http.now_ms();
        let wait = self.pace.ledger.wait_for(&budget, first, now);
        if wait > 0 && !self.wait(wait) {
            return Err(Error::RetryLater {
                retry_after_seconds: Some(u32::try_from(wait.div_ceil(1_000)).unwrap_or(u32::MAX)),
                status: None,
                code: Some("quota".to_owned()),
                message: format!(
                    "the mailbox's quota ({} units per {} s) is spent for now, and waiting for it would pass the call's time budget",
                    budget.units,
                    budget.window_ms / 1_000
                ),
            });
        }
        let now = self.http.now_ms();
        let mut room = self.pace.ledger.room(&budget, now).max(first);
        let mut chunk = Vec::new();
        for &i in waiting {
            if costs[i] > room {
                break;
            }
            room -= costs[i];
            chunk.push(i);
        }
        let spent: u64 = chunk.iter().map(|&i| costs[i]).sum();
        self.pace.ledger.spend(&budget, spent, now);
        self.pace.stats.quota_units = self
            .pace
            .stats
            .quota_units
            .saturating_add(u32::try_from(spent).unwrap_or(u32::MAX));
        Ok(chunk)
    }

    /// Makes the next requests' timeouts end by the call's deadline, so that a provider that
    /// never answers cannot hold the call past it.
    fn bound_timeouts(&mut self) {
        let left = self.pace.deadline_ms.saturating_sub(self.http.now_ms());
        self.http.set_timeouts(net::Timeouts::within(left));
    }

    /// Waits `ms` if the call's time budget allows it; whether it waited.
    fn wait(&mut self, ms: u64) -> bool {
        let now = self.http.now_ms();
        if now.saturating_add(ms) > self.pace.deadline_ms {
            return false;
        }
        self.http.sleep(ms);
        self.pace.stats.waited_ms = self
            .pace
            .stats
            .waited_ms
            .saturating_add(u32::try_from(ms).unwrap_or(u32::MAX));
        true
    }

    /// Sends a request that sends mail, and returns its successful answer. It is never sent
    /// twice by the component: a request that got no answer, or an answer of the 5xx family
    /// (a gateway or the service failing midway), may have been applied, so it is
    /// [`Error::OutcomeUnknown`] with `sent`'s ids for the host to check the sent mail with.
    /// A 401 is not applied by the provider, so the request goes again after a refresh.
    pub fn send_mail(&mut self, request: Request, sent: Sending) -> Result<Response, Error> {
        let outcome = self
            .exchange(vec![request], Retry::Never)?
            .pop()
            .ok_or_else(|| Error::transport("no response"))?;
        let unknown = |why: String| Error::OutcomeUnknown {
            message_id: sent.message_id.clone(),
            draft_id: sent.draft_id.clone(),
            message: format!(
                "{why}; the mail may have been sent: check the sent mail before sending it again"
            ),
        };
        match outcome {
            Err(TransportError::Failed(why)) => Err(unknown(format!(
                "the answer was lost in transit or could not be read ({why})"
            ))),
            Err(denied @ TransportError::Denied(_)) => Err(denied.into()),
            Ok(response) if response.status().is_server_error() => Err(unknown(format!(
                "the provider answered HTTP {}",
                response.status().as_u16()
            ))),
            Ok(response) => check(self.api, response),
        }
    }

    /// Sends one request; any unsuccessful answer becomes an [`Error`].
    pub fn send(&mut self, request: Request) -> Result<Response, Error> {
        let response = self
            .send_all(vec![request])?
            .pop()
            .ok_or_else(|| Error::transport("no response"))?;
        check(self.api, response)
    }

    /// GETs `url` and parses its JSON answer.
    pub fn get_json<T: DeserializeOwned>(&mut self, url: &str, what: &str) -> Result<T, Error> {
        let response = self.send(net::json_get(url)?)?;
        net::parse_json(&response, what)
    }

    /// Sends `request` to a pre-authenticated URL the provider handed out (an upload session),
    /// only over HTTPS to one of `hosts`, and never with the account's token. Errors name the
    /// host only: the URL's query is a credential.
    pub fn send_presigned(&mut self, request: Request, hosts: &[&str]) -> Result<Response, Error> {
        net::check_destination(&request, hosts, "an upload")?;
        self.bound_timeouts();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let scrub = |e: Error| e.scrub(&[&query]);
        let response = self.http.send(request).map_err(|e| scrub(e.into()))?;
        check(self.api, response).map_err(scrub)
    }

    /// Sends `requests` with the account's token; each response's wait, if it asks for one, is
    /// settled into seconds.
    fn send_authorized(
        &mut self,
        requests: Vec<Request>,
        in_flight: usize,
    ) -> Result<Vec<Result<Response, TransportError>>, Error> {
        let hosts = self.limits.api_hosts;
        let authorized = requests
            .into_iter()
            .map(|r| net::authorize(r, &self.account.access_token, hosts))
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.now;
        self.pace.stats.requests += authorized.len() as u32;
        self.pace.stats.calls += authorized.len() as u32;
        self.bound_timeouts();
        Ok(self
            .http
            .send_all(authorized, in_flight)
            .into_iter()
            .map(|r| {
                r.map(|mut response| {
                    net::settle_retry_after(&mut response, now);
                    response
                })
            })
            .collect())
    }

    fn refresh(&mut self) -> Result<(), Error> {
        self.bound_timeouts();
        self.account = refresh_account(self.http, self.app, &self.account, self.now)?;
        self.refreshed = true;
        Ok(())
    }
}

/// Which requests a session asks again after a passing failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// None: a request that sends mail.
    Never,
    /// A throttled request (not applied), and one with an idempotent method after a 5xx or a
    /// failure in transit.
    WhenSafe,
    /// Any (batches of reads).
    Always,
}

/// Whether sending `request` twice does what sending it once does (RFC 9110 section 9.2.2).
fn idempotent(request: &Request) -> bool {
    matches!(
        *request.method(),
        http::Method::GET | http::Method::HEAD | http::Method::PUT | http::Method::DELETE
    )
}

/// How long to wait before asking `response`'s request again: the wait it names, else the
/// backoff of the `attempt`.
fn retry_wait(response: &Response, attempt: u32) -> u64 {
    net::retry_after(response, 0).map_or_else(|| backoff(attempt), |s| u64::from(s) * 1_000)
}

/// The backoff before attempt `attempt + 1`: 1 s, 2 s, 4 s...
fn backoff(attempt: u32) -> u64 {
    FIRST_BACKOFF_MS << attempt.saturating_sub(1).min(6)
}

/// What identifies a message being sent, for [`Session::send_mail`]'s outcome-unknown error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sending {
    /// The Message-ID header, without angle brackets.
    pub message_id: Option<String>,
    /// The draft being sent: Outlook's draft (immutable id), or the Gmail draft of
    /// `drafts.send`.
    pub draft_id: Option<String>,
}

/// What a call paces from: the ledger earlier calls left (in the cursor), and how long it may
/// wait in all.
#[derive(Debug, Clone, Default)]
pub struct Pacing {
    /// What earlier calls spent.
    pub ledger: Ledger,
    /// The time budget, in milliseconds ([`DEFAULT_TIME_BUDGET_MS`] when absent).
    pub budget_ms: Option<u64>,
}

/// What a call spent: the ledger for the next call, and what the call cost.
#[derive(Debug, Clone)]
pub struct Spent {
    /// The ledger after the call.
    pub ledger: Ledger,
    /// What the call cost.
    pub stats: SyncStats,
}

/// Runs `call` in a session for `account`: its result and what it spent, with the account when
/// the tokens were refreshed during the call (the host must store it), or the failure, with
/// that account too. Every error is scrubbed of the secrets the session held, the old tokens
/// and the new.
pub fn run<T>(
    http: &mut dyn HttpClient,
    api: &'static dyn MailApi,
    app: &App,
    account: &Account,
    now: u64,
    pacing: Pacing,
    call: impl FnOnce(&mut Session<'_>) -> Result<T, Error>,
) -> Result<(T, Option<Account>, Spent), Failure> {
    let mut session = Session::new(http, api, app, account.clone(), now)
        .with_pacing(pacing.ledger, pacing.budget_ms);
    let result = call(&mut session);
    let (ledger, stats) = session.spending();
    let mut secrets = session.secrets();
    let (account, refreshed) = session.into_account();
    secrets.extend(account.refresh_token.clone());
    secrets.push(account.access_token.clone());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let account = refreshed.then_some(account);
    match result {
        Ok(value) => Ok((value, account, Spent { ledger, stats })),
        Err(error) => Err(Failure {
            error: error.scrub(&secrets),
            account: account.map(Box::new),
        }),
    }
}

/// A successful response, or the error of `api`'s provider.
pub fn check(api: &dyn MailApi, response: Response) -> Result<Response, Error> {
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(api_error(api, &response))
    }
}

/// The refresh grant for `account`, with every error scrubbed of the secrets involved. Keeps
/// the old refresh token when none comes back (Google) and stores a rotated one (Microsoft).
pub fn refresh_account(
    http: &mut dyn HttpClient,
    app: &App,
    account: &Account,
    now: u64,
) -> Result<Account, Error> {
    let secrets = [
        app.client_secret.as_str(),
        account.access_token.as_str(),
        account.refresh_token.as_deref().unwrap_or_default(),
    ];
    let result = (|| -> Result<Account, Error> {
        config::check(app)?;
        config::check_account(app, account)?;
        let Some(refresh_token) = account.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
            return Err(Error::ReauthorizationRequired {
                status: None,
                code: Some("no_refresh_token".to_owned()),
                message: "the account holds no refresh token; connect it again".to_owned(),
            });
        };
        let oauth = &profile::of(app.provider).oauth;
        let response = http.send(oauth::refresh_request(oauth, app, refresh_token)?)?;
        let tokens = oauth::parse_token_response(&response, Grant::RefreshToken, now)?;
        Ok(Account {
            access_token: tokens.access_token,
            refresh_token: tokens
                .refresh_token
                .or_else(|| account.refresh_token.clone()),
            expires_at: tokens.expires_at,
            scopes: tokens.scopes.unwrap_or_else(|| account.scopes.clone()),
            ..account.clone()
        })
    })();
    result.map_err(|e| e.scrub(&secrets))
}

/// Maps an unsuccessful answer of `api`'s provider to an [`Error`], with the code and message
/// its envelope gives ([`MailApi::read_error`]; else the status's reason as the message).
///
/// A 401, a transient status (429, 5xx) or an envelope naming a rate limit is
/// [`Error::RetryLater`], with the wait the answer names; anything else is
/// [`Error::Provider`].
pub fn api_error(api: &dyn MailApi, response: &Response) -> Error {
    let status = response.status();
    let envelope = api.read_error(response.body());
    let code = envelope.code;
    let message = envelope.message.unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("unknown status")
            .to_owned()
    });
    let status_code = Some(status.as_u16());
    // A 401 from the mail API reaches here only after the session refreshed the token and sent
    // the request again: the grant itself was accepted, so it is a passing fault (only the token
    // endpoint's refusal of the grant means re-authorization).
    if status == http::StatusCode::UNAUTHORIZED
        || net::is_transient(status)
        || envelope.rate_limited
    {
        Error::RetryLater {
            // The session has settled any date into seconds (`net::settle_retry_after`).
            retry_after_seconds: net::retry_after(response, 0),
            status: status_code,
            code,
            message,
        }
    } else {
        Error::Provider {
            status: status_code,
            code,
            message,
        }
    }
}

/// A 404 of `api`'s provider for an id the host passed, or its refusal of the id as malformed
/// ([`MailApi::malformed_id`]), becomes bad input naming `field`; other errors pass through.
pub fn not_found(api: &dyn MailApi, error: Error, field: &str) -> Error {
    match error {
        Error::Provider {
            status: Some(404), ..
        } => Error::invalid(
            field,
            "names nothing in this mailbox (deleted, or not synced from this account)",
        ),
        Error::Provider { code, message, .. } if api.malformed_id(code.as_deref(), &message) => {
            Error::invalid(field, "is not an id of this provider")
        }
        other => other,
    }
}

/// What the providers' tables of recorded error answers share: the answer, and the check that
/// a provider's reading of each makes the error the table says.
#[cfg(test)]
pub(crate) mod recorded {
    use super::{MailApi, api_error};
    use crate::Error;
    use crate::net::Response;

    /// One recorded answer: `(status, body, retry later, code, message)`.
    pub type Answer = (u16, &'static str, bool, Option<&'static str>, &'static str);

    /// An answer of `status` with `body` and `Retry-After: 30`.
    pub fn answer(status: u16, body: &str) -> Response {
        http::Response::builder()
            .status(status)
            .header("retry-after", "30")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    /// Checks that `api`'s reading of each of `answers` makes the error it names: `retry-later`
    /// (after 30 s) or `provider`, with its status, code and message.
    pub fn check(api: &dyn MailApi, answers: &[Answer]) {
        for &(status, body, later, code, message) in answers {
            let (code, message) = (code.map(str::to_owned), message.to_owned());
            let expected = match later {
                true => Error::RetryLater {
                    retry_after_seconds: Some(30),
                    status: Some(status),
                    code,
                    message,
                },
                false => Error::Provider {
                    status: Some(status),
                    code,
                    message,
                },
            };
            assert_eq!(api_error(api, &answer(status, body)), expected, "{body}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mail API whose error envelope is fixed, to show what the session makes of any
    /// provider's reading (each provider's own reading is tested with its envelope).
    struct Reads(ErrorEnvelope);

    impl MailApi for Reads {
        fn cost(&self, _: &Request) -> u64 {
            1
        }
        fn batch(&self, _: &[Request]) -> Option<Result<Request, Error>> {
            None
        }
        fn batch_size(&self) -> usize {
            1
        }
        fn unbatch(&self, _: &Response, _: usize) -> Result<Vec<Option<Response>>, Error> {
            Ok(Vec::new())
        }
        fn read_error(&self, _: &[u8]) -> ErrorEnvelope {
            self.0.clone()
        }
        fn malformed_id(&self, code: Option<&str>, _: &str) -> bool {
            code == Some("malformed")
        }
    }

    fn response(status: u16, body: &str) -> Response {
        http::Response::builder()
            .status(status)
            .header("retry-after", "30")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn says(code: &str, message: &str, rate_limited: bool) -> Reads {
        Reads(ErrorEnvelope {
            code: Some(code.into()),
            message: Some(message.into()),
            rate_limited,
        })
    }

    #[test]
    fn the_status_and_the_envelope_choose_the_error() {
        let provider = |status: Option<u16>, code: Option<&str>, message: &str| Error::Provider {
            status,
            code: code.map(str::to_owned),
            message: message.to_owned(),
        };
        let later = |status: u16, code: Option<&str>, message: &str| Error::RetryLater {
            retry_after_seconds: Some(30),
            status: Some(status),
            code: code.map(str::to_owned),
            message: message.to_owned(),
        };
        for (api, status, expected) in [
            (
                says("bad", "no", false),
                400,
                provider(Some(400), Some("bad"), "no"),
            ),
            (
                says("slow", "down", true),
                403,
                later(403, Some("slow"), "down"),
            ),
            (
                says("busy", "later", false),
                429,
                later(429, Some("busy"), "later"),
            ),
            (
                says("expired", "again", false),
                401,
                later(401, Some("expired"), "again"),
            ),
            (
                says("gone", "lost", false),
                500,
                later(500, Some("gone"), "lost"),
            ),
            // A body that is not the provider's envelope: the status's reason.
            (
                Reads(ErrorEnvelope::default()),
                502,
                later(502, None, "Bad Gateway"),
            ),
            (
                Reads(ErrorEnvelope::default()),
                404,
                provider(Some(404), None, "Not Found"),
            ),
        ] {
            assert_eq!(
                api_error(&api, &response(status, "{}")),
                expected,
                "{status}"
            );
        }
    }

    #[test]
    fn unknown_and_malformed_ids_become_bad_input() {
        let api = Reads(ErrorEnvelope::default());
        let error = |status: u16, code: &str| Error::Provider {
            status: Some(status),
            code: Some(code.into()),
            message: "m".into(),
        };
        assert_eq!(
            not_found(&api, error(404, "any"), "draft-id"),
            Error::invalid(
                "draft-id",
                "names nothing in this mailbox (deleted, or not synced from this account)"
            )
        );
        assert_eq!(
            not_found(&api, error(400, "malformed"), "id"),
            Error::invalid("id", "is not an id of this provider")
        );
        assert_eq!(
            not_found(&api, error(400, "other"), "id"),
            error(400, "other")
        );
        let passing = Error::RetryLater {
            retry_after_seconds: None,
            status: Some(404),
            code: None,
            message: "m".into(),
        };
        assert_eq!(not_found(&api, passing.clone(), "id"), passing);
    }
}
