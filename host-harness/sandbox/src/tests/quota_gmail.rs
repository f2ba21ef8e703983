//! Gmail's usage limits (https://developers.google.com/workspace/gmail/api/reference/quota):
//! quota units per method, the per-user quota per minute and the per-user concurrent requests,
//! on the quota time scale.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::gmail_support::*;
use super::support::*;
use crate::{Provider, Sandbox};

/// The answer of `run`, and the Gmail quota units charged while it ran.
fn charged(sandbox: &Sandbox, run: impl FnOnce() -> Answer) -> (Answer, u64) {
    let before = sandbox.quota_used(Provider::Google);
    let answer = run();
    (answer, sandbox.quota_used(Provider::Google) - before)
}

/// A message to send or keep as a draft.
fn raw() -> String {
    "From: ann@example.com\r\nTo: bob@example.org\r\nSubject: Units\r\n\r\nHello\r\n".to_owned()
}

/// The Retry-After of `answer`, in seconds.
fn retry_after(answer: &Answer) -> u64 {
    answer.header("retry-after").parse().unwrap()
}

#[test]
fn each_method_costs_its_documented_units_and_uploads_cost_as_their_method() {
    let (sandbox, _) = seeded(Provider::Google, 10, 2);
    // Deleting for good takes the full-access scope.
    let token = access_token(
        &sandbox,
        Provider::Google,
        Some("openid https://mail.google.com/"),
    );
    let ids = sandbox.message_ids(Provider::Google);
    let encoded = json!({"raw": URL_SAFE_NO_PAD.encode(raw())});
    let history = gmail(&sandbox, &token, "GET", "/profile", &Value::Null).json()["historyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: Vec<(&str, String, Value, u64)> = vec![
        ("GET", "/profile".into(), Value::Null, 1),
        ("GET", "/labels".into(), Value::Null, 1),
        ("GET", "/labels/INBOX".into(), Value::Null, 1),
        ("GET", "/settings/sendAs".into(), Value::Null, 1),
        (
            "GET",
            format!("/history?startHistoryId={history}"),
            Value::Null,
            2,
        ),
        ("GET", "/messages".into(), Value::Null, 5),
        ("GET", format!("/messages/{}", ids[0]), Value::Null, 5),
        ("GET", format!("/threads/{}", ids[0]), Value::Null, 10),
        (
            "POST",
            format!("/messages/{}/modify", ids[0]),
            json!({"addLabelIds": ["STARRED"]}),
            5,
        ),
        (
            "POST",
            format!("/messages/{}/trash", ids[1]),
            Value::Null,
            5,
        ),
        (
            "POST",
            format!("/messages/{}/untrash", ids[1]),
            Value::Null,
            5,
        ),
        (
            "POST",
            "/messages/batchModify".into(),
            json!({"ids": [ids[2]], "addLabelIds": ["STARRED"]}),
            50,
        ),
        ("POST", "/messages/send".into(), encoded.clone(), 100),
        ("GET", "/drafts".into(), Value::Null, 5),
        ("DELETE", format!("/messages/{}", ids[3]), Value::Null, 10),
        (
            "POST",
            "/messages/batchDelete".into(),
            json!({"ids": [ids[4]]}),
            50,
        ),
    ];
    for (method, target, body, units) in &cases {
        let (answer, spent) = charged(&sandbox, || gmail(&sandbox, &token, method, target, body));
        assert!(
            answer.status.is_success(),
            "{method} {target}: {}",
            answer.text
        );
        assert_eq!(spent, *units, "{method} {target}");
    }

    // Drafts, from creation to sending.
    let draft = json!({"message": {"raw": URL_SAFE_NO_PAD.encode(raw())}});
    let request = |method: &str, target: &str, body: &Value| {
        charged(&sandbox, || gmail(&sandbox, &token, method, target, body))
    };
    let (created, spent) = request("POST", "/drafts", &draft);
    assert_eq!(
        (created.status.as_u16(), spent),
        (200, 10),
        "{}",
        created.text
    );
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let at = format!("/drafts/{id}");
    assert_eq!(request("GET", &at, &Value::Null).1, 5);
    assert_eq!(request("PUT", &at, &draft).1, 15);
    let (sent, spent) = request("POST", "/drafts/send", &json!({"id": id}));
    assert_eq!((sent.status.as_u16(), spent), (200, 100), "{}", sent.text);
    let (created, _) = request("POST", "/drafts", &draft);
    let at = format!("/drafts/{}", created.json()["id"].as_str().unwrap());
    assert_eq!(request("DELETE", &at, &Value::Null).1, 10);

    // A media upload costs as its method.
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "message/rfc822"),
    ];
    let upload = "/upload/gmail/v1/users/me/messages/send?uploadType=media";
    let (sent, spent) = charged(&sandbox, || {
        call(&sandbox, "POST", GMAIL, upload, &headers, raw())
    });
    assert_eq!((sent.status.as_u16(), spent), (200, 100), "{}", sent.text);

    // A request Google turns away for its token is no user's: it costs nothing.
    let (refused, spent) = charged(&sandbox, || {
        get(&sandbox, GMAIL, &format!("{USER}/profile"), None)
    });
    assert_eq!((refused.status.as_u16(), spent), (401, 0));
    assert_eq!(sandbox.throttled(Provider::Google), 0);
}

