//! Gmail batches (https://developers.google.com/workspace/gmail/api/guides/batch): calls in
//! `application/http` parts answered in parts of their own, authorized, charged and limited one
//! by one.

use serde_json::json;

use super::gmail_support::*;
use super::support::*;
use crate::Provider;

#[test]
fn a_batch_answers_each_call_in_a_part_of_its_own() {
    let (sandbox, token) = seeded(Provider::Google, 10, 2);
    let id = sandbox.message_ids(Provider::Google)[0].clone();
    let calls = [
        Call::new(
            "item1:12930812@barnyard.example.com",
            "GET",
            &format!("/messages/{id}?format=minimal"),
        ),
        Call::new("profile", "GET", "/profile"),
        Call::new("-", "GET", "/labels/INBOX").anonymous(),
    ];
    let answer = batch(&sandbox, Some(&token), &calls);
    let replies = replies(&answer);
    assert_eq!(replies.len(), 3);
    // Each part answers its call, with the call's Content-ID after `response-`, in the calls'
    // order; a call without a Content-ID gets none.
    assert_eq!(
        replies[0].id.as_deref(),
        Some("<response-item1:12930812@barnyard.example.com>")
    );
    assert_eq!(replies[0].status, 200);
    assert_eq!(replies[0].json()["id"], json!(id));
    assert_eq!(
        replies[0].headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(replies[1].id.as_deref(), Some("<response-profile>"));
    assert_eq!(replies[1].json()["emailAddress"], "ann@example.com");
    assert_eq!(replies[2].id, None);
    assert_eq!(replies[2].json()["id"], "INBOX");

    // "A set of n requests batched together counts toward your usage limit as n requests": 5
    // + 1 + 1 units; the batch itself costs nothing. Each call is received as sent in a batch.
    assert_eq!(sandbox.quota_used(Provider::Google), 7);
    let received = sandbox.received();
    let batched: Vec<&str> = received
        .iter()
        .filter(|r| r.batched)
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(batched.len(), 3);
    assert!(batched.contains(&"/gmail/v1/users/me/profile"));
    let whole = received.iter().rfind(|r| !r.batched).unwrap();
    assert_eq!(whole.path, "/batch/gmail/v1");
}

#[test]
fn each_call_is_authorized_by_its_own_header_or_the_batch() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    // No Authorization on the batch: a call with its own is served, one without is not.
    let calls = [
        Call::new("own", "GET", "/profile").bearer(&token),
        Call::new("none", "GET", "/profile"),
    ];
    let answered = replies(&batch(&sandbox, None, &calls));
    assert_eq!(answered[0].status, 200, "{}", answered[0].text);
    assert_eq!(answered[1].reason(401), "required");
    // A call's own header overrides the batch's.
    let calls = [
        Call::new("own", "GET", "/profile").bearer("not-a-token"),
        Call::new("batch", "GET", "/profile"),
    ];
    let replies = replies(&batch(&sandbox, Some(&token), &calls));
    assert_eq!(replies[0].reason(401), "authError");
    assert_eq!(replies[1].status, 200, "{}", replies[1].text);
    // Refused for their credentials, the calls cost no user anything.
    assert_eq!(sandbox.quota_used(Provider::Google), 2);
}

#[test]
fn a_batch_holds_at_most_100_calls() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    sandbox.set_gmail_concurrency(None);
    let calls = |n: usize| -> Vec<Call> {
        (0..n)
            .map(|i| Call::new(&i.to_string(), "GET", "/profile"))
            .collect()
    };
    let over = batch(&sandbox, Some(&token), &calls(101));
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(
        over.json(),
        json!({"error": {
            "code": 400,
            "message": "Inner request count exceeds the limit. Received: 101, Limit: 100",
            "status": "INVALID_ARGUMENT",
        }})
    );
    assert_eq!(sandbox.quota_used(Provider::Google), 0, "nothing ran");
    assert!(sandbox.received().iter().all(|r| !r.batched));

    let full = replies(&batch(&sandbox, Some(&token), &calls(100)));
    assert_eq!(full.len(), 100);
    assert!(full.iter().all(|r| r.status == 200));
    assert_eq!(sandbox.quota_used(Provider::Google), 100);
}

/// "The server might perform your calls in any order. Don't count on their being executed in
/// the order in which you specified them." The sandbox runs them last to first.
#[test]
fn calls_run_in_no_promised_order() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let id = sandbox.message_ids(Provider::Google)[0].clone();
    sandbox.set_starred(Provider::Google, &id, false);
    let calls = [
        Call::new("star", "POST", &format!("/messages/{id}/modify"))
            .json(json!({"addLabelIds": ["STARRED"]})),
        Call::new("read", "GET", &format!("/messages/{id}?format=minimal")),
    ];
    let replies = replies(&batch(&sandbox, Some(&token), &calls));
    let labels = |reply: &Reply| reply.json()["labelIds"].clone();
    assert!(
        labels(&replies[0])
            .as_array()
            .unwrap()
            .contains(&json!("STARRED"))
    );
    assert!(
        !labels(&replies[1])
            .as_array()
            .unwrap()
            .contains(&json!("STARRED")),
        "the read ran before the change listed before it"
    );
    assert!(sandbox.state_of(Provider::Google, &id).unwrap().starred);
}

