//! Every fault kind as a raw client sees it: the status and body, what goes over the wire and
//! when the connection closes, and whether the request was applied.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::gmail_support::{Call, batch, replies};
use super::raw::{self, End};
use super::support::*;
use crate::{Fault, FaultKind, MailboxSpec, Provider, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const GRAPH: &str = "graph.microsoft.com";
const SEND: &str = "/gmail/v1/users/me/messages/send";
const PROFILE: &str = "/gmail/v1/users/me/profile";
/// Long enough for any whole answer on loopback.
const QUIET: Duration = Duration::from_secs(5);

/// A sandbox with both mailboxes seeded, and a token for each provider (Google, Microsoft).
fn both() -> (Sandbox, String, String) {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Google, &MailboxSpec::default());
    sandbox.seed_mailbox(Provider::Microsoft, &MailboxSpec::default());
    let google = access_token(&sandbox, Provider::Google, None);
    let microsoft = access_token(&sandbox, Provider::Microsoft, None);
    (sandbox, google, microsoft)
}

/// The body of a Gmail `messages.send`.
fn mail() -> Value {
    let raw = "From: ann@example.com\r\nTo: bob@example.org\r\nSubject: Fault\r\n\r\nHello\r\n";
    json!({"raw": URL_SAFE_NO_PAD.encode(raw)})
}

/// A Graph message, unflagged, and the PATCH path and body that flag it.
fn unflagged(sandbox: &Sandbox) -> (String, String, Value) {
    let id = sandbox.message_ids(Provider::Microsoft)[0].clone();
    sandbox.set_starred(Provider::Microsoft, &id, false);
    let target = format!("/v1.0/me/messages/{id}");
    (id, target, json!({"flag": {"flagStatus": "flagged"}}))
}

/// Whether Graph message `id` is flagged.
fn flagged(sandbox: &Sandbox, id: &str) -> bool {
    sandbox.state_of(Provider::Microsoft, id).unwrap().starred
}

/// The `<title>` of an HTML page.
fn title(body: &[u8]) -> String {
    crate::client::page_title(body)
        .unwrap_or_default()
        .to_owned()
}

/// Each status answers with the provider's own error body: Google's JSON envelope (with its
/// gRPC status; its 502 is the front end's HTML page,
/// https://github.com/googleapis/google-api-php-client/issues/2421), Graph's error object
/// (502 an `UnknownError` holding its gateway's page,
/// https://github.com/microsoftgraph/microsoft-graph-docs/issues/10791; 504 an `UnknownError`
/// with no message, https://github.com/microsoftgraph/microsoft-graph-docs/issues/5288).
#[test]
fn status_faults_answer_each_providers_own_body() {
    let (sandbox, google, microsoft) = both();
    for (status, named) in [
        (429, "RESOURCE_EXHAUSTED rateLimitExceeded"),
        (500, "INTERNAL backendError"),
        (502, "Error 502 (Server Error)!!1"),
        (503, "UNAVAILABLE backendError"),
        (504, "DEADLINE_EXCEEDED backendError"),
        (401, "UNAUTHENTICATED authError"),
    ] {
        sandbox.fail_next(Fault::status(Provider::Google, PROFILE, status));
        let answer = get(&sandbox, GMAIL, PROFILE, Some(&google));
        assert_eq!(answer.status, status);
        let name = match answer.header("content-type") {
            html if html.starts_with("text/html") => title(&answer.bytes),
            _ => {
                let error = &answer.json()["error"];
                assert_eq!(error["code"], status);
                format!("{} {}", error["status"], error["errors"][0]["reason"]).replace('"', "")
            }
        };
        assert_eq!(name, named, "{status}: {}", answer.text);
    }
    let gateway_page = "<title>502 Bad Gateway</title>";
    for (status, code, message) in [
        (429, "TooManyRequests", "Please retry again later."),
        (
            500,
            "ErrorInternalServerError",
            "An internal server error occurred. The operation failed.",
        ),
        (502, "UnknownError", gateway_page),
        (503, "serviceNotAvailable", "Service unavailable"),
        (504, "UnknownError", ""),
        (
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ),
    ] {
        sandbox.fail_next(Fault::status(Provider::Microsoft, "/v1.0/me", status));
        let answer = get(&sandbox, GRAPH, "/v1.0/me", Some(&microsoft));
        assert_eq!(answer.status, status);
        assert!(
            answer
                .header("content-type")
                .starts_with("application/json")
        );
        let error = &answer.json()["error"];
        assert_eq!(error["code"], code, "{}", answer.text);
        let said = error["message"].as_str().unwrap();
        match status {
            502 => assert!(said.contains(message), "{said}"),
            _ => assert_eq!(said, message),
        }
        assert!(error["innerError"]["request-id"].is_string());
    }
    assert_eq!(
        get(&sandbox, GRAPH, "/v1.0/me", Some(&microsoft)).status,
        200
    );
}

