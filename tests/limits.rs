//! The host holds its ground: every call runs within the harness's limits (memory, run time),
//! and a call that runs into one ends with an error naming it, the host and later calls
//! untouched; a provider that never answers cannot hold a call past its time budget.

mod common;

use common::{KINDS, World, outcome_unknown, runtime, sandbox_kind};
use email_harness::sandbox::{Fault, FaultKind, RandomFaults};
use email_harness::types::{
    Attachment, AttachmentRequest, Error, MailboxAddress, Outgoing, Provider, SyncRequest,
};
use email_harness::{CallError, CallLimits, HttpPolicy, RequestTimeouts};
use std::time::{Duration, Instant};

/// A message to self with one file of `bytes` bytes.
fn with_file(to: &str, bytes: usize) -> Outgoing {
    Outgoing {
        from: None,
        to: vec![MailboxAddress {
            name: None,
            address: to.to_owned(),
        }],
        cc: vec![],
        bcc: vec![],
        reply_to: vec![],
        subject: "A big file".into(),
        text_body: Some("Attached.".into()),
        html_body: None,
        attachments: vec![Attachment {
            filename: "big.bin".into(),
            mime_type: "application/octet-stream".into(),
            content: (0..bytes).map(|i| (i % 251) as u8).collect(),
            content_id: None,
        }],
        original: None,
    }
}

#[test]
fn a_call_over_the_memory_limit_ends_with_an_error_naming_it_and_the_next_call_succeeds() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    let sent = world
        .harness
        .send(&app, &account, &with_file(&account.email, 20_000_000))
        .expect("a 20 MB file goes out with the default limits");
    let message = world
        .harness
        .get_message(&app, &account, &sent.id)
        .unwrap()
        .message;
    let file = message
        .attachments
        .iter()
        .find(|a| a.filename.as_deref() == Some("big.bin"))
        .expect("the file is listed");

    let small = world.harness.clone().with_limits(CallLimits {
        memory_bytes: 32 << 20,
        ..CallLimits::default()
    });
    let request = AttachmentRequest {
        message_id: message.id.clone(),
        attachment_id: file.id.clone(),
        max_bytes: 50_000_000,
    };
    let refused = small
        .get_attachment(&app, &account, &request)
        .expect_err("20 MB, base64 in JSON, does not fit in 32 MiB");
    match &refused {
        CallError::Limit(why) => assert!(why.contains("memory limit of 33554432 bytes"), "{why}"),
        other => panic!("expected the memory limit, got {other}"),
    }
    // The host goes on, and the next call on the same harness succeeds.
    let folders = small.list_folders(&app, &account).unwrap();
    assert!(!folders.folders.is_empty());
    let data = world
        .harness
        .get_attachment(&app, &account, &request)
        .unwrap();
    assert_eq!(data.content.len(), 20_000_000);
}

#[test]
fn a_call_over_the_run_time_limit_ends_with_an_error_naming_it() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    let quick = world.harness.clone().with_limits(CallLimits {
        run_time: Duration::from_millis(1),
        ..CallLimits::default()
    });
    // Writing a 20 MB message takes the component longer than a millisecond.
    let started = Instant::now();
    let stopped = quick
        .send(&app, &account, &with_file(&account.email, 20_000_000))
        .expect_err("stopped");
    match &stopped {
        CallError::Limit(why) => assert!(why.contains("run time limit of 0.0 s"), "{why}"),
        other => panic!("expected the run time limit, got {other}"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        world
            .sandbox
            .sent(common::sandbox_kind(Provider::Google))
            .is_empty(),
        "nothing went out"
    );
    // A call within the limits goes through.
    world
        .harness
        .send(&app, &account, &with_file(&account.email, 10))
        .unwrap();
}

/// A first sync with `budget` seconds to spend.
fn first_sync(budget: Option<u32>) -> SyncRequest {
    SyncRequest {
        cursor: None,
        folders: vec![],
        newer_than: None,
        max_messages: None,
        page_size: Some(50),
        time_budget_seconds: budget,
    }
}

#[test]
fn a_provider_that_never_answers_ends_the_call_within_its_time_budget_with_retry_later() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        // Every mail API request gets no answer at all.
        let silent = RandomFaults {
            seed: 1,
            probability: 1.0,
            kinds: vec![FaultKind::NoAnswer],
        };
        world
            .sandbox
            .set_random_faults(sandbox_kind(kind), Some(silent));
        let started = Instant::now();
        let silent = world
            .harness
            .sync(&app, &account, &first_sync(Some(3)))
            .expect_err("no answer");
        let took = started.elapsed();
        match &silent {
            CallError::Component {
                error: Error::RetryLater(failure),
                ..
            } => assert_eq!(
                failure.code.as_deref(),
                Some("network"),
                "{kind:?}: {failure:?}"
            ),
            other => panic!("{kind:?}: expected retry-later, got {other}"),
        }
        assert!(
            took < Duration::from_secs(10),
            "{kind:?}: a 3 s budget ended the call after {took:?}"
        );
        // The provider answers again: the next call goes through.
        world.sandbox.set_random_faults(sandbox_kind(kind), None);
        world
            .harness
            .sync(&app, &account, &first_sync(Some(3)))
            .expect("the provider answers again");
    }
}

#[test]
fn a_send_never_answered_is_an_outcome_unknown_within_the_hosts_request_timeout() {
    let world = World::new();
    // The host allows two seconds to the first byte, whatever the component asks for.
    let policy = HttpPolicy::sandbox(&world.sandbox.base_url())
        .unwrap()
        .with_timeouts(RequestTimeouts {
            first_byte: Duration::from_secs(2),
            ..RequestTimeouts::default()
        });
    let harness = runtime().harness(policy);
    for kind in KINDS {
        let (app, account) =
            email_harness::sandboxed::connect(&harness, &world.sandbox, &world.config, kind)
                .expect("connect");
        let path = match kind {
            Provider::Google => "/messages/send",
            Provider::Microsoft => "/send",
        };
        world
            .sandbox
            .fail_next(Fault::no_answer(sandbox_kind(kind), path));
        let started = Instant::now();
        let unknown =
            outcome_unknown(harness.send(&app, &account, &with_file("bob@example.com", 10)));
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(20),
            "{kind:?}: a 2 s first-byte timeout ended the send after {took:?}"
        );
        assert!(unknown.message_id.is_some(), "{kind:?}: {unknown:?}");
        let sent = world.sandbox.sent(sandbox_kind(kind));
        assert_eq!(sent.len(), 1, "{kind:?}: applied once, never sent again");
    }
}
