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
use super::{Call, drafts, ids};
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
/// The smallest file `POST …/attachments` refuses: a Graph request carries at most 4 MB, and a
/// 3 MB file is 4 MB in base64. Bigger files go through an upload session.
const POST_LIMIT: usize = 3 * 1024 * 1024;

/// The id of file `serial` (its number among the files) of message `key`.
pub(super) fn id_of(salt: &[u8; 16], key: u64, serial: u64) -> String {
    ids::encode(ids::Kind::Attachment, salt, (key << 16) | serial)
}

/// An attachment as its properties are rendered from.
struct View {
    id: String,
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

    /// The file name, or one made up from the type for unnamed parts (as Exchange does).
    fn name(&self) -> String {
        let part = self.part();
        match part.filename.is_empty() {
            false => part.filename.clone(),
            true => {
                let subtype = part.mime_type.rsplit('/').next().unwrap_or("bin");
                format!("attachment{}.{subtype}", self.ordinal + 1)
            }
        }
    }
}

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
    property("contentType", |v| raw(&v.part().mime_type)),
    property("size", |v| raw(&v.part().body.len())),
    property("isInline", |v| raw(&v.part().is_inline())),
    property("contentId", |v| raw(&v.part().content_id)),
    property("contentLocation", |_| raw(&())),
    Property {
        name: "contentBytes",
        default: false,
        value: |v| raw(&STANDARD.encode(&v.part().body)),
    },
];

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
/// with its media type as `Content-Type` (Graph's "get the raw contents of a file attachment").
pub(super) fn value(call: &Call, message_id: &str, attachment_id: &str) -> Response {
    match find(call, message_id, attachment_id) {
        Some(view) => {
            let part = view.part();
            wire::bytes(StatusCode::OK, &part.mime_type, part.body.clone())
        }
        None => api::graph_item_not_found(),
    }
}

/// `POST /me/messages/{id}/attachments` with a `fileAttachment` under 3 MB: `201` with the
/// attachment as `GET` shows it. Bigger files are Graph's 413 (with the code and message Graph
/// gives a request over its 4 MB limit).
pub(super) fn add(call: &Call, message_id: &str) -> Response {
    match attach(call, message_id) {
        Ok(attachment_id) => entity(call, message_id, &attachment_id, StatusCode::CREATED),
        Err(refused) => *refused,
    }
}

/// Attaches the file of a `POST …/attachments` to draft `message_id`; the attachment's id.
fn attach(call: &Call, message_id: &str) -> Result<String, Refusal> {
    let file = read_file(&input::object(call.request)?)?;
    if file.content.len() >= POST_LIMIT {
        return Err(Box::new(api::graph_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BadRequest",
            "Maximum request length exceeded.",
        )));
    }
    let mut mailbox = call.shared.mail.of(Provider::Microsoft);
    let key = drafts::found(&mailbox, message_id)?;
    let serial = drafts::edit(&mut mailbox, key, |draft| Ok(draft.attach(file)))?;
    Ok(id_of(mailbox.salt(), key, serial))
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

/// The annotations and chosen properties of `view`.
fn members(view: &View, selection: &Selection<View>) -> Vec<(&'static str, Box<RawValue>)> {
    let mut members = vec![
        ("@odata.type", raw(&"#microsoft.graph.fileAttachment")),
        ("@odata.mediaContentType", raw(&view.part().mime_type)),
    ];
    members.extend(selection.render(view));
    members
}

/// Attachment `attachment_id` of the message Graph id `message_id` names, if there is one.
fn find(call: &Call, message_id: &str, attachment_id: &str) -> Option<View> {
    views(call, message_id)?
        .into_iter()
        .find(|v| v.id == attachment_id)
}

/// The files of the message Graph id `message_id` names, if it names one. A message written
/// here numbers its files in the order they were attached, so their ids survive later changes;
/// others number them in the order the MIME holds them.
fn views(call: &Call, message_id: &str) -> Option<Vec<View>> {
    let (content, received_ms, key, salt, serials) = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let key = super::message_key(&mailbox, message_id)?;
        let message = mailbox.get(key)?;
        let serials: Option<Vec<u64>> = mailbox
            .draft(key)
            .map(|d| d.files_in_order().iter().map(|f| f.serial).collect());
        (
            Arc::clone(&message.content),
            message.id.received_ms,
            key,
            *mailbox.salt(),
            serials,
        )
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
            id: id_of(&salt, key, serial),
            content: Arc::clone(&content),
            part,
            ordinal,
            received_ms,
        })
        .collect();
    Some(views)
}
