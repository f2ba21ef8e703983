//! Gmail sync: a bounded first sync from `messages.list`, then `history.list`.
//!
//! The first sync takes the profile's `historyId` before listing anything, so that whatever
//! changes while it lists is in the history that follows. `history.list` is read from one fixed
//! `startHistoryId` across all its pages; the cursor moves to the mailbox's `historyId` only
//! after the last page. Messages are fetched with `format=full`, several at once.

use super::Google;
use super::get_profile::{self, HistoryId};
use super::history_list::{self, Record};
use super::message::{self, GmailMessage};
use super::messages_get::{self, Format};
use super::messages_list;
use crate::Error;
use crate::net;
use crate::page::{self, Step};
use crate::session::{self, Session};
use crate::types::{MessageChange, SyncRequest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The labels outside the default sync scope.
const EXCLUDED: [&str; 2] = ["SPAM", "TRASH"];

/// What the cursor keeps of a Gmail sync (the `s` of the cursor, [`crate::sync::cursor`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Label ids synced; empty means all mail but spam and trash.
    folders: Vec<String>,
    /// Where the next `history.list` starts.
    history_id: String,
    /// The first sync's listing, while it lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listing: Option<Listing>,
    /// The next page of the `history.list` in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    history_page: Option<String>,
}

/// The position of a first sync's listing. Several labels are listed one after the other
/// (`labelIds` with several ids lists only messages carrying all of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Listing {
    page_token: Option<String>,
    listed: u32,
    newer_than: Option<u64>,
    max: Option<u32>,
    /// Which of the synced labels is being listed.
    #[serde(default)]
    label: usize,
}

/// One sync step from `state` (none for a first sync); the step carries the state after it.
pub fn step(
    session: &mut Session<'_>,
    request: &SyncRequest,
    state: Option<State>,
) -> Result<Step<State>, Error> {
    let Some(state) = state else {
        return first_sync(session, request, None);
    };
    if state.listing.is_some() {
        list_page(session, request, state)
    } else {
        history_page(session, request, state)
    }
}

/// Starts a first sync: the profile's history id, then the first listing page.
fn first_sync(
    session: &mut Session<'_>,
    request: &SyncRequest,
    reason: Option<String>,
) -> Result<Step<State>, Error> {
    let profile: HistoryId = session.get_json(get_profile::URL, "Gmail profile")?;
    let state = State {
        folders: request.folders.clone(),
        history_id: profile.history_id,
        listing: Some(Listing {
            page_token: None,
            listed: 0,
            newer_than: request.newer_than,
            max: request.max_messages,
            label: 0,
        }),
        history_page: None,
    };
    let mut step = list_page(session, request, state)?;
    // A resync after the history expired: what was deleted meanwhile is in no history any
    // more, so the host starts afresh and the listing brings back what still exists.
    step.reset = reason.is_some();
    step.full_resync = reason;
    Ok(step)
}

/// One page of the first sync's listing, fetched in full. With several labels, a message
/// listed under an earlier label is left out under the later ones.
fn list_page(
    session: &mut Session<'_>,
    request: &SyncRequest,
    mut state: State,
) -> Result<Step<State>, Error> {
    let Some(mut listing) = state.listing.take() else {
        return history_page(session, request, state);
    };
    let room = listing
        .max
        .map_or(u32::MAX, |max| max.saturating_sub(listing.listed));
    let size = page::page_size(request).min(room);
    let label = state.folders.get(listing.label).cloned();
    let mut ids = Vec::new();
    let mut next = None;
    if size > 0 {
        let query = messages_list::Query {
            max_results: size,
            after: listing.newer_than,
            label,
            // Spam and trash are listed only when asked for.
            include_spam_trash: state.folders.iter().any(|f| EXCLUDED.contains(&f.as_str())),
            page_token: listing.page_token.clone(),
        };
        let list: messages_list::Page =
            session.get_json(&messages_list::url(&query), messages_list::NAME)?;
        ids = list.messages.into_iter().map(|m| m.id).collect();
        next = list.next_page_token;
    }
    let earlier = &state.folders[..listing.label.min(state.folders.len())];
    let messages: Vec<_> = fetch(session, &ids)?
        .into_iter()
        .filter(|m| in_scope(&m.labels, &state.folders))
        .filter(|m| !m.labels.iter().any(|l| earlier.contains(l)))
        .collect();
    listing.listed = listing.listed.saturating_add(messages.len() as u32);
    let room_left = listing.max.is_none_or(|max| listing.listed < max);
    let more = match next {
        Some(token) if room_left => {
            listing.page_token = Some(token);
            true
        }
        _ if room_left && listing.label + 1 < state.folders.len() => {
            listing.label += 1;
            listing.page_token = None;
            true
        }
        _ => false,
    };
    if more {
        state.listing = Some(listing);
    }
    Ok(Step {
        messages,
        more,
        ..Step::new(state)
    })
}

