//! `users.history.list`: the mailbox's change log since a history ID, as Gmail history
//! records.

use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::{IdJson, MAIL, METADATA, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::{Change, ChangeKind};
use crate::paging;
use crate::wire::{self, Response};

/// The scopes `history.list` accepts.
pub(super) const SCOPES: [&str; 4] = [MAIL, METADATA, MODIFY, READONLY];

/// The `historyTypes` values.
const TYPES: [&str; 4] = [
    "messageAdded",
    "messageDeleted",
    "labelAdded",
    "labelRemoved",
];

/// `GET …/history?startHistoryId=…`: the records after `startHistoryId`, oldest first, limited
/// to `historyTypes` and to messages carrying `labelId`; 404 when the log no longer reaches back
/// that far.
pub(super) fn list(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let Some(start) = request.query_param("startHistoryId") else {
        return api::google_invalid("Missing required parameter: startHistoryId");
    };
    let Ok(start) = start.parse::<u64>() else {
        return api::google_invalid(&format!(
            "Invalid value at 'start_history_id' (TYPE_UINT64), \"{start}\""
        ));
    };
    let size = match super::number_param(request, "maxResults", 100, 500) {
        Ok(size) => size,
        Err(refused) => return *refused,
    };
    let after = match super::page_position(request) {
        Ok(after) => after,
        Err(refused) => return *refused,
    };
    let types = request.query_all("historyTypes");
    if let Some(unknown) = types
        .iter()
        .find(|t| !TYPES.iter().any(|k| k.eq_ignore_ascii_case(t)))
    {
        return api::google_invalid(&format!(
            "Invalid value at 'history_types' (type.googleapis.com/google.apps.gmail.v1.ListHistoryRequest.HistoryTypes), \"{unknown}\""
        ));
    }
    let label = request.query_param("labelId");
    let (records, history_id) = {
        let mailbox = shared.mail.of(Provider::Google);
        let Some(changes) = mailbox.changes_since(start) else {
            return api::google_entity_not_found();
        };
        let records: Vec<RecordJson> = changes
            .chunk_by(|a, b| a.number == b.number)
            .filter_map(|change| record(change, &types, label))
            .collect();
        (records, mailbox.change())
    };
    let (history, next) = paging::page(records, |r| r.number, after, size);
    let answer = HistoryJson {
        history,
        next_page_token: next.map(super::page_token),
        history_id: history_id.to_string(),
    };
    wire::json(StatusCode::OK, &answer)
}

/// A `history.list` answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    history: Vec<RecordJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<String>,
    history_id: String,
}

/// One `History` record.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    #[serde(skip)]
    number: u64,
    id: String,
    messages: Vec<IdJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages_added: Vec<MessageJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages_deleted: Vec<MessageJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels_added: Vec<LabelsJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels_removed: Vec<LabelsJson>,
}

/// `{"message": {…}}` of `messagesAdded` and `messagesDeleted`.
#[derive(Serialize)]
struct MessageJson {
    message: IdJson,
}

/// `{"message": {…}, "labelIds": […]}` of `labelsAdded` and `labelsRemoved`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LabelsJson {
    message: IdJson,
    label_ids: Vec<String>,
}

/// The record of `change` (the log entries of one change number, which all concern one
/// message), if it is of one of `types` (all when empty) and concerns `label` (any when `None`).
fn record(change: &[Change], types: &[&str], label: Option<&str>) -> Option<RecordJson> {
    let first = change.first()?;
    let labels = super::label_ids(&first.state);
    let ids = |label_ids: Option<Vec<String>>| IdJson {
        id: super::message_id(first.message),
        thread_id: super::message_id(first.thread),
        label_ids,
    };
    let wanted =
        |kind: &str| types.is_empty() || types.iter().any(|t| t.eq_ignore_ascii_case(kind));
    let (mut added, mut removed): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for kind in change.iter().map(|c| &c.kind) {
        let (flag, set) = match kind {
            ChangeKind::Tagged {
                added: tags_added,
                removed: tags_removed,
            } => {
                added.extend_from_slice(tags_added);
                removed.extend_from_slice(tags_removed);
                continue;
            }
            ChangeKind::Unread(set) => ("UNREAD", *set),
            ChangeKind::Starred(set) => ("STARRED", *set),
            ChangeKind::Added
            | ChangeKind::Deleted
            | ChangeKind::Edited
            | ChangeKind::Completed(_) => continue,
        };
        match set {
            true => added.push(flag.to_owned()),
            false => removed.push(flag.to_owned()),
        }
    }
    if let Some(label) = label {
        let concerned = [&labels, &added, &removed]
            .into_iter()
            .any(|list| list.iter().any(|l| l == label));
        if !concerned {
            return None;
        }
    }
    let mut record = RecordJson {
        number: first.number,
        id: first.number.to_string(),
        messages: vec![ids(None)],
        messages_added: Vec::new(),
        messages_deleted: Vec::new(),
        labels_added: Vec::new(),
        labels_removed: Vec::new(),
    };
    match &first.kind {
        ChangeKind::Added if wanted("messageAdded") => {
            record.messages_added.push(MessageJson {
                message: ids(Some(labels.clone())),
            });
        }
        ChangeKind::Deleted if wanted("messageDeleted") => {
            record
                .messages_deleted
                .push(MessageJson { message: ids(None) });
        }
        _ => {}
    }
    if !added.is_empty() && wanted("labelAdded") {
        record.labels_added.push(LabelsJson {
            message: ids(Some(labels.clone())),
            label_ids: added,
        });
    }
    if !removed.is_empty() && wanted("labelRemoved") {
        record.labels_removed.push(LabelsJson {
            message: ids(Some(labels)),
            label_ids: removed,
        });
    }
    let typed = !record.messages_added.is_empty()
        || !record.messages_deleted.is_empty()
        || !record.labels_added.is_empty()
        || !record.labels_removed.is_empty();
    typed.then_some(record)
}
