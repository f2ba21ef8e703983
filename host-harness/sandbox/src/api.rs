//! What the Gmail and Graph APIs share: bearer-token checks and their error envelopes.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use http::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

use crate::clock::{self, Utc};
use crate::config::Provider;
use crate::faults;
use crate::mint;
use crate::state::{AccessProblem, Grant, Shared};
use crate::wire::{self, Request, Response};

/// A request refused for its bearer token: none, or one the provider does not accept.
pub(crate) struct Unauthenticated {
    provider: Provider,
    problem: Option<AccessProblem>,
}

impl Unauthenticated {
    /// A refusal of a token `provider` issued that has since expired.
    pub fn expired(provider: Provider) -> Unauthenticated {
        Unauthenticated {
            provider,
            problem: Some(AccessProblem::Expired),
        }
    }

    /// The provider's 401 answer.
    pub fn response(&self) -> Response {
        match self.provider {
            Provider::Google => google_unauthenticated(self.problem),
            Provider::Microsoft => graph_unauthenticated(self.problem),
        }
    }
}

/// The grant behind the request's bearer token.
pub(crate) fn authenticate(
    shared: &Shared,
    provider: Provider,
    request: &Request,
) -> Result<Grant, Unauthenticated> {
    let problem = match request.bearer() {
        None => None,
        Some(token) => match shared.store.check_access(provider, token) {
            Ok(grant) => return Ok(grant),
            Err(problem) => Some(problem),
        },
    };
    Err(Unauthenticated { provider, problem })
}

/// Whether `grant` holds one of `accepted` (scope names compare case-insensitively).
pub(crate) fn has_any_scope(grant: &Grant, accepted: &[&str]) -> bool {
    grant
        .scopes
        .iter()
        .any(|s| accepted.iter().any(|a| a.eq_ignore_ascii_case(s)))
}

/// A Google API error: `{"error":{"code","message","errors":[item],"status"}}`.
pub(crate) fn google_error(status: StatusCode, grpc: &str, message: &str, item: Value) -> Response {
    let mut body = google_error_body(status, message, item);
    body["error"]["status"] = json!(grpc);
    wire::json(status, &body)
}

/// `{"error":{"code","message","errors":[item]}}`.
fn google_error_body(status: StatusCode, message: &str, item: Value) -> Value {
    json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [item],
        }
    })
}

/// Google's 413 for a request body or an upload over its size limit: reason `uploadTooLarge`
/// and, as Google's upload front end answers it, no `status` member.
pub(crate) fn google_too_large(message: &str) -> Response {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let item = json!({"message": message, "domain": "global", "reason": "uploadTooLarge"});
    wire::json(status, &google_error_body(status, message, item))
}

/// Google's 404 for an id that names nothing (a message, a label, an old history ID).
pub(crate) fn google_entity_not_found() -> Response {
    let message = "Requested entity was not found.";
    google_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        message,
        json!({"message": message, "domain": "global", "reason": "notFound"}),
    )
}

/// Google's 400 for a parameter it cannot take.
pub(crate) fn google_invalid(message: &str) -> Response {
    google_rejected("invalid", message)
}

/// Google's 400 `INVALID_ARGUMENT` with `reason` in its error item (`invalid` for a parameter,
/// `invalidArgument` for a message Gmail will not send, `badRequest` for a body it cannot read).
pub(crate) fn google_rejected(reason: &str, message: &str) -> Response {
    google_error(
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        message,
        json!({"message": message, "domain": "global", "reason": reason}),
    )
}

/// Google's 401: "Login Required" without credentials, "Invalid Credentials" for a token it does
/// not (or no longer) accept.
fn google_unauthenticated(problem: Option<AccessProblem>) -> Response {
    let (message, item) = match problem {
        None => (
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            json!({"message": "Login Required.", "domain": "global", "reason": "required", "location": "Authorization", "locationType": "header"}),
        ),
        Some(_) => (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            json!({"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}),
        ),
    };
    let response = google_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message, item);
    let challenge = match problem {
        None => r#"Bearer realm="https://accounts.google.com/""#,
        Some(_) => r#"Bearer realm="https://accounts.google.com/", error="invalid_token""#,
    };
    wire::with_header(response, WWW_AUTHENTICATE, challenge)
}

/// Google's 403 for a token lacking every scope in `accepted`.
pub(crate) fn google_insufficient_scope(accepted: &[&str]) -> Response {
    let response = google_error(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        json!({"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}),
    );
    let challenge = format!(
        r#"Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="{}""#,
        accepted.join(" ")
    );
    wire::with_header(response, WWW_AUTHENTICATE, &challenge)
}

/// The Google front end's page for a URL no service answers.
pub(crate) fn google_not_found(path: &str) -> Response {
    let sentence = format!(
        "The requested URL <code>{}</code> was not found on this server.",
        wire::escape_html(path)
    );
    faults::google_page(StatusCode::NOT_FOUND, "Not Found", &sentence)
}

/// A Graph error: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub(crate) fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = mint::random_guid();
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": Utc::of(SystemTime::now()).graph_date(),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        }
    });
    wire::json(status, &body)
}

