//! Outlook's limits on Graph mail requests
//! (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits): which
//! requests reach the mailbox and what they upload, and the 429 answers of a mailbox over its
//! concurrent requests, its requests per ten minutes or its uploads per five minutes.

use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{Method, StatusCode};
use serde_json::json;

use super::Meter;
use super::window::whole_seconds;
use crate::api;
use crate::wire::{self, Request, Response};

/// What `request` to Graph's host or to the attachment upload URLs on `outlook.office.com`
/// spends of the mailbox's limits. A request on the signed-in user's mail
/// (`/v1.0/me/{resource}…`) with a token Microsoft accepts is an Outlook request; so is every
/// `PUT` to an upload URL, which the token in its URL authorizes. It uploads its body when its
/// method is `PATCH`, `POST` or `PUT` (the limit counts "upload (PATCH, POST, PUT)"). Anything
/// else (the profile `/v1.0/me`, a JSON batch itself, a request Microsoft turns away for its
/// token) is no Outlook request: a JSON batch is split into its requests, each of them counted
/// on its own (https://learn.microsoft.com/en-us/graph/json-batching: "Requests in a batch are
/// evaluated individually against the applicable throttling limits"), and nothing in the
/// throttling pages counts the batch request itself against the Outlook limits.
pub(super) fn meter(request: &Request, authenticated: bool) -> Meter {
    let outlook = match request.host.as_str() {
        "outlook.office.com" => true,
        "graph.microsoft.com" => {
            let segments: Vec<&str> = request.path.split('/').skip(1).collect();
            authenticated
                && matches!(segments.as_slice(), ["v1.0", "me", first, ..] if !first.is_empty())
        }
        _ => false,
    };
    let uploads = [Method::PATCH, Method::POST, Method::PUT].contains(&request.method);
    match outlook {
        true => Meter::Outlook {
            bytes: if uploads {
                request.body.len() as u64
            } else {
                0
            },
        },
        false => Meter::Free,
    }
}

/// Outlook's answer to a request over the mailbox's concurrent requests: 429
/// `ApplicationThrottled` "Application is over its MailboxConcurrency limit." (captured:
/// https://github.com/magodo/terraform-provider-outlook/issues/21,
/// https://github.com/alcionai/corso/issues/3695). Its `Retry-After` is not documented: the
/// sandbox says one second, the least a `Retry-After` can say, as a slot frees as soon as a
/// request in flight ends.
pub(super) fn over_concurrency() -> Response {
    throttled("MailboxConcurrency", Duration::ZERO)
}

/// Outlook's answer to a request while the mailbox is over its uploads: 429
/// `ApplicationThrottled` "Application is over its IncomingBytes limit." (captured:
/// https://github.com/O365/python-o365/issues/500), with a `Retry-After` of `wait`.
pub(super) fn over_uploads(wait: Duration) -> Response {
    throttled("IncomingBytes", wait)
}

/// Graph's answer to a request while the mailbox is over its requests per ten minutes: the
/// throttling answer https://learn.microsoft.com/en-us/graph/throttling shows (429
/// `TooManyRequests`, "Please retry again later."), whose Outlook wording for this limit is not
/// documented, with a `Retry-After` of `wait` ("a suggested wait time is returned in the
/// response header of the failed request").
pub(super) fn over_requests(wait: Duration) -> Response {
    let response = api::graph_too_many_requests();
    wire::with_header(response, RETRY_AFTER, &whole_seconds(wait).to_string())
}

/// `{"error":{"code":"ApplicationThrottled","message":"Application is over its {limit} limit."}}`,
/// as captured (no innerError), with a `Retry-After` of `wait`.
fn throttled(limit: &str, wait: Duration) -> Response {
    let body = json!({"error": {
        "code": "ApplicationThrottled",
        "message": format!("Application is over its {limit} limit."),
    }});
    let response = wire::json(StatusCode::TOO_MANY_REQUESTS, &body);
    wire::with_header(response, RETRY_AFTER, &whole_seconds(wait).to_string())
}
