//! `users.messages.list`, `users.messages.get` (formats `full`, `metadata`, `minimal`, `raw`)
//! and `users.messages.attachments.get`.

use std::cmp::Reverse;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::query::Query;
use super::{IdJson, MAIL, METADATA, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::mime::{Header, Part};
use crate::mailbox::model::Message;
use crate::mailbox::text;
use crate::paging;
use crate::state::{Grant, Shared};
use crate::wire::{self, Ordered, Refusal, Request, Response};

/// The scopes `messages.list` and `messages.get` accept.
pub(super) const SCOPES: [&str; 4] = [MAIL, METADATA, MODIFY, READONLY];
/// The scopes `attachments.get` accepts (not metadata).
pub(super) const CONTENT_SCOPES: [&str; 3] = [MAIL, MODIFY, READONLY];
/// Leaf parts larger than this are sent as attachments (`attachmentId`) even when they are text.
pub(crate) const INLINE_LIMIT: usize = 16 * 1024;
/// What every attachment id starts with (as Gmail's do).
const ATTACHMENT_PREFIX: &str = "ANGjdJ";

/// `GET …/messages`: the messages matching `q` and `labelIds`, newest first; those in spam or
/// trash only with `includeSpamTrash=true`.
pub(super) fn list(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let grant = &call.grant;
    let q = request.query_param("q").unwrap_or_default();
    if !q.is_empty() && super::metadata_only(grant) {
        return api::google_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Metadata scope does not support 'q' parameter",
            serde_json::json!({"message": "Metadata scope does not support 'q' parameter", "domain": "global", "reason": "forbidden"}),
        );
    }
    let size = match super::number_param(request, "maxResults", 100, 500) {
        Ok(size) => size,
        Err(refused) => return *refused,
    };
    let after = match super::page_position(request) {
        Ok(after) => after.map(Reverse),
        Err(refused) => return *refused,
    };
    let query = Query::parse(q);
    let label_ids: Vec<&str> = request.query_all("labelIds");
    let spam_trash = super::include_spam_trash(request);
    let mut matching: Vec<(u64, IdJson)> = {
        let mailbox = shared.mail.of(Provider::Google);
        mailbox
            .messages()
            .filter_map(|message| {
                let labels = super::label_ids(&message.state);
                let hidden = labels.iter().any(|l| l == "SPAM" || l == "TRASH");
                let wanted = (spam_trash || !hidden)
                    && label_ids.iter().all(|id| labels.iter().any(|l| l == id))
                    && query.matches(message, &labels);
                wanted.then(|| (super::id_value(message.id), IdJson::of(message)))
            })
            .collect()
    };
    matching.sort_by_key(|(value, _)| Reverse(*value));
    let result_size_estimate = matching.len();
    let (page, next) = paging::page(matching, |(value, _)| Reverse(*value), after, size);
    let list = ListJson {
        messages: page.into_iter().map(|(_, id)| id).collect(),
        next_page_token: next.map(|Reverse(position)| super::page_token(position)),
        result_size_estimate,
    };
    wire::json(StatusCode::OK, &list)
}

/// A `messages.list` answer (no `messages` member when nothing matches).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<IdJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<String>,
    result_size_estimate: usize,
}

/// A message format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    /// Ids, labels, snippet, the whole part tree and the bodies.
    Full,
    /// Ids, labels, snippet and the message's headers.
    Metadata,
    /// Ids and labels.
    Minimal,
    /// Ids, labels, snippet and the message as base64url `raw`.
    Raw,
}

impl Format {
    /// The `format` parameter of `request` (`full` when absent), one of `allowed`; Google's 400
    /// for another value.
    pub fn of(request: &Request, allowed: &[Format]) -> Result<Format, Refusal> {
        let given = request.query_param("format");
        let format = match given.map(str::to_ascii_lowercase).as_deref() {
            None | Some("full") => Some(Format::Full),
            Some("metadata") => Some(Format::Metadata),
            Some("minimal") => Some(Format::Minimal),
            Some("raw") => Some(Format::Raw),
            Some(_) => None,
        };
        format.filter(|f| allowed.contains(f)).ok_or_else(|| {
            Box::new(api::google_invalid(&format!(
                "Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.Message.Format), \"{}\"",
                given.unwrap_or_default()
            )))
        })
    }

    /// Google's 403 when `grant` only allows metadata and the format shows bodies.
    pub fn check_scope(self, grant: &Grant) -> Result<(), Refusal> {
        let shown = match self {
            Format::Full => "FULL",
            Format::Raw => "RAW",
            Format::Metadata | Format::Minimal => return Ok(()),
        };
        if !super::metadata_only(grant) {
            return Ok(());
        }
        let message = format!("Metadata scope doesn't allow format {shown}");
        Err(Box::new(api::google_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            &message,
            serde_json::json!({"message": message, "domain": "global", "reason": "forbidden"}),
        )))
    }
}

/// Every format `messages.get` takes.
pub(super) const FORMATS: [Format; 4] =
    [Format::Full, Format::Metadata, Format::Minimal, Format::Raw];

/// `GET …/messages/{id}` in `format` (default `full`).
pub(super) fn get(call: &Call<'_>, id: &str) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let format = Format::of(request, &FORMATS)?;
        format.check_scope(&call.grant)?;
        Ok((format, lookup(shared, id)?))
    });
    match result {
        Ok((format, message)) => {
            let wanted: Vec<&str> = request.query_all("metadataHeaders");
            wire::json(StatusCode::OK, &render(&message, format, &wanted))
        }
        Err(refused) => *refused,
    }
}

