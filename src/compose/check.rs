//! The checks an outgoing message passes before any request is made: nothing that becomes a
//! header may carry CR, LF or NUL (header injection), addresses must be addresses, there must be
//! someone to send to and something to send, and the sizes must fit the provider's limits.
//! Every failure is an [`Error::InvalidInput`] naming the field, as in the WIT record
//! (`to[1].address`, `attachments[0].filename`).

use super::SendLimits;
use crate::Error;
use crate::types::{Attachment, MailboxAddress, Outgoing, ReplyMode};

/// Checks `message`, about to be sent, for a provider with `limits`.
pub fn outgoing(message: &Outgoing, limits: &SendLimits) -> Result<(), Error> {
    draft(message, limits)?;
    let mode = message.original.as_ref().map(|original| original.mode);
    let derives_recipients = matches!(mode, Some(ReplyMode::Reply | ReplyMode::ReplyAll));
    if !derives_recipients
        && message.to.is_empty()
        && message.cc.is_empty()
        && message.bcc.is_empty()
    {
        return Err(Error::invalid(
            "to",
            "no recipients: give at least one To, Cc or Bcc address",
        ));
    }
    let has_body = [&message.text_body, &message.html_body]
        .into_iter()
        .any(|body| body.as_deref().is_some_and(|b| !b.trim().is_empty()));
    if !has_body && message.attachments.is_empty() && mode != Some(ReplyMode::Forward) {
        return Err(Error::invalid(
            "text-body",
            "the message is empty: give a text or HTML body, or an attachment",
        ));
    }
    Ok(())
}

/// Checks `message`, about to be saved as a draft: every field as for sending, but a draft may
/// still lack recipients and content.
pub fn draft(message: &Outgoing, limits: &SendLimits) -> Result<(), Error> {
    if let Some(from) = &message.from {
        mailbox("from", from)?;
    }
    for (list, addresses) in [
        ("to", &message.to),
        ("cc", &message.cc),
        ("bcc", &message.bcc),
        ("reply-to", &message.reply_to),
    ] {
        for (i, address) in addresses.iter().enumerate() {
            mailbox(&format!("{list}[{i}]"), address)?;
        }
    }
    header_text("subject", &message.subject)?;
    for (i, attachment) in message.attachments.iter().enumerate() {
        file(&format!("attachments[{i}]"), attachment)?;
    }
    if let Some(original) = &message.original {
        header_text("original.message-id", &original.message_id)?;
        if original.message_id.trim().is_empty() {
            return Err(Error::invalid("original.message-id", "is empty"));
        }
    }
    sizes(message, limits)
}

/// The encoded size of `bytes` in base64 with 76-character lines.
pub fn base64_size(bytes: u64) -> u64 {
    let encoded = bytes.div_ceil(3) * 4;
    encoded + encoded.div_ceil(76) * 2
}

/// Checks a message's encoded size (`raw_bytes`) against the provider's limit.
pub fn message_size(raw_bytes: u64, limits: &SendLimits) -> Result<(), Error> {
    if raw_bytes > limits.message_bytes {
        return Err(Error::invalid(
            "attachments",
            format!(
                "the message is {} encoded; {} accepts at most {}",
                megabytes(raw_bytes),
                limits.provider,
                megabytes(limits.message_bytes)
            ),
        ));
    }
    Ok(())
}

/// Checks the attachments one by one, then the message as a whole, with bodies and attachments
/// counted as they will be encoded.
fn sizes(message: &Outgoing, limits: &SendLimits) -> Result<(), Error> {
    for (i, attachment) in message.attachments.iter().enumerate() {
        let size = attachment.content.len() as u64;
        if size > limits.attachment_bytes {
            return Err(Error::invalid(
                &format!("attachments[{i}].content"),
                format!(
                    "is {}; {} accepts attachments of at most {}",
                    megabytes(size),
                    limits.provider,
                    megabytes(limits.attachment_bytes)
                ),
            ));
        }
    }
    let bodies: u64 = [&message.text_body, &message.html_body]
        .into_iter()
        .flatten()
        .map(|b| base64_size(b.len() as u64))
        .sum();
    let files: u64 = message
        .attachments
        .iter()
        .map(|a| base64_size(a.content.len() as u64))
        .sum();
    message_size(bodies + files, limits)
}

