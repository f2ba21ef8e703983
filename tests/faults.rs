//! Faults around sending, through the real component against the sandbox Gmail and Graph APIs:
//! a send whose answer is lost (applied, then the connection dropped) or of the 5xx family is
//! an outcome unknown naming the Message-ID and the draft, and goes out at most once; an Outlook
//! send that definitely failed leaves no draft behind (or names it when it cannot be deleted);
//! an answer longer than the component reads is an error that says so, not one to retry.

mod common;

use common::{KINDS, World, outcome_unknown, sandbox_kind};
use email_harness::CallError;
use email_harness::sandbox::{Fault, Provider as SandboxProvider};
use email_harness::types::{
    App, Attachment, AttachmentRequest, Error, MailboxAddress, Outgoing, Provider, SavedDraft,
};

fn note(subject: &str, attachments: Vec<Attachment>) -> Outgoing {
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
        text_body: Some("Hello Bob".to_owned()),
        html_body: None,
        attachments,
        original: None,
    }
}

fn file(name: &str, len: usize) -> Attachment {
    Attachment {
        filename: name.to_owned(),
        mime_type: "application/octet-stream".to_owned(),
        content: (0..len).map(|i| (i % 251) as u8).collect(),
        content_id: None,
    }
}

/// The path of the request that sends mail, as a fault matches it.
fn send_path(kind: Provider) -> &'static str {
    match kind {
        Provider::Google => "/messages/send",
        Provider::Microsoft => "/send",
    }
}

/// The provider error of a failed call.
fn provider_error<T: std::fmt::Debug>(
    result: Result<T, CallError>,
) -> email_harness::types::ProviderFailure {
    match result {
        Err(CallError::Component {
            error: Error::Provider(failure),
            ..
        }) => failure,
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[test]
fn a_send_whose_answer_is_lost_is_an_outcome_unknown_and_goes_out_once() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        world
            .sandbox
            .fail_next(Fault::lost(sandbox_kind(kind), send_path(kind)));
        let unknown = outcome_unknown(world.harness.send(
            &app,
            &account,
            &note("Lost answer", vec![]),
        ));
        let sent = world.sandbox.sent(sandbox_kind(kind));
        assert_eq!(sent.len(), 1, "{kind:?}: sent exactly once");
        assert!(unknown.message_id.is_some(), "{kind:?}: {unknown:?}");
        assert_eq!(unknown.message_id, sent[0].message_id, "{kind:?}");
        match kind {
            Provider::Google => assert_eq!(unknown.draft_id, None),
            // The draft's immutable id is the sent message's id: it now names a sent message.
            Provider::Microsoft => {
                assert_eq!(unknown.draft_id.as_deref(), Some(sent[0].id.as_str()));
                assert!(world.drafts(kind).is_empty());
            }
        }
        assert!(
            unknown.message.contains("check the sent mail"),
            "{unknown:?}"
        );
    }
}

#[test]
fn a_big_gmail_send_whose_upload_answer_is_lost_goes_out_once() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    world
        .sandbox
        .fail_next(Fault::lost(SandboxProvider::Google, "/upload/"));
    let big = note("Big and lost", vec![file("big.bin", 4 * 1024 * 1024)]);
    let unknown = outcome_unknown(world.harness.send(&app, &account, &big));
    let sent = world.sandbox.sent(SandboxProvider::Google);
    assert_eq!(sent.len(), 1);
    assert_eq!(unknown.message_id, sent[0].message_id);
}

#[test]
fn a_send_answered_with_a_server_error_is_an_outcome_unknown_and_keeps_the_draft() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        world
            .sandbox
            .fail_next(Fault::status(sandbox_kind(kind), send_path(kind), 503));
        let unknown = outcome_unknown(world.harness.send(
            &app,
            &account,
            &note("Server error", vec![]),
        ));
        assert!(unknown.message_id.is_some(), "{kind:?}: {unknown:?}");
        assert!(
            world.sandbox.sent(sandbox_kind(kind)).is_empty(),
            "{kind:?}"
        );
        if kind == Provider::Microsoft {
            // The draft it names is still a draft: nothing went out, and it can be sent.
            let draft = unknown.draft_id.expect("the draft is named");
            assert_eq!(world.drafts(kind), std::slice::from_ref(&draft));
            world.harness.send_draft(&app, &account, &draft).unwrap();
            assert_eq!(world.sandbox.sent(sandbox_kind(kind)).len(), 1);
        }
    }
}

#[test]
fn a_draft_send_whose_answer_is_lost_names_the_draft_and_goes_out_once() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let saved: SavedDraft = world
            .harness
            .save_draft(&app, &account, None, &note("Draft, lost", vec![]))
            .unwrap();
        let path = match kind {
            Provider::Google => "/drafts/send",
            Provider::Microsoft => "/send",
        };
        world
            .sandbox
            .fail_next(Fault::lost(sandbox_kind(kind), path));
        let unknown = outcome_unknown(world.harness.send_draft(&app, &account, &saved.id));
        let sent = world.sandbox.sent(sandbox_kind(kind));
        assert_eq!(sent.len(), 1, "{kind:?}: sent exactly once");
        assert_eq!(
            unknown.draft_id.as_deref(),
            Some(saved.id.as_str()),
            "{kind:?}"
        );
        assert!(unknown.message_id.is_some(), "{kind:?}: {unknown:?}");
        assert_eq!(unknown.message_id, sent[0].message_id, "{kind:?}");
        assert!(
            world.drafts(kind).is_empty(),
            "{kind:?}: the draft went out"
        );
    }
}

