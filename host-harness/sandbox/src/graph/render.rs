//! Drafts rendered as MIME the way Exchange writes a message: RFC 2047 encoded names and
//! subjects, the body as text, or as HTML with a plain-text alternative, images the HTML shows
//! in a `multipart/related` with it, other files in a `multipart/mixed` with RFC 2231 names.

use std::time::SystemTime;

use crate::clock::Utc;
use crate::mailbox::compose::{self, Node, Transfer, Word};
use crate::mailbox::draft::{Draft, DraftFile};
use crate::mailbox::mime::Address;
use crate::mailbox::text;
use crate::mint;

/// The mail server named in the message IDs the sandbox's Exchange gives out.
const SERVER: &str = "SA1PR00MB0001";

/// A new `Message-ID`, shaped like Exchange Online's
/// (`<SA1PR00MB0001…@SA1PR00MB0001.namprd00.prod.outlook.com>`).
pub(super) fn new_message_id() -> String {
    let unique = mint::random_guid().replace('-', "").to_ascii_uppercase();
    format!("<{SERVER}{unique}@{SERVER}.namprd00.prod.outlook.com>")
}

/// `draft` as a message dated `date`.
pub(super) fn render(draft: &Draft, date: SystemTime) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
    if let Some(from) = &draft.from {
        add("From", mailbox(from));
    }
    for (name, list) in [
        ("To", &draft.to),
        ("Cc", &draft.cc),
        ("Bcc", &draft.bcc),
        ("Reply-To", &draft.reply_to),
    ] {
        if !list.is_empty() {
            add(
                name,
                list.iter().map(mailbox).collect::<Vec<_>>().join(", "),
            );
        }
    }
    add("Subject", encoded(&draft.subject));
    add("Date", Utc::of(date).rfc5322());
    add("Message-ID", draft.message_id.clone());
    if !draft.references.is_empty() {
        add("References", draft.references.join(" "));
    }
    if let Some(parent) = &draft.in_reply_to {
        add("In-Reply-To", parent.clone());
    }
    add("Content-Language", "en-US".to_owned());
    let (embedded, attached): (Vec<&DraftFile>, Vec<&DraftFile>) = draft
        .files_in_order()
        .into_iter()
        .partition(|f| draft.embeds(f));
    if !attached.is_empty() {
        add("X-MS-Has-Attach", "yes".to_owned());
    }
    for (name, value) in &draft.headers {
        add(name, value.clone());
    }
    add("MIME-Version", "1.0".to_owned());

    let token: String = draft
        .message_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    let boundary = |kind: &str| format!("_{kind}_{token}_");
    let mut root = match draft.body.html {
        true => Node::multipart(
            "alternative",
            boundary("000"),
            vec![
                text_part("plain", &text::html_to_text(&draft.body.content)),
                text_part("html", &draft.body.content),
            ],
        ),
        false => text_part("plain", &draft.body.content),
    };
    if !embedded.is_empty() {
        let mut parts = vec![root];
        parts.extend(embedded.iter().map(|f| file_part(f, "inline")));
        root = Node::multipart("related", boundary("004"), parts)
            .with_param("type=\"multipart/alternative\"");
    }
    if !attached.is_empty() {
        let mut parts = vec![root];
        parts.extend(
            attached
                .iter()
                .map(|f| file_part(f, if f.inline { "inline" } else { "attachment" })),
        );
        root = Node::multipart("mixed", boundary("005"), parts);
    }
    root.into_message(headers)
}

/// `Name <address>`, the name in RFC 2047 words when it is not ASCII.
fn mailbox(address: &Address) -> String {
    let name = address.name.as_deref().unwrap_or_default();
    compose::mailbox(name, &address.address, Some(("utf-8", Word::B)))
}

/// `text` as it goes in a header: as it is when ASCII, else as UTF-8 encoded words.
fn encoded(text: &str) -> String {
    match text.is_ascii() {
        true => text.to_owned(),
        false => compose::encoded_words(text, "utf-8", Word::B),
    }
}

