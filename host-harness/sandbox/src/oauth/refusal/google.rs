//! Google's words for refusals.

use http::StatusCode;
use serde::Serialize;

use super::{PageRefusal, RedirectRefusal, TokenRefusal};
use crate::state::RefreshProblem;
use crate::wire::{self, Response};

/// Google's page title (`Error 400: <error>`) and message.
pub(super) fn page(refusal: &PageRefusal) -> (String, String) {
    match refusal {
        PageRefusal::MissingParameter(name) => (
            "Error 400: invalid_request".to_owned(),
            format!("Missing required parameter: {name}"),
        ),
        // Google's page reads "Error 401" here, though the page itself is not a 401.
        PageRefusal::UnknownClient { .. } => (
            "Error 401: invalid_client".to_owned(),
            "The OAuth client was not found.".to_owned(),
        ),
        PageRefusal::RedirectMismatch { redirect_uri, .. } => (
            "Error 400: redirect_uri_mismatch".to_owned(),
            format!(
                "The redirect URI in the request, {redirect_uri}, does not match the ones authorized for the OAuth client."
            ),
        ),
    }
}

/// Google's redirect parameters: the `error` alone.
pub(super) fn redirect_params(refusal: &RedirectRefusal) -> Vec<(&'static str, String)> {
    let error = match refusal {
        RedirectRefusal::MissingParameter(_)
        | RedirectRefusal::PkceRequired
        | RedirectRefusal::InvalidChallenge => "invalid_request",
        RedirectRefusal::UnsupportedResponseType(_) => "unsupported_response_type",
        RedirectRefusal::MissingScope | RedirectRefusal::InvalidScope(_) => "invalid_scope",
        RedirectRefusal::AccessDenied => "access_denied",
    };
    vec![("error", error.to_owned())]
}

/// Google's token error answer.
pub(super) fn token_error(refusal: &TokenRefusal) -> Response {
    let (status, error, error_description) = status_and_words(refusal);
    let reauth = matches!(refusal, TokenRefusal::InteractionRequired);
    wire::json(
        status,
        &GoogleError {
            error,
            error_description,
            error_uri: reauth.then_some(REAUTH_HELP),
            error_subtype: reauth.then_some("invalid_rapt"),
        },
    )
}

/// Google's token error: `{"error","error_description"}`, and for a refresh its session control
/// stops, `error_uri` and `error_subtype`.
#[derive(Serialize)]
struct GoogleError {
    error: &'static str,
    error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_uri: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_subtype: Option<&'static str>,
}

/// The help page Google names when its session control demands that the user sign in again.
const REAUTH_HELP: &str = "https://support.google.com/a/answer/9368756";

/// Google's answer to a refresh token it no longer takes (revoked, unused for six months, the
/// password changed, a session policy):
/// https://developers.google.com/identity/protocols/oauth2#expiration.
fn expired_or_revoked() -> (StatusCode, &'static str, String) {
    (
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Token has been expired or revoked.".to_owned(),
    )
}

/// Google's status, `error` and `error_description`.
fn status_and_words(refusal: &TokenRefusal) -> (StatusCode, &'static str, String) {
    use TokenRefusal as R;
    let bad = StatusCode::BAD_REQUEST;
    match refusal {
        R::MissingClientId => (
            bad,
            "invalid_request",
            "Could not determine client ID from request.".to_owned(),
        ),
        R::MissingParameter(name) => (
            bad,
            "invalid_request",
            format!("Missing required parameter: {name}"),
        ),
        R::MissingSecret => (
            bad,
            "invalid_request",
            "client_secret is missing.".to_owned(),
        ),
        R::UnknownClient { .. } => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.".to_owned(),
        ),
        R::WrongSecret { .. } => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unauthorized".to_owned(),
        ),
        R::UnsupportedGrantType(kind) => (
            bad,
            "unsupported_grant_type",
            format!("Invalid grant_type: {kind}"),
        ),
        R::Code(_) | R::CodeOtherClient | R::CodeOtherTenant => {
            (bad, "invalid_grant", "Bad Request".to_owned())
        }
        R::RedirectMismatch { .. } => (bad, "redirect_uri_mismatch", "Bad Request".to_owned()),
        R::VerifierMissing => (bad, "invalid_grant", "Missing code verifier.".to_owned()),
        R::VerifierMismatch => (bad, "invalid_grant", "Invalid code verifier.".to_owned()),
        R::Refresh(RefreshProblem::Revoked { .. }) => expired_or_revoked(),
        R::Refresh(_) => (bad, "invalid_grant", "Bad Request".to_owned()),
        R::RefreshOtherClient => (bad, "unauthorized_client", "Unauthorized".to_owned()),
        // Google does not check the scope of token requests (see `rules`); these never occur.
        R::InvalidScope(_) | R::ScopeNotConsented { .. } => {
            (bad, "invalid_scope", "Bad Request".to_owned())
        }
        // Google's token endpoint has no `consent_required`: OpenID Connect defines it for the
        // authorization endpoint only, and Google answers a refresh token whose consent is gone
        // as one revoked.
        R::ConsentRequired { .. } => expired_or_revoked(),
        // Nor `interaction_required`: when a Google Workspace session control policy wants the
        // user to sign in again, the refresh is `invalid_grant` with subtype `invalid_rapt`
        // (https://support.google.com/a/answer/9368756; answer as captured in
        // https://github.com/blinkk/rootjs/issues/747:
        // `{"error":"invalid_grant","error_description":"reauth related error (invalid_rapt)",
        // "error_uri":"https://support.google.com/a/answer/9368756","error_subtype":"invalid_rapt"}`).
        R::InteractionRequired => (
            bad,
            "invalid_grant",
            "reauth related error (invalid_rapt)".to_owned(),
        ),
    }
}
