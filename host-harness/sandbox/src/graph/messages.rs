//! Graph `message` resources: how the model renders as one, and `GET /me/messages/{id}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde::Serialize;
use serde_json::value::RawValue;

use super::select::{Property, Selection, raw};
use super::{BodyType, Call, Prefer, folders, ids};
use crate::api;
use crate::clock::Utc;
use crate::config::Provider;
use crate::mailbox::mime::{Address, Parsed};
use crate::mailbox::model::Message;
use crate::mailbox::{Mailbox, text};
use crate::wire::{Ordered, Response};

/// The entity type named in `$select` errors.
pub(super) const TYPE_NAME: &str = "microsoft.graph.message";

/// A message as its properties are rendered from.
pub(super) struct View {
    message: Message,
    salt: [u8; 16],
    id: String,
    folder_id: String,
    body: BodyType,
}

impl View {
    /// `message` of `mailbox` as `prefer` asks: its id in the form asked for, its body HTML
    /// when it has HTML, unless text is asked for.
    pub fn new(mailbox: &Mailbox, message: &Message, prefer: &Prefer) -> View {
        let tag = message
            .state
            .tags
            .iter()
            .next()
            .map_or("inbox", String::as_str);
        View {
            message: message.clone(),
            salt: *mailbox.salt(),
            id: ids::message_of(mailbox.salt(), message, prefer.ids),
            folder_id: folders::id_of(mailbox, tag),
            body: prefer.body.unwrap_or(BodyType::Html),
        }
    }

    fn parsed(&self) -> &Parsed {
        self.message.content.parsed()
    }

    /// `changeKey`: changes with every change to the message.
    fn change_key(&self) -> String {
        let mut bytes = vec![0x09, 0, 0, 0, 0x16, 0, 0, 0];
        bytes.extend_from_slice(&self.salt);
        bytes.extend_from_slice(&self.message.modified.to_be_bytes()[2..]);
        STANDARD.encode(bytes)
    }

    /// `@odata.etag`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.change_key())
    }

    fn received(&self) -> String {
        Utc::of_unix(self.message.id.received_ms / 1000).graph_instant()
    }

    /// `body` (or `uniqueBody`): the HTML or the text, converting when the message lacks the
    /// kind asked for.
    fn body(&self) -> BodyJson {
        let parsed = self.parsed();
        let (content_type, content) = match (self.body, &parsed.html, &parsed.plain) {
            (BodyType::Html, Some(html), _) => ("html", html.clone()),
            (BodyType::Html, None, plain) => (
                "html",
                text::text_to_html(plain.as_deref().unwrap_or_default()),
            ),
            (BodyType::Text, _, _) => ("text", parsed.plain_text()),
        };
        BodyJson {
            content_type,
            content,
        }
    }
}

/// An `itemBody`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BodyJson {
    content_type: &'static str,
    content: String,
}

/// A `recipient`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecipientJson<'a> {
    email_address: EmailAddressJson<'a>,
}

/// An `emailAddress`: Graph shows the address as the name when there is none.
#[derive(Serialize)]
struct EmailAddressJson<'a> {
    name: &'a str,
    address: &'a str,
}

/// `addresses` as recipients.
fn recipients(addresses: &[Address]) -> Box<RawValue> {
    let list: Vec<RecipientJson> = addresses.iter().map(recipient).collect();
    raw(&list)
}

fn recipient(address: &Address) -> RecipientJson<'_> {
    RecipientJson {
        email_address: EmailAddressJson {
            name: address.name.as_deref().unwrap_or(&address.address),
            address: &address.address,
        },
    }
}

/// The first of `addresses` as one recipient, or `null`.
fn single(addresses: &[Address]) -> Box<RawValue> {
    match addresses.first() {
        Some(address) => raw(&recipient(address)),
        None => raw(&()),
    }
}

const fn property(name: &'static str, value: fn(&View) -> Box<RawValue>) -> Property<View> {
    Property {
        name,
        default: true,
        value,
    }
}

