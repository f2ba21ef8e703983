//! What a message's MIME structure says, read with `mailparse` once per message: the part tree
//! (numbered as Gmail numbers parts), decoded headers and addresses, and the readable bodies.

use mailparse::{DispositionType, MailAddr, MailHeader, MailHeaderMap as _, ParsedMail};

use super::text;

/// A header as the message carries it: name as written, value unfolded but not decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The name, e.g. `Content-Type`.
    pub name: String,
    /// The value, line breaks of folding removed, encoded words left as they are.
    pub value: String,
}

/// How a part asks to be shown (`Content-Disposition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// No `Content-Disposition`.
    Unspecified,
    /// `inline`.
    Inline,
    /// `attachment` (or any other type).
    Attachment,
}

/// One MIME part and its children.
#[derive(Debug)]
pub(crate) struct Part {
    /// Gmail's `partId`: `""` for the message, `"0"`, `"1"`, … for its parts, `"0.1"` inside.
    pub id: String,
    /// The media type, lower-cased (`text/plain` when not declared).
    pub mime_type: String,
    /// The file name (RFC 2231 and RFC 2047 decoded), or empty.
    pub filename: String,
    /// The part's own headers.
    pub headers: Vec<Header>,
    /// The content with the transfer encoding undone (empty for multiparts).
    pub body: Vec<u8>,
    /// The content as text, for `text/*` leaves whose charset is known.
    pub text: Option<String>,
    /// The `Content-ID`, without angle brackets.
    pub content_id: Option<String>,
    /// The `Content-Disposition` type.
    pub disposition: Disposition,
    /// The children of a multipart.
    pub parts: Vec<Part>,
}

impl Part {
    /// Whether the part is a multipart container.
    pub fn is_multipart(&self) -> bool {
        self.mime_type.starts_with("multipart/")
    }

    /// Whether the part is a file rather than text to show: declared an attachment, named, or
    /// not text.
    pub fn is_file(&self) -> bool {
        !self.is_multipart()
            && (self.disposition == Disposition::Attachment
                || !self.filename.is_empty()
                || !self.mime_type.starts_with("text/"))
    }

    /// Whether the part is a file shown inside the body (referenced by its `Content-ID`) rather
    /// than attached.
    pub fn is_inline(&self) -> bool {
        self.content_id.is_some() && self.disposition != Disposition::Attachment
    }

    /// The part and every part inside it, depth first.
    pub fn walk(&self) -> Vec<&Part> {
        let mut out = vec![self];
        for part in &self.parts {
            out.extend(part.walk());
        }
        out
    }

    /// The part numbered `id`.
    pub fn find(&self, id: &str) -> Option<&Part> {
        self.walk().into_iter().find(|p| p.id == id)
    }
}

/// A mailbox in an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    /// The display name, decoded, if any.
    pub name: Option<String>,
    /// The address.
    pub address: String,
}

/// Everything the APIs show of a message's content.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The part tree; its headers are the message's.
    pub root: Part,
    /// The decoded `Subject`.
    pub subject: String,
    /// `From`.
    pub from: Vec<Address>,
    /// `Sender`.
    pub sender: Vec<Address>,
    /// `To`.
    pub to: Vec<Address>,
    /// `Cc`.
    pub cc: Vec<Address>,
    /// `Bcc`.
    pub bcc: Vec<Address>,
    /// `Reply-To`.
    pub reply_to: Vec<Address>,
    /// `Message-ID`, with its angle brackets.
    pub message_id: String,
    /// The `Date` header, in seconds since the Unix epoch.
    pub date: Option<i64>,
    /// The text of the first `text/plain` part that is not a file.
    pub plain: Option<String>,
    /// The text of the first `text/html` part that is not a file.
    pub html: Option<String>,
}

impl Parsed {
    /// Parses `raw`; a message `mailparse` cannot read shows as one text part.
    pub fn new(raw: &[u8]) -> Parsed {
        let Ok(mail) = mailparse::parse_mail(raw) else {
            return Parsed::unreadable(raw);
        };
        let root = part(&mail, String::new());
        let headers = &mail.headers;
        let decoded = |name: &str| headers.get_first_value(name).unwrap_or_default();
        let addresses = |name: &str| {
            headers
                .get_first_header(name)
                .map(addresses)
                .unwrap_or_default()
        };
        let first_text = |mime_type: &str| {
            root.walk()
                .into_iter()
                .find(|p| p.mime_type == mime_type && !p.is_file())
                .and_then(|p| p.text.clone())
        };
        Parsed {
            subject: decoded("Subject"),
            from: addresses("From"),
            sender: addresses("Sender"),
            to: addresses("To"),
            cc: addresses("Cc"),
            bcc: addresses("Bcc"),
            reply_to: addresses("Reply-To"),
            message_id: decoded("Message-ID").trim().to_owned(),
            date: headers
                .get_first_value("Date")
                .and_then(|d| mailparse::dateparse(&d).ok()),
            plain: first_text("text/plain"),
            html: first_text("text/html"),
            root,
        }
    }

