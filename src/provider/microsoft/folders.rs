//! The Outlook folder tree: walked level by level (several requests at once), read whole or as
//! changes through the folder hierarchy's delta query, and well-known names resolved to ids.

use super::{Collection, Microsoft, immutable_ids, mail_folders, trusted};
use crate::Error;
use crate::net;
use crate::session::{self, Session};
use serde::Deserialize;

/// A `mailFolder`, as far as the component reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailFolder {
    /// The folder id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Its parent's id.
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    /// How many folders it holds.
    #[serde(default)]
    pub child_folder_count: Option<u32>,
    /// Unread messages in it.
    #[serde(default)]
    pub unread_item_count: Option<u32>,
    /// Messages in it.
    #[serde(default)]
    pub total_item_count: Option<u32>,
}

/// One row of a folder hierarchy delta page: a folder created, renamed or moved (or, in a first
/// round, any folder), or the id of one deleted.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum TreeRow {
    /// A folder deleted for good.
    Removed {
        /// Its id.
        id: String,
        #[serde(rename = "@removed")]
        /// Why it was removed.
        _removed: serde_json::Value,
    },
    /// A folder as it is now.
    Folder(MailFolder),
}

/// What the folder hierarchy's delta query said since `link`.
pub enum Hierarchy {
    /// The folders created, changed or deleted (every folder, in a first round), and the link
    /// the next round starts from.
    Changes(Vec<TreeRow>, String),
    /// The link's sync state has expired: read the hierarchy again from the start.
    Expired,
}

/// Pages through the folder hierarchy's delta (`GET /me/mailFolders/delta`,
/// https://learn.microsoft.com/en-us/graph/api/mailfolder-delta) from `link`, or from the start
/// when there is none: every folder of the mailbox, flat, nested ones included.
pub fn hierarchy(session: &mut Session<'_>, link: Option<&str>) -> Result<Hierarchy, Error> {
    let mut next = match link {
        Some(link) => link.to_owned(),
        None => mail_folders::delta_url(),
    };
    let mut rows = Vec::new();
    loop {
        let response = session
            .send_all(vec![immutable_ids(net::json_get(&next)?)])?
            .pop()
            .ok_or_else(|| Error::transport("no response"))?;
        if super::sync_state_expired(&response) {
            return Ok(Hierarchy::Expired);
        }
        let page: Collection<TreeRow> =
            net::parse_json(&session::check(&Microsoft, response)?, "Graph folder delta")?;
        rows.extend(page.value);
        match (page.next_link, page.delta_link) {
            (Some(link), _) => next = trusted(link)?,
            (None, Some(link)) => return Ok(Hierarchy::Changes(rows, trusted(link)?)),
            (None, None) => {
                return Err(Error::malformed(
                    Some(200),
                    "a Graph folder delta page has neither a next nor a delta link",
                ));
            }
        }
    }
}

/// Every folder of the tree with the properties `select` names (it must name
/// `childFolderCount`), parents before their children; the folders of `skip` are left out with
/// everything below them.
pub fn tree(
    session: &mut Session<'_>,
    select: &str,
    skip: &[String],
) -> Result<Vec<MailFolder>, Error> {
    let mut found = Vec::new();
    let mut level = vec![mail_folders::list_url(select)];
    while !level.is_empty() {
        let requests = level
            .iter()
            .map(|url| net::json_get(url))
            .collect::<Result<Vec<_>, _>>()?;
        level = Vec::new();
        for response in session.send_all(requests)? {
            let page: Collection<MailFolder> =
                net::parse_json(&session::check(&Microsoft, response)?, "Graph mail folders")?;
            if let Some(next) = page.next_link {
                level.push(trusted(next)?);
            }
            for folder in page.value {
                if skip.contains(&folder.id) {
                    continue;
                }
                if folder.child_folder_count.unwrap_or(0) > 0 {
                    level.push(mail_folders::children_url(&folder.id, select));
                }
                found.push(folder);
            }
        }
    }
    Ok(found)
}

/// The ids of `folders`, given by id or well-known name; an unknown one is bad input in
/// `field`.
pub fn ids(
    session: &mut Session<'_>,
    folders: &[String],
    field: &str,
) -> Result<Vec<String>, Error> {
    Ok(found(session, folders, field)?
        .into_iter()
        .map(|f| f.id)
        .collect())
}

/// The folders `folders` name (ids or well-known names), with how many messages each holds;
/// an unknown one is bad input in `field`.
pub fn found(
    session: &mut Session<'_>,
    folders: &[String],
    field: &str,
) -> Result<Vec<MailFolder>, Error> {
    folders
        .iter()
        .zip(resolve(session, folders)?)
        .map(|(folder, found)| {
            found.ok_or_else(|| Error::invalid(field, format!("names no mail folder: {folder:?}")))
        })
        .collect()
}

/// Each of `folders` (ids or well-known names) with its id and message count, `None` for one
/// the mailbox lacks.
pub fn resolve(
    session: &mut Session<'_>,
    folders: &[String],
) -> Result<Vec<Option<MailFolder>>, Error> {
    let requests = folders
        .iter()
        .map(|folder| net::json_get(&mail_folders::count_url(folder)))
        .collect::<Result<Vec<_>, _>>()?;
    session
        .send_all(requests)?
        .into_iter()
        .map(|response| {
            if response.status() == http::StatusCode::NOT_FOUND
                && super::errors::code(&response).as_deref() != Some("MailboxNotEnabledForRESTAPI")
            {
                return Ok(None);
            }
            let found: MailFolder =
                net::parse_json(&session::check(&Microsoft, response)?, "Graph mail folder")?;
            Ok(Some(found))
        })
        .collect()
}
