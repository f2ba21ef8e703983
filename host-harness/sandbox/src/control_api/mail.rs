//! The mailbox routes: new mail, raw messages, a message's state and changes, folders, and the
//! messages sent.

use base64::Engine as _;
use http::Method;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::{Answer, Refused, body, created, done, not_allowed, ok};
use crate::config::Provider;
use crate::sent::{SendRoute, SentAddress, SentMessage};
use crate::wire::Request;
use crate::{Controls, gmail, graph};

/// The most messages one `deliver` generates.
const MOST_DELIVERED: usize = 10_000;

/// `POST {provider}/deliver` `{"count"}`: new generated mail in the inbox.
pub(super) fn deliver(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Deliver {
        count: usize,
    }
    let Deliver { count } = body(request)?;
    if !(1..=MOST_DELIVERED).contains(&count) {
        return Err(Refused::bad(format!(
            "count must be from 1 to {MOST_DELIVERED}, not {count}"
        )));
    }
    let ids = controls.deliver(provider, count);
    created(&serde_json::json!({ "ids": ids }))
}

/// The most messages one `mailbox` generates.
const MOST_GENERATED: usize = 100_000;

/// `PUT {provider}/mailbox` `{"messages", "seed"}`: the mailbox replaced by generated mail.
/// Sync state starts afresh (history IDs answer 404, delta links 410); a reset still goes back
/// to the mailbox the sandbox started with.
pub(super) fn reseed(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Mailbox {
        messages: usize,
        #[serde(default = "first_seed")]
        seed: u64,
    }
    fn first_seed() -> u64 {
        1
    }
    let Mailbox { messages, seed } = body(request)?;
    if messages > MOST_GENERATED {
        return Err(Refused::bad(format!(
            "messages must be at most {MOST_GENERATED}, not {messages}"
        )));
    }
    let spec = crate::MailboxSpec {
        messages,
        seed,
        ..crate::MailboxSpec::default()
    };
    controls.seed_mailbox(provider, &spec);
    ok(&serde_json::json!({ "ids": controls.message_ids(provider) }))
}

/// `GET {provider}/messages`: the ids a sync sees, newest first. `POST {provider}/messages`: a
/// raw message filed as delivered mail, given as JSON (`raw` text or `raw_base64`, with Gmail
/// `labels` or an Outlook `folder`) or as the body itself (`Content-Type: message/rfc822`,
/// with `label` or `folder` query parameters).
pub(super) fn messages(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    match request.method {
        Method::GET => ok(&serde_json::json!({ "ids": controls.message_ids(provider) })),
        Method::POST => insert(controls, request, provider),
        _ => Err(not_allowed(request)),
    }
}

/// A raw message as the insert route takes it in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// The message as text.
    raw: Option<String>,
    /// The message's bytes in standard base64.
    raw_base64: Option<String>,
    /// Gmail: its label ids or names (default `INBOX`, `UNREAD`).
    labels: Option<Vec<String>>,
    /// Outlook: its folder, an id or a well-known name (default `inbox`).
    folder: Option<String>,
}

/// Files a raw message and answers its id.
fn insert(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    let (bytes, labels, folder) = if request.media_type() == "application/json" {
        let raw: Raw = body(request)?;
        let bytes = match (raw.raw, raw.raw_base64) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| Refused::bad(format!("raw_base64 is not base64: {e}")))?,
            _ => return Err(Refused::bad("give exactly one of raw and raw_base64")),
        };
        (bytes, raw.labels, raw.folder)
    } else {
        let labels = request.query_all("label");
        let labels = (!labels.is_empty()).then(|| labels.iter().map(|l| l.to_string()).collect());
        let folder = request.query_param("folder").map(str::to_owned);
        (request.body.to_vec(), labels, folder)
    };
    if bytes.is_empty() {
        return Err(Refused::bad("the message is empty"));
    }
    let filed: Vec<String> = match provider {
        Provider::Google => {
            if folder.is_some() {
                return Err(Refused::bad("Gmail files messages by labels, not a folder"));
            }
            labels.unwrap_or_else(|| vec!["INBOX".into(), "UNREAD".into()])
        }
        Provider::Microsoft => {
            if labels.is_some() {
                return Err(Refused::bad(
                    "Outlook files messages in a folder, not labels",
                ));
            }
            vec![folder.unwrap_or_else(|| "inbox".into())]
        }
    };
    check_filing(controls, provider, &filed, &[])?;
    let filed: Vec<&str> = filed.iter().map(String::as_str).collect();
    let id = controls.insert_raw(provider, &bytes, &filed);
    created(&serde_json::json!({ "id": id }))
}

