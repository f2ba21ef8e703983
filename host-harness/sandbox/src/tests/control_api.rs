//! The control API over HTTP: every operation `openapi.json` lists exists and answers as its
//! schemas say, each control changes what the provider APIs serve, and bad input is refused
//! with 400 and a message.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::gmail_support::gmail;
use super::schema;
use super::support::{Answer, access_token, call, sandbox};
use crate::{Provider, Sandbox};

/// The OpenAPI document, as served.
fn document(sandbox: &Sandbox) -> Value {
    let answer = control(sandbox, "GET", "openapi.json", None);
    assert_eq!(answer.status, 200);
    answer.json()
}

/// `host:port` of the sandbox: what a control request's `Host` is.
fn authority(sandbox: &Sandbox) -> String {
    sandbox.base_url().trim_start_matches("http://").to_owned()
}

/// A control request: `method` on `/_sandbox/v1/{route}` with a JSON `body`.
fn control(sandbox: &Sandbox, method: &str, route: &str, body: Option<Value>) -> Answer {
    let host = authority(sandbox);
    let target = format!("/_sandbox/v1/{route}");
    match body {
        Some(body) => call(
            sandbox,
            method,
            &host,
            &target,
            &[("content-type", "application/json")],
            body.to_string(),
        ),
        None => call(sandbox, method, &host, &target, &[], ""),
    }
}

/// A raw control request with any content type and body text.
fn control_raw(
    sandbox: &Sandbox,
    method: &str,
    route: &str,
    content_type: &str,
    body: &str,
) -> Answer {
    let host = authority(sandbox);
    let target = format!("/_sandbox/v1/{route}");
    call(
        sandbox,
        method,
        &host,
        &target,
        &[("content-type", content_type)],
        body,
    )
}

/// The operation of `document` that `method` on `path` (without its query) matches: its id
/// and its description.
fn operation<'a>(document: &'a Value, method: &str, path: &str) -> (&'a str, &'a Value) {
    let segments: Vec<&str> = path.split('/').collect();
    for (template, item) in document["paths"].as_object().unwrap() {
        let pattern: Vec<&str> = template.split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}')));
        if let (true, Some(op)) = (matches, item.get(method.to_ascii_lowercase())) {
            return (op["operationId"].as_str().unwrap(), op);
        }
    }
    panic!("openapi.json has no operation for {method} {path}");
}

/// Checks `answer` to `method` `route` against the document: its status is one the operation
/// lists, and its JSON body matches that status's schema. Returns the operation id.
fn conforms(document: &Value, method: &str, route: &str, answer: &Answer) -> String {
    let path = format!("/_sandbox/v1/{}", route.split('?').next().unwrap());
    let (id, op) = operation(document, method, &path);
    let status = answer.status.as_u16().to_string();
    let response = op["responses"]
        .get(&status)
        .unwrap_or_else(|| panic!("{id}: status {status} is not documented: {}", answer.text));
    match response["content"]["application/json"].get("schema") {
        Some(schema) => {
            let problems = schema::check(document, schema, &answer.json(), id);
            assert!(problems.is_empty(), "{id}: {problems:#?}\n{}", answer.text);
        }
        None => assert!(answer.bytes.is_empty(), "{id}: {status} has a body"),
    }
    id.to_owned()
}

/// A small message with a text body and one attachment, as RFC 5322 text.
fn eml(subject: &str) -> String {
    format!(
        "From: Ada <ada@example.org>\r\nTo: sandbox@example.com\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n--b\r\n\
         Content-Type: text/plain; name=note.txt\r\nContent-Disposition: attachment; \
         filename=note.txt\r\n\r\nnote\r\n--b--\r\n"
    )
}