#[test]
fn over_the_quota_requests_are_refused_until_the_minute_frees() {
    let (sandbox, token) = seeded(Provider::Google, 10, 2);
    let list = || gmail(&sandbox, &token, "GET", "/messages", &Value::Null);
    sandbox.set_gmail_quota(Some(12));
    assert_eq!(list().status, 200);
    assert_eq!(list().status, 200);

    // 10 units spent of 12: 5 more do not fit. Gmail's 403 for the per-user rate limit, naming
    // when the minute has room again.
    let refused = list();
    assert_eq!(refused.status, 403, "{}", refused.text);
    let error = &refused.json()["error"];
    assert_eq!(error["status"], "PERMISSION_DENIED");
    assert_eq!(error["errors"][0]["reason"], "userRateLimitExceeded");
    assert_eq!(error["errors"][0]["domain"], "usageLimits");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("User-rate limit exceeded.  Retry after "),
        "{message}"
    );
    assert!(
        (59..=60).contains(&retry_after(&refused)),
        "{}",
        retry_after(&refused)
    );

    // The refused request cost nothing: a 1-unit request still fits (10 + 1 of 12).
    assert_eq!(
        gmail(&sandbox, &token, "GET", "/profile", &Value::Null).status,
        200
    );
    assert_eq!(sandbox.quota_used(Provider::Google), 11);
    assert_eq!(sandbox.throttled(Provider::Google), 1);

    // One minute of quota per 6 seconds: the wait shrinks tenfold.
    sandbox.set_quota_time_scale(6.0);
    let refused = list();
    assert_eq!(refused.status, 403);
    assert!(
        (5..=6).contains(&retry_after(&refused)),
        "{}",
        retry_after(&refused)
    );
    // A minute per 0.6 seconds: the wait rounds up to one second, and the minute frees soon.
    sandbox.set_quota_time_scale(0.6);
    let refused = list();
    assert_eq!(refused.status, 403);
    assert_eq!(retry_after(&refused), 1);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(list().status, 200);
    assert_eq!(list().status, 200);
    assert_eq!(sandbox.throttled(Provider::Google), 3);

    // Switched off, the quota refuses nothing.
    sandbox.set_gmail_quota(None);
    for _ in 0..5 {
        assert_eq!(list().status, 200);
    }
}

/// 15,000 units a minute by default: twelve batches of 25 `batchModify` calls (50 units each)
/// fit, the next batch's calls are all refused.
#[test]
fn the_default_quota_is_15000_units_a_minute() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    let id = sandbox.message_ids(Provider::Google)[0].clone();
    let calls = || -> Vec<Call> {
        (0..25)
            .map(|i| {
                Call::new(&i.to_string(), "POST", "/messages/batchModify")
                    .json(json!({"ids": [id], "addLabelIds": ["STARRED"]}))
            })
            .collect()
    };
    for _ in 0..12 {
        let replies = replies(&batch(&sandbox, Some(&token), &calls()));
        assert!(
            replies.iter().all(|r| r.status == 204),
            "{}",
            replies[0].text
        );
    }
    assert_eq!(sandbox.quota_used(Provider::Google), 15_000);
    let replies = replies(&batch(&sandbox, Some(&token), &calls()));
    assert!(
        replies
            .iter()
            .all(|r| r.reason(403) == "userRateLimitExceeded")
    );
    assert_eq!(sandbox.throttled(Provider::Google), 25);
}

#[test]
fn requests_over_the_concurrent_requests_are_refused() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    sandbox.set_latency(Duration::from_millis(400));
    sandbox.set_gmail_concurrency(Some(3));
    let profile = || gmail(&sandbox, &token, "GET", "/profile", &Value::Null);
    let answers = at_once(5, profile);
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    let served = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(served + refused.len(), 5);
    assert!(!refused.is_empty(), "five at once, three allowed");
    assert_eq!(sandbox.max_in_flight(Provider::Google), 3);
    let error = &refused[0].json()["error"];
    assert_eq!(error["message"], "Too many concurrent requests for user.");
    assert_eq!(error["errors"][0]["reason"], "rateLimitExceeded");
    assert_eq!(error["errors"][0]["domain"], "global");
    assert!(refused[0].headers.get("retry-after").is_none());
    // Refused, they cost nothing.
    assert_eq!(sandbox.quota_used(Provider::Google), served as u64);
    assert_eq!(sandbox.throttled(Provider::Google), refused.len());

    sandbox.set_gmail_concurrency(None);
    assert!(at_once(5, profile).iter().all(|a| a.status == 200));
}
