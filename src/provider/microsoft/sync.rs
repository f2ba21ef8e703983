//! Outlook sync through Graph: one message delta query per synced folder
//! (https://learn.microsoft.com/en-us/graph/api/message-delta), and, when every folder is
//! synced, the folder hierarchy's delta to find folders created, moved out of scope or deleted.
//!
//! A call takes one page from at most four folders still behind in the current round (Graph
//! serves four requests at once per mailbox), their page sizes adding up to the request's page
//! size. A folder's round ends at its `@odata.deltaLink`, which the next round follows. When
//! every folder has ended its round, the next round starts with the hierarchy's changes: a new
//! folder in scope is synced from the start; a folder deleted, or moved under Junk Email or
//! Deleted Items, is dropped (the page names it, and the host drops its messages). Next and
//! delta links are followed only on Graph's own host.

use super::folders::{self, Hierarchy, TreeRow};
use super::message::{self, GraphMessage};
use super::{
    Collection, Microsoft, messages_delta, messages_get, messages_list, sync_state_expired,
    trusted, with_attachments,
};
use crate::Error;
use crate::net::{self, Request, Response};
use crate::page::{self, Step};
use crate::session::{self, Session};
use crate::types::SyncRequest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The well-known folders outside the default sync scope (with every folder below them).
const EXCLUDED: [&str; 2] = ["junkemail", "deleteditems"];

/// A message delta with a `$filter` returns at most this many messages
/// (https://learn.microsoft.com/en-us/graph/api/message-delta, "query parameters"): a folder
/// holding this many or more is synced without the filter, the bound applied here instead.
const FILTER_CAP: u32 = 5_000;

/// The most folders one call reads from: Graph serves at most four requests at once per
/// mailbox (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits).
const FOLDERS_PER_CALL: usize = 4;

/// What the cursor keeps of an Outlook sync (the `s` of the cursor, [`crate::sync::cursor`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The folders synced.
    folders: Vec<Folder>,
    /// Whether every folder is synced (but junk and deleted items): then folders created
    /// later are found through the hierarchy's delta. Otherwise only the folders asked for.
    #[serde(default)]
    every: bool,
    /// The hierarchy delta link the next round starts from, when `every`.
    #[serde(default)]
    tree: Option<String>,
    /// The folders out of scope (junk, deleted items and every folder below them), to place a
    /// folder that moves or appears under one of them.
    #[serde(default)]
    outside: Vec<String>,
    /// Junk Email and Deleted Items: out of scope wherever they are.
    #[serde(default)]
    excluded: Vec<String>,
    /// Messages received before this time (Unix seconds) are not synced: `newer-than`, or the
    /// receipt time of the oldest of the `max-messages` newest.
    #[serde(default, alias = "newer_than")]
    since: Option<u64>,
}

/// One synced folder's delta position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Folder {
    id: String,
    /// The next link of the round in progress, else the delta link of the last round.
    link: Option<String>,
    /// Whether the folder still has pages in the current round.
    pending: bool,
    /// Whether the folder is in its first round (no delta link yet).
    initial: bool,
    /// Whether its delta carries the `since` bound as a `$filter` (else the bound is applied
    /// here, to each message).
    #[serde(default)]
    filtered: bool,
    /// Rows its first round has delivered so far (to tell a filtered round cut at the cap).
    #[serde(default)]
    rows: u32,
    /// Messages the host was given as moved into the folder while its first round had not
    /// listed them: a first round reports no removals, so when it ends, those it did not list
    /// are looked up again (they may have left meanwhile).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    adopted: Vec<String>,
}

impl Folder {
    /// A folder to sync from the start; `total` is how many messages it holds, when known.
    fn new(id: String, since: Option<u64>, total: Option<u32>) -> Folder {
        Folder {
            id,
            link: None,
            pending: true,
            initial: true,
            filtered: since.is_some() && total.is_some_and(|t| t < FILTER_CAP),
            rows: 0,
            adopted: Vec::new(),
        }
    }
}

/// One row of a message delta page: a message, or the id of one removed from the folder.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Row {
    Removed {
        id: String,
        #[serde(rename = "@removed")]
        _removed: serde_json::Value,
    },
    Message(Box<GraphMessage>),
}

