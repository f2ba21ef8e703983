//! Gmail drafts (`users.drafts`): saved as the compose window changes (the message is written
//! here, as for sending, and stored raw: as JSON up to 3.5 MB, through the drafts media upload
//! above that, up to Gmail's 35 MB), deleted, and sent (through [`Session::send_mail`]: an
//! answer lost or of the 5xx family is an outcome unknown naming the draft and its Message-ID).

use super::send::{self, Prepared};
use super::users_drafts::{self, Draft, Headers};
use super::{Google, message, messages_send};
use crate::Error;
use crate::net;
use crate::session::{self, Sending, Session};
use crate::types::{Outgoing, SavedDraft, Sent};

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
    let request = users_drafts::save(id, raw, thread_id.as_deref(), entropy)?;
    let response = session
        .send(request)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    let draft: Draft = net::parse_json(&response, users_drafts::NAME)?;
    Ok(SavedDraft {
        id: draft.id,
        message_id: draft.message.id,
        thread_id: draft.message.thread_id,
        account: None,
    })
}

/// Deletes draft `id`.
pub fn delete(session: &mut Session<'_>, id: &str) -> Result<(), Error> {
    let request = users_drafts::delete(id)?;
    session
        .send(request)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    Ok(())
}

/// Sends draft `id`; its Message-ID is read first (`drafts.get` with `format=metadata`), for an
/// outcome unknown.
pub fn send(session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
    let draft: Headers = session
        .get_json(&users_drafts::message_id_url(id), users_drafts::NAME)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    let sending = Sending {
        message_id: message::normalize(draft.message).message_id,
        draft_id: Some(id.to_owned()),
    };
    let request = users_drafts::send(id)?;
    let response = session
        .send_mail(request, sending)
        .map_err(|e| session::not_found(&Google, e, "draft-id"))?;
    messages_send::sent(&response)
}