#[test]
fn every_documented_operation_answers_as_its_schema_says() {
    let sandbox = sandbox();
    let document = document(&sandbox);
    let gmail_token = access_token(&sandbox, Provider::Google, None);
    let mut covered = BTreeSet::new();
    let mut step = |method: &str, route: &str, body: Option<Value>, status: u16| -> Answer {
        let answer = control(&sandbox, method, route, body);
        assert_eq!(answer.status, status, "{method} {route}: {}", answer.text);
        covered.insert(conforms(&document, method, route, &answer));
        answer
    };

    let info = step("GET", "info", None, 200).json();
    assert_eq!(info["base_url"], sandbox.base_url());
    assert_eq!(info["providers"][0]["provider"], "google");
    assert_eq!(
        info["providers"][1]["apps"][0]["client_id"],
        "sandbox-microsoft-client"
    );
    step("GET", "openapi.json", None, 200);

    // mail: delivered, listed, filed raw, read, changed, deleted
    let delivered = step("POST", "google/deliver", Some(json!({ "count": 3 })), 201).json();
    let ids: Vec<String> = serde_json::from_value(delivered["ids"].clone()).unwrap();
    assert_eq!(ids.len(), 3);
    let listed = step("GET", "google/messages", None, 200).json();
    assert_eq!(listed["ids"], json!(sandbox.message_ids(Provider::Google)));
    let api = gmail(
        &sandbox,
        &gmail_token,
        "GET",
        "/messages?maxResults=10",
        &Value::Null,
    );
    assert_eq!(
        api.json()["messages"].as_array().unwrap().len(),
        3,
        "Gmail lists the mail"
    );
    let raw = json!({ "raw": eml("filed"), "labels": ["INBOX", "STARRED"] });
    let filed = step("POST", "google/messages", Some(raw), 201).json();
    let filed = filed["id"].as_str().unwrap().to_owned();
    let state = step("GET", &format!("google/messages/{filed}"), None, 200).json();
    assert_eq!(state["starred"], true);
    assert_eq!(state["unread"], false);
    let change = json!({ "unread": true, "starred": false, "add_labels": ["IMPORTANT"] });
    let state = step(
        "PATCH",
        &format!("google/messages/{filed}"),
        Some(change),
        200,
    )
    .json();
    assert_eq!(state["unread"], true);
    assert_eq!(state["starred"], false);
    assert!(
        state["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("IMPORTANT"))
    );
    step("DELETE", &format!("google/messages/{}", ids[0]), None, 204);
    assert_eq!(sandbox.state_of(Provider::Google, &ids[0]), None);

    // a mailbox replaced by generated mail
    let replaced = step(
        "PUT",
        "microsoft/mailbox",
        Some(json!({ "messages": 4, "seed": 9 })),
        200,
    );
    assert_eq!(
        replaced.json()["ids"],
        json!(sandbox.message_ids(Provider::Microsoft))
    );
    assert!(!sandbox.message_ids(Provider::Microsoft).is_empty());

    // Outlook folders and a move
    let folder = step(
        "POST",
        "microsoft/folders",
        Some(json!({ "name": "Ledgers" })),
        201,
    );
    let folder = folder.json()["id"].as_str().unwrap().to_owned();
    let renamed = json!({ "name": "Ledgers 2026" });
    step(
        "PATCH",
        &format!("microsoft/folders/{folder}"),
        Some(renamed),
        204,
    );
    let outlook = step(
        "POST",
        "microsoft/deliver",
        Some(json!({ "count": 1 })),
        201,
    )
    .json();
    let moved = outlook["ids"][0].as_str().unwrap().to_owned();
    let to_folder = json!({ "folder": folder });
    let state = step(
        "PATCH",
        &format!("microsoft/messages/{moved}"),
        Some(to_folder),
        200,
    );
    assert_eq!(state.json()["labels"], json!([folder]));
    step("DELETE", &format!("microsoft/folders/{folder}"), None, 204);

    // sent mail, parsed, with the attachment's hash
    let sent_raw = URL_SAFE_NO_PAD.encode(eml("outgoing"));
    let send = gmail(
        &sandbox,
        &gmail_token,
        "POST",
        "/messages/send",
        &json!({ "raw": sent_raw }),
    );
    assert_eq!(send.status, 200, "{}", send.text);
    let sent = step("GET", "google/sent", None, 200).json();
    let sent = &sent["sent"][0];
    assert_eq!(sent["subject"], "outgoing");
    assert_eq!(sent["attachments"][0]["filename"], "note.txt");
    // faults: queued, met, counted; random ones set and cleared
    let fault = json!({ "kind": "status", "status": 503, "path_contains": "/profile" });
    step("POST", "google/faults", Some(fault), 201);
    let profile = gmail(&sandbox, &gmail_token, "GET", "/profile", &Value::Null);
    assert_eq!(profile.status, 503, "the queued fault answers");
    let counts = step("GET", "google/faults", None, 200).json();
    assert_eq!(counts["injected"]["status_503"], 1);
    let random = json!({ "seed": 7, "probability": 0.25 });
    let set = step("PUT", "microsoft/random-faults", Some(random), 200).json();
    assert!(
        set["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("response_lost"))
    );
    step("DELETE", "microsoft/random-faults", None, 204);

    // latency, consent, limits
    assert_eq!(
        step("PUT", "latency", Some(json!({ "ms": 5 })), 200).json()["ms"],
        5
    );
    assert_eq!(step("GET", "latency", None, 200).json()["ms"], 5);
    step("PUT", "latency", Some(json!({ "ms": 0 })), 200);
    assert_eq!(
        step("PUT", "consent", Some(json!({ "grant": false })), 200).json()["grant"],
        false
    );
    assert_eq!(step("GET", "consent", None, 200).json()["grant"], false);
    let limits =
        json!({ "gmail_units_per_minute": null, "graph_concurrent": 2, "seconds_per_minute": 6.0 });
    let quotas = step("PUT", "quotas", Some(limits), 200).json();
    assert_eq!(quotas["gmail_units_per_minute"], Value::Null);
    assert_eq!(quotas["graph_concurrent"], 2);
    assert_eq!(quotas["gmail_concurrent"], 25, "absent fields stay");
    assert_eq!(
        step("GET", "quotas", None, 200).json()["seconds_per_minute"],
        6.0
    );

    // sync state and tokens
    step("POST", "google/expire-sync", None, 204);
    step("POST", "microsoft/expire-sync", None, 204);
    step(
        "PUT",
        "google/tokens/refusal",
        Some(json!({ "refusal": "interaction_required" })),
        204,
    );
    step(
        "PUT",
        "google/tokens/refusal",
        Some(json!({ "refusal": null })),
        204,
    );
    step("POST", "microsoft/tokens/revoke", None, 204);
    step("POST", "google/tokens/expire", None, 204);
    let expired = gmail(&sandbox, &gmail_token, "GET", "/profile", &Value::Null);
    assert_eq!(expired.status, 401, "the expired token is refused");

    // the request log holds provider requests only, and clears
    let log = step("GET", "requests", None, 200).json();
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/gmail/v1/users/me/profile"), "{paths:?}");
    assert!(
        paths.iter().all(|p| !p.starts_with("/_sandbox")),
        "{paths:?}"
    );
    let cleared = step("DELETE", "requests", None, 200).json();
    assert_eq!(cleared["cleared"].as_u64(), Some(paths.len() as u64));

    // reset: back to the start
    step("POST", "reset", None, 204);
    assert!(
        sandbox.message_ids(Provider::Google).is_empty(),
        "empty, as it started"
    );
    assert!(sandbox.sent(Provider::Google).is_empty());
    assert!(sandbox.consents());
    assert_eq!(sandbox.faults_injected(Provider::Google).len(), 0);
    assert_eq!(
        control(&sandbox, "GET", "quotas", None).json()["gmail_units_per_minute"],
        15_000
    );

    // the raw form of the insert route, then every operation was met
    let raw = control_raw(
        &sandbox,
        "POST",
        "microsoft/messages?folder=archive",
        "message/rfc822",
        &eml("as-is"),
    );
    assert_eq!(raw.status, 201, "{}", raw.text);
    covered.insert(conforms(&document, "POST", "microsoft/messages", &raw));
    let id = raw.json()["id"].as_str().unwrap().to_owned();
    let state = control(&sandbox, "GET", &format!("microsoft/messages/{id}"), None).json();
    assert_eq!(state["labels"], json!([sandbox.folder_id("archive")]));

    let documented: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(covered, documented, "every documented operation was called");
}

#[test]
fn sent_attachments_carry_the_sha256_of_their_content() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let raw = URL_SAFE_NO_PAD.encode(eml("hashed"));
    let send = gmail(
        &sandbox,
        &token,
        "POST",
        "/messages/send",
        &json!({ "raw": raw }),
    );
    assert_eq!(send.status, 200, "{}", send.text);
    let sent = control(&sandbox, "GET", "google/sent", None).json();
    let file = &sent["sent"][0]["attachments"][0];
    assert_eq!(file["size"], 4);
    use sha2::Digest as _;
    let expected: String = sha2::Sha256::digest(b"note")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(file["sha256"], expected);
}

#[test]
fn bad_control_input_is_refused_with_400_and_a_message() {
    let sandbox = sandbox();
    let document = document(&sandbox);
    let gmail_id = sandbox.insert_raw(Provider::Google, eml("x").as_bytes(), &["INBOX"]);
    let message = format!("google/messages/{gmail_id}");
    let cases: Vec<(&str, String, &str, &str, u16, &str)> = vec![
        (
            "POST",
            "google/deliver".into(),
            "application/json",
            r#"{"count":0}"#,
            400,
            "count must be from 1",
        ),
        (
            "POST",
            "google/deliver".into(),
            "application/json",
            r#"{"cout":1}"#,
            400,
            "unknown field `cout`",
        ),
        (
            "POST",
            "google/deliver".into(),
            "application/json",
            "count=1",
            400,
            "invalid JSON",
        ),
        (
            "PUT",
            "google/mailbox".into(),
            "application/json",
            r#"{"messages":100001}"#,
            400,
            "at most 100000",
        ),
        (
            "PUT",
            "google/mailbox".into(),
            "application/json",
            r#"{"seed":1}"#,
            400,
            "missing field `messages`",
        ),
        (
            "PUT",
            "latency".into(),
            "application/json",
            r#"{"ms":-1}"#,
            400,
            "invalid JSON",
        ),
        (
            "PUT",
            "latency".into(),
            "application/json",
            r#"{"ms":600001}"#,
            400,
            "at most 600000",
        ),
        (
            "PUT",
            "consent".into(),
            "application/json",
            r#"{"grant":"yes"}"#,
            400,
            "invalid type",
        ),
        (
            "PUT",
            "quotas".into(),
            "application/json",
            r#"{"seconds_per_minute":0}"#,
            400,
            "positive",
        ),
        (
            "PUT",
            "quotas".into(),
            "application/json",
            r#"{"graph_concurrent":0}"#,
            400,
            "at least 1",
        ),
        (
            "PUT",
            "quotas".into(),
            "application/json",
            r#"{"gmail_quota":5}"#,
            400,
            "unknown field",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"teapot"}"#,
            400,
            "unknown fault kind",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"status"}"#,
            400,
            "needs a status",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"status","status":200}"#,
            400,
            "from 400 to 599",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"response_lost","status":500}"#,
            400,
            "takes no status",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"slow_body"}"#,
            400,
            "bytes_per_second",
        ),
        (
            "POST",
            "google/faults".into(),
            "application/json",
            r#"{"kind":"invalid_json","times":0}"#,
            400,
            "at least 1",
        ),
        (
            "PUT",
            "google/random-faults".into(),
            "application/json",
            r#"{"probability":2}"#,
            400,
            "from 0 to 1",
        ),
        (
            "PUT",
            "google/random-faults".into(),
            "application/json",
            r#"{"probability":0.5,"kinds":[]}"#,
            400,
            "at least one",
        ),
        (
            "PATCH",
            message.clone(),
            "application/json",
            r#"{"folder":"archive"}"#,
            400,
            "labels, not folders",
        ),
        (
            "PATCH",
            message.clone(),
            "application/json",
            r#"{"add_labels":["NOPE"]}"#,
            400,
            "no label \"NOPE\"",
        ),
        (
            "PATCH",
            message.clone(),
            "application/json",
            r#"{"unread":1}"#,
            400,
            "invalid type",
        ),
        (
            "PATCH",
            "microsoft/messages/nope".into(),
            "application/json",
            r#"{}"#,
            404,
            "no message \"nope\"",
        ),
        (
            "GET",
            "google/messages/nope".into(),
            "application/json",
            "",
            404,
            "no message",
        ),
        (
            "POST",
            "google/folders".into(),
            "application/json",
            r#"{"name":"x"}"#,
            400,
            "labels, not folders",
        ),
        (
            "POST",
            "microsoft/folders".into(),
            "application/json",
            r#"{"name":" "}"#,
            400,
            "must not be empty",
        ),
        (
            "POST",
            "microsoft/folders".into(),
            "application/json",
            r#"{"name":"Inbox"}"#,
            400,
            "cannot create folder",
        ),
        (
            "POST",
            "microsoft/folders".into(),
            "application/json",
            r#"{"name":"x","parent":"nowhere"}"#,
            400,
            "no folder \"nowhere\"",
        ),
        (
            "DELETE",
            "microsoft/folders/nowhere".into(),
            "application/json",
            "",
            404,
            "no folder",
        ),
        (
            "PUT",
            "google/tokens/refusal".into(),
            "application/json",
            r#"{"refusal":"nope"}"#,
            400,
            "refusal must be",
        ),
        (
            "POST",
            "google/messages".into(),
            "application/json",
            r#"{}"#,
            400,
            "exactly one of raw and raw_base64",
        ),
        (
            "POST",
            "google/messages".into(),
            "application/json",
            r#"{"raw_base64":"!!"}"#,
            400,
            "not base64",
        ),
        (
            "POST",
            "microsoft/messages".into(),
            "application/json",
            r#"{"raw":"x","labels":["INBOX"]}"#,
            400,
            "not labels",
        ),
        (
            "POST",
            "google/messages?label=NOPE".into(),
            "message/rfc822",
            "Subject: x\r\n\r\nx",
            400,
            "no label",
        ),
        (
            "POST",
            "google/messages".into(),
            "message/rfc822",
            "",
            400,
            "empty",
        ),
    ];
    for (method, route, content_type, body, status, says) in cases {
        let answer = control_raw(&sandbox, method, &route, content_type, body);
        assert_eq!(
            answer.status, status,
            "{method} {route} {body}: {}",
            answer.text
        );
        let error = answer.json();
        let text = error["error"]["message"].as_str().unwrap_or_default();
        assert!(
            text.contains(says),
            "{method} {route} {body}: {text:?} does not say {says:?}"
        );
        assert_eq!(error["error"]["status"], status);
        conforms(&document, method, &route, &answer);
    }
    assert_eq!(
        sandbox
            .state_of(Provider::Google, &gmail_id)
            .unwrap()
            .labels,
        vec!["INBOX".to_owned()],
        "a refused change changed nothing"
    );
    for (method, route, status) in [
        ("GET", "nowhere", 404),
        ("GET", "yahoo/messages", 404),
        ("PUT", "info", 405),
        ("GET", "google/deliver", 405),
        ("DELETE", "google/messages", 405),
    ] {
        let answer = control(&sandbox, method, route, None);
        assert_eq!(answer.status, status, "{method} {route}: {}", answer.text);
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let other_version = call(
        &sandbox,
        "GET",
        &authority(&sandbox),
        "/_sandbox/v2/info",
        &[],
        "",
    );
    assert_eq!(other_version.status, 404);
    assert!(
        sandbox.received().is_empty(),
        "control requests are not provider traffic"
    );
}

#[test]
fn the_control_api_is_not_a_provider_path() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    // On a provider host, `/_sandbox/…` is that provider's unknown path, not the control API.
    let answer = call(
        &sandbox,
        "GET",
        "gmail.googleapis.com",
        "/_sandbox/v1/info",
        &[("authorization", &format!("Bearer {token}"))],
        "",
    );
    assert_eq!(answer.status, 404);
    assert!(!answer.text.contains("base_url"), "{}", answer.text);
}