/// Refuses labels (Gmail) or folders (Outlook) the mailbox does not have.
fn check_filing(
    controls: &Controls,
    provider: Provider,
    labels_or_folders: &[String],
    more: &[String],
) -> Result<(), Refused> {
    for name in labels_or_folders.iter().chain(more) {
        let known = match provider {
            Provider::Google => gmail::resolve_label(name).is_some(),
            Provider::Microsoft => {
                graph::resolve_folder(&controls.shared.mail.of(provider), name).is_some()
            }
        };
        if !known {
            return Err(Refused::bad(match provider {
                Provider::Google => format!("Gmail has no label {name:?}"),
                Provider::Microsoft => format!("the Outlook mailbox has no folder {name:?}"),
            }));
        }
    }
    Ok(())
}

/// A change of a message's state.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    unread: Option<bool>,
    starred: Option<bool>,
    /// Gmail only.
    #[serde(default)]
    add_labels: Vec<String>,
    /// Gmail only.
    #[serde(default)]
    remove_labels: Vec<String>,
    /// Outlook only: where to move it.
    folder: Option<String>,
}

/// `GET`, `PATCH` or `DELETE {provider}/messages/{id}`.
pub(super) fn message(
    controls: &Controls,
    request: &Request,
    provider: Provider,
    id: &str,
) -> Answer {
    if controls.state_of(provider, id).is_none() {
        return Err(Refused::missing(format!(
            "the {} mailbox has no message {id:?}",
            provider.name()
        )));
    }
    match request.method {
        Method::GET => ok(&state(controls, provider, id)),
        Method::DELETE => {
            controls.delete(provider, id);
            done()
        }
        Method::PATCH => {
            let change: Change = body(request)?;
            match provider {
                Provider::Google if change.folder.is_some() => {
                    return Err(Refused::bad(
                        "Gmail has labels, not folders: use add_labels and remove_labels",
                    ));
                }
                Provider::Microsoft
                    if !change.add_labels.is_empty() || !change.remove_labels.is_empty() =>
                {
                    return Err(Refused::bad(
                        "Outlook has folders, not labels: use folder to move the message",
                    ));
                }
                _ => {}
            }
            check_filing(
                controls,
                provider,
                &change.add_labels,
                &change.remove_labels,
            )?;
            check_filing(controls, provider, change.folder.as_slice(), &[])?;
            if let Some(unread) = change.unread {
                controls.set_unread(provider, id, unread);
            }
            if let Some(starred) = change.starred {
                controls.set_starred(provider, id, starred);
            }
            for label in &change.add_labels {
                controls.add_label(id, label);
            }
            for label in &change.remove_labels {
                controls.remove_label(id, label);
            }
            if let Some(folder) = &change.folder {
                controls.move_to(id, folder);
            }
            ok(&state(controls, provider, id))
        }
        _ => Err(not_allowed(request)),
    }
}

/// Message `id`'s state as JSON (`null` when a change removed it).
fn state(controls: &Controls, provider: Provider, id: &str) -> serde_json::Value {
    match controls.state_of(provider, id) {
        Some(state) => serde_json::json!({
            "id": id,
            "labels": state.labels,
            "unread": state.unread,
            "starred": state.starred,
            "draft": state.draft,
        }),
        None => serde_json::Value::Null,
    }
}

