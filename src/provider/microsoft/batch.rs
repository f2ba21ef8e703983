//! Graph JSON batching, `POST /v1.0/$batch` (https://learn.microsoft.com/en-us/graph/json-batching):
//! up to 20 requests in one JSON body, each with an `id`, its method, its URL relative to the
//! version root, its headers and body; answered by one JSON body of responses naming their
//! `id`, in any order. Graph evaluates each request against its throttling limits on its own,
//! so a response may be a 429 with its own `Retry-After` while the others succeed. Pure: builds
//! the request and reads the answer.

use crate::Error;
use crate::net::{self, Request, Response};
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// Where batches go.
const URL: &str = "https://graph.microsoft.com/v1.0/$batch";

/// What Graph's URLs start with; batched URLs are relative to it.
const ROOT: &str = "https://graph.microsoft.com/v1.0";

/// The most requests one batch holds.
pub const MOST: usize = 20;

/// The answer to a batch.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    responses: Vec<Part>,
}

/// One response of a batch.
#[derive(Deserialize)]
struct Part {
    id: String,
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default)]
    body: Value,
}

/// One batch of `calls` (requests to Graph, JSON bodies if any), not yet authorized: the bearer
/// token of the batch applies to every request in it. A call outside Graph's root is refused.
pub fn request(calls: &[Request]) -> Result<Request, Error> {
    let requests = calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let url = call.uri().to_string();
            let relative = url.strip_prefix(ROOT).ok_or_else(|| {
                Error::transport(format!("a batched request must go to Graph, not {url}"))
            })?;
            let mut headers = serde_json::Map::new();
            for (name, value) in call.headers() {
                if let Ok(value) = value.to_str() {
                    headers.insert(name.as_str().to_owned(), json!(value));
                }
            }
            let mut request = json!({
                "id": i.to_string(),
                "method": call.method().as_str(),
                "url": relative,
                "headers": headers,
            });
            if !call.body().is_empty() {
                request["body"] = serde_json::from_slice(call.body())
                    .map_err(|_| Error::transport("a batched request's body must be JSON"))?;
            }
            Ok(request)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    net::json_request(Method::POST, URL, &json!({ "requests": requests }))
}

/// How many requests `request` carries, when it is a batch.
pub fn count(request: &Request) -> Option<u64> {
    if request.uri() != URL {
        return None;
    }
    let body: Value = serde_json::from_slice(request.body()).ok()?;
    Some(body["requests"].as_array()?.len() as u64)
}

/// The responses of a batch of `count` requests, in the order of the requests; `None` for one
/// the answer lacks.
pub fn answers(response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error> {
    let answer: Answer = net::parse_json(response, "Graph batch")?;
    let mut out: Vec<Option<Response>> = (0..count).map(|_| None).collect();
    for part in answer.responses {
        let Some(slot) = part.id.parse::<usize>().ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        let mut built = http::Response::builder().status(part.status);
        for (name, value) in &part.headers {
            if let Some(value) = value.as_str() {
                built = built.header(name.as_str(), value);
            }
        }
        let body = match &part.body {
            Value::Null => Vec::new(),
            body => serde_json::to_vec(body).unwrap_or_default(),
        };
        *slot = Some(
            built
                .body(body)
                .map_err(|_| Error::malformed(Some(200), "a Graph batch response is not HTTP"))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_relative_with_their_headers_and_bodies() {
        let get = super::super::immutable_ids(
            net::json_get(
                "https://graph.microsoft.com/v1.0/me/messages/a%3D/attachments?$select=id",
            )
            .unwrap(),
        );
        let patch = net::json_request(
            Method::PATCH,
            "https://graph.microsoft.com/v1.0/me/messages/b",
            &json!({"isRead": true}),
        )
        .unwrap();
        let batch = request(&[get, patch]).unwrap();
        assert_eq!(batch.uri(), URL);
        let body: Value = serde_json::from_slice(batch.body()).unwrap();
        assert_eq!(
            body["requests"][0]["url"],
            "/me/messages/a%3D/attachments?$select=id"
        );
        assert_eq!(
            body["requests"][0]["headers"]["prefer"],
            "IdType=\"ImmutableId\""
        );
        assert_eq!(body["requests"][1]["method"], "PATCH");
        assert_eq!(body["requests"][1]["body"], json!({"isRead": true}));
        let elsewhere = net::json_get("https://evil.example/v1.0/me").unwrap();
        assert!(request(&[elsewhere]).is_err());
    }

    #[test]
    fn responses_keep_each_status_in_request_order() {
        let answer = json!({"responses": [
            {"id": "1", "status": 429, "headers": {"Retry-After": "9"}, "body": {"error": {"code": "TooManyRequests", "message": "slow"}}},
            {"id": "0", "status": 200, "body": {"value": []}}
        ]});
        let response = http::Response::builder()
            .status(200)
            .body(serde_json::to_vec(&answer).unwrap())
            .unwrap();
        let parts = answers(&response, 3).unwrap();
        assert_eq!(parts[0].as_ref().unwrap().status(), 200);
        assert_eq!(parts[1].as_ref().unwrap().headers()["retry-after"], "9");
        assert!(parts[2].is_none());
    }
}
