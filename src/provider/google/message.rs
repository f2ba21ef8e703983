//! Gmail `users.messages.get` with `format=full` (or `format=raw`), normalized into a
//! [`Message`].
//!
//! Gmail hands out the MIME tree already split into parts, with headers verbatim (encoded words
//! intact, 8-bit bytes as ISO-8859-1 characters) and each text body transfer-decoded but still
//! in its charset; attachments come as ids, and a part that holds a message (a forwarded one)
//! holds that message's parts. The header blocks and charsets are decoded by [`crate::mime`];
//! the walk over the parts is [`parts`]. A tree nested deeper than [`MOST_NESTED`] levels is not
//! read past them: such a message is read again whole (`format=raw`) and its parts from its
//! bytes.

use std::cell::Cell;

use super::parts::{self, Node};
use crate::mime::{self, Holds};
use crate::types::Message;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// The labels that carry message state rather than a place.
pub const UNREAD: &str = "UNREAD";
/// Starred.
pub const STARRED: &str = "STARRED";
/// A draft.
pub const DRAFT: &str = "DRAFT";

/// The deepest part of a `format=full` tree read (the top part is at depth 0): deeper parts are
/// skipped, and the message is cut ([`GmailMessage::is_cut`]). Each level is two levels of
/// JSON, and JSON is read at most 128 levels deep; the limit also keeps the reading's stack
/// small.
pub const MOST_NESTED: usize = 40;

/// A `Message` resource as returned with `format=full` (or `format=raw`).
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
    /// The MIME tree (`format=full`).
    #[serde(default)]
    pub payload: Option<Part>,
    /// The whole message, base64url (`format=raw`).
    #[serde(default)]
    pub raw: Option<String>,
}

impl GmailMessage {
    /// Whether its MIME tree nests deeper than [`MOST_NESTED`]: the parts below were not read,
    /// and the message must be read whole (`format=raw`) to be seen entire.
    pub fn is_cut(&self) -> bool {
        fn cut(part: &Part) -> bool {
            part.cut || part.parts.iter().any(cut)
        }
        self.raw.is_none() && self.payload.as_ref().is_some_and(cut)
    }

    /// Its parts, depth first: from its bytes when it came raw, else from its tree.
    fn nodes(&self) -> Vec<Node> {
        if let Some(raw) = self.raw.as_deref().and_then(decode_data) {
            return parts::from_raw(&raw);
        }
        let mut nodes = Vec::new();
        if let Some(root) = &self.payload {
            flatten(root, &mut nodes);
        }
        parts::mark(&mut nodes);
        nodes
    }
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
    #[serde(default, deserialize_with = "nested")]
    parts: Vec<Part>,
    /// Stands for parts too deep to read.
    #[serde(skip)]
    cut: bool,
}

