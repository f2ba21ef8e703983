//! `users.drafts`: `create` and `update` (a whole message, raw: as JSON when it fits, through the
//! media upload above that), `get` (its message's Message-ID), `delete` and `send`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.drafts).

use super::API;
use super::media_upload::{self, UPLOAD};
use super::message::GmailMessage;
use super::messages_send::{JSON_MAX_RAW, raw_message};
use crate::Error;
use crate::net::{self, Request};
use http::Method;
use serde::Deserialize;
use serde_json::json;

/// What the answers are read as, in errors.
pub(super) const NAME: &str = "Gmail draft";

/// `drafts.create` (no `id`) or `drafts.update` of draft `id`, carrying `raw` in `thread_id`:
/// JSON up to [`JSON_MAX_RAW`], else a media upload, up to the methods' `mediaUpload.maxSize`
/// of 36,700,160 bytes (shared/specs gmail/gmail-v1-discovery.json), which the caller checks.
/// An upload with a thread is `multipart`, its `Draft` metadata naming the thread.
pub(super) fn save(
    id: Option<&str>,
    raw: Vec<u8>,
    thread_id: Option<&str>,
    entropy: &[u8],
) -> Result<Request, Error> {
    let (method, path) = match id {
        None => (Method::POST, "drafts".to_owned()),
        Some(id) => (Method::PUT, format!("drafts/{}", net::path_segment(id))),
    };
    if raw.len() <= JSON_MAX_RAW {
        let mut body = json!({ "message": raw_message(&raw, thread_id) });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        net::json_request(method, &format!("{API}/{path}"), &body)
    } else {
        let metadata = thread_id.map(|thread| json!({ "message": { "threadId": thread } }));
        media_upload::request(method, &format!("{UPLOAD}/{path}"), raw, metadata, entropy)
    }
}

/// `drafts.get` of draft `id` in `format=metadata`, with its message's Message-ID header.
pub(super) fn message_id_url(id: &str) -> String {
    format!(
        "{API}/drafts/{}?format=metadata&metadataHeaders=Message-ID",
        net::path_segment(id)
    )
}

/// `drafts.delete` of draft `id`.
pub(super) fn delete(id: &str) -> Result<Request, Error> {
    net::bodyless(
        Method::DELETE,
        &format!("{API}/drafts/{}", net::path_segment(id)),
    )
}

/// `drafts.send` of draft `id` (its answer is the sent `Message`).
pub(super) fn send(id: &str) -> Result<Request, Error> {
    net::json_request(
        Method::POST,
        &format!("{API}/drafts/send"),
        &json!({ "id": id }),
    )
}

/// A `Draft` resource, as `create` and `update` answer.
#[derive(Deserialize)]
pub(super) struct Draft {
    /// The draft's id (the same at every save).
    pub(super) id: String,
    /// Its message (a new one at every save).
    pub(super) message: DraftMessage,
}

/// The message of a `Draft`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DraftMessage {
    /// The message id.
    pub(super) id: String,
    /// Its thread.
    #[serde(default)]
    pub(super) thread_id: Option<String>,
}

/// A `Draft` read with `format=metadata`: its message's headers.
#[derive(Deserialize)]
pub(super) struct Headers {
    /// The message, headers only.
    pub(super) message: GmailMessage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_with_its_method_and_url() {
        let create = save(None, b"x".to_vec(), Some("t"), &[1]).unwrap();
        assert_eq!(
            (create.method(), create.uri().to_string()),
            (&Method::POST, format!("{API}/drafts"))
        );
        let body: serde_json::Value = serde_json::from_slice(create.body()).unwrap();
        assert_eq!(body, json!({"message": {"raw": "eA", "threadId": "t"}}));
        let update = save(Some("r-1"), b"x".to_vec(), None, &[1]).unwrap();
        assert_eq!(
            (update.method(), update.uri().to_string()),
            (&Method::PUT, format!("{API}/drafts/r-1"))
        );
        let body: serde_json::Value = serde_json::from_slice(update.body()).unwrap();
        assert_eq!(body, json!({"id": "r-1", "message": {"raw": "eA"}}));
        let upload = save(Some("r-1"), vec![b'a'; JSON_MAX_RAW + 1], Some("t"), &[1]).unwrap();
        assert_eq!(
            upload.uri().to_string(),
            format!("{UPLOAD}/drafts/r-1?uploadType=multipart")
        );
        assert_eq!(
            message_id_url("r 1"),
            format!("{API}/drafts/r+1?format=metadata&metadataHeaders=Message-ID")
        );
        let delete = delete("r-1").unwrap();
        assert_eq!(
            (delete.method(), delete.uri().to_string()),
            (&Method::DELETE, format!("{API}/drafts/r-1"))
        );
        let send = send("r-1").unwrap();
        assert_eq!(send.uri().to_string(), format!("{API}/drafts/send"));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(send.body()).unwrap(),
            json!({"id": "r-1"})
        );
        let draft: Draft = serde_json::from_str(
            r#"{"id":"r-1","message":{"id":"m2","threadId":"t","labelIds":["DRAFT"]}}"#,
        )
        .unwrap();
        assert_eq!(
            (
                draft.id.as_str(),
                draft.message.id.as_str(),
                draft.message.thread_id.as_deref()
            ),
            ("r-1", "m2", Some("t"))
        );
    }
}
