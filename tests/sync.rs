//! Sync through the real component against the sandbox Gmail and Graph mail APIs: a first sync
//! of over a thousand messages, incremental changes, cursor expiry, interruption at every page
//! boundary, a 401 in the middle, the request cap and a foreign next link.

mod common;

use common::{KINDS, World};
use email_harness::CallError;
use email_harness::sandbox::{MailboxSpec, Provider as SandboxProvider};
use email_harness::types::{
    Account, Error, Message, Provider, ProviderKind, SyncPage, SyncRequest,
};
use std::collections::{BTreeMap, BTreeSet};

fn sandbox_kind(kind: ProviderKind) -> SandboxProvider {
    match kind {
        ProviderKind::Google => SandboxProvider::Google,
        ProviderKind::Microsoft => SandboxProvider::Microsoft,
    }
}

/// What a host keeps: the messages by id, the cursor and the account, committed page by page.
struct Host {
    provider: Provider,
    account: Account,
    cursor: Option<String>,
    messages: BTreeMap<String, Message>,
    /// How many times each id came as a message in a committed page.
    deliveries: BTreeMap<String, usize>,
    pages: usize,
}

impl Host {
    fn new(provider: Provider, account: Account) -> Self {
        Self {
            provider,
            account,
            cursor: None,
            messages: BTreeMap::new(),
            deliveries: BTreeMap::new(),
            pages: 0,
        }
    }

    fn request(&self, page_size: u32) -> SyncRequest {
        SyncRequest {
            cursor: self.cursor.clone(),
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(page_size),
        }
    }

    /// One call, not committed.
    fn call(&self, world: &World, page_size: u32) -> Result<SyncPage, CallError> {
        world
            .harness
            .sync(&self.provider, &self.account, &self.request(page_size))
    }

    /// Commits a page and its cursor together.
    fn commit(&mut self, page: SyncPage) {
        for message in page.messages {
            *self.deliveries.entry(message.id.clone()).or_default() += 1;
            self.messages.insert(message.id.clone(), message);
        }
        for id in &page.deleted {
            self.messages.remove(id);
        }
        for change in page.changes {
            if let Some(message) = self.messages.get_mut(&change.id) {
                if let Some(unread) = change.unread {
                    message.unread = unread;
                }
                if let Some(starred) = change.starred {
                    message.starred = starred;
                }
                message
                    .labels
                    .retain(|l| !change.labels_removed.contains(l));
                message.labels.extend(change.labels_added);
            }
        }
        if let Some(account) = page.account {
            self.account = account;
        }
        self.cursor = Some(page.cursor);
        self.pages += 1;
    }

    /// Syncs until no more pages are ready; returns the full-resync reasons seen.
    fn sync_all(&mut self, world: &World, page_size: u32) -> Vec<String> {
        let mut resyncs = Vec::new();
        for _ in 0..10_000 {
            let page = self.call(world, page_size).expect("sync");
            let more = page.more;
            resyncs.extend(page.full_resync.clone());
            self.commit(page);
            if !more {
                return resyncs;
            }
        }
        panic!("sync never finished");
    }

    fn ids(&self) -> BTreeSet<String> {
        self.messages.keys().cloned().collect()
    }
}

fn seeded(kind: ProviderKind, messages: usize) -> (World, Host) {
    let world = World::new();
    world.sandbox.seed_mailbox(
        sandbox_kind(kind),
        &MailboxSpec {
            messages,
            seed: 42,
            ..MailboxSpec::default()
        },
    );
    let (provider, account) = world.connect(kind);
    (world, Host::new(provider, account))
}

fn expected(world: &World, kind: ProviderKind) -> BTreeSet<String> {
    world
        .sandbox
        .message_ids(sandbox_kind(kind))
        .into_iter()
        .collect()
}

#[test]
fn first_sync_of_over_a_thousand_messages() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 1_150);
        host.sync_all(&world, 100);
        let want = expected(&world, kind);
        assert!(
            want.len() >= 1_000,
            "{kind:?}: {} messages seeded in scope",
            want.len()
        );
        assert_eq!(host.ids(), want, "{kind:?}: every message, nothing else");
        assert!(
            host.deliveries.values().all(|&n| n == 1),
            "{kind:?}: none twice"
        );
        assert!(host.pages > 1);
        // Normalized fields came through.
        let any = host
            .messages
            .values()
            .find(|m| !m.attachments.is_empty())
            .expect("some attachments");
        assert!(
            any.attachments
                .iter()
                .all(|a| !a.id.is_empty() && !a.mime_type.is_empty())
        );
        assert!(
            host.messages
                .values()
                .all(|m| m.from.is_some() && m.date.is_some() && m.thread_id.is_some())
        );
        assert!(
            host.messages
                .values()
                .any(|m| m.subject.as_deref().is_some_and(|s| !s.is_ascii())),
            "decoded non-ASCII subjects"
        );
        assert!(
            host.messages
                .values()
                .any(|m| m.text_body.is_some() || m.html_body.is_some())
        );
    }
}

