//! `users.history.list`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list):
//! one page of the history records after a history id, oldest first. Gmail answers 404 when it
//! no longer holds the history that far back.

use super::API;
use super::messages_list::Listed;
use serde::Deserialize;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail history.list";

/// Which page to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    /// The history id the records follow (`startHistoryId`).
    pub(crate) start: String,
    /// The most records the page holds (`maxResults`).
    pub(crate) max_results: u32,
    /// The page after the one that gave this token (`pageToken`).
    pub(crate) page_token: Option<String>,
}

/// The request's URL.
pub(super) fn url(query: &Query) -> String {
    let mut url = url::Url::parse(&format!("{API}/history")).expect("a constant URL");
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("startHistoryId", &query.start);
        pairs.append_pair("maxResults", &query.max_results.to_string());
        if let Some(token) = &query.page_token {
            pairs.append_pair("pageToken", token);
        }
    }
    url.into()
}

/// The query a request to this endpoint asks, if it is one: what a test double answers by.
#[cfg(test)]
pub(crate) fn recognize(request: &crate::net::Request) -> Option<Query> {
    let mut query = Query::default();
    for (name, value) in super::get_query(request, "/gmail/v1/users/me/history")? {
        match name.as_str() {
            "startHistoryId" => query.start = value,
            "maxResults" => query.max_results = value.parse().ok()?,
            "pageToken" => query.page_token = Some(value),
            _ => return None,
        }
    }
    Some(query)
}

/// One page of the answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    /// The history records of the page, oldest first.
    #[serde(default)]
    pub(crate) history: Vec<Record>,
    /// The token of the next page, when there is one.
    #[serde(default)]
    pub(super) next_page_token: Option<String>,
    /// The mailbox's current history id.
    pub(super) history_id: String,
}

/// One history record: the messages and labels it touched.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record {
    /// Messages added to the mailbox.
    #[serde(default)]
    pub(super) messages_added: Vec<Touched>,
    /// Messages deleted for good.
    #[serde(default)]
    pub(super) messages_deleted: Vec<Touched>,
    /// Labels added to messages.
    #[serde(default)]
    pub(super) labels_added: Vec<Touched>,
    /// Labels removed from messages.
    #[serde(default)]
    pub(super) labels_removed: Vec<Touched>,
}

/// A message a record touched: the message with its labels now, and the labels the record
/// added or removed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Touched {
    /// The message.
    pub(crate) message: Listed,
    /// The labels added or removed.
    #[serde(default)]
    pub(crate) label_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_query_becomes_its_url_and_is_recognized_again() {
        let queries = [
            (
                Query {
                    start: "100".into(),
                    max_results: 500,
                    page_token: None,
                },
                "https://gmail.googleapis.com/gmail/v1/users/me/history?startHistoryId=100&maxResults=500",
            ),
            (
                Query {
                    start: "7".into(),
                    max_results: 2,
                    page_token: Some("t=1".into()),
                },
                "https://gmail.googleapis.com/gmail/v1/users/me/history?startHistoryId=7&maxResults=2&pageToken=t%3D1",
            ),
        ];
        for (query, expected) in queries {
            assert_eq!(url(&query), expected);
            let request = crate::net::json_get(expected).unwrap();
            assert_eq!(recognize(&request), Some(query));
        }
        let list = crate::net::json_get(&format!("{API}/messages?maxResults=1")).unwrap();
        assert_eq!(recognize(&list), None);
    }

    #[test]
    fn a_page_reads_every_kind_of_record() {
        // The shape of https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.history/list#response-body.
        let page: Page = serde_json::from_str(
            r#"{"history":[
                {"id":"101","messages":[{"id":"m4","threadId":"t"}],"messagesAdded":[{"message":{"id":"m4","threadId":"t","labelIds":["INBOX","UNREAD"]}}]},
                {"id":"102","labelsRemoved":[{"message":{"id":"m4","threadId":"t","labelIds":["INBOX"]},"labelIds":["UNREAD"]}]},
                {"id":"103","messagesDeleted":[{"message":{"id":"m1","threadId":"t"}}]}
            ],"nextPageToken":"n","historyId":"103"}"#,
        )
        .unwrap();
        assert_eq!(page.history.len(), 3);
        assert_eq!(
            page.history[0].messages_added[0].message.label_ids,
            ["INBOX", "UNREAD"]
        );
        assert_eq!(page.history[1].labels_removed[0].label_ids, ["UNREAD"]);
        assert_eq!(page.history[2].messages_deleted[0].message.id, "m1");
        assert_eq!(
            (page.next_page_token.as_deref(), page.history_id.as_str()),
            (Some("n"), "103")
        );
        let quiet: Page = serde_json::from_str(r#"{"historyId":"9"}"#).unwrap();
        assert!(quiet.history.is_empty());
    }
}
