//! Drafts: `POST /me/messages` (and `POST /me/mailFolders/{id}/messages`), as JSON or MIME,
//! `PATCH /me/messages/{id}` and `POST /me/messages/{id}/send`, and
//! how every change to a draft is saved: applied to what the owner wrote, rendered again, and
//! logged, so that `GET`, attachments and delta all see the new version.

use std::collections::BTreeSet;
use std::time::SystemTime;

use http::StatusCode;
use serde_json::Value;

use super::input::{self, FlagStatus, Object};
use super::messages::{self, PROPERTIES, TYPE_NAME};
use super::{Call, IdType, attachments, folders, ids, mime_body, render};
use crate::api;
use crate::config::Provider;
use crate::mailbox::draft::{Body, Draft};
use crate::mailbox::mime::Address;
use crate::mailbox::{Mailbox, Relabel, Written};
use crate::sent::{SendRoute, SentMessage};
use crate::wire::{self, Refusal, Response};

/// The folder drafts are created in.
pub(super) const DRAFTS: &str = "drafts";
/// The folder a sent draft moves to.
const SENT_ITEMS: &str = "sentitems";
/// The properties only a draft's can change.
const DRAFT_ONLY: [&str; 9] = [
    "subject",
    "body",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "internetMessageHeaders",
    "from",
    "sender",
];

/// `POST /me/messages` (`folder` `None`: Drafts) or `POST /me/mailFolders/{folder}/messages`:
/// a new draft in that folder, in a conversation of its own, described as JSON with the
/// `attachments` it may carry, or given whole as MIME ([`mime_body`]). "By default, this
/// operation saves the draft in the Drafts folder"; either way the message is a draft
/// (https://learn.microsoft.com/en-us/graph/api/user-post-messages, whose MIME example answers
/// `isDraft` true). Graph's 404 for a folder the mailbox does not have.
pub(super) fn create(call: &Call, folder: Option<&str>) -> Response {
    match new_draft(call, folder) {
        Ok(key) => messages::entity(call, key, StatusCode::CREATED),
        Err(refused) => *refused,
    }
}

/// Files the draft a create request describes in `folder` (Drafts when `None`); its number.
fn new_draft(call: &Call, folder: Option<&str>) -> Result<u64, Refusal> {
    let tag = match folder {
        None => DRAFTS.to_owned(),
        Some(folder) => folders::resolve(&call.shared.mail.of(Provider::Microsoft), folder)
            .ok_or_else(|| Box::new(api::graph_item_not_found()))?,
    };
    let tags = BTreeSet::from([tag]);
    if mime_body::is_mime(call.request) {
        let raw = mime_body::read(call.request)?;
        let mut mailbox = call.shared.mail.of(Provider::Microsoft);
        return Ok(mailbox.add(raw, None, tags, Written::Mime(None)).key);
    }
    let object = input::object(call.request)?;
    check(&object, &["attachments"])?;
    let mut draft = blank();
    apply(&mut draft, &object)?;
    for item in input::array(&object, "attachments")? {
        let Value::Object(file) = item else {
            return Err(input::unreadable(
                "A node of type 'PrimitiveValue' was read where an attachment was expected.",
            ));
        };
        draft.attach(attachments::read_file(file)?);
    }
    let raw = render::render(&draft, SystemTime::now());
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let message = mailbox.add(raw, None, tags, Written::Composed(Box::new(draft)));
    Ok(message.key)
}

/// `PATCH /me/messages/{id}`: the draft's subject, body, recipients and custom headers, and
/// `isRead` and `flag` of any message (the other writable properties are taken and not kept).
/// Changing a draft's properties on a message that is not a draft is Graph's 400. `isRead` and
/// `flag` change together, as one change, so delta reports the message once.
pub(super) fn update(call: &Call, id: &str) -> Response {
    match change(call, id) {
        Ok(key) => messages::entity(call, key, StatusCode::OK),
        Err(refused) => *refused,
    }
}

/// Applies a `PATCH` to message `id`; its number.
fn change(call: &Call, id: &str) -> Result<u64, Refusal> {
    let object = input::object(call.request)?;
    check(&object, &[])?;
    let read = input::boolean(&object, "isRead")?;
    let flag = input::flag(&object, "flag")?;
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = found(&mailbox, id)?;
    if DRAFT_ONLY
        .iter()
        .any(|n| input::member(&object, n).is_some())
    {
        edit(&mut mailbox, key, |draft| apply(draft, &object))?;
    }
    let (starred, completed) = match flag {
        None => (None, None),
        Some(FlagStatus::NotFlagged) => (Some(false), Some(false)),
        Some(FlagStatus::Flagged) => (Some(true), Some(false)),
        Some(FlagStatus::Complete) => (Some(false), Some(true)),
    };
    let change = Relabel {
        unread: read.map(|read| !read),
        starred,
        completed,
        ..Relabel::default()
    };
    mailbox.relabel(key, &change);
    Ok(key)
}

