//! Sending through the real component against the sandbox Gmail and Graph APIs. The sandbox
//! reads what it was sent with its own MIME parser (mailparse); the tests compare headers,
//! bodies and attachment bytes with what the host asked to send: plain, HTML, non-ASCII
//! everywhere, inline images, 10 MB attachments (upload paths), reply, reply all and forward
//! (and the reply in the original's thread at the next sync), aliases, limits (Outlook's 35 MB
//! as encoded, Graph's 4 MB request), one prefix on an answer's subject, a note to self answered
//! to self, a forward's text in canonical CRLF, and header injection refused before anything is
//! sent.

mod common;

use common::{KINDS, World, sandbox_kind};
use email_harness::CallError;
use email_harness::sandbox::{MailboxSpec, Provider as SandboxProvider, SendRoute, SentMessage};
use email_harness::types::{
    Account, App, Attachment, Error, MailboxAddress, Message, Outgoing, Provider, Reference,
    ReplyMode,
};

fn who(name: Option<&str>, address: &str) -> MailboxAddress {
    MailboxAddress {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

fn file(name: &str, mime: &str, content: Vec<u8>, cid: Option<&str>) -> Attachment {
    Attachment {
        filename: name.to_owned(),
        mime_type: mime.to_owned(),
        content,
        content_id: cid.map(str::to_owned),
    }
}

/// Bytes that are not text and not all alike.
fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

fn message(to: Vec<MailboxAddress>, subject: &str, text: Option<&str>) -> Outgoing {
    Outgoing {
        from: None,
        to,
        cc: vec![],
        bcc: vec![],
        reply_to: vec![],
        subject: subject.to_owned(),
        text_body: text.map(str::to_owned),
        html_body: None,
        attachments: vec![],
        original: None,
    }
}

fn addresses(list: &[email_harness::sandbox::SentAddress]) -> Vec<String> {
    list.iter()
        .map(|a| a.address.to_ascii_lowercase())
        .collect()
}

/// The last message the sandbox sent for `kind`.
fn last_sent(world: &World, kind: Provider) -> SentMessage {
    world
        .sandbox
        .sent(sandbox_kind(kind))
        .pop()
        .expect("the sandbox sent a message")
}

/// Every message a full sync (or the rest of an incremental one) returns, and the cursor after.
fn sync_all(
    world: &World,
    app: &App,
    account: &Account,
    cursor: Option<String>,
) -> (Vec<Message>, String) {
    let pages = world.sync_pages(app, account, cursor);
    let cursor = pages.last().map(|p| p.cursor.clone()).unwrap_or_default();
    (pages.into_iter().flat_map(|p| p.messages).collect(), cursor)
}

fn invalid_field(result: Result<email_harness::types::Sent, CallError>) -> String {
    match result {
        Err(CallError::Component {
            error: Error::InvalidInput(field),
            ..
        }) => field.field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn html_with_inline_image_and_non_ascii_everywhere() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let logo = file(
            "logo ✓.png",
            "image/png",
            bytes(2048, 1),
            Some("logo@example.com"),
        );
        let report = file(
            "Résumé — 会議 2026.pdf",
            "application/pdf",
            bytes(40_000, 2),
            None,
        );
        let outgoing = Outgoing {
            to: vec![who(Some("Émile Zoë"), "emile@example.com")],
            cc: vec![who(Some("山田 太郎"), "taro@example.jp")],
            bcc: vec![who(None, "hidden@example.com")],
            reply_to: vec![who(Some("Équipe"), "team@example.com")],
            html_body: Some(
                "<p>Voilà le compte rendu ✓ <img src=\"cid:logo@example.com\"></p>".to_owned(),
            ),
            attachments: vec![logo.clone(), report.clone()],
            ..message(
                vec![],
                "Déjà vu — 会議のお知らせ",
                Some("Voilà le compte rendu ✓"),
            )
        };
        let sent = world.harness.send(&app, &account, &outgoing).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(got.id, sent.id, "{kind:?}");
        assert_eq!(Some(got.thread_id.clone()), sent.thread_id, "{kind:?}");
        assert_eq!(
            got.subject.as_deref(),
            Some("Déjà vu — 会議のお知らせ"),
            "{kind:?}"
        );
        assert_eq!(
            got.from.as_ref().map(|f| f.address.to_ascii_lowercase()),
            Some(account.email.to_ascii_lowercase()),
            "{kind:?}"
        );
        assert_eq!(got.to[0].name.as_deref(), Some("Émile Zoë"), "{kind:?}");
        assert_eq!(got.cc[0].name.as_deref(), Some("山田 太郎"), "{kind:?}");
        assert_eq!(addresses(&got.bcc), ["hidden@example.com"], "{kind:?}");
        assert_eq!(got.reply_to[0].name.as_deref(), Some("Équipe"), "{kind:?}");
        let html = got.html_body.as_deref().unwrap_or_default();
        assert!(html.contains("Voilà le compte rendu ✓"), "{kind:?}: {html}");
        assert!(html.contains("cid:logo@example.com"), "{kind:?}: {html}");
        assert!(
            got.structure.iter().any(|t| t == "multipart/related"),
            "{kind:?}: {:?}",
            got.structure
        );
        let inline = got
            .attachments
            .iter()
            .find(|a| a.content_id.as_deref() == Some("logo@example.com"))
            .expect("the inline image");
        assert!(inline.inline, "{kind:?}");
        assert_eq!(inline.content, logo.content, "{kind:?}");
        let pdf = got
            .attachments
            .iter()
            .find(|a| a.filename.as_deref() == Some(report.filename.as_str()))
            .expect("the PDF, its non-ASCII name intact");
        assert_eq!(pdf.mime_type, "application/pdf");
        assert_eq!(pdf.content, report.content, "{kind:?}");
        if kind == Provider::Google {
            assert_eq!(got.route, SendRoute::GmailJson);
            assert_eq!(got.text_body.as_deref(), Some("Voilà le compte rendu ✓"));
            assert!(
                got.message_id
                    .as_deref()
                    .is_some_and(|id| id.ends_with("@example.com"))
            );
            assert!(got.date.is_some());
        }
    }
}

#[test]
fn plain_text_goes_as_a_single_part() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let outgoing = message(
            vec![who(None, "bob@example.com")],
            "Plain",
            Some("Line one\nLine two — ünïcödé"),
        );
        world.harness.send(&app, &account, &outgoing).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(got.subject.as_deref(), Some("Plain"));
        let text = got.text_body.unwrap_or_default().replace("\r\n", "\n");
        assert_eq!(text.trim_end(), "Line one\nLine two — ünïcödé", "{kind:?}");
        assert!(got.html_body.is_none(), "{kind:?}");
        assert!(got.attachments.is_empty(), "{kind:?}");
        if kind == Provider::Google {
            assert_eq!(got.structure, ["text/plain"]);
        }
    }
}

