//! Gmail drafts (`users.drafts`): saved as the compose window changes (the message is written
//! here, as for sending, and stored raw: as JSON up to 3.5 MB, through the drafts media upload
//! above that, up to Gmail's 35 MB), deleted, and sent (through [`Session::send_mail`]: an
//! answer lost or of the 5xx family is an outcome unknown naming the draft and its Message-ID).

use super::message::{self, GmailMessage};
use super::send::{self, JSON_MAX_RAW, Prepared, UPLOAD};
use super::{API, Google};
use crate::Error;
use crate::net;
use crate::session::{self, Sending, Session};
use crate::types::{Outgoing, SavedDraft, Sent};
use http::Method;
use serde::Deserialize;
use serde_json::json;

/// A `Draft` resource.
#[derive(Deserialize)]
struct Draft {
    id: String,
    message: DraftMessage,
}

/// The message of a `Draft`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftMessage {
    id: String,
    #[serde(default)]
    thread_id: Option<String>,
}

/// A `Draft` resource read with `format=metadata`: its message's headers.
#[derive(Deserialize)]
struct DraftHeaders {
    message: GmailMessage,
}

/// Saves `message` as a new draft, or over draft `id` (Gmail gives the draft a new message):
/// as JSON when it fits, else through the media upload of `drafts.create` (`POST
/// /upload/gmail/v1/users/me/drafts`) or `drafts.update` (`PUT …/drafts/{id}`), up to their
/// `mediaUpload.maxSize` of 36,700,160 bytes (shared/specs gmail/gmail-v1-discovery.json),
/// which [`send::prepare`] checks. A reply's upload is `multipart`, its `Draft` metadata
/// naming the thread.
pub fn save(
    session: &mut Session<'_>,
    id: Option<&str>,
    message: &Outgoing,
    entropy: &[u8],
) -> Result<SavedDraft, Error> {
    let Prepared { raw, thread_id, .. } = send::prepare(session, message, entropy)?;
    let (method, path) = match id {
        None => (Method::POST, "drafts".to_owned()),
        Some(id) => (Method::PUT, format!("drafts/{}", net::path_segment(id))),
    };
    let request = if raw.len() <= JSON_MAX_RAW {
        let mut body = json!({ "message": send::raw_message(&raw, thread_id.as_deref()) });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        net::json_request(method, &format!("{API}/{path}"), &body)?
    } else {
        let metadata = thread_id.map(|thread| json!({ "message": { "threadId": thread } }));
        send::upload(method, &format!("{UPLOAD}/{path}"), raw, metadata, entropy)?
    };
    let response = session
        .send(request)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    let draft: Draft = net::parse_json(&response, "Gmail draft")?;
    Ok(SavedDraft {
        id: draft.id,
        message_id: draft.message.id,
        thread_id: draft.message.thread_id,
        account: None,
    })
}

/// Deletes draft `id`.
pub fn delete(session: &mut Session<'_>, id: &str) -> Result<(), Error> {
    let request = net::bodyless(
        Method::DELETE,
        &format!("{API}/drafts/{}", net::path_segment(id)),
    )?;
    session
        .send(request)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    Ok(())
}

/// Sends draft `id`; its Message-ID is read first (`drafts.get` with `format=metadata`), for an
/// outcome unknown.
pub fn send(session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
    let url = format!(
        "{API}/drafts/{}?format=metadata&metadataHeaders=Message-ID",
        net::path_segment(id)
    );
    let draft: DraftHeaders = session
        .get_json(&url, "Gmail draft")
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    let sending = Sending {
        message_id: message::normalize(draft.message).message_id,
        draft_id: Some(id.to_owned()),
    };
    let request = net::json_request(
        Method::POST,
        &format!("{API}/drafts/send"),
        &json!({ "id": id }),
    )?;
    let response = session
        .send_mail(request, sending)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    send::sent(&response)
}
