//! Mail folders: the tree a mailbox starts with (the well-known folders and a few user
//! folders), how generated mail is filed in it, how folders render as `mailFolder`s, and
//! `GET /me/mailFolders`, `/me/mailFolders/{id}` and `…/childFolders`
//! (https://learn.microsoft.com/en-us/graph/api/user-list-mailfolders).

use std::collections::BTreeSet;

use serde_json::value::RawValue;

use super::select::{Property, Selection, raw};
use super::{Call, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::folders::{Folder, Folders};
use crate::mailbox::{Generated, Mailbox, Place, USER_FILES};
use crate::wire::{Ordered, Refusal, Response};

/// The root every top-level folder hangs from.
pub(crate) const ROOT: &str = "msgfolderroot";
/// Deleted Items, where a deleted folder goes.
pub(super) const DELETED_ITEMS: &str = "deleteditems";
/// The entity type named in `$select` errors.
pub(super) const TYPE_NAME: &str = "microsoft.graph.mailFolder";

/// The user folders generated mail is filed in, by filing number.
const USER_TAGS: [&str; USER_FILES] = ["projects", "projects-alpha", "inbox-receipts"];

/// The folders whose messages (their subfolders' too) [`crate::Controls::message_ids`] leaves
/// out.
const HIDDEN_FROM_SYNC: [&str; 2] = ["junkemail", DELETED_ITEMS];

/// The tree a Graph mailbox starts with: the root, the well-known folders (Sync Issues hidden)
/// and three user folders; a folder's number is its place in this list. Shapes as in
/// shared/specs: samples/graph/me.mailFolders.list.json.
pub(crate) fn folder_tree() -> Folders {
    let well_known = |number, tag, name, parent| Folder {
        well_known: true,
        ..Folder::initial(number, tag, name, parent)
    };
    Folders::new(vec![
        well_known(0, ROOT, "Top of Information Store", None),
        well_known(1, "archive", "Archive", Some(ROOT)),
        well_known(2, "conversationhistory", "Conversation History", Some(ROOT)),
        well_known(3, DELETED_ITEMS, "Deleted Items", Some(ROOT)),
        well_known(4, "drafts", "Drafts", Some(ROOT)),
        well_known(5, "inbox", "Inbox", Some(ROOT)),
        well_known(6, "junkemail", "Junk Email", Some(ROOT)),
        well_known(7, "outbox", "Outbox", Some(ROOT)),
        well_known(8, "sentitems", "Sent Items", Some(ROOT)),
        Folder {
            hidden: true,
            ..well_known(9, "syncissues", "Sync Issues", Some(ROOT))
        },
        Folder::initial(10, USER_TAGS[0], "Projects", Some(ROOT)),
        Folder::initial(11, USER_TAGS[1], "Alpha", Some(USER_TAGS[0])),
        Folder::initial(12, USER_TAGS[2], "Receipts", Some("inbox")),
    ])
}

/// The folder a generated message goes in.
pub(crate) fn filing(generated: &Generated) -> BTreeSet<String> {
    let tag = match (generated.place, generated.filed) {
        (Place::Inbox | Place::Archive, Some(n)) => USER_TAGS[n],
        (Place::Inbox, None) => "inbox",
        (Place::Archive, None) => "archive",
        (Place::Sent, _) => "sentitems",
        (Place::Drafts, _) => "drafts",
        (Place::Spam, _) => "junkemail",
        (Place::Trash, _) => DELETED_ITEMS,
    };
    BTreeSet::from([tag.to_owned()])
}

/// The tag of the folder `name_or_id` names in `mailbox`: a well-known name (any case) or a
/// folder id.
pub(crate) fn resolve(mailbox: &Mailbox, name_or_id: &str) -> Option<String> {
    let folders = mailbox.folders();
    let found = match folders
        .iter()
        .find(|f| f.well_known && f.tag.eq_ignore_ascii_case(name_or_id))
    {
        Some(folder) => folder,
        None => {
            let [number] = ids::decode(ids::Kind::Folder, mailbox.salt(), name_or_id)?;
            folders.numbered(number)?
        }
    };
    Some(found.tag.clone())
}

/// The tag of the folder a move's `destinationId` names (an id or a well-known name): Graph's
/// 404 for an id of this mailbox's folders that names none (any more), its 400
/// `ErrorInvalidIdMalformed` for anything else.
pub(super) fn destination(mailbox: &Mailbox, destination: &str) -> Result<String, Refusal> {
    resolve(mailbox, destination).ok_or_else(|| {
        Box::new(
            match ids::decode::<1>(ids::Kind::Folder, mailbox.salt(), destination) {
                Some(_) => api::graph_item_not_found(),
                None => api::graph_error(
                    http::StatusCode::BAD_REQUEST,
                    "ErrorInvalidIdMalformed",
                    "Id is malformed.",
                ),
            },
        )
    })
}

/// The id of the folder tagged `tag` in `mailbox` (the root's for a tag it does not have).
pub(crate) fn id_of(mailbox: &Mailbox, tag: &str) -> String {
    let number = mailbox.folders().get(tag).map_or(0, |f| f.number);
    ids::encode(ids::Kind::Folder, mailbox.salt(), &[number])
}

/// Whether a sync leaves out the messages of the folder tagged `tag`: it is Junk Email or
/// Deleted Items, or lies under one of them.
pub(crate) fn hidden_from_sync(mailbox: &Mailbox, tag: &str) -> bool {
    HIDDEN_FROM_SYNC
        .iter()
        .any(|hidden| mailbox.folders().within(tag, hidden))
}

/// A folder as its `mailFolder` properties are rendered from.
pub(super) struct View {
    id: String,
    name: String,
    parent_id: String,
    child_count: usize,
    unread: usize,
    total: usize,
    size: usize,
    hidden: bool,
}

impl View {
    /// `folder` of `mailbox`, with its counts.
    pub fn new(mailbox: &Mailbox, folder: &Folder) -> View {
        let mut view = View {
            id: id_of(mailbox, &folder.tag),
            name: folder.name.clone(),
            parent_id: id_of(mailbox, folder.parent.as_deref().unwrap_or(ROOT)),
            child_count: mailbox.folders().children(&folder.tag).count(),
            unread: 0,
            total: 0,
            size: 0,
            hidden: folder.hidden,
        };
        for message in mailbox
            .messages()
            .filter(|m| m.state.tags.contains(&folder.tag))
        {
            view.total += 1;
            view.unread += usize::from(message.state.unread);
            view.size += message.content.raw().len();
        }
        view
    }
}

const fn property(name: &'static str, value: fn(&View) -> Box<RawValue>) -> Property<View> {
    Property {
        name,
        default: true,
        value,
    }
}

/// The properties of a `mailFolder`, in Graph's order.
pub(super) static PROPERTIES: [Property<View>; 8] = [
    property("id", |v| raw(&v.id)),
    property("displayName", |v| raw(&v.name)),
    property("parentFolderId", |v| raw(&v.parent_id)),
    property("childFolderCount", |v| raw(&v.child_count)),
    property("unreadItemCount", |v| raw(&v.unread)),
    property("totalItemCount", |v| raw(&v.total)),
    property("sizeInBytes", |v| raw(&v.size)),
    property("isHidden", |v| raw(&v.hidden)),
];

/// `GET /me/mailFolders`: the top-level folders.
pub(super) fn list(call: &Call) -> Response {
    let context = format!("{}/mailFolders", call.user_context());
    page_of_children(call, ROOT, &context)
}

/// `GET /me/mailFolders/{id}/childFolders`.
pub(super) fn children(call: &Call, id: &str) -> Response {
    let Some(tag) = resolve(&call.shared.mail.of(Provider::Microsoft), id) else {
        return api::graph_item_not_found();
    };
    let context = format!("{}/mailFolders('{id}')/childFolders", call.user_context());
    page_of_children(call, &tag, &context)
}

/// `GET /me/mailFolders/{id}`, by id or well-known name.
pub(super) fn get(call: &Call, id: &str) -> Response {
    let tag = resolve(&call.shared.mail.of(Provider::Microsoft), id);
    match tag {
        Some(tag) => entity(call, &tag, http::StatusCode::OK, "/mailFolders"),
        None => api::graph_item_not_found(),
    }
}

/// Folder `tag` as `GET /me/mailFolders/{id}` shows it (with `$select`), answered with
/// `status`; `collection` is the path its `@odata.context` names.
pub(super) fn entity(
    call: &Call,
    tag: &str,
    status: http::StatusCode,
    collection: &str,
) -> Response {
    let selection =
        match Selection::new(&PROPERTIES, call.request.query_param("$select"), TYPE_NAME) {
            Ok(selection) => selection,
            Err(refused) => return *refused,
        };
    let view = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let Some(folder) = mailbox.folders().get(tag) else {
            return api::graph_item_not_found();
        };
        View::new(&mailbox, folder)
    };
    let base = format!("{}{collection}", call.user_context());
    let mut members = vec![("@odata.context", raw(&selection.context(&base, "/$entity")))];
    members.extend(selection.render(&view));
    super::answer(status, &Ordered(members), &[])
}

