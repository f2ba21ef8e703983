//! Graph mail errors of their own: the mailbox not served over REST, query options change
//! tracking does not take, folder conflicts, and requests over Graph's size limit. Each is the
//! `{"error":{"code","message","innerError"}}` of [`api::graph_error`].

use http::StatusCode;

use crate::api;
use crate::wire::{Refusal, Response};

/// Graph's 404 for a mailbox it cannot serve (inactive, soft-deleted, or on-premises).
/// Sources: https://learn.microsoft.com/en-us/exchange/troubleshoot/user-and-shared-mailboxes/rest-api-is-not-yet-supported-for-this-mailbox-error
/// (404, `MailboxNotEnabledForRESTAPI`) and the message Graph gives today, as quoted in
/// https://learn.microsoft.com/en-us/answers/questions/1457213/unable-to-obtain-free-busy-time-of-calendar-using.
pub(super) fn mailbox_not_enabled() -> Response {
    api::graph_error(
        StatusCode::NOT_FOUND,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )
}

/// Graph's 400 for a query option that change tracking over `resource` does not take.
/// Source: https://learn.microsoft.com/en-us/graph/delta-query-messages ("limited support for
/// `$filter` and `$orderby`"); the code and wording are those Graph gives for an option a delta
/// of another resource does not take (`ErrorInvalidUrlQuery`, "The following parameters are not
/// supported with change tracking over the '…' resource"), the docs naming none for messages.
pub(super) fn not_tracked(resource: &str, option: &str) -> Refusal {
    Box::new(api::graph_error(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidUrlQuery",
        &format!(
            "The following parameters are not supported with change tracking over the '{resource}' resource: '{option}'."
        ),
    ))
}

/// Graph's 400 for a `$filter` it cannot read.
pub(super) fn invalid_filter() -> Refusal {
    Box::new(api::graph_error(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidUrlQueryFilter",
        "The query filter contains one or more invalid nodes.",
    ))
}

/// Exchange's refusal of a second folder of one name under one parent.
/// Source: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
/// (`ErrorFolderExists`: "an attempt is made to create a folder that has the same name as another
/// folder in the same parent"); Graph answers it with 409 Conflict.
pub(super) fn folder_exists() -> Refusal {
    Box::new(api::graph_error(
        StatusCode::CONFLICT,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    ))
}

/// Exchange's refusal to delete or move a well-known (distinguished) folder, `code` being
/// `ErrorDeleteDistinguishedFolder` or `ErrorMoveDistinguishedFolder`.
/// Source: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode;
/// the status is not documented for Graph: the sandbox answers 400, as for a bad request.
pub(super) fn distinguished(code: &str, message: &str) -> Refusal {
    Box::new(api::graph_error(StatusCode::BAD_REQUEST, code, message))
}

/// Graph's answer to a request body over its 4 MB limit.
/// Source: https://github.com/microsoftgraph/microsoft-graph-docs/issues/85 (Graph's body,
/// `BadRequest` "Maximum request length exceeded.", and the maintainers' word: "there is a 4MB
/// limit on the size of a request"), answered 413 Payload Too Large.
pub(super) fn request_too_large() -> Refusal {
    Box::new(api::graph_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BadRequest",
        "Maximum request length exceeded.",
    ))
}