#[test]
fn ten_megabyte_attachments_take_the_upload_paths() {
    let world = World::new();
    let big = file("scan.tiff", "image/tiff", bytes(10 * 1024 * 1024, 7), None);
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let outgoing = Outgoing {
            attachments: vec![big.clone()],
            ..message(
                vec![who(None, "bob@example.com")],
                "Scan",
                Some("Attached."),
            )
        };
        world.harness.send(&app, &account, &outgoing).unwrap();
        let got = last_sent(&world, kind);
        let [attachment] = &got.attachments[..] else {
            panic!(
                "{kind:?}: one attachment expected, got {}",
                got.attachments.len()
            )
        };
        assert_eq!(attachment.content.len(), big.content.len(), "{kind:?}");
        assert!(
            attachment.content == big.content,
            "{kind:?}: the bytes differ"
        );
        match kind {
            Provider::Google => assert_eq!(got.route, SendRoute::GmailMediaUpload),
            Provider::Microsoft => {
                assert!(attachment.chunks.len() >= 3, "{:?}", attachment.chunks);
                assert!(attachment.chunks.iter().all(|&c| c <= 4 * 1024 * 1024));
                assert_eq!(
                    attachment.chunks.iter().sum::<u64>(),
                    big.content.len() as u64
                );
            }
        }
    }
    let uploads: Vec<_> = world
        .sandbox
        .received()
        .into_iter()
        .filter(|r| r.host == "outlook.office.com")
        .collect();
    assert!(uploads.len() >= 3);
    assert!(
        uploads.iter().all(|r| !r.has_bearer),
        "a token went to the upload host"
    );
}

