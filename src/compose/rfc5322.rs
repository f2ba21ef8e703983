//! A [`Composed`] message written out as an RFC 5322 message with `mail-builder`: UTF-8 display names and
//! subjects as RFC 2047 encoded words, non-ASCII file names per RFC 2231, text and HTML as
//! `multipart/alternative`, inline images with the HTML in `multipart/related`, files in
//! `multipart/mixed`. Text and HTML go in their canonical form, lines ending in CRLF (RFC 2045
//! section 6.8, RFC 2046 section 4.1.1), whatever the host's and the original's line ends:
//! mail-builder mends bare line feeds in 7-bit text only, not in base64.

use super::Composed;
use crate::types::{Attachment, MailboxAddress};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::mime::MimePart;
use std::borrow::Cow;

/// The message bytes of `composed`.
pub fn write(composed: &Composed<'_>) -> Vec<u8> {
    let mut builder = MessageBuilder::new()
        .message_id(composed.message_id.as_str())
        .date(Date::new(i64::try_from(composed.date).unwrap_or(i64::MAX)))
        .from(address(&composed.from))
        .subject(composed.subject.as_str());
    for (header, list) in [
        ("To", &composed.to),
        ("Cc", &composed.cc),
        ("Bcc", &composed.bcc),
        ("Reply-To", &composed.reply_to),
    ] {
        if !list.is_empty() {
            let list = Address::new_list(list.iter().map(address).collect());
            builder = builder.header(header, list);
        }
    }
    if let Some(id) = &composed.in_reply_to {
        builder = builder.in_reply_to(id.as_str());
    }
    if !composed.references.is_empty() {
        builder = builder.references(
            composed
                .references
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
    }
    builder
        .body(body(composed))
        .write_to_vec()
        .unwrap_or_default()
}

/// The MIME tree: `mixed[alternative[text, related[html, inline…]], files…]`, each level only
/// when it has more than one part.
fn body<'a>(composed: &'a Composed<'_>) -> MimePart<'a> {
    let (inline, files): (Vec<&Attachment>, Vec<&Attachment>) = composed
        .attachments
        .iter()
        .copied()
        .partition(|a| a.content_id.is_some() && composed.html.is_some());
    let html = composed.html.as_deref().map(|html| {
        let html = MimePart::new("text/html", canonical(html));
        if inline.is_empty() {
            return html;
        }
        let mut parts = vec![html];
        parts.extend(inline.iter().map(|a| inline_part(a)));
        MimePart::new("multipart/related", parts)
    });
    let text = composed
        .text
        .as_deref()
        .map(|text| MimePart::new("text/plain", canonical(text)));
    let content = match (text, html) {
        (Some(text), Some(html)) => MimePart::new("multipart/alternative", vec![text, html]),
        (Some(part), None) | (None, Some(part)) => part,
        (None, None) => MimePart::new("text/plain", ""),
    };
    if files.is_empty() {
        return content;
    }
    let mut parts = vec![content];
    parts.extend(files.iter().map(|a| file_part(a)));
    MimePart::new("multipart/mixed", parts)
}

/// `text` with every line ending (CR LF, a lone LF, a lone CR) as CR LF.
fn canonical(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let canonical = bytes.iter().enumerate().all(|(i, &b)| match b {
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && bytes[i - 1] == b'\r',
        _ => true,
    });
    if canonical {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\n', "\r\n"),
    )
}

/// An attachment: `Content-Disposition: attachment` with its file name (and its Content-ID,
/// when it has one but there is no HTML to show it in).
fn file_part<'a>(attachment: &'a Attachment) -> MimePart<'a> {
    let part = MimePart::new(
        ContentType::new(attachment.mime_type.as_str()),
        attachment.content.as_slice(),
    )
    .attachment(attachment.filename.as_str());
    match &attachment.content_id {
        Some(id) => part.cid(id.as_str()),
        None => part,
    }
}

/// An inline image: `Content-Disposition: inline` with its file name, and its Content-ID.
fn inline_part<'a>(attachment: &'a Attachment) -> MimePart<'a> {
    let disposition =
        ContentType::new("inline").attribute("filename", attachment.filename.as_str());
    let part = MimePart::new(
        ContentType::new(attachment.mime_type.as_str()),
        attachment.content.as_slice(),
    )
    .header("Content-Disposition", disposition);
    match &attachment.content_id {
        Some(id) => part.cid(id.as_str()),
        None => part,
    }
}

