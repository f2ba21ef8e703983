//! `users.threads.get`: a thread's messages, oldest first, each as `messages.get` renders it in
//! the same format.

use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::messages::{self, Format, MessageJson};
use super::{MAIL, METADATA, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::model::Message;
use crate::wire::{self, Response};

/// The scopes `threads.get` accepts.
pub(super) const SCOPES: [&str; 4] = [MAIL, METADATA, MODIFY, READONLY];
/// The formats `threads.get` takes (no `raw`).
const FORMATS: [Format; 3] = [Format::Full, Format::Metadata, Format::Minimal];

/// A `Thread` resource as `threads.get` answers it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThreadJson {
    id: String,
    history_id: String,
    messages: Vec<MessageJson>,
}

/// `GET …/threads/{id}` in `format` (default `full`): every message of the thread (spam, trash
/// and drafts included), oldest first; 404 for an id of no thread.
pub(super) fn get(call: &Call<'_>, id: &str) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| {
        let format = Format::of(request, &FORMATS)?;
        format.check_scope(&call.grant)?;
        if !super::is_id(id) {
            return Err(Box::new(super::invalid_id()));
        }
        let mut members: Vec<Message> = shared
            .mail
            .of(Provider::Google)
            .messages()
            .filter(|m| super::message_id(m.thread) == id)
            .cloned()
            .collect();
        if members.is_empty() {
            return Err(Box::new(api::google_entity_not_found()));
        }
        members.sort_by_key(|m| m.id);
        Ok((format, members))
    });
    let (format, members) = match result {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    let wanted: Vec<&str> = request.query_all("metadataHeaders");
    let thread = ThreadJson {
        id: id.to_owned(),
        history_id: members
            .iter()
            .map(|m| m.modified)
            .max()
            .unwrap_or_default()
            .to_string(),
        messages: members
            .iter()
            .map(|m| messages::render(m, format, &wanted))
            .collect(),
    };
    wire::json(StatusCode::OK, &thread)
}