#[test]
fn a_big_reply_goes_through_the_multipart_upload_in_its_thread() {
    let world = World::new();
    let kind = Provider::Google;
    world
        .sandbox
        .seed_mailbox(sandbox_kind(kind), &MailboxSpec::default());
    let (app, account) = world.connect(kind);
    let (messages, _) = sync_all(&world, &app, &account, None);
    let original = inbox_original(&messages, &account, |_| true);
    let outgoing = Outgoing {
        attachments: vec![file(
            "big.bin",
            "application/octet-stream",
            bytes(5 * 1024 * 1024, 3),
            None,
        )],
        original: Some(Reference {
            message_id: original.id.clone(),
            mode: ReplyMode::Reply,
        }),
        ..message(vec![], "", Some("See attached."))
    };
    let sent = world.harness.send(&app, &account, &outgoing).unwrap();
    let got = last_sent(&world, kind);
    assert_eq!(got.route, SendRoute::GmailMultipartUpload);
    assert_eq!(sent.thread_id, original.thread_id);
}

/// A received message in the inbox, from someone else, that `pick` accepts.
fn inbox_original<'a>(
    messages: &'a [Message],
    account: &Account,
    pick: impl Fn(&Message) -> bool,
) -> &'a Message {
    messages
        .iter()
        .filter(|m| !m.draft && m.message_id.is_some())
        .filter(|m| {
            m.from
                .as_ref()
                .is_some_and(|f| !f.address.eq_ignore_ascii_case(&account.email))
        })
        .find(|m| pick(m))
        .unwrap_or_else(|| {
            panic!(
                "none of the {} synced messages of {} fits; first: {:?}",
                messages.len(),
                account.email,
                messages.first()
            )
        })
}

