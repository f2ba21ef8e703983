//! `users.messages.send`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send): a
//! whole message, raw, as JSON when it fits and through the media upload above that; the answer
//! is the sent `Message` (its ids).

use super::API;
use super::media_upload::{self, UPLOAD};
use super::messages_get::Raw;
use crate::Error;
use crate::net::{self, Request, Response};
use crate::types::Sent;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use serde_json::json;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail message";

/// Up to this many raw bytes go as JSON (base64url makes them about 4.7 MB, under the 5 MB a
/// JSON request may carry); bigger messages use the upload endpoint.
pub(super) const JSON_MAX_RAW: usize = 3_670_016;

/// The request that sends `raw` in `thread_id`: JSON up to [`JSON_MAX_RAW`], else a media
/// upload (its multipart boundary drawn from `entropy`).
pub(super) fn request(
    raw: Vec<u8>,
    thread_id: Option<&str>,
    entropy: &[u8],
) -> Result<Request, Error> {
    if raw.len() <= JSON_MAX_RAW {
        net::json_request(
            Method::POST,
            &format!("{API}/messages/send"),
            &raw_message(&raw, thread_id),
        )
    } else {
        let metadata = thread_id.map(|thread| json!({ "threadId": thread }));
        media_upload::request(
            Method::POST,
            &format!("{UPLOAD}/messages/send"),
            raw,
            metadata,
            entropy,
        )
    }
}

/// A `Message` resource carrying `raw` (base64url) and the thread.
pub(super) fn raw_message(raw: &[u8], thread_id: Option<&str>) -> serde_json::Value {
    let mut body = json!({ "raw": URL_SAFE_NO_PAD.encode(raw) });
    if let Some(thread) = thread_id {
        body["threadId"] = json!(thread);
    }
    body
}

/// The sent message's ids, from the `Message` Gmail answers with.
pub(super) fn sent(response: &Response) -> Result<Sent, Error> {
    let sent: Raw = net::parse_json(response, NAME)?;
    Ok(Sent {
        id: sent.id,
        thread_id: sent.thread_id,
        account: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_go_as_json_and_large_ones_as_uploads() {
        let small = request(b"Subject: hi\r\n\r\nx".to_vec(), Some("t-1"), &[1]).unwrap();
        assert_eq!(
            small.uri(),
            "https://gmail.googleapis.com/gmail/v1/users/me/messages/send"
        );
        let body: serde_json::Value = serde_json::from_slice(small.body()).unwrap();
        assert_eq!(
            body,
            json!({"raw": "U3ViamVjdDogaGkNCg0KeA", "threadId": "t-1"})
        );
        let large = request(vec![b'a'; JSON_MAX_RAW + 1], None, &[1]).unwrap();
        assert_eq!(
            large.uri(),
            "https://gmail.googleapis.com/upload/gmail/v1/users/me/messages/send?uploadType=media"
        );
        let answer = http::Response::builder()
            .status(200)
            .body(br#"{"id":"m9","threadId":"t-1","labelIds":["SENT"]}"#.to_vec())
            .unwrap();
        let sent = sent(&answer).unwrap();
        assert_eq!(
            (sent.id.as_str(), sent.thread_id.as_deref()),
            ("m9", Some("t-1"))
        );
    }
}
