//! Managing a mailbox through the real component against the sandbox Gmail and Graph APIs:
//! folders and labels with counts, one message and one thread on demand, attachment bytes
//! within a bound (refused over it without downloading), read / star / label / move / archive /
//! trash / restore / delete in batches with one outcome per id, drafts, and each change seen
//! exactly once by the next incremental sync.

mod common;

use common::{KINDS, World};
use email_harness::CallError;
use email_harness::sandbox::{MailboxSpec, Provider as SandboxProvider};
use email_harness::types::{
    Account, App, AttachmentRequest, Error, FolderRole, MailboxAddress, Message, ModifyAction,
    ModifyRequest, Outgoing, Provider, SyncPage,
};
use std::collections::BTreeMap;

fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

/// A connected, seeded and fully synced mailbox.
struct Synced {
    app: App,
    account: Account,
    messages: BTreeMap<String, Message>,
    cursor: String,
}

impl Synced {
    fn new(world: &World, kind: Provider) -> Self {
        world.sandbox.seed_mailbox(
            sandbox_kind(kind),
            &MailboxSpec {
                messages: 120,
                seed: 11,
                ..MailboxSpec::default()
            },
        );
        let (app, account) = world.connect(kind);
        let mut synced = Self {
            app,
            account,
            messages: BTreeMap::new(),
            cursor: String::new(),
        };
        let pages = synced.sync(world, None);
        for page in pages {
            for message in page.messages {
                synced.messages.insert(message.id.clone(), message);
            }
        }
        synced
    }

    /// Every page from `cursor` (or from the start) until no more; the cursor moves on.
    fn sync(&mut self, world: &World, cursor: Option<String>) -> Vec<SyncPage> {
        let pages = world.sync_pages(&self.app, &self.account, cursor);
        if let Some(last) = pages.last() {
            self.cursor = last.cursor.clone();
        }
        pages
    }

    /// The pages of the next incremental sync.
    fn next(&mut self, world: &World) -> Vec<SyncPage> {
        let cursor = self.cursor.clone();
        self.sync(world, Some(cursor))
    }

    /// Received messages (not drafts, not sent by the account), oldest id first.
    fn received(&self) -> Vec<&Message> {
        self.messages
            .values()
            .filter(|m| !m.draft)
            .filter(|m| {
                m.from
                    .as_ref()
                    .is_some_and(|f| !f.address.eq_ignore_ascii_case(&self.account.email))
            })
            .collect()
    }

    fn modify(&self, world: &World, ids: &[&str], action: ModifyAction) -> Vec<Option<Error>> {
        world
            .harness
            .modify(
                &self.app,
                &self.account,
                &ModifyRequest {
                    ids: ids.iter().map(|s| (*s).to_owned()).collect(),
                    action,
                },
            )
            .expect("modify")
            .outcomes
            .into_iter()
            .map(|o| o.outcome.err())
            .collect()
    }
}

/// How often each id comes in `pages`, as a message, a deletion and a change.
#[derive(Default, Debug)]
struct Seen {
    messages: BTreeMap<String, Vec<Message>>,
    deleted: BTreeMap<String, usize>,
    changes: BTreeMap<String, Vec<email_harness::types::MessageChange>>,
}

fn seen(pages: Vec<SyncPage>) -> Seen {
    let mut seen = Seen::default();
    for page in pages {
        for message in page.messages {
            seen.messages
                .entry(message.id.clone())
                .or_default()
                .push(message);
        }
        for id in page.deleted {
            *seen.deleted.entry(id).or_default() += 1;
        }
        for change in page.changes {
            seen.changes
                .entry(change.id.clone())
                .or_default()
                .push(change);
        }
    }
    seen
}

#[test]
fn folders_and_labels_with_roles_and_counts() {
    let world = World::new();
    for kind in KINDS {
        let synced = Synced::new(&world, kind);
        let list = world
            .harness
            .list_folders(&synced.app, &synced.account)
            .unwrap();
        let role = |role: FolderRole| list.folders.iter().find(|f| f.role == role);
        let inbox = role(FolderRole::Inbox).expect("an inbox");
        for wanted in [
            FolderRole::Sent,
            FolderRole::Drafts,
            FolderRole::Trash,
            FolderRole::Junk,
        ] {
            assert!(
                role(wanted).is_some(),
                "{kind:?}: no {wanted:?} in {:?}",
                list.folders
            );
        }
        let in_inbox = synced
            .messages
            .values()
            .filter(|m| m.labels.contains(&inbox.id))
            .count() as u32;
        assert_eq!(inbox.total, Some(in_inbox), "{kind:?}");
        let unread_in_inbox = synced
            .messages
            .values()
            .filter(|m| m.labels.contains(&inbox.id) && m.unread)
            .count() as u32;
        assert_eq!(inbox.unread, Some(unread_in_inbox), "{kind:?}");
        assert!(
            list.folders.iter().any(|f| f.role == FolderRole::User),
            "{kind:?}"
        );
        // Parents come before their children, and every parent is in the list.
        for (i, folder) in list.folders.iter().enumerate() {
            if let Some(parent) = &folder.parent_id {
                let at = list.folders.iter().position(|f| &f.id == parent);
                assert!(at.is_some_and(|p| p < i), "{kind:?}: {folder:?}");
            }
        }
        if kind == Provider::Google {
            assert!(list.folders.iter().all(|f| f.id != "UNREAD"));
            assert_eq!(
                role(FolderRole::Starred).map(|f| f.id.as_str()),
                Some("STARRED")
            );
        }
    }
}

