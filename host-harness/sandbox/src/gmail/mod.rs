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
use crate::endpoint::{self, Endpoint};
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

/// One Gmail request being answered, once its token, its scopes and its user have passed.
pub(crate) struct Call<'a> {
    /// The sandbox.
    pub shared: &'a Shared,
    /// The request.
    pub request: &'a Request,
    /// What the bearer token grants.
    pub grant: Grant,
}

/// Answers a request under `/gmail/v1/users/{user}/`, `rest` being the segments after `user`
/// (the methods of each resource: shared/specs gmail/gmail-v1-discovery.json).
pub(crate) fn route(shared: &Shared, request: &Request, user: &str, rest: &[&str]) -> Response {
    let endpoints: Vec<Endpoint<Call<'_>>> = match rest {
        ["profile"] => vec![(Method::GET, &profile::GMAIL_PROFILE_SCOPES, |c, _| {
            profile::gmail(c)
        })],
        ["messages"] => vec![
            (Method::GET, &messages::SCOPES, |c, _| messages::list(c)),
            (Method::POST, &insert::SCOPES, |c, _| {
                insert::json(c, insert::Method::Insert)
            }),
        ],
        ["messages", id] => {
            let mut endpoints: Vec<Endpoint<Call<'_>>> = vec![
                (Method::GET, &messages::SCOPES, |c, s| {
                    messages::get(c, &s[1])
                }),
                (Method::DELETE, &manage::DELETE_SCOPES, |c, s| {
                    manage::delete(c, &s[1])
                }),
            ];
            // `messages.send`, `import`, `batchModify` and `batchDelete` are POSTs to what is
            // otherwise a message's path; another method there reads the name as a message id.
            match *id {
                "send" => endpoints.push((Method::POST, &send::SCOPES, |c, _| send::json(c))),
                "import" => endpoints.push((Method::POST, &insert::SCOPES, |c, _| {
                    insert::json(c, insert::Method::Import)
                })),
                "batchModify" => endpoints.push((Method::POST, &manage::SCOPES, |c, _| {
                    manage::batch_modify(c)
                })),
                "batchDelete" => endpoints.push((Method::POST, &manage::DELETE_SCOPES, |c, _| {
                    manage::batch_delete(c)
                })),
                _ => {}
            }
            endpoints
        }
        ["messages", _, "modify"] => vec![(Method::POST, &manage::SCOPES, |c, s| {
            manage::modify(c, &s[1])
        })],
        ["messages", _, "trash"] => vec![(Method::POST, &manage::SCOPES, |c, s| {
            manage::trash(c, &s[1], true)
        })],
        ["messages", _, "untrash"] => vec![(Method::POST, &manage::SCOPES, |c, s| {
            manage::trash(c, &s[1], false)
        })],
        ["messages", _, "attachments", _] => {
            vec![(Method::GET, &messages::CONTENT_SCOPES, |c, s| {
                messages::attachment(c, &s[1], &s[3])
            })]
        }
        ["threads", _] => vec![(Method::GET, &threads::SCOPES, |c, s| threads::get(c, &s[1]))],
        ["drafts"] => vec![
            (Method::GET, &drafts::READ_SCOPES, |c, _| drafts::list(c)),
            (Method::POST, &drafts::WRITE_SCOPES, |c, _| {
                drafts::create(c, drafts::from_json)
            }),
        ],
        ["drafts", id] => {
            let mut endpoints: Vec<Endpoint<Call<'_>>> = vec![
                (Method::GET, &drafts::READ_SCOPES, |c, s| {
                    drafts::get(c, &s[1])
                }),
                (Method::PUT, &drafts::WRITE_SCOPES, |c, s| {
                    drafts::update(c, &s[1], drafts::from_json)
                }),
                (Method::DELETE, &drafts::WRITE_SCOPES, |c, s| {
                    drafts::delete(c, &s[1])
                }),
            ];
            // `drafts.send` is a POST to what is otherwise a draft's path.
            if *id == "send" {
                endpoints.push((Method::POST, &drafts::WRITE_SCOPES, |c, _| drafts::send(c)));
            }
            endpoints
        }
        ["history"] => vec![(Method::GET, &history::SCOPES, |c, _| history::list(c))],
        ["labels"] => vec![(Method::GET, &labels::SCOPES, |_, _| labels::list())],
        ["labels", _] => vec![(Method::GET, &labels::SCOPES, |c, s| labels::get(c, &s[1]))],
        ["settings", "sendAs"] => vec![(Method::GET, &send_as::SCOPES, |c, _| send_as::list(c))],
        _ => Vec::new(),
    };
    answer(shared, request, user, &endpoints, rest)
}

/// Answers a request under `/upload/gmail/v1/users/{user}/`, `rest` being the segments after
/// `user`: the media upload URLs of `messages.send` (`POST messages/send`), `messages.insert`
/// (`POST messages`), `messages.import` (`POST messages/import`), `drafts.create` (`POST
/// drafts`) and `drafts.update` (`PUT drafts/{id}`) (shared/specs
/// gmail/gmail-v1-discovery.json, `mediaUpload.protocols.simple.path`).
pub(crate) fn upload(shared: &Shared, request: &Request, user: &str, rest: &[&str]) -> Response {
    let endpoints: Vec<Endpoint<Call<'_>>> = match rest {
        ["messages"] => vec![(Method::POST, &insert::SCOPES, |c, _| {
            insert::upload(c, insert::Method::Insert)
        })],
        ["messages", "send"] => vec![(Method::POST, &send::SCOPES, |c, _| send::upload(c))],
        ["messages", "import"] => vec![(Method::POST, &insert::SCOPES, |c, _| {
            insert::upload(c, insert::Method::Import)
        })],
        ["drafts"] => vec![(Method::POST, &drafts::WRITE_SCOPES, |c, _| {
            drafts::create(c, drafts::from_upload)
        })],
        ["drafts", _] => vec![(Method::PUT, &drafts::WRITE_SCOPES, |c, s| {
            drafts::update(c, &s[1], drafts::from_upload)
        })],
        _ => Vec::new(),
    };
    answer(shared, request, user, &endpoints, rest)
}

/// Answers with the endpoint of `endpoints` that takes the request's method, once the token,
/// its scopes and `user` pass; Google's 404 when none takes it.
fn answer<'a>(
    shared: &'a Shared,
    request: &'a Request,
    user: &str,
    endpoints: &[Endpoint<Call<'a>>],
    rest: &[&str],
) -> Response {
    let Some(&(_, scopes, handler)) = endpoint::find(endpoints, &request.method) else {
        return api::google_not_found(&request.path);
    };
    match authorize(shared, request, user, scopes) {
        Ok(grant) => {
            let segments: Vec<String> = rest.iter().map(|s| (*s).to_owned()).collect();
            handler(
                &Call {
                    shared,
                    request,
                    grant,
                },
                &segments,
            )
        }
        Err(refused) => *refused,
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
