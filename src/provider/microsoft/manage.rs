//! Outlook mailbox management through Graph: the folder tree with counts and roles, one
//! message (with its threading headers) or conversation on demand, attachment bytes within a
//! bound, and changes to many messages through JSON batching (`$batch`, 20 requests each).

use super::batch;
use super::folders::{self, MailFolder};
use super::message::{self, GraphAttachment, GraphMessage};
use super::messages_write::{self, Change};
use super::{
    Collection, Microsoft, attachments, immutable_ids, messages_get, messages_list, trusted,
    with_attachments,
};
use crate::Error;
use crate::manage;
use crate::net::{self, Response};
use crate::session::{self, Session};
use crate::types::{AttachmentData, Folder, FolderRole, Message, ModifyAction};
use http::Method;

/// The well-known folder names and what they are for.
const WELL_KNOWN: [(&str, FolderRole); 7] = [
    ("inbox", FolderRole::Inbox),
    ("sentitems", FolderRole::Sent),
    ("drafts", FolderRole::Drafts),
    ("deleteditems", FolderRole::Trash),
    ("junkemail", FolderRole::Junk),
    ("archive", FolderRole::Archive),
    ("outbox", FolderRole::Outbox),
];

/// The folder properties a folder list reads.
const FOLDER_SELECT: &str =
    "id,displayName,parentFolderId,childFolderCount,unreadItemCount,totalItemCount";

/// Every folder of the tree, parents first, with the well-known ones given their roles.
pub fn list_folders(session: &mut Session<'_>) -> Result<Vec<Folder>, Error> {
    let names: Vec<String> = WELL_KNOWN
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let known = folders::resolve(session, &names)?;
    let tree = folders::tree(session, FOLDER_SELECT, &[])?;
    let ids: Vec<String> = tree.iter().map(|f| f.id.clone()).collect();
    Ok(tree
        .into_iter()
        .map(|folder: MailFolder| {
            let role = known
                .iter()
                .zip(WELL_KNOWN)
                .find(|(found, _)| found.as_ref().is_some_and(|f| f.id == folder.id))
                .map_or(FolderRole::User, |(_, (_, role))| role);
            Folder {
                name: folder.display_name.unwrap_or_else(|| folder.id.clone()),
                parent_id: folder.parent_folder_id.filter(|p| ids.contains(p)),
                unread: folder.unread_item_count,
                total: folder.total_item_count,
                role,
                id: folder.id,
            }
        })
        .collect())
}

/// One message in full, with In-Reply-To and References from its Internet headers.
pub fn get_message(session: &mut Session<'_>, id: &str) -> Result<Message, Error> {
    let select = format!("{},internetMessageHeaders", message::SELECT);
    let response = session
        .send(messages_get::request(id, &select)?)
        .map_err(|e| session::not_found(&Microsoft, e, "id"))?;
    let found: GraphMessage = net::parse_json(&response, messages_get::NAME)?;
    with_attachments(session, vec![found])?
        .pop()
        .ok_or_else(|| Error::malformed(Some(200), "Graph returned no message"))
}

/// The messages of conversation `id`, from every folder.
pub fn get_thread(session: &mut Session<'_>, id: &str) -> Result<Vec<Message>, Error> {
    let query = messages_list::Query {
        filter: Some(messages_list::conversation(id)),
        select: format!("{},internetMessageHeaders", message::SELECT),
        order_by: None,
        top: 50,
    };
    let mut next = Some(messages_list::url(&query));
    let mut found: Vec<GraphMessage> = Vec::new();
    while let Some(link) = next {
        let response = session.send(immutable_ids(net::json_get(&link)?))?;
        let page: Collection<GraphMessage> = net::parse_json(&response, messages_list::NAME)?;
        found.extend(page.value);
        next = page.next_link.map(trusted).transpose()?;
    }
    if found.is_empty() {
        return Err(Error::invalid(
            "thread-id",
            "names no conversation in this mailbox",
        ));
    }
    with_attachments(session, found)
}

