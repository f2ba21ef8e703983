//! Reply and forward drafts: `POST /me/messages/{id}/createReply`, `createReplyAll` and
//! `createForward`. The draft joins the original's conversation, quotes it under Outlook's
//! header block, refers to it (`In-Reply-To`, `References`) and, for a forward, carries its
//! files.

use std::collections::BTreeSet;
use std::time::SystemTime;

use http::StatusCode;

use super::input;
use super::{Call, drafts, messages, render};
use crate::api;
use crate::clock::Utc;
use crate::config::Provider;
use crate::mailbox::Written;
use crate::mailbox::draft::{Body, DraftFile};
use crate::mailbox::mime::{self, Address, Parsed};
use crate::mailbox::text;
use crate::wire::{Refusal, Response, escape_html};

/// Which draft an action makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `createReply`: to the sender.
    Reply,
    /// `createReplyAll`: to the sender and every other recipient.
    ReplyAll,
    /// `createForward`: to whoever it names.
    Forward,
}

impl Kind {
    /// The action's name, as Graph's errors give it.
    fn action(self) -> &'static str {
        match self {
            Kind::Reply => "createReply",
            Kind::ReplyAll => "createReplyAll",
            Kind::Forward => "createForward",
        }
    }

    /// The parameters the action takes.
    fn parameters(self) -> &'static [&'static str] {
        match self {
            Kind::Forward => &["comment", "message", "toRecipients"],
            Kind::Reply | Kind::ReplyAll => &["comment", "message"],
        }
    }

    /// What the draft's subject starts with.
    fn prefix(self) -> &'static str {
        match self {
            Kind::Forward => "FW: ",
            Kind::Reply | Kind::ReplyAll => "RE: ",
        }
    }
}

/// `POST /me/messages/{id}/create…`: `201` with the new draft.
pub(super) fn create(call: &Call, id: &str, kind: Kind) -> Response {
    match draft_for(call, id, kind) {
        Ok(key) => messages::entity(call, key, StatusCode::CREATED),
        Err(refused) => *refused,
    }
}

/// Graph's 400 for parameters that cannot go together.
fn conflicting(message: &str) -> Refusal {
    Box::new(api::graph_error(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidRequest",
        message,
    ))
}

/// Files the `kind` draft answering message `id`; its number.
fn draft_for(call: &Call, id: &str, kind: Kind) -> Result<u64, Refusal> {
    let object = input::object(call.request)?;
    input::check_parameters(&object, kind.parameters(), kind.action())?;
    let comment = input::string(&object, "comment")?;
    let mut message = input::nested(&object, "message")?
        .cloned()
        .unwrap_or_default();
    drafts::check(&message, &[])?;
    // The comment, or the body of `message`, goes above the quoted original.
    let lead = match (comment, input::body(&message, "body")?) {
        (Some(_), Some(_)) => {
            return Err(conflicting(
                "The Comment parameter and the Body property of the Message parameter cannot both be specified.",
            ));
        }
        (Some(comment), None) => Some(comment),
        (
            None,
            Some(Body {
                html: true,
                content,
            }),
        ) => Some(body_inner(&content).to_owned()),
        (
            None,
            Some(Body {
                html: false,
                content,
            }),
        ) => Some(body_inner(&text::text_to_html(&content)).to_owned()),
        (None, None) => None,
    };
    message.retain(|name, _| !name.eq_ignore_ascii_case("body"));
    let forward_to = match kind {
        Kind::Forward => input::recipients(&object, "toRecipients")?,
        Kind::Reply | Kind::ReplyAll => None,
    };
    if forward_to.is_some() && input::member(&message, "toRecipients").is_some() {
        return Err(conflicting(
            "The ToRecipients parameter and the ToRecipients property of the Message parameter cannot both be specified.",
        ));
    }
    let owner = drafts::owner(call);
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = drafts::found(&mailbox, id)?;
    let original = mailbox
        .get(key)
        .cloned()
        .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
    let parsed = original.content.parsed();

    let mut draft = drafts::blank();
    draft.subject = prefixed(kind.prefix(), &parsed.subject);
    draft.body = Body {
        html: true,
        content: quote(lead.as_deref(), parsed, original.id.received_ms),
    };
    (draft.to, draft.cc) = recipients(kind, parsed, &owner.address);
    if let Some(to) = forward_to {
        draft.to = to;
    }
    draft.from = Some(owner);
    if let Some(parent) = mime::message_ids(&parsed.message_id).into_iter().next() {
        draft.references = parsed
            .header("References")
            .map(mime::message_ids)
            .unwrap_or_default()
            .into_iter()
            .chain([parent.clone()])
            .map(|id| format!("<{id}>"))
            .collect();
        draft.in_reply_to = Some(format!("<{parent}>"));
    }
    if kind == Kind::Forward {
        for part in parsed.files() {
            draft.attach(DraftFile::of_part(part));
        }
    }
    drafts::apply(&mut draft, &message)?;
    let raw = render::render(&draft, SystemTime::now());
    let tags = BTreeSet::from([drafts::DRAFTS.to_owned()]);
    let reply = mailbox.add(
        raw,
        Some(original.thread),
        tags,
        Written::Composed(Box::new(draft)),
    );
    Ok(reply.key)
}