#[test]
fn one_message_and_a_whole_thread_on_demand() {
    let world = World::new();
    for kind in KINDS {
        let synced = Synced::new(&world, kind);
        let mut threads: BTreeMap<&str, Vec<&Message>> = BTreeMap::new();
        for message in synced.messages.values() {
            if let Some(thread) = message.thread_id.as_deref() {
                threads.entry(thread).or_default().push(message);
            }
        }
        let (thread_id, members) = threads
            .iter()
            .max_by_key(|(_, m)| m.len())
            .expect("threads");
        assert!(
            members.len() >= 2,
            "{kind:?}: the generated mailbox has threads"
        );
        let thread = world
            .harness
            .get_thread(&synced.app, &synced.account, thread_id)
            .unwrap();
        assert_eq!(&thread.id, thread_id);
        let ids: Vec<&str> = thread.messages.iter().map(|m| m.id.as_str()).collect();
        for member in members {
            assert!(
                ids.contains(&member.id.as_str()),
                "{kind:?}: {} missing",
                member.id
            );
        }
        let dates: Vec<i64> = thread
            .messages
            .iter()
            .map(|m| m.date.expect("dated"))
            .collect();
        assert!(
            dates.windows(2).all(|w| w[0] <= w[1]),
            "{kind:?}: oldest first: {dates:?}"
        );

        // One message in full: the same as synced, and (Outlook) with its threading headers.
        let reply = thread
            .messages
            .iter()
            .skip(1)
            .find(|m| synced.messages.contains_key(&m.id))
            .expect("a later message of the thread");
        let fetched = world
            .harness
            .get_message(&synced.app, &synced.account, &reply.id)
            .unwrap()
            .message;
        let stored = &synced.messages[&reply.id];
        assert_eq!(fetched.subject, stored.subject, "{kind:?}");
        assert_eq!(fetched.from, stored.from, "{kind:?}");
        assert_eq!(fetched.message_id, stored.message_id, "{kind:?}");
        assert!(
            fetched.in_reply_to.is_some(),
            "{kind:?}: In-Reply-To of a reply"
        );
        assert!(
            !fetched.references.is_empty(),
            "{kind:?}: References of a reply"
        );

        let missing = world
            .harness
            .get_message(&synced.app, &synced.account, "AAAAnothere")
            .unwrap_err();
        assert!(
            matches!(&missing, CallError::Component { error: Error::InvalidInput(f), .. } if f.field == "id"),
            "{kind:?}: {missing:?}"
        );
    }
}

#[test]
fn attachments_come_within_the_hosts_limit_and_not_over_it() {
    let world = World::new();
    for kind in KINDS {
        let synced = Synced::new(&world, kind);
        let (message, file) = synced
            .messages
            .values()
            .find_map(|m| {
                m.attachments
                    .iter()
                    .find(|a| !a.inline && a.size > 100)
                    .map(|a| (m, a))
            })
            .expect("a message with a file");
        let mut request = AttachmentRequest {
            message_id: message.id.clone(),
            attachment_id: file.id.clone(),
            max_bytes: file.size + 1024,
        };
        let data = world
            .harness
            .get_attachment(&synced.app, &synced.account, &request)
            .unwrap();
        assert_eq!(data.mime_type, file.mime_type, "{kind:?}");
        assert_eq!(data.filename, file.filename, "{kind:?}");
        let close =
            (data.content.len() as i64 - file.size as i64).abs() <= (file.size as i64 / 3) + 4;
        assert!(
            !data.content.is_empty() && close,
            "{kind:?}: {} bytes for a {}-byte file",
            data.content.len(),
            file.size
        );

        let before = world.sandbox.received().len();
        request.max_bytes = 10;
        let refused = world
            .harness
            .get_attachment(&synced.app, &synced.account, &request)
            .unwrap_err();
        assert!(
            matches!(&refused, CallError::Component { error: Error::InvalidInput(f), .. } if f.field == "max-bytes"),
            "{kind:?}: {refused:?}"
        );
        let downloads = world.sandbox.received()[before..]
            .iter()
            .filter(|r| {
                r.path.contains("/attachments/")
                    && (r.path.ends_with("$value") || kind == Provider::Google)
            })
            .count();
        assert_eq!(downloads, 0, "{kind:?}: the bytes were fetched");
    }
}