/// One sync step from `state` (none for a first sync); the step carries the state after it.
pub fn step(
    session: &mut Session<'_>,
    request: &SyncRequest,
    state: Option<State>,
) -> Result<Step<State>, Error> {
    let mut step = Step::default();
    let mut state = match state {
        Some(state) => state,
        None => start(session, request)?,
    };
    if state.folders.iter().all(|f| !f.pending) {
        if state.every {
            discover(session, &mut state, &mut step)?;
        }
        for folder in &mut state.folders {
            folder.pending = true;
        }
    }
    let chosen: Vec<usize> = (0..state.folders.len())
        .filter(|&i| state.folders[i].pending)
        .take(FOLDERS_PER_CALL)
        .collect();
    let sizes = split(page::page_size(request), chosen.len());
    let requests = chosen
        .iter()
        .zip(&sizes)
        .map(|(&i, &size)| delta_request(&state, &state.folders[i], size))
        .collect::<Result<Vec<_>, _>>()?;
    let responses = session.send_all(requests)?;

    let mut found: Vec<GraphMessage> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for (&index, response) in chosen.iter().zip(responses) {
        let folder = &mut state.folders[index];
        if folder_deleted(&response) {
            gone.insert(folder.id.clone());
            continue;
        }
        if sync_state_expired(&response) {
            // The host drops what it holds of the folder, which is synced again from the start.
            step.full_resync = Some(format!(
                "Graph no longer knows the sync state of folder {}; it is synced again from the start",
                folder.id
            ));
            step.dropped_folders.push(folder.id.clone());
            *folder = Folder::new(folder.id.clone(), state.since, None);
            continue;
        }
        let page: Collection<Row> =
            net::parse_json(&session::check(&Microsoft, response)?, messages_delta::NAME)?;
        for row in page.value {
            match row {
                Row::Removed { id, .. } => removed.push(id),
                Row::Message(message) => {
                    if folder.initial {
                        folder.rows += 1;
                        folder.adopted.retain(|id| *id != message.id);
                    }
                    if folder.filtered || received_since(&message, state.since) {
                        found.push(*message);
                    }
                }
            }
        }
        match (page.next_link, page.delta_link) {
            (Some(next), _) => folder.link = Some(trusted(next)?),
            (None, Some(_)) if folder.initial && folder.filtered && folder.rows >= FILTER_CAP => {
                // The filtered round may have stopped at Graph's cap: read the folder again
                // without the filter, applying the bound here, so that nothing is left out.
                step.warnings.push(format!(
                    "Outlook folder {} holds {FILTER_CAP} or more messages in the asked time range; it is read again in full",
                    folder.id
                ));
                folder.link = None;
                folder.filtered = false;
                folder.rows = 0;
            }
            (None, Some(delta)) => {
                folder.link = Some(trusted(delta)?);
                folder.pending = false;
                folder.initial = false;
                removed.append(&mut folder.adopted);
            }
            (None, None) => {
                return Err(Error::malformed(
                    Some(200),
                    "a Graph delta page has neither a next nor a delta link",
                ));
            }
        }
    }
    drop_folders(&mut state, &gone, &mut step);
    found.extend(settle_removed(session, &mut state, removed, &mut step)?);
    // A message both listed by a folder and looked up after a move comes once, as looked up.
    let mut seen = BTreeSet::new();
    found.reverse();
    found.retain(|m| seen.insert(m.id.clone()));
    found.reverse();
    step.messages = with_attachments(session, found)?;
    step.more = state.folders.iter().any(|f| f.pending);
    Ok(step.with_state(state))
}

/// The state of a first sync: the folders, and the received-time bound.
fn start(session: &mut Session<'_>, request: &SyncRequest) -> Result<State, Error> {
    let mut state = State {
        folders: Vec::new(),
        every: request.folders.is_empty(),
        tree: None,
        outside: Vec::new(),
        excluded: Vec::new(),
        since: request.newer_than,
    };
    let found: Vec<(String, Option<u32>)> = if state.every {
        let Hierarchy::Changes(rows, link) = folders::hierarchy(session, None)? else {
            return Err(Error::malformed(
                Some(410),
                "Graph refused to start a folder delta",
            ));
        };
        state.tree = Some(link);
        state.excluded = folders::ids(session, &EXCLUDED.map(str::to_owned), "folders")?;
        state.outside = state.excluded.clone();
        place(&mut state, rows)
    } else {
        folders::found(session, &request.folders, "folders")?
            .into_iter()
            .map(|f| (f.id, f.total_item_count))
            .collect()
    };
    if let Some(max) = request.max_messages {
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        let cutoff = newest_cutoff(session, &ids, max)?;
        state.since = state.since.max(cutoff);
    }
    let since = state.since;
    state.folders = found
        .into_iter()
        .map(|(id, total)| Folder::new(id, since, total))
        .collect();
    Ok(state)
}

