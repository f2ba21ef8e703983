//! Outlook sync through Graph: one delta query per synced folder.
//!
//! Each call takes one page of every folder still behind in the current round, several folders
//! at once (Graph allows 4 requests in flight per mailbox). A folder's round ends at its
//! `@odata.deltaLink`, which the next round follows to get only what changed. Next and delta
//! links are followed only on Graph's own host.

use super::folders;
use super::message::{self, GraphMessage};
use super::{API, Collection, immutable_ids, segment, trusted, with_attachments};
use crate::Error;
use crate::net::{self, Request};
use crate::session::{self, Session};
use crate::sync::{self, Step};
use crate::types::SyncRequest;
use serde::{Deserialize, Serialize};

/// The well-known folders outside the default sync scope.
const EXCLUDED: [&str; 2] = ["junkemail", "deleteditems"];

/// What the cursor keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    folders: Vec<Folder>,
    newer_than: Option<u64>,
    max: Option<u32>,
    /// Messages delivered by the first round, for the `max` bound.
    delivered: u32,
}

/// One synced folder's delta position.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Folder {
    id: String,
    /// The next link of the round in progress, else the delta link of the last round.
    link: Option<String>,
    /// Whether the folder still has pages in the current round.
    pending: bool,
    /// Whether the folder is in its first round (no delta link yet).
    initial: bool,
}

/// One row of a delta page: a message, or the id of one removed from the folder.
#[derive(Deserialize)]
#[serde(untagged)]
enum Row {
    Removed {
        id: String,
        #[serde(rename = "@removed")]
        _removed: serde_json::Value,
    },
    Message(Box<GraphMessage>),
}

/// One sync step.
pub fn step(
    session: &mut Session<'_>,
    request: &SyncRequest,
    state: Option<serde_json::Value>,
) -> Result<Step, Error> {
    let mut state = match state {
        Some(value) => serde_json::from_value::<State>(value)
            .map_err(|_| Error::invalid("cursor", "is damaged"))?,
        None => State {
            folders: discover(session, &request.folders)?
                .into_iter()
                .map(|id| Folder {
                    id,
                    link: None,
                    pending: true,
                    initial: true,
                })
                .collect(),
            newer_than: request.newer_than,
            max: request.max_messages,
            delivered: 0,
        },
    };
    if state.folders.iter().all(|f| !f.pending) {
        for folder in &mut state.folders {
            folder.pending = true;
        }
    }
    let pending: Vec<usize> = (0..state.folders.len())
        .filter(|&i| state.folders[i].pending)
        .collect();
    let requests = pending
        .iter()
        .map(|&i| delta_request(&state, &state.folders[i], sync::page_size(request)))
        .collect::<Result<Vec<_>, _>>()?;
    let responses = session.send_all(requests)?;

    let mut step = Step::default();
    let mut found: Vec<GraphMessage> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    for (&index, response) in pending.iter().zip(responses) {
        if needs_resync(&response) {
            let folder = &mut state.folders[index];
            folder.link = None;
            folder.initial = true;
            step.full_resync = Some(format!(
                "Graph no longer knows the sync state of folder {}; it is synced again from the start",
                folder.id
            ));
            continue;
        }
        let page: Collection<Row> = net::parse_json(&session::check(response)?, "Graph delta")?;
        let folder = &mut state.folders[index];
        for row in page.value {
            match row {
                Row::Removed { id, .. } => removed.push(id),
                Row::Message(message) => {
                    if folder.initial {
                        if state.max.is_some_and(|max| state.delivered >= max) {
                            continue;
                        }
                        state.delivered += 1;
                    }
                    found.push(*message);
                }
            }
        }
        match (page.next_link, page.delta_link) {
            (Some(next), _) => folder.link = Some(trusted(next)?),
            (None, Some(delta)) => {
                folder.link = Some(trusted(delta)?);
                folder.pending = false;
                folder.initial = false;
            }
            (None, None) => {
                return Err(Error::malformed(
                    Some(200),
                    "a Graph delta page has neither a next nor a delta link",
                ));
            }
        }
    }
    found.extend(settle_removed(session, &state, removed, &mut step)?);
    step.messages = with_attachments(session, found)?;
    step.more = state.folders.iter().any(|f| f.pending);
    step.state = serde_json::to_value(&state).unwrap_or_default();
    Ok(step)
}

