//! What the component knows of each provider as data, looked up by provider: its OAuth profile (the
//! endpoints and conventions of its authorization server) and its published limits (the mail
//! API's hosts, the cap on requests in flight, the quota, the sizes a message may reach). The
//! OAuth flow, the validation of an app and the session read these records and
//! never the provider's mailbox code.

use crate::Error;
use crate::compose::SendLimits;
use crate::pace::Budget;
use crate::types::{App, Provider};

/// What the component knows of one provider as data.
#[derive(Debug)]
pub struct Profile {
    /// Its authorization server.
    pub oauth: OAuthProfile,
    /// The limits it publishes for its mail API.
    pub limits: Limits,
}

/// The endpoints and conventions of a provider's OAuth 2.0 authorization server.
#[derive(Debug)]
pub struct OAuthProfile {
    /// The authorization endpoint; `{tenant}` stands for the app's tenant.
    pub authorize_url: &'static str,
    /// The token endpoint; `{tenant}` stands for the app's tenant.
    pub token_url: &'static str,
    /// Query parameters the authorization URL carries besides the standard ones.
    pub extra_authorize_params: &'static [(&'static str, &'static str)],
    /// Whether token requests repeat the `scope` parameter (Microsoft asks for it).
    pub token_request_sends_scope: bool,
    /// The scopes asked for when the admin gives none.
    pub default_scopes: &'static [&'static str],
    /// What the tenant field of an app may hold.
    pub tenancy: Tenancy,
}

/// What the tenant field of an app may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// Nothing: the provider has one authority.
    None,
    /// A directory (`common`, `organizations`, `consumers`, a tenant GUID or a domain), `default`
    /// when the admin gives none.
    Directory {
        /// The tenant used when the admin gives none.
        default: &'static str,
    },
}

/// The OAuth endpoints of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the user's browser is sent to consent.
    pub authorize: String,
    /// Where codes and refresh tokens are exchanged for tokens.
    pub token: String,
}

/// The limits a provider publishes for its mail API.
#[derive(Debug)]
pub struct Limits {
    /// The hosts of the mail API: the only hosts a bearer token is sent to.
    pub api_hosts: &'static [&'static str],
    /// The most requests in flight to the mail API for one mailbox.
    pub max_in_flight: usize,
    /// The quota for one mailbox: units per sliding window.
    pub budget: Budget,
    /// The sizes a message and an attachment may reach.
    pub send: SendLimits,
}

/// The profile of `provider`.
pub fn of(provider: Provider) -> &'static Profile {
    match provider {
        Provider::Google => &GOOGLE,
        Provider::Microsoft => &MICROSOFT,
    }
}

/// Google accounts and Gmail.
pub static GOOGLE: Profile = Profile {
    oauth: OAuthProfile {
        authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
        token_url: "https://oauth2.googleapis.com/token",
        // A refresh token on every consent, not only the first one.
        extra_authorize_params: &[("access_type", "offline"), ("prompt", "consent")],
        token_request_sends_scope: false,
        // `profile` puts the user's `name` in the ID token ("might be provided when the request
        // scope included the string profile":
        // https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload),
        // the account's display name.
        default_scopes: &[
            "openid",
            "email",
            "profile",
            "https://www.googleapis.com/auth/gmail.modify",
        ],
        tenancy: Tenancy::None,
    },
    limits: Limits {
        api_hosts: &["gmail.googleapis.com"],
        max_in_flight: 10,
        // The per-user rate limit: 15,000 quota units per user per minute
        // (https://developers.google.com/workspace/gmail/api/reference/quota).
        budget: Budget {
            units: 15_000,
            window_ms: 60_000,
        },
        // `messages.send` takes at most 35 MB (`mediaUpload.maxSize` 36,700,160 in the discovery
        // document); one attachment may use all of it.
        send: SendLimits {
            provider: "Gmail",
            message_bytes: 36_700_160,
            attachment_bytes: 36_700_160,
        },
    },
};

