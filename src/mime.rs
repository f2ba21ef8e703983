//! MIME decoding through `mail-parser`: header blocks (RFC 5322 addresses and dates, RFC 2047
//! encoded words in any charset, RFC 2231 parameters) and text in any charset, for providers
//! that hand out headers and body parts separately (Gmail's `format=full`).

mod flowed;
mod header_bytes;
mod tree;

pub use flowed::unflow;
pub use header_bytes::bytes_of;
pub use tree::{Holds, RawPart, parts};

use crate::types::{Attachment, MailboxAddress, Message};
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

/// The envelope of a message, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To, without angle brackets.
    pub in_reply_to: Option<String>,
    /// References, each without angle brackets.
    pub references: Vec<String>,
    /// From.
    pub from: Option<MailboxAddress>,
    /// Sender.
    pub sender: Option<MailboxAddress>,
    /// To.
    pub to: Vec<MailboxAddress>,
    /// Cc.
    pub cc: Vec<MailboxAddress>,
    /// Bcc.
    pub bcc: Vec<MailboxAddress>,
    /// Reply-To.
    pub reply_to: Vec<MailboxAddress>,
    /// Subject, decoded.
    pub subject: Option<String>,
    /// Date, in seconds since the Unix epoch.
    pub date: Option<i64>,
}

impl Envelope {
    /// A message with this envelope as provider message `id` of `thread_id`; bodies, snippet,
    /// attachments, labels and flags empty.
    pub fn into_message(self, id: String, thread_id: Option<String>) -> Message {
        Message {
            id,
            thread_id,
            message_id: self.message_id,
            in_reply_to: self.in_reply_to,
            references: self.references,
            from: self.from,
            sender: self.sender,
            to: self.to,
            cc: self.cc,
            bcc: self.bcc,
            reply_to: self.reply_to,
            subject: self.subject,
            date: self.date,
            snippet: None,
            text_body: None,
            html_body: None,
            attachments: Vec::new(),
            labels: Vec::new(),
            unread: false,
            starred: false,
            draft: false,
        }
    }
}

/// What a body part's headers say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartInfo {
    /// `type/subtype`, lower case.
    pub mime_type: String,
    /// The charset parameter.
    pub charset: Option<String>,
    /// Whether Content-Disposition says `attachment`.
    pub attachment: bool,
    /// Whether Content-Disposition says `inline`.
    pub inline: bool,
    /// Content-ID, without angle brackets.
    pub content_id: Option<String>,
    /// The file name (Content-Disposition `filename` or Content-Type `name`), decoded.
    pub filename: Option<String>,
    /// Whether the text is `format=flowed` (RFC 3676).
    pub flowed: bool,
    /// Whether a flowed text's soft line breaks delete the space before them (`delsp=yes`).
    pub delsp: bool,
}

/// A header block (`Name: value` lines) as mail-parser reads it: each value's bytes as the
/// provider gave them ([`bytes_of`]), made readable ([`header_bytes::readable`]). Line breaks
/// inside values are folded away first, so that no value can start a header of its own.
fn header_block<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut block = Vec::new();
    let clean = |bytes: Vec<u8>| -> Vec<u8> {
        bytes
            .into_iter()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect()
    };
    for (name, value) in headers {
        block.extend(clean(name.as_bytes().to_vec()));
        block.extend_from_slice(b": ");
        block.extend(clean(header_bytes::readable(&bytes_of(value))));
        block.extend_from_slice(b"\r\n");
    }
    block.extend_from_slice(b"\r\n");
    block
}

/// Decodes the envelope headers of a message.
pub fn envelope<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Envelope {
    let block = header_block(headers);
    MessageParser::default()
        .parse_headers(&block)
        .map(|message| envelope_of(&message))
        .unwrap_or_default()
}

/// A whole message, decoded: envelope, bodies, and every file with its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Whole {
    /// The envelope.
    pub envelope: Envelope,
    /// The first text/plain body, as UTF-8.
    pub text: Option<String>,
    /// The first text/html body, as UTF-8.
    pub html: Option<String>,
    /// The attachments and inline images.
    pub files: Vec<Attachment>,
}

