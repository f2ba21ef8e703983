//! `GET /me/mailFolders/{id}/messages/delta`: a first round pages through the folder's
//! messages, newest first; each later round (following the `@odata.deltaLink`) pages through
//! what changed since: created and updated messages in full, and `@removed` for messages that
//! left the folder (deleted, or moved elsewhere: they show as created in the destination's
//! delta).
//!
//! Tokens are sealed states: the mailbox generation (so [`crate::Sandbox::expire_delta`] makes
//! them answer 410), the folder, the query options of the first request, and a position that
//! stays valid while the folder changes (a message's date in the first round, a change number
//! later).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::messages::{self, PROPERTIES, TYPE_NAME, View};
use super::select::{Selection, raw};
use super::{Call, folders, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::{ChangeKind, Mailbox};
use crate::paging;
use crate::wire::{Ordered, Refusal, Response};

/// Messages per page unless `Prefer: odata.maxpagesize` or `$top` says otherwise (Graph's
/// default for message delta).
const DEFAULT_PAGE: usize = 10;
/// The most messages a page holds, whatever is asked.
const MAX_PAGE: usize = 1000;

/// What a delta or skip token carries.
#[derive(Serialize, Deserialize)]
struct Token {
    /// The mailbox's token generation when the first request was made.
    generation: u64,
    /// The folder's tag.
    folder: String,
    /// `$select` of the first request.
    select: Option<String>,
    /// `changeType` of the first request.
    change_type: Option<ChangeType>,
    /// `$top` of the first request.
    top: Option<usize>,
    /// Where the sync stands.
    phase: Phase,
}

/// Where a sync stands.
#[derive(Serialize, Deserialize)]
enum Phase {
    /// The first round: the folder's messages older than `after` (date, number), newest first;
    /// what changes after change `snapshot` comes in the next round.
    Initial {
        snapshot: u64,
        after: Option<(u64, u64)>,
    },
    /// A round of the changes after change `since` up to `upto` (fixed when the round starts),
    /// past change `after`.
    Changes {
        since: u64,
        upto: Option<u64>,
        after: Option<u64>,
    },
}

/// The kinds of change `changeType` can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum ChangeType {
    Created,
    Updated,
    Deleted,
}

/// One entry of a delta page.
enum Entry {
    /// A message in the folder, in full.
    Message(View),
    /// A message that left the folder.
    Removed(String),
}

/// Answers a delta request on folder `folder` (id or well-known name).
pub(super) fn get(call: &Call, folder: &str) -> Response {
    let request = call.request;
    let token = request
        .query_param("$deltatoken")
        .or_else(|| request.query_param("$skiptoken"));
    let mailbox = call.shared.mail.of(Provider::Microsoft);
    let Some(tag) = folders::resolve(&mailbox, folder) else {
        return api::graph_item_not_found();
    };
    let state = match token {
        None => match first_request(call, &mailbox, tag) {
            Ok(state) => state,
            Err(refused) => return *refused,
        },
        Some(token) => match paging::open::<Token>(token) {
            Some(state) if state.generation == mailbox.generation() && state.folder == tag => state,
            stale => {
                let generation = stale.map_or(0, |s| s.generation);
                return api::graph_sync_state_not_found(generation, mailbox.generation());
            }
        },
    };
    let selection = match Selection::new(&PROPERTIES, state.select.as_deref(), TYPE_NAME) {
        Ok(selection) => selection,
        Err(refused) => return *refused,
    };
    let size = call
        .prefer
        .max_page_size
        .or(state.top)
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let (entries, next) = match state.phase {
        Phase::Initial { snapshot, after } => {
            let mut inside: Vec<_> = mailbox
                .messages()
                .filter(|m| m.state.tags.contains(tag))
                .collect();
            inside.sort_by_key(|m| Reverse((m.id.received_ms, m.id.key)));
            let position =
                |m: &&crate::mailbox::model::Message| Reverse((m.id.received_ms, m.id.key));
            let (page, more) = paging::page(inside, position, after.map(Reverse), size);
            let entries: Vec<Entry> = page
                .into_iter()
                .map(|m| Entry::Message(View::new(&mailbox, m, call.prefer.body)))
                .collect();
            let next = match more {
                Some(Reverse(after)) => Phase::Initial {
                    snapshot,
                    after: Some(after),
                },
                None => Phase::Changes {
                    since: snapshot,
                    upto: None,
                    after: None,
                },
            };
            (entries, next)
        }
        Phase::Changes { since, upto, after } => {
            let upto = upto.unwrap_or(mailbox.change());
            let Some(changes) = changes(&mailbox, tag, since, upto, call, state.change_type) else {
                return api::graph_sync_state_not_found(state.generation, mailbox.generation());
            };
            let (page, more) = paging::page(changes, |(number, _)| *number, after, size);
            let entries = page.into_iter().map(|(_, entry)| entry).collect();
            let next = match more {
                Some(after) => Phase::Changes {
                    since,
                    upto: Some(upto),
                    after: Some(after),
                },
                None => Phase::Changes {
                    since: upto,
                    upto: None,
                    after: None,
                },
            };
            (entries, next)
        }
    };
    drop(mailbox);

    let value: Vec<Ordered<Box<RawValue>>> = entries
        .iter()
        .map(|e| Ordered(render(e, &selection)))
        .collect();
    let continues = matches!(
        next,
        Phase::Initial { .. } | Phase::Changes { after: Some(_), .. }
    );
    let sealed = paging::seal(&Token {
        phase: next,
        ..state
    });
    let link = match continues {
        true => (
            "@odata.nextLink",
            call.link(&format!("$skiptoken={sealed}"), true),
        ),
        false => (
            "@odata.deltaLink",
            call.link(&format!("$deltatoken={sealed}"), false),
        ),
    };
    let body = Ordered(vec![
        (
            "@odata.context",
            raw(&"https://graph.microsoft.com/v1.0/$metadata#Collection(message)"),
        ),
        ("value", raw(&value)),
        (link.0, raw(&link.1)),
    ]);
    super::ok(&body, &call.prefer.applied(true))
}

