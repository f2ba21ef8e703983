//! The Outlook folder tree: walked level by level (several requests at once), and well-known
//! names resolved to ids.

use super::{API, Collection, segment, trusted};
use crate::Error;
use crate::net;
use crate::session::{self, Session};
use serde::Deserialize;

/// A `mailFolder`, as far as the component reads it.
#[derive(Debug, Deserialize)]
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

/// Every folder of the tree with the properties `select` names (it must name
/// `childFolderCount`), parents before their children; the folders of `skip` are left out with
/// everything below them.
pub fn tree(
    session: &mut Session<'_>,
    select: &str,
    skip: &[String],
) -> Result<Vec<MailFolder>, Error> {
    let mut found = Vec::new();
    let mut level = vec![format!("{API}/mailFolders?$top=100&$select={select}")];
    while !level.is_empty() {
        let requests = level
            .iter()
            .map(|url| net::json_get(url))
            .collect::<Result<Vec<_>, _>>()?;
        level = Vec::new();
        for response in session.send_all(requests)? {
            let page: Collection<MailFolder> =
                net::parse_json(&session::check(response)?, "Graph mail folders")?;
            if let Some(next) = page.next_link {
                level.push(trusted(next)?);
            }
            for folder in page.value {
                if skip.contains(&folder.id) {
                    continue;
                }
                if folder.child_folder_count.unwrap_or(0) > 0 {
                    level.push(format!(
                        "{API}/mailFolders/{}/childFolders?$top=100&$select={select}",
                        segment(&folder.id)
                    ));
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
    folders
        .iter()
        .zip(resolve(session, folders)?)
        .map(|(folder, id)| {
            id.ok_or_else(|| Error::invalid(field, format!("names no mail folder: {folder:?}")))
        })
        .collect()
}

/// The id of each of `folders` (ids or well-known names), `None` for one the mailbox lacks.
pub fn resolve(
    session: &mut Session<'_>,
    folders: &[String],
) -> Result<Vec<Option<String>>, Error> {
    let requests = folders
        .iter()
        .map(|folder| net::json_get(&format!("{API}/mailFolders/{}?$select=id", segment(folder))))
        .collect::<Result<Vec<_>, _>>()?;
    session
        .send_all(requests)?
        .into_iter()
        .map(|response| {
            if response.status() == http::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let found: MailFolder =
                net::parse_json(&session::check(response)?, "Graph mail folder")?;
            Ok(Some(found.id))
        })
        .collect()
}