/// An error of the Outlook REST endpoint behind Graph's attachment upload URLs
/// (`outlook.office.com`), in the shape Graph documents for them:
/// `{"error":{"code","message","innerError":{"requestId","date"}}}`.
pub(crate) fn outlook_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "requestId": mint::random_guid(),
                "date": Utc::of(SystemTime::now()).graph_date(),
            }
        }
    });
    wire::json(status, &body)
}

/// Graph's 404 for an id that names no item (message, folder, attachment).
pub(crate) fn graph_item_not_found() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// Graph's 410 for a delta or skip token it no longer (or never) knew, as Exchange words it:
/// `The sync state generation is not found; generation=149;[highest=157][157][155][156].`
/// (the generations of the token and of the newest sync states).
pub(crate) fn graph_sync_state_not_found(generation: u64, highest: u64) -> Response {
    graph_error(
        StatusCode::GONE,
        "SyncStateNotFound",
        &format!(
            "The sync state generation is not found; generation={generation};[highest={highest}][{highest}]."
        ),
    )
}

/// Gmail's rate limits, in the `usageLimits` domain
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors): 403
/// `userRateLimitExceeded`, 429 `rateLimitExceeded` ("Too many concurrent requests for user").
/// Told to retry after `wait`, both name that time in their message.
pub(crate) fn gmail_rate_limited(status: StatusCode, wait: Option<Duration>) -> Response {
    let (grpc, reason, message) = match status {
        StatusCode::TOO_MANY_REQUESTS => (
            "RESOURCE_EXHAUSTED",
            "rateLimitExceeded",
            "Too many concurrent requests for user.",
        ),
        _ => (
            "PERMISSION_DENIED",
            "userRateLimitExceeded",
            "User-rate limit exceeded.",
        ),
    };
    let message = match wait {
        Some(wait) => gmail_retry_after(wait),
        None => message.to_owned(),
    };
    let item = json!({"message": message, "domain": "usageLimits", "reason": reason});
    google_error(status, grpc, &message, item)
}

/// Gmail's per-user rate limit message naming when to retry, `wait` from now, to the
/// millisecond in UTC and after two spaces, as Gmail words it:
/// `User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z` (captured answers:
/// https://github.com/taers232c/GAMADV-XTD3/issues/337 (reason `rateLimitExceeded`),
/// https://github.com/levz0r/gmail-tester/issues/23,
/// https://github.com/googleapis/google-api-ruby-client/issues/20544).
fn gmail_retry_after(wait: Duration) -> String {
    let at = SystemTime::now() + wait;
    let instant = Utc::of(at).graph_instant();
    let millis = clock::unix_millis(at) % 1000;
    format!(
        "User-rate limit exceeded.  Retry after {}.{millis:03}Z",
        instant.trim_end_matches('Z')
    )
}

/// Graph's throttling answer, 429 `TooManyRequests` with an innerError of its own, as
/// https://learn.microsoft.com/en-us/graph/throttling shows it (shared/specs:
/// samples/graph/error.429.TooManyRequests.docs.json); the `Retry-After` is the caller's.
pub(crate) fn graph_too_many_requests() -> Response {
    let body = json!({"error": {
        "code": "TooManyRequests",
        "innerError": {
            "code": "429",
            "date": Utc::of(SystemTime::now()).graph_date(),
            "message": "Please retry after",
            "request-id": mint::random_guid(),
            "status": "429",
        },
        "message": "Please retry again later.",
    }});
    wire::json(StatusCode::TOO_MANY_REQUESTS, &body)
}

/// Graph's 401 `InvalidAuthenticationToken`.
fn graph_unauthenticated(problem: Option<AccessProblem>) -> Response {
    let message = match problem {
        None => "Access token is empty.",
        Some(AccessProblem::Expired) => "Lifetime validation failed, the token is expired.",
        // What Graph says of a token that is not one of its own (e.g. another provider's).
        Some(AccessProblem::Unknown) => "Access token validation failure. Invalid audience.",
    };
    let response = graph_error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    );
    wire::with_header(
        response,
        WWW_AUTHENTICATE,
        r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#,
    )
}

/// Graph's 403 for a token without a permission the call needs.
pub(crate) fn graph_forbidden() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// Graph's answer to a path it does not know: an unknown version, or the first segment it cannot
/// resolve (Graph answers 400 `BadRequest`, not 404, for both).
pub(crate) fn graph_not_found(segments: &[&str]) -> Response {
    let message = match segments {
        [version, ..] if *version != "v1.0" => format!("Invalid version: {version}"),
        [_, rest @ ..] => {
            let segment = rest
                .iter()
                .find(|s| !s.is_empty() && **s != "me")
                .or(rest.first())
                .copied()
                .unwrap_or_default();
            format!("Resource not found for the segment '{segment}'.")
        }
        [] => "Invalid version: ".to_owned(),
    };
    graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message)
}

/// Graph's answer to a known path called with a method it does not take.
pub(crate) fn graph_method_not_allowed() -> Response {
    graph_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}
