//! The answers of status faults: each provider's own error body for a status it gives when the
//! fault is its own, not the request's.

use std::time::Duration;

use http::StatusCode;
use http::header::RETRY_AFTER;
use serde_json::json;

use super::pages;
use crate::api;
use crate::config::Provider;
use crate::wire::{self, Response};

/// `provider`'s answer with `status`, with `Retry-After` when it has `retry_after` seconds.
pub(crate) fn answer(provider: Provider, status: u16, retry_after: Option<u32>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let response = match provider {
        Provider::Google => google(status, retry_after),
        Provider::Microsoft => graph(status),
    };
    match retry_after {
        Some(seconds) => wire::with_header(response, RETRY_AFTER, &seconds.to_string()),
        None => response,
    }
}

/// What Google's APIs answer with `status`; a rate limit told when to retry (`retry_after`
/// seconds) says so in its message. Gmail lists "500, 502, 503, 504 - Server Errors"
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors), reason
/// `backendError`.
fn google(status: StatusCode, retry_after: Option<u32>) -> Response {
    let (grpc, message, reason, detail) = match status.as_u16() {
        401 => return api::Unauthenticated::expired(Provider::Google).response(),
        404 => return api::google_entity_not_found(),
        403 | 429 => {
            let wait = retry_after.map(|seconds| Duration::from_secs(seconds.into()));
            return api::gmail_rate_limited(status, wait);
        }
        // Google's 502 comes from its front end, as an HTML page, not from the API: captured
        // https://github.com/googleapis/google-api-php-client/issues/2421 (the page),
        // https://github.com/googleapis/google-api-ruby-client/issues/23641 (Gmail).
        502 => return pages::front_end(Provider::Google, 502),
        400 => (
            "FAILED_PRECONDITION",
            "Precondition check failed.",
            "failedPrecondition",
            "Precondition check failed.",
        ),
        // shared/specs: samples/gmail/error.google-api.503.backendError.json (the message and
        // item), with the gRPC status newer answers carry
        // (https://github.com/googleapis/google-api-php-client/issues/1945).
        503 => (
            "UNAVAILABLE",
            "Service Unavailable",
            "backendError",
            "We encountered an internal error. Please try again using truncated exponential backoff.",
        ),
        // google.rpc.Code DEADLINE_EXCEEDED is HTTP 504, "Deadline expired before operation
        // could complete." (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto);
        // the item's reason is Gmail's for server errors (stricter reading: no capture of a
        // Gmail 504 body was found).
        504 => (
            "DEADLINE_EXCEEDED",
            "Deadline expired before operation could complete.",
            "backendError",
            "Deadline expired before operation could complete.",
        ),
        _ => (
            "INTERNAL",
            "Internal error encountered.",
            "backendError",
            "Internal error encountered.",
        ),
    };
    api::google_error(
        status,
        grpc,
        message,
        json!({"message": detail, "domain": "global", "reason": reason}),
    )
}

/// What Graph answers with `status` when the fault is its own, not the request's.
fn graph(status: StatusCode) -> Response {
    let (code, message) = match status.as_u16() {
        401 => return api::Unauthenticated::expired(Provider::Microsoft).response(),
        404 => return api::graph_item_not_found(),
        410 => return api::graph_sync_state_not_found(1, 2),
        429 => return api::graph_too_many_requests(),
        403 => (
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ),
        400 => ("BadRequest", "The request is malformed or incorrect."),
        // Graph wraps its gateway's page in an `UnknownError`: captured
        // https://github.com/microsoftgraph/microsoft-graph-docs/issues/10791.
        502 => {
            let page = pages::azure_gateway(status);
            return api::graph_error(status, "UnknownError", &page);
        }
        // Captured https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/6045
        // and https://github.com/MicrosoftDocs/feedback/issues/2614.
        503 => ("serviceNotAvailable", "Service unavailable"),
        // An `UnknownError` with an empty message, on mail too: captured
        // https://github.com/microsoftgraph/microsoft-graph-docs/issues/5288 (`/me/messages`)
        // and https://github.com/microsoftgraph/microsoft-graph-docs/issues/2505.
        504 => ("UnknownError", ""),
        // Exchange's words behind Graph mail: captured
        // https://github.com/InnoGE/laravel-msgraph-mail/issues/11 (`sendMail`) and
        // https://github.com/microsoftgraph/msgraph-sdk-dotnet/issues/2756.
        _ => (
            "ErrorInternalServerError",
            "An internal server error occurred. The operation failed.",
        ),
    };
    api::graph_error(status, code, message)
}
