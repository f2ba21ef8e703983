//! The first-sync benchmarks behind `email-harness bench-sync`:
//!
//! - **speed**: the component's first sync of a seeded sandbox mailbox with latency on every
//!   mail API request and a generous quota, against a sequential one-request-per-message
//!   baseline measured in the same run;
//! - **quota**: a first sync under the providers' default limits, enforced by the sandbox on a
//!   faster clock (the component told so through its limits), against the lower bound those
//!   limits, the concurrency and the latency allow together.

use crate::runtime::CallError;
use crate::sandbox::{MailboxSpec, Provider as SandboxProvider, Sandbox, SandboxConfig};
use crate::types::{Account, App, AuthOptions, Error, Limits, Provider, SyncRequest};
use crate::{Harness, HttpPolicy, Runtime, describe, sandboxed};
use std::time::{Duration, Instant};

/// One measured way of syncing.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Messages the sync delivered.
    pub messages: usize,
    /// HTTP requests made (a batch is one).
    pub requests: u64,
    /// Of them, batches (`POST /batch/gmail/v1`, Graph `$batch`).
    pub batches: u64,
    /// API calls made (each call inside a batch counts).
    pub calls: u64,
    /// Quota units spent (Gmail units; Graph requests).
    pub units: u64,
    /// Throttling answers the sandbox gave.
    pub throttled: usize,
    /// Time the component spent waiting for the quota.
    pub waited: Duration,
    /// Time the host waited between calls, as `retry-later` asked (the quota's window was
    /// spent and waiting for it would have passed a call's time budget).
    pub host_waited: Duration,
    /// Wall time.
    pub elapsed: Duration,
}

/// The speed benchmark's result for one provider.
#[derive(Debug, Clone)]
pub struct Speed {
    /// The provider.
    pub provider: Provider,
    /// The component's first sync.
    pub component: Run,
    /// The same messages fetched one request per message, one request at a time.
    pub sequential: Run,
}

/// The quota benchmark's result for one provider.
#[derive(Debug, Clone)]
pub struct Quota {
    /// The provider.
    pub provider: Provider,
    /// The component's first sync.
    pub run: Run,
    /// The least time the limits allow for that work (see [`lower_bound`]).
    pub bound: Duration,
}

/// A provider's default limits, as the sandbox enforces them.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Units per window.
    pub units: u64,
    /// The window at real time.
    pub window: Duration,
    /// Calls in flight at the mailbox (Gmail: the calls of one batch; Graph: requests).
    pub in_flight: u64,
}

/// The defaults the sandbox enforces: Gmail 15,000 units a minute and 25 concurrent calls;
/// Graph 10,000 requests per ten minutes and 4 concurrent requests.
pub fn default_limit(kind: Provider) -> Limit {
    match kind {
        Provider::Google => Limit {
            units: 15_000,
            window: Duration::from_secs(60),
            in_flight: 25,
        },
        Provider::Microsoft => Limit {
            units: 10_000,
            window: Duration::from_secs(600),
            in_flight: 4,
        },
    }
}

/// The least wall time in which `run`'s work fits the limits: its units need `ceil(U / W) - 1`
/// full windows before the last one opens, and the work of the last window (or, when the quota
/// never binds, all of it) needs round trips of `latency`: Gmail, `ceil(calls / in-flight)`
/// (the calls of a batch are concurrent requests, 25 at once); Graph, one per batch (a batch's
/// requests run four at a time, the mailbox's whole concurrency, so batches go one after the
/// other) plus `ceil(other requests / 4)`.
pub fn lower_bound(
    kind: Provider,
    run: &Run,
    limit: &Limit,
    scale: f64,
    latency: Duration,
) -> Duration {
    let window = limit.window.mul_f64(scale / 60.0);
    let windows = run.units.div_ceil(limit.units.max(1)).saturating_sub(1);
    let quota = window * u32::try_from(windows).unwrap_or(u32::MAX);
    let trips = match kind {
        Provider::Google => run.calls.div_ceil(limit.in_flight),
        Provider::Microsoft => {
            run.batches
                + run
                    .requests
                    .saturating_sub(run.batches)
                    .div_ceil(limit.in_flight)
        }
    };
    let last = if windows == 0 {
        trips
    } else {
        let left = run.units - windows * limit.units;
        (trips * left).div_ceil(run.units.max(1))
    };
    quota + latency * u32::try_from(last).unwrap_or(u32::MAX)
}

