//! `users.drafts`: `create`, `list`, `get`, `update`, `delete` and `send`, with the JSON body
//! (`{"message": {"raw", "threadId"}}`), and `create` and `update` also on the media upload URLs
//! (the message as `message/rfc822`, alone or after the `Draft` metadata). A draft is a container with a stable id around a
//! message labelled `DRAFT`; saving it again replaces that message with a new one (a new message
//! id: the old message is logged deleted and the new one added), and sending it deletes it and
//! sends its message as `messages.send` does.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::body::Fields;
use super::messages::{self, FORMATS, Format};
use super::query::Query;
use super::send::{self, MESSAGE_FIELDS, Metadata};
use super::upload::{self, Upload};
use super::{COMPOSE, IdJson, MAIL, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::model::Message;
use crate::mailbox::{Mailbox, Written};
use crate::paging;
use crate::sent::SendRoute;
use crate::state::Shared;
use crate::wire::{self, Refusal, Request, Response};

/// The scopes `drafts.list` and `drafts.get` accept.
pub(super) const READ_SCOPES: [&str; 4] = [MAIL, COMPOSE, MODIFY, READONLY];
/// The scopes `drafts.create`, `update`, `delete` and `send` accept.
pub(super) const WRITE_SCOPES: [&str; 3] = [MAIL, COMPOSE, MODIFY];
/// The fields of a `Draft`.
const DRAFT_FIELDS: [&str; 2] = ["id", "message"];
/// The label of a draft's message, its only one.
const DRAFT: &str = "DRAFT";

/// A `Draft` resource: its id and its message (ids only in lists and answers to changes).
#[derive(Serialize)]
struct DraftJson<M> {
    id: String,
    message: M,
}

/// A `drafts.list` answer (no `drafts` member when there are none).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    drafts: Vec<DraftJson<IdJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<String>,
    result_size_estimate: usize,
}

/// What a draft is saved from: the message and the thread it asks to join.
pub(super) struct Content {
    /// The message.
    raw: Vec<u8>,
    /// The request's `message.threadId`.
    thread_id: Option<String>,
}

/// How a request carries its draft: [`from_json`] or [`from_upload`].
pub(super) type Read = fn(&Request) -> Result<Content, Refusal>;

/// The draft of a JSON `Draft` body (`{"message": {"raw", "threadId"}}`), within the JSON size
/// limit `messages.send` has.
pub(super) fn from_json(request: &Request) -> Result<Content, Refusal> {
    let message = required(read_message(request)?)?;
    Ok(Content {
        raw: message.bytes()?,
        thread_id: message.thread_id,
    })
}

/// The draft of an upload: the message is the media; the multipart metadata is a `Draft` whose
/// `message.threadId` counts (its `raw` does not: the media is the message).
pub(super) fn from_upload(request: &Request) -> Result<Content, Refusal> {
    let Upload {
        metadata, media, ..
    } = upload::read(request, upload::SEND_MAX_SIZE)?;
    let fields = Fields::read(&metadata, "draft", &DRAFT_FIELDS)?;
    let message = fields
        .nested("message", &MESSAGE_FIELDS)?
        .map(|m| Metadata::of(&m))
        .transpose()?;
    Ok(Content {
        raw: media,
        thread_id: message.and_then(|m| m.thread_id),
    })
}

/// `POST …/drafts` (the draft read by `read`): `200` with the new draft, its message labelled
/// `DRAFT`.
pub(super) fn create(call: &Call<'_>, read: Read) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| save(shared, read(request)?, None));
    answer(result)
}

/// `PUT …/drafts/{id}` (the draft read by `read`): the draft keeps its id, its message is
/// replaced by a new one (threaded by the request's `threadId` alone, as a new draft's is).
pub(super) fn update(call: &Call<'_>, id: &str, read: Read) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let content = read(request)?;
        let draft = {
            let mailbox = shared.mail.of(Provider::Google);
            let found = locate(&mailbox, id)?;
            (found.draft.unwrap_or(found.id.key), found.id.key)
        };
        save(shared, content, Some(draft))
    });
    answer(result)
}