/// A status fault is not applied, but a 504 is: a gateway timeout does not say the service
/// did nothing (google.rpc.Code `DEADLINE_EXCEEDED`: "may be returned even if the operation
/// has completed successfully").
#[test]
fn a_status_is_not_applied_but_a_gateway_timeout_is() {
    let (sandbox, google, microsoft) = both();
    sandbox.fail_next(Fault::status(Provider::Google, SEND, 503));
    let refused = authorized(&sandbox, &google, "POST", GMAIL, SEND, &[], &mail());
    assert_eq!(refused.status, 503);
    assert!(sandbox.sent(Provider::Google).is_empty(), "not sent");
    sandbox.fail_next(Fault::status(Provider::Google, SEND, 504));
    let timed_out = authorized(&sandbox, &google, "POST", GMAIL, SEND, &[], &mail());
    assert_eq!(timed_out.status, 504);
    assert_eq!(sandbox.sent(Provider::Google).len(), 1, "sent all the same");

    let (id, target, flag) = unflagged(&sandbox);
    sandbox.fail_next(Fault::status(Provider::Microsoft, &target, 500));
    let failed = authorized(&sandbox, &microsoft, "PATCH", GRAPH, &target, &[], &flag);
    assert_eq!(failed.status, 500);
    assert!(!flagged(&sandbox, &id));
    sandbox.fail_next(Fault::status(Provider::Microsoft, &target, 504));
    let timed_out = authorized(&sandbox, &microsoft, "PATCH", GRAPH, &target, &[], &flag);
    assert_eq!(timed_out.status, 504);
    assert!(flagged(&sandbox, &id));
}

/// Closed before it is applied: not one byte of answer, the connection closed, and nothing
/// changed in the mailbox; the request goes through when sent again.
#[test]
fn closed_before_applied_changes_nothing() {
    let (sandbox, google, microsoft) = both();
    sandbox.fail_next(Fault::closed_before(Provider::Google, SEND));
    let wire = raw::exchange(&sandbox, "POST", GMAIL, SEND, &google, &mail(), QUIET);
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
    assert!(sandbox.sent(Provider::Google).is_empty(), "not sent");
    let sent = authorized(&sandbox, &google, "POST", GMAIL, SEND, &[], &mail());
    assert_eq!(sent.status, 200);
    assert_eq!(sandbox.sent(Provider::Google).len(), 1);

    let (id, target, flag) = unflagged(&sandbox);
    sandbox.fail_next(Fault::closed_before(Provider::Microsoft, &id));
    let wire = raw::exchange(&sandbox, "PATCH", GRAPH, &target, &microsoft, &flag, QUIET);
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
    assert!(!flagged(&sandbox, &id), "not flagged");
}

/// A lost answer: the same silence on the wire, but the request was applied.
#[test]
fn a_lost_answer_closes_the_connection_after_applying() {
    let (sandbox, _, microsoft) = both();
    let (id, target, flag) = unflagged(&sandbox);
    sandbox.fail_next(Fault::lost(Provider::Microsoft, &id));
    let wire = raw::exchange(&sandbox, "PATCH", GRAPH, &target, &microsoft, &flag, QUIET);
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
    assert!(flagged(&sandbox, &id), "flagged all the same");
}

