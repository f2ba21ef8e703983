//! Changing and deleting messages: `messages.modify`, `messages.batchModify`, `messages.trash`,
//! `messages.untrash`, `messages.delete` and `messages.batchDelete`. Each change to a message is
//! one logged change, so `history.list` reports it once.

use http::StatusCode;

use super::Call;
use super::body::Fields;
use super::labels::LabelChange;
use super::{IdJson, MAIL, MODIFY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::Mailbox;
use crate::wire::{self, Refusal, Response};

/// The scopes that change labels (`modify`, `batchModify`, `trash`, `untrash`).
pub(super) const SCOPES: [&str; 2] = [MAIL, MODIFY];
/// The scope that deletes for good (`delete`, `batchDelete`): full access only.
pub(super) const DELETE_SCOPES: [&str; 1] = [MAIL];
/// The most ids one `batchModify` takes (`BatchModifyMessagesRequest.ids`).
const BATCH_LIMIT: usize = 1000;
/// The fields of a `ModifyMessageRequest`.
const MODIFY_FIELDS: [&str; 2] = ["addLabelIds", "removeLabelIds"];
/// The fields of a `BatchModifyMessagesRequest`.
const BATCH_MODIFY_FIELDS: [&str; 3] = ["ids", "addLabelIds", "removeLabelIds"];

/// `POST …/messages/{id}/modify` with `{addLabelIds, removeLabelIds}`: the message's ids and
/// labels after the change.
pub(super) fn modify(call: &Call<'_>, id: &str) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let change = read_change(&Fields::read(&request.body, "", &MODIFY_FIELDS)?)?;
        let mut mailbox = shared.mail.of(Provider::Google);
        let key = super::locate(&mailbox, id)?.id.key;
        change.apply(&mut mailbox, key);
        Ok(labelled(&mailbox, key))
    });
    answer(result)
}

/// `POST …/messages/{id}/trash` (`trashed`) or `…/untrash`: adds or removes `TRASH` and keeps
/// every other label, so an untrashed message is back where it was; the message's ids and
/// labels after the change.
pub(super) fn trash(call: &Call<'_>, id: &str, trashed: bool) -> Response {
    let shared = call.shared;
    let result = wire::attempt(|| {
        let change = match trashed {
            true => LabelChange::new(&["TRASH"], &[]),
            false => LabelChange::new(&[], &["TRASH"]),
        };
        let mut mailbox = shared.mail.of(Provider::Google);
        let key = super::locate(&mailbox, id)?.id.key;
        change.apply(&mut mailbox, key);
        Ok(labelled(&mailbox, key))
    });
    answer(result)
}

/// `POST …/messages/batchModify` with `{ids, addLabelIds, removeLabelIds}`: `204` once every
/// message is changed. All or nothing: one id that is not a message id (400) or names no
/// message (404) refuses the whole request, and more than 1000 ids is a 400.
pub(super) fn batch_modify(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let fields = Fields::read(&request.body, "", &BATCH_MODIFY_FIELDS)?;
        let ids = fields.strings("ids")?;
        if ids.len() > BATCH_LIMIT {
            // Gmail's wording of this refusal is not documented; the limit is.
            return Err(Box::new(api::google_invalid(&format!(
                "Too many ids: {} given, at most {BATCH_LIMIT} allowed",
                ids.len()
            ))));
        }
        let change = read_change(&fields)?;
        let mut mailbox = shared.mail.of(Provider::Google);
        let keys = ids
            .iter()
            .map(|id| super::locate(&mailbox, id).map(|m| m.id.key))
            .collect::<Result<Vec<u64>, Refusal>>()?;
        for key in keys {
            change.apply(&mut mailbox, key);
        }
        Ok(())
    });
    emptied(result)
}

/// `DELETE …/messages/{id}`: deletes the message for good (`204`). Needs the full-access scope,
/// as the discovery document says; `gmail.modify` is Google's 403.
pub(super) fn delete(call: &Call<'_>, id: &str) -> Response {
    let shared = call.shared;
    let result = wire::attempt(|| {
        let mut mailbox = shared.mail.of(Provider::Google);
        let key = super::locate(&mailbox, id)?.id.key;
        mailbox.delete(key);
        Ok(())
    });
    emptied(result)
}

/// `POST …/messages/batchDelete` with `{ids}`: deletes the messages for good (`204`). As
/// documented, ids that name no message are passed over; an id that is not a message id at
/// all is a 400. Full-access scope only, like `delete`.
pub(super) fn batch_delete(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let ids = Fields::read(&request.body, "", &["ids"])?.strings("ids")?;
        if !ids.iter().all(|id| super::is_id(id)) {
            return Err(Box::new(super::invalid_id()));
        }
        let mut mailbox = shared.mail.of(Provider::Google);
        let keys: Vec<u64> = ids
            .iter()
            .filter_map(|id| super::find(&mailbox, id).map(|m| m.id.key))
            .collect();
        for key in keys {
            mailbox.delete(key);
        }
        Ok(())
    });
    emptied(result)
}

/// The label change `addLabelIds` and `removeLabelIds` of `fields` ask for.
fn read_change(fields: &Fields) -> Result<LabelChange, Refusal> {
    LabelChange::read(
        &fields.strings("addLabelIds")?,
        &fields.strings("removeLabelIds")?,
    )
}

/// Message `key` as Gmail answers a label change: `{id, threadId, labelIds}`.
fn labelled(mailbox: &Mailbox, key: u64) -> IdJson {
    IdJson::labelled(mailbox.get(key).expect("the message was just changed"))
}

/// `200` with the changed message, or the refusal.
fn answer(result: Result<IdJson, Refusal>) -> Response {
    match result {
        Ok(message) => wire::json(StatusCode::OK, &message),
        Err(refused) => *refused,
    }
}

/// `204` with no body, or the refusal.
fn emptied(result: Result<(), Refusal>) -> Response {
    match result {
        Ok(()) => wire::empty(StatusCode::NO_CONTENT),
        Err(refused) => *refused,
    }
}
