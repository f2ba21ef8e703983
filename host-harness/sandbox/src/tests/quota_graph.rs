//! Outlook's limits on Graph mail requests
//! (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits):
//! concurrent requests, requests per ten minutes and uploads per five minutes per mailbox, one by
//! one inside JSON batches, on the quota time scale.

use std::time::Duration;

use serde_json::{Value, json};

use super::graph_support::*;
use super::support::*;
use crate::{Provider, Sandbox};

/// The attachment upload URLs' host.
const OUTLOOK: &str = "outlook.office.com";

/// The Retry-After of `answer`, in seconds.
fn retry_after(answer: &Answer) -> u64 {
    answer.header("retry-after").parse().unwrap()
}

/// `GET` of the inbox folder.
fn inbox(sandbox: &Sandbox, token: &str) -> Answer {
    request(
        sandbox,
        token,
        "GET",
        "/v1.0/me/mailFolders/inbox",
        &[],
        &Value::Null,
    )
}

/// A JSON batch of `count` reads of the inbox folder; its `responses`.
fn batch_of_reads(sandbox: &Sandbox, token: &str, count: usize) -> Vec<Value> {
    let requests: Vec<Value> = (1..=count)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me/mailFolders/inbox"}))
        .collect();
    let body = json!({"requests": requests});
    let answer = answered(sandbox, token, "POST", "/v1.0/$batch", &[], &body, 200);
    answer["responses"].as_array().unwrap().clone()
}

#[test]
fn a_fifth_request_in_flight_is_throttled() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    sandbox.set_latency(Duration::from_millis(400));
    let answers = at_once(6, || inbox(&sandbox, &token));
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    let served = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(served + refused.len(), 6);
    assert!(!refused.is_empty(), "six at once, four allowed");
    assert_eq!(sandbox.max_in_flight(Provider::Microsoft), 4);
    assert_eq!(
        refused[0].json(),
        json!({"error": {"code": "ApplicationThrottled", "message": "Application is over its MailboxConcurrency limit."}})
    );
    assert_eq!(retry_after(refused[0]), 1);
    // Every request counts among the mailbox's requests, the refused ones too.
    assert_eq!(sandbox.quota_used(Provider::Microsoft), 6);
    assert_eq!(sandbox.throttled(Provider::Microsoft), refused.len());

    sandbox.set_graph_concurrency(None);
    assert!(
        at_once(6, || inbox(&sandbox, &token))
            .iter()
            .all(|a| a.status == 200)
    );
}

#[test]
fn requests_over_ten_minutes_are_throttled_until_the_window_frees() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    sandbox.set_graph_request_limit(Some(3));
    for _ in 0..3 {
        assert_eq!(inbox(&sandbox, &token).status, 200);
    }
    let refused = inbox(&sandbox, &token);
    assert_eq!(refused.status, 429, "{}", refused.text);
    let error = &refused.json()["error"];
    assert_eq!(error["code"], "TooManyRequests");
    assert_eq!(error["message"], "Please retry again later.");
    assert_eq!(error["innerError"]["status"], "429");
    assert!(
        (599..=600).contains(&retry_after(&refused)),
        "{}",
        retry_after(&refused)
    );
    assert_eq!(inbox(&sandbox, &token).status, 429);
    // The profile is no mail request: not counted, not throttled.
    get_ok(&sandbox, &token, "/v1.0/me", &[]);
    assert_eq!(sandbox.quota_used(Provider::Microsoft), 5);
    assert_eq!(sandbox.throttled(Provider::Microsoft), 2);

    // Ten minutes per 0.6 seconds: the wait rounds up to a second, and the window frees soon.
    sandbox.set_quota_time_scale(0.06);
    let refused = inbox(&sandbox, &token);
    assert_eq!(refused.status, 429);
    assert_eq!(retry_after(&refused), 1);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(inbox(&sandbox, &token).status, 200);

    sandbox.set_graph_request_limit(None);
    for _ in 0..5 {
        assert_eq!(inbox(&sandbox, &token).status, 200);
    }
}

