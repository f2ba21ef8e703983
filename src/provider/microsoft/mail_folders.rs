//! The `mailFolder` resource's reads (https://learn.microsoft.com/en-us/graph/api/resources/mailfolder):
//! `GET /me/mailFolders` and `…/childFolders` (a level of the tree), `GET /me/mailFolders/{id}`
//! (by id or well-known name) and the hierarchy's delta (`GET /me/mailFolders/delta`,
//! https://learn.microsoft.com/en-us/graph/api/mailfolder-delta). The answers are
//! [`super::Collection`]s of folders, or one folder.

use super::API;
use crate::net;

/// The folder properties the hierarchy delta reads.
const TREE_SELECT: &str = "id,displayName,parentFolderId,childFolderCount,totalItemCount";

/// The first request of the hierarchy's delta (the next ones follow Graph's links).
pub(super) fn delta_url() -> String {
    format!("{API}/mailFolders/delta?$select={TREE_SELECT}")
}

/// The top level of the tree, with the properties `select` names.
pub(super) fn list_url(select: &str) -> String {
    format!("{API}/mailFolders?$top=100&$select={select}")
}

/// The folders inside folder `id`, with the properties `select` names.
pub(super) fn children_url(id: &str, select: &str) -> String {
    format!(
        "{API}/mailFolders/{}/childFolders?$top=100&$select={select}",
        net::path_segment(id)
    )
}

/// Folder `folder` (an id or a well-known name) with its id and message count.
pub(super) fn count_url(folder: &str) -> String {
    format!(
        "{API}/mailFolders/{}?$select=id,totalItemCount",
        net::path_segment(folder)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_url() {
        let root = "https://graph.microsoft.com/v1.0/me/mailFolders";
        assert_eq!(
            delta_url(),
            format!(
                "{root}/delta?$select=id,displayName,parentFolderId,childFolderCount,totalItemCount"
            )
        );
        assert_eq!(list_url("id"), format!("{root}?$top=100&$select=id"));
        assert_eq!(
            children_url("AAMk/=", "id"),
            format!("{root}/AAMk%2F%3D/childFolders?$top=100&$select=id")
        );
        assert_eq!(
            count_url("inbox"),
            format!("{root}/inbox?$select=id,totalItemCount")
        );
    }
}
