//! The sandbox Gmail API (`gmail.googleapis.com/gmail/v1/users/{userId}/…`): messages, threads,
//! history and labels over the Google user's mailbox, changing and deleting messages, drafts,
//! sending, the send-as aliases, and batches of calls.

mod batch;
mod body;
mod drafts;
mod history;
mod insert;
mod labels;
mod manage;
mod messages;
mod query;
mod send;
mod send_as;
mod threads;
mod upload;

use http::Method;

use crate::api;
use crate::config::Provider;
use crate::mailbox::Mailbox;
use crate::mailbox::model::{Message, MessageRef, Snapshot};
use crate::profile;
use crate::state::{Grant, Shared};
use crate::wire::{self, Refusal, Request, Response};

pub(crate) use self::batch::answer as batch;
pub(crate) use self::labels::{LabelChange, filing, resolve as resolve_label};
pub(crate) use self::send_as::Aliases;

/// The full-access scope.
const MAIL: &str = "https://mail.google.com/";
/// Read, compose, send and change labels.
const MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
/// Read everything.
const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
/// Read labels and headers, not bodies.
const METADATA: &str = "https://www.googleapis.com/auth/gmail.metadata";
/// Manage labels only.
const LABELS: &str = "https://www.googleapis.com/auth/gmail.labels";
/// Insert and import messages.
const INSERT: &str = "https://www.googleapis.com/auth/gmail.insert";
/// Manage drafts and send.
const COMPOSE: &str = "https://www.googleapis.com/auth/gmail.compose";
/// Send only.
const SEND: &str = "https://www.googleapis.com/auth/gmail.send";
/// Read and change basic settings (send-as aliases among them).
const SETTINGS_BASIC: &str = "https://www.googleapis.com/auth/gmail.settings.basic";

/// Gmail ids carry the message number in their low 20 bits (the rest is the receive time).
const KEY_BITS: u32 = 20;

/// Answers a request under `/gmail/v1/users/{user}/`, `rest` being the segments after `user`.
pub(crate) fn route(shared: &Shared, request: &Request, user: &str, rest: &[&str]) -> Response {
    let method = &request.method;
    let (get, post) = (method == Method::GET, method == Method::POST);
    let (put, delete) = (method == Method::PUT, method == Method::DELETE);
    match rest {
        ["messages", "send"] if post => send::json(shared, request, user),
        ["messages"] if post => insert::json(shared, request, user, insert::Method::Insert),
        ["messages", "import"] if post => {
            insert::json(shared, request, user, insert::Method::Import)
        }
        ["messages", "batchModify"] if post => manage::batch_modify(shared, request, user),
        ["messages", "batchDelete"] if post => manage::batch_delete(shared, request, user),
        ["profile"] if get => profile::gmail(shared, request, user),
        ["messages"] if get => messages::list(shared, request, user),
        ["messages", id] if get => messages::get(shared, request, user, id),
        ["messages", id] if delete => manage::delete(shared, request, user, id),
        ["messages", id, "modify"] if post => manage::modify(shared, request, user, id),
        ["messages", id, "trash"] if post => manage::trash(shared, request, user, id, true),
        ["messages", id, "untrash"] if post => manage::trash(shared, request, user, id, false),
        ["messages", id, "attachments", attachment] if get => {
            messages::attachment(shared, request, user, id, attachment)
        }
        ["threads", id] if get => threads::get(shared, request, user, id),
        ["drafts"] if get => drafts::list(shared, request, user),
        ["drafts"] if post => drafts::create(shared, request, user, drafts::from_json),
        ["drafts", "send"] if post => drafts::send(shared, request, user),
        ["drafts", id] if get => drafts::get(shared, request, user, id),
        ["drafts", id] if put => drafts::update(shared, request, user, id, drafts::from_json),
        ["drafts", id] if delete => drafts::delete(shared, request, user, id),
        ["history"] if get => history::list(shared, request, user),
        ["labels"] if get => labels::list(shared, request, user),
        ["labels", id] if get => labels::get(shared, request, user, id),
        ["settings", "sendAs"] if get => send_as::list(shared, request, user),
        _ => api::google_not_found(&request.path),
    }
}

/// Answers a request under `/upload/gmail/v1/users/{user}/`, `rest` being the segments after
/// `user`: the media upload URLs of `messages.send` (`POST messages/send`), `messages.insert`
/// (`POST messages`), `messages.import` (`POST messages/import`), `drafts.create` (`POST
/// drafts`) and `drafts.update` (`PUT drafts/{id}`) (shared/specs
/// gmail/gmail-v1-discovery.json, `mediaUpload.protocols.simple.path`).
pub(crate) fn upload(shared: &Shared, request: &Request, user: &str, rest: &[&str]) -> Response {
    let (post, put) = (
        request.method == Method::POST,
        request.method == Method::PUT,
    );
    match rest {
        ["messages", "send"] if post => send::upload(shared, request, user),
        ["messages"] if post => insert::upload(shared, request, user, insert::Method::Insert),
        ["messages", "import"] if post => {
            insert::upload(shared, request, user, insert::Method::Import)
        }
        ["drafts"] if post => drafts::create(shared, request, user, drafts::from_upload),
        ["drafts", id] if put => drafts::update(shared, request, user, id, drafts::from_upload),
        _ => api::google_not_found(&request.path),
    }
}

