//! `users.labels.list`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.labels/list) and
//! `users.labels.get`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.labels/get): the
//! mailbox's labels, and one label with its counts (the list has none).

use super::API;
use crate::net;
use serde::Deserialize;

/// What the answers are read as, in errors.
pub(super) const NAME: &str = "Gmail label";

/// The URL of `labels.list`.
pub(super) fn list_url() -> String {
    format!("{API}/labels")
}

/// The URL of `labels.get` for label `id`.
pub(super) fn get_url(id: &str) -> String {
    format!("{API}/labels/{}", net::path_segment(id))
}

/// The answer of `labels.list`.
#[derive(Deserialize)]
pub(super) struct List {
    /// The labels, without counts.
    #[serde(default)]
    pub(super) labels: Vec<Label>,
}

/// A `Label`, as `labels.get` gives it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Label {
    /// The label id.
    pub(super) id: String,
    /// Its name (a nested label's holds its parents' names, `/`-separated).
    #[serde(default)]
    pub(super) name: Option<String>,
    /// `system` or `user`.
    #[serde(default, rename = "type")]
    pub(super) kind: Option<String>,
    /// Messages carrying it.
    #[serde(default)]
    pub(super) messages_total: Option<u32>,
    /// Unread messages carrying it.
    #[serde(default)]
    pub(super) messages_unread: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_a_label_with_its_counts() {
        assert_eq!(
            list_url(),
            "https://gmail.googleapis.com/gmail/v1/users/me/labels"
        );
        assert_eq!(
            get_url("Label 1/2"),
            "https://gmail.googleapis.com/gmail/v1/users/me/labels/Label+1%2F2"
        );
        // The shape of https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.labels#Label.
        let label: Label = serde_json::from_str(
            r#"{"id":"Label_3","name":"Projects/Alpha","type":"user","messagesTotal":12,"messagesUnread":2,"threadsTotal":9}"#,
        )
        .unwrap();
        assert_eq!(
            (
                label.name.as_deref(),
                label.kind.as_deref(),
                label.messages_total,
                label.messages_unread
            ),
            (Some("Projects/Alpha"), Some("user"), Some(12), Some(2))
        );
        let list: List =
            serde_json::from_str(r#"{"labels":[{"id":"INBOX","name":"INBOX","type":"system"}]}"#)
                .unwrap();
        assert_eq!(list.labels[0].id, "INBOX");
    }
}