#[test]
fn a_call_over_the_quota_is_refused_inside_the_batch() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let ids = sandbox.message_ids(Provider::Google);
    sandbox.set_gmail_quota(Some(12));
    let calls: Vec<Call> = ids[..3]
        .iter()
        .map(|id| Call::new(id, "GET", &format!("/messages/{id}?format=minimal")))
        .collect();
    let replies = replies(&batch(&sandbox, Some(&token), &calls));
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status != 200).collect();
    assert_eq!(refused.len(), 1, "two of 5 units fit in 12, not three");
    assert_eq!(refused[0].reason(403), "userRateLimitExceeded");
    let seconds: u64 = refused[0].headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&seconds), "{seconds}");
    assert!(
        refused[0].json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("User-rate limit exceeded.  Retry after ")
    );
    assert_eq!(sandbox.quota_used(Provider::Google), 10);
    assert_eq!(sandbox.throttled(Provider::Google), 1);
}

/// The calls of a batch are in flight together: more than the user's concurrent requests are
/// refused one by one (live Gmail served batches of 25 calls and refused some calls of batches
/// of 100: https://github.com/amd/gaia/issues/2720).
#[test]
fn calls_over_the_concurrent_requests_are_refused_one_by_one() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let calls = |n: usize| -> Vec<Call> {
        (0..n)
            .map(|i| Call::new(&i.to_string(), "GET", "/profile"))
            .collect()
    };
    let served = replies(&batch(&sandbox, Some(&token), &calls(25)));
    assert!(served.iter().all(|r| r.status == 200));
    assert_eq!(sandbox.max_in_flight(Provider::Google), 25);

    let answered = replies(&batch(&sandbox, Some(&token), &calls(30)));
    let refused: Vec<&Reply> = answered.iter().filter(|r| r.status == 429).collect();
    assert_eq!(refused.len(), 5);
    assert_eq!(answered.iter().filter(|r| r.status == 200).count(), 25);
    let error = &refused[0].json()["error"];
    assert_eq!(error["message"], "Too many concurrent requests for user.");
    assert_eq!(error["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        error["errors"][0],
        json!({"message": "Too many concurrent requests for user.", "domain": "global", "reason": "rateLimitExceeded"})
    );
    assert!(refused[0].headers.get("retry-after").is_none());
    // Refused calls cost nothing.
    assert_eq!(sandbox.quota_used(Provider::Google), 50);
    assert_eq!(sandbox.throttled(Provider::Google), 5);
    assert_eq!(sandbox.max_in_flight(Provider::Google), 25);

    sandbox.set_gmail_concurrency(Some(2));
    let answered = replies(&batch(&sandbox, Some(&token), &calls(3)));
    assert_eq!(answered.iter().filter(|r| r.status == 429).count(), 1);
}

#[test]
fn a_batch_that_is_no_multipart_mixed_is_refused_whole() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let answer = call(&sandbox, "POST", GMAIL, "/batch/gmail/v1", &headers, "{}");
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.json()["error"]["status"], "INVALID_ARGUMENT");
    // The discovery document's batchPath serves batches too.
    let calls = [Call::new("p", "GET", "/profile")];
    let answer = batch(&sandbox, Some(&token), &calls);
    assert_eq!(replies(&answer)[0].status, 200);
    let content_type = "multipart/mixed; boundary=x";
    let body = "--x\r\nContent-Type: application/http\r\n\r\nGET https://gmail.googleapis.com/gmail/v1/users/me/profile\r\n\r\n--x--\r\n";
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", content_type),
    ];
    let full_url = call(&sandbox, "POST", GMAIL, "/batch", &headers, body);
    let reply = &replies(&full_url)[0];
    assert_eq!(reply.reason(400), "badRequest", "full URLs are not allowed");
}

/// The batch's query parameters apply to each call, unless the call gives its own.
#[test]
fn the_batch_query_applies_to_each_call() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let id = sandbox.message_ids(Provider::Google)[0].clone();
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "multipart/mixed; boundary=x"),
    ];
    let part = |target: String| {
        format!("--x\r\nContent-Type: application/http\r\n\r\nGET {USER}{target}\r\n\r\n")
    };
    let body = format!(
        "{}{}--x--\r\n",
        part(format!("/messages/{id}")),
        part(format!("/messages/{id}?format=full"))
    );
    let answer = call(
        &sandbox,
        "POST",
        GMAIL,
        "/batch/gmail/v1?format=minimal",
        &headers,
        body,
    );
    let replies = replies(&answer);
    let headers = |reply: &Reply| reply.json()["payload"].get("headers").is_some();
    assert!(
        !headers(&replies[0]),
        "minimal, from the batch: {}",
        replies[0].text
    );
    assert!(headers(&replies[1]), "full, its own: {}", replies[1].text);
}