/// `12.3 MB (12,345,678 bytes)`: a size as errors name it.
pub fn megabytes(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{:.1} MB ({grouped} bytes)", bytes as f64 / 1_048_576.0)
}

/// A name and address that go into an address header.
fn mailbox(field: &str, mailbox: &MailboxAddress) -> Result<(), Error> {
    if let Some(name) = &mailbox.name {
        header_text(&format!("{field}.name"), name)?;
    }
    let field = format!("{field}.address");
    header_text(&field, &mailbox.address)?;
    address(&mailbox.address).map_err(|why| Error::invalid(&field, why))
}

/// A file: its name, MIME type and content id go into MIME headers.
fn file(field: &str, attachment: &Attachment) -> Result<(), Error> {
    let name = format!("{field}.filename");
    header_text(&name, &attachment.filename)?;
    if attachment.filename.trim().is_empty() {
        return Err(Error::invalid(&name, "is empty"));
    }
    let kind = format!("{field}.mime-type");
    header_text(&kind, &attachment.mime_type)?;
    if !is_mime_type(&attachment.mime_type) {
        return Err(Error::invalid(
            &kind,
            "is not a MIME type such as image/png or application/pdf",
        ));
    }
    if let Some(id) = &attachment.content_id {
        let cid = format!("{field}.content-id");
        header_text(&cid, id)?;
        let allowed = |c: char| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\');
        if id.is_empty() || !id.chars().all(allowed) {
            return Err(Error::invalid(
                &cid,
                "must be printable ASCII without spaces, quotes or angle brackets (as in cid:logo@example)",
            ));
        }
    }
    Ok(())
}

/// Text that becomes (part of) a header: no CR, LF, NUL or other control character.
fn header_text(field: &str, value: &str) -> Result<(), Error> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid(
            field,
            "contains a line break or NUL, which could inject headers",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "contains a control character"));
    }
    Ok(())
}

/// `type/subtype`, each an RFC 2045 token.
fn is_mime_type(value: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c))
    };
    value
        .split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