/// No answer: the request is applied and the connection stays open and silent, while other
/// requests are answered; dropping the sandbox closes it at once.
#[test]
fn no_answer_holds_the_connection_without_holding_up_the_sandbox() {
    let (sandbox, _, microsoft) = both();
    let (id, target, flag) = unflagged(&sandbox);
    sandbox.fail_next(Fault::no_answer(Provider::Microsoft, &id));
    let mut held = raw::send(&sandbox, "PATCH", GRAPH, &target, &microsoft, &flag);
    let wire = raw::read(&mut held, Duration::from_millis(400));
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Silent));
    assert!(flagged(&sandbox, &id), "applied");
    let other = get(&sandbox, GRAPH, "/v1.0/me", Some(&microsoft));
    assert_eq!(other.status, 200, "the sandbox goes on answering");
    // Still nothing on the held connection.
    let wire = raw::read(&mut held, Duration::from_millis(100));
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Silent));

    let started = Instant::now();
    drop(sandbox);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the drop waited"
    );
    let wire = raw::read(&mut held, QUIET);
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
}

/// A slow body: the real answer, its head at once, its body in many small pieces at the pace
/// asked for.
#[test]
fn a_slow_body_trickles_the_real_answer() {
    let (sandbox, _, microsoft) = both();
    let whole = get(&sandbox, GRAPH, "/v1.0/me", Some(&microsoft));
    let pace = 1000;
    sandbox.fail_next(Fault::slow_body(Provider::Microsoft, "/v1.0/me", pace));
    let wire = raw::exchange(
        &sandbox,
        "GET",
        GRAPH,
        "/v1.0/me",
        &microsoft,
        &Value::Null,
        QUIET,
    );
    assert_eq!(wire.end, End::Closed);
    assert_eq!(wire.status(), 200);
    assert_eq!(wire.body(), whole.bytes.as_slice(), "the real answer");
    assert_eq!(wire.content_length(), whole.bytes.len());
    // 100 bytes every tenth of a second.
    let length = whole.bytes.len();
    assert!(length > 250, "{length}");
    let least = Duration::from_secs_f64(length as f64 / f64::from(pace)) * 8 / 10;
    assert!(wire.took >= least, "{:?} < {least:?}", wire.took);
    // The head at once, the body piece by piece (pieces a tenth of a second apart may still
    // meet in one read on a busy machine, hence the margin).
    let first = wire.first.unwrap();
    assert!(first < wire.took / 3, "{first:?} of {:?}", wire.took);
    assert!(wire.reads >= length / 200, "{} reads", wire.reads);
}

/// A truncated body: the head announces the whole body, half of it comes, and the connection
/// closes; an HTTP client sees the answer end early.
#[test]
fn a_truncated_body_announces_the_whole_and_sends_half() {
    let (sandbox, google, _) = both();
    let whole = get(&sandbox, GMAIL, PROFILE, Some(&google));
    sandbox.fail_next(Fault::truncated(Provider::Google, PROFILE));
    let wire = raw::exchange(
        &sandbox,
        "GET",
        GMAIL,
        PROFILE,
        &google,
        &Value::Null,
        QUIET,
    );
    assert_eq!(wire.end, End::Closed);
    assert_eq!(wire.status(), 200);
    assert_eq!(wire.content_length(), whole.bytes.len());
    assert_eq!(wire.body(), &whole.bytes[..whole.bytes.len() / 2]);

    sandbox.fail_next(Fault::truncated(Provider::Google, PROFILE));
    let request = http::Request::get(PROFILE)
        .header("host", GMAIL)
        .header("authorization", format!("Bearer {google}"))
        .body(Default::default())
        .unwrap();
    let error = sandbox.exchange(request).expect_err("cut short");
    assert!(format!("{error:#}").contains("end of file"), "{error:#}");
}