/// Parses a whole RFC 5322 message (`None` when it has no headers at all).
pub fn whole(raw: &[u8]) -> Option<Whole> {
    let message = MessageParser::default().parse(raw)?;
    let files = message
        .attachments()
        .map(|part| Attachment {
            filename: part
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| "attachment".to_owned()),
            mime_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_ascii_lowercase(),
            content: part.contents().to_vec(),
            content_id: part
                .content_id()
                .map(|id| id.trim_matches(['<', '>']).to_owned()),
        })
        .collect();
    Some(Whole {
        envelope: envelope_of(&message),
        text: message.body_text(0).map(|t| t.into_owned()),
        html: message.body_html(0).map(|t| t.into_owned()),
        files,
    })
}

/// The envelope of a parsed message.
fn envelope_of(message: &mail_parser::Message<'_>) -> Envelope {
    Envelope {
        message_id: message.message_id().map(str::to_owned),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        from: message.from().and_then(|a| addresses(a).into_iter().next()),
        sender: message
            .sender()
            .and_then(|a| addresses(a).into_iter().next()),
        to: message.to().map(addresses).unwrap_or_default(),
        cc: message.cc().map(addresses).unwrap_or_default(),
        bcc: message.bcc().map(addresses).unwrap_or_default(),
        reply_to: message.reply_to().map(addresses).unwrap_or_default(),
        subject: message.subject().map(str::to_owned),
        date: message.date().map(mail_parser::DateTime::to_timestamp),
    }
}

/// Decodes the MIME headers of one body part.
pub fn part_info<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> PartInfo {
    let block = header_block(headers);
    let Some(message) = MessageParser::default().parse_headers(&block) else {
        return PartInfo::default();
    };
    let (mime_type, charset) = match message.content_type() {
        Some(ct) => (
            match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            }
            .to_ascii_lowercase(),
            ct.attribute("charset").map(str::to_owned),
        ),
        None => ("text/plain".to_owned(), None),
    };
    let parameter = |name: &str| {
        message
            .content_type()
            .and_then(|ct| ct.attribute(name))
            .map(str::to_ascii_lowercase)
    };
    let disposition = message.content_disposition();
    PartInfo {
        flowed: parameter("format").as_deref() == Some("flowed"),
        delsp: parameter("delsp").as_deref() == Some("yes"),
        mime_type,
        charset,
        attachment: disposition.is_some_and(|d| d.is_attachment()),
        inline: disposition.is_some_and(|d| d.is_inline()),
        content_id: message
            .content_id()
            .map(|id| id.trim_matches(['<', '>']).to_owned()),
        filename: message.attachment_name().map(str::to_owned),
    }
}