/// The properties of a message, default ones in Graph's order.
pub(super) static PROPERTIES: [Property<View>; 31] = [
    property("id", |v| raw(&v.id)),
    property("createdDateTime", |v| raw(&v.received())),
    property("lastModifiedDateTime", |v| raw(&v.received())),
    property("changeKey", |v| raw(&v.change_key())),
    property("categories", |_| raw(&[(); 0])),
    property("receivedDateTime", |v| raw(&v.received())),
    property("sentDateTime", |v| {
        let sent = v.parsed().date.and_then(|d| u64::try_from(d).ok());
        match sent {
            Some(secs) => raw(&Utc::of_unix(secs).graph_instant()),
            None => raw(&v.received()),
        }
    }),
    property("hasAttachments", |v| {
        raw(&v.parsed().files().iter().any(|p| !p.is_inline()))
    }),
    property("internetMessageId", |v| raw(&v.parsed().message_id)),
    property("subject", |v| raw(&v.parsed().subject)),
    property("bodyPreview", |v| {
        raw(&text::preview(&v.parsed().plain_text()))
    }),
    property("importance", |_| raw(&"normal")),
    property("parentFolderId", |v| raw(&v.folder_id)),
    property("conversationId", |v| {
        raw(&ids::encode(
            ids::Kind::Conversation,
            &v.salt,
            &[v.message.thread.key],
        ))
    }),
    property("conversationIndex", |v| {
        let mut bytes = vec![0x01];
        bytes.extend_from_slice(&(v.message.thread.received_ms / 1000).to_be_bytes()[3..]);
        bytes.extend_from_slice(&v.salt);
        raw(&STANDARD.encode(bytes))
    }),
    property("isDeliveryReceiptRequested", |_| raw(&false)),
    property("isReadReceiptRequested", |_| raw(&false)),
    property("isRead", |v| raw(&!v.message.state.unread)),
    property("isDraft", |v| raw(&v.message.draft.is_some())),
    property("webLink", |v| {
        let id: String = form_urlencoded::byte_serialize(v.id.as_bytes()).collect();
        raw(&format!(
            "https://outlook.office365.com/owa/?ItemID={id}&exvsurl=1&viewmodel=ReadMessageItem"
        ))
    }),
    property("inferenceClassification", |_| raw(&"focused")),
    property("body", |v| raw(&v.body())),
    property("sender", |v| {
        let parsed = v.parsed();
        match parsed.sender.is_empty() {
            true => single(&parsed.from),
            false => single(&parsed.sender),
        }
    }),
    property("from", |v| single(&v.parsed().from)),
    property("toRecipients", |v| recipients(&v.parsed().to)),
    property("ccRecipients", |v| recipients(&v.parsed().cc)),
    property("bccRecipients", |v| recipients(&v.parsed().bcc)),
    property("replyTo", |v| recipients(&v.parsed().reply_to)),
    property("flag", |v| {
        let state = &v.message.state;
        let status = match (state.starred, state.completed) {
            (true, _) => "flagged",
            (false, true) => "complete",
            (false, false) => "notFlagged",
        };
        raw(&Ordered(vec![("flagStatus", serde_json::json!(status))]))
    }),
    Property {
        name: "uniqueBody",
        default: false,
        value: |v| raw(&v.body()),
    },
    Property {
        name: "internetMessageHeaders",
        default: false,
        value: |v| {
            let headers: Vec<Ordered> = v
                .parsed()
                .root
                .headers
                .iter()
                .map(|h| {
                    Ordered(vec![
                        ("name", serde_json::json!(h.name)),
                        ("value", serde_json::json!(h.value)),
                    ])
                })
                .collect();
            raw(&headers)
        },
    },
];

/// The members of `view` for `selection`: `@odata.etag`, then the properties. A draft that has
/// no sender yet (one created with `POST /me/messages`) shows no `from` and `sender` at all.
pub(super) fn members(
    view: &View,
    selection: &Selection<View>,
) -> Vec<(&'static str, Box<RawValue>)> {
    let mut members = vec![("@odata.etag", raw(&view.etag()))];
    let unsent = view.message.draft.is_some() && view.parsed().from.is_empty();
    members.extend(
        selection
            .render(view)
            .into_iter()
            .filter(|(name, _)| !(unsent && matches!(*name, "from" | "sender"))),
    );
    members
}

/// `GET /me/messages/{id}`, honouring `$select` and the body type and id preferences.
pub(super) fn get(call: &Call, id: &str) -> Response {
    let key = ids::message_key(&call.shared.mail.of(Provider::Microsoft), id);
    match key {
        Some(key) => entity(call, key, StatusCode::OK),
        None => api::graph_item_not_found(),
    }
}

/// Message `key` as `GET /me/messages/{id}` shows it, answered with `status`: the messages a
/// request creates or changes are answered this way too, with ids in the form the request
/// asks for.
pub(super) fn entity(call: &Call, key: u64, status: StatusCode) -> Response {
    let selection =
        match Selection::new(&PROPERTIES, call.request.query_param("$select"), TYPE_NAME) {
            Ok(selection) => selection,
            Err(refused) => return *refused,
        };
    let view = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let Some(message) = mailbox.get(key) else {
            return api::graph_item_not_found();
        };
        View::new(&mailbox, message, &call.prefer)
    };
    let context = selection.context(&format!("{}/messages", call.user_context()), "/$entity");
    let mut answer = vec![("@odata.context", raw(&context))];
    answer.extend(members(&view, &selection));
    super::answer(status, &Ordered(answer), &call.prefer.applied(false))
}