/// Invalid JSON: `200 OK`, half the real body under a `Content-Length` that matches it, no
/// JSON; the request was applied.
#[test]
fn invalid_json_is_half_the_real_body() {
    let (sandbox, google, microsoft) = both();
    let list = "/gmail/v1/users/me/messages?maxResults=5";
    let whole = get(&sandbox, GMAIL, list, Some(&google));
    sandbox.fail_next(Fault::invalid_json(Provider::Google, list));
    let wire = raw::exchange(&sandbox, "GET", GMAIL, list, &google, &Value::Null, QUIET);
    assert_eq!(wire.status(), 200);
    assert_eq!(wire.content_length(), wire.body().len());
    assert_eq!(wire.body(), &whole.bytes[..whole.bytes.len() / 2]);
    assert!(serde_json::from_slice::<Value>(wire.body()).is_err());
    assert!(
        wire.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );

    let (id, target, flag) = unflagged(&sandbox);
    sandbox.fail_next(Fault::invalid_json(Provider::Microsoft, &id));
    let answer = authorized(&sandbox, &microsoft, "PATCH", GRAPH, &target, &[], &flag);
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<Value>(&answer.bytes).is_err());
    assert!(flagged(&sandbox, &id), "applied");
}

/// Proxy pages: the front end's HTML, not the API's JSON (Google's GFE page,
/// https://github.com/googleapis/google-api-php-client/issues/2421; Azure Application
/// Gateway's before Graph, https://github.com/microsoftgraph/microsoft-graph-docs/issues/10791);
/// not applied, except a 504.
#[test]
fn proxy_pages_are_html_from_the_front_end() {
    let (sandbox, google, microsoft) = both();
    for (status, expected) in [
        (502, "Error 502 (Server Error)!!1"),
        (503, "Error 503 (Service Unavailable)!!1"),
        (504, "Error 504 (Gateway Timeout)!!1"),
    ] {
        sandbox.fail_next(Fault::proxy_html(Provider::Google, SEND, status));
        let before = sandbox.sent(Provider::Google).len();
        let page = authorized(&sandbox, &google, "POST", GMAIL, SEND, &[], &mail());
        assert_eq!(page.status, status);
        assert!(page.header("content-type").starts_with("text/html"));
        assert_eq!(title(&page.bytes), expected);
        assert!(page.text.contains("That’s an error."), "{}", page.text);
        let applied = sandbox.sent(Provider::Google).len() > before;
        assert_eq!(applied, status == 504, "{status}");
    }
    for (status, expected) in [
        (502, "502 Bad Gateway"),
        (503, "503 Service Temporarily Unavailable"),
        (504, "504 Gateway Time-out"),
    ] {
        let (id, target, flag) = unflagged(&sandbox);
        sandbox.fail_next(Fault::proxy_html(Provider::Microsoft, &id, status));
        let page = authorized(&sandbox, &microsoft, "PATCH", GRAPH, &target, &[], &flag);
        assert_eq!(page.status, status);
        assert!(page.header("content-type").starts_with("text/html"));
        assert_eq!(title(&page.bytes), expected);
        assert!(page.text.contains("Microsoft-Azure-Application-Gateway/v2"));
        assert_eq!(flagged(&sandbox, &id), status == 504, "{status}");
    }
}

/// Inside a batch a status answers its own call; any other kind falls on the whole batch.
#[test]
fn in_a_gmail_batch_a_status_answers_its_own_call() {
    let (sandbox, google, _) = both();
    let ids = sandbox.message_ids(Provider::Google);
    for id in &ids[..2] {
        sandbox.set_starred(Provider::Google, id, false);
    }
    let star = |id: &str| {
        Call::new(id, "POST", &format!("/messages/{id}/modify"))
            .json(json!({"addLabelIds": ["STARRED"]}))
    };
    sandbox.fail_next(Fault::status(Provider::Google, &ids[0], 503));
    let parts = replies(&batch(
        &sandbox,
        Some(&google),
        &[star(&ids[0]), star(&ids[1])],
    ));
    assert_eq!(parts[0].reason(503), "backendError");
    assert_eq!(parts[1].status, 200);
    let starred = |id: &str| sandbox.state_of(Provider::Google, id).unwrap().starred;
    assert!(!starred(&ids[0]) && starred(&ids[1]));
}