/// Checks the bearer token, that it holds one of `scopes`, and that `user` (`me` or an
/// address) is the signed-in user; returns the grant or the refusal.
pub(crate) fn authorize(
    shared: &Shared,
    request: &Request,
    user: &str,
    scopes: &[&str],
) -> Result<Grant, Refusal> {
    let grant =
        api::authenticate(shared, Provider::Google, request).map_err(|r| Box::new(r.response()))?;
    if !api::has_any_scope(&grant, scopes) {
        return Err(Box::new(api::google_insufficient_scope(scopes)));
    }
    let user = wire::percent_decode(user, false);
    if user != "me" && !user.eq_ignore_ascii_case(&shared.config.google_user.email) {
        let message = format!("Delegation denied for {user}");
        return Err(Box::new(api::google_error(
            http::StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            &message,
            serde_json::json!({"message": message, "domain": "global", "reason": "forbidden"}),
        )));
    }
    Ok(grant)
}

/// Whether a list (`messages.list`, `drafts.list`) shows what is in `SPAM` and `TRASH`: only with
/// `includeSpamTrash=true` ("Include messages from `SPAM` and `TRASH` in the results", default
/// false: shared/specs gmail/gmail-v1-discovery.json, `users.messages.list` and
/// `users.drafts.list`). The stricter reading: without it nothing in spam or trash is listed,
/// even when `labelIds` or `q` name `SPAM` or `TRASH` (such a list is then empty).
fn include_spam_trash(request: &Request) -> bool {
    request.query_param("includeSpamTrash") == Some("true")
}

/// Whether `grant` only allows metadata (headers and labels, no bodies and no search).
fn metadata_only(grant: &Grant) -> bool {
    !api::has_any_scope(grant, &[MAIL, MODIFY, READONLY])
}

/// The Gmail id of `message`: 16 hex digits, the receive time above the message number, so ids
/// sort by date as Gmail's do.
pub(crate) fn message_id(message: MessageRef) -> String {
    format!("{:016x}", id_value(message))
}

/// The number behind a Gmail id.
fn id_value(message: MessageRef) -> u64 {
    (message.received_ms << KEY_BITS) | (message.key & ((1 << KEY_BITS) - 1))
}

/// The message `id` names in `mailbox`, if it names one.
pub(crate) fn find<'a>(mailbox: &'a Mailbox, id: &str) -> Option<&'a Message> {
    let value = u64::from_str_radix(id, 16).ok()?;
    let message = mailbox.get(value & ((1 << KEY_BITS) - 1))?;
    (id_value(message.id) == value).then_some(message)
}

/// The message `id` names in `mailbox`, or the refusal: 400 for what is not a message id, 404
/// for an id of no message.
fn locate<'a>(mailbox: &'a Mailbox, id: &str) -> Result<&'a Message, Refusal> {
    if !is_id(id) {
        return Err(Box::new(invalid_id()));
    }
    find(mailbox, id).ok_or_else(|| Box::new(api::google_entity_not_found()))
}

/// Whether `id` is shaped like a Gmail message or thread id (hex digits).
fn is_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A message as lists name it: `{"id", "threadId"}`, and in history records with its
/// `labelIds`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct IdJson {
    id: String,
    thread_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label_ids: Option<Vec<String>>,
}

impl IdJson {
    /// `message`'s ids.
    fn of(message: &Message) -> IdJson {
        IdJson {
            id: message_id(message.id),
            thread_id: message_id(message.thread),
            label_ids: None,
        }
    }

    /// `message`'s ids and labels, as Gmail answers a change to a message.
    fn labelled(message: &Message) -> IdJson {
        IdJson {
            label_ids: Some(label_ids(&message.state)),
            ..IdJson::of(message)
        }
    }
}

/// Gmail's 400 for an id that is not a message id at all.
fn invalid_id() -> Response {
    api::google_invalid("Invalid id value")
}

/// The label ids of a message in `state`: its tags, with `UNREAD` and `STARRED` for its flags.
pub(crate) fn label_ids(state: &Snapshot) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(state.tags.len() + 2);
    if state.unread {
        ids.push("UNREAD".to_owned());
    }
    if state.starred {
        ids.push("STARRED".to_owned());
    }
    ids.extend(state.tags.iter().cloned());
    ids
}

/// A number parameter of at most `max` (larger values are cut to it, as Gmail does), or the
/// 400 for a value that is not a number.
fn number_param(
    request: &Request,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, Refusal> {
    match request.query_param(name) {
        None => Ok(default),
        Some(value) => match value.parse::<usize>() {
            Ok(n) => Ok(n.clamp(1, max)),
            Err(_) => Err(Box::new(api::google_invalid(&format!(
                "Invalid value at '{}' (TYPE_UINT32), \"{value}\"",
                snake_case(name)
            )))),
        },
    }
}

/// `maxResults` → `max_results`, as Google names fields in its errors.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A Gmail page token: the position as 20 decimal digits (Gmail's tokens look the same).
fn page_token(position: u64) -> String {
    format!("{position:020}")
}

/// The position inside a Gmail page token, or the 400 for a token Gmail never gave.
fn page_position(request: &Request) -> Result<Option<u64>, Refusal> {
    match request.query_param("pageToken") {
        None | Some("") => Ok(None),
        Some(token) => token
            .parse()
            .map(Some)
            .map_err(|_| Box::new(api::google_invalid("Invalid pageToken"))),
    }
}