#[test]
fn incremental_sync_sees_adds_deletes_and_flag_changes() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 120);
        let sandbox = &world.sandbox;
        let who = sandbox_kind(kind);
        host.sync_all(&world, 50);
        let ids: Vec<String> = host.ids().into_iter().collect();
        let new = sandbox.deliver(who, 4);
        sandbox.delete(who, &ids[0]);
        sandbox.delete(who, &ids[1]);
        sandbox.set_unread(who, &ids[2], true);
        sandbox.set_unread(who, &ids[3], false);
        sandbox.set_starred(who, &ids[4], true);
        match kind {
            ProviderKind::Google => sandbox.add_label(&ids[5], "Label_1"),
            ProviderKind::Microsoft => sandbox.move_to(&ids[5], "archive"),
        }
        host.sync_all(&world, 50);
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        for id in &new {
            assert!(host.messages.contains_key(id), "{kind:?}: new mail {id}");
        }
        assert!(!host.messages.contains_key(&ids[0]) && !host.messages.contains_key(&ids[1]));
        assert!(host.messages[&ids[2]].unread, "{kind:?}");
        assert!(!host.messages[&ids[3]].unread, "{kind:?}");
        assert!(host.messages[&ids[4]].starred, "{kind:?}");
        if kind == ProviderKind::Google {
            assert!(host.messages[&ids[5]].labels.iter().any(|l| l == "Label_1"));
        }
    }
}

#[test]
fn an_expired_cursor_recovers_with_a_full_resync() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 60);
        host.sync_all(&world, 25);
        // Mail arrives, then the provider forgets the sync state the cursor points at.
        let new = world.sandbox.deliver(sandbox_kind(kind), 2);
        match kind {
            ProviderKind::Google => world.sandbox.expire_history(),
            ProviderKind::Microsoft => world.sandbox.expire_delta(),
        }
        let resyncs = host.sync_all(&world, 25);
        assert!(
            !resyncs.is_empty(),
            "{kind:?}: the page says a full resync began"
        );
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        assert!(new.iter().all(|id| host.messages.contains_key(id)));
    }
}

#[test]
fn interrupted_at_every_page_boundary_nothing_is_lost_or_repeated() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 150);
        let mut boundaries = 0;
        loop {
            // The host crashes after the call and before committing: the page is lost, and the
            // call is made again from the last stored cursor.
            let lost = host.call(&world, 20).expect("sync");
            let page = host.call(&world, 20).expect("sync again");
            assert_eq!(
                lost.messages.iter().map(|m| &m.id).collect::<Vec<_>>(),
                page.messages.iter().map(|m| &m.id).collect::<Vec<_>>(),
                "{kind:?}: the same page again"
            );
            let more = page.more;
            host.commit(page);
            boundaries += 1;
            if !more {
                break;
            }
        }
        assert!(boundaries >= 3, "{kind:?}: {boundaries} pages");
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}: nothing lost");
        assert!(
            host.deliveries.values().all(|&n| n == 1),
            "{kind:?}: nothing twice"
        );

        // The same across incremental pages.
        let new = world.sandbox.deliver(sandbox_kind(kind), 30);
        host.deliveries.clear();
        loop {
            let _lost = host.call(&world, 7).expect("sync");
            let page = host.call(&world, 7).expect("sync again");
            let more = page.more;
            host.commit(page);
            if !more {
                break;
            }
        }
        assert_eq!(host.ids(), expected(&world, kind));
        assert!(
            new.iter().all(|id| host.deliveries.get(id) == Some(&1)),
            "{kind:?}: each new message once"
        );
    }
}

#[test]
fn a_401_mid_sync_refreshes_once_and_hands_back_the_account() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 40);
        let page = host.call(&world, 10).unwrap();
        host.commit(page);
        world.sandbox.expire_access_tokens(sandbox_kind(kind));
        let old = host.account.access_token.clone();
        let page = host.call(&world, 10).expect("the call survives the 401");
        let account = page
            .account
            .clone()
            .expect("the refreshed account is in the page");
        assert_ne!(account.access_token, old);
        host.commit(page);
        host.sync_all(&world, 10);
        assert_eq!(host.ids(), expected(&world, kind));
    }
}

