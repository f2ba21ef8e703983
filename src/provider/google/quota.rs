//! What each Gmail method costs against Gmail's usage limits
//! (https://developers.google.com/workspace/gmail/api/reference/quota; the budget itself, 15,000
//! quota units per user per minute, is in [`crate::profile`]). A batch costs the sum of
//! its calls ("a set of n requests batched together counts toward your usage limit as n
//! requests", https://developers.google.com/workspace/gmail/api/guides/batch).

use crate::net::Request;
use http::Method;

/// What `request` costs in quota units, by method and resource (the table of the usage limits
/// page); a request the table does not name costs as the costliest read, 10.
pub fn cost(request: &Request) -> u64 {
    if request.uri().path() == "/batch/gmail/v1" {
        return batched(request.body());
    }
    cost_of(request.method(), request.uri().path())
}

/// What the calls of a batch body cost together: each `application/http` part's request line
/// (`GET /gmail/v1/users/me/messages/ID HTTP/1.1`) costs as that call.
fn batched(body: &[u8]) -> u64 {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let method = Method::from_bytes(words.next()?.as_bytes()).ok()?;
            let target = words.next()?;
            (words.next()? == "HTTP/1.1" && target.starts_with('/'))
                .then(|| cost_of(&method, target.split('?').next().unwrap_or_default()))
        })
        .sum()
}

/// What a call of `method` on `path` costs.
fn cost_of(method: &Method, path: &str) -> u64 {
    let rest = path
        .split("/users/me/")
        .nth(1)
        .unwrap_or_default()
        .trim_end_matches('/');
    let segments: Vec<&str> = rest.split('/').collect();
    let get = *method == Method::GET;
    match segments.as_slice() {
        ["profile"] => 1,
        ["history"] => 2,
        ["labels"] | ["labels", _] if get => 1,
        ["labels", ..] => 5,
        ["settings", ..] if get => 1,
        ["settings", ..] => 5,
        ["messages"] if get => 5,
        ["messages"] => 25, // insert
        ["messages", "send"] => 100,
        ["messages", "import"] => 25,
        ["messages", "batchModify" | "batchDelete"] => 50,
        ["messages", _] if *method == Method::DELETE => 10,
        ["messages", _, "modify" | "trash" | "untrash"] => 5,
        ["messages", ..] => 5, // get, attachments.get
        ["threads", _] if *method == Method::DELETE => 20,
        ["threads", ..] => 10,
        ["drafts", "send"] => 100,
        ["drafts"] if get => 5,
        ["drafts"] => 10, // create
        ["drafts", _] if get => 5,
        ["drafts", _] if *method == Method::PUT => 15,
        ["drafts", _] => 10, // delete
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str) -> Request {
        http::Request::builder()
            .method(method)
            .uri(format!("https://gmail.googleapis.com{path}"))
            .body(Vec::new())
            .unwrap()
    }

    #[test]
    fn methods_cost_what_the_usage_limits_page_says() {
        for (method, path, units) in [
            (Method::GET, "/gmail/v1/users/me/profile", 1),
            (Method::GET, "/gmail/v1/users/me/history", 2),
            (Method::GET, "/gmail/v1/users/me/labels", 1),
            (Method::GET, "/gmail/v1/users/me/labels/Label_1", 1),
            (Method::GET, "/gmail/v1/users/me/messages", 5),
            (Method::GET, "/gmail/v1/users/me/messages/m1", 5),
            (
                Method::GET,
                "/gmail/v1/users/me/messages/m1/attachments/a1",
                5,
            ),
            (Method::POST, "/gmail/v1/users/me/messages/send", 100),
            (Method::POST, "/upload/gmail/v1/users/me/messages/send", 100),
            (Method::POST, "/gmail/v1/users/me/messages/batchModify", 50),
            (Method::POST, "/gmail/v1/users/me/messages/batchDelete", 50),
            (Method::POST, "/gmail/v1/users/me/messages/m1/trash", 5),
            (Method::DELETE, "/gmail/v1/users/me/messages/m1", 10),
            (Method::GET, "/gmail/v1/users/me/threads/t1", 10),
            (Method::POST, "/gmail/v1/users/me/drafts", 10),
            (Method::PUT, "/gmail/v1/users/me/drafts/d1", 15),
            (Method::PUT, "/upload/gmail/v1/users/me/drafts/d1", 15),
            (Method::POST, "/gmail/v1/users/me/drafts/send", 100),
            (Method::DELETE, "/gmail/v1/users/me/drafts/d1", 10),
            (Method::GET, "/gmail/v1/users/me/settings/sendAs", 1),
        ] {
            assert_eq!(
                cost(&request(method.clone(), path)),
                units,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn a_batch_costs_its_calls() {
        let calls: Vec<Request> = ["m1", "m2", "m3"]
            .iter()
            .map(|id| {
                request(
                    Method::GET,
                    &format!("/gmail/v1/users/me/messages/{id}?format=full"),
                )
            })
            .collect();
        let batch = super::super::batch::request(&calls).unwrap();
        assert_eq!(cost(&batch), 15);
    }
}
