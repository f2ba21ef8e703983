//! What differs between Google and Microsoft, behind the [`MailProvider`] trait. The rest of the
//! crate asks [`for_kind`] for the provider and never matches on the kind itself.

pub(crate) mod google;
pub(crate) mod microsoft;

use crate::Error;
use crate::compose::SendLimits;
use crate::net::{self, Request, Response};
use crate::pace::Budget;
use crate::session::Session;
use crate::sync::Step;
use crate::types::{
    AttachmentData, Folder, Message, ModifyAction, Outgoing, Provider, ProviderKind, SavedDraft,
    SendAs, Sent, SyncRequest,
};
use serde_json::Value;

pub use google::Google;
pub use microsoft::Microsoft;

/// The OAuth endpoints of one provider setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the user's browser is sent to consent.
    pub authorize: String,
    /// Where codes and refresh tokens are exchanged for tokens.
    pub token: String,
}

/// Who the connected mailbox is, as the provider's profile endpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The mailbox address.
    pub email: String,
    /// The user's display name, when known.
    pub display_name: Option<String>,
}

/// One mail provider: its OAuth endpoints and conventions, and its mailbox API.
pub trait MailProvider: Sync {
    /// The kind this provider implements.
    fn kind(&self) -> ProviderKind;

    /// The scopes asked for when the admin gives none.
    fn default_scopes(&self) -> &'static [&'static str];

    /// Checks and normalizes the tenant field of a provider setting.
    fn normalize_tenant(&self, tenant: Option<&str>) -> Result<Option<String>, Error>;

    /// The authorize and token endpoints for a provider setting.
    fn endpoints(&self, provider: &Provider) -> Endpoints;

    /// Query parameters the authorization URL carries besides the standard ones.
    fn extra_authorize_params(&self) -> &'static [(&'static str, &'static str)];

    /// Whether token requests repeat the `scope` parameter (Microsoft asks for it).
    fn token_request_sends_scope(&self) -> bool;

    /// The hosts of the provider's mail API: the only hosts a bearer token is sent to.
    fn api_hosts(&self) -> &'static [&'static str];

    /// The URL of the profile endpoint that names the mailbox.
    fn identity_url(&self) -> &'static str;

    /// Reads the mailbox identity from the profile endpoint's response.
    fn parse_identity(&self, response: &Response) -> Result<Identity, Error>;

    /// The most requests in flight to the mail API for one mailbox.
    fn max_in_flight(&self) -> usize;

    /// The provider's published quota for one mailbox: units per sliding window.
    fn budget(&self) -> Budget;

    /// What `request` costs against [`MailProvider::budget`].
    fn cost(&self, request: &Request) -> u64;

    /// Several calls as one batch request, when the provider has a batch endpoint: the request
    /// and the most calls one batch should hold.
    fn batch(&self, calls: &[Request]) -> Option<Result<Request, Error>>;

    /// The most calls one batch holds (1: no batching).
    fn batch_size(&self) -> usize;

    /// How many batches may be in flight at once (their calls count as concurrent requests).
    fn batches_in_flight(&self) -> usize {
        1
    }

    /// The answers to the `count` calls of a batch, in their order.
    fn unbatch(&self, response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error>;

    /// Whether `response` is the provider telling the client to slow down (429, or Gmail's
    /// rate-limit 403): asked again after a wait, it may succeed.
    fn throttled(&self, response: &Response) -> bool {
        response.status() == http::StatusCode::TOO_MANY_REQUESTS
    }

    /// One sync step from the provider state `state` (absent for a first sync).
    fn sync_page(
        &self,
        session: &mut Session<'_>,
        request: &SyncRequest,
        state: Option<serde_json::Value>,
    ) -> Result<Step, Error>;

    /// The sizes a message and an attachment may reach.
    fn send_limits(&self) -> SendLimits;

    /// Sends `message`, already checked against [`MailProvider::send_limits`]; `entropy` makes
    /// its Message-ID unique. The returned record has no account: the caller adds it.
    fn send(
        &self,
        session: &mut Session<'_>,
        message: &Outgoing,
        entropy: &[u8],
    ) -> Result<Sent, Error>;

    /// The verified addresses the account may send as, the primary first.
    fn send_as(&self, session: &mut Session<'_>) -> Result<Vec<SendAs>, Error>;

    /// Every label or folder, parents before their children.
    fn list_folders(&self, session: &mut Session<'_>) -> Result<Vec<Folder>, Error>;

    /// One message in full.
    fn get_message(&self, session: &mut Session<'_>, id: &str) -> Result<Message, Error>;

    /// The messages of a thread or conversation, in any order.
    fn get_thread(&self, session: &mut Session<'_>, id: &str) -> Result<Vec<Message>, Error>;

    /// The bytes of an attachment, refused before download when over `max_bytes`.
    fn get_attachment(
        &self,
        session: &mut Session<'_>,
        message_id: &str,
        attachment_id: &str,
        max_bytes: u64,
    ) -> Result<AttachmentData, Error>;

    /// Applies `action` to every message of `ids`, in batches; one outcome per id, in order.
    fn modify(
        &self,
        session: &mut Session<'_>,
        ids: &[String],
        action: &ModifyAction,
    ) -> Result<Vec<Result<(), Error>>, Error>;

    /// Saves `message` as a new draft, or over draft `id`.
    fn save_draft(
        &self,
        session: &mut Session<'_>,
        id: Option<&str>,
        message: &Outgoing,
        entropy: &[u8],
    ) -> Result<SavedDraft, Error>;

    /// Deletes draft `id`.
    fn delete_draft(&self, session: &mut Session<'_>, id: &str) -> Result<(), Error>;

    /// Sends draft `id`.
    fn send_draft(&self, session: &mut Session<'_>, id: &str) -> Result<Sent, Error>;
}

/// The provider implementation for `kind`.
pub fn for_kind(kind: ProviderKind) -> &'static dyn MailProvider {
    match kind {
        ProviderKind::Google => &Google,
        ProviderKind::Microsoft => &Microsoft,
    }
}

/// Maps an unsuccessful mail-API response to an [`Error`].
///
/// Both APIs wrap failures in `{"error": {...}}`: Gmail (Google JSON errors) with a numeric
/// `code`, a `message` and `errors[].reason`; Graph (OData errors) with a string `code` and a
/// `message`. The most specific code found is kept: Gmail's reason, else Graph's code, else
/// Google's `status`.
pub fn api_error(response: &Response) -> Error {
    let status = response.status();
    let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    let error = &body["error"];
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let code = text(&error["errors"][0]["reason"])
        .or_else(|| text(&error["code"]))
        .or_else(|| text(&error["status"]));
    let message = text(&error["message"]).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("unknown status")
            .to_owned()
    });
    let status_code = Some(status.as_u16());
    let rate_limited = matches!(
        code.as_deref(),
        Some("rateLimitExceeded" | "userRateLimitExceeded")
    );
    // A 401 from the mail API reaches here only after the session refreshed the token and sent
    // the request again: the grant itself was accepted, so it is a passing fault (only the token
    // endpoint's refusal of the grant means re-authorization).
    if status == http::StatusCode::UNAUTHORIZED || net::is_transient(status) || rate_limited {
        Error::RetryLater {
            // The session has settled any date into seconds (`net::settle_retry_after`).
            retry_after_seconds: net::retry_after(response, 0),
            status: status_code,
            code,
            message,
        }
    } else {
        Error::Provider {
            status: status_code,
            code,
            message,
        }
    }
}

/// Whether a Gmail error names a rate limit (`rateLimitExceeded`, `userRateLimitExceeded`).
fn google_rate_limited(response: &Response) -> bool {
    let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    matches!(
        body["error"]["errors"][0]["reason"].as_str(),
        Some("rateLimitExceeded" | "userRateLimitExceeded")
    )
}

/// A 404 (or the malformed-id error: Graph's `ErrorInvalidIdMalformed`, Gmail's 400 "Invalid
/// id value") for an id the host passed becomes bad input naming `field`; other errors pass
/// through.
pub fn not_found(error: Error, field: &str) -> Error {
    match error {
        Error::Provider {
            status: Some(404), ..
        } => Error::invalid(
            field,
            "names nothing in this mailbox (deleted, or not synced from this account)",
        ),
        Error::Provider { code, message, .. }
            if code.as_deref() == Some("ErrorInvalidIdMalformed")
                || message == "Invalid id value" =>
        {
            Error::invalid(field, "is not an id of this provider")
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        http::Response::builder()
            .status(status)
            .header("retry-after", "30")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn gmail_errors_keep_the_reason() {
        let body = r#"{"error":{"errors":[{"domain":"usageLimits","reason":"keyInvalid","message":"Bad Request"}],"code":400,"message":"Bad Request"}}"#;
        assert_eq!(
            api_error(&response(400, body)),
            Error::Provider {
                status: Some(400),
                code: Some("keyInvalid".into()),
                message: "Bad Request".into()
            }
        );
        let body = r#"{"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"slow down"}],"code":403,"message":"slow down"}}"#;
        assert!(matches!(
            api_error(&response(403, body)),
            Error::RetryLater {
                retry_after_seconds: Some(30),
                ..
            }
        ));
    }

    #[test]
    fn graph_errors_keep_the_code() {
        let body = r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429"},"message":"Please retry again later."}}"#;
        assert_eq!(
            api_error(&response(429, body)),
            Error::RetryLater {
                retry_after_seconds: Some(30),
                status: Some(429),
                code: Some("TooManyRequests".into()),
                message: "Please retry again later.".into()
            }
        );
        let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}"#;
        assert!(matches!(
            api_error(&response(401, body)),
            Error::RetryLater { status: Some(401), code: Some(c), .. } if c == "InvalidAuthenticationToken"
        ));
    }

    #[test]
    fn a_body_that_is_not_json_still_maps() {
        assert_eq!(
            api_error(&response(502, "<html>bad gateway</html>")),
            Error::RetryLater {
                retry_after_seconds: Some(30),
                status: Some(502),
                code: None,
                message: "Bad Gateway".into()
            }
        );
    }
}