/// A mailbox as mail-builder writes it.
fn address(mailbox: &MailboxAddress) -> Address<'_> {
    Address::new_address(mailbox.name.as_deref(), mailbox.address.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn who(name: Option<&str>, address: &str) -> MailboxAddress {
        MailboxAddress {
            name: name.map(str::to_owned),
            address: address.to_owned(),
        }
    }

    fn file(name: &str, mime: &str, content: &[u8], cid: Option<&str>) -> Attachment {
        Attachment {
            filename: name.into(),
            mime_type: mime.into(),
            content: content.to_vec(),
            content_id: cid.map(str::to_owned),
        }
    }

    fn composed<'a>(attachments: Vec<&'a Attachment>) -> Composed<'a> {
        Composed {
            from: who(Some("Zoë Ågren"), "zoe@example.com"),
            to: vec![
                who(Some("Émile"), "emile@example.com"),
                who(None, "b@example.com"),
            ],
            cc: vec![who(None, "c@example.com")],
            bcc: vec![who(None, "d@example.com")],
            reply_to: vec![],
            subject: "Déjà vu — 会議".into(),
            text: Some("Voilà ✓".into()),
            html: Some("<p>Voilà ✓ <img src=\"cid:logo@x\"></p>".into()),
            attachments,
            message_id: "abc@example.com".into(),
            date: 1_780_000_000,
            in_reply_to: Some("orig@example.com".into()),
            references: vec!["root@example.com".into(), "orig@example.com".into()],
        }
    }

    #[test]
    fn a_full_message_reads_back_with_an_independent_parser() {
        let logo = file(
            "logo.png",
            "image/png",
            &[0x89, b'P', b'N', b'G', 0, 1, 2],
            Some("logo@x"),
        );
        let report = file(
            "Résumé 2026.pdf",
            "application/pdf",
            &[0, 159, 146, 150, 255],
            None,
        );
        let raw = write(&composed(vec![&logo, &report]));
        let text = String::from_utf8_lossy(&raw);
        assert!(text.is_ascii(), "headers and bodies are 7-bit: {text}");
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Déjà vu — 会議"));
        assert_eq!(parsed.message_id(), Some("abc@example.com"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig@example.com"));
        assert_eq!(
            parsed.references().as_text_list().unwrap(),
            ["root@example.com", "orig@example.com"]
        );
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Zoë Ågren"));
        let to: Vec<_> = parsed
            .to()
            .unwrap()
            .iter()
            .map(|a| (a.name().map(str::to_owned), a.address().unwrap().to_owned()))
            .collect();
        assert_eq!(
            to,
            [
                (Some("Émile".to_owned()), "emile@example.com".to_owned()),
                (None, "b@example.com".to_owned())
            ]
        );
        assert_eq!(
            parsed.bcc().unwrap().first().unwrap().address(),
            Some("d@example.com")
        );
        assert_eq!(parsed.date().unwrap().to_timestamp(), 1_780_000_000);
        assert_eq!(parsed.body_text(0).as_deref(), Some("Voilà ✓"));
        assert!(parsed.body_html(0).unwrap().contains("cid:logo@x"));
        assert_eq!(parsed.content_type().unwrap().subtype(), Some("mixed"));

        let attachments: Vec<_> = parsed.attachments().collect();
        assert_eq!(attachments.len(), 2);
        let inline = attachments
            .iter()
            .find(|a| a.content_id() == Some("logo@x"))
            .unwrap();
        assert_eq!(inline.contents(), logo.content);
        assert!(inline.content_disposition().unwrap().is_inline());
        let pdf = attachments
            .iter()
            .find(|a| a.attachment_name() == Some("Résumé 2026.pdf"))
            .unwrap();
        assert_eq!(pdf.contents(), report.content);
        assert!(text.contains("multipart/related"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
    }

    #[test]
    fn text_goes_with_crlf_line_ends_even_in_base64() {
        assert_eq!(canonical("a\r\nb"), "a\r\nb");
        assert_eq!(canonical("a\nb\rc\r\n\nd"), "a\r\nb\r\nc\r\n\r\nd");
        let mut japanese = composed(vec![]);
        japanese.text = Some("議事録の一行目\n二行目です\n\n四行目".into());
        japanese.html = Some("<p>議事録</p>\n<p>二行目</p>".into());
        let raw = write(&japanese);
        assert!(String::from_utf8_lossy(&raw).contains("base64"));
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            parsed.body_text(0).as_deref(),
            Some("議事録の一行目\r\n二行目です\r\n\r\n四行目")
        );
        assert_eq!(
            parsed.body_html(0).as_deref(),
            Some("<p>議事録</p>\r\n<p>二行目</p>")
        );
    }

    #[test]
    fn a_text_only_message_is_a_single_part() {
        let mut plain = composed(vec![]);
        plain.html = None;
        plain.cc.clear();
        plain.bcc.clear();
        plain.in_reply_to = None;
        plain.references.clear();
        let raw = write(&plain);
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.content_type().unwrap().ctype(), "text");
        assert!(parsed.header("Cc").is_none());
        assert!(parsed.header("In-Reply-To").is_none());
    }
}
