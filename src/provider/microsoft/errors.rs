//! Graph's error envelope (OData errors,
//! https://learn.microsoft.com/en-us/graph/errors): `{"error": {"code", "message",
//! "innerError": {...}}}`, a string `code` such as `ErrorItemNotFound` or `TooManyRequests`.

use crate::net::Response;
use crate::session::ErrorEnvelope;
use serde_json::Value;

/// The code of Graph's 400 for an id it cannot read.
const INVALID_ID: &str = "ErrorInvalidIdMalformed";

/// What Graph's error envelope in `body` says: its code and message.
pub(crate) fn read(body: &[u8]) -> ErrorEnvelope {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &body["error"];
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    ErrorEnvelope {
        code: text(&error["code"]),
        message: text(&error["message"]),
        rate_limited: false,
    }
}

/// The code of a Graph error answer, when it has one.
pub(crate) fn code(response: &Response) -> Option<String> {
    read(response.body()).code
}

/// Whether an error with `code` is Graph's 400 for an id it cannot read.
pub(crate) fn malformed_id(code: Option<&str>, _message: &str) -> bool {
    code == Some(INVALID_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::provider::Microsoft;
    use crate::session;
    use crate::session::recorded::{self, Answer, answer};

    /// Graph's answers (shared/specs samples, Graph's documentation, the sandbox's captures)
    /// and the error each becomes: `(status, body, retry later, code, message)`.
    const ANSWERS: &[Answer] = &[
        (
            429,
            r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}"#,
            true,
            Some("TooManyRequests"),
            "Please retry again later.",
        ),
        (
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}"#,
            true,
            Some("InvalidAuthenticationToken"),
            "Access token has expired.",
        ),
        (
            403,
            r#"{"error":{"code":"ErrorAccountSuspend","message":"Account suspended. Follow the instructions in your Inbox to verify your account., WASCL UserAction verdict is not None. Actual verdict is Suspend."}}"#,
            false,
            Some("ErrorAccountSuspend"),
            "Account suspended. Follow the instructions in your Inbox to verify your account., WASCL UserAction verdict is not None. Actual verdict is Suspend.",
        ),
        (
            416,
            r#"{"error":{"code":"invalidRange","message":"Uploaded fragment overlaps with existing data.","innerError":{"requestId":"request-id","date":"date-time"}}}"#,
            false,
            Some("invalidRange"),
            "Uploaded fragment overlaps with existing data.",
        ),
        (
            410,
            r#"{"error":{"code":"SyncStateNotFound","message":"The sync state generation is not found."}}"#,
            false,
            Some("SyncStateNotFound"),
            "The sync state generation is not found.",
        ),
        // An `UnknownError` with an empty message: the status's reason.
        (
            504,
            r#"{"error":{"code":"UnknownError","message":"","innerError":{"date":"2024-01-01T00:00:00","request-id":"r"}}}"#,
            true,
            Some("UnknownError"),
            "Gateway Timeout",
        ),
        (
            502,
            "<html><body>502 Bad Gateway</body></html>",
            true,
            None,
            "Bad Gateway",
        ),
    ];

    #[test]
    fn graph_envelopes_become_errors() {
        recorded::check(&Microsoft, ANSWERS);
    }

    #[test]
    fn unknown_and_malformed_ids_are_bad_input() {
        let not_found = r#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}"#;
        let malformed =
            r#"{"error":{"code":"ErrorInvalidIdMalformed","message":"Id is malformed."}}"#;
        let other = r#"{"error":{"code":"ErrorInvalidRecipients","message":"At least one recipient is not valid."}}"#;
        let of = |status: u16, body: &str| {
            session::not_found(
                &Microsoft,
                session::api_error(&Microsoft, &answer(status, body)),
                "draft-id",
            )
        };
        assert_eq!(
            of(404, not_found),
            Error::invalid(
                "draft-id",
                "names nothing in this mailbox (deleted, or not synced from this account)"
            )
        );
        assert_eq!(
            of(400, malformed),
            Error::invalid("draft-id", "is not an id of this provider")
        );
        assert!(matches!(
            of(400, other),
            Error::Provider { code: Some(c), .. } if c == "ErrorInvalidRecipients"
        ));
        assert_eq!(
            code(&answer(404, not_found)).as_deref(),
            Some("ErrorItemNotFound")
        );
        assert_eq!(code(&answer(502, "<html></html>")), None);
    }
}
