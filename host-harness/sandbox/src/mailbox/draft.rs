//! What the owner writes: a message's parts before they are rendered as MIME, kept with the
//! message so that each change renders it again, and so that once sent its files keep their
//! numbers (and with them their ids).

use super::mime::{self, Address, Parsed, Part};
use bytes::Bytes;

/// A body as the owner wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Body {
    /// HTML (`true`) or plain text.
    pub html: bool,
    /// The markup or the text.
    pub content: String,
}

/// A file attached to a draft.
#[derive(Clone, Debug)]
pub(crate) struct DraftFile {
    /// Its number among the draft's files, in the order they were attached (never reused).
    pub serial: u64,
    /// The file name (may be empty).
    pub name: String,
    /// The media type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub content: Bytes,
    /// The `Content-ID`, without angle brackets.
    pub content_id: Option<String>,
    /// Shown inside the body rather than attached.
    pub inline: bool,
    /// The size of each fragment it was uploaded in, in order (empty when it came whole).
    pub chunks: Vec<u64>,
}

impl DraftFile {
    /// A copy of file `part` of a message (numbered 0 until attached).
    pub fn of_part(part: &Part) -> DraftFile {
        DraftFile {
            serial: 0,
            name: part.filename.clone(),
            content_type: part.mime_type.clone(),
            content: Bytes::from(part.body.clone()),
            content_id: part.content_id.clone(),
            inline: part.is_inline(),
            chunks: Vec::new(),
        }
    }
}

/// A message as the owner composes it.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    /// The subject, decoded.
    pub subject: String,
    /// The body.
    pub body: Body,
    /// The sender, once known (a new draft has none until it is sent).
    pub from: Option<Address>,
    /// `To`.
    pub to: Vec<Address>,
    /// `Cc`.
    pub cc: Vec<Address>,
    /// `Bcc`.
    pub bcc: Vec<Address>,
    /// `Reply-To`.
    pub reply_to: Vec<Address>,
    /// Further header fields the client set (`X-` headers), in order.
    pub headers: Vec<(String, String)>,
    /// `Message-ID`, with angle brackets.
    pub message_id: String,
    /// `In-Reply-To` of a reply or forward, with angle brackets.
    pub in_reply_to: Option<String>,
    /// `References` of a reply or forward, each with angle brackets.
    pub references: Vec<String>,
    /// The attached files, in the order they were attached.
    pub files: Vec<DraftFile>,
}

impl Draft {
    /// The draft a message was written from, read back from its MIME (a draft made elsewhere,
    /// changed here for the first time).
    pub fn from_parsed(parsed: &Parsed) -> Draft {
        let body = match (&parsed.html, &parsed.plain) {
            (Some(html), _) => Body {
                html: true,
                content: html.clone(),
            },
            (None, plain) => Body {
                html: false,
                content: plain.clone().unwrap_or_default(),
            },
        };
        let files = parsed
            .files()
            .into_iter()
            .zip(0..)
            .map(|(part, serial)| DraftFile {
                serial,
                ..DraftFile::of_part(part)
            })
            .collect();
        Draft {
            subject: parsed.subject.clone(),
            body,
            from: parsed.from.first().cloned(),
            to: parsed.to.clone(),
            cc: parsed.cc.clone(),
            bcc: parsed.bcc.clone(),
            reply_to: parsed.reply_to.clone(),
            headers: Vec::new(),
            message_id: parsed.message_id.clone(),
            in_reply_to: parsed
                .header("In-Reply-To")
                .and_then(|v| mime::message_ids(v).into_iter().next())
                .map(|id| format!("<{id}>")),
            references: parsed
                .header("References")
                .map(|v| {
                    let ids = mime::message_ids(v);
                    ids.into_iter().map(|id| format!("<{id}>")).collect()
                })
                .unwrap_or_default(),
            files,
        }
    }

    /// Attaches `file`, numbering it after every file attached so far; returns its number.
    pub fn attach(&mut self, mut file: DraftFile) -> u64 {
        file.serial = self.files.iter().map(|f| f.serial + 1).max().unwrap_or(0);
        let serial = file.serial;
        self.files.push(file);
        serial
    }

    /// Whether `file` is shown inside the body: inline, with a `Content-ID` the HTML body
    /// refers to (such files go in a `multipart/related` with the body).
    pub fn embeds(&self, file: &DraftFile) -> bool {
        file.inline
            && self.body.html
            && file
                .content_id
                .as_ref()
                .is_some_and(|id| self.body.content.contains(&format!("cid:{id}")))
    }

    /// The files in the order a rendering writes them: the embedded ones, then the others.
    pub fn files_in_order(&self) -> Vec<&DraftFile> {
        let (embedded, attached): (Vec<&DraftFile>, Vec<&DraftFile>) =
            self.files.iter().partition(|f| self.embeds(f));
        embedded.into_iter().chain(attached).collect()
    }

    /// Whether the draft has anyone to go to.
    pub fn has_recipients(&self) -> bool {
        !(self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty())
    }
}