/// Microsoft work, school and personal accounts (the identity platform's v2.0 endpoints), and
/// Outlook mail through Microsoft Graph.
pub static MICROSOFT: Profile = Profile {
    oauth: OAuthProfile {
        authorize_url: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        token_url: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        extra_authorize_params: &[("response_mode", "query")],
        token_request_sends_scope: true,
        default_scopes: &[
            "offline_access",
            "openid",
            "email",
            "User.Read",
            "Mail.ReadWrite",
            "Mail.Send",
        ],
        // Any work, school or personal account when the admin names no tenant.
        tenancy: Tenancy::Directory { default: "common" },
    },
    limits: Limits {
        api_hosts: &["graph.microsoft.com"],
        max_in_flight: 4,
        // 10,000 requests per 10 minutes per app and mailbox
        // (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits).
        budget: Budget {
            units: 10_000,
            window_ms: 600_000,
        },
        // Exchange Online's default message size limit, 35 MB, applied the stricter way: to the
        // message as encoded, attachments in base64 (MB read as MiB, as Gmail's 35 MB is
        // 36,700,160 bytes). "By default, this message size limit is 35 MB"
        // (https://learn.microsoft.com/en-us/graph/api/attachment-createuploadsession); "35 MB
        // for sending" (https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#message-limits).
        // An administrator may raise it up to 150 MB; the component keeps to the default.
        send: SendLimits {
            provider: "Outlook",
            message_bytes: 36_700_160,
            attachment_bytes: 36_700_160,
        },
    },
};

impl OAuthProfile {
    /// The authorize and token endpoints for `app`.
    pub fn endpoints(&self, app: &App) -> Endpoints {
        let tenant = match self.tenancy {
            Tenancy::None => "",
            Tenancy::Directory { default } => app.tenant.as_deref().unwrap_or(default),
        };
        Endpoints {
            authorize: self.authorize_url.replace("{tenant}", tenant),
            token: self.token_url.replace("{tenant}", tenant),
        }
    }

    /// Checks and normalizes the tenant field of an app.
    pub fn normalize_tenant(&self, tenant: Option<&str>) -> Result<Option<String>, Error> {
        match self.tenancy {
            Tenancy::None => match tenant.map(str::trim) {
                None | Some("") => Ok(None),
                Some(_) => Err(Error::invalid(
                    "tenant",
                    "applies to Microsoft only; leave it empty for Google",
                )),
            },
            Tenancy::Directory { default } => {
                let tenant = tenant
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .unwrap_or(default)
                    .to_ascii_lowercase();
                if matches!(tenant.as_str(), "common" | "organizations" | "consumers")
                    || is_guid(&tenant)
                    || is_domain(&tenant)
                {
                    Ok(Some(tenant))
                } else {
                    Err(Error::invalid(
                        "tenant",
                        "must be common, organizations, consumers, a tenant GUID or a domain such as contoso.onmicrosoft.com",
                    ))
                }
            }
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DNS name of at least two labels of letters, digits and inner hyphens.
fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants() {
        let ms = &MICROSOFT.oauth;
        assert_eq!(
            ms.normalize_tenant(None).unwrap().as_deref(),
            Some("common")
        );
        assert_eq!(
            ms.normalize_tenant(Some(" Organizations "))
                .unwrap()
                .as_deref(),
            Some("organizations")
        );
        assert_eq!(
            ms.normalize_tenant(Some("9188040D-6C67-4C5B-B112-36A304B66DAD"))
                .unwrap()
                .as_deref(),
            Some("9188040d-6c67-4c5b-b112-36a304b66dad")
        );
        assert_eq!(
            ms.normalize_tenant(Some("Contoso.onmicrosoft.com"))
                .unwrap()
                .as_deref(),
            Some("contoso.onmicrosoft.com")
        );
        for bad in [
            "contoso",
            "a/b",
            "9188040d-6c67-4c5b-b112",
            "-x.com",
            "x..com",
            "1.2.3.4",
            "common/../x",
            "tenant?x=1",
        ] {
            let err = ms.normalize_tenant(Some(bad)).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "tenant"),
                "{bad}: {err}"
            );
        }
        assert_eq!(GOOGLE.oauth.normalize_tenant(Some(" ")).unwrap(), None);
        assert!(GOOGLE.oauth.normalize_tenant(Some("common")).is_err());
    }
}
