//! Sync through the real component against the sandbox Gmail and Graph mail APIs: a first sync
//! of over a thousand messages, incremental changes, cursor expiry, interruption at every page
//! boundary, a 401 in the middle, the request cap and a foreign next link.

mod common;

use common::{KINDS, World};
use email_harness::CallError;
use email_harness::sandbox::{Fault, MailboxSpec, Provider as SandboxProvider, RefreshRefusal};
use email_harness::types::{Account, App, Error, Message, Provider, SyncPage, SyncRequest};
use std::collections::{BTreeMap, BTreeSet};

fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

/// What a host keeps: the messages by id, the cursor and the account, committed page by page.
struct Host {
    app: App,
    account: Account,
    cursor: Option<String>,
    messages: BTreeMap<String, Message>,
    /// How many times each id came as a message in a committed page.
    deliveries: BTreeMap<String, usize>,
    pages: usize,
    /// The time budget each call gets.
    budget: Option<u32>,
}

impl Host {
    fn new(app: App, account: Account) -> Self {
        Self {
            app,
            account,
            cursor: None,
            messages: BTreeMap::new(),
            deliveries: BTreeMap::new(),
            pages: 0,
            budget: None,
        }
    }

    fn request(&self, page_size: u32) -> SyncRequest {
        SyncRequest {
            cursor: self.cursor.clone(),
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(page_size),
            time_budget_seconds: self.budget,
        }
    }

    /// One call, not committed.
    fn call(&self, world: &World, page_size: u32) -> Result<SyncPage, CallError> {
        world
            .harness
            .sync(&self.app, &self.account, &self.request(page_size))
    }

    /// Commits a page and its cursor together.
    fn commit(&mut self, page: SyncPage) {
        for message in &page.messages {
            *self.deliveries.entry(message.id.clone()).or_default() += 1;
        }
        let account = page.account.clone();
        let cursor = page.cursor.clone();
        email_harness::copy::apply_page(&mut self.messages, page);
        if let Some(account) = account {
            self.account = account;
        }
        self.cursor = Some(cursor);
        self.pages += 1;
    }

    /// Syncs until no more pages are ready; returns the full-resync reasons seen.
    fn sync_all(&mut self, world: &World, page_size: u32) -> Vec<String> {
        self.sync_all_pages(world, page_size)
            .into_iter()
            .filter_map(|p| p.full_resync)
            .collect()
    }

    /// Syncs until no more pages are ready; returns the pages.
    fn sync_all_pages(&mut self, world: &World, page_size: u32) -> Vec<SyncPage> {
        let mut pages = Vec::new();
        for _ in 0..10_000 {
            let page = self.call(world, page_size).expect("sync");
            let more = page.more;
            pages.push(page.clone());
            self.commit(page);
            if !more {
                return pages;
            }
        }
        panic!("sync never finished");
    }

    fn ids(&self) -> BTreeSet<String> {
        self.messages.keys().cloned().collect()
    }
}

fn seeded(kind: Provider, messages: usize) -> (World, Host) {
    let world = World::new();
    world.sandbox.seed_mailbox(
        sandbox_kind(kind),
        &MailboxSpec {
            messages,
            seed: 42,
            ..MailboxSpec::default()
        },
    );
    let (app, account) = world.connect(kind);
    (world, Host::new(app, account))
}

fn expected(world: &World, kind: Provider) -> BTreeSet<String> {
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
            Provider::Google => sandbox.add_label(&ids[5], "Label_1"),
            Provider::Microsoft => sandbox.move_to(&ids[5], "archive"),
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
        if kind == Provider::Google {
            assert!(host.messages[&ids[5]].labels.iter().any(|l| l == "Label_1"));
        }
    }
}