    /// A message that is not MIME at all: its bytes as one text part.
    fn unreadable(raw: &[u8]) -> Parsed {
        let text = String::from_utf8_lossy(raw).into_owned();
        Parsed {
            root: Part {
                id: String::new(),
                mime_type: "text/plain".to_owned(),
                filename: String::new(),
                headers: Vec::new(),
                body: raw.to_vec(),
                text: Some(text.clone()),
                content_id: None,
                disposition: Disposition::Unspecified,
                parts: Vec::new(),
            },
            subject: String::new(),
            from: Vec::new(),
            sender: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: Vec::new(),
            message_id: String::new(),
            date: None,
            plain: Some(text),
            html: None,
        }
    }

    /// The first header of the message called `name` (any case), unfolded, not decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.root
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim())
    }

    /// The body as plain text: the `text/plain` part, else the `text/html` part's text.
    pub fn plain_text(&self) -> String {
        match (&self.plain, &self.html) {
            (Some(plain), _) => plain.clone(),
            (None, Some(html)) => text::html_to_text(html),
            (None, None) => String::new(),
        }
    }

    /// The parts that are files (attachments and inline images), depth first.
    pub fn files(&self) -> Vec<&Part> {
        self.root
            .walk()
            .into_iter()
            .filter(|p| p.is_file())
            .collect()
    }
}

/// The message IDs a `Message-ID`, `In-Reply-To` or `References` value lists, without angle
/// brackets (none when the value does not read as message IDs).
pub(crate) fn message_ids(value: &str) -> Vec<String> {
    mailparse::msgidparse(value)
        .map(|ids| ids.to_vec())
        .unwrap_or_default()
}

/// The part tree of `mail`, numbered from `id`.
fn part(mail: &ParsedMail, id: String) -> Part {
    let parts = mail
        .subparts
        .iter()
        .enumerate()
        .map(|(i, sub)| {
            let child = if id.is_empty() {
                i.to_string()
            } else {
                format!("{id}.{i}")
            };
            part(sub, child)
        })
        .collect();
    let disposition = mail.get_content_disposition();
    let filename = disposition
        .params
        .get("filename")
        .or_else(|| mail.ctype.params.get("name"))
        .cloned()
        .unwrap_or_default();
    let mime_type = mail.ctype.mimetype.clone();
    let leaf = !mime_type.starts_with("multipart/");
    let body = if leaf {
        mail.get_body_raw().unwrap_or_default()
    } else {
        Vec::new()
    };
    let text = (leaf && mime_type.starts_with("text/"))
        .then(|| mail.get_body().ok())
        .flatten();
    Part {
        id,
        filename,
        headers: mail.headers.iter().map(verbatim).collect(),
        body,
        text,
        content_id: mail.headers.get_first_value("Content-ID").map(|c| {
            c.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        }),
        disposition: match (
            mail.headers.get_first_header("Content-Disposition"),
            disposition.disposition,
        ) {
            (None, _) => Disposition::Unspecified,
            (Some(_), DispositionType::Inline) => Disposition::Inline,
            (Some(_), _) => Disposition::Attachment,
        },
        mime_type,
        parts,
    }
}

/// A header as written, unfolded.
fn verbatim(header: &MailHeader) -> Header {
    let raw = header.get_value_raw();
    let value = match raw.contains(&b'\n') {
        false => String::from_utf8_lossy(raw).into_owned(),
        true => {
            let unfolded: Vec<u8> = raw
                .split(|&b| b == b'\n')
                .flat_map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .copied()
                .collect();
            String::from_utf8_lossy(&unfolded).into_owned()
        }
    };
    Header {
        name: header.get_key(),
        value,
    }
}

/// The mailboxes of an address header (groups flattened).
fn addresses(header: &MailHeader) -> Vec<Address> {
    let Ok(list) = mailparse::addrparse_header(header) else {
        return Vec::new();
    };
    let single = |info: mailparse::SingleInfo| Address {
        name: info.display_name.filter(|n| !n.is_empty()),
        address: info.addr,
    };
    list.into_inner()
        .into_iter()
        .flat_map(|addr| match addr {
            MailAddr::Single(info) => vec![single(info)],
            MailAddr::Group(group) => group.addrs.into_iter().map(single).collect(),
        })
        .collect()
}
