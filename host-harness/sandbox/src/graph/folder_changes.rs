//! Changing the folder tree: `POST /me/mailFolders` and `…/{id}/childFolders` (create),
//! `PATCH /me/mailFolders/{id}` (rename), `POST …/{id}/move`, `DELETE /me/mailFolders/{id}` and
//! `POST …/{id}/permanentDelete`; and the rules they share with the test controls.
//!
//! Sources: https://learn.microsoft.com/en-us/graph/api/user-post-mailfolders,
//! https://learn.microsoft.com/en-us/graph/api/mailfolder-post-childfolders,
//! https://learn.microsoft.com/en-us/graph/api/mailfolder-update,
//! https://learn.microsoft.com/en-us/graph/api/mailfolder-move,
//! https://learn.microsoft.com/en-us/graph/api/mailfolder-delete and
//! https://learn.microsoft.com/en-us/graph/api/mailsearchfolder-permanentdelete.

use http::StatusCode;

use super::folders::{self, DELETED_ITEMS, ROOT, TYPE_NAME};
use super::{Call, errors, input};
use crate::api;
use crate::config::Provider;
use crate::mailbox::Mailbox;
use crate::wire::{self, Refusal, Response};

/// Why a change to the folder tree is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FolderProblem {
    /// No such folder.
    Missing,
    /// A folder of that name is already there.
    NameTaken,
    /// An empty name.
    NoName,
    /// A well-known folder cannot be deleted.
    DeleteDistinguished,
    /// A well-known folder cannot be moved.
    MoveDistinguished,
    /// A folder cannot move into itself or under itself.
    IntoItself,
}

impl FolderProblem {
    /// Graph's answer to the problem.
    fn refusal(self) -> Refusal {
        match self {
            FolderProblem::Missing => Box::new(api::graph_item_not_found()),
            FolderProblem::NameTaken => errors::folder_exists(),
            // Graph's wording is not documented; the sandbox refuses an empty name (the
            // stricter reading: a folder needs a display name).
            FolderProblem::NoName => Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRequest",
                "A folder needs a displayName that is not empty.",
            )),
            FolderProblem::DeleteDistinguished => errors::distinguished(
                "ErrorDeleteDistinguishedFolder",
                "Distinguished folders cannot be deleted.",
            ),
            FolderProblem::MoveDistinguished => errors::distinguished(
                "ErrorMoveDistinguishedFolder",
                "Distinguished folders cannot be moved.",
            ),
            // Exchange's code for a move it cannot do
            // (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode).
            FolderProblem::IntoItself => Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorMoveCopyFailed",
                "A folder cannot be moved into itself or one of its subfolders.",
            )),
        }
    }
}

/// Checks that `name` can name a new folder in the folder tagged `parent` (other than the one
/// tagged `moving`): Exchange keeps the names under one parent apart, in any case (see
/// [`errors::folder_exists`]).
fn check_name(
    mailbox: &Mailbox,
    parent: &str,
    name: &str,
    moving: Option<&str>,
) -> Result<(), FolderProblem> {
    if name.trim().is_empty() {
        return Err(FolderProblem::NoName);
    }
    let taken = mailbox
        .folders()
        .children(parent)
        .any(|f| Some(f.tag.as_str()) != moving && f.name.to_lowercase() == name.to_lowercase());
    match taken {
        true => Err(FolderProblem::NameTaken),
        false => Ok(()),
    }
}

/// Creates folder `name` in the folder tagged `parent`; its tag.
pub(crate) fn create(
    mailbox: &mut Mailbox,
    parent: &str,
    name: &str,
    hidden: bool,
) -> Result<String, FolderProblem> {
    if mailbox.folders().get(parent).is_none() {
        return Err(FolderProblem::Missing);
    }
    check_name(mailbox, parent, name, None)?;
    Ok(mailbox.create_folder(parent, name, hidden))
}

/// Renames the folder tagged `tag` to `name`.
pub(crate) fn rename(mailbox: &mut Mailbox, tag: &str, name: &str) -> Result<(), FolderProblem> {
    let parent = mailbox
        .folders()
        .get(tag)
        .ok_or(FolderProblem::Missing)?
        .parent
        .clone()
        .unwrap_or_default();
    check_name(mailbox, &parent, name, Some(tag))?;
    mailbox.rename_folder(tag, name);
    Ok(())
}

/// Moves the folder tagged `tag` into the folder tagged `parent`. Well-known folders stay where
/// they are (`ErrorMoveDistinguishedFolder`).
pub(crate) fn relocate(
    mailbox: &mut Mailbox,
    tag: &str,
    parent: &str,
) -> Result<(), FolderProblem> {
    let folder = mailbox.folders().get(tag).ok_or(FolderProblem::Missing)?;
    if folder.well_known {
        return Err(FolderProblem::MoveDistinguished);
    }
    if mailbox.folders().get(parent).is_none() {
        return Err(FolderProblem::Missing);
    }
    if mailbox.folders().within(parent, tag) {
        return Err(FolderProblem::IntoItself);
    }
    let name = folder.name.clone();
    check_name(mailbox, parent, &name, Some(tag))?;
    mailbox.move_folder(tag, parent);
    Ok(())
}

