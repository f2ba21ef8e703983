//! Gmail mailbox management: labels with their counts, one message or thread on demand,
//! attachment bytes within a bound, and label changes, trash and deletion in batches.

use super::Google;
use super::message::{self, GmailMessage};
use super::messages_get::{self, Format};
use super::messages_modify::{self, Change};
use super::{attachments_get, labels, threads_get};
use crate::Error;
use crate::manage;
use crate::net::{self, Request};
use crate::session::{self, Session};
use crate::types::{AttachmentData, Folder, FolderRole, Message, ModifyAction};

/// Every label but `UNREAD` (a state, not a place), with its counts (`labels.list` has none,
/// so each label is read with `labels.get`, several at once).
pub fn list_folders(session: &mut Session<'_>) -> Result<Vec<Folder>, Error> {
    let list: labels::List = session.get_json(&labels::list_url(), labels::NAME)?;
    let requests = list
        .labels
        .iter()
        .filter(|l| l.id != message::UNREAD)
        .map(|l| net::json_get(&labels::get_url(&l.id)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut labels = Vec::with_capacity(requests.len());
    for response in session.send_all(requests)? {
        labels.push(net::parse_json::<labels::Label>(
            &session::check(&Google, response)?,
            labels::NAME,
        )?);
    }
    let by_name: Vec<(String, String)> = labels
        .iter()
        .map(|l| (l.name.clone().unwrap_or_else(|| l.id.clone()), l.id.clone()))
        .collect();
    let mut folders: Vec<(usize, Folder)> = labels
        .into_iter()
        .map(|label| {
            let full = label.name.clone().unwrap_or_else(|| label.id.clone());
            let user = label.kind.as_deref() == Some("user");
            let (parent, name) = match full.rsplit_once('/') {
                Some((parent, name)) if user => (Some(parent), name.to_owned()),
                _ => (None, full.clone()),
            };
            let folder = Folder {
                role: role(&label.id, label.kind.as_deref()),
                parent_id: parent.and_then(|p| {
                    by_name
                        .iter()
                        .find(|(n, _)| n == p)
                        .map(|(_, id)| id.clone())
                }),
                unread: label.messages_unread,
                total: label.messages_total,
                id: label.id,
                name,
            };
            (full.matches('/').count(), folder)
        })
        .collect();
    // System labels first, then user labels, parents before their children.
    folders.sort_by_key(|(depth, f)| (f.role == FolderRole::User, *depth));
    Ok(folders.into_iter().map(|(_, folder)| folder).collect())
}

/// What a Gmail label is for.
fn role(id: &str, kind: Option<&str>) -> FolderRole {
    match id {
        "INBOX" => FolderRole::Inbox,
        "SENT" => FolderRole::Sent,
        message::DRAFT => FolderRole::Drafts,
        "TRASH" => FolderRole::Trash,
        "SPAM" => FolderRole::Junk,
        message::STARRED => FolderRole::Starred,
        "IMPORTANT" => FolderRole::Important,
        _ if kind == Some("user") => FolderRole::User,
        _ => FolderRole::System,
    }
}

/// Message `id` (the argument `field`) as Gmail gives it in `format`.
fn resource(
    session: &mut Session<'_>,
    id: &str,
    format: Format,
    field: &str,
) -> Result<GmailMessage, Error> {
    session
        .get_json(&messages_get::url(id, format), messages_get::NAME)
        .map_err(|e| session::not_found(&Google, e, field))
}

/// `resource`, read again whole (`format=raw`) when its parts nest too deep for `format=full`.
fn entire(session: &mut Session<'_>, resource: GmailMessage) -> Result<GmailMessage, Error> {
    match resource.is_cut() {
        true => self::resource(session, &resource.id, Format::Raw, "id"),
        false => Ok(resource),
    }
}

/// One message in full.
pub fn get_message(session: &mut Session<'_>, id: &str) -> Result<Message, Error> {
    let full = resource(session, id, Format::Full, "id")?;
    Ok(message::normalize(entire(session, full)?))
}

/// A thread's messages in full.
pub fn get_thread(session: &mut Session<'_>, id: &str) -> Result<Vec<Message>, Error> {
    let thread: threads_get::Thread = session
        .get_json(&threads_get::url(id), threads_get::NAME)
        .map_err(|e| session::not_found(&Google, e, "thread-id"))?;
    thread
        .messages
        .into_iter()
        .map(|m| entire(session, m).map(message::normalize))
        .collect()
}

/// The bytes of the part `attachment_id` (its part id) of message `message_id`: the message is
/// read first, for the part's size, and the bytes are fetched only within `max_bytes`.
pub fn get_attachment(
    session: &mut Session<'_>,
    message_id: &str,
    attachment_id: &str,
    max_bytes: u64,
) -> Result<AttachmentData, Error> {
    let full = resource(session, message_id, Format::Full, "message-id")?;
    let found = message::find_part(&full, attachment_id);
    // A part that holds a message has its bytes only in the whole message; so have the parts
    // of a tree too deep for `format=full`.
    let part = match found {
        Some(part) if !part.needs_raw() => part,
        found => {
            if let Some(part) = &found {
                manage::check_attachment_size(part.size, max_bytes)?;
            } else if !full.is_cut() {
                return Err(Error::invalid(
                    "attachment-id",
                    "names no part of this message",
                ));
            }
            let raw = resource(session, message_id, Format::Raw, "message-id")?;
            message::find_part(&raw, attachment_id)
                .ok_or_else(|| Error::invalid("attachment-id", "names no part of this message"))?
        }
    };
    manage::check_attachment_size(part.size, max_bytes)?;
    let content = match (part.data, &part.attachment_id) {
        (Some(data), _) => data,
        (None, Some(id)) => {
            let url = attachments_get::url(message_id, id);
            let body: attachments_get::Body = session.get_json(&url, attachments_get::NAME)?;
            body.data
                .as_deref()
                .and_then(message::decode_data)
                .ok_or_else(|| Error::malformed(Some(200), "the attachment has no data"))?
        }
        (None, None) => Vec::new(),
    };
    manage::check_attachment_size(content.len() as u64, max_bytes)?;
    Ok(AttachmentData {
        filename: part.filename,
        mime_type: part.mime_type,
        content,
        account: None,
    })
}

/// Applies `action` to `ids`: label changes through `batchModify` (1,000 ids a request),
/// trash and restore one request per message (several at once), deletion through
/// `batchDelete`. A batch Gmail refuses as a whole (one unknown id fails it) is retried one
/// message at a time, so that each id gets its own outcome.
pub fn modify(
    session: &mut Session<'_>,
    ids: &[String],
    action: &ModifyAction,
) -> Result<Vec<Result<(), Error>>, Error> {
    let (add, remove): (Vec<String>, Vec<String>) = match action {
        ModifyAction::MarkRead => (vec![], vec![message::UNREAD.into()]),
        ModifyAction::MarkUnread => (vec![message::UNREAD.into()], vec![]),
        ModifyAction::Star => (vec![message::STARRED.into()], vec![]),
        ModifyAction::Unstar => (vec![], vec![message::STARRED.into()]),
        ModifyAction::AddLabels(labels) => (labels.clone(), vec![]),
        ModifyAction::RemoveLabels(labels) => (vec![], labels.clone()),
        ModifyAction::MoveTo(label) => (vec![label.clone()], vec!["INBOX".into()]),
        ModifyAction::Archive => (vec![], vec!["INBOX".into()]),
        ModifyAction::Trash => return each(session, ids, messages_modify::trash),
        ModifyAction::Restore => return each(session, ids, messages_modify::untrash),
        ModifyAction::DeleteForever => {
            return batched(
                session,
                ids,
                messages_modify::batch_delete,
                messages_modify::delete,
            );
        }
    };
    let change = Change { add, remove };
    batched(
        session,
        ids,
        |batch| messages_modify::batch_modify(batch, &change),
        |id| messages_modify::modify(id, &change),
    )
}

/// Batches of `ids` through `whole`; a refused batch again through `single`, one per id.
fn batched(
    session: &mut Session<'_>,
    ids: &[String],
    whole: impl Fn(&[String]) -> Result<Request, Error>,
    single: impl Fn(&str) -> Result<Request, Error>,
) -> Result<Vec<Result<(), Error>>, Error> {
    let mut outcomes = Vec::with_capacity(ids.len());
    for batch in manage::batches(ids, messages_modify::MOST) {
        let response = session
            .send_all(vec![whole(batch)?])?
            .pop()
            .ok_or_else(|| Error::transport("no response"))?;
        match session::check(&Google, response) {
            Ok(_) => outcomes.extend(batch.iter().map(|_| Ok(()))),
            Err(Error::Provider {
                status: Some(400 | 404),
                ..
            }) if batch.len() > 1 => {
                outcomes.extend(each(session, batch, &single)?);
            }
            Err(error) if matches!(error, Error::Provider { .. }) => {
                outcomes.extend(manage::all_failed(batch, &error));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(outcomes)
}

/// One request per id, several at once; each id's outcome.
fn each(
    session: &mut Session<'_>,
    ids: &[String],
    single: impl Fn(&str) -> Result<Request, Error>,
) -> Result<Vec<Result<(), Error>>, Error> {
    let requests = ids
        .iter()
        .map(|id| single(id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(session
        .send_all(requests)?
        .into_iter()
        .map(|response| session::check(&Google, response).map(|_| ()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_gmail_labels() {
        assert_eq!(role("INBOX", Some("system")), FolderRole::Inbox);
        assert_eq!(role("SPAM", Some("system")), FolderRole::Junk);
        assert_eq!(role("CATEGORY_SOCIAL", Some("system")), FolderRole::System);
        assert_eq!(role("Label_1", Some("user")), FolderRole::User);
    }
}