#[test]
fn reply_reply_all_and_forward_hold_the_thread() {
    let world = World::new();
    for kind in KINDS {
        world
            .sandbox
            .seed_mailbox(sandbox_kind(kind), &MailboxSpec::default());
        let (app, account) = world.connect(kind);
        let (messages, cursor) = sync_all(&world, &app, &account, None);
        let own = account.email.to_ascii_lowercase();

        // Reply: to the sender, "Re:" once, threading headers, the original quoted below.
        let original = inbox_original(&messages, &account, |m| m.snippet.is_some());
        let reply = Outgoing {
            original: Some(Reference {
                message_id: original.id.clone(),
                mode: ReplyMode::Reply,
            }),
            ..message(vec![], "", Some("Sounds good — merci !"))
        };
        let sent = world.harness.send(&app, &account, &reply).unwrap();
        let got = last_sent(&world, kind);
        let expected_to = original
            .reply_to
            .first()
            .or(original.from.as_ref())
            .map(|a| a.address.to_ascii_lowercase())
            .unwrap();
        assert_eq!(addresses(&got.to), [expected_to], "{kind:?}");
        let subject = got.subject.clone().unwrap_or_default();
        assert!(
            subject.to_ascii_lowercase().starts_with("re: "),
            "{kind:?}: {subject}"
        );
        assert_eq!(
            subject.to_ascii_lowercase().matches("re:").count(),
            1,
            "{kind:?}: {subject}"
        );
        assert_eq!(got.in_reply_to, original.message_id, "{kind:?}");
        assert_eq!(
            got.references.last(),
            original.message_id.as_ref(),
            "{kind:?}"
        );
        let body = got
            .html_body
            .clone()
            .or(got.text_body.clone())
            .unwrap_or_default();
        let new_at = body.find("Sounds good — merci !").expect("the new text");
        // The first three words of the original, as they stand in its text and its HTML.
        let words: Vec<&str> = original
            .snippet
            .as_deref()
            .unwrap()
            .split_whitespace()
            .take(3)
            .collect();
        let quote_at = body.find(&words.join(" "));
        assert!(
            quote_at.is_some_and(|q| q > new_at),
            "{kind:?}: the original is quoted below:\n{body}"
        );
        assert_eq!(sent.thread_id, original.thread_id, "{kind:?}");

        // The next sync brings the reply, in the original's thread.
        let (changes, _) = sync_all(&world, &app, &account, Some(cursor));
        let synced = changes
            .iter()
            .find(|m| m.id == sent.id)
            .expect("the reply syncs");
        assert_eq!(synced.thread_id, original.thread_id, "{kind:?}");
        assert!(!synced.draft, "{kind:?}");

        // Reply all: sender and recipients, without the account, without duplicates.
        let wide = inbox_original(&messages, &account, |m| m.to.len() + m.cc.len() >= 2);
        let all = Outgoing {
            original: Some(Reference {
                message_id: wide.id.clone(),
                mode: ReplyMode::ReplyAll,
            }),
            ..message(vec![], "", Some("Adding everyone."))
        };
        world.harness.send(&app, &account, &all).unwrap();
        let got = last_sent(&world, kind);
        let mut everyone: Vec<String> = addresses(&got.to);
        everyone.extend(addresses(&got.cc));
        assert!(!everyone.contains(&own), "{kind:?}: {everyone:?}");
        let mut unique = everyone.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), everyone.len(), "{kind:?}: {everyone:?}");
        let mut expected: Vec<String> = wide
            .reply_to
            .iter()
            .chain(wide.from.iter().filter(|_| wide.reply_to.is_empty()))
            .chain(&wide.to)
            .chain(&wide.cc)
            .map(|a| a.address.to_ascii_lowercase())
            .filter(|a| a != &own)
            .collect();
        expected.sort();
        expected.dedup();
        assert_eq!(unique, expected, "{kind:?}");

        // Forward: the original's files come along, byte for byte in size and name.
        let with_files = inbox_original(&messages, &account, |m| {
            m.attachments.iter().any(|a| !a.inline)
        });
        let forward = Outgoing {
            original: Some(Reference {
                message_id: with_files.id.clone(),
                mode: ReplyMode::Forward,
            }),
            ..message(
                vec![who(Some("Frank"), "frank@example.com")],
                "",
                Some("FYI"),
            )
        };
        world.harness.send(&app, &account, &forward).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(addresses(&got.to), ["frank@example.com"], "{kind:?}");
        let subject = got.subject.clone().unwrap_or_default().to_ascii_lowercase();
        assert!(
            subject.starts_with("fwd: ") || subject.starts_with("fw: "),
            "{kind:?}: {subject}"
        );
        for expected in with_files.attachments.iter().filter(|a| !a.inline) {
            let carried = got
                .attachments
                .iter()
                .find(|a| a.filename == expected.filename)
                .unwrap_or_else(|| panic!("{kind:?}: {:?} not carried", expected.filename));
            assert_eq!(carried.mime_type, expected.mime_type, "{kind:?}");
            assert!(!carried.content.is_empty(), "{kind:?}");
        }
    }
}