/// `subject` with `prefix` (`RE: `, `FW: `) in front, unless it starts with it already (any
/// case).
fn prefixed(prefix: &str, subject: &str) -> String {
    let bare = prefix.trim_end();
    match subject
        .get(..bare.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(bare))
    {
        true => subject.to_owned(),
        false => format!("{prefix}{subject}"),
    }
}

/// The `To` and `Cc` of a `kind` draft answering `parsed`: a reply goes to the `Reply-To` (or
/// else the `From`); a reply to all adds the original's `To` and `Cc`, without the owner and
/// without anyone twice; a forward goes to no one yet.
fn recipients(kind: Kind, parsed: &Parsed, owner: &str) -> (Vec<Address>, Vec<Address>) {
    let sender = match parsed.reply_to.is_empty() {
        true => &parsed.from,
        false => &parsed.reply_to,
    };
    match kind {
        Kind::Forward => (Vec::new(), Vec::new()),
        Kind::Reply => (sender.clone(), Vec::new()),
        Kind::ReplyAll => {
            let mut seen = vec![owner.to_lowercase()];
            let mut once = |list: Vec<&Address>| -> Vec<Address> {
                list.into_iter()
                    .filter(|a| {
                        let address = a.address.to_lowercase();
                        let new = !seen.contains(&address);
                        seen.push(address);
                        new
                    })
                    .cloned()
                    .collect()
            };
            let to = once(sender.iter().chain(&parsed.to).collect());
            let cc = once(parsed.cc.iter().collect());
            (to, cc)
        }
    }
}

/// The HTML body of a reply or forward: `lead` (if any), Outlook's header block naming the
/// original's sender, date, recipients and subject, then the original's body (its HTML, or its
/// text made HTML).
fn quote(lead: Option<&str>, parsed: &Parsed, received_ms: u64) -> String {
    let listed = |list: &[Address]| {
        let names: Vec<String> = list
            .iter()
            .map(|a| match &a.name {
                Some(name) if *name != a.address => format!("{name} <{}>", a.address),
                _ => a.address.clone(),
            })
            .collect();
        escape_html(&names.join("; "))
    };
    let from = parsed
        .from
        .first()
        .map(|a| a.name.clone().unwrap_or_else(|| a.address.clone()))
        .unwrap_or_default();
    let sent = parsed
        .date
        .and_then(|d| u64::try_from(d).ok())
        .unwrap_or(received_ms / 1000);
    let mut header = format!(
        "<b>From:</b> {}<br><b>Sent:</b> {}<br><b>To:</b> {}<br>",
        escape_html(&from),
        Utc::of_unix(sent).quote_header(),
        listed(&parsed.to)
    );
    if !parsed.cc.is_empty() {
        header.push_str(&format!("<b>Cc:</b> {}<br>", listed(&parsed.cc)));
    }
    header.push_str(&format!("<b>Subject:</b> {}", escape_html(&parsed.subject)));
    let original = match &parsed.html {
        Some(html) => body_inner(html).to_owned(),
        None => body_inner(&text::text_to_html(&parsed.plain_text())).to_owned(),
    };
    let lead = lead.map(|l| format!("<div>{l}</div>")).unwrap_or_default();
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{lead}<hr tabindex=\"-1\" style=\"display:inline-block; width:98%\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" color=\"#000000\" style=\"font-size:11pt\">{header}</font> <div>&nbsp;</div></div><div>{original}</div></body></html>"
    )
}

/// What is between `<body …>` and `</body>` of `html` (all of it when it has no body element).
fn body_inner(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let start = lower
        .find("<body")
        .and_then(|open| lower[open..].find('>').map(|end| open + end + 1))
        .unwrap_or(0);
    let end = lower
        .rfind("</body>")
        .filter(|&end| end >= start)
        .unwrap_or(html.len());
    html[start..end].trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_get_one_prefix() {
        assert_eq!(prefixed("RE: ", "Lunch"), "RE: Lunch");
        assert_eq!(prefixed("RE: ", "re: Lunch"), "re: Lunch");
        assert_eq!(prefixed("FW: ", "RE: Lunch"), "FW: RE: Lunch");
        assert_eq!(
            body_inner("<html><BODY class=x>\r\n<p>Hi</p>\r\n</body></html>"),
            "<p>Hi</p>"
        );
        assert_eq!(body_inner("<p>Hi</p>"), "<p>Hi</p>");
    }
}
