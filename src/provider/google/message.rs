//! Gmail `users.messages.get` with `format=full`, normalized into a [`Message`].
//!
//! Gmail hands out the MIME tree already split into parts, with headers verbatim (encoded words
//! intact) and each text body transfer-decoded but still in its charset; attachments come as
//! ids. The header blocks and charsets are decoded by [`crate::mime`].

use crate::mime;
use crate::types::{AttachmentInfo, Message};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;

/// The labels that carry message state rather than a place.
pub const UNREAD: &str = "UNREAD";
/// Starred.
pub const STARRED: &str = "STARRED";
/// A draft.
pub const DRAFT: &str = "DRAFT";

/// A `Message` resource as returned with `format=full`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GmailMessage {
    /// The message id.
    pub id: String,
    /// The thread id.
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Label ids.
    #[serde(default)]
    pub label_ids: Vec<String>,
    /// A short part of the message text.
    #[serde(default)]
    pub snippet: Option<String>,
    /// Milliseconds since the epoch, as a string.
    #[serde(default)]
    pub internal_date: Option<String>,
    /// The MIME tree.
    #[serde(default)]
    pub payload: Option<Part>,
}

/// A `MessagePart`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(default)]
    part_id: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    body: Option<Body>,
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    attachment_id: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    data: Option<String>,
}

impl Part {
    fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
    }
}

/// Gmail's base64url (`MessagePartBody.data`, `Message.raw`), with or without padding.
pub fn decode_data(data: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(data))
        .ok()
}

/// A file part of a message, as `get-attachment` needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// Its file name, decoded.
    pub filename: Option<String>,
    /// Its MIME type, lower case.
    pub mime_type: String,
    /// Its size in bytes, as Gmail reports it.
    pub size: u64,
    /// The id to fetch its bytes with, when they are not in the part itself.
    pub attachment_id: Option<String>,
    /// Its bytes, when Gmail put them in the part (small parts).
    pub data: Option<Vec<u8>>,
}

/// The part `part_id` of `message` (or, for ids from elsewhere, the part with that attachment
/// id).
pub fn find_part(message: &GmailMessage, part_id: &str) -> Option<FilePart> {
    fn walk<'a>(part: &'a Part, id: &str) -> Option<&'a Part> {
        let matches = part.part_id.as_deref() == Some(id)
            || part.body.as_ref().and_then(|b| b.attachment_id.as_deref()) == Some(id);
        if matches {
            return Some(part);
        }
        part.parts.iter().find_map(|child| walk(child, id))
    }
    let part = walk(message.payload.as_ref()?, part_id)?;
    let info = mime::part_info(part.headers());
    let body = part.body.as_ref();
    Some(FilePart {
        filename: part
            .filename
            .clone()
            .filter(|f| !f.is_empty())
            .or(info.filename),
        mime_type: part
            .mime_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .unwrap_or(info.mime_type),
        size: body.and_then(|b| b.size).unwrap_or_default(),
        attachment_id: body.and_then(|b| b.attachment_id.clone()),
        data: body.and_then(|b| b.data.as_deref()).and_then(decode_data),
    })
}

/// The normalized message.
pub fn normalize(message: GmailMessage) -> Message {
    let root = message.payload.unwrap_or_default();
    let envelope = mime::envelope(root.headers());
    let mut bodies = Bodies::default();
    collect(&root, false, &mut bodies);
    let has = |label: &str| message.label_ids.iter().any(|l| l == label);
    let date = envelope.date.clone().or_else(|| {
        message
            .internal_date
            .as_deref()
            .and_then(|ms| ms.parse::<i64>().ok())
            .map(mime::rfc3339_from_millis)
    });
    Message {
        unread: has(UNREAD),
        starred: has(STARRED),
        draft: has(DRAFT),
        date,
        snippet: message.snippet.filter(|s| !s.is_empty()),
        text_body: bodies.text,
        html_body: bodies.html,
        attachments: bodies.attachments,
        labels: message.label_ids,
        ..envelope.into_message(message.id, message.thread_id)
    }
}

/// What the walk over the MIME tree finds.
#[derive(Default)]
struct Bodies {
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<AttachmentInfo>,
}