#[test]
fn header_injection_is_refused_and_nothing_is_sent() {
    let world = World::new();
    let evil = "x\r\nBcc: eve@evil.example";
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let base = message(vec![who(None, "bob@example.com")], "Hi", Some("Hello"));
        let cases: Vec<(&str, Outgoing)> = vec![
            (
                "subject",
                Outgoing {
                    subject: evil.into(),
                    ..base.clone()
                },
            ),
            (
                "to[0].name",
                Outgoing {
                    to: vec![who(Some(evil), "bob@example.com")],
                    ..base.clone()
                },
            ),
            (
                "to[0].address",
                Outgoing {
                    to: vec![who(None, &format!("bob@example.com{evil}"))],
                    ..base.clone()
                },
            ),
            (
                "cc[0].name",
                Outgoing {
                    cc: vec![who(Some(evil), "c@example.com")],
                    ..base.clone()
                },
            ),
            (
                "bcc[0].address",
                Outgoing {
                    bcc: vec![who(None, &format!("{evil}@example.com"))],
                    ..base.clone()
                },
            ),
            (
                "reply-to[0].name",
                Outgoing {
                    reply_to: vec![who(Some("a\nb"), "r@example.com")],
                    ..base.clone()
                },
            ),
            (
                "from.name",
                Outgoing {
                    from: Some(who(Some(evil), &account.email)),
                    ..base.clone()
                },
            ),
            (
                "attachments[0].filename",
                Outgoing {
                    attachments: vec![file(
                        &format!("a{evil}.pdf"),
                        "application/pdf",
                        vec![1],
                        None,
                    )],
                    ..base.clone()
                },
            ),
            (
                "attachments[0].mime-type",
                Outgoing {
                    attachments: vec![file("a.pdf", "application/pdf\r\nX-Evil: 1", vec![1], None)],
                    ..base.clone()
                },
            ),
            (
                "attachments[0].content-id",
                Outgoing {
                    attachments: vec![file("a.png", "image/png", vec![1], Some("logo\0@x"))],
                    ..base.clone()
                },
            ),
            (
                "original.message-id",
                Outgoing {
                    original: Some(Reference {
                        message_id: "id\r\n1".into(),
                        mode: ReplyMode::Reply,
                    }),
                    ..base.clone()
                },
            ),
            (
                "to",
                Outgoing {
                    to: vec![],
                    ..base.clone()
                },
            ),
            (
                "text-body",
                Outgoing {
                    text_body: None,
                    ..base.clone()
                },
            ),
            (
                "to[0].address",
                Outgoing {
                    to: vec![who(None, "not an address")],
                    ..base.clone()
                },
            ),
        ];
        let before = world.harness.policy().requests().len();
        for (field, outgoing) in cases {
            assert_eq!(
                invalid_field(world.harness.send(&app, &account, &outgoing)),
                field,
                "{kind:?}"
            );
        }
        assert_eq!(
            world.harness.policy().requests().len(),
            before,
            "{kind:?}: a request went out"
        );
        assert!(
            world.sandbox.sent(sandbox_kind(kind)).is_empty(),
            "{kind:?}"
        );
    }
}

#[test]
fn gmail_aliases_fill_the_from_picker_and_strangers_are_refused() {
    let world = World::new();
    world
        .sandbox
        .add_send_as("sales@example.com", Some("Ventes Équipe"));
    let (app, account) = world.connect(Provider::Google);
    let list = world.harness.list_send_as(&app, &account).unwrap();
    let found: Vec<(&str, bool)> = list
        .addresses
        .iter()
        .map(|a| (a.address.as_str(), a.primary))
        .collect();
    assert_eq!(
        found,
        [(account.email.as_str(), true), ("sales@example.com", false)]
    );

    let outgoing = Outgoing {
        from: Some(who(None, "SALES@example.com")),
        ..message(vec![who(None, "bob@example.com")], "From sales", Some("Hi"))
    };
    world.harness.send(&app, &account, &outgoing).unwrap();
    let got = last_sent(&world, Provider::Google);
    let from = got.from.unwrap();
    assert_eq!(
        (from.name.as_deref(), from.address.as_str()),
        (Some("Ventes Équipe"), "sales@example.com")
    );

    let stranger = Outgoing {
        from: Some(who(None, "ceo@example.com")),
        ..outgoing
    };
    assert_eq!(
        invalid_field(world.harness.send(&app, &account, &stranger)),
        "from.address"
    );
    assert_eq!(world.sandbox.sent(SandboxProvider::Google).len(), 1);
}