/// Sends `message` from a fresh Outlook account with `faults` queued, and returns the failure.
fn failed_outlook_send(world: &World, message: &Outgoing, faults: Vec<Fault>) -> CallError {
    let (app, account): (App, _) = world.connect(Provider::Microsoft);
    for fault in faults {
        world.sandbox.fail_next(fault);
    }
    world
        .harness
        .send(&app, &account, message)
        .expect_err("the send fails")
}

#[test]
fn an_outlook_send_refused_at_send_leaves_no_draft() {
    let world = World::new();
    let error = failed_outlook_send(
        &world,
        &note("Refused", vec![]),
        vec![Fault::status(SandboxProvider::Microsoft, "/send", 400)],
    );
    assert_eq!(provider_error(Err::<(), _>(error)).status, Some(400));
    assert!(world.sandbox.sent(SandboxProvider::Microsoft).is_empty());
    assert!(world.drafts(Provider::Microsoft).is_empty());
}

#[test]
fn an_outlook_send_failing_at_an_attachment_leaves_no_draft() {
    let world = World::new();
    let small = note("Refused file", vec![file("a.bin", 1000)]);
    let error = failed_outlook_send(
        &world,
        &small,
        vec![Fault::status(
            SandboxProvider::Microsoft,
            "/attachments",
            400,
        )],
    );
    assert_eq!(provider_error(Err::<(), _>(error)).status, Some(400));
    assert!(world.drafts(Provider::Microsoft).is_empty());

    // A big file's upload session failing: a retry-later error, and no draft either.
    let big = note("Refused upload", vec![file("big.bin", 5 * 1024 * 1024)]);
    let error = failed_outlook_send(
        &world,
        &big,
        vec![Fault::status(
            SandboxProvider::Microsoft,
            "createUploadSession",
            503,
        )],
    );
    assert!(
        matches!(
            error,
            CallError::Component {
                error: Error::RetryLater(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(world.drafts(Provider::Microsoft).is_empty());
    assert!(world.sandbox.sent(SandboxProvider::Microsoft).is_empty());
}

#[test]
fn a_draft_that_cannot_be_deleted_after_a_failed_send_is_named() {
    let world = World::new();
    // The send is refused, then the delete of its draft is refused too (the only later request
    // whose path goes on after `/me/messages/`; a 403 is not asked again, as a 5xx of an
    // idempotent DELETE would be).
    let error = failed_outlook_send(
        &world,
        &note("Stuck", vec![]),
        vec![
            Fault::status(SandboxProvider::Microsoft, "/send", 400),
            Fault::status(SandboxProvider::Microsoft, "/v1.0/me/messages/", 403),
        ],
    );
    let failure = provider_error(Err::<(), _>(error));
    assert_eq!(failure.status, Some(400));
    let drafts = world.drafts(Provider::Microsoft);
    let [left] = &drafts[..] else {
        panic!("one draft is left: {drafts:?}")
    };
    assert!(failure.message.contains(left.as_str()), "{failure:?}");
    assert!(
        failure.message.contains("could not be deleted"),
        "{failure:?}"
    );
}

#[test]
fn an_answer_longer_than_the_component_reads_is_not_retried() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    // A draft with a file of 64 MiB and one byte, attached by a client other than the
    // component (which keeps to Outlook's 35 MB), through an upload session.
    let graph = "graph.microsoft.com";
    let token = Some(account.access_token.as_str());
    let draft = world.call(
        "POST",
        graph,
        "/v1.0/me/messages",
        token,
        Some(("application/json", br#"{"subject":"Huge"}"#)),
    );
    assert_eq!(draft.status, 201, "{draft:?}");
    let draft_id = draft.json()["id"].as_str().unwrap().to_owned();
    let len = 64 * 1024 * 1024 + 1;
    let item = serde_json::json!({"AttachmentItem": {
        "attachmentType": "file", "name": "huge.bin", "size": len,
        "contentType": "application/octet-stream"
    }});
    let session = world.call(
        "POST",
        graph,
        &format!("/v1.0/me/messages/{draft_id}/attachments/createUploadSession"),
        token,
        Some(("application/json", item.to_string().as_bytes())),
    );
    assert_eq!(session.status, 201, "{session:?}");
    let upload = url::Url::parse(session.json()["uploadUrl"].as_str().unwrap()).unwrap();
    let target = format!("{}?{}", upload.path(), upload.query().unwrap_or_default());
    let content: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
    let chunk = 4 * 1024 * 1024;
    for start in (0..len).step_by(chunk) {
        let end = (start + chunk).min(len);
        let put = world.call_with(
            "PUT",
            upload.host_str().unwrap(),
            &target,
            &[("Content-Range", &format!("bytes {start}-{}/{len}", end - 1))],
            Some(("application/octet-stream", &content[start..end])),
        );
        assert!(put.status == 200 || put.status == 201, "{put:?}");
    }
    let listed = world.call(
        "GET",
        graph,
        &format!("/v1.0/me/messages/{draft_id}/attachments?$select=id"),
        token,
        None,
    );
    let attachment = listed.json()["value"][0]["id"].as_str().unwrap().to_owned();

    let result = world.harness.get_attachment(
        &app,
        &account,
        &AttachmentRequest {
            message_id: draft_id.clone(),
            attachment_id: attachment.clone(),
            max_bytes: 100_000_000,
        },
    );
    let failure = provider_error(result);
    assert_eq!(failure.code.as_deref(), Some("response_too_large"));
    assert!(failure.message.contains("64.0 MB"), "{failure:?}");
}