/// The sandbox provider of `kind`.
fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

/// A sandbox with a seeded mailbox of `kind` (more than `messages` in the sync scope), a
/// connected account whose limits run `scale` seconds per minute when given, and `latency` on
/// every mail API request.
fn prepare(
    runtime: &Runtime,
    kind: Provider,
    messages: usize,
    latency: Duration,
    scale: Option<f64>,
) -> anyhow::Result<(Sandbox, HttpPolicy, Harness, App, Account)> {
    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone())?;
    // Some seeded mail sits in spam, trash or drafts: seed more so that enough is in scope.
    sandbox.seed_mailbox(
        sandbox_kind(kind),
        &MailboxSpec {
            messages: messages + messages / 4,
            seed: 2026,
            ..MailboxSpec::default()
        },
    );
    // Parsed before the clock starts, so that both ways are measured against a warm sandbox.
    sandbox.parse_all(sandbox_kind(kind));
    let policy = HttpPolicy::sandbox(&sandbox.base_url())?;
    let harness = runtime.harness(policy.clone());
    let limits = scale.map(|scale| {
        let window = default_limit(kind).window.as_secs_f64() * scale / 60.0;
        Limits {
            units: None,
            window_seconds: Some(window.round().max(1.0) as u32),
            in_flight: None,
        }
    });
    match scale {
        Some(scale) => sandbox.set_quota_time_scale(scale),
        None => {
            // A generous quota: units no object; concurrency stays the provider's.
            sandbox.set_gmail_quota(None);
            sandbox.set_graph_request_limit(None);
        }
    }
    let app = harness.configure_app(&crate::types::AppConfig {
        limits,
        ..sandboxed::app_config(&config, kind)
    })?;
    let pending = harness.begin_auth(&app, &AuthOptions { login_hint: None })?;
    let callback = sandbox.consent(&pending.authorization_url)?;
    let account = harness.complete_auth(&app, &pending, &callback)?;
    sandbox.set_latency(latency);
    policy.clear();
    Ok((sandbox, policy, harness, app, account))
}

