//! Messages given whole: Gmail's `users.messages.insert` and `users.messages.import` (JSON,
//! media and multipart upload; shared/specs gmail/gmail-v1-discovery.json), Graph's messages
//! created from MIME (https://learn.microsoft.com/en-us/graph/api/user-post-messages), and the
//! `Controls::insert_raw` control.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::graph_support::{GRAPH, answered, refusal};
use super::support::*;
use crate::{Provider, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const MESSAGES: &str = "/gmail/v1/users/me/messages";
const UPLOAD: &str = "/upload/gmail/v1/users/me/messages";

/// A message from Ann, dated `date`, about `subject`, `padding` bytes of text long at least.
fn letter(subject: &str, date: &str, padding: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: Ann <ann@example.com>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: {date}\r\nMessage-ID: <{}@example.com>\r\nContent-Type: text/plain\r\n\r\nHello.\r\n",
        subject.replace(' ', "-")
    )
    .into_bytes();
    raw.resize(raw.len() + padding, b'.');
    raw
}

/// A Gmail request with bearer `token`, a body of media type `kind`.
fn post(sandbox: &Sandbox, token: &str, target: &str, kind: &str, body: &[u8]) -> Answer {
    let bearer = format!("Bearer {token}");
    let headers = [("authorization", bearer.as_str()), ("content-type", kind)];
    call(sandbox, "POST", GMAIL, target, &headers, body)
}

/// `POST {MESSAGES}{suffix}` with a JSON `Message`.
fn insert_json(sandbox: &Sandbox, token: &str, suffix: &str, message: &Value) -> Answer {
    post(
        sandbox,
        token,
        &format!("{MESSAGES}{suffix}"),
        "application/json",
        message.to_string().as_bytes(),
    )
}

