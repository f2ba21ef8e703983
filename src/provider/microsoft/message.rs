//! Graph `message` resources, normalized into a [`Message`].

use crate::mime;
use crate::types::{AttachmentInfo, MailboxAddress, Message};
use serde::Deserialize;

/// The message properties a sync selects: what a [`Message`] needs and nothing more.
pub const SELECT: &str = "id,conversationId,internetMessageId,subject,bodyPreview,body,from,sender,toRecipients,\
ccRecipients,bccRecipients,replyTo,receivedDateTime,sentDateTime,isRead,isDraft,flag,parentFolderId,hasAttachments";

/// The attachment properties listed (never the bytes). `contentId` belongs to the derived
/// `fileAttachment` type, which `$select` on the base `attachment` collection cannot name.
pub const ATTACHMENT_SELECT: &str = "id,name,contentType,size,isInline";

/// A `message`, as far as the component reads it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphMessage {
    /// The message id (immutable, as requested).
    pub id: String,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    internet_message_id: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body_preview: Option<String>,
    #[serde(default)]
    body: Option<ItemBody>,
    #[serde(default)]
    from: Option<Recipient>,
    #[serde(default)]
    sender: Option<Recipient>,
    #[serde(default)]
    to_recipients: Vec<Recipient>,
    #[serde(default)]
    cc_recipients: Vec<Recipient>,
    #[serde(default)]
    bcc_recipients: Vec<Recipient>,
    #[serde(default)]
    reply_to: Vec<Recipient>,
    /// When the mailbox received it (RFC 3339).
    #[serde(default)]
    pub received_date_time: Option<String>,
    #[serde(default)]
    sent_date_time: Option<String>,
    #[serde(default)]
    is_read: Option<bool>,
    #[serde(default)]
    is_draft: Option<bool>,
    #[serde(default)]
    flag: Option<Flag>,
    /// The folder the message is in.
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    /// Whether the message has attachments (their metadata is listed separately).
    #[serde(default)]
    pub has_attachments: Option<bool>,
    /// The Internet headers, when selected (`get-message`; delta does not return them).
    #[serde(default)]
    internet_message_headers: Vec<InternetHeader>,
}

impl GraphMessage {
    /// Whether its attachments are worth listing: it has some (`hasAttachments`), or its body
    /// shows images by `cid:`. Source: https://learn.microsoft.com/en-us/graph/api/resources/message
    /// (`hasAttachments` "doesn't include inline attachments, so if a message contains only
    /// inline attachments, this property is false. To verify the existence of inline
    /// attachments, parse the body property to look for a src attribute, such as
    /// `<IMG src="cid:...">`").
    pub fn lists_files(&self) -> bool {
        self.has_attachments == Some(true)
            || self
                .body
                .as_ref()
                .and_then(|b| b.content.as_deref())
                .is_some_and(|content| content.contains("cid:"))
    }
}

/// One `internetMessageHeader`.
#[derive(Debug, Deserialize)]
struct InternetHeader {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody {
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    #[serde(default)]
    email_address: Option<EmailAddress>,
}

#[derive(Debug, Deserialize)]
struct EmailAddress {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Flag {
    #[serde(default)]
    flag_status: Option<String>,
}

/// An `attachment` as listed with [`ATTACHMENT_SELECT`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphAttachment {
    /// `#microsoft.graph.fileAttachment`, `#microsoft.graph.itemAttachment` (an Outlook item,
    /// such as a forwarded message), or `#microsoft.graph.referenceAttachment`.
    #[serde(rename = "@odata.type", default)]
    odata_type: Option<String>,
    id: String,
    /// The file name.
    #[serde(default)]
    pub name: Option<String>,
    /// The MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    is_inline: Option<bool>,
    #[serde(default)]
    content_id: Option<String>,
}

/// The type Graph gives an Outlook item attached to a message: a forwarded message is one.
/// Source: https://learn.microsoft.com/en-us/graph/api/attachment-get (an item attachment has
/// `contentType` null and is named after the item's subject; its `$value` is the message in
/// MIME format).
const ITEM_ATTACHMENT: &str = "#microsoft.graph.itemAttachment";

impl GraphAttachment {
    /// Whether it is an Outlook item (a forwarded message) rather than a file.
    fn is_item(&self) -> bool {
        self.odata_type.as_deref() == Some(ITEM_ATTACHMENT)
    }

    /// Its file name: a message item's is its subject and `.eml`.
    pub fn file_name(&self) -> Option<String> {
        match self.is_item() {
            true => Some(mime::eml_name(self.name.as_deref().unwrap_or_default())),
            false => self.name.clone(),
        }
    }

