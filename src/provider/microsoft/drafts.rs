//! Outlook drafts are draft messages: saved as the compose window changes, deleted, and sent.
//! A plain draft is updated in place (its files matched by name, type and bytes, so that
//! unchanged files are not uploaded again); a reply or forward draft is made afresh from the
//! original, so that Graph's quote stays below the new text, and the old one is deleted.

use super::send::{self, attach};
use super::{Microsoft, attachments, messages_get, messages_write};
use crate::Error;
use crate::net;
use crate::session::{self, Sending, Session};
use crate::types::{Attachment, Outgoing, SavedDraft, Sent};
use http::Method;
use serde::Deserialize;

/// The attachment properties a draft's files are matched by (the bytes are fetched apart).
const LISTED: &str = "id,name,contentType,isInline";

/// An attachment of a draft, as listed with [`LISTED`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    is_inline: Option<bool>,
}

impl Listed {
    /// Whether this attachment is described as `file` is: name, content type and inline. (Its
    /// `size` cannot tell: Graph reports the size of the attachment item, which holds more than
    /// the file's bytes.)
    fn described_as(&self, file: &Attachment) -> bool {
        self.name.as_deref() == Some(file.filename.as_str())
            && self
                .content_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&file.mime_type))
            && self.is_inline.unwrap_or(false) == file.content_id.is_some()
    }
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
            delete(session, id).map_err(|e| send::discard(session, &fresh.id, e))?;
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

/// Updates plain draft `id` in place: its properties, then its files. A listed file that is
/// described as one of the new version's is fetched (`…/attachments/{id}/$value`) and kept when
/// its bytes are the same; every other listed file is deleted, and the files of the new version
/// not kept are attached.
fn update(
    session: &mut Session<'_>,
    id: &str,
    message: &Outgoing,
) -> Result<crate::types::Message, Error> {
    let draft = send::message_call(session, messages_write::update(id, &send::fields(message))?)
        .map_err(|e| session::not_found(&Microsoft, e, "draft-id"))?;
    let listed: Attachments =
        session.get_json(&attachments::list_url(id, LISTED), attachments::NAME)?;
    let candidates: Vec<&Listed> = listed
        .value
        .iter()
        .filter(|l| message.attachments.iter().any(|f| l.described_as(f)))
        .collect();
    let fetches = candidates
        .iter()
        .map(|l| net::bodyless(Method::GET, &attachments::value_url(id, &l.id)))
        .collect::<Result<Vec<_>, _>>()?;
    let contents = session
        .send_all(fetches)?
        .into_iter()
        .map(|r| session::check(&Microsoft, r).map(http::Response::into_body))
        .collect::<Result<Vec<_>, _>>()?;
    let mut kept = vec![false; candidates.len()];
    let mut new: Vec<Attachment> = Vec::new();
    for file in &message.attachments {
        let same = (0..candidates.len())
            .find(|&i| !kept[i] && candidates[i].described_as(file) && contents[i] == file.content);
        match same {
            Some(i) => kept[i] = true,
            None => new.push(file.clone()),
        }
    }
    let stale = listed
        .value
        .iter()
        .filter(|l| {
            !candidates
                .iter()
                .zip(&kept)
                .any(|(c, &k)| k && c.id == l.id)
        })
        .map(|l| net::bodyless(Method::DELETE, &attachments::item_url(id, &l.id)))
        .collect::<Result<Vec<_>, _>>()?;
    for response in session.send_all(stale)? {
        session::check(&Microsoft, response)?;
    }
    attach(session, id, &new)?;
    Ok(draft)
}

/// Deletes draft `id`.
pub fn delete(session: &mut Session<'_>, id: &str) -> Result<(), Error> {
    session
        .send(messages_write::delete(id)?)
        .map_err(|e| session::not_found(&Microsoft, e, "draft-id"))?;
    Ok(())
}

/// Sends draft `id`; its conversation and Message-ID are read first, for the result and for
/// an outcome unknown. The draft is the host's: it is kept whatever happens.
pub fn send(session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
    let draft: Ids = session
        .send(messages_get::request(
            id,
            "id,conversationId,internetMessageId,isDraft",
        )?)
        .and_then(|r| net::parse_json(&r, messages_get::NAME))
        .map_err(|e| session::not_found(&Microsoft, e, "draft-id"))?;
    if !draft.is_draft.unwrap_or(true) {
        return Err(Error::invalid(
            "draft-id",
            "names a message that is not a draft",
        ));
    }
    let sending = Sending {
        message_id: draft
            .internet_message_id
            .map(|m| m.trim().trim_matches(['<', '>']).to_owned()),
        draft_id: Some(draft.id.clone()),
    };
    send::send_draft(session, &draft.id, sending)?;
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
    internet_message_id: Option<String>,
    #[serde(default)]
    is_draft: Option<bool>,
}