/// Sorts the first round of the hierarchy into folders in scope (returned, with how many
/// messages each holds) and folders out of it (added to `state.outside`, which holds the
/// excluded well-known folders).
fn place(state: &mut State, rows: Vec<TreeRow>) -> Vec<(String, Option<u32>)> {
    let folders: Vec<folders::MailFolder> = rows
        .into_iter()
        .filter_map(|row| match row {
            TreeRow::Folder(folder) => Some(folder),
            TreeRow::Removed { .. } => None,
        })
        .collect();
    // A folder is out when its parent is: repeat until nothing moves (any order of rows).
    loop {
        let before = state.outside.len();
        for folder in &folders {
            let parent_out = folder
                .parent_folder_id
                .as_ref()
                .is_some_and(|p| state.outside.contains(p));
            if parent_out && !state.outside.contains(&folder.id) {
                state.outside.push(folder.id.clone());
            }
        }
        if state.outside.len() == before {
            break;
        }
    }
    folders
        .into_iter()
        .filter(|f| !state.outside.contains(&f.id))
        .map(|f| (f.id, f.total_item_count))
        .collect()
}

/// Applies the hierarchy's changes since the last round: new folders in scope join the sync
/// from the start; folders deleted or moved out of scope are dropped.
fn discover(session: &mut Session<'_>, state: &mut State, step: &mut Step) -> Result<(), Error> {
    let rows = match folders::hierarchy(session, state.tree.as_deref())? {
        Hierarchy::Changes(rows, link) => {
            state.tree = Some(link);
            rows
        }
        Hierarchy::Expired => {
            // Read the whole hierarchy again: what is new joins, what is missing is dropped.
            let Hierarchy::Changes(rows, link) = folders::hierarchy(session, None)? else {
                return Err(Error::malformed(
                    Some(410),
                    "Graph refused to start a folder delta",
                ));
            };
            state.tree = Some(link);
            let listed: BTreeSet<String> = rows
                .iter()
                .filter_map(|row| match row {
                    TreeRow::Folder(folder) => Some(folder.id.clone()),
                    TreeRow::Removed { .. } => None,
                })
                .collect();
            let missing: BTreeSet<String> = state
                .folders
                .iter()
                .map(|f| f.id.clone())
                .filter(|id| !listed.contains(id))
                .collect();
            drop_folders(state, &missing, step);
            rows
        }
    };
    let mut gone = BTreeSet::new();
    let mut unplaced: Vec<folders::MailFolder> = Vec::new();
    for row in rows {
        match row {
            TreeRow::Removed { id, .. } => {
                state.outside.retain(|o| *o != id);
                gone.insert(id);
            }
            TreeRow::Folder(folder) => unplaced.push(folder),
        }
    }
    // Place each changed folder after its parent when both changed (a parent may come after its
    // child in the rows); a pass that places nothing places the rest as they are.
    while !unplaced.is_empty() {
        let waits = |folder: &folders::MailFolder, rest: &[folders::MailFolder]| {
            rest.iter()
                .any(|other| Some(&other.id) == folder.parent_folder_id.as_ref())
        };
        let (ready, later): (Vec<_>, Vec<_>) = unplaced
            .iter()
            .cloned()
            .partition(|folder| !waits(folder, &unplaced));
        let ready = if ready.is_empty() {
            later.clone()
        } else {
            ready
        };
        let later = if ready.len() == unplaced.len() {
            Vec::new()
        } else {
            later
        };
        for folder in ready {
            place_change(state, folder, &mut gone);
        }
        unplaced = later;
    }
    drop_folders(state, &gone, step);
    Ok(())
}

/// Places one folder the hierarchy says was created, renamed or moved: under an excluded
/// folder it is out of scope (and dropped, if it was synced); elsewhere it is in (and synced from
/// the start, if it was not).
fn place_change(state: &mut State, folder: folders::MailFolder, gone: &mut BTreeSet<String>) {
    let parent_out = folder
        .parent_folder_id
        .as_ref()
        .is_some_and(|p| state.outside.contains(p));
    let synced = state.folders.iter().any(|f| f.id == folder.id);
    if parent_out || state.excluded.contains(&folder.id) {
        if !state.outside.contains(&folder.id) {
            state.outside.push(folder.id.clone());
        }
        if synced {
            gone.insert(folder.id);
        }
    } else if !synced {
        state.outside.retain(|o| *o != folder.id);
        let since = state.since;
        state
            .folders
            .push(Folder::new(folder.id, since, folder.total_item_count));
    }
}