/// One page of `history.list` from the fixed start.
fn history_page(
    session: &mut Session<'_>,
    request: &SyncRequest,
    mut state: State,
) -> Result<Step<State>, Error> {
    let query = history_list::Query {
        start: state.history_id.clone(),
        max_results: page::page_size(request),
        page_token: state.history_page.clone(),
    };
    let response = session
        .send_all(vec![net::json_get(&history_list::url(&query))?])?
        .pop();
    let response = response.ok_or_else(|| Error::transport("no response"))?;
    if response.status() == http::StatusCode::NOT_FOUND {
        let mut restart = request.clone();
        restart.folders = state.folders.clone();
        return first_sync(
            session,
            &restart,
            Some("Gmail no longer holds the history since the cursor (it keeps about a week); a full sync began".to_owned()),
        );
    }
    let list: history_list::Page =
        net::parse_json(&session::check(&Google, response)?, history_list::NAME)?;
    let mut changes = Changes::default();
    for record in &list.history {
        changes.apply(record, &state.folders);
    }
    let fetched = fetch(session, &changes.fetch)?;
    let mut messages = Vec::with_capacity(fetched.len());
    let mut deleted: Vec<String> = changes.deleted.into_iter().collect();
    for message in fetched {
        if in_scope(&message.labels, &state.folders) {
            messages.push(message);
        } else {
            deleted.push(message.id);
        }
    }
    let more = list.next_page_token.is_some();
    if more {
        state.history_page = list.next_page_token;
    } else {
        state.history_page = None;
        state.history_id = list.history_id;
    }
    Ok(Step {
        messages,
        deleted,
        changes: changes
            .flags
            .into_values()
            .filter(|c| !c.labels_added.is_empty() || !c.labels_removed.is_empty())
            .collect(),
        more,
        ..Step::new(state)
    })
}

/// Whether a message with `labels` belongs to the synced scope.
fn in_scope(labels: &[String], folders: &[String]) -> bool {
    let has = |label: &str| labels.iter().any(|l| l == label);
    if folders.is_empty() {
        !EXCLUDED.iter().any(|l| has(l))
    } else {
        folders.iter().any(|f| has(f))
            && !EXCLUDED
                .iter()
                .any(|l| has(l) && !folders.iter().any(|f| f == l))
    }
}

/// What a page of history amounts to, per message.
#[derive(Default)]
pub(crate) struct Changes {
    /// Messages to fetch in full, in the order they came.
    fetch: Vec<String>,
    /// Messages gone from the scope.
    deleted: BTreeSet<String>,
    /// Label changes of messages not fetched.
    flags: HashMap<String, MessageChange>,
}

impl Changes {
    /// Adds what `record` says, for a sync of `folders`.
    pub(crate) fn apply(&mut self, record: &Record, folders: &[String]) {
        for added in &record.messages_added {
            if in_scope(&added.message.label_ids, folders) {
                self.bring(&added.message.id);
            }
        }
        for (touched, adding) in record
            .labels_added
            .iter()
            .map(|t| (t, true))
            .chain(record.labels_removed.iter().map(|t| (t, false)))
        {
            let id = &touched.message.id;
            let now_in = in_scope(&touched.message.label_ids, folders);
            if !now_in {
                self.drop(id);
                continue;
            }
            if self.fetch.contains(id) {
                continue;
            }
            // A message that just entered the scope is new to the host.
            let before: Vec<String> = if adding {
                touched
                    .message
                    .label_ids
                    .iter()
                    .filter(|l| !touched.label_ids.contains(l))
                    .cloned()
                    .collect()
            } else {
                touched
                    .message
                    .label_ids
                    .iter()
                    .chain(&touched.label_ids)
                    .cloned()
                    .collect()
            };
            if !in_scope(&before, folders) {
                self.bring(id);
                continue;
            }
            let change = self
                .flags
                .entry(id.clone())
                .or_insert_with(|| MessageChange {
                    id: id.clone(),
                    unread: None,
                    starred: None,
                    labels_added: Vec::new(),
                    labels_removed: Vec::new(),
                });
            for label in &touched.label_ids {
                let (into, out_of) = if adding {
                    (&mut change.labels_added, &mut change.labels_removed)
                } else {
                    (&mut change.labels_removed, &mut change.labels_added)
                };
                if let Some(at) = out_of.iter().position(|l| l == label) {
                    out_of.remove(at);
                } else if !into.contains(label) {
                    into.push(label.clone());
                }
                match label.as_str() {
                    message::UNREAD => change.unread = Some(adding),
                    message::STARRED => change.starred = Some(adding),
                    _ => {}
                }
            }
        }
        for gone in &record.messages_deleted {
            self.drop(&gone.message.id);
        }
    }