/// A `text/{subtype}` part holding `content`, quoted-printable, in US-ASCII when it can be.
fn text_part(subtype: &str, content: &str) -> Node {
    let charset = if content.is_ascii() {
        "us-ascii"
    } else {
        "utf-8"
    };
    Node::leaf(
        &format!("text/{subtype}; charset=\"{charset}\""),
        Transfer::QuotedPrintable,
        content.as_bytes(),
    )
}

/// The part of `file`, in base64, shown `disposition` (`inline` or `attachment`).
fn file_part(file: &DraftFile, disposition: &str) -> Node {
    let parameter = |name: &str| match file.name.is_ascii() {
        true => format!("{name}=\"{}\"", file.name.replace('"', "'")),
        false => compose::rfc2231_param(name, &file.name, "utf-8"),
    };
    let (content_type, disposition) = match file.name.is_empty() {
        true => (file.content_type.clone(), disposition.to_owned()),
        false => (
            format!("{}; {}", file.content_type, parameter("name")),
            format!("{disposition}; {}", parameter("filename")),
        ),
    };
    let mut node = Node::leaf(&content_type, Transfer::Base64, &file.content);
    if !file.name.is_empty() {
        node = node.with("Content-Description", encoded(&file.name));
    }
    node = node.with(
        "Content-Disposition",
        format!("{disposition}; size={}", file.content.len()),
    );
    match &file.content_id {
        Some(id) => node.with("Content-ID", format!("<{id}>")),
        None => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    use crate::mailbox::draft::Body;
    use crate::mailbox::mime::Parsed;

    #[test]
    fn drafts_render_as_exchange_writes_them() {
        let person = |name: Option<&str>, address: &str| Address {
            name: name.map(str::to_owned),
            address: address.to_owned(),
        };
        let mut draft = Draft {
            subject: "Grüße aus München".to_owned(),
            body: Body {
                html: true,
                content: "<p>Chart: <img src=\"cid:chart\"></p>".to_owned(),
            },
            from: Some(person(Some("Adele Vance"), "adele@contoso.example")),
            to: vec![person(Some("Zoë Ünal"), "zoe@example.org")],
            cc: Vec::new(),
            bcc: vec![person(None, "audit@example.org")],
            reply_to: Vec::new(),
            headers: vec![("X-Ticket".to_owned(), "42".to_owned())],
            message_id: new_message_id(),
            in_reply_to: None,
            references: Vec::new(),
            files: Vec::new(),
        };
        for (name, content_id, inline) in [
            ("chart.png", Some("chart"), true),
            ("Überweisung März.pdf", None, false),
        ] {
            draft.attach(DraftFile {
                serial: 0,
                name: name.to_owned(),
                content_type: if inline {
                    "image/png"
                } else {
                    "application/pdf"
                }
                .to_owned(),
                content: Bytes::from(vec![7u8; 1000]),
                content_id: content_id.map(str::to_owned),
                inline,
                chunks: Vec::new(),
            });
        }
        let raw = render(&draft, SystemTime::UNIX_EPOCH);
        let parsed = Parsed::new(&raw);
        assert_eq!(parsed.subject, "Grüße aus München");
        assert_eq!(parsed.to[0].name.as_deref(), Some("Zoë Ünal"));
        assert_eq!(parsed.bcc[0].address, "audit@example.org");
        let types: Vec<&str> = parsed
            .root
            .walk()
            .iter()
            .map(|p| p.mime_type.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "multipart/mixed",
                "multipart/related",
                "multipart/alternative",
                "text/plain",
                "text/html",
                "image/png",
                "application/pdf"
            ]
        );
        let files = parsed.files();
        assert_eq!(files[1].filename, "Überweisung März.pdf");
        assert_eq!(files[0].content_id.as_deref(), Some("chart"));
        assert_eq!(parsed.header("X-Ticket"), Some("42"));
        assert_eq!(
            parsed.header("Date"),
            Some("Thu, 1 Jan 1970 00:00:00 +0000")
        );
    }
}