/// Stops syncing the folders of `gone` that are synced (deleted, or moved under Junk Email or
/// Deleted Items); the page names them, so that the host drops their messages, and warns.
fn drop_folders(state: &mut State, gone: &BTreeSet<String>, step: &mut Step) {
    state.folders.retain(|f| {
        let dropped = gone.contains(&f.id);
        if dropped {
            step.dropped_folders.push(f.id.clone());
            step.warnings.push(format!(
                "Outlook folder {} was deleted or moved out of the synced folders; its messages are dropped",
                f.id
            ));
        }
        !dropped
    });
}

/// The receipt time (Unix seconds) of the oldest of the `max` newest messages in `folders`,
/// read newest first across the mailbox (`GET /me/messages` with `$orderby=receivedDateTime
/// desc`, https://learn.microsoft.com/en-us/graph/api/user-list-messages), only as many pages
/// as needed; `None` when the folders hold fewer.
fn newest_cutoff(
    session: &mut Session<'_>,
    folders: &[&str],
    max: u32,
) -> Result<Option<u64>, Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Received {
        #[serde(default)]
        received_date_time: Option<String>,
        #[serde(default)]
        parent_folder_id: Option<String>,
    }
    if max == 0 {
        return Ok(Some(u64::MAX));
    }
    let query = messages_list::Query {
        filter: None,
        select: "receivedDateTime,parentFolderId".to_owned(),
        order_by: Some("receivedDateTime desc".to_owned()),
        top: max.clamp(1, 1000),
    };
    let mut next = Some(messages_list::url(&query));
    let mut held = 0u32;
    while let Some(link) = next {
        let response = session.send(net::json_get(&link)?)?;
        let page: Collection<Received> = net::parse_json(&response, messages_list::NAME)?;
        for message in page.value {
            let inside = message
                .parent_folder_id
                .as_deref()
                .is_some_and(|p| folders.contains(&p));
            if !inside {
                continue;
            }
            held += 1;
            if held == max {
                let at = message
                    .received_date_time
                    .as_deref()
                    .and_then(unix_seconds)
                    .ok_or_else(|| {
                        Error::malformed(Some(200), "a Graph message has no receivedDateTime")
                    })?;
                return Ok(Some(at));
            }
        }
        next = page.next_link.map(trusted).transpose()?;
    }
    Ok(None)
}

/// An RFC 3339 time as Unix seconds (none before 1970).
fn unix_seconds(text: &str) -> Option<u64> {
    crate::mime::timestamp(text).and_then(|seconds| u64::try_from(seconds).ok())
}

/// Whether `message` was received at or after `since` (always, without a bound).
pub(crate) fn received_since(message: &GraphMessage, since: Option<u64>) -> bool {
    let Some(since) = since else {
        return true;
    };
    message
        .received_date_time
        .as_deref()
        .and_then(unix_seconds)
        .is_none_or(|at| at >= since)
}

/// `total` split into `parts` page sizes that add up to it (each at least one).
fn split(total: u32, parts: usize) -> Vec<u32> {
    let parts = parts.max(1) as u32;
    let (each, extra) = (total / parts, total % parts);
    (0..parts)
        .map(|i| (each + u32::from(i < extra)).max(1))
        .collect()
}

/// The next delta request of `folder`, asking for at most `page_size` rows.
fn delta_request(state: &State, folder: &Folder, page_size: u32) -> Result<Request, Error> {
    let url = match &folder.link {
        Some(link) => link.clone(),
        None => messages_delta::first_url(&folder.id, state.since.filter(|_| folder.filtered))?,
    };
    messages_delta::request(&url, page_size)
}

/// Whether Graph says the folder is gone (404 `ErrorItemNotFound` for its delta).
fn folder_deleted(response: &Response) -> bool {
    response.status() == http::StatusCode::NOT_FOUND
        && super::errors::code(response).as_deref() == Some("ErrorItemNotFound")
}

