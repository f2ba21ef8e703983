//! The `attachment` resource of a message
//! (https://learn.microsoft.com/en-us/graph/api/resources/attachment): list, get, the bytes
//! (`$value`), add (`POST …/attachments`), delete, and the upload session of a big file
//! (`POST …/attachments/createUploadSession`,
//! https://learn.microsoft.com/en-us/graph/api/attachment-createuploadsession). Lists are
//! [`super::Collection`]s of [`super::message::GraphAttachment`]s.

use super::API;
use crate::net;

/// What the answers are read as, in errors.
pub(super) const NAME: &str = "Graph attachments";

/// The attachments of message `message_id`: the collection (to list, with `?$select=`, or to
/// add to with `POST`).
pub(super) fn collection_url(message_id: &str) -> String {
    format!(
        "{API}/messages/{}/attachments",
        net::path_segment(message_id)
    )
}

/// The list of message `message_id`'s attachments with the properties `select` names.
pub(super) fn list_url(message_id: &str, select: &str) -> String {
    format!("{}?$select={select}", collection_url(message_id))
}

/// Attachment `attachment_id` of message `message_id` (to read or delete).
pub(super) fn item_url(message_id: &str, attachment_id: &str) -> String {
    format!(
        "{}/{}",
        collection_url(message_id),
        net::path_segment(attachment_id)
    )
}

/// The bytes of attachment `attachment_id` of message `message_id`.
pub(super) fn value_url(message_id: &str, attachment_id: &str) -> String {
    format!("{}/$value", item_url(message_id, attachment_id))
}

/// Where an upload session for a file of message `message_id` is made.
pub(super) fn upload_session_url(message_id: &str) -> String {
    format!("{}/createUploadSession", collection_url(message_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_url() {
        let m = "https://graph.microsoft.com/v1.0/me/messages/AA%3D";
        assert_eq!(collection_url("AA="), format!("{m}/attachments"));
        assert_eq!(
            list_url("AA=", "id,name"),
            format!("{m}/attachments?$select=id,name")
        );
        assert_eq!(item_url("AA=", "B/1"), format!("{m}/attachments/B%2F1"));
        assert_eq!(value_url("AA=", "B"), format!("{m}/attachments/B/$value"));
        assert_eq!(
            upload_session_url("AA="),
            format!("{m}/attachments/createUploadSession")
        );
    }
}