    /// Its MIME type, lower case: `message/rfc822` for an item (its `$value` is MIME),
    /// `application/octet-stream` when Graph names none.
    pub fn media_type(&self) -> String {
        match (self.is_item(), &self.content_type) {
            (true, _) => "message/rfc822".to_owned(),
            (false, Some(t)) => t.to_ascii_lowercase(),
            (false, None) => "application/octet-stream".to_owned(),
        }
    }
}

fn address(recipient: Recipient) -> Option<MailboxAddress> {
    let email = recipient.email_address?;
    Some(MailboxAddress {
        name: email.name.filter(|n| !n.trim().is_empty()),
        address: email.address.filter(|a| !a.is_empty())?,
    })
}

fn addresses(recipients: Vec<Recipient>) -> Vec<MailboxAddress> {
    recipients.into_iter().filter_map(address).collect()
}

/// The normalized message, with its attachments' metadata.
pub fn normalize(message: GraphMessage, attachments: Vec<GraphAttachment>) -> Message {
    let (text_body, html_body) = match message.body {
        Some(ItemBody {
            content_type,
            content: Some(content),
        }) => {
            if content_type.is_some_and(|t| t.eq_ignore_ascii_case("html")) {
                (None, Some(content))
            } else {
                (Some(content), None)
            }
        }
        _ => (None, None),
    };
    let threading = mime::envelope(
        message
            .internet_message_headers
            .iter()
            .filter(|h| {
                h.name.eq_ignore_ascii_case("in-reply-to")
                    || h.name.eq_ignore_ascii_case("references")
            })
            .map(|h| (h.name.as_str(), h.value.as_str())),
    );
    Message {
        id: message.id,
        thread_id: message.conversation_id,
        message_id: message
            .internet_message_id
            .map(|id| id.trim().trim_matches(['<', '>']).to_owned()),
        in_reply_to: threading.in_reply_to,
        references: threading.references,
        from: message.from.and_then(address),
        sender: message.sender.and_then(address),
        to: addresses(message.to_recipients),
        cc: addresses(message.cc_recipients),
        bcc: addresses(message.bcc_recipients),
        reply_to: addresses(message.reply_to),
        subject: message.subject,
        date: message
            .sent_date_time
            .or(message.received_date_time)
            .as_deref()
            .and_then(mime::timestamp),
        snippet: message.body_preview.filter(|p| !p.is_empty()),
        text_body,
        html_body,
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentInfo {
                filename: a.file_name(),
                mime_type: a.media_type(),
                id: a.id,
                size: a.size.unwrap_or_default(),
                content_id: a.content_id.map(|c| c.trim_matches(['<', '>']).to_owned()),
                inline: a.is_inline.unwrap_or(false),
            })
            .collect(),
        labels: message.parent_folder_id.into_iter().collect(),
        unread: message.is_read == Some(false),
        starred: message
            .flag
            .and_then(|f| f.flag_status)
            .is_some_and(|s| s == "flagged"),
        draft: message.is_draft.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_row_normalizes() {
        let row = serde_json::json!({
            "@odata.type": "#microsoft.graph.message",
            "id": "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AqMDB", "conversationId": "AQQkADAw",
            "internetMessageId": "<LV5PR18MB9276@namprd18.prod.outlook.com>",
            "subject": "RE: Test email", "bodyPreview": "Thank you",
            "body": {"contentType": "html", "content": "<html><body>Thank you</body></html>"},
            "from": {"emailAddress": {"name": "Nango Dev", "address": "dev@example.com"}},
            "toRecipients": [{"emailAddress": {"name": "Test User", "address": "test@example.com"}}],
            "ccRecipients": [], "replyTo": [],
            "receivedDateTime": "2026-05-04T09:47:53Z", "sentDateTime": "2026-05-04T09:47:50Z",
            "isRead": false, "isDraft": false, "flag": {"flagStatus": "flagged"},
            "parentFolderId": "AQMkADAw-inbox", "hasAttachments": true
        });
        let attachment = serde_json::json!({"@odata.type": "#microsoft.graph.fileAttachment", "id": "AAMkAGUzY5QKjAAABEgAQAD", "name": "menu.txt", "contentType": "text/plain", "size": 2315, "isInline": false});
        let message = normalize(
            serde_json::from_value(row).unwrap(),
            vec![serde_json::from_value(attachment).unwrap()],
        );
        assert_eq!(
            message.message_id.as_deref(),
            Some("LV5PR18MB9276@namprd18.prod.outlook.com")
        );
        assert_eq!(message.thread_id.as_deref(), Some("AQQkADAw"));
        assert_eq!(message.from.unwrap().name.as_deref(), Some("Nango Dev"));
        assert!(message.html_body.is_some() && message.text_body.is_none());
        assert_eq!(message.date, Some(1_777_888_070)); // 2026-05-04T09:47:50Z
        assert!(message.unread && message.starred && !message.draft);
        assert_eq!(message.labels, ["AQMkADAw-inbox"]);
        assert_eq!(message.attachments[0].filename.as_deref(), Some("menu.txt"));
        assert!(message.in_reply_to.is_none() && message.references.is_empty());
    }

    #[test]
    fn a_forwarded_message_item_is_an_eml_attachment() {
        let item = serde_json::json!({"@odata.type": "#microsoft.graph.itemAttachment",
            "id": "AAMkItem", "name": "Reminder: bring laptop", "contentType": null,
            "size": 32005, "isInline": false});
        let message = normalize(
            serde_json::from_value(serde_json::json!({"id": "m3"})).unwrap(),
            vec![serde_json::from_value(item).unwrap()],
        );
        let forwarded = &message.attachments[0];
        assert_eq!(
            forwarded.filename.as_deref(),
            Some("Reminder_ bring laptop.eml")
        );
        assert_eq!(forwarded.mime_type, "message/rfc822");
    }

    #[test]
    fn internet_headers_give_the_thread_headers() {
        let row = serde_json::json!({
            "id": "m2",
            "internetMessageHeaders": [
                {"name": "Received", "value": "from x"},
                {"name": "In-Reply-To", "value": "<m1@example.com>"},
                {"name": "References", "value": "<m0@example.com> <m1@example.com>"}
            ]
        });
        let message = normalize(serde_json::from_value(row).unwrap(), vec![]);
        assert_eq!(message.in_reply_to.as_deref(), Some("m1@example.com"));
        assert_eq!(message.references, ["m0@example.com", "m1@example.com"]);
    }
}
