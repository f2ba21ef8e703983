//! `GET /me/mailFolders/delta` (https://learn.microsoft.com/en-us/graph/api/mailfolder-delta):
//! a first round pages through the whole folder hierarchy, flat (nested folders included, as
//! shared/specs: samples/graph/me.mailFolders.delta.page1-nextLink.json shows; the root and
//! hidden folders left out, as there); each later round (following the `@odata.deltaLink`)
//! pages through the folders created, renamed or moved since, in full, and those deleted for
//! good, as `@removed`. `$select` is taken on the first request and kept in the tokens; pages
//! hold 10 folders unless `Prefer: odata.maxpagesize` says otherwise.
//!
//! Tokens are sealed states: the mailbox generation (so [`crate::Controls::expire_delta`] makes
//! them answer 410), `$select`, and a position that stays valid while the tree changes (a
//! folder's number in the first round, a change number later).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::folders::{PROPERTIES, ROOT, TYPE_NAME, View};
use super::select::{Selection, raw};
use super::{Call, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::Mailbox;
use crate::mailbox::folders::Folder;
use crate::paging;
use crate::wire::{Ordered, Response};

/// Folders per page unless `Prefer: odata.maxpagesize` says otherwise (as many as the first
/// page of shared/specs: samples/graph/me.mailFolders.delta.page1-nextLink.json holds).
const DEFAULT_PAGE: usize = 10;
/// The most folders a page holds, whatever is asked.
const MAX_PAGE: usize = 1000;

/// What a delta or skip token carries.
#[derive(Serialize, Deserialize)]
struct Token {
    /// The mailbox's token generation when the first request was made.
    generation: u64,
    /// `$select` of the first request.
    select: Option<String>,
    /// Where the sync stands.
    phase: Phase,
}

/// Where a folder sync stands.
#[derive(Serialize, Deserialize)]
enum Phase {
    /// The first round: the folders numbered above `after`; what changes after change
    /// `snapshot` comes in the next round.
    Initial { snapshot: u64, after: Option<u64> },
    /// A round of the changes after change `since` up to `upto` (fixed when the round starts),
    /// past position `after` (change number, folder number).
    Changes {
        since: u64,
        upto: Option<u64>,
        after: Option<(u64, u64)>,
    },
}

/// One entry of a page.
enum Entry {
    /// A folder, in full.
    Folder(View),
    /// The id of a folder deleted for good.
    Removed(String),
}

/// Answers `GET /me/mailFolders/delta`.
pub(super) fn get(call: &Call) -> Response {
    let request = call.request;
    let token = request
        .query_param("$deltatoken")
        .or_else(|| request.query_param("$skiptoken"));
    let mailbox = call.shared.mail.of(Provider::Microsoft);
    let state = match token {
        None => Token {
            generation: mailbox.generation(),
            select: request.query_param("$select").map(str::to_owned),
            phase: Phase::Initial {
                snapshot: mailbox.change(),
                after: None,
            },
        },
        Some(token) => match paging::open::<Token>(token) {
            Some(state) if state.generation == mailbox.generation() => state,
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
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let (entries, next) = match state.phase {
        Phase::Initial { snapshot, after } => {
            let listed = visible(&mailbox).map(|f| f.number);
            let (page, more) = paging::page(listed, |n| *n, after, size);
            let entries: Vec<Entry> = page
                .into_iter()
                .filter_map(|n| mailbox.folders().numbered(n))
                .map(|f| Entry::Folder(View::new(&mailbox, f)))
                .collect();
            let next = match more {
                Some(after) => Phase::Initial {
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
            let (page, more) =
                paging::page(changes(&mailbox, since, upto), |(at, _)| *at, after, size);
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
            raw(&"https://graph.microsoft.com/v1.0/$metadata#Collection(mailFolder)"),
        ),
        ("value", raw(&value)),
        (link.0, raw(&link.1)),
    ]);
    super::ok(&body, &call.prefer.applied(true))
}

/// The folders a folder sync reports: all but the root and hidden ones.
fn visible(mailbox: &Mailbox) -> impl Iterator<Item = &Folder> {
    mailbox
        .folders()
        .iter()
        .filter(|f| f.tag != ROOT && !f.hidden)
}

/// What changed in the tree after change `since` up to `upto`, by position: the folders
/// created, renamed or moved, and those a client may know that were deleted for good.
fn changes(mailbox: &Mailbox, since: u64, upto: u64) -> Vec<((u64, u64), Entry)> {
    let window = since + 1..=upto;
    let mut entries: Vec<((u64, u64), Entry)> = visible(mailbox)
        .filter(|f| window.contains(&f.changed))
        .map(|f| ((f.changed, f.number), Entry::Folder(View::new(mailbox, f))))
        .collect();
    entries.extend(
        mailbox
            .folders()
            .removed()
            .iter()
            .filter(|r| window.contains(&r.number) && r.created <= since)
            .map(|r| {
                let id = ids::encode(ids::Kind::Folder, mailbox.salt(), &[r.folder]);
                ((r.number, r.folder), Entry::Removed(id))
            }),
    );
    entries.sort_by_key(|(at, _)| *at);
    entries
}

/// The JSON members of one entry.
fn render(entry: &Entry, selection: &Selection<View>) -> Vec<(&'static str, Box<RawValue>)> {
    match entry {
        Entry::Folder(view) => {
            let mut members = vec![super::odata_type(TYPE_NAME)];
            members.extend(selection.render(view));
            members
        }
        Entry::Removed(id) => super::removed(TYPE_NAME, id),
    }
}