/// `GET …/messages/{id}/attachments/{attachmentId}`: the part's bytes.
pub(super) fn attachment(call: &Call<'_>, id: &str, attachment_id: &str) -> Response {
    let shared = call.shared;
    let message = match lookup(shared, id) {
        Ok(message) => message,
        Err(refused) => return *refused,
    };
    let part = part_of_attachment_id(attachment_id)
        .filter(|(key, _)| *key == message.id.key)
        .and_then(|(_, part)| {
            message
                .content
                .parsed()
                .root
                .find(&part)
                .filter(|p| !p.is_multipart() && !p.is_message())
                .map(|p| p.body.clone())
        });
    match part {
        Some(bytes) => wire::json(
            StatusCode::OK,
            &Ordered(vec![
                ("size", serde_json::json!(bytes.len())),
                ("data", serde_json::json!(URL_SAFE.encode(&bytes))),
            ]),
        ),
        None => api::google_invalid("Invalid attachment token"),
    }
}

/// A copy of the message `id` names, or the refusal (400 for what is not an id, 404 for an id
/// of no message).
pub(super) fn lookup(shared: &Shared, id: &str) -> Result<Message, Refusal> {
    let mailbox = shared.mail.of(Provider::Google);
    super::locate(&mailbox, id).cloned()
}

/// A Gmail `Message` resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MessageJson {
    id: String,
    thread_id: String,
    label_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<PartJson>,
    size_estimate: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
    history_id: String,
    internal_date: String,
}

/// A `MessagePart`; which members are present depends on the format.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct PartJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    part_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Vec<HeaderJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<BodyJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<PartJson>,
}

/// A header as Gmail lists it.
#[derive(Serialize)]
struct HeaderJson {
    name: String,
    value: String,
}

impl From<&Header> for HeaderJson {
    fn from(header: &Header) -> HeaderJson {
        HeaderJson {
            name: header.name.clone(),
            value: header.value.clone(),
        }
    }
}

/// A `MessagePartBody`: the data inline, or an attachment id to fetch it with.
#[derive(Serialize)]
#[serde(untagged, rename_all = "camelCase")]
enum BodyJson {
    Inline {
        size: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<String>,
    },
    Attachment {
        #[serde(rename = "attachmentId")]
        attachment_id: String,
        size: usize,
    },
}

/// `message` in `format`; `metadata_headers` limits the headers of the `metadata` format.
pub(super) fn render(message: &Message, format: Format, metadata_headers: &[&str]) -> MessageJson {
    let parsed = message.content.parsed();
    let raw = message.content.raw();
    let payload = match format {
        Format::Full => Some(full_part(message.id.key, &parsed.root)),
        Format::Metadata => Some(PartJson {
            mime_type: Some(parsed.root.mime_type.clone()),
            headers: Some(
                parsed
                    .root
                    .headers
                    .iter()
                    .filter(|h| {
                        metadata_headers.is_empty()
                            || metadata_headers
                                .iter()
                                .any(|w| w.eq_ignore_ascii_case(&h.name))
                    })
                    .map(HeaderJson::from)
                    .collect(),
            ),
            ..PartJson::default()
        }),
        Format::Minimal => Some(PartJson {
            part_id: Some(String::new()),
            ..PartJson::default()
        }),
        Format::Raw => None,
    };
    MessageJson {
        id: super::message_id(message.id),
        thread_id: super::message_id(message.thread),
        label_ids: super::label_ids(&message.state),
        snippet: (format != Format::Minimal).then(|| text::snippet(&parsed.plain_text())),
        payload,
        size_estimate: raw.len(),
        raw: (format == Format::Raw).then(|| URL_SAFE.encode(raw)),
        history_id: message.modified.to_string(),
        internal_date: message.id.received_ms.to_string(),
    }
}

/// The `full` rendering of `part` of message `key`: a container (a multipart, or a part that
/// holds a message, see [`Part::is_message`]) has an empty body and its parts; a file, or any
/// leaf over [`INLINE_LIMIT`], an attachment id; other leaves their bytes.
fn full_part(key: u64, part: &Part) -> PartJson {
    let body = if part.is_multipart() || part.is_message() {
        BodyJson::Inline {
            size: 0,
            data: None,
        }
    } else if part.is_file() || part.body.len() > INLINE_LIMIT {
        BodyJson::Attachment {
            attachment_id: attachment_id(key, &part.id),
            size: part.body.len(),
        }
    } else {
        BodyJson::Inline {
            size: part.body.len(),
            data: (!part.body.is_empty()).then(|| URL_SAFE.encode(&part.body)),
        }
    };
    PartJson {
        part_id: Some(part.id.clone()),
        mime_type: Some(part.mime_type.clone()),
        filename: Some(part.filename.clone()),
        headers: Some(part.headers.iter().map(HeaderJson::from).collect()),
        body: Some(body),
        parts: part.parts.iter().map(|p| full_part(key, p)).collect(),
    }
}

/// The attachment id of part `part_id` of message `key`.
fn attachment_id(key: u64, part_id: &str) -> String {
    let mut bytes = key.to_be_bytes().to_vec();
    bytes.extend_from_slice(part_id.as_bytes());
    format!("{ATTACHMENT_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The message number and part id inside an attachment id.
fn part_of_attachment_id(id: &str) -> Option<(u64, String)> {
    let bytes = URL_SAFE_NO_PAD
        .decode(id.strip_prefix(ATTACHMENT_PREFIX)?)
        .ok()?;
    let (key, part) = bytes.split_at_checked(8)?;
    let key = u64::from_be_bytes(key.try_into().ok()?);
    Some((key, String::from_utf8(part.to_vec()).ok()?))
}
