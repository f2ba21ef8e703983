//! `GET /me/mailFolders/{id}/messages/delta`: a first round pages through the folder's
//! messages; each later round (following the `@odata.deltaLink`) pages through what changed
//! since: created and updated messages in full, and `@removed` for messages that left the
//! folder (deleted, or moved elsewhere: they show as created in the destination's delta).
//!
//! Sources: https://learn.microsoft.com/en-us/graph/api/message-delta and
//! https://learn.microsoft.com/en-us/graph/delta-query-messages. Without `$orderby` the order of
//! a first round "isn't guaranteed": the sandbox serves it in a pseudo-random order, fixed for a
//! mailbox and round (so a skip token goes on in the same order, each message once);
//! `$orderby=receivedDateTime desc` serves it newest first. With `$filter` on
//! `receivedDateTime` ([`delta_query`]) a first round holds only the messages it admits, and
//! "only up to 5,000 messages" ([`FILTERED_CAP`], or what
//! [`crate::Controls::set_filtered_delta_cap`] sets): past that the round just ends with a delta
//! link, as if complete; later rounds report only the changes of messages it admits. Pages hold
//! `Prefer: odata.maxpagesize` (or the first request's `$top`) rows, `@removed` ones included.
//! Ids follow each request's own `Prefer: IdType` ([`super::ids`]): a message a client knew by
//! a default id that changed (it moved out, and maybe back) is reported `@removed` under that
//! id.
//!
//! Tokens are sealed states: the mailbox generation (so [`crate::Controls::expire_delta`] makes
//! them answer 410), the folder, the query options of the first request, and a position that
//! stays valid while the folder changes (a message's place in the round's order in the first
//! round, a change number later). A folder that no longer exists answers 404.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use super::delta_query::{self, ReceivedSince};
use super::messages::{self, PROPERTIES, TYPE_NAME, View};
use super::select::{Selection, raw};
use super::{Call, IdType, folders, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::model::Message;
use crate::mailbox::{ChangeKind, Mailbox};
use crate::paging;
use crate::wire::{Ordered, Refusal, Response};

/// Messages per page unless `Prefer: odata.maxpagesize` or `$top` says otherwise (Graph's
/// default for message delta).
const DEFAULT_PAGE: usize = 10;
/// The most messages a page holds, whatever is asked.
const MAX_PAGE: usize = 1000;
/// The most messages a filtered first round returns: "Applying `$filter` in a delta query
/// returns only up to 5,000 messages" (https://learn.microsoft.com/en-us/graph/delta-query-messages).
pub(crate) const FILTERED_CAP: usize = 5000;

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
    /// Whether the first request asked for `$orderby=receivedDateTime desc`.
    newest_first: bool,
    /// The `$filter` of the first request.
    filter: Option<ReceivedSince>,
    /// Where the sync stands.
    phase: Phase,
}

