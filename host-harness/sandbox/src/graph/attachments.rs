//! Graph `fileAttachment`s: the files of a message (attachments and inline images),
//! `GET /me/messages/{id}/attachments`, `…/attachments/{id}` and its raw bytes
//! (`…/attachments/{id}/$value`), and `POST /me/messages/{id}/attachments` on a draft.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::StatusCode;
use serde_json::value::RawValue;

use super::input::{self, Object};
use super::select::{Property, Selection, raw};
use super::{Call, IdType, drafts, errors, ids};
use crate::api;
use crate::clock::Utc;
use crate::config::Provider;
use crate::mailbox::draft::DraftFile;
use crate::mailbox::mime::Part;
use crate::mailbox::model::Content;
use crate::wire::{self, Ordered, Refusal, Response};

/// The entity type named in `$select` errors.
const TYPE_NAME: &str = "microsoft.graph.attachment";
/// The type of the attachments the sandbox takes.
const FILE_TYPE: &str = "microsoft.graph.fileAttachment";
/// The largest request body Graph takes: "4 MB", read the stricter way (4,000,000 bytes rather
/// than 4 MiB). Sources: https://github.com/microsoftgraph/microsoft-graph-docs/issues/85
/// ("there is a 4MB limit on the size of a request") and
/// https://learn.microsoft.com/en-us/graph/outlook-large-attachments (files of 3 MB and more go
/// through an upload session). A `POST …/attachments` body is the file in base64 and its
/// description, so files up to about 3 MB fit.
const REQUEST_LIMIT: usize = 4_000_000;

/// An attachment as its properties are rendered from.
struct View {
    /// Its id in the form the request asks for.
    id: String,
    /// Its id in the other form, which names it in requests too.
    other_id: String,
    content: Arc<Content>,
    part: String,
    ordinal: usize,
    received_ms: u64,
}

impl View {
    fn part(&self) -> &Part {
        self.content
            .parsed()
            .root
            .find(&self.part)
            .expect("views are made of existing parts")
    }

    /// Whether the attachment is a message inside the message: an `itemAttachment` (see
    /// [`is_item`]).
    fn is_item(&self) -> bool {
        is_item(self.part())
    }

    /// The file name, or one made up from the type for unnamed parts (as Exchange does); an
    /// item attachment's name is the subject of the message it holds (see [`item_name`]).
    fn name(&self) -> String {
        let part = self.part();
        if self.is_item() {
            return item_name(part);
        }
        match part.filename.is_empty() {
            false => part.filename.clone(),
            true => {
                let subtype = part.mime_type.rsplit('/').next().unwrap_or("bin");
                format!("attachment{}.{subtype}", self.ordinal + 1)
            }
        }
    }
}

/// Whether `part` is a message Exchange keeps as an Outlook item attached to the message (an
/// `itemAttachment`) rather than as a file: a `message/rfc822` part (each part of a
/// `multipart/digest` is one by default) that reads as a message. Source:
/// https://learn.microsoft.com/en-us/graph/api/attachment-get ("An Outlook item (contact, event
/// or message). Programmatically, an item attachment is an itemAttachment resource").
fn is_item(part: &Part) -> bool {
    part.mime_type == "message/rfc822" && part.is_message()
}

/// The `name` of an item attachment: the subject of the message it holds, whatever file name
/// the part had. Source: https://learn.microsoft.com/en-us/graph/api/attachment-get, example 2
/// (an item attachment named "Reminder - please bring laptop", and in example 3 the attached
/// message's `subject` is the same); the stricter reading that the part's own file name is not
/// kept.
fn item_name(part: &Part) -> String {
    part.message()
        .and_then(|message| message.decoded("Subject"))
        .unwrap_or_default()
}

/// The members an `itemAttachment` has: those of the base `attachment` type, without the
/// `fileAttachment` ones (`contentBytes`, `contentId`, `contentLocation`). Source:
/// https://learn.microsoft.com/en-us/graph/api/attachment-get, example 2 (`@odata.type`, `id`,
/// `lastModifiedDateTime`, `name`, `contentType` `null`, `size`, `isInline`).
const ITEM_MEMBERS: [&str; 6] = [
    "id",
    "lastModifiedDateTime",
    "name",
    "contentType",
    "size",
    "isInline",
];