#[test]
fn every_change_comes_once_in_the_next_sync() {
    let world = World::new();
    for kind in KINDS {
        let mut synced = Synced::new(&world, kind);
        let inbox: Vec<&Message> = synced
            .received()
            .into_iter()
            .filter(|m| {
                let inbox_tag = match kind {
                    Provider::Google => "INBOX".to_owned(),
                    Provider::Microsoft => world.sandbox.folder_id("inbox"),
                };
                m.labels.contains(&inbox_tag)
            })
            .collect();
        let unread: Vec<String> = inbox
            .iter()
            .filter(|m| m.unread)
            .map(|m| m.id.clone())
            .collect();
        let read: Vec<String> = inbox
            .iter()
            .filter(|m| !m.unread && !m.starred)
            .map(|m| m.id.clone())
            .collect();
        assert!(
            unread.len() >= 3 && read.len() >= 4,
            "{kind:?}: enough inbox mail"
        );
        let (a, b) = (&unread[0], &unread[1]);
        let (star, archive, trash, restore) = (&read[0], &read[1], &read[2], &read[3]);

        // A batch with a bad id: the others are changed, the bad one says why.
        let bad = match kind {
            Provider::Google => "18c0ffee00000001",
            Provider::Microsoft => "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0Anosuchmessage",
        };
        let outcomes = synced.modify(&world, &[a, bad, b], ModifyAction::MarkRead);
        assert!(
            outcomes[0].is_none() && outcomes[2].is_none(),
            "{kind:?}: {outcomes:?}"
        );
        assert!(outcomes[1].is_some(), "{kind:?}: the bad id must fail");
        assert!(synced.modify(&world, &[star], ModifyAction::Star)[0].is_none());
        assert!(synced.modify(&world, &[archive], ModifyAction::Archive)[0].is_none());
        assert!(
            synced
                .modify(&world, &[trash, restore], ModifyAction::Trash)
                .iter()
                .all(Option::is_none)
        );
        let seen1 = seen(synced.next(&world));
        match kind {
            Provider::Google => {
                for id in [a, b] {
                    let changes = &seen1.changes[id];
                    assert_eq!(changes.len(), 1, "{id}: {changes:?}");
                    assert_eq!(changes[0].unread, Some(false));
                }
                assert_eq!(seen1.changes[star][0].starred, Some(true));
                assert_eq!(seen1.changes[archive][0].labels_removed, ["INBOX"]);
                for id in [a, b, star, archive] {
                    assert!(
                        !seen1.messages.contains_key(id),
                        "{id} came as a new message"
                    );
                }
            }
            Provider::Microsoft => {
                // Delta gives the changed message with its state now: one upsert per change.
                for id in [a, b] {
                    assert_eq!(seen1.messages[id].len(), 1, "{id}");
                    assert!(!seen1.messages[id][0].unread);
                }
                assert!(seen1.messages[star][0].starred);
                assert_eq!(seen1.messages[archive].len(), 1);
                assert_eq!(
                    seen1.messages[archive][0].labels,
                    [world.sandbox.folder_id("archive")]
                );
            }
        }
        for id in [trash, restore] {
            assert_eq!(
                seen1.deleted.get(id),
                Some(&1),
                "{kind:?}: {id} trashed: {seen1:?}"
            );
        }

        // Restore one from the trash: it comes back as a message, once.
        assert!(synced.modify(&world, &[restore], ModifyAction::Restore)[0].is_none());
        let seen2 = seen(synced.next(&world));
        assert_eq!(
            seen2.messages.get(restore).map(Vec::len),
            Some(1),
            "{kind:?}"
        );
        assert!(
            seen2.deleted.is_empty() && seen2.changes.is_empty(),
            "{kind:?}: {seen2:?}"
        );

        // Delete for good: Gmail needs the full mail scope, which the default app lacks.
        let outcome = synced.modify(&world, &[restore], ModifyAction::DeleteForever);
        match kind {
            Provider::Google => {
                let failure = outcome[0]
                    .as_ref()
                    .expect("gmail.modify cannot delete for good");
                assert!(
                    matches!(failure, Error::Provider(p) if p.status == Some(403)),
                    "{failure:?}"
                );
            }
            Provider::Microsoft => {
                assert!(outcome[0].is_none(), "{outcome:?}");
                let seen3 = seen(synced.next(&world));
                assert_eq!(seen3.deleted.get(restore), Some(&1));
            }
        }
    }
}

