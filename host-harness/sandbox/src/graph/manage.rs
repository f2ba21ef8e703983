//! Moving and deleting messages: `POST /me/messages/{id}/move` and `DELETE /me/messages/{id}`.
//! Each is one logged change, so folder delta reports it once: `@removed` in the folder the
//! message left and, after a move, the message in the folder it went to.

use http::StatusCode;

use super::{Call, drafts, folders, input, messages};
use crate::config::Provider;
use crate::mailbox::Mailbox;
use crate::wire::{self, Refusal, Response};

/// `POST /me/messages/{id}/move` with `{"destinationId"}` (a folder id or a well-known name
/// such as `archive` or `deleteditems`): `201` with the message as it is now, in its new
/// folder. Its default id is a new one (the one in the path no longer names it); its immutable
/// id stays (https://learn.microsoft.com/en-us/graph/outlook-immutable-id), and the answer
/// gives the form the request asks for.
pub(super) fn move_to(call: &Call, id: &str) -> Response {
    match relocate(call, id) {
        Ok(key) => messages::entity(call, key, StatusCode::CREATED),
        Err(refused) => *refused,
    }
}

/// Moves message `id` where the `move` request says; its number.
fn relocate(call: &Call, id: &str) -> Result<u64, Refusal> {
    let object = input::object(call.request)?;
    input::check_parameters(&object, &["DestinationId"], "move")?;
    let destination = input::string(&object, "DestinationId")?
        .ok_or_else(|| input::unreadable("The parameter 'DestinationId' is required."))?;
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = drafts::found(&mailbox, id)?;
    let tag = folders::destination(&mailbox, &destination)?;
    move_message(&mut mailbox, key, &tag);
    Ok(key)
}

/// Moves message `key` of `mailbox` to the folder tagged `tag`, as one change (its old folder
/// removed, the new one added); false if there is no such message.
pub(crate) fn move_message(mailbox: &mut Mailbox, key: u64, tag: &str) -> bool {
    let leaving: Vec<String> = mailbox.get(key).map_or_else(Vec::new, |m| {
        m.state.tags.iter().filter(|t| *t != tag).cloned().collect()
    });
    let leaving: Vec<&str> = leaving.iter().map(String::as_str).collect();
    mailbox.retag(key, &[tag], &leaving)
}

/// `DELETE /me/messages/{id}` (drafts included): `204`. Graph soft-deletes: the message goes
/// to the mailbox's Recoverable Items (its dumpster, which Outlook and the mail folder lists do
/// not show), not to Deleted Items. So it is gone from its folder, whose delta reports it
/// `@removed`, and from every folder the sandbox serves; its ids then answer 404.
pub(super) fn delete(call: &Call, id: &str) -> Response {
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    match drafts::found(&mailbox, id) {
        Ok(key) => {
            mailbox.delete(key);
            wire::empty(StatusCode::NO_CONTENT)
        }
        Err(refused) => *refused,
    }
}
