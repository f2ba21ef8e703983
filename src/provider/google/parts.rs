//! The parts of a Gmail message as one list, depth first, read from its `format=full` tree or
//! from its raw bytes, and what they make of it: the text and HTML bodies and the attachments.
//! Nothing here recurses, so no nesting is too deep for it.

use std::collections::HashMap;

use crate::mime::{self, Holds, PartInfo};
use crate::types::AttachmentInfo;

/// One part of a message.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Gmail's part id: `""` for the top part, `"0"`, `"1.0"`, … below.
    pub id: String,
    /// `type/subtype`, lower case.
    pub mime_type: String,
    /// The file name Gmail gives (`MessagePart.filename`), when not empty.
    pub filename: Option<String>,
    /// The header fields, values as Gmail lists them.
    pub headers: Vec<(String, String)>,
    /// The id to fetch the content with, when it is not in the part.
    pub attachment_id: Option<String>,
    /// The content's size, as Gmail gives it.
    pub size: u64,
    /// The content, when the part carries it.
    pub data: Option<Vec<u8>>,
    /// What the part holds.
    pub holds: Holds,
    /// Whether a `multipart/related` holds the part.
    pub related: bool,
    /// Whether the part belongs to a message inside the message (a forwarded one), not to the
    /// message's own content.
    pub enclosed: bool,
}

impl Node {
    /// What the part's headers say.
    pub fn info(&self) -> PartInfo {
        mime::part_info(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }
}

/// Sets each node's `related` and `enclosed` from its ancestors (found by id: the nodes come
/// depth first, parents before their parts).
pub fn mark(nodes: &mut [Node]) {
    // For each part id: whether its parts are in a `multipart/related`, and enclosed.
    let mut below: HashMap<String, (bool, bool)> = HashMap::new();
    for node in nodes.iter_mut() {
        let parent = match node.id.rsplit_once('.') {
            Some((parent, _)) => Some(parent.to_owned()),
            None if node.id.is_empty() => None,
            None => Some(String::new()),
        };
        let (related, enclosed) = parent
            .and_then(|p| below.get(&p).copied())
            .unwrap_or_default();
        node.related = related;
        node.enclosed = enclosed;
        let holds_message = node.holds == Holds::Message;
        below.insert(
            node.id.clone(),
            (
                related || node.mime_type == "multipart/related",
                enclosed || holds_message,
            ),
        );
    }
}

/// The nodes of a raw message (Gmail numbers parts by their path).
pub fn from_raw(raw: &[u8]) -> Vec<Node> {
    let mut nodes: Vec<Node> = mime::parts(raw)
        .into_iter()
        .map(|part| Node {
            id: part
                .path
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("."),
            mime_type: part.mime_type,
            filename: None,
            headers: part.headers,
            attachment_id: None,
            size: part.body.len() as u64,
            data: Some(part.body),
            holds: part.holds,
            related: false,
            enclosed: false,
        })
        .collect();
    mark(&mut nodes);
    nodes
}

/// What a message's parts make.
#[derive(Debug, Default)]
pub struct Bodies {
    /// The first `text/plain` body (unwrapped when flowed).
    pub text: Option<String>,
    /// The first `text/html` body.
    pub html: Option<String>,
    /// The attachments, inline images and forwarded messages.
    pub attachments: Vec<AttachmentInfo>,
}

/// The bodies and attachments of `nodes`: the first `text/plain` and `text/html` parts of the
/// message's own content that are not attachments are its bodies; every other part of its own
/// content with a file name, an attachment id, or content that is not text is an attachment,
/// and so is a part that holds a message (a forwarded message, each message of a digest),
/// whose own parts are that message's, not attachments of this one.
pub fn collect(nodes: &[Node]) -> Bodies {
    let mut found = Bodies::default();
    for (index, node) in nodes.iter().enumerate() {
        if node.enclosed || node.holds == Holds::Parts {
            continue;
        }
        let info = node.info();
        let filename = node.filename.clone().or(info.filename.clone());
        let is_text_body = node.holds == Holds::Content
            && (node.mime_type == "text/plain" || node.mime_type == "text/html")
            && !info.attachment
            && filename.is_none();
        if is_text_body {
            let slot = match node.mime_type.as_str() {
                "text/html" => &mut found.html,
                _ => &mut found.text,
            };
            if slot.is_none() {
                *slot = node.data.as_deref().map(|bytes| text_of(bytes, &info));
            }
            continue;
        }
        let is_file = node.holds == Holds::Message
            || filename.is_some()
            || node.attachment_id.is_some()
            || info.attachment
            || !node.mime_type.starts_with("text/");
        if is_file {
            found.attachments.push(attachment(nodes, index));
        }
    }
    found
}

/// The text of a body part in its charset, unwrapped when it is `format=flowed`.
fn text_of(bytes: &[u8], info: &PartInfo) -> String {
    let text = mime::decode_text(bytes, info.charset.as_deref());
    match info.flowed {
        true => mime::unflow(&text, info.delsp),
        false => text,
    }
}

/// Node `index` of `nodes` as an attachment: its id is the part id, which stays the same from
/// one fetch to the next (Gmail's attachment ids do not); `get-attachment` finds the part by
/// it. A forwarded message without a file name is named after its subject (`Subject.eml`);
/// its size, when Gmail gives none, is what its parts add up to.
pub fn attachment(nodes: &[Node], index: usize) -> AttachmentInfo {
    let node = &nodes[index];
    let info = node.info();
    let filename = node
        .filename
        .clone()
        .or(info.filename.clone())
        .or_else(|| (node.mime_type == "message/rfc822").then(|| forwarded_name(nodes, index)));
    let size = match (&node.data, &node.attachment_id) {
        (Some(data), _) => data.len() as u64,
        (None, Some(_)) => node.size,
        (None, None) => enclosed_size(nodes, index),
    };
    AttachmentInfo {
        id: node.id.clone(),
        filename,
        mime_type: node.mime_type.clone(),
        size,
        inline: node.holds == Holds::Content
            && (info.inline || (node.related && info.content_id.is_some() && !info.attachment)),
        content_id: info.content_id,
    }
}

/// The name of the forwarded message node `index` holds: its subject, made safe as a file name,
/// and `.eml` (`message.eml` when it has no subject).
fn forwarded_name(nodes: &[Node], index: usize) -> String {
    let subject = nodes
        .get(index + 1)
        .filter(|inner| inner.enclosed)
        .and_then(|inner| {
            mime::envelope(inner.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))).subject
        })
        .unwrap_or_default();
    mime::eml_name(&subject)
}

/// What the parts node `index` holds add up to: each one's header fields and content. The
/// message's exact size is unknown until it is fetched; this is about its decoded size.
fn enclosed_size(nodes: &[Node], index: usize) -> u64 {
    let prefix = match nodes[index].id.is_empty() {
        true => String::new(),
        false => format!("{}.", nodes[index].id),
    };
    nodes[index + 1..]
        .iter()
        .take_while(|n| n.id.starts_with(&prefix))
        .map(|n| {
            let headers: usize = n.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
            headers as u64 + 2 + n.data.as_ref().map_or(n.size, |d| d.len() as u64)
        })
        .sum()
}