const fn property(name: &'static str, value: fn(&View) -> Box<RawValue>) -> Property<View> {
    Property {
        name,
        default: true,
        value,
    }
}

/// The properties of a file attachment; `contentBytes` comes only with a single attachment.
static PROPERTIES: [Property<View>; 9] = [
    property("id", |v| raw(&v.id)),
    property("lastModifiedDateTime", |v| {
        raw(&Utc::of_unix(v.received_ms / 1000).graph_instant())
    }),
    property("name", |v| raw(&v.name())),
    property("contentType", |v| match v.is_item() {
        true => raw(&()),
        false => raw(&v.part().mime_type),
    }),
    property("size", |v| raw(&reported_size(v))),
    property("isInline", |v| raw(&(!v.is_item() && v.part().is_inline()))),
    property("contentId", |v| raw(&v.part().content_id)),
    property("contentLocation", |_| raw(&())),
    Property {
        name: "contentBytes",
        default: false,
        value: |v| raw(&STANDARD.encode(&v.part().body)),
    },
];

/// The `size` Exchange reports for a file attachment: the size of the attachment item, which
/// holds the file's properties besides its bytes, so it is always larger than the file.
/// Source: shared/specs: samples/graph/me.message.attachment.get.fileAttachment.json, where the
/// 11-byte `test.txt` (`text/plain`) has size 169, and
/// samples/graph/me.message.attachments.list.json (170 for a `test.txt` a byte longer). The
/// sandbox's formula fits them: the bytes, plus 100 bytes of fixed properties, plus the name
/// three times in UTF-16 (display name, file name, long file name: 6 bytes a UTF-16 unit), plus
/// the content type and the content id (one byte a character): 11 + 100 + 48 + 10 = 169. An
/// item attachment (no content type, no content id) counts the message it holds as its bytes.
fn reported_size(view: &View) -> usize {
    let part = view.part();
    let name_units = view.name().encode_utf16().count();
    let (content_type, content_id) = match view.is_item() {
        true => (0, 0),
        false => (
            part.mime_type.len(),
            part.content_id.as_deref().map_or(0, str::len),
        ),
    };
    part.body.len() + 100 + 6 * name_units + content_type + content_id
}

/// `GET /me/messages/{id}/attachments`.
pub(super) fn list(call: &Call, message_id: &str) -> Response {
    let selection =
        match Selection::new(&PROPERTIES, call.request.query_param("$select"), TYPE_NAME) {
            Ok(selection) => selection,
            Err(refused) => return *refused,
        };
    let Some(views) = views(call, message_id) else {
        return api::graph_item_not_found();
    };
    let value: Vec<Ordered<Box<RawValue>>> = views
        .iter()
        .map(|v| Ordered(members(v, &selection)))
        .collect();
    let context = selection.context(
        &format!(
            "{}/messages('{message_id}')/attachments",
            call.user_context()
        ),
        "",
    );
    super::ok(
        &Ordered(vec![
            ("@odata.context", raw(&context)),
            ("value", raw(&value)),
        ]),
        &[],
    )
}

/// `GET /me/messages/{id}/attachments/{attachmentId}`, with `contentBytes`.
pub(super) fn get(call: &Call, message_id: &str, attachment_id: &str) -> Response {
    entity(call, message_id, attachment_id, StatusCode::OK)
}

/// `GET /me/messages/{id}/attachments/{attachmentId}/$value`: the file's bytes as they are,
/// with its media type as `Content-Type` (Graph's "get the raw contents of a file attachment");
/// for an item attachment, the message it holds in MIME format ("For an item attachment that
/// is a contact, event, or message, the raw contents returned is in MIME format":
/// https://learn.microsoft.com/en-us/graph/api/attachment-get). Exchange writes that MIME
/// again from the item it made of the message; the sandbox gives the message's bytes as they
/// came, so clients must read them as a message rather than expect the same bytes.
pub(super) fn value(call: &Call, message_id: &str, attachment_id: &str) -> Response {
    match find(call, message_id, attachment_id) {
        Some(view) => {
            let part = view.part();
            wire::bytes(StatusCode::OK, &part.mime_type, part.body.clone())
        }
        None => api::graph_item_not_found(),
    }
}