/// `GET …/drafts/{id}?format=`: the draft with its message as `messages.get` renders it in
/// that format (default `full`).
pub(super) fn get(call: &Call<'_>, id: &str) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let format = Format::of(request, &FORMATS)?;
        let mailbox = shared.mail.of(Provider::Google);
        let message = locate(&mailbox, id)?;
        let wanted: Vec<&str> = request.query_all("metadataHeaders");
        Ok(DraftJson {
            id: id.to_owned(),
            message: messages::render(message, format, &wanted),
        })
    });
    match result {
        Ok(draft) => wire::json(StatusCode::OK, &draft),
        Err(refused) => *refused,
    }
}

/// `GET …/drafts`: the drafts matching `q`, newest first, paged by `maxResults` and
/// `pageToken`; those in spam or trash only with `includeSpamTrash=true`.
pub(super) fn list(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let size = super::number_param(request, "maxResults", 100, 500)?;
        let after = super::page_position(request)?.map(Reverse);
        Ok((size, after))
    });
    let (size, after) = match result {
        Ok(paging) => paging,
        Err(refused) => return *refused,
    };
    let query = Query::parse(request.query_param("q").unwrap_or_default());
    let spam_trash = super::include_spam_trash(request);
    let mut drafts: Vec<(u64, DraftJson<IdJson>)> = {
        let mailbox = shared.mail.of(Provider::Google);
        mailbox
            .messages()
            .filter_map(|message| {
                let number = message.draft?;
                let labels = super::label_ids(&message.state);
                let hidden = labels.iter().any(|l| l == "SPAM" || l == "TRASH");
                let wanted = (spam_trash || !hidden) && query.matches(message, &labels);
                let draft = DraftJson {
                    id: draft_id(&mailbox, number),
                    message: IdJson::of(message),
                };
                wanted.then(|| (super::id_value(message.id), draft))
            })
            .collect()
    };
    drafts.sort_by_key(|(value, _)| Reverse(*value));
    let result_size_estimate = drafts.len();
    let (page, next) = paging::page(drafts, |(value, _)| Reverse(*value), after, size);
    let list = ListJson {
        drafts: page.into_iter().map(|(_, draft)| draft).collect(),
        next_page_token: next.map(|Reverse(position)| super::page_token(position)),
        result_size_estimate,
    };
    wire::json(StatusCode::OK, &list)
}

/// `DELETE …/drafts/{id}`: deletes the draft and its message for good (`204`).
pub(super) fn delete(call: &Call<'_>, id: &str) -> Response {
    let shared = call.shared;
    let result = wire::attempt(|| {
        let mut mailbox = shared.mail.of(Provider::Google);
        let key = locate(&mailbox, id)?.id.key;
        mailbox.delete(key);
        Ok(())
    });
    match result {
        Ok(()) => wire::empty(StatusCode::NO_CONTENT),
        Err(refused) => *refused,
    }
}

/// `POST …/drafts/send` with `{"id"}` (and, to send new content, `message`): sends the draft's
/// message as `messages.send` does (a new message labelled `SENT`, threaded by the same rule:
/// in the draft's thread unless the request names another), deletes the draft, and answers the
/// sent `Message`. A draft without recipients is Gmail's 400 and stays.
pub(super) fn send(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        send::check_json_size(request)?;
        let fields = Fields::read(&request.body, "draft", &DRAFT_FIELDS)?;
        let message = fields
            .nested("message", &MESSAGE_FIELDS)?
            .map(|m| Metadata::of(&m))
            .transpose()?;
        // Gmail's wording of this refusal is not documented.
        let id = fields.string("id")?.ok_or_else(|| {
            Box::new(api::google_rejected("invalidArgument", "Draft id required"))
        })?;
        let mailbox = shared.mail.of(Provider::Google);
        let found = locate(&mailbox, &id)?;
        let (raw, thread_id) = match message {
            Some(message) if message.has_raw() => (message.bytes()?, message.thread_id),
            given => (
                found.content.raw().to_vec(),
                given.and_then(|m| m.thread_id),
            ),
        };
        let thread_id = thread_id.or_else(|| Some(super::message_id(found.thread)));
        Ok((raw, thread_id, found.id.key))
    });
    match result {
        Ok((raw, thread_id, key)) => {
            send::send(shared, raw, thread_id, SendRoute::GmailDraft, Some(key))
        }
        Err(refused) => *refused,
    }
}

