//! Every way the sandbox refuses an OAuth request; `google` and `entra` word them as each
//! provider does.
//!
//! Google answers with an RFC 6749 `error` and a terse `error_description`; Microsoft with an
//! `AADSTSnnnn: …` description followed by trace lines, plus `error_codes`, `timestamp`,
//! `trace_id`, `correlation_id` and `error_uri`.

mod entra;
mod google;

use std::time::SystemTime;

use http::StatusCode;

use super::RefreshRefusal;
use crate::config::Provider;
use crate::state::{CodeProblem, Grant, RefreshProblem};
use crate::wire::{self, Response};

/// An authorization request refused with an error page, because the redirect URI cannot be
/// trusted.
pub(super) enum PageRefusal {
    /// `client_id` or `redirect_uri` is absent.
    MissingParameter(&'static str),
    /// No app has this client ID (in this tenant).
    UnknownClient {
        /// The client ID asked for.
        client_id: String,
        /// The Microsoft tenant segment.
        tenant: String,
    },
    /// The redirect URI is not registered for the app.
    RedirectMismatch {
        /// The client ID asked for.
        client_id: String,
        /// The redirect URI asked for.
        redirect_uri: String,
    },
}

/// An authorization request refused by redirecting back with `error`.
pub(super) enum RedirectRefusal {
    /// A required parameter is absent.
    MissingParameter(&'static str),
    /// `response_type` is not `code`.
    UnsupportedResponseType(String),
    /// `scope` is absent or blank.
    MissingScope,
    /// `scope` names an unknown scope.
    InvalidScope(String),
    /// No S256 `code_challenge`: the sandbox requires PKCE with S256 of every client.
    PkceRequired,
    /// The `code_challenge` is not a base64url SHA-256 digest.
    InvalidChallenge,
    /// The user refused consent.
    AccessDenied,
}

/// A token request refused.
pub(super) enum TokenRefusal {
    /// No client ID, neither in a Basic header nor in the form.
    MissingClientId,
    /// A required form field is absent.
    MissingParameter(&'static str),
    /// The client sent no secret.
    MissingSecret,
    /// No app has this client ID.
    UnknownClient {
        /// The client ID sent.
        client_id: String,
        /// The Microsoft tenant segment.
        tenant: String,
    },
    /// The secret is not the app's.
    WrongSecret {
        /// The client ID sent.
        client_id: String,
    },
    /// `grant_type` is neither `authorization_code` nor `refresh_token`.
    UnsupportedGrantType(String),
    /// The code is unknown, expired or already redeemed.
    Code(CodeProblem),
    /// The code was issued to another client.
    CodeOtherClient,
    /// The code was issued at another Microsoft tenant endpoint.
    CodeOtherTenant,
    /// `redirect_uri` differs from the authorization request's.
    RedirectMismatch {
        /// The redirect URI of the token request.
        given: String,
        /// The redirect URI of the authorization request.
        original: String,
    },
    /// No `code_verifier` although the code has a challenge.
    VerifierMissing,
    /// The `code_verifier` does not hash to the challenge.
    VerifierMismatch,
    /// The refresh token is unknown, rotated away or revoked.
    Refresh(RefreshProblem),
    /// The refresh token was issued to another client.
    RefreshOtherClient,
    /// `scope` names an unknown scope.
    InvalidScope(String),
    /// `scope` asks for more than the user consented to.
    ScopeNotConsented {
        /// The client ID sent.
        client_id: String,
    },
    /// A refresh the provider's policy stops until the user signs in again interactively
    /// (multifactor authentication demanded).
    InteractionRequired,
    /// A refresh the provider refuses because the user's consent to the app is missing.
    ConsentRequired {
        /// The client ID sent.
        client_id: String,
    },
}

impl TokenRefusal {
    /// The refusal of a refresh of `grant` while the provider answers `refusal` (set at
    /// `since`): a missing grant reads as one revoked then.
    pub(in crate::oauth) fn refused(
        refusal: RefreshRefusal,
        grant: &Grant,
        since: SystemTime,
    ) -> TokenRefusal {
        match refusal {
            RefreshRefusal::InteractionRequired => TokenRefusal::InteractionRequired,
            RefreshRefusal::ConsentRequired => TokenRefusal::ConsentRequired {
                client_id: grant.client_id.clone(),
            },
            RefreshRefusal::InvalidGrant => TokenRefusal::Refresh(RefreshProblem::Revoked {
                issued: grant.issued,
                revoked: since,
            }),
        }
    }
}

impl From<CodeProblem> for TokenRefusal {
    fn from(problem: CodeProblem) -> Self {
        TokenRefusal::Code(problem)
    }
}

impl From<RefreshProblem> for TokenRefusal {
    fn from(problem: RefreshProblem) -> Self {
        TokenRefusal::Refresh(problem)
    }
}

/// The page shown instead of redirecting: its title names the error.
pub(super) fn page(provider: Provider, refusal: &PageRefusal) -> Response {
    let (title, message) = match provider {
        Provider::Google => google::page(refusal),
        Provider::Microsoft => entra::page(refusal),
    };
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{}</title></head>\n<body><h1>{}</h1>\n<p>{}</p></body></html>\n",
        wire::escape_html(&title),
        wire::escape_html(&title),
        wire::escape_html(&message),
    );
    wire::html(StatusCode::BAD_REQUEST, page)
}

/// The redirect to `redirect_uri` carrying `refusal` (and `state`).
pub(super) fn redirect(
    provider: Provider,
    refusal: &RedirectRefusal,
    redirect_uri: &str,
    state: Option<&str>,
) -> Response {
    let mut params = match provider {
        Provider::Google => google::redirect_params(refusal),
        Provider::Microsoft => entra::redirect_params(refusal),
    };
    if let Some(state) = state {
        params.push(("state", state.to_owned()));
    }
    wire::redirect(&wire::with_query(redirect_uri, &params))
}

/// The JSON error answer of the token endpoint.
pub(super) fn token_error(provider: Provider, refusal: &TokenRefusal) -> Response {
    match provider {
        Provider::Google => google::token_error(refusal),
        Provider::Microsoft => entra::token_error(refusal),
    }
}