/// The bytes of attachment `attachment_id`: its size is read first, and the bytes (`$value`)
/// are fetched only within `max_bytes`.
pub fn get_attachment(
    session: &mut Session<'_>,
    message_id: &str,
    attachment_id: &str,
    max_bytes: u64,
) -> Result<AttachmentData, Error> {
    let url = attachments::item_url(message_id, attachment_id);
    let meta: GraphAttachment = session
        .get_json(
            &format!("{url}?$select={}", message::ATTACHMENT_SELECT),
            attachments::NAME,
        )
        .map_err(|e| session::not_found(&Microsoft, e, "attachment-id"))?;
    manage::check_attachment_size(meta.size.unwrap_or_default(), max_bytes)?;
    let value = attachments::value_url(message_id, attachment_id);
    let response = session.send(net::bodyless(Method::GET, &value)?)?;
    let content = response.into_body();
    manage::check_attachment_size(content.len() as u64, max_bytes)?;
    Ok(AttachmentData {
        filename: meta.file_name(),
        mime_type: meta.media_type(),
        content,
        account: None,
    })
}

/// Applies `action` to `ids` through JSON batches of 20, one batch at a time (Outlook allows
/// four requests at once per mailbox, and a batch's requests count among them). Labels are
/// Gmail's: Outlook has folders (`move-to`).
pub fn modify(
    session: &mut Session<'_>,
    ids: &[String],
    action: &ModifyAction,
) -> Result<Vec<Result<(), Error>>, Error> {
    let change = match action {
        ModifyAction::MarkRead => Change::Read(true),
        ModifyAction::MarkUnread => Change::Read(false),
        ModifyAction::Star => Change::Flagged(true),
        ModifyAction::Unstar => Change::Flagged(false),
        ModifyAction::MoveTo(folder) => Change::Move(folder.clone()),
        ModifyAction::Archive => Change::Move("archive".to_owned()),
        ModifyAction::Trash => Change::Move("deleteditems".to_owned()),
        ModifyAction::Restore => Change::Move("inbox".to_owned()),
        ModifyAction::DeleteForever => Change::Delete,
        ModifyAction::AddLabels(_) | ModifyAction::RemoveLabels(_) => {
            let feature = if matches!(action, ModifyAction::AddLabels(_)) {
                "add-labels"
            } else {
                "remove-labels"
            };
            return Err(Error::unsupported(
                feature,
                "Outlook has folders, not labels: use move-to with a folder id",
            ));
        }
    };
    let mut outcomes = Vec::with_capacity(ids.len());
    for chunk in manage::batches(ids, batch::MOST) {
        let calls = chunk
            .iter()
            .map(|id| messages_write::change(id, &change))
            .collect::<Result<Vec<_>, _>>()?;
        let response = session.send(batch::request(&calls)?)?;
        let answers = batch::answers(&response, chunk.len())?;
        outcomes.extend(answers.into_iter().map(outcome));
    }
    Ok(outcomes)
}

/// The outcome of one request of a batch, from its response.
fn outcome(response: Option<Response>) -> Result<(), Error> {
    match response {
        None => Err(Error::malformed(
            Some(200),
            "the Graph batch answer lacks a response",
        )),
        Some(response) if response.status().is_success() => Ok(()),
        Some(response) => Err(session::api_error(&Microsoft, &response)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_outcomes_keep_each_status() {
        let answer = |status: u16, headers: &[(&str, &str)], body: &str| {
            let mut built = http::Response::builder().status(status);
            for (name, value) in headers {
                built = built.header(*name, *value);
            }
            Some(built.body(body.as_bytes().to_vec()).unwrap())
        };
        assert!(outcome(answer(200, &[], "{}")).is_ok());
        assert!(matches!(
            outcome(answer(404, &[], r#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}"#)),
            Err(Error::Provider { status: Some(404), code: Some(c), .. }) if c == "ErrorItemNotFound"
        ));
        assert!(matches!(
            outcome(answer(
                429,
                &[("retry-after", "9")],
                r#"{"error":{"code":"TooManyRequests","message":"slow"}}"#
            )),
            Err(Error::RetryLater {
                retry_after_seconds: Some(9),
                ..
            })
        ));
        assert!(outcome(None).is_err());
    }
}