#[test]
fn requests_in_flight_stay_under_the_provider_caps() {
    for (kind, cap) in [(ProviderKind::Google, 10), (ProviderKind::Microsoft, 4)] {
        let (world, mut host) = seeded(kind, 200);
        world
            .sandbox
            .set_latency(std::time::Duration::from_millis(5));
        host.sync_all(&world, 100);
        let peak = world.sandbox.max_in_flight(sandbox_kind(kind));
        assert!(peak > 1, "{kind:?}: requests overlap ({peak})");
        assert!(peak <= cap, "{kind:?}: at most {cap} in flight, saw {peak}");
    }
}

#[test]
fn a_next_link_to_a_foreign_host_is_refused_and_gets_no_token() {
    let world = World::new();
    world.sandbox.seed_mailbox(
        SandboxProvider::Microsoft,
        &MailboxSpec {
            messages: 30,
            seed: 3,
            ..MailboxSpec::default()
        },
    );
    // The policy would even route the foreign host to the sandbox: only the component's own
    // check can keep the token from it.
    let base = url::Url::parse(&world.sandbox.base_url()).unwrap();
    let harness = common::runtime().harness(
        email_harness::HttpPolicy::sandbox(&world.sandbox.base_url())
            .unwrap()
            .route("evil.example", base),
    );
    let (provider, account) = world.connect(ProviderKind::Microsoft);
    world.sandbox.foreign_next_link("evil.example");
    let request = SyncRequest {
        cursor: None,
        folders: vec!["inbox".into()],
        newer_than: None,
        max_messages: None,
        page_size: Some(5),
    };
    let mut cursor = None;
    let error = loop {
        match harness.sync(
            &provider,
            &account,
            &SyncRequest {
                cursor: cursor.clone(),
                ..request.clone()
            },
        ) {
            Ok(page) if page.more => cursor = Some(page.cursor),
            Ok(_) => panic!("the foreign link was never met"),
            Err(error) => break error,
        }
    };
    match error {
        CallError::Component {
            error: Error::Provider(failure),
            ..
        } => {
            assert_eq!(failure.code.as_deref(), Some("untrusted_url"))
        }
        other => panic!("{other}"),
    }
    assert!(
        harness
            .policy()
            .requests()
            .iter()
            .all(|r| r.host() != "evil.example"),
        "nothing went to the foreign host"
    );
    assert!(
        world
            .sandbox
            .received()
            .iter()
            .all(|r| r.host != "evil.example")
    );
}

#[test]
fn a_cursor_of_the_other_provider_is_refused() {
    let world = World::new();
    let (google, google_account) = world.connect(ProviderKind::Google);
    let (microsoft, microsoft_account) = world.connect(ProviderKind::Microsoft);
    let page = world
        .harness
        .sync(
            &microsoft,
            &microsoft_account,
            &SyncRequest {
                cursor: None,
                folders: vec![],
                newer_than: None,
                max_messages: None,
                page_size: Some(10),
            },
        )
        .unwrap();
    let error = world
        .harness
        .sync(
            &google,
            &google_account,
            &SyncRequest {
                cursor: Some(page.cursor),
                folders: vec![],
                newer_than: None,
                max_messages: None,
                page_size: Some(10),
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, CallError::Component { error: Error::InvalidInput(f), .. } if f.field == "cursor")
    );
}

#[test]
fn a_rate_limit_mid_page_is_retry_later_and_the_cursor_holds() {
    for (kind, path) in [
        (ProviderKind::Google, "/messages/"),
        (ProviderKind::Microsoft, "/delta"),
    ] {
        let (world, mut host) = seeded(kind, 60);
        let page = host.call(&world, 20).unwrap();
        host.commit(page);
        world.sandbox.fail_next(
            email_harness::sandbox::Fault::status(sandbox_kind(kind), path, 429).retry_after(7),
        );
        match host.call(&world, 20) {
            Err(CallError::Component {
                error: Error::RetryLater(failure),
                ..
            }) => {
                assert_eq!(failure.retry_after_seconds, Some(7), "{kind:?}");
                assert_eq!(failure.status, Some(429));
            }
            other => panic!(
                "{kind:?}: expected retry-later, got {:?}",
                other.map(|p| p.messages.len())
            ),
        }
        // Nothing was committed; the host retries from the same cursor and loses nothing.
        host.sync_all(&world, 20);
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        assert!(host.deliveries.values().all(|&n| n == 1), "{kind:?}");
    }
}
