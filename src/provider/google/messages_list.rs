//! `users.messages.list`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list):
//! one page of the ids of the messages matching a query, newest first.

use super::API;
use serde::Deserialize;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail messages.list";

/// What one page lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    /// The most ids the page holds (`maxResults`).
    pub(crate) max_results: u32,
    /// Only messages received after this time, in seconds since the Unix epoch (`q=after:`).
    pub(crate) after: Option<u64>,
    /// Only messages carrying this label (`labelIds`).
    pub(crate) label: Option<String>,
    /// List what is in `SPAM` and `TRASH` too (`includeSpamTrash`; off by default).
    pub(crate) include_spam_trash: bool,
    /// The page after the one that gave this token (`pageToken`).
    pub(crate) page_token: Option<String>,
}

/// The request's URL.
pub(super) fn url(query: &Query) -> String {
    let mut url = url::Url::parse(&format!("{API}/messages")).expect("a constant URL");
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("maxResults", &query.max_results.to_string());
        if let Some(after) = query.after {
            pairs.append_pair("q", &format!("after:{after}"));
        }
        if let Some(label) = &query.label {
            pairs.append_pair("labelIds", label);
        }
        if query.include_spam_trash {
            pairs.append_pair("includeSpamTrash", "true");
        }
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
    for (name, value) in super::get_query(request, "/gmail/v1/users/me/messages")? {
        match name.as_str() {
            "maxResults" => query.max_results = value.parse().ok()?,
            "q" => query.after = value.strip_prefix("after:")?.parse().ok(),
            "labelIds" => query.label = Some(value),
            "includeSpamTrash" => query.include_spam_trash = value == "true",
            "pageToken" => query.page_token = Some(value),
            _ => return None,
        }
    }
    Some(query)
}

/// One page of the answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Page {
    /// The messages listed (ids only).
    #[serde(default)]
    pub(super) messages: Vec<Listed>,
    /// The token of the next page, when there is one.
    #[serde(default)]
    pub(super) next_page_token: Option<String>,
}

/// A message as lists and history records name it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listed {
    /// The message id.
    pub(crate) id: String,
    /// Its labels (in history records; lists leave them out).
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
                    max_results: 50,
                    ..Query::default()
                },
                "https://gmail.googleapis.com/gmail/v1/users/me/messages?maxResults=50",
            ),
            (
                Query {
                    max_results: 2,
                    after: Some(1_700_000_000),
                    label: Some("Label_1".into()),
                    include_spam_trash: true,
                    page_token: Some("p/2".into()),
                },
                "https://gmail.googleapis.com/gmail/v1/users/me/messages?maxResults=2&q=after%3A1700000000&labelIds=Label_1&includeSpamTrash=true&pageToken=p%2F2",
            ),
        ];
        for (query, expected) in queries {
            assert_eq!(url(&query), expected);
            let request = crate::net::json_get(expected).unwrap();
            assert_eq!(recognize(&request), Some(query));
        }
        let other = crate::net::json_get(&format!("{API}/messages/m1")).unwrap();
        assert_eq!(recognize(&other), None);
    }

    #[test]
    fn a_page_reads_with_and_without_messages() {
        // The shape of https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list#response-body.
        let page: Page = serde_json::from_str(
            r#"{"messages":[{"id":"18b7f6a2b00ad960","threadId":"18b7f6a2b00ad960"}],"nextPageToken":"0987","resultSizeEstimate":201}"#,
        )
        .unwrap();
        assert_eq!(page.messages[0].id, "18b7f6a2b00ad960");
        assert_eq!(page.next_page_token.as_deref(), Some("0987"));
        let empty: Page = serde_json::from_str(r#"{"resultSizeEstimate":0}"#).unwrap();
        assert!(empty.messages.is_empty() && empty.next_page_token.is_none());
    }
}