#[test]
fn outlook_says_aliases_are_not_supported() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    assert!(matches!(
        world.harness.list_send_as(&app, &account),
        Err(CallError::Component {
            error: Error::Unsupported(why),
            ..
        }) if why.feature == "list-send-as"
    ));
    let outgoing = Outgoing {
        from: Some(who(None, "alias@example.com")),
        ..message(vec![who(None, "bob@example.com")], "Hi", Some("Hi"))
    };
    let err = world.harness.send(&app, &account, &outgoing).unwrap_err();
    assert!(
        matches!(&err, CallError::Component { error: Error::Unsupported(why), .. } if why.feature == "from" && why.message.contains("alias")),
        "{err:?}"
    );
    assert!(world.sandbox.sent(SandboxProvider::Microsoft).is_empty());
}

#[test]
fn limits_are_checked_before_any_request() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    let before = world.harness.policy().requests().len();
    let outgoing = Outgoing {
        attachments: vec![file(
            "huge.bin",
            "application/octet-stream",
            vec![0; 36_000_000],
            None,
        )],
        ..message(vec![who(None, "bob@example.com")], "Huge", Some("Too big"))
    };
    let err = world.harness.send(&app, &account, &outgoing).unwrap_err();
    let CallError::Component {
        error: Error::InvalidInput(field),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(field.field, "attachments");
    assert!(
        field.message.contains("Gmail accepts at most 35.0 MB"),
        "{}",
        field.message
    );
    assert_eq!(world.harness.policy().requests().len(), before);
}

#[test]
fn a_reply_to_a_missing_message_names_the_field() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let missing = match kind {
            Provider::Google => "18c0ffee00000001".to_owned(),
            Provider::Microsoft => {
                world
                    .sandbox
                    .seed_mailbox(sandbox_kind(kind), &MailboxSpec::default());
                let id = world.sandbox.message_ids(sandbox_kind(kind)).remove(0);
                world.sandbox.delete(sandbox_kind(kind), &id);
                id
            }
        };
        let reply = Outgoing {
            original: Some(Reference {
                message_id: missing,
                mode: ReplyMode::Reply,
            }),
            ..message(vec![], "", Some("Hello?"))
        };
        assert_eq!(
            invalid_field(world.harness.send(&app, &account, &reply)),
            "original.message-id",
            "{kind:?}"
        );
        assert!(world.sandbox.sent(sandbox_kind(kind)).is_empty());
    }
}

#[test]
fn outlook_keeps_to_exchange_online_s_35_mb_as_encoded() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    let before = world.harness.policy().requests().len();
    // 27,000,000 bytes are 36.9 MB in base64 with its line breaks: over 35 MB (36,700,160).
    let outgoing = Outgoing {
        attachments: vec![file("video.mp4", "video/mp4", bytes(27_000_000, 5), None)],
        ..message(vec![who(None, "bob@example.com")], "Video", Some("Too big"))
    };
    let err = world.harness.send(&app, &account, &outgoing).unwrap_err();
    let CallError::Component {
        error: Error::InvalidInput(field),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(field.field, "attachments");
    assert!(
        field.message.contains("Outlook accepts at most 35.0 MB"),
        "{}",
        field.message
    );
    assert_eq!(world.harness.policy().requests().len(), before);
    assert!(world.sandbox.sent(SandboxProvider::Microsoft).is_empty());
}

#[test]
fn outlook_posts_a_file_whole_only_when_the_request_fits_graph_s_4_mb() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    // Both are under 3 MiB; in base64 the first one's POST fits 4,000,000 bytes, the second
    // one's does not.
    let fits = file(
        "fits.bin",
        "application/octet-stream",
        bytes(2_990_000, 6),
        None,
    );
    let over = file(
        "over.bin",
        "application/octet-stream",
        bytes(3_000_000, 7),
        None,
    );
    let outgoing = Outgoing {
        attachments: vec![fits.clone(), over.clone()],
        ..message(vec![who(None, "bob@example.com")], "Two files", Some("Hi"))
    };
    world.harness.send(&app, &account, &outgoing).unwrap();
    let got = last_sent(&world, Provider::Microsoft);
    for expected in [&fits, &over] {
        let sent = got
            .attachments
            .iter()
            .find(|a| a.filename.as_deref() == Some(expected.filename.as_str()))
            .expect("the file was sent");
        assert!(sent.content == expected.content, "{}", expected.filename);
    }
    let received = world.sandbox.received();
    let posts = received
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/attachments"))
        .count();
    let sessions = received
        .iter()
        .filter(|r| r.path.ends_with("/createUploadSession"))
        .count();
    assert_eq!((posts, sessions), (1, 1));
}

