//! Outlook drafts are draft messages: saved as the compose window changes, deleted, and sent.
//! A plain draft is updated in place (its files matched by name and size, so that unchanged
//! files are not uploaded again); a reply or forward draft is made afresh from the original, so
//! that Graph's quote stays below the new text, and the old one is deleted.

use super::send::{self, attach};
use super::{API, immutable_ids, segment};
use crate::Error;
use crate::net;
use crate::provider;
use crate::session::{self, Session};
use crate::types::{Attachment, Outgoing, SavedDraft, Sent};
use http::Method;
use serde::Deserialize;

/// An attachment of a draft, as listed.
#[derive(Deserialize)]
struct Listed {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    size: Option<u64>,
}

/// The attachments of a draft.
#[derive(Deserialize)]
struct Attachments {
    #[serde(default)]
    value: Vec<Listed>,
}

/// Saves `message` as a new draft, or over draft `id`.
pub fn save(
    session: &mut Session<'_>,
    id: Option<&str>,
    message: &Outgoing,
) -> Result<SavedDraft, Error> {
    let draft = match id {
        Some(id) if message.original.is_none() => update(session, id, message)?,
        Some(id) => {
            let fresh = send::compose(session, message)?;
            delete(session, id)?;
            fresh
        }
        None => send::compose(session, message)?,
    };
    Ok(SavedDraft {
        message_id: draft.id.clone(),
        id: draft.id,
        thread_id: draft.thread_id,
        account: None,
    })
}

/// Updates plain draft `id` in place.
fn update(
    session: &mut Session<'_>,
    id: &str,
    message: &Outgoing,
) -> Result<crate::types::Message, Error> {
    let url = format!("{API}/messages/{}", segment(id));
    let draft = send::draft(session, Method::PATCH, &url, &send::fields(message))
        .map_err(|e| provider::not_found(e, "draft-id"))?;
    let listed: Attachments = session.get_json(
        &format!("{url}/attachments?$select=id,name,size"),
        "Graph attachments",
    )?;
    let same = |listed: &Listed, file: &Attachment| {
        listed.name.as_deref() == Some(file.filename.as_str())
            && listed.size == Some(file.content.len() as u64)
    };
    let stale = listed
        .value
        .iter()
        .filter(|l| !message.attachments.iter().any(|f| same(l, f)))
        .map(|l| {
            net::bodyless(
                Method::DELETE,
                &format!("{url}/attachments/{}", segment(&l.id)),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    for response in session.send_all(stale)? {
        session::check(response)?;
    }
    let new: Vec<Attachment> = message
        .attachments
        .iter()
        .filter(|f| !listed.value.iter().any(|l| same(l, f)))
        .cloned()
        .collect();
    attach(session, id, &new)?;
    Ok(draft)
}

/// Deletes draft `id`.
pub fn delete(session: &mut Session<'_>, id: &str) -> Result<(), Error> {
    let url = format!("{API}/messages/{}", segment(id));
    session
        .send(net::bodyless(Method::DELETE, &url)?)
        .map_err(|e| provider::not_found(e, "draft-id"))?;
    Ok(())
}

/// Sends draft `id`; its conversation is read first, for the result.
pub fn send(session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
    let url = format!("{API}/messages/{}", segment(id));
    let draft: Ids = session
        .send(immutable_ids(net::json_get(&format!(
            "{url}?$select=id,conversationId,isDraft"
        ))?))
        .and_then(|r| net::parse_json(&r, "Graph message"))
        .map_err(|e| provider::not_found(e, "draft-id"))?;
    if !draft.is_draft.unwrap_or(true) {
        return Err(Error::invalid(
            "draft-id",
            "names a message that is not a draft",
        ));
    }
    session.send(immutable_ids(net::bodyless(
        Method::POST,
        &format!("{url}/send"),
    )?))?;
    Ok(Sent {
        id: draft.id,
        thread_id: draft.conversation_id,
        account: None,
    })
}

/// A message's ids.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ids {
    id: String,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    is_draft: Option<bool>,
}
