//! Shaping the mail API traffic: latency that overlaps, in-flight counts, injected faults
//! (status answers and lost answers).

use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::support::*;
use crate::{Fault, FaultKind, MailboxSpec, Provider, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const GRAPH: &str = "graph.microsoft.com";

/// Sends a JSON request with bearer `token`; an error when the connection closed unanswered.
fn try_json(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    host: &str,
    target: &str,
    body: &Value,
) -> anyhow::Result<u16> {
    let request = http::Request::builder()
        .method(method)
        .uri(target)
        .header("host", host)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap().into())
        .unwrap();
    sandbox.exchange(request).map(|reply| reply.status.as_u16())
}

/// Asserts `result` is a connection closed without an answer (not an answer of any status).
fn assert_lost(result: anyhow::Result<u16>) {
    let error = result.expect_err("the answer is lost");
    let chain = format!("{error:#}");
    assert!(
        chain.contains("connection closed before message completed"),
        "{chain}"
    );
}

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
    // Outlook's 4 concurrent requests per mailbox would refuse most of them: this test is about
    // latency overlapping (the limit has tests of its own in `quota_graph`).
    sandbox.set_graph_concurrency(None);
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
    sandbox.fail_next(
        Fault::status(Provider::Google, "/messages", 429)
            .retry_after(7)
            .times(2),
    );
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
        sandbox.fail_next(Fault::status(Provider::Google, "maxResults=3", status));
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
    let fault = |status, times| {
        Fault::status(Provider::Microsoft, "delta", status)
            .retry_after(2)
            .times(times)
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

#[test]
fn fault_constructors() {
    let fault = Fault::status(Provider::Google, "/messages", 429);
    assert_eq!(
        fault,
        Fault {
            provider: Provider::Google,
            path_contains: "/messages".into(),
            kind: FaultKind::Status {
                status: 429,
                retry_after: None
            },
            times: 1,
        }
    );
    assert_eq!(
        fault.clone().retry_after(7).times(3).kind,
        FaultKind::Status {
            status: 429,
            retry_after: Some(7)
        }
    );
    assert_eq!(fault.times(3).times, 3);
    let lost = Fault::lost(Provider::Microsoft, "send");
    assert_eq!(
        (lost.kind.clone(), lost.times),
        (FaultKind::ResponseLost, 1)
    );
    assert_eq!(
        lost.clone().retry_after(5),
        lost,
        "a lost answer has no Retry-After"
    );
}

/// Gmail tells when to retry in the message of its rate-limit answers:
/// `User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z` (captured:
/// https://github.com/taers232c/GAMADV-XTD3/issues/337,
/// https://github.com/levz0r/gmail-tester/issues/23).
#[test]
fn gmail_rate_limits_name_the_time_to_retry_after() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let profile = "/gmail/v1/users/me/profile";
    for (status, reason, grpc) in [
        (403, "userRateLimitExceeded", "PERMISSION_DENIED"),
        (429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"),
    ] {
        sandbox.fail_next(Fault::status(Provider::Google, profile, status).retry_after(120));
        let before = SystemTime::now();
        let limited = get(&sandbox, GMAIL, profile, Some(&token));
        assert_eq!(limited.status, status);
        assert_eq!(limited.header("retry-after"), "120");
        let error = &limited.json()["error"];
        assert_eq!(error["status"], grpc);
        assert_eq!(error["errors"][0]["reason"], reason);
        assert_eq!(error["errors"][0]["domain"], "usageLimits");
        let message = error["message"].as_str().unwrap();
        assert_eq!(error["errors"][0]["message"], message);
        let at = message
            .strip_prefix("User-rate limit exceeded.  Retry after ")
            .unwrap_or_else(|| panic!("{message}"));
        // `2026-01-01T00:00:00.000Z`, two minutes from now.
        assert_eq!(at.len(), "2026-01-01T00:00:00.000Z".len(), "{at}");
        assert!(at.ends_with('Z') && at.as_bytes()[19] == b'.', "{at}");
        let expected = crate::clock::Utc::of(before + Duration::from_secs(120)).graph_instant();
        assert_eq!(&at[..16], &expected[..16], "{at}");

        // Without a time to retry, no time in the message.
        sandbox.fail_next(Fault::status(Provider::Google, profile, status));
        let limited = get(&sandbox, GMAIL, profile, Some(&token));
        assert!(!limited.text.contains("Retry after"), "{}", limited.text);
        assert!(limited.headers.get("retry-after").is_none());
    }
}

/// A 401 fault is each provider's real 401, but the token stays good: the next request with it
/// is answered.
#[test]
fn unauthorized_faults_leave_the_token_valid() {
    let sandbox = sandbox();
    for (provider, host, target, code) in [
        (
            Provider::Google,
            GMAIL,
            "/gmail/v1/users/me/profile",
            "authError",
        ),
        (
            Provider::Microsoft,
            GRAPH,
            "/v1.0/me",
            "InvalidAuthenticationToken",
        ),
    ] {
        let token = access_token(&sandbox, provider, None);
        sandbox.fail_next(Fault::status(provider, "", 401));
        let refused = get(&sandbox, host, target, Some(&token));
        assert_eq!(refused.status, 401);
        assert!(refused.headers.get("www-authenticate").is_some());
        let error = &refused.json()["error"];
        let named = match provider {
            Provider::Google => &error["errors"][0]["reason"],
            Provider::Microsoft => &error["code"],
        };
        assert_eq!(named, code);
        assert_eq!(get(&sandbox, host, target, Some(&token)).status, 200);
    }
}

/// A lost answer: the request is applied (a message sent, a draft created), then the connection
/// closes without a response; once, then requests are answered again.
#[test]
fn lost_answers_are_applied_then_the_connection_closes() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Google, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Google, None);
    let raw = "From: ann@example.com\r\nTo: bob@example.org\r\nSubject: Lost\r\n\r\nHello\r\n";
    let body = json!({"raw": URL_SAFE_NO_PAD.encode(raw)});
    let send = "/gmail/v1/users/me/messages/send";
    sandbox.fail_next(Fault::lost(Provider::Google, send));
    assert_lost(try_json(&sandbox, &token, "POST", GMAIL, send, &body));
    assert_eq!(sandbox.sent(Provider::Google).len(), 1, "sent all the same");
    assert_eq!(
        try_json(&sandbox, &token, "POST", GMAIL, send, &body).unwrap(),
        200
    );
    assert_eq!(sandbox.sent(Provider::Google).len(), 2);

    let token = access_token(&sandbox, Provider::Microsoft, None);
    sandbox.fail_next(Fault::lost(Provider::Microsoft, "/v1.0/me/messages"));
    let draft = json!({"subject": "Lost draft", "toRecipients": [{"emailAddress": {"address": "bob@example.org"}}]});
    assert_lost(try_json(
        &sandbox,
        &token,
        "POST",
        GRAPH,
        "/v1.0/me/messages",
        &draft,
    ));
    let drafts = authorized(
        &sandbox,
        &token,
        "GET",
        GRAPH,
        "/v1.0/me/mailFolders/drafts/messages?$select=subject",
        &[],
        &Value::Null,
    );
    assert_eq!(drafts.status, 200, "{}", drafts.text);
    let listed = drafts.json();
    let subjects: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Lost draft"], "created all the same");
}