thread_local! {
    /// How deep in a `format=full` tree the part being read is.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// The `parts` of a part: read while they are at most [`MOST_NESTED`] deep, else skipped (the
/// JSON still read through) and stood for by one part marked cut.
fn nested<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Part>, D::Error> {
    let depth = DEPTH.get();
    if depth >= MOST_NESTED {
        IgnoredAny::deserialize(deserializer)?;
        let cut = Part {
            cut: true,
            ..Part::default()
        };
        return Ok(vec![cut]);
    }
    DEPTH.set(depth + 1);
    let parts = Vec::<Part>::deserialize(deserializer);
    DEPTH.set(depth);
    parts
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

/// Adds `part` and the parts inside it to `nodes`, depth first (at most [`MOST_NESTED`] deep,
/// as read).
fn flatten(part: &Part, nodes: &mut Vec<Node>) {
    if part.cut {
        return;
    }
    let info = mime::part_info(
        part.headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str())),
    );
    let mime_type = part
        .mime_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or(info.mime_type);
    let holds = match (mime_type.starts_with("multipart/"), part.parts.is_empty()) {
        (true, _) => Holds::Parts,
        (false, false) if mime_type.starts_with("message/") => Holds::Message,
        _ => Holds::Content,
    };
    let body = part.body.as_ref();
    nodes.push(Node {
        id: part.part_id.clone().unwrap_or_default(),
        filename: part.filename.clone().filter(|f| !f.is_empty()),
        headers: part
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect(),
        attachment_id: body.and_then(|b| b.attachment_id.clone()),
        size: body.and_then(|b| b.size).unwrap_or_default(),
        data: body.and_then(|b| b.data.as_deref()).and_then(decode_data),
        holds,
        mime_type,
        ..Node::default()
    });
    for child in &part.parts {
        flatten(child, nodes);
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
    /// Its file name, decoded (a forwarded message's made from its subject).
    pub filename: Option<String>,
    /// Its MIME type, lower case.
    pub mime_type: String,
    /// Its size in bytes, as Gmail reports it (for a forwarded message Gmail gives no size:
    /// what its parts add up to).
    pub size: u64,
    /// The id to fetch its bytes with, when they are not in the part itself.
    pub attachment_id: Option<String>,
    /// Its bytes, when Gmail put them in the part (small parts, and every part of a message
    /// read raw).
    pub data: Option<Vec<u8>>,
}

impl FilePart {
    /// Whether Gmail gives its bytes neither in the part nor by an attachment id (a part that
    /// holds a message): they are read from the whole message.
    pub fn needs_raw(&self) -> bool {
        self.data.is_none() && self.attachment_id.is_none()
    }
}

/// The part `part_id` of `message` (or, for ids from elsewhere, the part with that attachment
/// id).
pub fn find_part(message: &GmailMessage, part_id: &str) -> Option<FilePart> {
    let nodes = message.nodes();
    let index = nodes
        .iter()
        .position(|n| n.id == part_id || n.attachment_id.as_deref() == Some(part_id))?;
    let info = parts::attachment(&nodes, index);
    let node = &nodes[index];
    Some(FilePart {
        filename: info.filename,
        mime_type: info.mime_type,
        size: info.size,
        attachment_id: node.attachment_id.clone(),
        data: node.data.clone(),
    })
}

/// The normalized message.
pub fn normalize(message: GmailMessage) -> Message {
    let nodes = message.nodes();
    let envelope = match nodes.first() {
        Some(top) => mime::envelope(top.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        None => mime::Envelope::default(),
    };
    let bodies = parts::collect(&nodes);
    let has = |label: &str| message.label_ids.iter().any(|l| l == label);
    let date = envelope.date.or_else(|| {
        message
            .internal_date
            .as_deref()
            .and_then(|ms| ms.parse::<i64>().ok())
            .map(|ms| ms.div_euclid(1000))
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
            message.date,
            Some(1_698_649_746),
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
    fn a_forwarded_message_is_one_attachment_named_after_its_subject() {
        let json = serde_json::json!({
            "id": "a1", "payload": {
                "partId": "", "mimeType": "multipart/mixed", "filename": "",
                "headers": [{"name": "Subject", "value": "Fwd: report"}],
                "body": {"size": 0},
                "parts": [
                    {"partId": "0", "mimeType": "text/plain", "filename": "",
                     "headers": [{"name": "Content-Type", "value": "text/plain"}],
                     "body": {"size": 3, "data": b64(b"FYI")}},
                    {"partId": "1", "mimeType": "message/rfc822", "filename": "",
                     "headers": [{"name": "Content-Type", "value": "message/rfc822"}],
                     "body": {"size": 0},
                     "parts": [{"partId": "1.0", "mimeType": "multipart/mixed", "filename": "",
                        "headers": [{"name": "Subject", "value": "Q3: numbers/plan"},
                                    {"name": "From", "value": "Ann <ann@example.com>"}],
                        "body": {"size": 0},
                        "parts": [
                            {"partId": "1.0.0", "mimeType": "text/plain", "filename": "",
                             "headers": [], "body": {"size": 5, "data": b64(b"inner")}},
                            {"partId": "1.0.1", "mimeType": "image/png", "filename": "chart.png",
                             "headers": [], "body": {"attachmentId": "ANGjdJ_x", "size": 900}}
                        ]}]}
                ]
            }
        });
        let message = normalize(serde_json::from_value(json).unwrap());
        assert_eq!(message.text_body.as_deref(), Some("FYI"));
        assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
        let forwarded = &message.attachments[0];
        assert_eq!(forwarded.id, "1");
        assert_eq!(forwarded.filename.as_deref(), Some("Q3_ numbers_plan.eml"));
        assert_eq!(forwarded.mime_type, "message/rfc822");
        assert!(forwarded.size > 905 && !forwarded.inline);
    }

    #[test]
    fn eight_bit_header_bytes_and_flowed_text_read_back() {
        let json = serde_json::json!({
            "id": "a2", "payload": {
                "partId": "", "mimeType": "text/plain", "filename": "",
                "headers": [
                    {"name": "Subject", "value": "=?iso-8859-1?q?caf\u{e9}?= Relat\u{c3}\u{b3}rio"},
                    {"name": "From", "value": "Jos\u{e9} <j@example.com>"},
                    {"name": "Content-Type", "value": "text/plain; charset=utf-8; format=flowed; delsp=yes"}
                ],
                "body": {"size": 20, "data": b64(b"Zusam \r\nmen\r\n")}
            }
        });
        let message = normalize(serde_json::from_value(json).unwrap());
        assert_eq!(message.subject.as_deref(), Some("caf\u{e9} Relat\u{f3}rio"));
        assert_eq!(message.from.unwrap().name.as_deref(), Some("Jos\u{e9}"));
        assert_eq!(message.text_body.as_deref(), Some("Zusammen\n"));
    }

    #[test]
    fn a_tree_too_deep_is_cut_and_the_raw_message_read_instead() {
        let mut part = serde_json::json!({"partId": "x", "mimeType": "text/plain",
            "body": {"size": 6, "data": b64(b"bottom")}});
        for _ in 0..200 {
            part = serde_json::json!({"mimeType": "multipart/mixed", "parts": [part]});
        }
        let text = serde_json::json!({"id": "a3", "payload": part}).to_string();
        let full: GmailMessage = serde_json::from_str(&text).unwrap();
        assert!(full.is_cut());
        let mut raw = String::from("Subject: deep\r\n");
        for level in 0..200 {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n"
            ));
        }
        raw.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
        let resource = serde_json::json!({"id": "a3", "raw": b64(raw.as_bytes())});
        let whole: GmailMessage = serde_json::from_value(resource).unwrap();
        assert!(!whole.is_cut());
        let message = normalize(whole);
        assert_eq!(message.subject.as_deref(), Some("deep"));
        assert_eq!(message.text_body.as_deref(), Some("bottom\r\n"));
    }

    #[test]
    fn a_raw_message_gives_its_parts_bytes_by_gmail_part_id() {
        let raw =
            b"Subject: s\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\nhi\r\n\
--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--a--\r\n";
        let resource = serde_json::json!({"id": "a4", "raw": b64(raw)});
        let message: GmailMessage = serde_json::from_value(resource).unwrap();
        let part = find_part(&message, "1").unwrap();
        assert_eq!(part.filename.as_deref(), Some("inner.eml"));
        assert_eq!(
            part.data.as_deref(),
            Some(&b"Subject: inner\r\n\r\nbody"[..])
        );
        assert!(!part.needs_raw());
    }

    #[test]
    fn a_minimal_resource_still_normalizes() {
        let message = normalize(serde_json::from_value(serde_json::json!({"id": "x"})).unwrap());
        assert_eq!(message.id, "x");
        assert!(message.subject.is_none() && message.attachments.is_empty());
    }
}