/// A page (`$top`, default 10, and `$skip`) of the folders under `parent`, by display name,
/// hidden ones only with `includeHiddenFolders=true`.
fn page_of_children(call: &Call, parent: &str, context: &str) -> Response {
    let request = call.request;
    let (top, skip) = match (
        super::number_option(request, "$top"),
        super::number_option(request, "$skip"),
    ) {
        (Ok(top), Ok(skip)) => (top.unwrap_or(10).clamp(1, 1000), skip.unwrap_or(0)),
        (Err(refused), _) | (_, Err(refused)) => return *refused,
    };
    let selection = match Selection::new(&PROPERTIES, request.query_param("$select"), TYPE_NAME) {
        Ok(selection) => selection,
        Err(refused) => return *refused,
    };
    let hidden_too = request
        .query_param("includeHiddenFolders")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (views, more) = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let mut folders: Vec<&Folder> = mailbox
            .folders()
            .children(parent)
            .filter(|f| hidden_too || !f.hidden)
            .collect();
        folders.sort_by(|a, b| a.name.cmp(&b.name));
        let more = folders.len() > skip + top;
        let views: Vec<View> = folders
            .iter()
            .skip(skip)
            .take(top)
            .map(|f| View::new(&mailbox, f))
            .collect();
        (views, more)
    };
    let value: Vec<Ordered<Box<RawValue>>> =
        views.iter().map(|v| Ordered(selection.render(v))).collect();
    let mut members = vec![
        ("@odata.context", raw(&selection.context(context, ""))),
        ("value", raw(&value)),
    ];
    if more {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if request.query_param("includeHiddenFolders").is_some() {
            query.append_pair("includeHiddenFolders", &hidden_too.to_string());
        }
        if let Some(select) = request.query_param("$select") {
            query.append_pair("$select", select);
        }
        if request.query_param("$top").is_some() {
            query.append_pair("$top", &top.to_string());
        }
        query.append_pair("$skip", &(skip + top).to_string());
        let next = call.link(&query.finish(), true);
        members.push(("@odata.nextLink", raw(&next)));
    }
    super::ok(&Ordered(members), &[])
}
