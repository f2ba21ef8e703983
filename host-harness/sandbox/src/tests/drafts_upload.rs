//! Gmail drafts on the media upload URLs: `drafts.create` (`POST /upload/gmail/v1/users/me/drafts`)
//! and `drafts.update` (`PUT …/drafts/{id}`) with `uploadType=media` and `uploadType=multipart`,
//! up to `mediaUpload.maxSize` (shared/specs gmail/gmail-v1-discovery.json), answered with the
//! `Draft` as the JSON routes answer it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::support::*;
use crate::{Provider, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const DRAFTS: &str = "/gmail/v1/users/me/drafts";
const UPLOAD: &str = "/upload/gmail/v1/users/me/drafts";
/// `mediaUpload.maxSize` of `drafts.create` and `drafts.update`.
const MAX_SIZE: usize = 36_700_160;

/// A request with bearer `token`, a body of media type `kind`.
fn send(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    target: &str,
    body: &[u8],
    kind: &str,
) -> Answer {
    let bearer = format!("Bearer {token}");
    let headers = [("authorization", bearer.as_str()), ("content-type", kind)];
    call(sandbox, method, GMAIL, target, &headers, body)
}

/// A `multipart/related` upload body: `metadata` as JSON, then `raw` as `message/rfc822`.
fn related(metadata: &Value, raw: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--part\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n\
         --part\r\nContent-Type: message/rfc822\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(raw);
    body.extend_from_slice(b"\r\n--part--\r\n");
    body
}

/// A plain-text message to Bob about `subject`, replying to `parent` (a `Message-ID`) when given,
/// padded with `padding` bytes of text.
fn note(subject: &str, parent: Option<&str>, padding: usize) -> Vec<u8> {
    let reply = parent
        .map(|id| format!("In-Reply-To: {id}\r\nReferences: {id}\r\n"))
        .unwrap_or_default();
    let mut raw = format!(
        "To: Bob <bob@example.org>\r\nSubject: {subject}\r\n{reply}Content-Type: text/plain; charset=utf-8\r\n\r\nSee you.\r\n"
    )
    .into_bytes();
    for line in 0..padding / 64 {
        raw.extend_from_slice(format!("{line:062}\r\n").as_bytes());
    }
    raw
}

/// The raw message of draft `id`.
fn draft_raw(sandbox: &Sandbox, token: &str, id: &str) -> Vec<u8> {
    let answer = get(
        sandbox,
        GMAIL,
        &format!("{DRAFTS}/{id}?format=raw"),
        Some(token),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let raw = answer.json()["message"]["raw"].as_str().unwrap().to_owned();
    base64::engine::general_purpose::URL_SAFE
        .decode(raw)
        .expect("base64url")
}

/// Checks a `Draft` answer and returns its id and its message's id.
fn draft_ids(answer: &Answer) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let draft = answer.json();
    assert_eq!(keys(&draft), ["id", "message"]);
    assert_eq!(keys(&draft["message"]), ["id", "labelIds", "threadId"]);
    assert_eq!(draft["message"]["labelIds"], json!(["DRAFT"]));
    (
        draft["id"].as_str().unwrap().to_owned(),
        draft["message"]["id"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn drafts_are_created_and_updated_on_the_upload_urls() {
    let (sandbox, token) = seeded(Provider::Google, 8, 31);
    let inbox = get(
        &sandbox,
        GMAIL,
        "/gmail/v1/users/me/messages?labelIds=INBOX&maxResults=1",
        Some(&token),
    )
    .json();
    let parent = inbox["messages"][0]["id"].as_str().unwrap().to_owned();
    let thread = inbox["messages"][0]["threadId"]
        .as_str()
        .unwrap()
        .to_owned();
    let metadata = get(
        &sandbox,
        GMAIL,
        &format!(
            "/gmail/v1/users/me/messages/{parent}?format=metadata&metadataHeaders=Message-ID&metadataHeaders=Subject"
        ),
        Some(&token),
    )
    .json();
    let header = |name: &str| {
        metadata["payload"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (parent_id, subject) = (header("Message-ID"), header("Subject"));

    // uploadType=media: the body is the message; no metadata, so no thread to join.
    let media = note("Plans", None, 0);
    let created = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=media"),
        &media,
        "message/rfc822",
    );
    let (draft, first) = draft_ids(&created);
    assert_ne!(created.json()["message"]["threadId"], thread.as_str());
    let stored = draft_raw(&sandbox, &token, &draft);
    assert!(stored.ends_with(b"See you.\r\n"));
    assert!(
        String::from_utf8_lossy(&stored).contains("Message-ID: <"),
        "Gmail adds a Message-ID"
    );

    // uploadType=multipart on PUT: the metadata's message.threadId (and its id) with the reply.
    let reply = note(&format!("Re: {subject}"), Some(&parent_id), 0);
    let metadata = json!({"id": draft, "message": {"threadId": thread}});
    let updated = send(
        &sandbox,
        &token,
        "PUT",
        &format!("{UPLOAD}/{draft}?uploadType=multipart"),
        &related(&metadata, &reply),
        "multipart/related; boundary=part",
    );
    let (same, second) = draft_ids(&updated);
    assert_eq!(same, draft, "the draft keeps its id");
    assert_ne!(second, first, "its message is a new one");
    assert_eq!(updated.json()["message"]["threadId"], thread.as_str());
    assert!(sandbox.state_of(Provider::Google, &first).is_none());
    assert!(
        draft_raw(&sandbox, &token, &draft)
            .windows(parent_id.len())
            .any(|w| w == parent_id.as_bytes())
    );

    // uploadType=multipart on POST, and uploadType=media on PUT.
    let created = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=multipart"),
        &related(&json!({"message": {"threadId": thread}}), &reply),
        "multipart/related; boundary=part",
    );
    let (other, _) = draft_ids(&created);
    assert_ne!(other, draft);
    assert_eq!(created.json()["message"]["threadId"], thread.as_str());
    let replaced = send(
        &sandbox,
        &token,
        "PUT",
        &format!("{UPLOAD}/{other}?uploadType=media"),
        &note("Other plans", None, 0),
        "message/rfc822",
    );
    assert_eq!(draft_ids(&replaced).0, other);

    // Both drafts are listed, as those saved over JSON are.
    let listed = get(&sandbox, GMAIL, DRAFTS, Some(&token)).json();
    let mut ids: Vec<&str> = listed["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = [draft.as_str(), other.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

#[test]
fn draft_uploads_take_large_messages_json_does_not() {
    let (sandbox, token) = seeded(Provider::Google, 3, 32);
    // Over the 5 MB a JSON body may have, the JSON route refuses, as messages.send's does.
    let large = note("Large", None, 6_000_000);
    let body = json!({"message": {"raw": URL_SAFE_NO_PAD.encode(&large)}});
    let json = send(
        &sandbox,
        &token,
        "POST",
        DRAFTS,
        &serde_json::to_vec(&body).unwrap(),
        "application/json",
    );
    assert_eq!(json.status, 413, "{}", json.text);
    assert_eq!(
        json.json()["error"]["errors"][0]["reason"],
        "uploadTooLarge"
    );
    let uploaded = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=media"),
        &large,
        "message/rfc822",
    );
    let (draft, _) = draft_ids(&uploaded);
    assert!(draft_raw(&sandbox, &token, &draft).len() > large.len());

    // Over mediaUpload.maxSize: 413, and the draft stays as it was.
    let huge = note("Huge", None, MAX_SIZE + 64);
    for (method, target) in [
        ("POST", format!("{UPLOAD}?uploadType=media")),
        ("PUT", format!("{UPLOAD}/{draft}?uploadType=media")),
    ] {
        let refused = send(&sandbox, &token, method, &target, &huge, "message/rfc822");
        assert_eq!(refused.status, 413, "{}", refused.text);
        let error = &refused.json()["error"];
        assert_eq!(error["errors"][0]["reason"], "uploadTooLarge");
        assert_eq!(
            error["message"],
            format!("Media is too large. Limit: {MAX_SIZE} bytes.")
        );
    }
    let listed = get(&sandbox, GMAIL, DRAFTS, Some(&token)).json();
    assert_eq!(listed["drafts"].as_array().unwrap().len(), 1);
}

#[test]
fn draft_uploads_refuse_what_is_not_a_message() {
    let (sandbox, token) = seeded(Provider::Google, 3, 33);
    let reason = |answer: &Answer, status: u16| {
        assert_eq!(answer.status, status, "{}", answer.text);
        answer.json()["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let raw = note("Plans", None, 0);
    let missing = send(&sandbox, &token, "POST", UPLOAD, &raw, "message/rfc822");
    assert_eq!(reason(&missing, 400), "wrongUrlForUpload");
    let text = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=media"),
        b"hello",
        "text/plain",
    );
    assert_eq!(reason(&text, 400), "badContent");
    let one_part = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=multipart"),
        b"--part\r\nContent-Type: message/rfc822\r\n\r\nTo: a@b.example\r\n\r\nx\r\n--part--\r\n",
        "multipart/related; boundary=part",
    );
    assert_eq!(reason(&one_part, 400), "badRequest");
    let unknown_field = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}?uploadType=multipart"),
        &related(&json!({"message": {"threadID": "x"}}), &raw),
        "multipart/related; boundary=part",
    );
    assert_eq!(reason(&unknown_field, 400), "badRequest");
    let no_draft = send(
        &sandbox,
        &token,
        "PUT",
        &format!("{UPLOAD}/r123?uploadType=media"),
        &raw,
        "message/rfc822",
    );
    assert_eq!(no_draft.status, 404, "{}", no_draft.text);
    // Sending needs the JSON route: there is no upload URL for drafts.send.
    let send_upload = send(
        &sandbox,
        &token,
        "POST",
        &format!("{UPLOAD}/send?uploadType=media"),
        &raw,
        "message/rfc822",
    );
    assert_eq!(send_upload.status, 404);
    // The scopes are the JSON route's: read-only may not save drafts.
    let reader = access_token(
        &sandbox,
        Provider::Google,
        Some("openid https://www.googleapis.com/auth/gmail.readonly"),
    );
    let refused = send(
        &sandbox,
        &reader,
        "POST",
        &format!("{UPLOAD}?uploadType=media"),
        &raw,
        "message/rfc822",
    );
    assert_eq!(reason(&refused, 403), "insufficientPermissions");
    let listed = get(&sandbox, GMAIL, DRAFTS, Some(&token));
    assert_eq!(listed.text, r#"{"resultSizeEstimate":0}"#);
}