/// `POST /me/messages/{id}/attachments` with a `fileAttachment`: `201` with the attachment as
/// `GET` shows it. A request body over Graph's limit ([`REQUEST_LIMIT`]) is refused as Graph
/// refuses it, before it is read.
pub(super) fn add(call: &Call, message_id: &str) -> Response {
    match attach(call, message_id) {
        Ok(attachment_id) => entity(call, message_id, &attachment_id, StatusCode::CREATED),
        Err(refused) => *refused,
    }
}

/// Attaches the file of a `POST …/attachments` to draft `message_id`; the attachment's id, in
/// the form the request asks for.
fn attach(call: &Call, message_id: &str) -> Result<String, Refusal> {
    if call.request.body.len() > REQUEST_LIMIT {
        return Err(errors::request_too_large());
    }
    let file = read_file(&input::object(call.request)?)?;
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = drafts::found(&mailbox, message_id)?;
    let serial = drafts::edit(&mut mailbox, key, |draft| Ok(draft.attach(file)))?;
    let message = mailbox
        .get(key)
        .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
    Ok(ids::attachment(
        mailbox.salt(),
        message,
        serial,
        call.prefer.ids,
    ))
}

/// The file a `fileAttachment` object describes, bytes included.
pub(super) fn read_file(object: &Object) -> Result<DraftFile, Refusal> {
    let kind = input::string(object, "@odata.type")?.unwrap_or_default();
    if !kind.trim_start_matches('#').eq_ignore_ascii_case(FILE_TYPE) {
        return Err(input::unreadable(&format!(
            "The attachment type '{kind}' is not supported here; send '#{FILE_TYPE}'."
        )));
    }
    let names: Vec<&str> = PROPERTIES.iter().map(|p| p.name).collect();
    input::check_properties(object, &names, FILE_TYPE)?;
    let encoded = input::string(object, "contentBytes")?.unwrap_or_default();
    let content = STANDARD.decode(&encoded).map_err(|_| {
        let start: String = encoded.chars().take(20).collect();
        input::unreadable(&format!(
            "Cannot convert the literal '{start}' to the expected type 'Edm.Binary'."
        ))
    })?;
    Ok(DraftFile {
        content: Bytes::from(content),
        ..described(object)?
    })
}

/// The file an attachment or `attachmentItem` object describes, without its bytes: name,
/// content type, inline, content id.
pub(super) fn described(object: &Object) -> Result<DraftFile, Refusal> {
    Ok(DraftFile {
        serial: 0,
        name: input::string(object, "name")?.unwrap_or_default(),
        content_type: input::string(object, "contentType")?
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "application/octet-stream".to_owned()),
        content: Bytes::new(),
        content_id: input::string(object, "contentId")?.filter(|c| !c.is_empty()),
        inline: input::boolean(object, "isInline")?.unwrap_or(false),
        chunks: Vec::new(),
    })
}

/// `DELETE /me/messages/{id}/attachments/{attachmentId}`: removes the file from the draft
/// (`204 No Content`); Graph's 404 for an attachment the message does not have, and its 400
/// for a message that is not a draft. Source:
/// https://learn.microsoft.com/en-us/graph/api/attachment-delete
pub(super) fn delete(call: &Call, message_id: &str, attachment_id: &str) -> Response {
    match detach(call, message_id, attachment_id) {
        Ok(()) => wire::empty(StatusCode::NO_CONTENT),
        Err(refused) => *refused,
    }
}

