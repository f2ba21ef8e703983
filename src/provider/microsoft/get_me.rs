//! `GET /me` (https://learn.microsoft.com/en-us/graph/api/user-get): the signed-in user's
//! address and name, for the identity of a connected account.

use serde::Deserialize;

/// The endpoint's URL, with the properties the component reads.
pub(super) const URL: &str =
    "https://graph.microsoft.com/v1.0/me?$select=displayName,mail,userPrincipalName";

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Graph /me";

/// The user, as far as the identity needs it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct User {
    /// The Exchange address; null for an account without one.
    pub(super) mail: Option<String>,
    /// The sign-in name (an address).
    pub(super) user_principal_name: Option<String>,
    /// The name to show.
    pub(super) display_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_with_and_without_an_exchange_address() {
        // The shape of https://learn.microsoft.com/en-us/graph/api/user-get#response-1.
        let user: User = serde_json::from_str(
            r#"{"displayName":"Adele Vance","mail":"AdeleV@contoso.com","userPrincipalName":"AdeleV@contoso.com"}"#,
        )
        .unwrap();
        assert_eq!(user.mail.as_deref(), Some("AdeleV@contoso.com"));
        let personal: User = serde_json::from_str(
            r#"{"displayName":null,"mail":null,"userPrincipalName":"someone@outlook.com"}"#,
        )
        .unwrap();
        assert!(personal.mail.is_none() && personal.display_name.is_none());
        assert_eq!(
            personal.user_principal_name.as_deref(),
            Some("someone@outlook.com")
        );
    }
}
