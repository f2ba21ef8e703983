//! The `message` resource's writes (https://learn.microsoft.com/en-us/graph/api/resources/message):
//! create a draft (`POST /me/messages`), update it (`PATCH`), make a reply, reply-all or forward
//! draft (`POST …/createReply`, `createReplyAll`, `createForward`), send a draft (`POST …/send`),
//! move (`POST …/move`) and delete (`DELETE`). Those that answer a message answer a
//! [`super::message::GraphMessage`]; `send`, `move` and `delete` are read by their status.

use super::{API, immutable_ids};
use crate::Error;
use crate::net::{self, Request};
use crate::types::ReplyMode;
use http::Method;
use serde_json::{Value, json};

/// `POST /me/messages`: a new draft with the properties `body` gives.
pub(super) fn create(body: &Value) -> Result<Request, Error> {
    net::json_request(Method::POST, &format!("{API}/messages"), body).map(immutable_ids)
}

/// `PATCH /me/messages/{id}`: the properties `body` gives.
pub(super) fn update(id: &str, body: &Value) -> Result<Request, Error> {
    net::json_request(Method::PATCH, &url(id, ""), body).map(immutable_ids)
}

/// The reply, reply-all or forward draft Graph makes from message `id`.
pub(super) fn answer(id: &str, mode: ReplyMode) -> Result<Request, Error> {
    let action = match mode {
        ReplyMode::Reply => "/createReply",
        ReplyMode::ReplyAll => "/createReplyAll",
        ReplyMode::Forward => "/createForward",
    };
    net::json_request(Method::POST, &url(id, action), &json!({})).map(immutable_ids)
}

/// `POST /me/messages/{id}/send`: sends draft `id`.
pub(super) fn send(id: &str) -> Result<Request, Error> {
    net::bodyless(Method::POST, &url(id, "/send")).map(immutable_ids)
}

/// `DELETE /me/messages/{id}`.
pub(super) fn delete(id: &str) -> Result<Request, Error> {
    net::bodyless(Method::DELETE, &url(id, ""))
}

/// A change to one message, as a mail client makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    /// `isRead`.
    Read(bool),
    /// `flag.flagStatus`: `flagged` or `notFlagged`.
    Flagged(bool),
    /// `POST …/move` to a folder id or well-known name.
    Move(String),
    /// `DELETE`.
    Delete,
}

/// The request that makes `change` to message `id`, by its immutable id.
pub(super) fn change(id: &str, change: &Change) -> Result<Request, Error> {
    let request = match change {
        Change::Read(read) => {
            net::json_request(Method::PATCH, &url(id, ""), &json!({ "isRead": read }))
        }
        Change::Flagged(flagged) => {
            let status = if *flagged { "flagged" } else { "notFlagged" };
            net::json_request(
                Method::PATCH,
                &url(id, ""),
                &json!({ "flag": { "flagStatus": status } }),
            )
        }
        Change::Move(folder) => net::json_request(
            Method::POST,
            &url(id, "/move"),
            &json!({ "destinationId": folder }),
        ),
        Change::Delete => net::bodyless(Method::DELETE, &url(id, "")),
    };
    request.map(immutable_ids)
}

/// The URL of message `id`, then `suffix`.
fn url(id: &str, suffix: &str) -> String {
    format!("{API}/messages/{}{suffix}", net::path_segment(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_with_its_method_url_and_body() {
        let m = "https://graph.microsoft.com/v1.0/me/messages";
        let body = |r: &Request| -> Value {
            if r.body().is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(r.body()).unwrap()
            }
        };
        let table: Vec<(Request, Method, String, Value)> = vec![
            (
                create(&json!({"subject": "s"})).unwrap(),
                Method::POST,
                m.to_owned(),
                json!({"subject": "s"}),
            ),
            (
                update("A/1", &json!({"subject": "t"})).unwrap(),
                Method::PATCH,
                format!("{m}/A%2F1"),
                json!({"subject": "t"}),
            ),
            (
                answer("A", ReplyMode::ReplyAll).unwrap(),
                Method::POST,
                format!("{m}/A/createReplyAll"),
                json!({}),
            ),
            (
                answer("A", ReplyMode::Forward).unwrap(),
                Method::POST,
                format!("{m}/A/createForward"),
                json!({}),
            ),
            (
                send("A").unwrap(),
                Method::POST,
                format!("{m}/A/send"),
                Value::Null,
            ),
            (
                delete("A").unwrap(),
                Method::DELETE,
                format!("{m}/A"),
                Value::Null,
            ),
            (
                change("A", &Change::Read(true)).unwrap(),
                Method::PATCH,
                format!("{m}/A"),
                json!({"isRead": true}),
            ),
            (
                change("A", &Change::Flagged(false)).unwrap(),
                Method::PATCH,
                format!("{m}/A"),
                json!({"flag": {"flagStatus": "notFlagged"}}),
            ),
            (
                change("A", &Change::Move("archive".into())).unwrap(),
                Method::POST,
                format!("{m}/A/move"),
                json!({"destinationId": "archive"}),
            ),
            (
                change("A", &Change::Delete).unwrap(),
                Method::DELETE,
                format!("{m}/A"),
                Value::Null,
            ),
        ];
        for (request, method, url, expected) in table {
            assert_eq!(
                (request.method(), request.uri().to_string()),
                (&method, url)
            );
            assert_eq!(body(&request), expected);
        }
        // Deleting a draft goes by the id the host holds; a change goes by immutable id.
        assert!(delete("A").unwrap().headers().get("prefer").is_none());
        assert!(
            change("A", &Change::Delete)
                .unwrap()
                .headers()
                .get("prefer")
                .is_some()
        );
    }
}
