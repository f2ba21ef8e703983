//! Saving drafts through the real component against the sandbox Gmail and Graph APIs: an
//! Outlook draft saved again keeps the files that did not change (matched by name, type and
//! bytes: Graph's `size` is the attachment item's, not the file's) and replaces only those that
//! did; a Gmail draft too big for JSON goes through the drafts media upload, in its thread.

mod common;

use common::{World, sandbox_kind};
use email_harness::sandbox::MailboxSpec;
use email_harness::types::{
    Account, App, Attachment, AttachmentRequest, MailboxAddress, Outgoing, Provider, Reference,
    ReplyMode, SavedDraft,
};

fn file(name: &str, mime: &str, len: usize, seed: u8) -> Attachment {
    Attachment {
        filename: name.to_owned(),
        mime_type: mime.to_owned(),
        content: (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
            .collect(),
        content_id: None,
    }
}

fn draft(subject: &str, attachments: Vec<Attachment>) -> Outgoing {
    Outgoing {
        from: None,
        to: vec![MailboxAddress {
            name: None,
            address: "bob@example.com".to_owned(),
        }],
        cc: vec![],
        bcc: vec![],
        reply_to: vec![],
        subject: subject.to_owned(),
        text_body: Some("Draft text".to_owned()),
        html_body: None,
        attachments,
        original: None,
    }
}

/// Saves `message` (over `id`, when given).
fn save(
    world: &World,
    app: &App,
    account: &Account,
    id: Option<&str>,
    message: &Outgoing,
) -> SavedDraft {
    world
        .harness
        .save_draft(app, account, id.map(str::to_owned).as_deref(), message)
        .expect("the draft saves")
}

/// Each file of message `id` by name, with its bytes (through `get-attachment`).
fn files_of(world: &World, app: &App, account: &Account, id: &str) -> Vec<(String, Vec<u8>)> {
    let fetched = world.harness.get_message(app, account, id).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = fetched
        .message
        .attachments
        .iter()
        .map(|a| {
            let data = world
                .harness
                .get_attachment(
                    app,
                    account,
                    &AttachmentRequest {
                        message_id: id.to_owned(),
                        attachment_id: a.id.clone(),
                        max_bytes: 100_000_000,
                    },
                )
                .unwrap();
            (a.filename.clone().unwrap_or_default(), data.content)
        })
        .collect();
    files.sort();
    files
}

/// What the sandbox received after the first `from` requests, as `METHOD path` lines.
fn received_since(world: &World, from: usize) -> Vec<String> {
    world.sandbox.received()[from..]
        .iter()
        .map(|r| format!("{} {}{}", r.method, r.host, r.path))
        .collect()
}

/// A small file (posted whole) and a big one (an upload session).
fn two_files() -> (Attachment, Attachment) {
    (
        file("notes.pdf", "application/pdf", 50_000, 1),
        file("scan.png", "image/png", 3_500_000, 2),
    )
}

#[test]
fn outlook_drafts_keep_the_files_that_did_not_change() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    let (small, big) = two_files();
    let first = save(
        &world,
        &app,
        &account,
        None,
        &draft("v1", vec![small.clone(), big.clone()]),
    );

    let before = world.sandbox.received().len();
    let second = save(
        &world,
        &app,
        &account,
        Some(&first.id),
        &draft("v2", vec![small.clone(), big.clone()]),
    );
    assert_eq!(second.id, first.id);
    let requests = received_since(&world, before);
    assert!(
        !requests
            .iter()
            .any(|r| r.contains("/attachments") && !r.starts_with("GET ")),
        "unchanged files were sent again or deleted: {requests:#?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("outlook.office")),
        "{requests:#?}"
    );
    let expected = vec![
        (small.filename.clone(), small.content.clone()),
        (big.filename.clone(), big.content.clone()),
    ];
    assert_eq!(files_of(&world, &app, &account, &second.id), expected);
}

