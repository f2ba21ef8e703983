//! Google's media upload protocol for the methods that take a whole message
//! (`messages.send`, `drafts.create`, `drafts.update`): the message as `message/rfc822`, alone
//! (`uploadType=media`) or after the method's JSON resource (`uploadType=multipart`)
//! (https://developers.google.com/workspace/gmail/api/guides/uploads).

use crate::Error;
use crate::net::Request;
use http::Method;
use http::header::CONTENT_TYPE;

/// Where the media upload URLs of the signed-in user's resources start (the
/// `mediaUpload.protocols.simple.path` of `messages.send`, `drafts.create` and `drafts.update`:
/// shared/specs gmail/gmail-v1-discovery.json).
pub(super) const UPLOAD: &str = "https://gmail.googleapis.com/upload/gmail/v1/users/me";

/// A media upload of `raw` to `url`: `uploadType=multipart` with `metadata` (the resource
/// the method takes, such as a `Message` with its `threadId`) as JSON, or `uploadType=media`
/// when there is none. The multipart envelope is Google's upload protocol (RFC 2387
/// `multipart/related`), not part of the mail.
pub(super) fn request(
    method: Method,
    url: &str,
    raw: Vec<u8>,
    metadata: Option<serde_json::Value>,
    entropy: &[u8],
) -> Result<Request, Error> {
    let builder = http::Request::builder()
        .method(method)
        .header(http::header::ACCEPT, "application/json");
    let request = match metadata {
        None => builder
            .uri(format!("{url}?uploadType=media"))
            .header(CONTENT_TYPE, "message/rfc822")
            .body(raw),
        Some(metadata) => {
            let boundary = boundary(&raw, entropy);
            let mut body = Vec::with_capacity(raw.len() + 256);
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&raw);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            builder
                .uri(format!("{url}?uploadType=multipart"))
                .header(
                    CONTENT_TYPE,
                    format!("multipart/related; boundary={boundary}"),
                )
                .body(body)
        }
    };
    request.map_err(|e| Error::transport(format!("cannot build the upload request: {e}")))
}

/// A multipart boundary that does not occur in `raw`.
fn boundary(raw: &[u8], entropy: &[u8]) -> String {
    let seed: String = entropy.iter().map(|b| format!("{b:02x}")).collect();
    (0..)
        .map(|n| format!("upload_{seed}_{n}"))
        .find(|b| !raw.windows(b.len()).any(|w| w == b.as_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uploads_carry_the_thread_in_metadata_or_go_as_media() {
        let raw = b"Subject: x\r\n\r\nbody upload_0a_0 body".to_vec();
        let url = format!("{UPLOAD}/messages/send");
        let thread = Some(json!({ "threadId": "t-1" }));
        let multipart = request(Method::POST, &url, raw.clone(), thread, &[0x0a]).unwrap();
        assert_eq!(
            multipart.uri(),
            "https://gmail.googleapis.com/upload/gmail/v1/users/me/messages/send?uploadType=multipart"
        );
        let content_type = multipart.headers()[CONTENT_TYPE].to_str().unwrap();
        assert_eq!(content_type, "multipart/related; boundary=upload_0a_1");
        let body = String::from_utf8(multipart.body().clone()).unwrap();
        assert!(body.starts_with("--upload_0a_1\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"threadId\":\"t-1\"}\r\n"), "{body}");
        assert!(
            body.ends_with("body upload_0a_0 body\r\n--upload_0a_1--\r\n"),
            "{body}"
        );

        let media = request(Method::POST, &url, raw.clone(), None, &[1]).unwrap();
        assert_eq!(media.headers()[CONTENT_TYPE], "message/rfc822");
        assert_eq!(media.body(), &raw);
    }
}