/// Walks the tree: the first text/plain and text/html parts that are not attachments are the
/// bodies; every part with a file name or an attachment id is an attachment.
fn collect(part: &Part, in_related: bool, found: &mut Bodies) {
    let info = mime::part_info(part.headers());
    let mime_type = part
        .mime_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| info.mime_type.clone());
    if mime_type.starts_with("multipart/") {
        let related = in_related || mime_type == "multipart/related";
        for child in &part.parts {
            collect(child, related, found);
        }
        return;
    }
    let body = part.body.as_ref();
    let filename = part
        .filename
        .clone()
        .filter(|f| !f.is_empty())
        .or(info.filename.clone());
    let attachment_id = body.and_then(|b| b.attachment_id.clone());
    let is_text_body = (mime_type == "text/plain" || mime_type == "text/html")
        && !info.attachment
        && filename.is_none();
    if is_text_body {
        let text = body
            .and_then(|b| b.data.as_deref())
            .and_then(decode_data)
            .map(|bytes| mime::decode_text(&bytes, info.charset.as_deref()));
        let slot = if mime_type == "text/html" {
            &mut found.html
        } else {
            &mut found.text
        };
        if slot.is_none() {
            *slot = text;
        }
        return;
    }
    if filename.is_none() && attachment_id.is_none() {
        return;
    }
    found.attachments.push(AttachmentInfo {
        // The part id, which stays the same from one fetch to the next (Gmail's attachment ids
        // do not); `get-attachment` finds the part by it.
        id: part.part_id.clone().or(attachment_id).unwrap_or_default(),
        filename,
        mime_type,
        size: body.and_then(|b| b.size).unwrap_or_default(),
        inline: info.inline || (in_related && info.content_id.is_some() && !info.attachment),
        content_id: info.content_id,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        URL_SAFE.encode(s)
    }

    #[test]
    fn a_multipart_message_with_charsets_inline_image_and_attachment() {
        let json = serde_json::json!({
            "id": "18b7f6a2b00ad967", "threadId": "18b7f6a2b00ad960",
            "labelIds": ["INBOX", "UNREAD", "STARRED", "Label_15"],
            "snippet": "Bonjour", "internalDate": "1698649746000",
            "payload": {
                "partId": "", "mimeType": "multipart/mixed", "filename": "",
                "headers": [
                    {"name": "From", "value": "=?iso-8859-1?q?Fran=E7ois?= <f@example.fr>"},
                    {"name": "To", "value": "ann@example.com"},
                    {"name": "Subject", "value": "=?utf-8?B?Q2Fmw6k=?="},
                    {"name": "Message-ID", "value": "<m1@example.fr>"},
                    {"name": "References", "value": "<m0@example.fr>"},
                    {"name": "In-Reply-To", "value": "<m0@example.fr>"},
                    {"name": "Content-Type", "value": "multipart/mixed; boundary=x"}
                ],
                "body": {"size": 0},
                "parts": [
                    {"partId": "0", "mimeType": "multipart/related", "filename": "",
                     "headers": [{"name": "Content-Type", "value": "multipart/related; boundary=y"}],
                     "body": {"size": 0},
                     "parts": [
                        {"partId": "0.0", "mimeType": "multipart/alternative", "filename": "", "headers": [], "body": {"size": 0},
                         "parts": [
                            {"partId": "0.0.0", "mimeType": "text/plain", "filename": "",
                             "headers": [{"name": "Content-Type", "value": "text/plain; charset=iso-8859-1"}],
                             "body": {"size": 8, "data": b64(b"Bonjour \xe0 vous")}},
                            {"partId": "0.0.1", "mimeType": "text/html", "filename": "",
                             "headers": [{"name": "Content-Type", "value": "text/html; charset=UTF-8"}],
                             "body": {"size": 20, "data": b64("<p>Bonjour à vous<img src=\"cid:logo@x\"></p>".as_bytes())}}
                         ]},
                        {"partId": "0.1", "mimeType": "image/png", "filename": "logo.png",
                         "headers": [{"name": "Content-Type", "value": "image/png; name=logo.png"},
                                     {"name": "Content-ID", "value": "<logo@x>"}],
                         "body": {"attachmentId": "ANGjdJ_logo", "size": 1234}}
                     ]},
                    {"partId": "1", "mimeType": "application/pdf", "filename": "résumé.pdf",
                     "headers": [{"name": "Content-Type", "value": "application/pdf"},
                                 {"name": "Content-Disposition", "value": "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"}],
                     "body": {"attachmentId": "ANGjdJ_pdf", "size": 4321}}
                ]
            }
        });
        let message = normalize(serde_json::from_value(json).unwrap());
        assert_eq!(message.thread_id.as_deref(), Some("18b7f6a2b00ad960"));
        assert_eq!(message.from.unwrap().name.as_deref(), Some("Fran\u{e7}ois"));
        assert_eq!(message.subject.as_deref(), Some("Caf\u{e9}"));
        assert_eq!(message.text_body.as_deref(), Some("Bonjour \u{e0} vous"));
        assert!(message.html_body.unwrap().contains("Bonjour \u{e0} vous"));
        assert_eq!(
            message.date.as_deref(),
            Some("2023-10-30T07:09:06Z"),
            "internal date when no Date header"
        );
        assert!(message.unread && message.starred && !message.draft);
        assert_eq!(message.in_reply_to.as_deref(), Some("m0@example.fr"));
        assert_eq!(message.attachments.len(), 2);
        let logo = &message.attachments[0];
        assert_eq!(
            (
                logo.id.as_str(),
                logo.content_id.as_deref(),
                logo.inline,
                logo.size
            ),
            ("0.1", Some("logo@x"), true, 1234)
        );
        let pdf = &message.attachments[1];
        assert_eq!(
            (pdf.filename.as_deref(), pdf.mime_type.as_str(), pdf.inline),
            (Some("r\u{e9}sum\u{e9}.pdf"), "application/pdf", false)
        );
    }

    #[test]
    fn a_minimal_resource_still_normalizes() {
        let message = normalize(serde_json::from_value(serde_json::json!({"id": "x"})).unwrap());
        assert_eq!(message.id, "x");
        assert!(message.subject.is_none() && message.attachments.is_empty());
    }
}