#[test]
fn outlook_drafts_replace_only_the_file_that_changed() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    let (small, big) = two_files();
    let first = save(
        &world,
        &app,
        &account,
        None,
        &draft("v1", vec![small.clone(), big.clone()]),
    );
    // Same name and type, other bytes.
    let changed = file("scan.png", "image/png", 3_500_000, 3);
    let before = world.sandbox.received().len();
    let second = save(
        &world,
        &app,
        &account,
        Some(&first.id),
        &draft("v2", vec![small.clone(), changed.clone()]),
    );
    let requests = received_since(&world, before);
    let deletes = requests
        .iter()
        .filter(|r| r.starts_with("DELETE ") && r.contains("/attachments/"))
        .count();
    let sessions = requests
        .iter()
        .filter(|r| r.ends_with("/createUploadSession"))
        .count();
    let posts = requests
        .iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/attachments"))
        .count();
    assert_eq!((deletes, sessions, posts), (1, 1, 0), "{requests:#?}");
    let expected = vec![
        (small.filename.clone(), small.content.clone()),
        (changed.filename.clone(), changed.content.clone()),
    ];
    assert_eq!(files_of(&world, &app, &account, &second.id), expected);
}

#[test]
fn gmail_drafts_too_big_for_json_go_through_the_drafts_upload() {
    let world = World::new();
    let kind = Provider::Google;
    world
        .sandbox
        .seed_mailbox(sandbox_kind(kind), &MailboxSpec::default());
    let (app, account) = world.connect(kind);
    let big = file("big.bin", "application/octet-stream", 5 * 1024 * 1024, 4);

    // A new draft: media upload, then an update over it.
    let first = save(
        &world,
        &app,
        &account,
        None,
        &draft("Big draft", vec![big.clone()]),
    );
    let second = save(
        &world,
        &app,
        &account,
        Some(&first.id),
        &draft("Big draft, v2", vec![big.clone()]),
    );
    assert_eq!(second.id, first.id, "the draft keeps its id");
    let uploads: Vec<(String, String)> = world
        .harness
        .policy()
        .requests()
        .into_iter()
        .filter(|r| r.url.contains("/upload/gmail/v1/users/me/drafts"))
        .map(|r| (r.method, r.url))
        .collect();
    assert_eq!(uploads.len(), 2, "{uploads:#?}");
    assert_eq!(uploads[0].0, "POST");
    assert!(
        uploads[0].1.ends_with("/drafts?uploadType=media"),
        "{uploads:#?}"
    );
    assert_eq!(uploads[1].0, "PUT");
    assert!(
        uploads[1]
            .1
            .ends_with(&format!("/drafts/{}?uploadType=media", first.id)),
        "{uploads:#?}"
    );
    assert_eq!(
        files_of(&world, &app, &account, &second.message_id),
        [(big.filename.clone(), big.content.clone())]
    );

    // A reply draft: a multipart upload whose metadata names the thread.
    let messages: Vec<_> = world
        .sync_pages(&app, &account, None)
        .into_iter()
        .flat_map(|p| p.messages)
        .collect();
    let original = messages
        .iter()
        .find(|m| {
            !m.draft
                && m.from
                    .as_ref()
                    .is_some_and(|f| !f.address.eq_ignore_ascii_case(&account.email))
        })
        .expect("a received message");
    let reply = Outgoing {
        original: Some(Reference {
            message_id: original.id.clone(),
            mode: ReplyMode::Reply,
        }),
        to: vec![],
        ..draft("", vec![big.clone()])
    };
    let saved = save(&world, &app, &account, None, &reply);
    assert_eq!(saved.thread_id, original.thread_id);
    assert!(
        world
            .harness
            .policy()
            .requests()
            .iter()
            .any(|r| r.url.ends_with("/drafts?uploadType=multipart")),
    );
    let sent = world.harness.send_draft(&app, &account, &saved.id).unwrap();
    assert_eq!(sent.thread_id, original.thread_id);
    let delivered = world.sandbox.sent(sandbox_kind(kind)).pop().unwrap();
    assert_eq!(delivered.attachments.len(), 1);
    assert!(delivered.attachments[0].content == big.content);
}