/// The state of a first request: its query options checked and kept.
fn first_request(call: &Call, mailbox: &Mailbox, tag: &str) -> Result<Token, Refusal> {
    let request = call.request;
    let select = request.query_param("$select").map(str::to_owned);
    Selection::new(&PROPERTIES, select.as_deref(), TYPE_NAME)?;
    let change_type = match request.query_param("changeType") {
        None => None,
        Some(kind) => Some(match kind.to_ascii_lowercase().as_str() {
            "created" => ChangeType::Created,
            "updated" => ChangeType::Updated,
            "deleted" => ChangeType::Deleted,
            _ => {
                return Err(Box::new(api::graph_error(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    &format!("The value '{kind}' of parameter 'changeType' is invalid."),
                )));
            }
        }),
    };
    Ok(Token {
        generation: mailbox.generation(),
        folder: tag.to_owned(),
        select,
        change_type,
        top: super::number_option(request, "$top")?,
        phase: Phase::Initial {
            snapshot: mailbox.change(),
            after: None,
        },
    })
}

/// What changed in the folder tagged `tag` after change `since` up to `upto`, by change
/// number, limited to `change_type`; `None` when the log does not reach back to `since`.
fn changes(
    mailbox: &Mailbox,
    tag: &str,
    since: u64,
    upto: u64,
    call: &Call,
    change_type: Option<ChangeType>,
) -> Option<Vec<(u64, Entry)>> {
    let wanted = |kind: ChangeType| change_type.is_none_or(|t| t == kind);
    let mut left: BTreeMap<u64, u64> = BTreeMap::new();
    for change in mailbox.changes_since(since)? {
        if change.number > upto {
            break;
        }
        let leaves = match &change.kind {
            ChangeKind::Deleted => change.state.tags.contains(tag),
            ChangeKind::Tagged { removed, .. } => removed.iter().any(|t| t == tag),
            _ => false,
        };
        if leaves {
            left.insert(change.message.key, change.number);
        }
    }
    let mut entries: Vec<(u64, Entry)> = Vec::new();
    if wanted(ChangeType::Deleted) {
        for (key, number) in left {
            let back = mailbox.get(key).is_some_and(|m| m.state.tags.contains(tag));
            if !back {
                let id = ids::encode(ids::Kind::Message, mailbox.salt(), key);
                entries.push((number, Entry::Removed(id)));
            }
        }
    }
    for message in mailbox.messages() {
        let changed =
            message.state.tags.contains(tag) && (since + 1..=upto).contains(&message.modified);
        let kind = match message.placed > since {
            true => ChangeType::Created,
            false => ChangeType::Updated,
        };
        if changed && wanted(kind) {
            let view = View::new(mailbox, message, call.prefer.body);
            entries.push((message.modified, Entry::Message(view)));
        }
    }
    entries.sort_by_key(|(number, _)| *number);
    Some(entries)
}

/// The JSON members of one entry.
fn render(entry: &Entry, selection: &Selection<View>) -> Vec<(&'static str, Box<RawValue>)> {
    let mut members = vec![("@odata.type", raw(&"#microsoft.graph.message"))];
    match entry {
        Entry::Message(view) => members.extend(messages::members(view, selection)),
        Entry::Removed(id) => {
            members.push(("id", raw(id)));
            members.push((
                "@removed",
                raw(&Ordered(vec![("reason", serde_json::json!("deleted"))])),
            ));
        }
    }
    members
}