/// The `message` of a `Draft` body, if it carries one.
fn read_message(request: &Request) -> Result<Option<Metadata>, Refusal> {
    send::check_json_size(request)?;
    let fields = Fields::read(&request.body, "draft", &DRAFT_FIELDS)?;
    fields
        .nested("message", &MESSAGE_FIELDS)?
        .map(|m| Metadata::of(&m))
        .transpose()
}

/// `message`, or Gmail's 400 for a draft body without one (its wording is not documented).
fn required(message: Option<Metadata>) -> Result<Metadata, Refusal> {
    message.ok_or_else(|| {
        Box::new(api::google_rejected(
            "invalidArgument",
            "Missing draft message",
        ))
    })
}

/// Saves `content` as a draft: a new one, or `draft` (its number and its current message's
/// key) whose message it replaces. The bytes are read as `messages.send` reads them (address
/// headers checked, though no recipient is needed yet; `From`, `Date` and `Message-ID` set as
/// Gmail sets them) and join the thread `threadId` names when Gmail's threading rule lets them.
fn save(
    shared: &Shared,
    content: Content,
    draft: Option<(u64, u64)>,
) -> Result<DraftJson<IdJson>, Refusal> {
    let Content { raw, thread_id } = content;
    let (from, _) = send::addresses(&raw)?;
    let raw = send::with_gmail_headers(shared, raw, from.as_deref());
    let mut mailbox = shared.mail.of(Provider::Google);
    if let Some((_, key)) = draft
        && !mailbox.delete(key)
    {
        return Err(Box::new(api::google_entity_not_found()));
    }
    let thread = thread_id
        .as_deref()
        .and_then(|t| send::joined_thread(&mailbox, t, &raw));
    let tags = BTreeSet::from([DRAFT.to_owned()]);
    let number = draft.map(|(number, _)| number);
    let added = mailbox.add(raw, thread, tags, Written::Mime(number));
    let saved = mailbox.get(added.key).expect("the draft was just saved");
    Ok(DraftJson {
        id: draft_id(&mailbox, number.unwrap_or(added.key)),
        message: IdJson::labelled(saved),
    })
}

/// `200` with the draft, or the refusal.
fn answer(result: Result<DraftJson<IdJson>, Refusal>) -> Response {
    match result {
        Ok(draft) => wire::json(StatusCode::OK, &draft),
        Err(refused) => *refused,
    }
}

/// The message of the draft `id` names in `mailbox`, or the refusal: 400 for what is not a
/// draft id, 404 for a draft that does not exist (or was sent or deleted).
fn locate<'a>(mailbox: &'a Mailbox, id: &str) -> Result<&'a Message, Refusal> {
    let number = draft_number(mailbox, id).ok_or_else(|| Box::new(super::invalid_id()))?;
    mailbox
        .messages()
        .find(|m| m.draft == Some(number))
        .ok_or_else(|| Box::new(api::google_entity_not_found()))
}

/// The id of draft `number` of `mailbox`: `r` and a signed decimal number, as Gmail's draft ids
/// look (`r-6471792939619012916`), the number mixed with the mailbox's salt.
fn draft_id(mailbox: &Mailbox, number: u64) -> String {
    format!("r{}", (number ^ mask(mailbox)).cast_signed())
}

/// The number behind draft id `id` of `mailbox`, if it is shaped like one.
fn draft_number(mailbox: &Mailbox, id: &str) -> Option<u64> {
    let value: i64 = id.strip_prefix('r')?.parse().ok()?;
    Some(value.cast_unsigned() ^ mask(mailbox))
}

/// What draft numbers are mixed with in `mailbox`'s draft ids.
fn mask(mailbox: &Mailbox) -> u64 {
    let salt = mailbox.salt();
    u64::from_be_bytes(salt[8..].try_into().expect("the salt has 16 bytes"))
}
