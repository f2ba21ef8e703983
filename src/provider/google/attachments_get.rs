//! `users.messages.attachments.get`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages.attachments/get):
//! the bytes of one attachment, base64url in `data`.

use super::API;
use crate::net;
use serde::Deserialize;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail attachment";

/// The request's URL: attachment `attachment_id` of message `message_id`.
pub(super) fn url(message_id: &str, attachment_id: &str) -> String {
    format!(
        "{API}/messages/{}/attachments/{}",
        net::path_segment(message_id),
        net::path_segment(attachment_id)
    )
}

/// A `MessagePartBody`.
#[derive(Deserialize)]
pub(super) struct Body {
    /// The bytes, base64url.
    #[serde(default)]
    pub(super) data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_answer() {
        assert_eq!(
            url("m1", "ANGjdJ_x/y"),
            "https://gmail.googleapis.com/gmail/v1/users/me/messages/m1/attachments/ANGjdJ_x%2Fy"
        );
        let body: Body = serde_json::from_str(r#"{"size":2,"data":"aGk"}"#).unwrap();
        assert_eq!(body.data.as_deref(), Some("aGk"));
    }
}