#[test]
fn uploads_over_five_minutes_are_throttled() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    let attachments = draft_attachments(&sandbox, &token);
    sandbox.set_graph_upload_limit(Some(500_000));
    let file = file_attachment("a.bin", "application/octet-stream", &[7u8; 200_000]);
    assert!(file.len() > 250_000);
    assert_eq!(post_text(&sandbox, &token, &attachments, &file).status, 201);

    // An upload session's PUTs count their bytes too.
    let session = answered(
        &sandbox,
        &token,
        "POST",
        &format!("{attachments}/createUploadSession"),
        &[],
        &json!({"AttachmentItem": {"attachmentType": "file", "name": "b.bin", "size": 400_000}}),
        201,
    );
    let url = session["uploadUrl"].as_str().unwrap();
    let target = url.strip_prefix("https://outlook.office.com").unwrap();
    let put = |range: &str, body: &[u8]| {
        let headers = [
            ("content-range", range),
            ("content-type", "application/octet-stream"),
        ];
        call(&sandbox, "PUT", OUTLOOK, target, &headers, body)
    };
    let chunk = [1u8; 200_000];
    assert_eq!(put("bytes 0-199999/400000", &chunk).status, 200);
    let refused = put("bytes 200000-399999/400000", &chunk);
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(
        refused.json(),
        json!({"error": {"code": "ApplicationThrottled", "message": "Application is over its IncomingBytes limit."}})
    );
    assert!(
        (299..=300).contains(&retry_after(&refused)),
        "{}",
        retry_after(&refused)
    );
    let refused = post_text(&sandbox, &token, &attachments, &file);
    assert_eq!(refused.status, 429);
    // Reads upload nothing and are still served.
    assert_eq!(inbox(&sandbox, &token).status, 200);
    assert_eq!(sandbox.throttled(Provider::Microsoft), 2);

    sandbox.set_graph_upload_limit(None);
    assert_eq!(put("bytes 200000-399999/400000", &chunk).status, 201);
}

/// "Requests in a batch are evaluated individually against the applicable throttling limits
/// and if any request exceeds the limits, it fails with a status of 429"
/// (https://learn.microsoft.com/en-us/graph/json-batching); the batch itself is no Outlook
/// request.
#[test]
fn batched_requests_are_counted_and_throttled_one_by_one() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    sandbox.set_graph_request_limit(Some(3));
    let responses = batch_of_reads(&sandbox, &token, 5);
    let statuses: Vec<&Value> = responses.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3);
    let refused: Vec<&Value> = responses.iter().filter(|r| r["status"] == 429).collect();
    assert_eq!(refused.len(), 2);
    for response in refused {
        assert_eq!(response["body"]["error"]["code"], "TooManyRequests");
        let seconds: u64 = response["headers"]["Retry-After"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((599..=600).contains(&seconds), "{seconds}");
    }
    assert_eq!(sandbox.quota_used(Provider::Microsoft), 5);
    assert_eq!(sandbox.throttled(Provider::Microsoft), 2);
}

/// Graph "executes up to 4 requests in parallel" of a batch: a batch of 8 is two rounds of 4,
/// within the mailbox's 4 concurrent requests; with room for 2, two of each round are throttled.
#[test]
fn graph_runs_a_batch_four_at_a_time() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    let responses = batch_of_reads(&sandbox, &token, 8);
    assert!(responses.iter().all(|r| r["status"] == 200));
    assert_eq!(sandbox.max_in_flight(Provider::Microsoft), 4);

    sandbox.set_graph_concurrency(Some(2));
    let responses = batch_of_reads(&sandbox, &token, 8);
    let refused: Vec<&Value> = responses.iter().filter(|r| r["status"] == 429).collect();
    assert_eq!(refused.len(), 4);
    assert_eq!(refused[0]["body"]["error"]["code"], "ApplicationThrottled");
    assert_eq!(refused[0]["headers"]["Retry-After"], "1");
    assert_eq!(sandbox.throttled(Provider::Microsoft), 4);
}

/// 10,000 requests in ten minutes by default: 500 batches of 20 reads are served, the next
/// read is throttled.
#[test]
fn the_default_request_limit_is_10000_in_ten_minutes() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 2);
    for _ in 0..500 {
        let responses = batch_of_reads(&sandbox, &token, 20);
        assert!(responses.iter().all(|r| r["status"] == 200));
    }
    assert_eq!(sandbox.quota_used(Provider::Microsoft), 10_000);
    assert_eq!(inbox(&sandbox, &token).status, 429);
}
