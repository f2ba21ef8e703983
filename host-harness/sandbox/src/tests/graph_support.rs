//! Helpers the Graph id, delta, folder, limit and quota tests share: requests, delta rounds, the
//! immutable-id preference and attachments.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::support::{Answer, authorized, call};
use crate::{Provider, Sandbox};

/// Graph's host.
pub const GRAPH: &str = "graph.microsoft.com";
/// The header that asks for immutable ids.
pub const IMMUTABLE: (&str, &str) = ("prefer", "IdType=\"ImmutableId\"");

/// A Graph request for `target` (a path, or a Graph URL) with `headers` and a JSON `body`
/// (`Value::Null`: none).
pub fn request(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let target = target
        .strip_prefix("https://graph.microsoft.com")
        .unwrap_or(target);
    authorized(sandbox, token, method, GRAPH, target, headers, body)
}

/// A Graph request that must be answered `status`; its JSON body.
pub fn answered(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &Value,
    status: u16,
) -> Value {
    let answer = request(sandbox, token, method, target, headers, body);
    assert_eq!(answer.status, status, "{method} {target}: {}", answer.text);
    answer.json()
}

/// A `GET` that must be answered 200; its JSON body.
pub fn get_ok(sandbox: &Sandbox, token: &str, target: &str, headers: &[(&str, &str)]) -> Value {
    answered(sandbox, token, "GET", target, headers, &Value::Null, 200)
}

/// The code of a Graph error answered `status`.
pub fn refusal(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    answer.json()["error"]["code"].as_str().unwrap().to_owned()
}

/// A new draft's attachments path.
pub fn draft_attachments(sandbox: &Sandbox, token: &str) -> String {
    let draft = answered(
        sandbox,
        token,
        "POST",
        "/v1.0/me/messages",
        &[],
        &json!({"subject": "Files"}),
        201,
    );
    format!(
        "/v1.0/me/messages/{}/attachments",
        draft["id"].as_str().unwrap()
    )
}

/// A `fileAttachment` of `bytes` named `name`, as JSON text.
pub fn file_attachment(name: &str, content_type: &str, bytes: &[u8]) -> String {
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": name, "contentType": content_type, "contentBytes": STANDARD.encode(bytes),
    })
    .to_string()
}

/// A `POST` of the JSON text `body` to `target`.
pub fn post_text(sandbox: &Sandbox, token: &str, target: &str, body: &str) -> Answer {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    call(sandbox, "POST", GRAPH, target, &headers, body)
}

/// One delta round, every page followed.
pub struct Round {
    /// The entries present, in order.
    pub present: Vec<Value>,
    /// The ids reported `@removed`, in order.
    pub removed: Vec<String>,
    /// The `@odata.deltaLink` that ends it.
    pub link: String,
    /// How many rows each page held.
    pub pages: Vec<usize>,
}

impl Round {
    /// The ids of the entries present.
    pub fn ids(&self) -> Vec<String> {
        self.present
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Every page of a delta round from `target`, each request with `headers`.
pub fn round(sandbox: &Sandbox, token: &str, target: &str, headers: &[(&str, &str)]) -> Round {
    let mut round = Round {
        present: Vec::new(),
        removed: Vec::new(),
        link: String::new(),
        pages: Vec::new(),
    };
    let mut next = target.to_owned();
    loop {
        let page = get_ok(sandbox, token, &next, headers);
        let rows = page["value"].as_array().unwrap();
        round.pages.push(rows.len());
        for row in rows {
            match row.get("@removed") {
                Some(_) => round.removed.push(row["id"].as_str().unwrap().to_owned()),
                None => round.present.push(row.clone()),
            }
        }
        match (
            page["@odata.nextLink"].as_str(),
            page["@odata.deltaLink"].as_str(),
        ) {
            (Some(link), None) => next = link.to_owned(),
            (None, Some(link)) => {
                round.link = link.to_owned();
                return round;
            }
            other => panic!("a page needs exactly one link: {other:?}"),
        }
    }
}

/// Whether `id` is a message's immutable id (its default id is another).
pub fn is_immutable(sandbox: &Sandbox, id: &str) -> bool {
    sandbox.default_id(id).is_some_and(|default| default != id)
}

/// The immutable id of a message in folder `folder` (a well-known name).
pub fn message_in(sandbox: &Sandbox, folder: &str) -> String {
    let folder_id = sandbox.folder_id(folder);
    sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .find(|id| sandbox.state_of(Provider::Microsoft, id).unwrap().labels == [folder_id.clone()])
        .unwrap_or_else(|| panic!("no message in {folder}"))
}