/// Where a sync stands.
#[derive(Serialize, Deserialize)]
enum Phase {
    /// The first round: the folder's messages past position `after` in the round's order,
    /// `served` of them so far; what changes after change `snapshot` comes in the next round.
    Initial {
        snapshot: u64,
        after: Option<(u64, u64)>,
        served: usize,
    },
    /// A round of the changes after change `since` up to `upto` (fixed when the round starts),
    /// past position `after` (change number, message number).
    Changes {
        since: u64,
        upto: Option<u64>,
        after: Option<(u64, u64)>,
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
    /// A message that left the folder, by the id it had there.
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
        None => match first_request(call, &mailbox, &tag) {
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
        Phase::Initial {
            snapshot,
            after,
            served,
        } => {
            let cap = match state.filter {
                Some(_) => mailbox.service().filtered_cap.unwrap_or(FILTERED_CAP),
                None => usize::MAX,
            };
            let order = Order {
                newest_first: state.newest_first,
                salt: *mailbox.salt(),
                round: snapshot,
            };
            let mut inside: Vec<(&Message, (u64, u64))> = mailbox
                .messages()
                .filter(|m| m.state.tags.contains(&tag))
                .filter(|m| state.filter.is_none_or(|f| f.admits(m.id.received_ms)))
                .map(|m| (m, order.position(m)))
                .collect();
            inside.sort_by_key(|(_, at)| *at);
            let room = cap.saturating_sub(served);
            let (page, more) = paging::page(inside, |(_, at)| *at, after, size.min(room));
            let served = served + page.len();
            let entries: Vec<Entry> = page
                .into_iter()
                .map(|(m, _)| Entry::Message(View::new(&mailbox, m, &call.prefer)))
                .collect();
            let next = match more.filter(|_| served < cap) {
                Some(after) => Phase::Initial {
                    snapshot,
                    after: Some(after),
                    served,
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
            let window = Window {
                tag: &tag,
                since,
                upto,
                change_type: state.change_type,
                filter: state.filter,
            };
            let Some(changes) = changes(&mailbox, &window, call) else {
                return api::graph_sync_state_not_found(state.generation, mailbox.generation());
            };
            let (page, more) = paging::page(changes, |(at, _)| *at, after, size);
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

/// The order of a first round.
struct Order {
    /// `$orderby=receivedDateTime desc`.
    newest_first: bool,
    /// The mailbox's salt and the round's snapshot, which seed the order otherwise.
    salt: [u8; 16],
    round: u64,
}

impl Order {
    /// Where `message` stands in the round (ascending): newest first, or a position drawn
    /// from the mailbox, the round and the message, the same on every page of the round.
    fn position(&self, message: &Message) -> (u64, u64) {
        let key = message.id.key;
        if self.newest_first {
            return (u64::MAX - message.id.received_ms, u64::MAX - key);
        }
        let mut hash = Sha256::new();
        hash.update(self.salt);
        hash.update(self.round.to_be_bytes());
        hash.update(key.to_be_bytes());
        let digest = hash.finalize();
        let drawn = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        (drawn, key)
    }
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
        newest_first: delta_query::newest_first(request.query_param("$orderby"))?,
        filter: delta_query::received_since(request.query_param("$filter"))?,
        phase: Phase::Initial {
            snapshot: mailbox.change(),
            after: None,
            served: 0,
        },
    })
}

/// The changes a later round reports.
struct Window<'a> {
    /// The folder's tag.
    tag: &'a str,
    /// After this change…
    since: u64,
    /// …up to this one.
    upto: u64,
    /// Only changes of this kind.
    change_type: Option<ChangeType>,
    /// Only messages this admits.
    filter: Option<ReceivedSince>,
}

/// What changed in the folder in `window`, by position (change number, message number); `None`
/// when the log does not reach back to its start.
fn changes(mailbox: &Mailbox, window: &Window, call: &Call) -> Option<Vec<((u64, u64), Entry)>> {
    let wanted = |kind: ChangeType| window.change_type.is_none_or(|t| t == kind);
    let admitted = |received_ms: u64| window.filter.is_none_or(|f| f.admits(received_ms));
    // The messages that left the folder: the first time, and where they were filed then (their
    // default id as a client knew it).
    let mut left: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for change in mailbox.changes_since(window.since)? {
        if change.number > window.upto {
            break;
        }
        let leaves = match &change.kind {
            ChangeKind::Deleted => change.state.tags.contains(window.tag),
            ChangeKind::Tagged { removed, .. } => removed.iter().any(|t| t == window.tag),
            _ => false,
        };
        if leaves && admitted(change.message.received_ms) {
            left.entry(change.message.key)
                .or_insert((change.number, change.placed));
        }
    }
    let mut entries: Vec<((u64, u64), Entry)> = Vec::new();
    if wanted(ChangeType::Deleted) {
        for (key, (number, placed)) in left {
            let back = mailbox
                .get(key)
                .is_some_and(|m| m.state.tags.contains(window.tag));
            // Back in the folder, the message is reported again; its immutable id is the one
            // the client knows, its default id a new one.
            if !back || call.prefer.ids == IdType::Rest {
                let id = ids::message(mailbox.salt(), key, placed, call.prefer.ids);
                entries.push(((number, key), Entry::Removed(id)));
            }
        }
    }
    for message in mailbox.messages() {
        let changed = message.state.tags.contains(window.tag)
            && (window.since + 1..=window.upto).contains(&message.modified)
            && admitted(message.id.received_ms);
        let kind = match message.placed > window.since {
            true => ChangeType::Created,
            false => ChangeType::Updated,
        };
        if changed && wanted(kind) {
            let view = View::new(mailbox, message, &call.prefer);
            entries.push(((message.modified, message.id.key), Entry::Message(view)));
        }
    }
    entries.sort_by_key(|(at, _)| *at);
    Some(entries)
}

/// The JSON members of one entry.
fn render(entry: &Entry, selection: &Selection<View>) -> Vec<(&'static str, Box<RawValue>)> {
    match entry {
        Entry::Message(view) => {
            let mut members = vec![super::odata_type(TYPE_NAME)];
            members.extend(messages::members(view, selection));
            members
        }
        Entry::Removed(id) => super::removed(TYPE_NAME, id),
    }
}
