//! Mail folders: the well-known folders and a few user folders, how generated mail is filed in
//! them, and `GET /me/mailFolders`, `/me/mailFolders/{id}` and `…/childFolders`.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Call, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::{Generated, Mailbox, Place, USER_FILES};
use crate::wire::{Ordered, Response};

/// A folder of the mailbox. Its tag is what messages in it carry.
struct Folder {
    tag: &'static str,
    name: &'static str,
    parent: &'static str,
    hidden: bool,
    /// Whether `tag` is a well-known name requests may use instead of the id.
    well_known: bool,
}

const fn folder(tag: &'static str, name: &'static str, parent: &'static str) -> Folder {
    Folder {
        tag,
        name,
        parent,
        hidden: false,
        well_known: true,
    }
}

const fn user_folder(tag: &'static str, name: &'static str, parent: &'static str) -> Folder {
    Folder {
        tag,
        name,
        parent,
        hidden: false,
        well_known: false,
    }
}

/// The root every top-level folder hangs from.
const ROOT: &str = "msgfolderroot";

/// The folders; a folder's number in this list is its id's number.
const FOLDERS: [Folder; 13] = [
    folder(ROOT, "Top of Information Store", ""),
    folder("archive", "Archive", ROOT),
    folder("conversationhistory", "Conversation History", ROOT),
    folder("deleteditems", "Deleted Items", ROOT),
    folder("drafts", "Drafts", ROOT),
    folder("inbox", "Inbox", ROOT),
    folder("junkemail", "Junk Email", ROOT),
    folder("outbox", "Outbox", ROOT),
    folder("sentitems", "Sent Items", ROOT),
    Folder {
        hidden: true,
        ..folder("syncissues", "Sync Issues", ROOT)
    },
    user_folder("projects", "Projects", ROOT),
    user_folder("projects-alpha", "Alpha", "projects"),
    user_folder("inbox-receipts", "Receipts", "inbox"),
];

/// The user folders generated mail is filed in, by filing number.
const USER_TAGS: [&str; USER_FILES] = ["projects", "projects-alpha", "inbox-receipts"];

/// The folders whose messages [`crate::Sandbox::message_ids`] leaves out.
pub(crate) const HIDDEN_FROM_SYNC: [&str; 2] = ["junkemail", "deleteditems"];

/// The folder a generated message goes in.
pub(crate) fn filing(generated: &Generated) -> BTreeSet<String> {
    let tag = match (generated.place, generated.filed) {
        (Place::Inbox | Place::Archive, Some(n)) => USER_TAGS[n],
        (Place::Inbox, None) => "inbox",
        (Place::Archive, None) => "archive",
        (Place::Sent, _) => "sentitems",
        (Place::Drafts, _) => "drafts",
        (Place::Spam, _) => "junkemail",
        (Place::Trash, _) => "deleteditems",
    };
    BTreeSet::from([tag.to_owned()])
}

/// The tag of the folder `name_or_id` names in `mailbox`: a well-known name (any case) or a
/// folder id.
pub(crate) fn resolve(mailbox: &Mailbox, name_or_id: &str) -> Option<&'static str> {
    if let Some(folder) = FOLDERS
        .iter()
        .find(|f| f.well_known && f.tag.eq_ignore_ascii_case(name_or_id))
    {
        return Some(folder.tag);
    }
    let n = ids::decode(ids::Kind::Folder, mailbox.salt(), name_or_id)?;
    FOLDERS.get(usize::try_from(n).ok()?).map(|f| f.tag)
}

/// The id of the folder tagged `tag` in `mailbox`.
pub(crate) fn id_of(mailbox: &Mailbox, tag: &str) -> String {
    let n = FOLDERS.iter().position(|f| f.tag == tag).unwrap_or(0);
    ids::encode(ids::Kind::Folder, mailbox.salt(), n as u64)
}

/// A `mailFolder`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FolderJson {
    id: String,
    display_name: &'static str,
    parent_folder_id: String,
    child_folder_count: usize,
    unread_item_count: usize,
    total_item_count: usize,
    size_in_bytes: usize,
    is_hidden: bool,
}