/// Sends `outgoing` and returns the sent message's id.
fn sent_id(world: &World, app: &App, account: &Account, outgoing: &Outgoing) -> String {
    world
        .harness
        .send(app, account, outgoing)
        .expect("the send succeeds")
        .id
}

#[test]
fn reply_all_to_a_note_to_self_goes_to_self() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let me = who(None, &account.email);
        let note = sent_id(
            &world,
            &app,
            &account,
            &message(vec![me.clone()], "Note to self", Some("Buy milk")),
        );
        let all = Outgoing {
            original: Some(Reference {
                message_id: note,
                mode: ReplyMode::ReplyAll,
            }),
            ..message(vec![], "", Some("And bread"))
        };
        world.harness.send(&app, &account, &all).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(
            addresses(&got.to),
            [account.email.to_ascii_lowercase()],
            "{kind:?}"
        );
        assert!(got.cc.is_empty(), "{kind:?}");
        assert_eq!(got.subject.as_deref(), Some("Re: Note to self"), "{kind:?}");
    }
}

#[test]
fn answers_without_a_subject_get_one_prefix() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let bob = who(None, "bob@example.com");
        let lunch = sent_id(
            &world,
            &app,
            &account,
            &message(vec![bob.clone()], "Re: Lunch", Some("Noon?")),
        );
        let forward = Outgoing {
            original: Some(Reference {
                message_id: lunch,
                mode: ReplyMode::Forward,
            }),
            ..message(vec![who(None, "frank@example.com")], "", Some("FYI"))
        };
        world.harness.send(&app, &account, &forward).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(got.subject.as_deref(), Some("Fwd: Lunch"), "{kind:?}");

        let budget = sent_id(
            &world,
            &app,
            &account,
            &message(vec![bob.clone()], "Fwd: Budget", Some("See below")),
        );
        let reply = Outgoing {
            original: Some(Reference {
                message_id: budget,
                mode: ReplyMode::Reply,
            }),
            ..message(vec![], "", Some("Thanks"))
        };
        world.harness.send(&app, &account, &reply).unwrap();
        let got = last_sent(&world, kind);
        assert_eq!(got.subject.as_deref(), Some("Re: Budget"), "{kind:?}");
        assert_eq!(addresses(&got.to), ["bob@example.com"], "{kind:?}");
    }
}

/// Whether `bytes` hold a line feed not after a carriage return.
fn has_bare_lf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
}

#[test]
fn a_gmail_forward_s_text_is_canonical_crlf() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    let original = sent_id(
        &world,
        &app,
        &account,
        &message(
            vec![who(None, "bob@example.com")],
            "Minutes",
            Some("議事録の一行目\n二行目です\n\n四行目です"),
        ),
    );
    let forward = Outgoing {
        original: Some(Reference {
            message_id: original,
            mode: ReplyMode::Forward,
        }),
        ..message(
            vec![who(None, "frank@example.com")],
            "",
            Some("参考まで\n下をご覧ください"),
        )
    };
    world.harness.send(&app, &account, &forward).unwrap();
    let got = last_sent(&world, Provider::Google);
    let text = got.text_body.clone().unwrap_or_default();
    // Text this far from ASCII goes in base64, where a bare line feed would stay as it is.
    assert!(text.contains("二行目です"), "{text:?}");
    assert!(text.contains("下をご覧ください"), "{text:?}");
    assert!(!has_bare_lf(text.as_bytes()), "{text:?}");
    assert!(
        !has_bare_lf(&got.raw),
        "{}",
        String::from_utf8_lossy(&got.raw)
    );
}
