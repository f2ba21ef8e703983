//! `users.threads.get`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.threads/get): a
//! thread with its messages in full.

use super::API;
use super::message::GmailMessage;
use crate::net;
use serde::Deserialize;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail thread";

/// The request's URL: thread `id` with its messages in `format=full`.
pub(super) fn url(id: &str) -> String {
    format!("{API}/threads/{}?format=full", net::path_segment(id))
}

/// A `Thread` with its messages.
#[derive(Deserialize)]
pub(super) struct Thread {
    /// Its messages, oldest first.
    #[serde(default)]
    pub(super) messages: Vec<GmailMessage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_answer() {
        assert_eq!(
            url("18b7f6a2b00ad960"),
            "https://gmail.googleapis.com/gmail/v1/users/me/threads/18b7f6a2b00ad960?format=full"
        );
        let thread: Thread = serde_json::from_str(
            r#"{"id":"t","historyId":"5","messages":[{"id":"m1","threadId":"t","labelIds":["INBOX"]}]}"#,
        )
        .unwrap();
        assert_eq!(thread.messages.len(), 1);
        assert!(
            serde_json::from_str::<Thread>(r#"{"id":"t"}"#)
                .unwrap()
                .messages
                .is_empty()
        );
    }
}