impl FolderJson {
    /// `folder` of `mailbox`, with its counts.
    fn new(mailbox: &Mailbox, folder: &Folder) -> FolderJson {
        let mut json = FolderJson {
            id: id_of(mailbox, folder.tag),
            display_name: folder.name,
            parent_folder_id: id_of(mailbox, folder.parent),
            child_folder_count: FOLDERS.iter().filter(|f| f.parent == folder.tag).count(),
            unread_item_count: 0,
            total_item_count: 0,
            size_in_bytes: 0,
            is_hidden: folder.hidden,
        };
        for message in mailbox
            .messages()
            .filter(|m| m.state.tags.contains(folder.tag))
        {
            json.total_item_count += 1;
            json.unread_item_count += usize::from(message.state.unread);
            json.size_in_bytes += message.content.raw().len();
        }
        json
    }
}

/// `GET /me/mailFolders`: the top-level folders.
pub(super) fn list(call: &Call) -> Response {
    let context = format!("{}/mailFolders", call.user_context());
    page_of_children(call, ROOT, context)
}

/// `GET /me/mailFolders/{id}/childFolders`.
pub(super) fn children(call: &Call, id: &str) -> Response {
    let Some(tag) = resolve(&call.shared.mail.of(Provider::Microsoft), id) else {
        return api::graph_item_not_found();
    };
    let context = format!("{}/mailFolders('{id}')/childFolders", call.user_context());
    page_of_children(call, tag, context)
}

/// `GET /me/mailFolders/{id}`, by id or well-known name.
pub(super) fn get(call: &Call, id: &str) -> Response {
    let mailbox = call.shared.mail.of(Provider::Microsoft);
    let Some(folder) = resolve(&mailbox, id).and_then(|tag| FOLDERS.iter().find(|f| f.tag == tag))
    else {
        return api::graph_item_not_found();
    };
    let json = FolderJson::new(&mailbox, folder);
    drop(mailbox);
    let context = format!("{}/mailFolders/$entity", call.user_context());
    super::ok(
        &Entity {
            context,
            entity: json,
        },
        &[],
    )
}

/// One entity with its `@odata.context`.
#[derive(Serialize)]
struct Entity<T> {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(flatten)]
    entity: T,
}

/// A page (`$top`, default 10, and `$skip`) of the folders under `parent`, by display name,
/// hidden ones only with `includeHiddenFolders=true`.
fn page_of_children(call: &Call, parent: &str, context: String) -> Response {
    let request = call.request;
    let (top, skip) = match (
        super::number_option(request, "$top"),
        super::number_option(request, "$skip"),
    ) {
        (Ok(top), Ok(skip)) => (top.unwrap_or(10).clamp(1, 1000), skip.unwrap_or(0)),
        (Err(refused), _) | (_, Err(refused)) => return *refused,
    };
    let hidden_too = request
        .query_param("includeHiddenFolders")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut folders: Vec<&Folder> = FOLDERS
        .iter()
        .filter(|f| f.parent == parent && (hidden_too || !f.hidden))
        .collect();
    folders.sort_by_key(|f| f.name);
    let more = folders.len() > skip + top;
    let value: Vec<FolderJson> = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        folders
            .iter()
            .skip(skip)
            .take(top)
            .map(|f| FolderJson::new(&mailbox, f))
            .collect()
    };
    let mut members = vec![
        ("@odata.context", super::select::raw(&context)),
        ("value", super::select::raw(&value)),
    ];
    if more {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if request.query_param("includeHiddenFolders").is_some() {
            query.append_pair("includeHiddenFolders", &hidden_too.to_string());
        }
        if request.query_param("$top").is_some() {
            query.append_pair("$top", &top.to_string());
        }
        query.append_pair("$skip", &(skip + top).to_string());
        let next = call.link(&query.finish(), true);
        members.push(("@odata.nextLink", super::select::raw(&next)));
    }
    super::ok(&Ordered(members), &[])
}