/// The component's first sync of `messages` at most, page after page; the run and the ids.
#[allow(clippy::too_many_arguments)] // one benchmark step: the harness, its sandbox and the sync
fn sync_run(
    harness: &Harness,
    policy: &HttpPolicy,
    sandbox: &Sandbox,
    kind: Provider,
    app: &App,
    account: &mut Account,
    messages: usize,
    page_size: u32,
) -> anyhow::Result<(Run, Vec<String>)> {
    let start = Instant::now();
    let mut cursor = None;
    let mut ids = Vec::new();
    let mut run = Run::default();
    loop {
        let answer = harness.sync(
            app,
            account,
            &SyncRequest {
                cursor: cursor.clone(),
                folders: vec![],
                newer_than: None,
                max_messages: Some(messages as u32),
                page_size: Some(page_size),
                time_budget_seconds: None,
            },
        );
        let page = match answer {
            Ok(page) => page,
            // As a host does: keep the refreshed account, wait as asked, call again with the
            // same cursor.
            Err(CallError::Component {
                error: Error::RetryLater(later),
                account: fresh,
            }) => {
                if let Some(fresh) = fresh {
                    *account = *fresh;
                }
                let wait = Duration::from_secs(u64::from(later.retry_after_seconds.unwrap_or(1)));
                run.host_waited += wait;
                std::thread::sleep(wait);
                continue;
            }
            Err(other) => return Err(other.into()),
        };
        ids.extend(page.messages.iter().map(|m| m.id.clone()));
        run.requests += u64::from(page.stats.requests);
        run.calls += u64::from(page.stats.calls);
        run.units += u64::from(page.stats.quota_units);
        run.waited += Duration::from_millis(u64::from(page.stats.waited_ms));
        if let Some(fresh) = page.account {
            *account = fresh;
        }
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    run.messages = ids.len();
    run.elapsed = start.elapsed();
    run.batches = policy
        .requests()
        .iter()
        .filter(|r| r.url.contains("/$batch") || r.url.contains("/batch/gmail/v1"))
        .count() as u64;
    run.throttled = sandbox.throttled(sandbox_kind(kind));
    Ok((run, ids))
}

/// The speed benchmark for `kind`: a first sync bounded to `messages`, `latency` on every mail
/// API request, a generous quota; then the same messages one request each, one at a time.
pub fn speed(
    runtime: &Runtime,
    kind: Provider,
    messages: usize,
    latency: Duration,
    page_size: u32,
) -> anyhow::Result<Speed> {
    let (sandbox, policy, harness, app, mut account) =
        prepare(runtime, kind, messages, latency, None)?;
    let (component, ids) = sync_run(
        &harness,
        &policy,
        &sandbox,
        kind,
        &app,
        &mut account,
        messages,
        page_size,
    )?;

    let start = Instant::now();
    for id in &ids {
        let (host, path) = match kind {
            Provider::Google => (
                "gmail.googleapis.com",
                format!("/gmail/v1/users/me/messages/{id}?format=full"),
            ),
            Provider::Microsoft => ("graph.microsoft.com", format!("/v1.0/me/messages/{id}")),
        };
        let (status, _) = sandbox.get(host, &path, &account.access_token)?;
        anyhow::ensure!(
            status == 200,
            "{} answered {status} for a message",
            describe::provider(kind)
        );
    }
    let sequential = Run {
        messages: ids.len(),
        requests: ids.len() as u64,
        calls: ids.len() as u64,
        elapsed: start.elapsed(),
        ..Run::default()
    };
    Ok(Speed {
        provider: kind,
        component,
        sequential,
    })
}

/// The quota benchmark for `kind`: a first sync of `messages` under the default limits on a
/// clock of `scale` seconds per minute, with `latency` on every request.
pub fn quota(
    runtime: &Runtime,
    kind: Provider,
    messages: usize,
    latency: Duration,
    page_size: u32,
    scale: f64,
) -> anyhow::Result<Quota> {
    let (sandbox, policy, harness, app, mut account) =
        prepare(runtime, kind, messages, latency, Some(scale))?;
    let (run, _) = sync_run(
        &harness,
        &policy,
        &sandbox,
        kind,
        &app,
        &mut account,
        messages,
        page_size,
    )?;
    let bound = lower_bound(kind, &run, &default_limit(kind), scale, latency);
    Ok(Quota {
        provider: kind,
        run,
        bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_counts_full_windows_then_the_last_round_trips() {
        let gmail = default_limit(Provider::Google);
        let run = Run {
            units: 100_000,
            calls: 20_000,
            ..Run::default()
        };
        // 7 windows of 15,000: 6 full ones of 15 s, then 10,000 units (2,000 calls) in
        // 80 round trips of 25 calls.
        let bound = lower_bound(
            Provider::Google,
            &run,
            &gmail,
            15.0,
            Duration::from_millis(25),
        );
        assert_eq!(
            bound,
            Duration::from_secs(90) + Duration::from_millis(25 * 80)
        );
        // Under one window, only the round trips count.
        let small = Run {
            units: 1_000,
            calls: 200,
            ..Run::default()
        };
        assert_eq!(
            lower_bound(
                Provider::Google,
                &small,
                &gmail,
                15.0,
                Duration::from_millis(25)
            ),
            Duration::from_millis(25 * 8)
        );
    }
}