/// Deletes the folder tagged `tag` as `DELETE /me/mailFolders/{id}` does: it moves, with its
/// subfolders and messages, into Deleted Items; a folder already in Deleted Items goes for
/// good. Well-known folders cannot be deleted (`ErrorDeleteDistinguishedFolder`).
///
/// Sources: the docs keep a separate action to delete a folder permanently
/// (https://learn.microsoft.com/en-us/graph/api/mailsearchfolder-permanentdelete: "Permanently
/// delete a mail search folder and remove its items from the user's mailbox"), so `DELETE` is
/// the soft one; it moves the folder and its contents to Deleted Items
/// (https://docs.rs/pidge-client/latest/pidge_client/graph/fn.delete_mail_folder.html: "Outlook
/// moves the folder (and any contents) to Deleted Items"), where user folders show up in
/// shared/specs: samples/graph/me.mailFolders.delta.page1-nextLink.json (Deleted Items with two
/// child folders). A deleted folder keeps its id there, as folder ids do not change.
pub(crate) fn delete(mailbox: &mut Mailbox, tag: &str) -> Result<(), FolderProblem> {
    let folder = mailbox.folders().get(tag).ok_or(FolderProblem::Missing)?;
    if folder.well_known {
        return Err(FolderProblem::DeleteDistinguished);
    }
    match mailbox.folders().within(tag, DELETED_ITEMS) {
        true => purge(mailbox, tag),
        false => {
            mailbox.move_folder(tag, DELETED_ITEMS);
            Ok(())
        }
    }
}

/// Deletes the folder tagged `tag` for good, with its subfolders and messages (`permanentDelete`).
pub(crate) fn purge(mailbox: &mut Mailbox, tag: &str) -> Result<(), FolderProblem> {
    let folder = mailbox.folders().get(tag).ok_or(FolderProblem::Missing)?;
    if folder.well_known {
        return Err(FolderProblem::DeleteDistinguished);
    }
    mailbox.purge_folder(tag);
    Ok(())
}

/// `POST /me/mailFolders` with `{"displayName", "isHidden"}`: `201` with the new top-level
/// folder.
pub(super) fn create_top(call: &Call) -> Response {
    created(call, ROOT, "/mailFolders")
}

/// `POST /me/mailFolders/{id}/childFolders`: `201` with the new folder.
pub(super) fn create_child(call: &Call, id: &str) -> Response {
    let parent = folders::resolve(&call.shared.mail.of(Provider::Microsoft), id);
    match parent {
        Some(parent) => created(call, &parent, &format!("/mailFolders('{id}')/childFolders")),
        None => api::graph_item_not_found(),
    }
}

/// Creates the folder a `POST` describes in the folder tagged `parent`; the answer, whose
/// `@odata.context` names `collection`.
fn created(call: &Call, parent: &str, collection: &str) -> Response {
    let made = (|| {
        let object = input::object(call.request)?;
        input::check_properties(&object, &["displayName", "isHidden"], TYPE_NAME)?;
        let name = input::string(&object, "displayName")?.unwrap_or_default();
        let hidden = input::boolean(&object, "isHidden")?.unwrap_or(false);
        let mut mailbox = call.shared.mail.of(Provider::Microsoft);
        create(&mut mailbox, parent, &name, hidden).map_err(FolderProblem::refusal)
    })();
    match made {
        Ok(tag) => folders::entity(call, &tag, StatusCode::CREATED, collection),
        Err(refused) => *refused,
    }
}

/// `PATCH /me/mailFolders/{id}` with `{"displayName"}`: `200` with the folder renamed.
pub(super) fn update(call: &Call, id: &str) -> Response {
    let renamed = (|| {
        let object = input::object(call.request)?;
        input::check_properties(&object, &["displayName"], TYPE_NAME)?;
        let mut mailbox = call.shared.mail.of(Provider::Microsoft);
        let tag =
            folders::resolve(&mailbox, id).ok_or_else(|| Box::new(api::graph_item_not_found()))?;
        if let Some(name) = input::string(&object, "displayName")? {
            rename(&mut mailbox, &tag, &name).map_err(FolderProblem::refusal)?;
        }
        Ok::<_, Refusal>(tag)
    })();
    match renamed {
        Ok(tag) => folders::entity(call, &tag, StatusCode::OK, "/mailFolders"),
        Err(refused) => *refused,
    }
}

/// `POST /me/mailFolders/{id}/move` with `{"destinationId"}`: `201` with the folder in its new
/// place.
pub(super) fn move_to(call: &Call, id: &str) -> Response {
    let moved = (|| {
        let object = input::object(call.request)?;
        input::check_parameters(&object, &["DestinationId"], "move")?;
        let destination = input::string(&object, "DestinationId")?
            .ok_or_else(|| input::unreadable("The parameter 'DestinationId' is required."))?;
        let mut mailbox = call.shared.mail.of(Provider::Microsoft);
        let tag =
            folders::resolve(&mailbox, id).ok_or_else(|| Box::new(api::graph_item_not_found()))?;
        let parent = folders::destination(&mailbox, &destination)?;
        relocate(&mut mailbox, &tag, &parent).map_err(FolderProblem::refusal)?;
        Ok::<_, Refusal>(tag)
    })();
    match moved {
        Ok(tag) => folders::entity(call, &tag, StatusCode::CREATED, "/mailFolders"),
        Err(refused) => *refused,
    }
}

/// `DELETE /me/mailFolders/{id}`: `204`; see [`delete`].
pub(super) fn remove(call: &Call, id: &str) -> Response {
    removal(call, id, delete)
}

/// `POST /me/mailFolders/{id}/permanentDelete`: `204`; see [`purge`].
pub(super) fn remove_for_good(call: &Call, id: &str) -> Response {
    removal(call, id, purge)
}

/// Answers a deletion of folder `id` done by `how`.
fn removal(
    call: &Call,
    id: &str,
    how: fn(&mut Mailbox, &str) -> Result<(), FolderProblem>,
) -> Response {
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let Some(tag) = folders::resolve(&mailbox, id) else {
        return api::graph_item_not_found();
    };
    match how(&mut mailbox, &tag) {
        Ok(()) => wire::empty(StatusCode::NO_CONTENT),
        Err(problem) => *problem.refusal(),
    }
}
