//! Entra ID's words for refusals: AADSTS codes, messages and trace identifiers.

use std::time::SystemTime;

use http::StatusCode;
use serde::Serialize;

use super::{PageRefusal, RedirectRefusal, TokenRefusal};
use crate::clock::Utc;
use crate::mint;
use crate::state::{CodeProblem, RefreshProblem};
use crate::wire::{self, Response};

/// Entra's page title (`AADSTS<code>`) and message.
pub(super) fn page(refusal: &PageRefusal) -> (String, String) {
    let (code, message) = match refusal {
        PageRefusal::MissingParameter(name) => (900144, missing_parameter(name)),
        PageRefusal::UnknownClient { client_id, tenant } => {
            (700016, unknown_app(client_id, tenant))
        }
        PageRefusal::RedirectMismatch {
            client_id,
            redirect_uri,
        } => (
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        ),
    };
    (format!("AADSTS{code}"), format!("AADSTS{code}: {message}"))
}

/// Entra's redirect parameters: `error` and an AADSTS `error_description`.
pub(super) fn redirect_params(refusal: &RedirectRefusal) -> Vec<(&'static str, String)> {
    let (error, code, message) = match refusal {
        RedirectRefusal::MissingParameter(name) => {
            ("invalid_request", 900144, missing_parameter(name))
        }
        RedirectRefusal::UnsupportedResponseType(kind) => (
            "unsupported_response_type",
            700054,
            format!("response_type '{kind}' is not enabled for the application."),
        ),
        RedirectRefusal::MissingScope => ("invalid_request", 900144, missing_parameter("scope")),
        RedirectRefusal::InvalidScope(scope) => ("invalid_scope", 70011, invalid_scope(scope)),
        // Entra itself demands PKCE only of single-page apps and also takes `plain`; the sandbox
        // demands S256 of every client and words the refusal as Entra does.
        RedirectRefusal::PkceRequired => (
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.".to_owned(),
        ),
        RedirectRefusal::InvalidChallenge => (
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter.".to_owned(),
        ),
        RedirectRefusal::AccessDenied => (
            "access_denied",
            65004,
            "User declined to consent to access the app.".to_owned(),
        ),
    };
    vec![
        ("error", error.to_owned()),
        ("error_description", Trace::new().describe(code, &message)),
    ]
}

/// Entra's token error answer.
pub(super) fn token_error(refusal: &TokenRefusal) -> Response {
    let (status, error, code, message) = status_and_words(refusal);
    let trace = Trace::new();
    let body = EntraError {
        error,
        error_description: trace.describe(code, &message),
        error_codes: [code],
        timestamp: trace.timestamp.clone(),
        trace_id: trace.trace_id.clone(),
        correlation_id: trace.correlation_id.clone(),
        error_uri: format!("https://login.microsoftonline.com/error?code={code}"),
        suberror: suberror(refusal),
    };
    wire::json(status, &body)
}

/// Entra's token error envelope.
#[derive(Serialize)]
struct EntraError {
    error: &'static str,
    error_description: String,
    error_codes: [u32; 1],
    timestamp: String,
    trace_id: String,
    correlation_id: String,
    error_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    suberror: Option<&'static str>,
}

/// The `suberror` Entra adds to some refusals to say what the user must do: `consent_required`
/// with AADSTS65001, as Entra answers a refresh the user has not consented to, e.g.
/// `{"error":"invalid_grant","error_description":"AADSTS65001: …","error_codes":[65001],…,
/// "suberror":"consent_required"}` (captured answers of the v2.0 token endpoint to refresh-token
/// grants: https://github.com/O365/python-o365/issues/323,
/// https://github.com/stevenmaguire/oauth2-microsoft/issues/31). Entra's AADSTS50076 answers
/// carry no documented `suberror`, so the sandbox sends none with them.
fn suberror(refusal: &TokenRefusal) -> Option<&'static str> {
    match refusal {
        TokenRefusal::ScopeNotConsented { .. } | TokenRefusal::ConsentRequired { .. } => {
            Some("consent_required")
        }
        _ => None,
    }
}