/// Sorts out rows removed from a folder: a message that still exists in a synced folder was
/// moved there and comes as a message (whichever folder's page reports it first, the host
/// ends with it in its new place); one in a folder the sync has not met yet makes the sync
/// look for new folders first; anything else is gone from the scope.
fn settle_removed(
    session: &mut Session<'_>,
    state: &mut State,
    removed: Vec<String>,
    step: &mut Step,
) -> Result<Vec<GraphMessage>, Error> {
    let requests = removed
        .iter()
        .map(|id| messages_get::request(id, message::SELECT))
        .collect::<Result<Vec<_>, _>>()?;
    let mut found = Vec::new();
    for (id, response) in removed.into_iter().zip(session.send_batched(requests)?) {
        if response.status() == http::StatusCode::NOT_FOUND {
            step.deleted.push(id);
            continue;
        }
        found.push(net::parse_json::<GraphMessage>(
            &session::check(&Microsoft, response)?,
            messages_get::NAME,
        )?);
    }
    let known = |state: &State, folder: &Option<String>| {
        folder
            .as_ref()
            .is_some_and(|f| state.folders.iter().any(|s| s.id == *f) || state.outside.contains(f))
    };
    if state.every && found.iter().any(|m| !known(state, &m.parent_folder_id)) {
        // A message moved into a folder the sync has not met: the hierarchy's changes first, so
        // that a new folder joins the round rather than its messages being reported deleted.
        discover(session, state, step)?;
    }
    let mut moved = Vec::new();
    for message in found {
        let into = message
            .parent_folder_id
            .as_ref()
            .and_then(|f| state.folders.iter_mut().find(|s| s.id == *f));
        match into {
            Some(folder) if received_since(&message, state.since) => {
                if folder.initial && !folder.adopted.contains(&message.id) {
                    folder.adopted.push(message.id.clone());
                }
                moved.push(message);
            }
            _ => step.deleted.push(message.id),
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_rows_and_messages_parse() {
        let page: Collection<Row> = serde_json::from_value(serde_json::json!({
            "@odata.deltaLink": "https://graph.microsoft.com/v1.0/me/mailfolders('x')/messages/delta?$deltatoken=t",
            "value": [
                {"@odata.type": "#microsoft.graph.message", "id": "gone", "@removed": {"reason": "deleted"}},
                {"@odata.type": "#microsoft.graph.message", "id": "kept", "subject": "hi", "isRead": true}
            ]
        }))
        .unwrap();
        assert!(matches!(&page.value[0], Row::Removed { id, .. } if id == "gone"));
        assert!(matches!(&page.value[1], Row::Message(m) if m.id == "kept"));
        assert!(page.delta_link.is_some() && page.next_link.is_none());
    }

    #[test]
    fn page_sizes_split_without_exceeding_the_total() {
        assert_eq!(split(100, 4), [25, 25, 25, 25]);
        assert_eq!(split(10, 3), [4, 3, 3]);
        assert_eq!(split(7, 1), [7]);
        assert_eq!(split(3, 4).len(), 4);
    }

    #[test]
    fn folders_below_excluded_ones_are_out_of_scope() {
        let row = |id: &str, parent: &str| {
            TreeRow::Folder(
                serde_json::from_value(serde_json::json!({
                    "id": id, "parentFolderId": parent, "totalItemCount": 3
                }))
                .unwrap(),
            )
        };
        let mut state = State {
            folders: vec![],
            every: true,
            tree: None,
            outside: vec!["junk".into(), "deleted".into()],
            excluded: vec!["junk".into(), "deleted".into()],
            since: None,
        };
        // A grandchild listed before its parent is placed all the same.
        let inside = place(
            &mut state,
            vec![
                row("old-project", "gone-parent"),
                row("inbox", "root"),
                row("gone-parent", "deleted"),
                row("junk", "root"),
                row("deleted", "root"),
                row("receipts", "inbox"),
            ],
        );
        let ids: Vec<&str> = inside.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["inbox", "receipts"]);
        assert!(state.outside.contains(&"old-project".to_owned()));
    }

    #[test]
    fn big_folders_are_not_filtered() {
        assert!(Folder::new("a".into(), Some(1), Some(10)).filtered);
        assert!(!Folder::new("a".into(), Some(1), Some(FILTER_CAP)).filtered);
        assert!(!Folder::new("a".into(), Some(1), None).filtered);
        assert!(!Folder::new("a".into(), None, Some(10)).filtered);
    }
}
