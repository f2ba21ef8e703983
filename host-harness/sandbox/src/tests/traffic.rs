//! Shaping the mail API traffic: latency that overlaps, in-flight counts, injected faults.

use std::time::{Duration, Instant};

use serde_json::json;

use super::support::*;
use crate::{Fault, MailboxSpec, Provider};

#[test]
fn latency_overlaps_and_in_flight_is_counted() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Microsoft, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Microsoft, None);
    assert_eq!(
        sandbox.max_in_flight(Provider::Microsoft),
        0,
        "token requests are not API requests"
    );
    sandbox.set_latency(Duration::from_millis(20));
    const N: usize = 10;
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..N {
            scope.spawn(|| {
                let answer = get_with(
                    &sandbox,
                    "graph.microsoft.com",
                    "/v1.0/me/mailFolders/inbox",
                    &token,
                    &[],
                );
                assert_eq!(answer.status, 200);
            });
        }
    });
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(20), "{took:?}");
    assert!(
        took < Duration::from_millis(20 * N as u64 / 2),
        "serialized: {took:?}"
    );
    let most = sandbox.max_in_flight(Provider::Microsoft);
    assert!((2..=N).contains(&most), "{most}");
    assert_eq!(sandbox.max_in_flight(Provider::Google), 0);

    sandbox.set_latency(Duration::ZERO);
    let started = Instant::now();
    get_with(
        &sandbox,
        "graph.microsoft.com",
        "/v1.0/me/mailFolders/inbox",
        &token,
        &[],
    );
    assert!(started.elapsed() < Duration::from_millis(20));
}

#[test]
fn gmail_faults_then_recovery() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Google, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Google, None);
    sandbox.fail_next(Fault {
        provider: Provider::Google,
        path_contains: "/messages".into(),
        status: 429,
        retry_after: Some(7),
        times: 2,
    });
    // Not matching: answered normally, fault kept.
    let profile = get(
        &sandbox,
        "gmail.googleapis.com",
        "/gmail/v1/users/me/profile",
        Some(&token),
    );
    assert_eq!(profile.status, 200);
    for _ in 0..2 {
        let limited = get(
            &sandbox,
            "gmail.googleapis.com",
            "/gmail/v1/users/me/messages",
            Some(&token),
        );
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), "7");
        assert_eq!(
            limited.json()["error"]["errors"][0]["reason"],
            "rateLimitExceeded"
        );
        assert_eq!(limited.json()["error"]["status"], "RESOURCE_EXHAUSTED");
    }
    let fine = get(
        &sandbox,
        "gmail.googleapis.com",
        "/gmail/v1/users/me/messages",
        Some(&token),
    );
    assert_eq!(fine.status, 200);

    for (status, expected) in [
        (503, "backendError"),
        (500, "backendError"),
        (401, "authError"),
    ] {
        sandbox.fail_next(Fault {
            provider: Provider::Google,
            path_contains: "maxResults=3".into(),
            status,
            retry_after: None,
            times: 1,
        });
        let failed = get(
            &sandbox,
            "gmail.googleapis.com",
            "/gmail/v1/users/me/messages?maxResults=3",
            Some(&token),
        );
        assert_eq!(failed.status, status);
        assert_eq!(failed.json()["error"]["errors"][0]["reason"], expected);
        assert!(failed.headers.get("retry-after").is_none());
    }
    assert_eq!(
        get(
            &sandbox,
            "gmail.googleapis.com",
            "/gmail/v1/users/me/messages?maxResults=3",
            Some(&token)
        )
        .status,
        200
    );
}

#[test]
fn graph_faults() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Microsoft, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Microsoft, None);
    let fault = |status, times| Fault {
        provider: Provider::Microsoft,
        path_contains: "delta".into(),
        status,
        retry_after: Some(2),
        times,
    };
    // A Google fault does not touch Graph.
    sandbox.fail_next(Fault {
        provider: Provider::Google,
        ..fault(500, 1)
    });
    sandbox.fail_next(fault(429, 1));
    sandbox.fail_next(fault(503, 1));
    sandbox.fail_next(fault(410, 1));
    let delta = "/v1.0/me/mailFolders/inbox/messages/delta";
    let throttled = get_with(&sandbox, "graph.microsoft.com", delta, &token, &[]);
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), "2");
    let body = throttled.json();
    assert_eq!(body["error"]["code"], "TooManyRequests");
    assert_eq!(body["error"]["message"], "Please retry again later.");
    assert_eq!(body["error"]["innerError"]["status"], "429");
    let unavailable = get_with(&sandbox, "graph.microsoft.com", delta, &token, &[]);
    assert_eq!(unavailable.status, 503);
    let gone = get_with(&sandbox, "graph.microsoft.com", delta, &token, &[]);
    assert_eq!(gone.status, 410);
    assert_eq!(gone.json()["error"]["code"], "SyncStateNotFound");
    assert_eq!(
        get_with(&sandbox, "graph.microsoft.com", delta, &token, &[]).status,
        200
    );

    sandbox.fail_next(Fault {
        path_contains: String::new(),
        ..fault(401, 1)
    });
    let expired = get_with(&sandbox, "graph.microsoft.com", "/v1.0/me", &token, &[]);
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.json()["error"]["message"],
        json!("Lifetime validation failed, the token is expired.")
    );
}