#[test]
fn an_expired_cursor_recovers_with_a_full_resync() {
    for kind in KINDS {
        let (world, mut host) = seeded(kind, 60);
        host.sync_all(&world, 25);
        // Mail arrives and some is deleted, then the provider forgets the sync state the
        // cursor points at: the deletion is in no history any more.
        let new = world.sandbox.deliver(sandbox_kind(kind), 2);
        let gone = host.ids().into_iter().next().unwrap();
        world.sandbox.delete(sandbox_kind(kind), &gone);
        match kind {
            Provider::Google => world.sandbox.expire_history(),
            Provider::Microsoft => world.sandbox.expire_delta(),
        }
        let resyncs = host.sync_all(&world, 25);
        assert!(
            !resyncs.is_empty(),
            "{kind:?}: the page says a full resync began"
        );
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        assert!(new.iter().all(|id| host.messages.contains_key(id)));
        assert!(
            !host.messages.contains_key(&gone),
            "{kind:?}: the deletion reaches the host"
        );
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
    // Gmail: the calls of a batch are the user's concurrent requests (25 at a time, one batch
    // in flight); Graph: 4 requests at a mailbox.
    for (kind, cap) in [(Provider::Google, 25), (Provider::Microsoft, 4)] {
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
    let (app, account) = world.connect(Provider::Microsoft);
    world.sandbox.foreign_next_link("evil.example");
    let request = SyncRequest {
        cursor: None,
        folders: vec!["inbox".into()],
        newer_than: None,
        max_messages: None,
        page_size: Some(5),
        time_budget_seconds: None,
    };
    let mut cursor = None;
    let error = loop {
        match harness.sync(
            &app,
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
    let (google, google_account) = world.connect(Provider::Google);
    let (microsoft, microsoft_account) = world.connect(Provider::Microsoft);
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
                time_budget_seconds: None,
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
                time_budget_seconds: None,
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, CallError::Component { error: Error::InvalidInput(f), .. } if f.field == "cursor")
    );
}

#[test]
fn a_rate_limit_mid_page_is_waited_out_within_the_call() {
    for (kind, path) in [
        (Provider::Google, "/batch/gmail/v1"),
        (Provider::Microsoft, "/delta"),
    ] {
        let (world, mut host) = seeded(kind, 60);
        let page = host.call(&world, 20).unwrap();
        host.commit(page);
        world
            .sandbox
            .fail_next(Fault::status(sandbox_kind(kind), path, 429).retry_after(2));
        let page = host
            .call(&world, 20)
            .expect("the call waits and asks again");
        assert_eq!(page.stats.throttled, 1, "{kind:?}");
        assert!(page.stats.waited_ms >= 2_000, "{kind:?}: {:?}", page.stats);
        host.commit(page);
        host.sync_all(&world, 20);
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        assert!(host.deliveries.values().all(|&n| n == 1), "{kind:?}");
    }
}

#[test]
fn a_rate_limit_past_the_time_budget_is_retry_later_and_the_cursor_holds() {
    for (kind, path) in [
        (Provider::Google, "/batch/gmail/v1"),
        (Provider::Microsoft, "/delta"),
    ] {
        let (world, mut host) = seeded(kind, 60);
        let page = host.call(&world, 20).unwrap();
        host.commit(page);
        world
            .sandbox
            .fail_next(Fault::status(sandbox_kind(kind), path, 429).retry_after(7));
        host.budget = Some(3);
        match host.call(&world, 20) {
            Err(error) => match error.component() {
                Some(Error::RetryLater(failure)) => {
                    assert_eq!(failure.retry_after_seconds, Some(7), "{kind:?}");
                    assert_eq!(failure.status, Some(429));
                }
                other => panic!("{kind:?}: expected retry-later, got {other:?}"),
            },
            Ok(page) => panic!(
                "{kind:?}: expected retry-later, got {} messages",
                page.messages.len()
            ),
        }
        // Nothing was committed; the host retries from the same cursor and loses nothing.
        host.budget = None;
        host.sync_all(&world, 20);
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
        assert!(host.deliveries.values().all(|&n| n == 1), "{kind:?}");
    }
}

/// A first sync of `host` with `request` (cursor unset) to the end.
fn sync_request(host: &mut Host, world: &World, request: &SyncRequest) -> Vec<SyncPage> {
    let mut pages = Vec::new();
    for _ in 0..10_000 {
        let page = world
            .harness
            .sync(
                &host.app,
                &host.account,
                &SyncRequest {
                    cursor: host.cursor.clone(),
                    ..request.clone()
                },
            )
            .expect("sync");
        let more = page.more;
        pages.push(page.clone());
        host.commit(page);
        if !more {
            return pages;
        }
    }
    panic!("sync never finished");
}

#[test]
fn an_outlook_message_moved_between_synced_folders_arrives_once_under_its_id() {
    let (world, mut host) = seeded(Provider::Microsoft, 80);
    host.sync_all(&world, 50);
    let inbox = world.sandbox.folder_id("inbox");
    let id = host
        .messages
        .values()
        .find(|m| m.labels == [inbox.clone()])
        .expect("a message in the inbox")
        .id
        .clone();
    world.sandbox.move_to(&id, "archive");
    host.deliveries.clear();
    host.sync_all(&world, 50);
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
    assert_eq!(
        host.messages[&id].labels,
        [world.sandbox.folder_id("archive")],
        "the host holds the moved message, under the id it knew, in its new folder"
    );
    assert!(
        host.deliveries.keys().all(|k| *k == id),
        "nothing else came: {:?}",
        host.deliveries
    );
}

#[test]
fn a_deleted_synced_folder_leaves_sync_running_with_a_warning() {
    let (world, mut host) = seeded(Provider::Microsoft, 60);
    let sandbox = &world.sandbox;
    let folder = sandbox.create_folder("Clients", None);
    let moved: Vec<String> = sandbox
        .message_ids(SandboxProvider::Microsoft)
        .into_iter()
        .take(5)
        .collect();
    for id in &moved {
        sandbox.move_to(id, &folder);
    }
    host.sync_all(&world, 25);
    assert!(
        moved
            .iter()
            .all(|id| host.messages[id].labels == [folder.clone()])
    );

    // Deleted for good (its delta answers 404), and, next round, one deleted to Deleted Items.
    sandbox.purge_folder(&folder);
    let page = host.call(&world, 25).expect("sync goes on");
    assert_eq!(page.dropped_folders, std::slice::from_ref(&folder));
    assert!(
        page.warnings.iter().any(|w| w.contains(&folder)),
        "{:?}",
        page.warnings
    );
    host.commit(page);
    host.sync_all(&world, 25);
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
    assert!(moved.iter().all(|id| !host.messages.contains_key(id)));

    // A folder deleted the way Outlook deletes it: moved under Deleted Items, out of scope.
    let receipts = sandbox.create_folder("Invoices", Some("inbox"));
    let inside: Vec<String> = host.ids().into_iter().take(3).collect();
    for id in &inside {
        sandbox.move_to(id, &receipts);
    }
    host.sync_all(&world, 25);
    assert!(
        inside
            .iter()
            .all(|id| host.messages[id].labels == [receipts.clone()])
    );
    sandbox.delete_folder(&receipts);
    let resyncs = host.sync_all(&world, 25);
    assert!(resyncs.is_empty(), "no resync: {resyncs:?}");
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
    assert!(inside.iter().all(|id| !host.messages.contains_key(id)));
}

#[test]
fn folders_made_after_the_first_sync_are_synced_and_a_move_into_one_is_no_deletion() {
    let (world, mut host) = seeded(Provider::Microsoft, 60);
    host.sync_all(&world, 25);
    let sandbox = &world.sandbox;
    let folder = sandbox.create_folder("Later", Some("inbox"));
    let id = host.ids().into_iter().next().unwrap();
    sandbox.move_to(&id, &folder);
    let fresh = sandbox.deliver(SandboxProvider::Microsoft, 1);
    sandbox.move_to(&fresh[0], &folder);
    host.deliveries.clear();
    let mut deleted = Vec::new();
    loop {
        let page = host.call(&world, 25).unwrap();
        deleted.extend(page.deleted.clone());
        let more = page.more;
        host.commit(page);
        if !more {
            break;
        }
    }
    assert!(
        !deleted.contains(&id),
        "a move into a new folder is not a deletion"
    );
    assert_eq!(host.messages[&id].labels, std::slice::from_ref(&folder));
    assert_eq!(host.messages[&fresh[0]].labels, [folder]);
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
}

#[test]
fn outlook_max_messages_returns_the_newest() {
    let (world, mut host) = seeded(Provider::Microsoft, 300);
    let request = SyncRequest {
        cursor: None,
        folders: vec![],
        newer_than: None,
        max_messages: Some(50),
        page_size: Some(50),
        time_budget_seconds: None,
    };
    sync_request(&mut host, &world, &request);
    let newest: BTreeSet<String> = world
        .sandbox
        .message_ids(SandboxProvider::Microsoft)
        .into_iter()
        .take(50)
        .collect();
    assert_eq!(host.ids(), newest, "the 50 newest, nothing else");
    let asked = world.harness.policy().requests().len();
    assert!(asked < 40, "{asked} requests for 50 messages");

    // What arrives later comes as usual.
    let new = world.sandbox.deliver(SandboxProvider::Microsoft, 2);
    host.sync_all(&world, 50);
    assert!(new.iter().all(|id| host.messages.contains_key(id)));
}

#[test]
fn outlook_newer_than_loses_nothing_beyond_the_filtered_delta_cap() {
    let world = World::new();
    world.sandbox.seed_mailbox(
        SandboxProvider::Microsoft,
        &MailboxSpec {
            messages: 10_500,
            seed: 7,
            ..MailboxSpec::default()
        },
    );
    let (app, account) = world.connect(Provider::Microsoft);
    let mut host = Host::new(app, account);
    let inbox = world.sandbox.folder_id("inbox");
    let in_inbox: BTreeSet<String> = world
        .sandbox
        .message_ids(SandboxProvider::Microsoft)
        .into_iter()
        .filter(|id| {
            world
                .sandbox
                .state_of(SandboxProvider::Microsoft, id)
                .is_some_and(|s| s.labels == [inbox.clone()])
        })
        .collect();
    assert!(in_inbox.len() > 5_000, "{} in the inbox", in_inbox.len());
    let request = SyncRequest {
        cursor: None,
        folders: vec!["inbox".into()],
        newer_than: Some(MailboxSpec::default().start),
        max_messages: None,
        page_size: Some(500),
        time_budget_seconds: None,
    };
    sync_request(&mut host, &world, &request);
    assert_eq!(host.ids(), in_inbox, "every inbox message, past 5,000");
}

#[test]
fn an_outlook_page_never_holds_more_than_its_page_size() {
    let (world, mut host) = seeded(Provider::Microsoft, 200);
    let pages = host.sync_all_pages(&world, 7);
    assert!(pages.len() > 5);
    for page in &pages {
        assert!(page.messages.len() <= 7, "{} messages", page.messages.len());
    }
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
}

#[test]
fn gmail_syncs_spam_when_asked_and_several_labels_without_listing_all_mail() {
    let (world, mut host) = seeded(Provider::Google, 300);
    let request = |folders: &[&str]| SyncRequest {
        cursor: None,
        folders: folders.iter().map(|f| f.to_string()).collect(),
        newer_than: None,
        max_messages: None,
        page_size: Some(40),
        time_budget_seconds: None,
    };
    sync_request(&mut host, &world, &request(&["SPAM"]));
    assert!(!host.messages.is_empty(), "spam is listed when asked for");
    assert!(
        host.messages
            .values()
            .all(|m| m.labels.iter().any(|l| l == "SPAM"))
    );

    let (app, account) = (host.app.clone(), host.account.clone());
    let mut host = Host::new(app, account);
    let before = world.harness.policy().requests().len();
    sync_request(&mut host, &world, &request(&["INBOX", "Label_1"]));
    let wanted: BTreeSet<String> = expected(&world, Provider::Google)
        .into_iter()
        .filter(|id| {
            world
                .sandbox
                .state_of(SandboxProvider::Google, id)
                .is_some_and(|s| s.labels.iter().any(|l| l == "INBOX" || l == "Label_1"))
        })
        .collect();
    assert_eq!(host.ids(), wanted);
    assert!(host.deliveries.values().all(|&n| n == 1), "none twice");
    let lists: Vec<String> = world.harness.policy().requests()[before..]
        .iter()
        .filter(|r| r.url.contains("/users/me/messages?"))
        .map(|r| r.url.clone())
        .collect();
    assert!(!lists.is_empty());
    assert!(
        lists.iter().all(|u| u.contains("labelIds=")),
        "every listing names a label: {lists:?}"
    );
}

#[test]
fn two_401s_in_a_row_are_retry_later_and_the_next_call_succeeds() {
    // Each path names a request made alone: Gmail's listing, Graph's folder hierarchy delta
    // (the first request of a round). The first 401 refreshes the tokens; the same request
    // refused again is a passing fault, not a refused grant.
    for (kind, path) in [
        (Provider::Google, "/messages?"),
        (Provider::Microsoft, "/mailFolders/delta"),
    ] {
        let (world, mut host) = seeded(kind, 40);
        match kind {
            Provider::Google => {
                let page = host.call(&world, 10).unwrap();
                host.commit(page);
            }
            Provider::Microsoft => {
                host.sync_all(&world, 10);
            }
        }
        world
            .sandbox
            .fail_next(Fault::status(sandbox_kind(kind), path, 401).times(2));
        let Err(error) = host.call(&world, 10) else {
            panic!("{kind:?}: two 401s in a row end the call");
        };
        assert!(
            matches!(error.component(), Some(Error::RetryLater(f)) if f.status == Some(401)),
            "{kind:?}: {error}"
        );
        let refreshed = error.account().cloned().expect("the refreshed account");
        host.account = refreshed;
        host.sync_all(&world, 10);
        assert_eq!(host.ids(), expected(&world, kind), "{kind:?}");
    }
}

#[test]
fn tokens_refreshed_before_a_failure_reach_the_host() {
    // The 429 answers a request the call makes after its first ones were refused with 401 and
    // the tokens refreshed: a message fetch, an attachment list.
    for (kind, path) in [
        (Provider::Google, "format=full"),
        (Provider::Microsoft, "/attachments"),
    ] {
        let (world, mut host) = seeded(kind, 40);
        let sandbox = &world.sandbox;
        sandbox.set_single_use_refresh(sandbox_kind(kind), true);
        let page = host.call(&world, 10).unwrap();
        host.commit(page);
        sandbox.expire_access_tokens(sandbox_kind(kind));
        sandbox.fail_next(Fault::status(sandbox_kind(kind), path, 429).retry_after(3));
        host.budget = Some(1);
        let Err(error) = host.call(&world, 10) else {
            panic!("{kind:?}: the 429 outlasts the time budget");
        };
        host.budget = None;
        assert!(
            matches!(error.component(), Some(Error::RetryLater(f)) if f.retry_after_seconds.is_some_and(|s| s <= 3)),
            "{kind:?}: {error}"
        );
        let fresh = error.account().cloned().expect("the refreshed account");
        assert_ne!(fresh.access_token, host.account.access_token);
        host.account = fresh;
        host.sync_all(&world, 10);
        assert_eq!(
            host.ids(),
            expected(&world, kind),
            "{kind:?}: no invalid_grant"
        );
    }
}

#[test]
fn a_refresh_refused_for_sign_in_or_consent_requires_reauthorization() {
    for refusal in [
        RefreshRefusal::InteractionRequired,
        RefreshRefusal::ConsentRequired,
    ] {
        let (world, mut host) = seeded(Provider::Microsoft, 10);
        world
            .sandbox
            .refuse_refresh(SandboxProvider::Microsoft, Some(refusal));
        world
            .sandbox
            .expire_access_tokens(SandboxProvider::Microsoft);
        let Err(error) = host.call(&world, 10) else {
            panic!("{refusal:?}: the refused refresh ends the call");
        };
        assert!(
            matches!(error.component(), Some(Error::ReauthorizationRequired(_))),
            "{refusal:?}: {error}"
        );
        host.cursor = None;
    }
}

#[test]
fn a_mailbox_without_rest_access_is_a_provider_error_not_a_dropped_folder() {
    let (world, mut host) = seeded(Provider::Microsoft, 20);
    host.sync_all(&world, 10);
    world.sandbox.set_rest_enabled(false);
    let Err(error) = host.call(&world, 10) else {
        panic!("a mailbox without REST access ends the call");
    };
    assert!(
        matches!(error.component(), Some(Error::Provider(f)) if f.code.as_deref() == Some("MailboxNotEnabledForRESTAPI")),
        "{error}"
    );
}

#[test]
fn a_message_that_leaves_a_new_folder_before_its_first_round_lists_it_is_not_kept() {
    // More folders than one call reads, so that a folder made later is read a call after the
    // move into it is seen in the folder the message left.
    let (world, mut host) = seeded(Provider::Microsoft, 40);
    let sandbox = &world.sandbox;
    for name in ["One", "Two", "Three", "Four"] {
        sandbox.create_folder(name, None);
    }
    host.sync_all(&world, 25);
    let inbox = sandbox.folder_id("inbox");
    let id = host
        .messages
        .values()
        .find(|m| m.labels == [inbox.clone()])
        .expect("a message in the inbox")
        .id
        .clone();

    let later = sandbox.create_folder("Later", None);
    sandbox.move_to(&id, &later);
    let page = host.call(&world, 25).expect("sync");
    assert!(page.more, "the new folder is read by a later call");
    let moved = page.messages.iter().find(|m| m.id == id);
    assert_eq!(
        moved.map(|m| m.labels.clone()),
        Some(vec![later.clone()]),
        "the move comes as an update"
    );
    host.commit(page);

    // Before the new folder's first round lists it, the message leaves for a folder deleted
    // at once (under Deleted Items: out of scope).
    let gone = sandbox.create_folder("Gone", None);
    sandbox.move_to(&id, &gone);
    sandbox.delete_folder(&gone);
    host.sync_all(&world, 25);
    host.sync_all(&world, 25);
    assert!(
        !host.messages.contains_key(&id),
        "the message left the scope"
    );
    assert_eq!(host.ids(), expected(&world, Provider::Microsoft));
}