/// `POST microsoft/folders` `{"name", "parent"}`: a new Outlook folder.
pub(super) fn folders(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    outlook_only(provider)?;
    if request.method != Method::POST {
        return Err(not_allowed(request));
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NewFolder {
        name: String,
        parent: Option<String>,
    }
    let NewFolder { name, parent } = body(request)?;
    if name.trim().is_empty() {
        return Err(Refused::bad("name must not be empty"));
    }
    check_filing(controls, provider, parent.as_slice(), &[])?;
    let id = controls.create_folder(&name, parent.as_deref());
    created(&serde_json::json!({ "id": id }))
}

/// `PATCH microsoft/folders/{id}` `{"name"}` renames an Outlook folder; `DELETE` deletes it
/// as Outlook does (into Deleted Items).
pub(super) fn folder(
    controls: &Controls,
    request: &Request,
    provider: Provider,
    id: &str,
) -> Answer {
    outlook_only(provider)?;
    check_filing(controls, provider, &[id.to_owned()], &[])
        .map_err(|refused| Refused::missing(refused.message))?;
    match request.method {
        Method::DELETE => {
            controls.delete_folder(id);
            done()
        }
        Method::PATCH => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Rename {
                name: String,
            }
            let Rename { name } = body(request)?;
            controls.rename_folder(id, &name);
            done()
        }
        _ => Err(not_allowed(request)),
    }
}

/// Refuses a folder route for Gmail.
fn outlook_only(provider: Provider) -> Result<(), Refused> {
    match provider {
        Provider::Microsoft => Ok(()),
        Provider::Google => Err(Refused::bad(
            "Gmail has labels, not folders: folders are an Outlook control",
        )),
    }
}

/// `GET {provider}/sent`: every message sent, oldest first, parsed.
pub(super) fn sent(controls: &Controls, provider: Provider) -> Answer {
    let sent: Vec<serde_json::Value> = controls.sent(provider).iter().map(sent_json).collect();
    ok(&serde_json::json!({ "sent": sent }))
}

/// One sent message as JSON: its headers, bodies, and each attachment with the SHA-256 of its
/// content.
fn sent_json(message: &SentMessage) -> serde_json::Value {
    let addresses = |list: &[SentAddress]| {
        list.iter()
            .map(address_json)
            .collect::<Vec<serde_json::Value>>()
    };
    let attachments: Vec<serde_json::Value> = message
        .attachments
        .iter()
        .map(|file| {
            serde_json::json!({
                "filename": file.filename,
                "mime_type": file.mime_type,
                "size": file.content.len(),
                "sha256": hex(&Sha256::digest(&file.content)),
                "content_id": file.content_id,
                "inline": file.inline,
            })
        })
        .collect();
    serde_json::json!({
        "id": message.id,
        "thread_id": message.thread_id,
        "route": route_name(message.route),
        "size": message.raw.len(),
        "from": message.from.as_ref().map(address_json),
        "to": addresses(&message.to),
        "cc": addresses(&message.cc),
        "bcc": addresses(&message.bcc),
        "reply_to": addresses(&message.reply_to),
        "subject": message.subject,
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "references": message.references,
        "date": message.date,
        "text_body": message.text_body,
        "html_body": message.html_body,
        "attachments": attachments,
        "structure": message.structure,
    })
}

/// An address as JSON.
fn address_json(address: &SentAddress) -> serde_json::Value {
    serde_json::json!({ "name": address.name, "address": address.address })
}

/// How a message was sent, as the control API names it.
fn route_name(route: SendRoute) -> &'static str {
    match route {
        SendRoute::GmailJson => "gmail_json",
        SendRoute::GmailMediaUpload => "gmail_media_upload",
        SendRoute::GmailMultipartUpload => "gmail_multipart_upload",
        SendRoute::GmailDraft => "gmail_draft",
        SendRoute::GraphDraft => "graph_draft",
    }
}

/// Lower-case hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
