//! Which scopes each provider knows and how it lists the granted ones.

use crate::config::Provider;

/// Google's full name of the `email` scope, as its token responses list it.
pub(super) const GOOGLE_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
/// Google's full name of the `profile` scope.
pub(super) const GOOGLE_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";

/// The Gmail scopes of the Gmail v1 discovery document.
const GMAIL_SCOPES: [&str; 14] = [
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.addons.current.action.compose",
    "https://www.googleapis.com/auth/gmail.addons.current.message.action",
    "https://www.googleapis.com/auth/gmail.addons.current.message.metadata",
    "https://www.googleapis.com/auth/gmail.addons.current.message.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.insert",
    "https://www.googleapis.com/auth/gmail.labels",
    "https://www.googleapis.com/auth/gmail.metadata",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.settings.basic",
    "https://www.googleapis.com/auth/gmail.settings.sharing",
];

/// The resource Microsoft scopes without one belong to.
pub(super) const GRAPH: &str = "https://graph.microsoft.com/";

/// The OpenID Connect scopes of the Microsoft identity platform.
const MICROSOFT_OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The Microsoft scope that brings a refresh token.
pub(super) const OFFLINE_ACCESS: &str = "offline_access";

/// What is wrong with a `scope` parameter.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ScopeProblem {
    /// Absent or blank.
    Missing,
    /// Names a scope the provider does not know.
    Invalid(String),
}

/// The scopes of a space-separated `scope` parameter, in the provider's full form (Google
/// `email` becomes `…/auth/userinfo.email`, Microsoft `Mail.Read` becomes
/// `https://graph.microsoft.com/Mail.Read`), without repeats.
pub(super) fn parse(provider: Provider, raw: Option<&str>) -> Result<Vec<String>, ScopeProblem> {
    let mut scopes: Vec<String> = Vec::new();
    for name in raw.unwrap_or_default().split_ascii_whitespace() {
        let full = match provider {
            Provider::Google => google(name),
            Provider::Microsoft => microsoft(name),
        }
        .ok_or_else(|| ScopeProblem::Invalid(name.to_owned()))?;
        if !scopes.iter().any(|s| s.eq_ignore_ascii_case(&full)) {
            scopes.push(full);
        }
    }
    if scopes.is_empty() {
        return Err(ScopeProblem::Missing);
    }
    Ok(scopes)
}

/// The scopes a token response lists: Microsoft leaves out `offline_access`.
pub(super) fn listed(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| *s != OFFLINE_ACCESS)
        .cloned()
        .collect()
}

/// Whether `scopes` holds `scope` (case-insensitively, as both providers compare them).
pub(super) fn holds(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s.eq_ignore_ascii_case(scope))
}

/// Whether `scope` is one of Microsoft's OpenID Connect scopes (granted with any consent).
pub(super) fn is_microsoft_oidc(scope: &str) -> bool {
    MICROSOFT_OIDC.iter().any(|s| s.eq_ignore_ascii_case(scope))
}

/// Google's full name of `name`.
fn google(name: &str) -> Option<String> {
    let full = match name {
        "email" => GOOGLE_EMAIL,
        "profile" => GOOGLE_PROFILE,
        "openid" | GOOGLE_EMAIL | GOOGLE_PROFILE => name,
        _ => GMAIL_SCOPES.iter().copied().find(|s| *s == name)?,
    };
    Some(full.to_owned())
}

/// Microsoft's full name of `name`: OpenID Connect scopes as they are, Graph permissions with the
/// Graph resource. The sandbox serves no other resource.
fn microsoft(name: &str) -> Option<String> {
    if is_microsoft_oidc(name) {
        return Some(name.to_ascii_lowercase());
    }
    let permission = name.strip_prefix(GRAPH).unwrap_or(name);
    let well_formed = permission
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
    well_formed.then(|| format!("{GRAPH}{permission}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_lists_full_names() {
        let scopes = parse(
            Provider::Google,
            Some("openid email https://www.googleapis.com/auth/gmail.modify email"),
        )
        .unwrap();
        assert_eq!(
            scopes,
            [
                "openid",
                GOOGLE_EMAIL,
                "https://www.googleapis.com/auth/gmail.modify"
            ]
        );
        assert_eq!(
            parse(Provider::Google, Some("openid gmail.modify")),
            Err(ScopeProblem::Invalid("gmail.modify".into()))
        );
        assert_eq!(
            parse(Provider::Google, Some("  ")),
            Err(ScopeProblem::Missing)
        );
    }

    #[test]
    fn microsoft_prefixes_graph_permissions() {
        let scopes = parse(
            Provider::Microsoft,
            Some("offline_access openid User.Read https://graph.microsoft.com/Mail.Send"),
        )
        .unwrap();
        assert_eq!(
            scopes,
            [
                "offline_access",
                "openid",
                "https://graph.microsoft.com/User.Read",
                "https://graph.microsoft.com/Mail.Send"
            ]
        );
        assert_eq!(
            listed(&scopes),
            [
                "openid",
                "https://graph.microsoft.com/User.Read",
                "https://graph.microsoft.com/Mail.Send"
            ]
        );
        assert_eq!(
            parse(
                Provider::Microsoft,
                Some("https://foo.microsoft.com/mail.read")
            ),
            Err(ScopeProblem::Invalid(
                "https://foo.microsoft.com/mail.read".into()
            ))
        );
        assert_eq!(parse(Provider::Microsoft, None), Err(ScopeProblem::Missing));
    }
}
