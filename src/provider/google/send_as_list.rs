//! `users.settings.sendAs.list`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.settings.sendAs/list):
//! the addresses the account may send as.

use super::API;
use serde::Deserialize;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail sendAs";

/// The request's URL.
pub(super) fn url() -> String {
    format!("{API}/settings/sendAs")
}

/// The answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct List {
    /// The send-as aliases, the primary address among them.
    #[serde(default)]
    pub(super) send_as: Vec<Alias>,
}

/// A `SendAs` resource, as far as a From picker needs it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Alias {
    /// The address.
    pub(super) send_as_email: String,
    /// The name that goes with it.
    #[serde(default)]
    pub(super) display_name: Option<String>,
    /// The account's own address.
    #[serde(default)]
    pub(super) is_primary: bool,
    /// The default From.
    #[serde(default)]
    pub(super) is_default: bool,
    /// `accepted` once verified (the primary address has none).
    #[serde(default)]
    pub(super) verification_status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_answer() {
        assert_eq!(
            url(),
            "https://gmail.googleapis.com/gmail/v1/users/me/settings/sendAs"
        );
        // The shape of https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.settings.sendAs#SendAs.
        let list: List = serde_json::from_str(
            r#"{"sendAs":[{"sendAsEmail":"ann@example.com","displayName":"","isPrimary":true,"isDefault":true},{"sendAsEmail":"sales@example.com","displayName":"Sales","verificationStatus":"accepted"}]}"#,
        )
        .unwrap();
        assert!(list.send_as[0].is_primary && list.send_as[0].verification_status.is_none());
        assert_eq!(
            list.send_as[1].verification_status.as_deref(),
            Some("accepted")
        );
    }
}
