//! What a message's MIME structure says, read with `mailparse` once per message: the part tree
//! (numbered as Gmail numbers parts, messages inside messages opened), decoded headers and
//! addresses, and the readable bodies.

use mailparse::{DispositionType, MailAddr, MailHeader, MailHeaderMap as _, ParsedMail};

use super::{header_bytes, text};

/// The types of the parts that hold a message, which Gmail opens: its `format=full` shows such a
/// part as a container (`body.size` 0, no `attachmentId`) whose one child, numbered `{part}.0`,
/// is the message inside, with its own headers and parts. Source: shared/specs:
/// samples/gmail/users.messages.get.format-full.multipart-report-dsn.json, where part `1`,
/// `message/delivery-status`, holds part `1.0` made of its fields (and the same capture shows
/// `message/global` as a plain attachment, so it is not among them); a forwarded
/// `message/rfc822` is opened the same way (its parts listed under it).
const OPENED: [&str; 2] = ["message/rfc822", "message/delivery-status"];
/// How many messages inside messages are opened, at most: deeper ones stay files. A guard of
/// the sandbox's own (opening each level copies what it holds), far past what mail nests.
const MOST_OPENED: usize = 64;

/// A header as the message carries it: name as written, value unfolded but not decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The name, e.g. `Content-Type`.
    pub name: String,
    /// The value, line breaks of folding removed, encoded words left as they are, 8-bit bytes
    /// as Gmail lists them ([`header_bytes::latin1`]).
    pub value: String,
    /// The value's bytes, unfolded.
    pub raw: Vec<u8>,
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

    /// Whether the part holds a message it was opened into (its one child).
    pub fn is_message(&self) -> bool {
        OPENED.contains(&self.mime_type.as_str()) && !self.parts.is_empty()
    }

    /// Whether the part is a file rather than text to show: declared an attachment, named, or
    /// not text (a message inside the message is a file).
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

    /// The part and every part inside it, depth first, messages inside it included.
    pub fn walk(&self) -> Vec<&Part> {
        let mut out = Vec::new();
        self.gather(true, &mut out);
        out
    }

    /// The part and the parts of its own content, depth first: a message inside it is one of
    /// them, the parts of that message are not (they are that message's).
    pub fn own(&self) -> Vec<&Part> {
        let mut out = Vec::new();
        self.gather(false, &mut out);
        out
    }

    /// Adds the part and those inside it to `out`, opened messages' parts too when `opened`.
    fn gather<'a>(&'a self, opened: bool, out: &mut Vec<&'a Part>) {
        let mut stack = vec![self];
        while let Some(part) = stack.pop() {
            out.push(part);
            if opened || !part.is_message() {
                stack.extend(part.parts.iter().rev());
            }
        }
    }

    /// The message inside a part that holds one: its top part (whose headers are the message's).
    pub fn message(&self) -> Option<&Part> {
        self.is_message().then(|| &self.parts[0])
    }

    /// The decoded value of the part's first header `name` (any case), an unstructured one
    /// (`Subject`): see [`header_bytes::decode_unstructured`].
    pub fn decoded(&self, name: &str) -> Option<String> {
        self.raw_header(name)
            .map(|raw| header_bytes::decode_unstructured(raw).trim().to_owned())
    }

    /// The part numbered `id`.
    pub fn find(&self, id: &str) -> Option<&Part> {
        self.walk().into_iter().find(|p| p.id == id)
    }

    /// The bytes of the part's first header `name` (any case), unfolded.
    fn raw_header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.raw.as_slice())
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
    /// The `Date` header, in seconds since the Unix epoch, when it reads as a date after it.
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
        let root = part(&mail, String::new(), 0);
        let headers = &mail.headers;
        let decoded = |name: &str| root.decoded(name).unwrap_or_default();
        let addresses = |name: &str| {
            root.raw_header(name)
                .and_then(|raw| reparsed(name, raw, addresses))
                .unwrap_or_default()
        };
        let first_text = |mime_type: &str| {
            root.own()
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
            // mailparse reads a `Date` with no date in it as the epoch: no date.
            date: headers
                .get_first_value("Date")
                .and_then(|d| mailparse::dateparse(&d).ok())
                .filter(|&secs| secs > 0),
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

    /// The parts of the message's own content that are files (attachments, inline images, and
    /// messages inside it, whose own parts are not listed), depth first.
    pub fn files(&self) -> Vec<&Part> {
        self.root
            .own()
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

/// The part tree of `mail`, numbered from `id`, `opened` messages deep.
fn part(mail: &ParsedMail, id: String, opened: usize) -> Part {
    let number = |i: usize| match id.is_empty() {
        true => i.to_string(),
        false => format!("{id}.{i}"),
    };
    let mut parts: Vec<Part> = mail
        .subparts
        .iter()
        .enumerate()
        .map(|(i, sub)| part(sub, number(i), opened))
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
    if OPENED.contains(&mime_type.as_str())
        && opened < MOST_OPENED
        && let Ok(inner) = mailparse::parse_mail(&body)
    {
        parts = vec![part(&inner, number(0), opened + 1)];
    }
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
    let unfolded: Vec<u8> = match raw.contains(&b'\n') {
        false => raw.to_vec(),
        true => raw
            .split(|&b| b == b'\n')
            .flat_map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .copied()
            .collect(),
    };
    Header {
        name: header.get_key(),
        value: header_bytes::latin1(&unfolded),
        raw: unfolded,
    }
}

/// What `read` makes of header `name` with the value `raw`, raw 8-bit bytes inside its encoded
/// words escaped ([`header_bytes::escape_in_words`]).
fn reparsed<T>(name: &str, raw: &[u8], read: impl FnOnce(&MailHeader) -> T) -> Option<T> {
    let mut line = format!("{name}: ").into_bytes();
    line.extend(header_bytes::escape_in_words(raw));
    mailparse::parse_header(&line)
        .ok()
        .map(|(header, _)| read(&header))
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
