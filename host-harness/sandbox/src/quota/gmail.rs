//! Gmail's usage limits (https://developers.google.com/workspace/gmail/api/reference/quota):
//! what each method the sandbox serves costs in quota units, and the answers of a user over the
//! per-user quota or over the per-user concurrent requests.

use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{Method, StatusCode};
use serde_json::json;

use super::Meter;
use super::window::whole_seconds;
use crate::api;
use crate::wire::{self, Request, Response};

/// What `request` to `gmail.googleapis.com` costs: the units of its method when it calls one on
/// a user's mailbox (`/gmail/v1/users/{user}/…`, or a media upload on
/// `/upload/gmail/v1/users/{user}/…`, which costs as its method), nothing for anything else.
/// `authenticated` tells whether its bearer token is one Google accepts: a request Google turns
/// away for its credentials is no user's, and costs no user anything.
pub(super) fn meter(request: &Request, authenticated: bool) -> Meter {
    let segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let rest = match segments.as_slice() {
        ["gmail", "v1", "users", _, rest @ ..] => rest,
        ["upload", "gmail", "v1", "users", _, rest @ ..] => rest,
        _ => return Meter::Free,
    };
    match (authenticated, cost(&request.method, rest)) {
        (true, Some(units)) => Meter::Gmail { units },
        _ => Meter::Free,
    }
}

/// The quota units of the method `method` on `rest` (the path after `users/{user}/`) calls, for
/// every method the sandbox serves, as the per-method table of
/// https://developers.google.com/workspace/gmail/api/reference/quota lists them.
fn cost(method: &Method, rest: &[&str]) -> Option<u32> {
    let units = match (method.as_str(), rest) {
        ("GET", ["profile"]) => 1,
        ("GET", ["messages"]) => 5,
        ("GET", ["messages", _]) => 5,
        ("DELETE", ["messages", _]) => 10,
        ("POST", ["messages", "send"]) => 100,
        ("POST", ["messages"] | ["messages", "import"]) => 25,
        ("POST", ["messages", "batchModify" | "batchDelete"]) => 50,
        ("POST", ["messages", _, "modify" | "trash" | "untrash"]) => 5,
        ("GET", ["messages", _, "attachments", _]) => 5,
        ("GET", ["threads", _]) => 10,
        ("GET", ["drafts"]) => 5,
        ("POST", ["drafts"]) => 10,
        ("POST", ["drafts", "send"]) => 100,
        ("GET", ["drafts", _]) => 5,
        ("PUT", ["drafts", _]) => 15,
        ("DELETE", ["drafts", _]) => 10,
        ("GET", ["history"]) => 2,
        ("GET", ["labels"]) => 1,
        ("GET", ["labels", _]) => 1,
        ("GET", ["settings", "sendAs"]) => 1,
        _ => return None,
    };
    Some(units)
}

/// Gmail's answer to a user over the per-user quota: 403 `userRateLimitExceeded` in the
/// `usageLimits` domain, the reason the quota page gives for the per-user rate limit and the
/// status the error guide gives it
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors, "403: User rate limit
/// exceeded"). Captured answers to the same limit also come as 429 `rateLimitExceeded`
/// (https://github.com/mxngls/gmail-cleaner/issues/5 shows both); the sandbox takes the
/// documented 403, the stricter reading: a client must read the reason to tell it from a
/// permission refusal. The message names when to retry, `wait` from now, as Gmail's rate-limit
/// answers do, and `Retry-After` gives the wait in whole seconds.
pub(super) fn over_quota(wait: Duration) -> Response {
    let response = api::gmail_rate_limited(StatusCode::FORBIDDEN, Some(wait));
    wire::with_header(response, RETRY_AFTER, &whole_seconds(wait).to_string())
}

/// Gmail's answer to a request over the per-user concurrent requests: 429 `rateLimitExceeded`
/// "Too many concurrent requests for user." in the `global` domain, with no time to retry, as
/// captured in https://github.com/amd/gaia/issues/2716 (and
/// https://github.com/googleapis/google-api-dotnet-client/issues/1982). The limit itself is the
/// error guide's "per-user concurrent request limit"
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors).
pub(super) fn too_many_concurrent() -> Response {
    let message = "Too many concurrent requests for user.";
    api::google_error(
        StatusCode::TOO_MANY_REQUESTS,
        "RESOURCE_EXHAUSTED",
        message,
        json!({"message": message, "domain": "global", "reason": "rateLimitExceeded"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_served_costs_what_the_quota_page_lists() {
        let table: [(&str, &[&str], u32); 22] = [
            ("GET", &["profile"], 1),
            ("GET", &["messages"], 5),
            ("GET", &["messages", "18c0"], 5),
            ("DELETE", &["messages", "18c0"], 10),
            ("POST", &["messages", "send"], 100),
            ("POST", &["messages", "batchModify"], 50),
            ("POST", &["messages", "batchDelete"], 50),
            ("POST", &["messages", "18c0", "modify"], 5),
            ("POST", &["messages", "18c0", "trash"], 5),
            ("POST", &["messages", "18c0", "untrash"], 5),
            ("GET", &["messages", "18c0", "attachments", "a1"], 5),
            ("GET", &["threads", "18c0"], 10),
            ("GET", &["drafts"], 5),
            ("POST", &["drafts"], 10),
            ("POST", &["drafts", "send"], 100),
            ("GET", &["drafts", "r1"], 5),
            ("PUT", &["drafts", "r1"], 15),
            ("DELETE", &["drafts", "r1"], 10),
            ("GET", &["history"], 2),
            ("GET", &["labels"], 1),
            ("GET", &["labels", "INBOX"], 1),
            ("GET", &["settings", "sendAs"], 1),
        ];
        for (method, rest, units) in table {
            let method: Method = method.parse().unwrap();
            assert_eq!(cost(&method, rest), Some(units), "{method} {rest:?}");
        }
        assert_eq!(cost(&Method::GET, &["settings", "filters"]), None);
        assert_eq!(cost(&Method::PATCH, &["messages", "18c0"]), None);
    }
}