/// Removes attachment `attachment_id` (either form) from draft `message_id`.
fn detach(call: &Call, message_id: &str, attachment_id: &str) -> Result<(), Refusal> {
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = drafts::found(&mailbox, message_id)?;
    let message = mailbox
        .get(key)
        .cloned()
        .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
    let salt = *mailbox.salt();
    let named = |serial: u64| {
        [IdType::Rest, IdType::Immutable]
            .into_iter()
            .any(|form| ids::attachment(&salt, &message, serial, form) == attachment_id)
    };
    drafts::edit(&mut mailbox, key, |draft| {
        let position = draft
            .files
            .iter()
            .position(|f| named(f.serial))
            .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
        draft.files.remove(position);
        Ok(())
    })
}

/// Attachment `attachment_id` of message `message_id`, with `contentBytes`, answered with
/// `status`.
fn entity(call: &Call, message_id: &str, attachment_id: &str, status: StatusCode) -> Response {
    let mut selection =
        match Selection::new(&PROPERTIES, call.request.query_param("$select"), TYPE_NAME) {
            Ok(selection) => selection,
            Err(refused) => return *refused,
        };
    if selection.selected().is_none() {
        selection.include(&PROPERTIES[PROPERTIES.len() - 1]);
    }
    let Some(view) = find(call, message_id, attachment_id) else {
        return api::graph_item_not_found();
    };
    let context = format!(
        "{}/messages('{message_id}')/attachments/$entity",
        call.user_context()
    );
    let mut answer = vec![("@odata.context", raw(&context))];
    answer.extend(members(&view, &selection));
    super::answer(status, &Ordered(answer), &[])
}

/// The annotations and chosen properties of `view` (an item attachment has only those in
/// [`ITEM_MEMBERS`]).
fn members(view: &View, selection: &Selection<View>) -> Vec<(&'static str, Box<RawValue>)> {
    if view.is_item() {
        let mut members = vec![("@odata.type", raw(&"#microsoft.graph.itemAttachment"))];
        members.extend(
            selection
                .render(view)
                .into_iter()
                .filter(|(name, _)| ITEM_MEMBERS.contains(name)),
        );
        return members;
    }
    let mut members = vec![
        ("@odata.type", raw(&"#microsoft.graph.fileAttachment")),
        ("@odata.mediaContentType", raw(&view.part().mime_type)),
    ];
    members.extend(selection.render(view));
    members
}

/// Attachment `attachment_id` (either form) of the message Graph id `message_id` names, if
/// there is one.
fn find(call: &Call, message_id: &str, attachment_id: &str) -> Option<View> {
    views(call, message_id)?
        .into_iter()
        .find(|v| v.id == attachment_id || v.other_id == attachment_id)
}

/// The files of the message Graph id `message_id` (either form) names, if it names one, with
/// ids in the form the request asks for. A message written here numbers its files in the order
/// they were attached, so their ids survive later changes; others number them in the order the
/// MIME holds them.
fn views(call: &Call, message_id: &str) -> Option<Vec<View>> {
    let (message, salt, serials) = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let key = ids::message_key(&mailbox, message_id)?;
        let message = mailbox.get(key)?.clone();
        let serials: Option<Vec<u64>> = mailbox
            .draft(key)
            .map(|d| d.files_in_order().iter().map(|f| f.serial).collect());
        (message, *mailbox.salt(), serials)
    };
    let content = Arc::clone(&message.content);
    let other = match call.prefer.ids {
        IdType::Rest => IdType::Immutable,
        IdType::Immutable => IdType::Rest,
    };
    let parts: Vec<String> = content
        .parsed()
        .files()
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let serials = serials
        .filter(|s| s.len() == parts.len())
        .unwrap_or_else(|| (0..parts.len() as u64).collect());
    let views = parts
        .into_iter()
        .zip(serials)
        .enumerate()
        .map(|(ordinal, (part, serial))| View {
            id: ids::attachment(&salt, &message, serial, call.prefer.ids),
            other_id: ids::attachment(&salt, &message, serial, other),
            content: Arc::clone(&content),
            part,
            ordinal,
            received_ms: message.id.received_ms,
        })
        .collect();
    Some(views)
}
