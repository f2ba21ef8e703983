//! Gmail drafts (`users.drafts`): saved as the compose window changes (the message is written
//! here, as for sending, and stored raw), deleted, and sent.

use super::send::{self, JSON_MAX_RAW, Prepared};
use super::{API, urlencode};
use crate::Error;
use crate::net;
use crate::provider;
use crate::session::Session;
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

/// Saves `message` as a new draft, or over draft `id` (Gmail gives the draft a new message).
pub fn save(
    session: &mut Session<'_>,
    id: Option<&str>,
    message: &Outgoing,
    entropy: &[u8],
) -> Result<SavedDraft, Error> {
    let Prepared { raw, thread_id } = send::prepare(session, message, entropy)?;
    if raw.len() > JSON_MAX_RAW {
        return Err(Error::invalid(
            "attachments",
            format!(
                "a Gmail draft is saved as JSON, up to {JSON_MAX_RAW} bytes as written; this one is {} (send it directly instead)",
                raw.len()
            ),
        ));
    }
    let mut body = json!({ "message": send::raw_message(&raw, thread_id.as_deref()) });
    let request = match id {
        None => net::json_request(Method::POST, &format!("{API}/drafts"), &body)?,
        Some(id) => {
            body["id"] = json!(id);
            net::json_request(
                Method::PUT,
                &format!("{API}/drafts/{}", urlencode(id)),
                &body,
            )?
        }
    };
    let response = session
        .send(request)
        .map_err(|e| provider::not_found(e, "draft-id"))?;
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
    let request = net::bodyless(Method::DELETE, &format!("{API}/drafts/{}", urlencode(id)))?;
    session
        .send(request)
        .map_err(|e| provider::not_found(e, "draft-id"))?;
    Ok(())
}

/// Sends draft `id`.
pub fn send(session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
    let request = net::json_request(
        Method::POST,
        &format!("{API}/drafts/send"),
        &json!({ "id": id }),
    )?;
    let response = session
        .send(request)
        .map_err(|e| provider::not_found(e, "draft-id"))?;
    send::sent(&response)
}
