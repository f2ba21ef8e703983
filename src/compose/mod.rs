//! What goes out: the checks an outgoing message passes before any request ([`check`]), the
//! rules of replies and forwards ([`reply`]), and the RFC 5322 message written from a
//! [`Composed`] one ([`rfc5322`]). Plain Rust shared by both providers; the provider modules
//! only decide how the result travels.

pub mod check;
pub mod reply;
pub mod rfc5322;

use crate::types::{Attachment, MailboxAddress, Message, Outgoing, ReplyMode};

/// The most bytes of a message and of one attachment a provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// The provider's name, for errors.
    pub provider: &'static str,
    /// The largest whole message, as encoded for sending (attachments in base64).
    pub message_bytes: u64,
    /// The largest single attachment, before encoding.
    pub attachment_bytes: u64,
}

/// A message ready to be written out: every header decided, bodies with their quotes.
#[derive(Debug, Clone)]
pub struct Composed<'a> {
    /// From.
    pub from: MailboxAddress,
    /// To.
    pub to: Vec<MailboxAddress>,
    /// Cc.
    pub cc: Vec<MailboxAddress>,
    /// Bcc (Gmail reads the recipients from the message and keeps Bcc in the sent copy only).
    pub bcc: Vec<MailboxAddress>,
    /// Reply-To.
    pub reply_to: Vec<MailboxAddress>,
    /// The subject.
    pub subject: String,
    /// The text/plain body.
    pub text: Option<String>,
    /// The text/html body.
    pub html: Option<String>,
    /// Files and inline images: those of the outgoing message, then carried-over ones.
    pub attachments: Vec<&'a Attachment>,
    /// The Message-ID, without angle brackets.
    pub message_id: String,
    /// When it is written, in seconds since the Unix epoch.
    pub date: u64,
    /// In-Reply-To, without angle brackets.
    pub in_reply_to: Option<String>,
    /// References, each without angle brackets.
    pub references: Vec<String>,
}

/// The synced message an outgoing one answers or forwards, as read from the provider.
#[derive(Debug, Clone, Copy)]
pub struct Answering<'a> {
    /// The original.
    pub original: &'a Message,
    /// Reply, reply all or forward.
    pub mode: ReplyMode,
}

/// `message` from `from`, composed: for a reply or forward, recipients, subject, threading
/// headers and quoted bodies follow the rules in [`reply`], and a forward carries `carried`
/// (the original's files). `own` are the account's addresses (its own and its aliases).
pub fn compose<'a>(
    message: &'a Outgoing,
    from: MailboxAddress,
    own: &[String],
    answering: Option<Answering<'_>>,
    carried: &'a [Attachment],
    message_id: String,
    now: u64,
) -> Composed<'a> {
    let given = !(message.to.is_empty() && message.cc.is_empty() && message.bcc.is_empty());
    let (to, cc) = match answering {
        Some(Answering { original, mode }) if !given && mode != ReplyMode::Forward => {
            reply::recipients(original, mode, own)
        }
        _ => (message.to.clone(), message.cc.clone()),
    };
    let subject = match answering {
        Some(a) if message.subject.trim().is_empty() => {
            reply::subject(a.original.subject.as_deref(), a.mode)
        }
        _ => message.subject.clone(),
    };
    let (text, html, in_reply_to, references) = match answering {
        None => (
            message.text_body.clone(),
            message.html_body.clone(),
            None,
            Vec::new(),
        ),
        Some(Answering { original, mode }) => {
            let (text, html) = (message.text_body.as_deref(), message.html_body.as_deref());
            let quote_text = text.is_some() || html.is_none();
            let quote_html = html.is_some() || (text.is_none() && original.html_body.is_some());
            let (in_reply_to, references) = reply::thread_headers(original);
            (
                quote_text.then(|| reply::quote_text(text, original, mode)),
                quote_html.then(|| reply::quote_html(html, original, mode)),
                in_reply_to,
                references,
            )
        }
    };
    let mut attachments: Vec<&Attachment> = message.attachments.iter().collect();
    if answering.is_some_and(|a| a.mode == ReplyMode::Forward) {
        attachments.extend(carried);
    }
    Composed {
        from,
        to,
        cc,
        bcc: message.bcc.clone(),
        reply_to: message.reply_to.clone(),
        subject,
        text,
        html,
        attachments,
        message_id,
        date: now,
        in_reply_to,
        references,
    }
}

/// A Message-ID for a message from `from`: `entropy` as hex at the sender's domain.
pub fn message_id(entropy: &[u8], from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .filter(|d| !d.is_empty())
        .unwrap_or("email-manager.invalid");
    let unique: String = entropy.iter().map(|b| format!("{b:02x}")).collect();
    format!("{unique}@{domain}")
}

/// Whether `a` and `b` are the same address (compared without regard to case).
pub fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_hex_at_the_senders_domain() {
        assert_eq!(
            message_id(&[0xab, 0x01], "Ann@Example.com"),
            "ab01@Example.com"
        );
        assert_eq!(message_id(&[1], "nobody"), "01@email-manager.invalid");
        assert!(same_address(" ann@EXAMPLE.com", "Ann@example.com"));
    }
}