/// Text in `charset` (UTF-8 when absent or unknown), as UTF-8.
pub fn decode_text(bytes: &[u8], charset: Option<&str>) -> String {
    match charset.and_then(|c| charset_decoder(c.trim().as_bytes())) {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The file name of a forwarded message whose subject is `subject`: the subject with the
/// characters file systems refuse (`/ \ : * ? " < > |` and controls) as `_`, then `.eml`;
/// `message.eml` when the subject is blank.
pub fn eml_name(subject: &str) -> String {
    let safe: String = subject
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    match safe.is_empty() {
        true => "message.eml".to_owned(),
        false => format!("{safe}.eml"),
    }
}

/// Seconds since the Unix epoch as RFC 3339 (UTC).
pub fn rfc3339(seconds: i64) -> String {
    mail_parser::DateTime::from_timestamp(seconds).to_rfc3339()
}

/// An RFC 3339 date-time (as Graph writes them) in seconds since the Unix epoch.
pub fn timestamp(rfc3339: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc3339(rfc3339).map(|d| d.to_timestamp())
}

/// The message ids of an In-Reply-To or References header.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Every mailbox of an address header, groups flattened.
fn addresses(address: &Address<'_>) -> Vec<MailboxAddress> {
    address
        .iter()
        .filter_map(|a| {
            Some(MailboxAddress {
                name: a
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                address: a.address.as_deref()?.trim().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_decodes_encoded_words_in_any_charset() {
        let e = envelope([
            (
                "From",
                "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
            ),
            (
                "To",
                "\"Keld J\u{f8}rn Simonsen\" <keld@dkuug.dk>, =?utf-8?B?5bGx55Sw?= <yamada@example.jp>",
            ),
            ("Cc", "Undisclosed: a@x.example, b@y.example;"),
            (
                "Subject",
                "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= =?utf-8?q?caf=C3=A9?=",
            ),
            ("Date", "Thu, 13 Feb 1969 23:32:54 -0330"),
            ("Message-ID", "<abc@example.com>"),
            ("In-Reply-To", "<parent@example.com>"),
            ("References", "<root@example.com> <parent@example.com>"),
        ]);
        assert_eq!(e.from.unwrap().name.as_deref(), Some("Andr\u{e9} Pirard"));
        assert_eq!(e.to.len(), 2);
        assert_eq!(e.to[1].name.as_deref(), Some("\u{5c71}\u{7530}"));
        assert_eq!(
            e.cc.iter().map(|a| a.address.as_str()).collect::<Vec<_>>(),
            ["a@x.example", "b@y.example"]
        );
        assert_eq!(
            e.subject.as_deref(),
            Some("\u{30c6}\u{30b9}\u{30c8}caf\u{e9}")
        );
        // 1969-02-13T23:32:54-03:30 is 1969-02-14T03:02:54Z: 321 days before the epoch, plus
        // 3 h 2 min 54 s.
        assert_eq!(e.date, Some(-321 * 86_400 + 3 * 3_600 + 2 * 60 + 54));
        assert_eq!(e.message_id.as_deref(), Some("abc@example.com"));
        assert_eq!(e.in_reply_to.as_deref(), Some("parent@example.com"));
        assert_eq!(e.references, ["root@example.com", "parent@example.com"]);
    }

    #[test]
    fn a_value_cannot_smuggle_a_header() {
        let e = envelope([("Subject", "hello\r\nBcc: victim@example.com")]);
        assert!(e.bcc.is_empty());
        assert_eq!(e.subject.as_deref(), Some("hello  Bcc: victim@example.com"));
    }

    #[test]
    fn part_info_reads_rfc2231_names_and_content_ids() {
        let p = part_info([
            ("Content-Type", "application/pdf; name=\"x.pdf\""),
            (
                "Content-Disposition",
                "attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf",
            ),
            ("Content-ID", "<img1@example>"),
        ]);
        assert_eq!(p.mime_type, "application/pdf");
        assert!(p.attachment && !p.inline);
        assert_eq!(p.filename.as_deref(), Some("\u{65e5}\u{672c}.pdf"));
        assert_eq!(p.content_id.as_deref(), Some("img1@example"));
        let t = part_info([("Content-Type", "TEXT/PLAIN; CHARSET=\"iso-8859-1\"")]);
        assert_eq!(
            (t.mime_type.as_str(), t.charset.as_deref()),
            ("text/plain", Some("iso-8859-1"))
        );
    }

    #[test]
    fn text_in_legacy_charsets() {
        assert_eq!(decode_text(b"caf\xe9", Some("iso-8859-1")), "caf\u{e9}");
        assert_eq!(
            decode_text(b"\x93quoted\x94", Some("windows-1252")),
            "\u{201c}quoted\u{201d}"
        );
        assert_eq!(
            decode_text(b"\x1b$B%F%9%H\x1b(B", Some("ISO-2022-JP")),
            "\u{30c6}\u{30b9}\u{30c8}"
        );
        assert_eq!(
            decode_text(b"\x83e\x83X\x83g", Some("shift_jis")),
            "\u{30c6}\u{30b9}\u{30c8}"
        );
        assert_eq!(decode_text("\u{e9}".as_bytes(), None), "\u{e9}");
        assert_eq!(rfc3339(1_698_649_746), "2023-10-30T07:09:06Z");
        assert_eq!(timestamp("2023-10-30T07:09:06Z"), Some(1_698_649_746));
        assert_eq!(timestamp("2023-10-30T09:09:06+02:00"), Some(1_698_649_746));
        assert_eq!(timestamp("2023-10-30T07:09:06.5Z"), Some(1_698_649_746));
        assert_eq!(timestamp("yesterday"), None);
    }
}
