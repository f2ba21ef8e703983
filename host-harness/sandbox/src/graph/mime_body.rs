//! Messages created from MIME (`POST /me/messages` and `POST /me/mailFolders/{id}/messages`
//! with `Content-Type: text/plain`): the request body is the message in base64. Source:
//! https://learn.microsoft.com/en-us/graph/api/user-post-messages ("Create a draft of a new
//! message in either JSON or MIME format"; "Use `application/json` for a JSON object and
//! `text/plain` for MIME content"; the MIME content "encoded in base64 format in the request
//! body").

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;

use super::errors;
use crate::api;
use crate::wire::{Refusal, Request};

/// The largest request body Graph takes (4 MB, read the stricter way), as for every request.
/// Source: https://github.com/microsoftgraph/microsoft-graph-docs/issues/85; the create page
/// also says "S/MIME message payloads are currently limited to 4 MB", answered 413.
const REQUEST_LIMIT: usize = 4_000_000;

/// Whether `request` gives its message as MIME: its `Content-Type` is `text/plain`.
pub(super) fn is_mime(request: &Request) -> bool {
    request.media_type().eq_ignore_ascii_case("text/plain")
}

/// The message a MIME request carries; Graph's 413 for a body over [`REQUEST_LIMIT`], and its
/// 400 `ErrorMimeContentInvalidBase64String` for a body that is not base64 (surrounding
/// whitespace aside), or is empty (the page gives that one error for "malformed MIME content";
/// the stricter reading: nothing but the base64 alphabet and its padding is taken).
pub(super) fn read(request: &Request) -> Result<Vec<u8>, Refusal> {
    if request.body.len() > REQUEST_LIMIT {
        return Err(errors::request_too_large());
    }
    let text = request.body.trim_ascii();
    match STANDARD.decode(text) {
        Ok(raw) if !raw.is_empty() => Ok(raw),
        _ => Err(Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        ))),
    }
}