/// The next delta request of `folder`.
fn delta_request(state: &State, folder: &Folder, page_size: u32) -> Result<Request, Error> {
    let url = match &folder.link {
        Some(link) => link.clone(),
        None => {
            let mut url = url::Url::parse(&format!(
                "{API}/mailFolders/{}/messages/delta",
                segment(&folder.id)
            ))
            .map_err(|e| Error::invalid("folders", format!("holds an unusable folder id ({e})")))?;
            url.query_pairs_mut()
                .append_pair("$select", message::SELECT);
            if let Some(after) = state.newer_than {
                let since = crate::mime::rfc3339_from_millis(after as i64 * 1000);
                url.query_pairs_mut()
                    .append_pair("$filter", &format!("receivedDateTime ge {since}"));
            }
            url.into()
        }
    };
    let mut request = immutable_ids(net::json_get(&url)?);
    let headers = request.headers_mut();
    if let Ok(size) = http::HeaderValue::from_str(&format!("odata.maxpagesize={page_size}")) {
        headers.append("prefer", size);
    }
    Ok(request)
}

/// Whether Graph says the folder's sync state is gone (410, `syncStateNotFound`,
/// `resyncRequired`).
fn needs_resync(response: &net::Response) -> bool {
    if response.status() == http::StatusCode::GONE {
        return true;
    }
    if response.status().is_success() {
        return false;
    }
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(
        code.as_str(),
        "syncstatenotfound" | "resyncrequired" | "syncstateinvalid"
    )
}

/// The folders to sync: those asked for, else every folder but junk and deleted items (and
/// their subfolders), found through the folder tree.
fn discover(session: &mut Session<'_>, asked: &[String]) -> Result<Vec<String>, Error> {
    if !asked.is_empty() {
        return folders::ids(session, asked, "folders");
    }
    let excluded = folders::ids(session, &EXCLUDED.map(str::to_owned), "folders")?;
    Ok(folders::tree(session, "id,childFolderCount", &excluded)?
        .into_iter()
        .map(|f| f.id)
        .collect())
}

/// Sorts out rows removed from a folder: a message that still exists in a synced folder was
/// moved there and comes as a message (whichever folder's page reports it first, the host
/// ends with it in its new place); anything else is gone from the scope.
fn settle_removed(
    session: &mut Session<'_>,
    state: &State,
    removed: Vec<String>,
    step: &mut Step,
) -> Result<Vec<GraphMessage>, Error> {
    let requests = removed
        .iter()
        .map(|id| {
            net::json_get(&format!(
                "{API}/messages/{}?$select={}",
                segment(id),
                message::SELECT
            ))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut moved = Vec::new();
    for (id, response) in removed.into_iter().zip(session.send_all(requests)?) {
        if response.status() == http::StatusCode::NOT_FOUND {
            step.deleted.push(id);
            continue;
        }
        let message: GraphMessage = net::parse_json(&session::check(response)?, "Graph message")?;
        if state
            .folders
            .iter()
            .any(|f| Some(&f.id) == message.parent_folder_id.as_ref())
        {
            moved.push(message);
        } else {
            step.deleted.push(id);
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_graph_links_are_followed() {
        assert!(trusted("https://graph.microsoft.com/v1.0/me/mailFolders('inbox')/messages/delta?$skiptoken=x".into()).is_ok());
        for bad in [
            "https://evil.example/v1.0/me/messages/delta?$skiptoken=x",
            "http://graph.microsoft.com/v1.0/x",
            "https://graph.microsoft.com.evil.example/x",
            "https://graph.microsoft.com:444/x",
        ] {
            assert!(
                matches!(trusted(bad.into()), Err(Error::Provider { code: Some(c), .. }) if c == "untrusted_url"),
                "{bad}"
            );
        }
    }

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
    fn resync_is_recognized() {
        let gone = http::Response::builder()
            .status(410)
            .body(br#"{"error":{"code":"SyncStateNotFound","message":"x"}}"#.to_vec())
            .unwrap();
        let bad = http::Response::builder()
            .status(400)
            .body(br#"{"error":{"code":"resyncRequired","message":"x"}}"#.to_vec())
            .unwrap();
        let other = http::Response::builder()
            .status(400)
            .body(br#"{"error":{"code":"BadRequest","message":"x"}}"#.to_vec())
            .unwrap();
        assert!(needs_resync(&gone) && needs_resync(&bad) && !needs_resync(&other));
    }
}