/// A kind that is not a status, drawn by a request inside a Graph JSON batch, falls on the
/// whole batch: a request closed before it was applied closes the batch's connection, that
/// request not applied and the other one applied; a truncated body cuts the batch's answer.
#[test]
fn in_a_graph_batch_other_kinds_fall_on_the_whole_batch() {
    let (sandbox, _, microsoft) = both();
    let ids = sandbox.message_ids(Provider::Microsoft);
    let flag = |id: &str, n: &str| {
        json!({"id": n, "method": "PATCH", "url": format!("/me/messages/{id}"),
               "headers": {"Content-Type": "application/json"},
               "body": {"flag": {"flagStatus": "flagged"}}})
    };
    let requests = json!({"requests": [flag(&ids[0], "1"), flag(&ids[1], "2")]});
    for id in &ids[..2] {
        sandbox.set_starred(Provider::Microsoft, id, false);
    }
    sandbox.fail_next(Fault::closed_before(Provider::Microsoft, &ids[0]));
    let wire = raw::exchange(
        &sandbox,
        "POST",
        GRAPH,
        "/v1.0/$batch",
        &microsoft,
        &requests,
        QUIET,
    );
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
    assert!(
        !flagged(&sandbox, &ids[0]),
        "the faulty request is not applied"
    );
    assert!(flagged(&sandbox, &ids[1]), "the other one is");

    sandbox.fail_next(Fault::truncated(Provider::Microsoft, &ids[1]));
    let wire = raw::exchange(
        &sandbox,
        "POST",
        GRAPH,
        "/v1.0/$batch",
        &microsoft,
        &requests,
        QUIET,
    );
    assert_eq!((wire.status(), &wire.end), (200, &End::Closed));
    assert_eq!(wire.body().len(), wire.content_length() / 2);
}

/// Every fault given is counted under its kind's name.
#[test]
fn faults_are_counted_by_kind() {
    let (sandbox, google, _) = both();
    assert!(sandbox.faults_injected(Provider::Google).is_empty());
    sandbox.fail_next(Fault::status(Provider::Google, PROFILE, 503).times(2));
    sandbox.fail_next(Fault::invalid_json(Provider::Google, PROFILE));
    sandbox.fail_next(Fault::proxy_html(Provider::Google, PROFILE, 502));
    for _ in 0..5 {
        get(&sandbox, GMAIL, PROFILE, Some(&google));
    }
    let counted: Vec<(String, usize)> = sandbox
        .faults_injected(Provider::Google)
        .into_iter()
        .collect();
    assert_eq!(
        counted,
        [
            ("invalid_json".to_owned(), 1),
            ("proxy_html_502".to_owned(), 1),
            ("status_503".to_owned(), 2),
        ]
    );
    assert!(sandbox.faults_injected(Provider::Microsoft).is_empty());
}

/// The constructors build each kind once, and `times` repeats them.
#[test]
fn fault_constructors_build_each_kind() {
    let path = "/messages";
    let google = Provider::Google;
    for (fault, kind) in [
        (
            Fault::closed_before(google, path),
            FaultKind::ClosedBeforeApplied,
        ),
        (Fault::no_answer(google, path), FaultKind::NoAnswer),
        (
            Fault::slow_body(google, path, 64),
            FaultKind::SlowBody {
                bytes_per_second: 64,
            },
        ),
        (Fault::truncated(google, path), FaultKind::TruncatedBody),
        (Fault::invalid_json(google, path), FaultKind::InvalidJson),
        (
            Fault::proxy_html(google, path, 503),
            FaultKind::ProxyHtml { status: 503 },
        ),
    ] {
        assert_eq!((&fault.path_contains[..], fault.times), (path, 1));
        assert_eq!(fault.kind, kind);
        assert_eq!(fault.clone().retry_after(3), fault, "only a status has one");
        assert_eq!(fault.times(4).times, 4);
    }
}