/// An addr-spec: `local@domain`, the local part a dot-atom (UTF-8 letters allowed, RFC 6532),
/// the domain a host name with at least two labels.
fn address(value: &str) -> Result<(), &'static str> {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err("is not an email address (no @)");
    };
    if value.len() > 254 || local.len() > 64 {
        return Err("is too long for an email address");
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = |s: &str, allowed: &dyn Fn(char) -> bool| {
        !s.is_empty()
            && s.split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(allowed))
    };
    if !dot_atom(local, &atext) {
        return Err("has a local part (before @) that is not valid");
    }
    let label = |c: char| c.is_alphanumeric() || c == '-';
    if !dot_atom(domain, &label)
        || !domain.contains('.')
        || domain
            .split('.')
            .any(|l| l.starts_with('-') || l.ends_with('-'))
    {
        return Err("has a domain (after @) that is not a host name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Reference;

    const LIMITS: SendLimits = SendLimits {
        provider: "Gmail",
        message_bytes: 1000,
        attachment_bytes: 500,
    };

    fn to(address: &str) -> MailboxAddress {
        MailboxAddress {
            name: None,
            address: address.into(),
        }
    }

    fn plain() -> Outgoing {
        Outgoing {
            from: None,
            to: vec![to("bob@example.com")],
            cc: vec![],
            bcc: vec![],
            reply_to: vec![],
            subject: "Hello".into(),
            text_body: Some("Hi Bob".into()),
            html_body: None,
            attachments: vec![],
            original: None,
        }
    }

    fn field(result: Result<(), Error>) -> String {
        match result {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    fn file(name: &str) -> Attachment {
        Attachment {
            filename: name.into(),
            mime_type: "application/pdf".into(),
            content: vec![1, 2, 3],
            content_id: None,
        }
    }

    #[test]
    fn a_plain_message_passes() {
        outgoing(&plain(), &LIMITS).unwrap();
    }

    #[test]
    fn every_header_bound_field_refuses_line_breaks_and_nul() {
        for evil in ["x\r\nBcc: eve@evil.example", "x\nX: y", "x\ry", "x\0y"] {
            type Breaker<'a> = Box<dyn Fn(&mut Outgoing) + 'a>;
            let cases: Vec<(&str, Breaker)> = vec![
                ("subject", Box::new(|m| m.subject = evil.into())),
                (
                    "from.name",
                    Box::new(|m| {
                        m.from = Some(MailboxAddress {
                            name: Some(evil.into()),
                            address: "ann@example.com".into(),
                        })
                    }),
                ),
                (
                    "to[0].address",
                    Box::new(|m| m.to[0].address = format!("bob@example.com{evil}")),
                ),
                ("to[0].name", Box::new(|m| m.to[0].name = Some(evil.into()))),
                (
                    "cc[0].name",
                    Box::new(|m| {
                        m.cc = vec![MailboxAddress {
                            name: Some(evil.into()),
                            address: "c@example.com".into(),
                        }]
                    }),
                ),
                (
                    "bcc[0].address",
                    Box::new(|m| m.bcc = vec![to(&format!("{evil}@example.com"))]),
                ),
                (
                    "reply-to[0].name",
                    Box::new(|m| {
                        m.reply_to = vec![MailboxAddress {
                            name: Some(evil.into()),
                            address: "r@example.com".into(),
                        }]
                    }),
                ),
                (
                    "attachments[0].filename",
                    Box::new(|m| m.attachments = vec![file(evil)]),
                ),
                (
                    "attachments[0].mime-type",
                    Box::new(|m| {
                        m.attachments = vec![Attachment {
                            mime_type: format!("text/plain{evil}"),
                            ..file("a.txt")
                        }]
                    }),
                ),
                (
                    "attachments[0].content-id",
                    Box::new(|m| {
                        m.attachments = vec![Attachment {
                            content_id: Some(format!("logo{evil}")),
                            ..file("a.png")
                        }]
                    }),
                ),
                (
                    "original.message-id",
                    Box::new(|m| {
                        m.original = Some(Reference {
                            message_id: evil.into(),
                            mode: ReplyMode::Reply,
                        })
                    }),
                ),
            ];
            for (name, break_it) in cases {
                let mut message = plain();
                break_it(&mut message);
                assert_eq!(field(outgoing(&message, &LIMITS)), name, "{evil:?}");
            }
        }
    }

    #[test]
    fn addresses_are_checked() {
        for bad in [
            "bob",
            "bob@",
            "@example.com",
            "bob@localhost",
            "bob smith@example.com",
            "a..b@example.com",
            "bob@-x.com",
            "<bob@example.com>",
        ] {
            let mut message = plain();
            message.to[0].address = bad.into();
            assert_eq!(field(outgoing(&message, &LIMITS)), "to[0].address", "{bad}");
        }
        for good in [
            "bob.smith+tag@mail.example.co.uk",
            "jörg@bücher.example",
            "o'neil@example.com",
        ] {
            let mut message = plain();
            message.to[0].address = good.into();
            outgoing(&message, &LIMITS).unwrap();
        }
    }

    #[test]
    fn recipients_and_content_are_required() {
        let mut message = plain();
        message.to.clear();
        assert_eq!(field(outgoing(&message, &LIMITS)), "to");
        message.original = Some(Reference {
            message_id: "m1".into(),
            mode: ReplyMode::Reply,
        });
        outgoing(&message, &LIMITS).unwrap();
        message.original = None;
        draft(&message, &LIMITS).unwrap();

        let mut empty = plain();
        empty.text_body = Some("  \n".into());
        assert_eq!(field(outgoing(&empty, &LIMITS)), "text-body");
        empty.original = Some(Reference {
            message_id: "m1".into(),
            mode: ReplyMode::Forward,
        });
        outgoing(&empty, &LIMITS).unwrap();
        empty.original = None;
        empty.attachments = vec![file("a.pdf")];
        outgoing(&empty, &LIMITS).unwrap();
    }

    #[test]
    fn sizes_name_the_limit() {
        let mut message = plain();
        message.attachments = vec![
            file("a.pdf"),
            Attachment {
                content: vec![0; 501],
                ..file("big.pdf")
            },
        ];
        let err = outgoing(&message, &LIMITS).unwrap_err();
        assert_eq!(field(Err(err.clone())), "attachments[1].content");
        assert!(
            err.to_string().contains("at most 0.0 MB (500 bytes)"),
            "{err}"
        );

        message.attachments = vec![
            Attachment {
                content: vec![0; 400],
                ..file("a.pdf")
            };
            2
        ];
        let err = outgoing(&message, &LIMITS).unwrap_err();
        assert!(err.to_string().contains("Gmail accepts at most"), "{err}");
        assert_eq!(base64_size(57), 78);
    }
}