/// A message's `format=raw` bytes and `internalDate`.
fn stored(sandbox: &Sandbox, token: &str, id: &str) -> (Vec<u8>, u64) {
    let answer = get(
        sandbox,
        GMAIL,
        &format!("{MESSAGES}/{id}?format=raw"),
        Some(token),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let message = answer.json();
    let raw = URL_SAFE.decode(message["raw"].as_str().unwrap()).unwrap();
    let date = message["internalDate"].as_str().unwrap().parse().unwrap();
    (raw, date)
}

/// Google's error reason and message.
fn google_refusal(answer: &Answer, status: u16) -> (String, String) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let error = &answer.json()["error"];
    (
        error["errors"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn gmail_insert_files_the_bytes_as_they_are_with_the_labels_named() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let raw = letter("Inserted", "Mon, 6 May 2024 10:00:00 +0000", 0);
    let answer = insert_json(
        &sandbox,
        &token,
        "",
        &json!({"raw": URL_SAFE_NO_PAD.encode(&raw), "labelIds": ["INBOX", "UNREAD", "Label_1"]}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let message = answer.json();
    assert_eq!(message["labelIds"], json!(["UNREAD", "INBOX", "Label_1"]));
    assert_eq!(message["id"], message["threadId"], "a thread of its own");
    let id = message["id"].as_str().unwrap();
    let (bytes, date) = stored(&sandbox, &token, id);
    assert_eq!(bytes, raw, "no header added, unlike a send");
    assert!(date > 1_700_000_000_000, "insert dates it when received");

    // Without labels it is in none: not in the inbox.
    let bare = insert_json(&sandbox, &token, "", &json!({"raw": URL_SAFE.encode(&raw)}));
    assert_eq!(bare.json()["labelIds"], json!([]));
    let inbox = get(
        &sandbox,
        GMAIL,
        &format!("{MESSAGES}?labelIds=INBOX"),
        Some(&token),
    )
    .json();
    assert_eq!(inbox["resultSizeEstimate"], 1);
}

#[test]
fn gmail_import_dates_the_message_by_its_date_header_unless_told() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let raw = letter("Imported", "Mon, 6 May 2024 10:00:00 +0000", 0);
    let body = json!({"raw": URL_SAFE.encode(&raw), "labelIds": ["INBOX"]});
    let imported = insert_json(&sandbox, &token, "/import", &body).json();
    let (_, date) = stored(&sandbox, &token, imported["id"].as_str().unwrap());
    assert_eq!(date, 1_714_989_600_000);
    let received = insert_json(
        &sandbox,
        &token,
        "/import?internalDateSource=receivedTime",
        &body,
    )
    .json();
    let (_, now) = stored(&sandbox, &token, received["id"].as_str().unwrap());
    assert!(now > 1_714_989_600_000 + 86_400_000);
    let inserted = insert_json(&sandbox, &token, "?internalDateSource=dateHeader", &body).json();
    let (_, dated) = stored(&sandbox, &token, inserted["id"].as_str().unwrap());
    assert_eq!(dated, 1_714_989_600_000);
    // A Date that does not parse leaves the time it was received.
    let undated = letter("Undated", "whenever", 0);
    let body = json!({"raw": URL_SAFE.encode(&undated)});
    let answer = insert_json(&sandbox, &token, "/import", &body).json();
    let (_, when) = stored(&sandbox, &token, answer["id"].as_str().unwrap());
    assert!(when > 1_714_989_600_000 + 86_400_000);
}

#[test]
fn gmail_insert_refusals() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let raw = URL_SAFE.encode(letter("Refused", "Mon, 6 May 2024 10:00:00 +0000", 0));
    let refused = |suffix: &str, body: Value| {
        google_refusal(&insert_json(&sandbox, &token, suffix, &body), 400)
    };
    assert_eq!(
        refused("", json!({"raw": raw, "labelIds": ["DRAFT"]})).1,
        "Invalid label: DRAFT"
    );
    assert_eq!(
        refused("/import", json!({"raw": raw, "labelIds": ["Label_99"]})).1,
        "labelId not found"
    );
    assert!(
        refused("?internalDateSource=sometime", json!({"raw": raw}))
            .1
            .starts_with("Invalid value at 'internal_date_source'")
    );
    assert!(
        refused("", json!({"labelIds": ["INBOX"]}))
            .1
            .contains("'raw' RFC822 payload")
    );
    assert!(
        refused("", json!({"raw": ""}))
            .1
            .contains("'raw' RFC822 payload")
    );
    assert!(
        refused("", json!({"raw": raw, "size": 1}))
            .1
            .contains("Unknown name \"size\"")
    );
    // Read-only access inserts nothing; the insert scope does.
    let readonly = access_token(
        &sandbox,
        Provider::Google,
        Some("openid email https://www.googleapis.com/auth/gmail.readonly"),
    );
    let answer = insert_json(&sandbox, &readonly, "", &json!({"raw": raw}));
    assert_eq!(google_refusal(&answer, 403).0, "insufficientPermissions");
    let inserter = access_token(
        &sandbox,
        Provider::Google,
        Some("openid email https://www.googleapis.com/auth/gmail.insert"),
    );
    assert_eq!(
        insert_json(&sandbox, &inserter, "/import", &json!({"raw": raw})).status,
        200
    );
}

#[test]
fn gmail_insert_joins_a_thread_only_by_the_threads_guide_rule() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let first = letter("Plans", "Mon, 6 May 2024 10:00:00 +0000", 0);
    let first = insert_json(
        &sandbox,
        &token,
        "",
        &json!({"raw": URL_SAFE.encode(&first)}),
    )
    .json();
    let thread = first["threadId"].as_str().unwrap();
    let reply = |subject: &str| {
        let raw = format!(
            "From: Bob <bob@example.org>\r\nTo: Ann <ann@example.com>\r\nSubject: {subject}\r\n\
             In-Reply-To: <Plans@example.com>\r\nReferences: <Plans@example.com>\r\n\r\nYes.\r\n"
        );
        let body = json!({"raw": URL_SAFE.encode(raw), "threadId": thread});
        insert_json(&sandbox, &token, "", &body).json()["threadId"].clone()
    };
    assert_eq!(reply("Re: Plans"), json!(thread));
    assert_ne!(
        reply("Other plans"),
        json!(thread),
        "another subject: a thread of its own"
    );
}

#[test]
fn gmail_insert_and_import_take_uploads_up_to_50_mb() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    // Over what `messages.send` takes (36,700,160 bytes), within the insert methods' 52,428,800.
    let large = letter("Large", "Mon, 6 May 2024 10:00:00 +0000", 37_000_000);
    let answer = post(
        &sandbox,
        &token,
        &format!("{UPLOAD}?uploadType=media"),
        "message/rfc822",
        &large,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let id = answer.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(stored(&sandbox, &token, &id).0.len(), large.len());

    let small = letter("Multipart", "Mon, 6 May 2024 10:00:00 +0000", 0);
    let mut related = b"--part\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"labelIds\":[\"INBOX\",\"STARRED\"]}\r\n--part\r\nContent-Type: message/rfc822\r\n\r\n".to_vec();
    related.extend_from_slice(&small);
    related.extend_from_slice(b"\r\n--part--\r\n");
    let answer = post(
        &sandbox,
        &token,
        &format!("{UPLOAD}/import?uploadType=multipart"),
        "multipart/related; boundary=part",
        &related,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["labelIds"], json!(["STARRED", "INBOX"]));

    let too_large = letter("Too large", "Mon, 6 May 2024 10:00:00 +0000", 52_428_801);
    let answer = post(
        &sandbox,
        &token,
        &format!("{UPLOAD}?uploadType=media"),
        "message/rfc822",
        &too_large,
    );
    assert_eq!(
        google_refusal(&answer, 413).1,
        "Media is too large. Limit: 52428800 bytes."
    );
    let answer = post(&sandbox, &token, UPLOAD, "message/rfc822", &small);
    assert_eq!(google_refusal(&answer, 400).0, "wrongUrlForUpload");
}

#[test]
fn graph_creates_drafts_from_mime_in_drafts_or_a_folder() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Microsoft, None);
    let raw = "From: Ann <ann@example.com>\r\nTo: Bob <bob@example.org>\r\n\
               Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Mon, 6 May 2024 10:00:00 +0000\r\n\
               Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi.\r\n\
               --b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF\r\n--b--\r\n";
    let mime = |target: &str, body: &str| {
        let bearer = format!("Bearer {token}");
        let headers = [
            ("authorization", bearer.as_str()),
            ("content-type", "text/plain"),
        ];
        call(&sandbox, "POST", GRAPH, target, &headers, body)
    };
    let created = mime("/v1.0/me/messages", &STANDARD.encode(raw));
    assert_eq!(created.status, 201, "{}", created.text);
    let draft = created.json();
    assert_eq!(draft["subject"], "Grüße");
    assert_eq!(
        (draft["isDraft"].clone(), draft["isRead"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(draft["sentDateTime"], "2024-05-06T10:00:00Z");
    assert_eq!(draft["parentFolderId"], json!(sandbox.folder_id("drafts")));
    assert_eq!(draft["hasAttachments"], true);
    let attachments = super::graph_support::get_ok(
        &sandbox,
        &token,
        &format!(
            "/v1.0/me/messages/{}/attachments",
            draft["id"].as_str().unwrap()
        ),
        &[],
    );
    assert_eq!(attachments["value"][0]["name"], "a.pdf");

    let inbox = sandbox.folder_id("inbox");
    let filed = mime(
        &format!("/v1.0/me/mailFolders/{inbox}/messages"),
        &STANDARD.encode(raw),
    );
    assert_eq!(filed.status, 201, "{}", filed.text);
    assert_eq!(filed.json()["parentFolderId"], json!(inbox));
    assert_eq!(filed.json()["isDraft"], true);
    // JSON into a folder, too.
    let json_draft = answered(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/mailFolders/archive/messages",
        &[],
        &json!({"subject": "Filed"}),
        201,
    );
    assert_eq!(
        json_draft["parentFolderId"],
        json!(sandbox.folder_id("archive"))
    );

    for body in ["not base64!", "", "   "] {
        assert_eq!(
            refusal(&mime("/v1.0/me/messages", body), 400),
            "ErrorMimeContentInvalidBase64String"
        );
    }
    let huge = STANDARD.encode(vec![b'a'; 3_100_000]);
    assert_eq!(
        refusal(&mime("/v1.0/me/messages", &huge), 413),
        "BadRequest"
    );
    let unknown = mime(
        "/v1.0/me/mailFolders/AAMkNoSuchFolder/messages",
        &STANDARD.encode(raw),
    );
    assert_eq!(refusal(&unknown, 404), "ErrorItemNotFound");
}

#[test]
fn insert_raw_files_mail_as_each_provider_files_delivered_mail() {
    let sandbox = sandbox();
    let raw = letter("Delivered", "Mon, 6 May 2024 10:00:00 +0000", 0);
    let id = sandbox.insert_raw(Provider::Google, &raw, &["INBOX", "UNREAD", "Receipts"]);
    let state = sandbox.state_of(Provider::Google, &id).unwrap();
    assert_eq!(state.labels, ["UNREAD", "INBOX", "Label_1"]);
    assert!(state.unread && !state.starred && !state.draft);
    let bare = sandbox.insert_raw(Provider::Google, b"no headers at all", &[]);
    assert_eq!(
        sandbox.state_of(Provider::Google, &bare).unwrap().labels,
        Vec::<String>::new()
    );

    let id = sandbox.insert_raw(Provider::Microsoft, &raw, &[]);
    let state = sandbox.state_of(Provider::Microsoft, &id).unwrap();
    assert_eq!(state.labels, [sandbox.folder_id("inbox")]);
    assert!(state.unread && !state.draft);
    let archived = sandbox.insert_raw(Provider::Microsoft, &raw, &["archive"]);
    assert_eq!(
        sandbox
            .state_of(Provider::Microsoft, &archived)
            .unwrap()
            .labels,
        [sandbox.folder_id("archive")]
    );
}