    fn bring(&mut self, id: &str) {
        self.deleted.remove(id);
        self.flags.remove(id);
        if !self.fetch.iter().any(|f| f == id) {
            self.fetch.push(id.to_owned());
        }
    }

    fn drop(&mut self, id: &str) {
        self.fetch.retain(|f| f != id);
        self.flags.remove(id);
        self.deleted.insert(id.to_owned());
    }
}

/// Fetches messages in full, in batches (several batches at once). A message deleted in the
/// meantime (404) is left out: its deletion comes with the history. A message whose parts nest
/// too deep for `format=full` ([`GmailMessage::is_cut`]) is fetched again whole
/// (`format=raw`).
fn fetch(session: &mut Session<'_>, ids: &[String]) -> Result<Vec<crate::types::Message>, Error> {
    let requests = |ids: &[&String], format: Format| {
        ids.iter()
            .map(|id| net::json_get(&messages_get::url(id, format)))
            .collect::<Result<Vec<_>, _>>()
    };
    // Each message is decoded as soon as its batch is answered, while the next is in flight.
    let mut messages: Vec<Option<crate::types::Message>> = (0..ids.len()).map(|_| None).collect();
    let mut cut: Vec<usize> = Vec::new();
    let all: Vec<&String> = ids.iter().collect();
    session.each_batched(requests(&all, Format::Full)?, &mut |i, response| {
        if response.status() == http::StatusCode::NOT_FOUND {
            return Ok(());
        }
        let resource: GmailMessage =
            net::parse_json(&session::check(&Google, response)?, messages_get::NAME)?;
        match resource.is_cut() {
            true => cut.push(i),
            false => messages[i] = Some(message::normalize(resource)),
        }
        Ok(())
    })?;
    let deep: Vec<&String> = cut.iter().map(|&i| &ids[i]).collect();
    session.each_batched(requests(&deep, Format::Raw)?, &mut |j, response| {
        if response.status() == http::StatusCode::NOT_FOUND {
            return Ok(());
        }
        let resource: GmailMessage =
            net::parse_json(&session::check(&Google, response)?, messages_get::NAME)?;
        messages[cut[j]] = Some(message::normalize(resource));
        Ok(())
    })?;
    Ok(messages.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::google::history_list::Touched;
    use crate::provider::google::messages_list::Listed;

    fn touched(id: &str, now: &[&str], labels: &[&str]) -> Touched {
        Touched {
            message: Listed {
                id: id.into(),
                label_ids: now.iter().map(|s| s.to_string()).collect(),
            },
            label_ids: labels.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn record() -> Record {
        Record {
            messages_added: vec![],
            messages_deleted: vec![],
            labels_added: vec![],
            labels_removed: vec![],
        }
    }

    #[test]
    fn scope() {
        let s = |labels: &[&str], folders: &[&str]| {
            in_scope(
                &labels.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &folders.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert!(s(&["INBOX"], &[]));
        assert!(!s(&["INBOX", "TRASH"], &[]));
        assert!(s(&["Label_1"], &["Label_1"]));
        assert!(!s(&["INBOX"], &["Label_1"]));
        assert!(s(&["SPAM"], &["SPAM"]));
    }

    #[test]
    fn history_becomes_fetches_deletions_and_flag_changes() {
        let mut changes = Changes::default();
        let folders: Vec<String> = vec![];
        let mut r = record();
        r.messages_added = vec![
            touched("new", &["INBOX", "UNREAD"], &[]),
            touched("spam", &["SPAM"], &[]),
        ];
        r.labels_removed = vec![touched("read", &["INBOX"], &["UNREAD"])];
        r.labels_added = vec![
            touched("star", &["INBOX", "STARRED"], &["STARRED"]),
            touched("trashed", &["TRASH"], &["TRASH"]),
            touched("new", &["INBOX", "UNREAD", "Label_1"], &["Label_1"]),
        ];
        changes.apply(&r, &folders);
        let mut r = record();
        r.labels_removed = vec![touched("restored", &["INBOX"], &["TRASH"])];
        r.messages_deleted = vec![touched("gone", &[], &[])];
        r.labels_added = vec![touched("read", &["INBOX", "UNREAD"], &["UNREAD"])];
        changes.apply(&r, &folders);

        assert_eq!(changes.fetch, ["new", "restored"]);
        assert_eq!(
            changes.deleted.iter().collect::<Vec<_>>(),
            ["gone", "trashed"]
        );
        let star = &changes.flags["star"];
        assert_eq!(
            (star.starred, star.unread, star.labels_added.as_slice()),
            (Some(true), None, ["STARRED".to_string()].as_slice())
        );
        let read = &changes.flags["read"];
        assert_eq!(read.unread, Some(true), "the last change wins");
        assert!(
            read.labels_added.is_empty() && read.labels_removed.is_empty(),
            "removed then added nets out"
        );
    }
}
