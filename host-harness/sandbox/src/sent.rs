//! What the sandbox sent for its users, read back from the sent bytes with `mailparse`, so a test
//! sees each message as a recipient would, whoever wrote its MIME.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::config::Provider;
use crate::mailbox::mime::{self, Address, Disposition, Parsed, Part};

/// A message the sandbox sent for its user, read back with an independent MIME parser
/// (mailparse).
#[derive(Clone, Debug)]
pub struct SentMessage {
    /// The Gmail message id, or the Graph (immutable) message id.
    pub id: String,
    /// The Gmail `threadId`, or the Graph `conversationId`.
    pub thread_id: String,
    /// How it reached the sandbox.
    pub route: SendRoute,
    /// Gmail: the bytes as received, with what Gmail changes (`From` when it is neither the
    /// account nor an alias, a `Date` and a `Message-ID` when missing); Graph: the MIME the
    /// sandbox rendered at send.
    pub raw: Vec<u8>,
    /// `From`.
    pub from: Option<SentAddress>,
    /// `To`.
    pub to: Vec<SentAddress>,
    /// `Cc`.
    pub cc: Vec<SentAddress>,
    /// `Bcc`.
    pub bcc: Vec<SentAddress>,
    /// `Reply-To`.
    pub reply_to: Vec<SentAddress>,
    /// `Subject`, decoded (RFC 2047).
    pub subject: Option<String>,
    /// `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<String>,
    /// `References`, without angle brackets.
    pub references: Vec<String>,
    /// The `Date` header as sent.
    pub date: Option<String>,
    /// The first `text/plain` body, decoded to UTF-8.
    pub text_body: Option<String>,
    /// The first `text/html` body, decoded to UTF-8.
    pub html_body: Option<String>,
    /// The files, in the order the message holds them.
    pub attachments: Vec<SentAttachment>,
    /// Every part's MIME type, depth first, e.g. `["multipart/mixed",
    /// "multipart/alternative", "text/plain", "text/html", "application/pdf"]`.
    pub structure: Vec<String>,
}

/// A mailbox of an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentAddress {
    /// The display name, decoded, if there is one.
    pub name: Option<String>,
    /// The address.
    pub address: String,
}

/// A file in a sent message.
#[derive(Clone, Debug)]
pub struct SentAttachment {
    /// The file name, decoded (RFC 2231 / RFC 2047).
    pub filename: Option<String>,
    /// The media type, lower case, without parameters.
    pub mime_type: String,
    /// The bytes, transfer encoding undone.
    pub content: Vec<u8>,
    /// The `Content-ID`, without angle brackets.
    pub content_id: Option<String>,
    /// Shown inside the body: `Content-Disposition: inline`, or a part with a `Content-ID`
    /// inside a `multipart/related`.
    pub inline: bool,
    /// For a file uploaded through a Graph upload session, the size of each `PUT`, in order;
    /// empty otherwise.
    pub chunks: Vec<u64>,
}

/// How a sent message reached the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendRoute {
    /// Gmail `messages.send` with the message in the JSON body's `raw`.
    GmailJson,
    /// Gmail `messages.send` on the upload URL, `uploadType=media`.
    GmailMediaUpload,
    /// Gmail `messages.send` on the upload URL, `uploadType=multipart`.
    GmailMultipartUpload,
    /// A Gmail draft sent with `drafts.send`.
    GmailDraft,
    /// A Graph draft sent with `POST /me/messages/{id}/send`.
    GraphDraft,
}

impl SentMessage {
    /// Reads `raw`, sent as message `id` of thread `thread_id` by `route`. `chunks` holds the
    /// upload fragment sizes of the files, in the order the message holds them.
    pub(crate) fn read(
        id: String,
        thread_id: String,
        route: SendRoute,
        raw: Vec<u8>,
        chunks: &[Vec<u64>],
    ) -> SentMessage {
        let parsed = Parsed::new(&raw);
        let addresses = |list: &[Address]| list.iter().map(SentAddress::from).collect();
        let first_id = |name: &str| {
            parsed
                .header(name)
                .and_then(|v| mime::message_ids(v).into_iter().next())
        };
        let mut attachments = Vec::new();
        files(&parsed.root, false, &mut attachments);
        for (attachment, sizes) in attachments.iter_mut().zip(chunks) {
            attachment.chunks.clone_from(sizes);
        }
        SentMessage {
            id,
            thread_id,
            route,
            from: parsed.from.first().map(SentAddress::from),
            to: addresses(&parsed.to),
            cc: addresses(&parsed.cc),
            bcc: addresses(&parsed.bcc),
            reply_to: addresses(&parsed.reply_to),
            subject: parsed.header("Subject").map(|_| parsed.subject.clone()),
            message_id: first_id("Message-ID"),
            in_reply_to: first_id("In-Reply-To"),
            references: parsed
                .header("References")
                .map(mime::message_ids)
                .unwrap_or_default(),
            date: parsed.header("Date").map(str::to_owned),
            text_body: parsed.plain.clone(),
            html_body: parsed.html.clone(),
            attachments,
            structure: parsed
                .root
                .walk()
                .iter()
                .map(|p| p.mime_type.clone())
                .collect(),
            raw,
        }
    }
}

impl From<&Address> for SentAddress {
    fn from(address: &Address) -> SentAddress {
        SentAddress {
            name: address.name.clone(),
            address: address.address.clone(),
        }
    }
}

/// Adds the files of `part` (depth first) to `out`; `related` when its parent is a
/// `multipart/related`.
fn files(part: &Part, related: bool, out: &mut Vec<SentAttachment>) {
    if part.is_file() {
        out.push(SentAttachment {
            filename: (!part.filename.is_empty()).then(|| part.filename.clone()),
            mime_type: part.mime_type.clone(),
            content: part.body.clone(),
            content_id: part.content_id.clone(),
            inline: part.disposition == Disposition::Inline
                || (related && part.content_id.is_some()),
            chunks: Vec::new(),
        });
    }
    for child in &part.parts {
        files(child, part.mime_type == "multipart/related", out);
    }
}

/// Every message sent, in order, by provider.
#[derive(Default)]
pub(crate) struct Outbox {
    sent: Mutex<Vec<(Provider, SentMessage)>>,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, Vec<(Provider, SentMessage)>> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers `message`, sent for `provider`'s user.
    pub fn record(&self, provider: Provider, message: SentMessage) {
        self.lock().push((provider, message));
    }

    /// Forgets every message sent.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Every message sent for `provider`'s user, oldest first.
    pub fn of(&self, provider: Provider) -> Vec<SentMessage> {
        self.lock()
            .iter()
            .filter(|(p, _)| *p == provider)
            .map(|(_, m)| m.clone())
            .collect()
    }
}
