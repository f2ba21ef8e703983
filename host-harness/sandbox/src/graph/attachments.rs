//! Graph `fileAttachment`s: the files of a message (attachments and inline images),
//! `GET /me/messages/{id}/attachments` and `…/attachments/{id}`.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::value::RawValue;

use super::select::{Property, Selection, raw};
use super::{Call, ids};
use crate::api;
use crate::clock::Utc;
use crate::mailbox::mime::{Disposition, Part};
use crate::mailbox::model::Content;
use crate::wire::{Ordered, Response};

/// The entity type named in `$select` errors.
const TYPE_NAME: &str = "microsoft.graph.attachment";

/// Whether a file part is shown inside the body (referenced by `Content-ID`) rather than
/// attached.
pub(super) fn is_inline(part: &Part) -> bool {
    part.content_id.is_some() && part.disposition != Disposition::Attachment
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
    property("isInline", |v| raw(&is_inline(v.part()))),
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
    let mut selection =
        match Selection::new(&PROPERTIES, call.request.query_param("$select"), TYPE_NAME) {
            Ok(selection) => selection,
            Err(refused) => return *refused,
        };
    if selection.selected().is_none() {
        selection.include(&PROPERTIES[PROPERTIES.len() - 1]);
    }
    let Some(view) =
        views(call, message_id).and_then(|views| views.into_iter().find(|v| v.id == attachment_id))
    else {
        return api::graph_item_not_found();
    };
    let context = format!(
        "{}/messages('{message_id}')/attachments/$entity",
        call.user_context()
    );
    let mut answer = vec![("@odata.context", raw(&context))];
    answer.extend(members(&view, &selection));
    super::ok(&Ordered(answer), &[])
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

/// The files of the message Graph id `message_id` names, if it names one.
fn views(call: &Call, message_id: &str) -> Option<Vec<View>> {
    let (content, received_ms, key, salt) = {
        let mailbox = call.shared.mail.of(crate::config::Provider::Microsoft);
        let key = super::message_key(&mailbox, message_id)?;
        let message = mailbox.get(key)?;
        (
            Arc::clone(&message.content),
            message.id.received_ms,
            key,
            *mailbox.salt(),
        )
    };
    let parts: Vec<String> = content
        .parsed()
        .files()
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let views = parts
        .into_iter()
        .enumerate()
        .map(|(ordinal, part)| View {
            id: ids::encode(ids::Kind::Attachment, &salt, (key << 16) | ordinal as u64),
            content: Arc::clone(&content),
            part,
            ordinal,
            received_ms,
        })
        .collect();
    Some(views)
}