/// Entra's status, `error`, AADSTS code and message.
fn status_and_words(refusal: &TokenRefusal) -> (StatusCode, &'static str, u32, String) {
    use TokenRefusal as R;
    let bad = StatusCode::BAD_REQUEST;
    let malformed = || "Invalid request. Request is malformed or invalid.".to_owned();
    let not_valid = || {
        "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid."
            .to_owned()
    };
    match refusal {
        R::MissingClientId => (bad, "invalid_request", 900144, missing_parameter("client_id")),
        R::MissingParameter(name) => (bad, "invalid_request", 900144, missing_parameter(name)),
        R::MissingSecret => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_owned(),
        ),
        // Entra answers an unknown app with 400 unauthorized_client, not 401 invalid_client.
        R::UnknownClient { client_id, tenant } => (
            bad,
            "unauthorized_client",
            700016,
            unknown_app(client_id, tenant),
        ),
        R::WrongSecret { client_id } => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        ),
        R::UnsupportedGrantType(kind) => (
            bad,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{kind}'."),
        ),
        R::Code(CodeProblem::Unknown) | R::CodeOtherClient => {
            (bad, "invalid_grant", 9002313, malformed())
        }
        R::Code(CodeProblem::Expired) => (bad, "invalid_grant", 70008, expired_grant()),
        R::Code(CodeProblem::Redeemed) => (
            bad,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".to_owned(),
        ),
        R::CodeOtherTenant => (
            bad,
            "invalid_grant",
            700005,
            "Provided Authorization Code is intended to use against other tenant, thus rejected."
                .to_owned(),
        ),
        R::RedirectMismatch { given, original } => (
            bad,
            "invalid_grant",
            50011,
            format!(
                "The reply address '{given}' does not match the reply address '{original}' provided when requesting Authorization code."
            ),
        ),
        R::VerifierMissing => (
            bad,
            "invalid_grant",
            50148,
            "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.".to_owned(),
        ),
        R::VerifierMismatch => (
            bad,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.".to_owned(),
        ),
        R::Refresh(RefreshProblem::Unknown) => (bad, "invalid_grant", 9002313, malformed()),
        // Entra does not revoke a refresh token by using it, so it documents no error for reusing
        // one; with single-use refresh tokens (the sandbox's stricter option) the sandbox refuses
        // a spent one with the error Entra gives a refresh token it no longer accepts.
        R::Refresh(RefreshProblem::Rotated) | R::RefreshOtherClient => {
            (bad, "invalid_grant", 70000, not_valid())
        }
        R::Refresh(RefreshProblem::Revoked { issued, revoked }) => (
            bad,
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                Utc::of(*issued).entra_instant(),
                Utc::of(*revoked).entra_instant()
            ),
        ),
        R::InvalidScope(scope) => (bad, "invalid_scope", 70011, invalid_scope(scope)),
        R::ScopeNotConsented { client_id } | R::ConsentRequired { client_id } => {
            (bad, "invalid_grant", 65001, not_consented(client_id))
        }
        // AADSTS50076 (UserStrongAuthClientAuthNRequired): a Conditional Access policy (or
        // per-user enforcement) demands multifactor authentication the refresh token does not
        // carry; the app must send a new interactive authorization request. Entra answers it at
        // the token endpoint with `interaction_required`, which it lists among its token
        // endpoint errors ("the request requires user interaction, for example an additional
        // authentication step"): https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
        // and https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-codes-for-token-endpoint-errors.
        // AADSTS50079 (UserStrongAuthEnrollmentRequired) is for a user who has yet to register
        // for multifactor authentication, not the case of a signed-in user asked for it again.
        // Message as Entra words it: https://github.com/Azure/ms-rest-nodeauth/issues/93,
        // https://github.com/microsoft/Partner-Center-PowerShell/issues/259 (a refresh).
        R::InteractionRequired => (
            bad,
            "interaction_required",
            50076,
            format!(
                "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{GRAPH_APP_ID}'."
            ),
        ),
    }
}

/// The application ID of Microsoft Graph, the resource the sandbox's tokens are for.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// AADSTS65001's message (DelegationDoesNotExist): the consent for `client_id` is missing.
fn not_consented(client_id: &str) -> String {
    format!(
        "The user or administrator has not consented to use the application with ID '{client_id}' named '{client_id}'. Send an interactive authorization request for this user and resource."
    )
}

/// AADSTS900144's message.
fn missing_parameter(name: &str) -> String {
    format!("The request body must contain the following parameter: '{name}'.")
}

/// AADSTS700016's message.
fn unknown_app(client_id: &str, tenant: &str) -> String {
    format!(
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
    )
}

/// AADSTS70011's message.
fn invalid_scope(scope: &str) -> String {
    format!(
        "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
    )
}

/// AADSTS70008's message.
fn expired_grant() -> String {
    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.".to_owned()
}

/// The trace identifiers Entra attaches to every error.
struct Trace {
    trace_id: String,
    correlation_id: String,
    timestamp: String,
}

impl Trace {
    fn new() -> Trace {
        Trace {
            trace_id: mint::random_guid(),
            correlation_id: mint::random_guid(),
            timestamp: Utc::of(SystemTime::now()).entra_timestamp(),
        }
    }

    /// `AADSTS<code>: <message>` followed by the trace lines, CRLF-separated as Entra sends them.
    fn describe(&self, code: u32, message: &str) -> String {
        format!(
            "AADSTS{code}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            self.trace_id, self.correlation_id, self.timestamp
        )
    }
}
