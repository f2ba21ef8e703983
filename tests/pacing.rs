//! Sync at the providers' real limits, through the real component against the sandbox, which
//! enforces them: Gmail's per-user quota units over a sliding minute and its concurrent
//! requests, Graph's concurrent requests per mailbox and JSON batches throttled one request at a
//! time. The quota windows run on a faster clock (a minute of quota per 6 seconds), and the
//! component is told so through the app's limits.

mod common;

use common::{World, sandbox_kind};
use email_harness::sandbox::{Fault, MailboxSpec};
use email_harness::types::{Account, App, AuthOptions, Limits, Provider, SyncPage, SyncRequest};
use std::collections::{BTreeMap, BTreeSet};

/// Seconds of the sandbox's clock per minute of quota.
const SCALE: f64 = 6.0;

/// Connects `kind` with limits whose windows run on the sandbox's faster clock.
fn connect_scaled(world: &World, kind: Provider) -> (App, Account) {
    let window = match kind {
        Provider::Google => 60.0,
        Provider::Microsoft => 600.0,
    };
    let config = email_harness::types::AppConfig {
        limits: Some(Limits {
            units: None,
            window_seconds: Some((window * SCALE / 60.0) as u32),
            in_flight: None,
        }),
        ..world.app_config(kind)
    };
    let app = world.harness.configure_app(&config).unwrap();
    let pending = world
        .harness
        .begin_auth(&app, &AuthOptions { login_hint: None })
        .unwrap();
    let callback = world.sandbox.consent(&pending.authorization_url).unwrap();
    let account = world
        .harness
        .complete_auth(&app, &pending, &callback)
        .unwrap();
    (app, account)
}

/// Syncs to the end as a host loop does, failing on any error; the pages.
fn sync_to_end(world: &World, app: &App, account: &mut Account) -> Vec<SyncPage> {
    let mut request = SyncRequest {
        cursor: None,
        folders: vec![],
        newer_than: None,
        max_messages: None,
        page_size: Some(500),
        time_budget_seconds: None,
    };
    let mut pages = Vec::new();
    loop {
        let page = match world.harness.sync(app, account, &request) {
            Ok(page) => page,
            Err(error) => panic!("the host loop met an error: {error}"),
        };
        if let Some(fresh) = &page.account {
            *account = fresh.clone();
        }
        request.cursor = Some(page.cursor.clone());
        let more = page.more;
        pages.push(page);
        if !more {
            return pages;
        }
    }
}

#[test]
fn a_gmail_first_sync_larger_than_a_minute_of_quota_is_never_throttled() {
    let world = World::new();
    let sandbox = &world.sandbox;
    sandbox.set_quota_time_scale(SCALE);
    // 15,000 units a minute allow 3,000 messages.get: more than that in scope.
    sandbox.seed_mailbox(
        sandbox_kind(Provider::Google),
        &MailboxSpec {
            messages: 4_400,
            seed: 11,
            ..MailboxSpec::default()
        },
    );
    let (app, mut account) = connect_scaled(&world, Provider::Google);
    let pages = sync_to_end(&world, &app, &mut account);
    let ids: BTreeSet<String> = pages
        .iter()
        .flat_map(|p| p.messages.iter().map(|m| m.id.clone()))
        .collect();
    let want: BTreeSet<String> = sandbox
        .message_ids(sandbox_kind(Provider::Google))
        .into_iter()
        .collect();
    assert!(want.len() > 3_000, "{} in scope", want.len());
    assert_eq!(ids, want, "every message");
    let units: u64 = pages.iter().map(|p| u64::from(p.stats.quota_units)).sum();
    assert!(units > 15_000, "more than a minute of quota: {units} units");
    assert_eq!(sandbox.throttled(sandbox_kind(Provider::Google)), 0);
    assert!(
        pages.iter().all(|p| p.stats.throttled == 0),
        "no throttled answer seen"
    );
    assert!(
        pages.iter().any(|p| p.stats.waited_ms > 0),
        "the component waited for the quota"
    );
    // The pages say what they cost: batches of calls, each call's units.
    let requests: u32 = pages.iter().map(|p| p.stats.requests).sum();
    let calls: u32 = pages.iter().map(|p| p.stats.calls).sum();
    assert!(
        calls > 20 * requests / 2,
        "batched: {calls} calls in {requests} requests"
    );
}

#[test]
fn a_throttled_request_inside_a_graph_batch_is_asked_again_and_nothing_is_lost() {
    let world = World::new();
    let sandbox = &world.sandbox;
    sandbox.seed_mailbox(
        sandbox_kind(Provider::Microsoft),
        &MailboxSpec {
            messages: 200,
            seed: 5,
            ..MailboxSpec::default()
        },
    );
    let (app, mut account) = world.connect(Provider::Microsoft);
    // The attachment lists go in JSON batches: two of them answered 429 inside their batch.
    sandbox.fail_next(
        Fault::status(sandbox_kind(Provider::Microsoft), "/attachments", 429)
            .retry_after(1)
            .times(2),
    );
    let pages = sync_to_end(&world, &app, &mut account);
    let throttled: u32 = pages.iter().map(|p| p.stats.throttled).sum();
    assert_eq!(throttled, 2, "both seen, and asked again");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for page in &pages {
        for message in &page.messages {
            *seen.entry(message.id.clone()).or_default() += 1;
            if message.attachments.is_empty() {
                continue;
            }
            assert!(
                message.attachments.iter().all(|a| !a.id.is_empty()),
                "attachments listed"
            );
        }
    }
    let want: BTreeSet<String> = sandbox
        .message_ids(sandbox_kind(Provider::Microsoft))
        .into_iter()
        .collect();
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(seen.values().all(|&n| n == 1), "none repeated");
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.messages)
            .any(|m| !m.attachments.is_empty()),
        "some messages have attachments"
    );
}
