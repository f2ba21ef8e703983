//! The label changes and deletions of messages: `users.messages.batchModify`,
//! `users.messages.modify`, `users.messages.trash`, `users.messages.untrash`,
//! `users.messages.batchDelete` and `users.messages.delete`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages). Each
//! answers with no body to use: success is the status.

use super::API;
use crate::Error;
use crate::net::{self, Request};
use http::Method;
use serde_json::json;

/// `batchModify` and `batchDelete` take at most 1,000 ids.
pub(super) const MOST: usize = 1000;

/// A label change: the label ids to add and to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Change {
    /// `addLabelIds`.
    pub(super) add: Vec<String>,
    /// `removeLabelIds`.
    pub(super) remove: Vec<String>,
}

impl Change {
    fn body(&self) -> serde_json::Value {
        json!({ "addLabelIds": self.add, "removeLabelIds": self.remove })
    }
}

/// `POST messages/batchModify`: `change` on every message of `ids`.
pub(super) fn batch_modify(ids: &[String], change: &Change) -> Result<Request, Error> {
    let mut body = change.body();
    body["ids"] = json!(ids);
    net::json_request(Method::POST, &format!("{API}/messages/batchModify"), &body)
}

/// `POST messages/{id}/modify`: `change` on one message.
pub(super) fn modify(id: &str, change: &Change) -> Result<Request, Error> {
    net::json_request(Method::POST, &message_url(id, "/modify"), &change.body())
}

/// `POST messages/{id}/trash`.
pub(super) fn trash(id: &str) -> Result<Request, Error> {
    net::json_request(Method::POST, &message_url(id, "/trash"), &json!({}))
}

/// `POST messages/{id}/untrash`.
pub(super) fn untrash(id: &str) -> Result<Request, Error> {
    net::json_request(Method::POST, &message_url(id, "/untrash"), &json!({}))
}

/// `POST messages/batchDelete`: deletes `ids` for good.
pub(super) fn batch_delete(ids: &[String]) -> Result<Request, Error> {
    net::json_request(
        Method::POST,
        &format!("{API}/messages/batchDelete"),
        &json!({ "ids": ids }),
    )
}

/// `DELETE messages/{id}`: deletes one message for good.
pub(super) fn delete(id: &str) -> Result<Request, Error> {
    net::bodyless(Method::DELETE, &message_url(id, ""))
}

/// The URL of message `id`, then `suffix`.
fn message_url(id: &str, suffix: &str) -> String {
    format!("{API}/messages/{}{suffix}", net::path_segment(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(request: &Request) -> serde_json::Value {
        serde_json::from_slice(request.body()).unwrap()
    }

    #[test]
    fn each_request_with_its_method_url_and_body() {
        let change = Change {
            add: vec!["STARRED".into()],
            remove: vec!["UNREAD".into()],
        };
        let ids = vec!["m1".to_owned(), "m2".to_owned()];
        let table: [(Request, Method, &str, serde_json::Value); 6] = [
            (
                batch_modify(&ids, &change).unwrap(),
                Method::POST,
                "messages/batchModify",
                json!({"ids": ["m1", "m2"], "addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}),
            ),
            (
                modify("m 1", &change).unwrap(),
                Method::POST,
                "messages/m+1/modify",
                json!({"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}),
            ),
            (
                trash("m1").unwrap(),
                Method::POST,
                "messages/m1/trash",
                json!({}),
            ),
            (
                untrash("m1").unwrap(),
                Method::POST,
                "messages/m1/untrash",
                json!({}),
            ),
            (
                batch_delete(&ids).unwrap(),
                Method::POST,
                "messages/batchDelete",
                json!({"ids": ["m1", "m2"]}),
            ),
            (
                delete("m/1").unwrap(),
                Method::DELETE,
                "messages/m%2F1",
                serde_json::Value::Null,
            ),
        ];
        for (request, method, path, body) in table {
            assert_eq!(request.method(), method);
            assert_eq!(request.uri().to_string(), format!("{API}/{path}"));
            match body {
                serde_json::Value::Null => assert!(request.body().is_empty()),
                body => assert_eq!(json(&request), body),
            }
        }
    }
}