/// `POST /me/messages/{id}/send`: `202 Accepted`; the draft is rendered as sent (from the
/// owner, dated now) and moves to Sent Items, keeping its immutable id (its default id changes
/// with the move) and conversation. What was sent is recorded under the immutable id, as the
/// test controls give ids.
pub(super) fn send(call: &Call, id: &str) -> Response {
    match send_draft(call, id) {
        Ok(sent) => {
            call.shared.sent.record(Provider::Microsoft, sent);
            wire::empty(StatusCode::ACCEPTED)
        }
        Err(refused) => *refused,
    }
}

/// Sends draft `id`; what was sent.
fn send_draft(call: &Call, id: &str) -> Result<SentMessage, Refusal> {
    let (id, conversation, raw, chunks) = {
        let mut mailbox = call.shared.mail.of(Provider::Microsoft);
        let key = found(&mailbox, id)?;
        let mut draft = draft_of(&mailbox, key)?;
        if !draft.has_recipients() {
            return Err(Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRecipients",
                "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
            )));
        }
        draft.from = Some(owner(call));
        let raw = render::render(&draft, SystemTime::now());
        let chunks: Vec<Vec<u64>> = draft
            .files_in_order()
            .iter()
            .map(|f| f.chunks.clone())
            .collect();
        let thread = mailbox.get(key).map_or(key, |m| m.thread.key);
        mailbox.send_draft(key, raw.clone(), draft, SENT_ITEMS);
        let conversation = ids::encode(ids::Kind::Conversation, mailbox.salt(), &[thread]);
        let id = ids::message(mailbox.salt(), key, 0, IdType::Immutable);
        (id, conversation, raw, chunks)
    };
    Ok(SentMessage::read(
        id,
        conversation,
        SendRoute::GraphDraft,
        raw,
        &chunks,
    ))
}

/// A draft with nothing in it yet but a new `Message-ID`.
pub(super) fn blank() -> Draft {
    Draft {
        subject: String::new(),
        body: Body {
            html: false,
            content: String::new(),
        },
        from: None,
        to: Vec::new(),
        cc: Vec::new(),
        bcc: Vec::new(),
        reply_to: Vec::new(),
        headers: Vec::new(),
        message_id: render::new_message_id(),
        in_reply_to: None,
        references: Vec::new(),
        files: Vec::new(),
    }
}

/// The mailbox owner as a sender.
pub(super) fn owner(call: &Call) -> Address {
    let user = &call.shared.config.microsoft_user;
    Address {
        name: (!user.display_name.is_empty()).then(|| user.display_name.clone()),
        address: user.email.clone(),
    }
}

/// Checks that `object` names only `message` properties (and `extra`).
pub(super) fn check(object: &Object, extra: &[&str]) -> Result<(), Refusal> {
    let mut known: Vec<&str> = PROPERTIES.iter().map(|p| p.name).collect();
    known.extend_from_slice(extra);
    input::check_properties(object, &known, TYPE_NAME)
}

/// Sets what `object` (a `message`) says of `draft`'s subject, body, recipients, reply-to and
/// custom headers.
pub(super) fn apply(draft: &mut Draft, object: &Object) -> Result<(), Refusal> {
    if let Some(subject) = input::string(object, "subject")? {
        draft.subject = subject;
    }
    if let Some(body) = input::body(object, "body")? {
        draft.body = body;
    }
    for (name, list) in [
        ("toRecipients", &mut draft.to),
        ("ccRecipients", &mut draft.cc),
        ("bccRecipients", &mut draft.bcc),
        ("replyTo", &mut draft.reply_to),
    ] {
        if let Some(recipients) = input::recipients(object, name)? {
            *list = recipients;
        }
    }
    if let Some(headers) = input::headers(object)? {
        draft.headers = headers;
    }
    Ok(())
}

/// The number of the message Graph id `id` (either form) names, or Graph's 404.
pub(super) fn found(mailbox: &Mailbox, id: &str) -> Result<u64, Refusal> {
    ids::message_key(mailbox, id).ok_or_else(|| Box::new(api::graph_item_not_found()))
}

/// Changes draft `key` with `change` and saves it, rendered again; Graph's 400 when the message
/// is not a draft.
pub(super) fn edit<T>(
    mailbox: &mut Mailbox,
    key: u64,
    change: impl FnOnce(&mut Draft) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    let mut draft = draft_of(mailbox, key)?;
    let out = change(&mut draft)?;
    let raw = render::render(&draft, SystemTime::now());
    mailbox.write(key, raw, draft);
    Ok(out)
}

/// What the owner wrote of draft `key` (read back from its MIME when it was written
/// elsewhere); Graph's 400 `ErrorInvalidPropertySet` when it is not a draft.
fn draft_of(mailbox: &Mailbox, key: u64) -> Result<Draft, Refusal> {
    let message = mailbox
        .get(key)
        .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
    if message.draft.is_none() {
        return Err(Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidPropertySet",
            "Message is not draft.",
        )));
    }
    Ok(mailbox
        .draft(key)
        .cloned()
        .unwrap_or_else(|| Draft::from_parsed(message.content.parsed())))
}
