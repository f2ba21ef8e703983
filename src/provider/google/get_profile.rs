//! `users.getProfile`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users/getProfile): the
//! mailbox's address and its current history id.
//!
//! Two readings of the one answer, each requiring only the field its caller needs: the identity
//! reads the address ([`Address`]), a first sync the history id ([`HistoryId`]).

use serde::Deserialize;

/// The endpoint's URL, for the signed-in user.
pub(super) const URL: &str = "https://gmail.googleapis.com/gmail/v1/users/me/profile";

/// Whether `request` calls this endpoint: what a test double answers by.
#[cfg(test)]
pub(crate) fn recognize(request: &crate::net::Request) -> bool {
    request.method() == http::Method::GET && request.uri() == URL
}

/// The mailbox's address, for the identity.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Address {
    /// The address.
    pub(super) email_address: String,
}

/// The mailbox's current history id: where the history after a first sync starts.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HistoryId {
    /// The history id.
    pub(super) history_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reading_takes_its_field() {
        // shared/specs: samples/gmail/users.getProfile.json.
        let answer = r#"{"emailAddress":"api@nango.dev","messagesTotal":782,"threadsTotal":735,"historyId":"88035"}"#;
        let address: Address = serde_json::from_str(answer).unwrap();
        let history: HistoryId = serde_json::from_str(answer).unwrap();
        assert_eq!(
            (address.email_address.as_str(), history.history_id.as_str()),
            ("api@nango.dev", "88035")
        );
        assert!(serde_json::from_str::<HistoryId>(r#"{"historyId":"7"}"#).is_ok());
        assert!(serde_json::from_str::<Address>(r#"{"historyId":"7"}"#).is_err());
        assert!(serde_json::from_str::<HistoryId>(r#"{"emailAddress":"a@b.c"}"#).is_err());
    }
}
