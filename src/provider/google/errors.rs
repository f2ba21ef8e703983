//! Gmail's error envelope (Google JSON errors,
//! https://developers.google.com/workspace/gmail/api/guides/handle-errors):
//! `{"error": {"code": 400, "message", "errors": [{"domain", "reason", "message"}], "status"}}`,
//! a numeric `code` (the HTTP status), the reason of the first item, and, in newer answers, the
//! gRPC `status` name.

use crate::session::ErrorEnvelope;
use serde_json::Value;

/// The reasons of Gmail's rate limits, which come with 403 as well as 429
/// (https://developers.google.com/workspace/gmail/api/guides/handle-errors).
const RATE_LIMITS: [&str; 2] = ["rateLimitExceeded", "userRateLimitExceeded"];

/// The message of Gmail's 400 for an id it cannot read.
const INVALID_ID: &str = "Invalid id value";

/// What Gmail's error envelope in `body` says: the first item's reason as the code, else the
/// gRPC `status` (a batch refused whole has no items); the message; whether the reason names a
/// rate limit.
pub(crate) fn read(body: &[u8]) -> ErrorEnvelope {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &body["error"];
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let code = text(&error["errors"][0]["reason"]).or_else(|| text(&error["status"]));
    ErrorEnvelope {
        rate_limited: code.as_deref().is_some_and(|c| RATE_LIMITS.contains(&c)),
        code,
        message: text(&error["message"]),
    }
}

/// Whether an error with `message` is Gmail's 400 for an id it cannot read.
pub(crate) fn malformed_id(_code: Option<&str>, message: &str) -> bool {
    message == INVALID_ID
}

#[cfg(test)]
mod tests {
    use crate::Error;
    use crate::provider::Google;
    use crate::session::recorded::{self, Answer, answer};
    use crate::session::{self, MailApi};

    /// Gmail's answers (shared/specs samples, Gmail's error guide, the sandbox's captures) and
    /// the error each becomes: `(status, body, retry later, code, message)`.
    const ANSWERS: &[Answer] = &[
        (
            400,
            r#"{"error":{"errors":[{"domain":"usageLimits","reason":"keyInvalid","message":"Bad Request"}],"code":400,"message":"Bad Request"}}"#,
            false,
            Some("keyInvalid"),
            "Bad Request",
        ),
        (
            503,
            r#"{"error":{"errors":[{"domain":"global","reason":"backendError","message":"We encountered an internal error. Please try again using truncated exponential backoff."}],"code":503,"message":"Service Unavailable"}}"#,
            true,
            Some("backendError"),
            "Service Unavailable",
        ),
        (
            403,
            r#"{"error":{"code":403,"message":"User-rate limit exceeded.","errors":[{"message":"User-rate limit exceeded.","domain":"usageLimits","reason":"userRateLimitExceeded"}],"status":"PERMISSION_DENIED"}}"#,
            true,
            Some("userRateLimitExceeded"),
            "User-rate limit exceeded.",
        ),
        (
            429,
            r#"{"error":{"code":429,"message":"Too many concurrent requests for user.","errors":[{"message":"Too many concurrent requests for user.","domain":"usageLimits","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}}"#,
            true,
            Some("rateLimitExceeded"),
            "Too many concurrent requests for user.",
        ),
        (
            403,
            r#"{"error":{"code":403,"message":"Insufficient Permission","errors":[{"message":"Insufficient Permission","domain":"global","reason":"insufficientPermissions"}],"status":"PERMISSION_DENIED"}}"#,
            false,
            Some("insufficientPermissions"),
            "Insufficient Permission",
        ),
        (
            401,
            r#"{"error":{"code":401,"message":"Invalid Credentials","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError","location":"Authorization","locationType":"header"}],"status":"UNAUTHENTICATED"}}"#,
            true,
            Some("authError"),
            "Invalid Credentials",
        ),
        // A batch refused whole: no items, the gRPC status.
        (
            400,
            r#"{"error":{"code":400,"message":"Too many requests in a batch.","status":"INVALID_ARGUMENT"}}"#,
            false,
            Some("INVALID_ARGUMENT"),
            "Too many requests in a batch.",
        ),
        // The upload front end's: no gRPC status.
        (
            413,
            r#"{"error":{"code":413,"message":"Request Entity Too Large","errors":[{"message":"Request Entity Too Large","domain":"global","reason":"uploadTooLarge"}]}}"#,
            false,
            Some("uploadTooLarge"),
            "Request Entity Too Large",
        ),
        // Google's front end answers a 502 with an HTML page.
        (
            502,
            "<!DOCTYPE html><html lang=en><title>Error 502 (Server Error)!!1</title></html>",
            true,
            None,
            "Bad Gateway",
        ),
    ];

    #[test]
    fn gmail_envelopes_become_errors() {
        recorded::check(&Google, ANSWERS);
    }

    #[test]
    fn rate_limits_are_throttling_even_as_403() {
        let throttled: Vec<bool> = ANSWERS
            .iter()
            .map(|&(status, body, ..)| Google.throttled(&answer(status, body)))
            .collect();
        assert_eq!(
            throttled,
            [false, false, true, true, false, false, false, false, false]
        );
    }

    #[test]
    fn unknown_and_malformed_ids_are_bad_input() {
        let not_found = r#"{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}"#;
        let malformed = r#"{"error":{"code":400,"message":"Invalid id value","errors":[{"message":"Invalid id value","domain":"global","reason":"invalid"}],"status":"INVALID_ARGUMENT"}}"#;
        let other = r#"{"error":{"code":400,"message":"Precondition check failed.","errors":[{"message":"Precondition check failed.","domain":"global","reason":"failedPrecondition"}],"status":"FAILED_PRECONDITION"}}"#;
        let of = |status: u16, body: &str| {
            session::not_found(
                &Google,
                session::api_error(&Google, &answer(status, body)),
                "id",
            )
        };
        assert_eq!(
            of(404, not_found),
            Error::invalid(
                "id",
                "names nothing in this mailbox (deleted, or not synced from this account)"
            )
        );
        assert_eq!(
            of(400, malformed),
            Error::invalid("id", "is not an id of this provider")
        );
        assert!(matches!(
            of(400, other),
            Error::Provider { code: Some(c), .. } if c == "failedPrecondition"
        ));
    }
}