#[test]
fn gmail_labels_go_on_and_off() {
    let world = World::new();
    let mut synced = Synced::new(&world, Provider::Google);
    let folders = world
        .harness
        .list_folders(&synced.app, &synced.account)
        .unwrap();
    let label = folders
        .folders
        .iter()
        .find(|f| f.role == FolderRole::User)
        .expect("a user label")
        .id
        .clone();
    let target = synced
        .received()
        .into_iter()
        .find(|m| !m.labels.contains(&label) && m.labels.iter().any(|l| l == "INBOX"))
        .unwrap()
        .id
        .clone();
    assert!(
        synced.modify(
            &world,
            &[&target],
            ModifyAction::AddLabels(vec![label.clone()])
        )[0]
        .is_none()
    );
    let seen1 = seen(synced.next(&world));
    assert_eq!(seen1.changes[&target].len(), 1);
    assert_eq!(
        seen1.changes[&target][0].labels_added,
        std::slice::from_ref(&label)
    );
    assert!(
        synced.modify(
            &world,
            &[&target],
            ModifyAction::RemoveLabels(vec![label.clone()])
        )[0]
        .is_none()
    );
    let seen2 = seen(synced.next(&world));
    assert_eq!(seen2.changes[&target][0].labels_removed, [label]);

    let outlook = World::new();
    let synced = Synced::new(&outlook, Provider::Microsoft);
    let id = synced.messages.keys().next().unwrap().clone();
    let refused = outlook.harness.modify(
        &synced.app,
        &synced.account,
        &ModifyRequest {
            ids: vec![id],
            action: ModifyAction::AddLabels(vec!["x".into()]),
        },
    );
    assert!(matches!(
        refused,
        Err(CallError::Component {
            error: Error::Unsupported(ref why),
            ..
        }) if why.feature == "add-labels"
    ));
}

#[test]
fn drafts_save_update_send_and_delete() {
    let world = World::new();
    for kind in KINDS {
        let mut synced = Synced::new(&world, kind);
        let outgoing = |subject: &str| Outgoing {
            from: None,
            to: vec![MailboxAddress {
                name: Some("Bob".into()),
                address: "bob@example.com".into(),
            }],
            cc: vec![],
            bcc: vec![],
            reply_to: vec![],
            subject: subject.to_owned(),
            text_body: Some(format!("{subject}: body")),
            html_body: None,
            attachments: vec![],
            original: None,
        };
        let first = world
            .harness
            .save_draft(
                &synced.app,
                &synced.account,
                None,
                &outgoing("Brouillon v1"),
            )
            .unwrap();
        let seen1 = seen(synced.next(&world));
        let draft = seen1
            .messages
            .get(&first.message_id)
            .map(|m| &m[0])
            .expect("the draft syncs");
        assert!(draft.draft, "{kind:?}");
        assert_eq!(draft.subject.as_deref(), Some("Brouillon v1"));

        let second = world
            .harness
            .save_draft(
                &synced.app,
                &synced.account,
                Some(&first.id),
                &outgoing("Brouillon v2"),
            )
            .unwrap();
        assert_eq!(second.id, first.id, "{kind:?}: the draft keeps its id");
        let seen2 = seen(synced.next(&world));
        let updated = &seen2.messages[&second.message_id][0];
        assert_eq!(updated.subject.as_deref(), Some("Brouillon v2"), "{kind:?}");
        if second.message_id != first.message_id {
            assert_eq!(seen2.deleted.get(&first.message_id), Some(&1), "{kind:?}");
        }

        let sent = world
            .harness
            .send_draft(&synced.app, &synced.account, &second.id)
            .unwrap();
        let out = world.sandbox.sent(sandbox_kind(kind)).pop().expect("sent");
        assert_eq!(out.subject.as_deref(), Some("Brouillon v2"));
        assert_eq!(out.id, sent.id, "{kind:?}");
        let seen3 = seen(synced.next(&world));
        let delivered = seen3
            .messages
            .get(&sent.id)
            .map(|m| &m[0])
            .expect("the sent message syncs");
        assert!(!delivered.draft, "{kind:?}");

        let other = world
            .harness
            .save_draft(&synced.app, &synced.account, None, &outgoing("À jeter"))
            .unwrap();
        world
            .harness
            .delete_draft(&synced.app, &synced.account, &other.id)
            .unwrap();
        let gone = world
            .harness
            .send_draft(&synced.app, &synced.account, &other.id)
            .unwrap_err();
        assert!(
            matches!(&gone, CallError::Component { error: Error::InvalidInput(f), .. } if f.field == "draft-id"),
            "{kind:?}: {gone:?}"
        );
    }
}