/// A lost answer inside a Graph JSON batch loses the whole batch's answer, after every request
/// in it was applied.
#[test]
fn a_lost_answer_in_a_batch_loses_the_batch() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Microsoft, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Microsoft, None);
    let ids = sandbox.message_ids(Provider::Microsoft);
    for id in &ids[..2] {
        sandbox.set_starred(Provider::Microsoft, id, false);
    }
    let flag = |id: &str, n: &str| {
        json!({"id": n, "method": "PATCH", "url": format!("/me/messages/{id}"),
               "headers": {"Content-Type": "application/json"},
               "body": {"flag": {"flagStatus": "flagged"}}})
    };
    let batch = json!({"requests": [flag(&ids[0], "1"), flag(&ids[1], "2")]});
    sandbox.fail_next(Fault::lost(Provider::Microsoft, &ids[0]));
    assert_lost(try_json(
        &sandbox,
        &token,
        "POST",
        GRAPH,
        "/v1.0/$batch",
        &batch,
    ));
    for id in &ids[..2] {
        assert!(sandbox.state_of(Provider::Microsoft, id).unwrap().starred);
    }
    assert_eq!(
        try_json(&sandbox, &token, "POST", GRAPH, "/v1.0/$batch", &batch).unwrap(),
        200
    );
}
