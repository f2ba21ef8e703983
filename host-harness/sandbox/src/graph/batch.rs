//! JSON batching: `POST /v1.0/$batch` with `{"requests": [{"id", "method", "url", "headers",
//! "body"}]}`, at most 20. Each request is answered through the same routing as if it had come
//! alone, with the batch's `Authorization`, and recorded as received inside a batch; one failing
//! does not fail the others. Graph runs them 4 at a time, each held to the mailbox's limits on
//! its own, so one may be throttled while the others are served. The answer is `200` with
//! `{"responses": [{"id", "status", "headers", "body"}]}`, in the order of the requests.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::input::{self, Object};
use crate::api;
use crate::config::Provider;
use crate::server;
use crate::state::Shared;
use crate::traffic::InFlight;
use crate::wire::{self, Ordered, Refusal, Request, Response};

/// The most requests one batch carries.
const LIMIT: usize = 20;
/// How many requests of a batch Graph runs at once: "the service executes up to 4 requests in
/// parallel at any point"
/// (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits, "Outlook
/// service limits for JSON batching"). They are in flight together, beside any other request to
/// the mailbox, so with others in flight some of them can be over the concurrent requests.
const PARALLEL: usize = 4;
/// The methods whose requests must carry a body and its `Content-Type`.
const WRITES: [Method; 3] = [Method::POST, Method::PATCH, Method::PUT];

/// One request of a batch.
struct Step {
    id: String,
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

/// Answers `POST /v1.0/$batch`. The batch itself needs a valid token (Graph's 401 otherwise);
/// a payload Graph cannot read, more than 20 requests, two requests with one id, or a write
/// request without a body and its `Content-Type` is a 400 for the whole batch, and nothing in it
/// is run.
pub(crate) fn answer(shared: &Shared, request: &Request) -> Response {
    if let Err(refused) = api::authenticate(shared, Provider::Microsoft, request) {
        return refused.response();
    }
    let steps = match read(request) {
        Ok(steps) => steps,
        Err(refused) => return *refused,
    };
    let mut responses = Vec::with_capacity(steps.len());
    for wave in steps.chunks(PARALLEL) {
        // Each request of the wave stays in flight until the whole wave is answered.
        let mut flights = Vec::with_capacity(wave.len());
        for step in wave {
            let (response, flight) = step.run(shared, request.authorization());
            responses.push(response);
            flights.extend(flight);
        }
    }
    wire::json(StatusCode::OK, &Ordered(vec![("responses", responses)]))
}

/// The steps of a batch request, checked.
fn read(request: &Request) -> Result<Vec<Step>, Refusal> {
    let bad = |message: &str| {
        Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            message,
        ))
    };
    let object = input::object(request)?;
    if input::member(&object, "requests").is_none() {
        return Err(bad("Invalid batch payload format."));
    }
    let items = input::array(&object, "requests")?;
    if items.len() > LIMIT {
        return Err(bad("Number of requests inside batch exceeds the limit."));
    }
    let mut seen = HashSet::new();
    let mut steps = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(item) = item else {
            return Err(bad("Invalid batch payload format."));
        };
        let step = Step::read(item).ok_or_else(|| bad("Invalid batch payload format."))?;
        if !seen.insert(step.id.clone()) {
            // Graph refuses repeated ids; its wording is not documented.
            return Err(bad(&format!(
                "Batch request id '{}' is used more than once.",
                step.id
            )));
        }
        if WRITES.contains(&step.method) && (step.body.is_none() || step.content_type().is_none()) {
            return Err(bad(&format!(
                "Write request id : {} does not contain Content-Type header or body.",
                step.id
            )));
        }
        steps.push(step);
    }
    Ok(steps)
}

impl Step {
    /// Reads one request object; `None` when it lacks its `id`, `method` or `url`, or a member
    /// has the wrong type.
    fn read(item: &Object) -> Option<Step> {
        let text = |name: &str| input::string(item, name).ok().flatten();
        let headers = match input::member(item, "headers") {
            None => Vec::new(),
            Some(Value::Object(headers)) => headers
                .iter()
                .map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                .collect::<Option<_>>()?,
            Some(_) => return None,
        };
        Some(Step {
            id: text("id").filter(|id| !id.is_empty())?,
            method: text("method")?.to_ascii_uppercase().parse().ok()?,
            url: text("url")?,
            headers,
            body: input::member(item, "body").cloned(),
        })
    }

    /// The `Content-Type` the step declares.
    fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
    }

    /// Runs the step with the batch's `authorization`; its entry of the answer, and its place
    /// in flight at the mailbox if it took one.
    fn run<'a>(
        &self,
        shared: &'a Shared,
        authorization: Option<&str>,
    ) -> (Value, Option<InFlight<'a>>) {
        let (response, flight) = match self.request(authorization) {
            Ok(request) => server::answer_inner(shared, Provider::Microsoft, &request),
            Err(refused) => (*refused, None),
        };
        let (head, body) = wire::into_parts(response);
        let mut entry = Map::new();
        entry.insert("id".to_owned(), json!(self.id));
        entry.insert("status".to_owned(), json!(head.status.as_u16()));
        let headers: Map<String, Value> = head
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((wire::title_case(name.as_str()), json!(value.to_str().ok()?)))
            })
            .collect();
        if !headers.is_empty() {
            entry.insert("headers".to_owned(), Value::Object(headers));
        }
        if !body.is_empty() {
            let media = head
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            entry.insert("body".to_owned(), encode_body(media, &body));
        }
        (Value::Object(entry), flight)
    }

    /// The request the step stands for, on Graph's host; Graph's 400 for a URL that is not
    /// relative to `/v1.0` or that names another batch.
    fn request(&self, authorization: Option<&str>) -> Result<Request, Refusal> {
        let bad = |message: String| {
            Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &message,
            ))
        };
        if self.url.contains("://") {
            return Err(bad(format!(
                "The url '{}' of request id '{}' is not relative; batch requests name resources relative to the version, e.g. '/me/messages'.",
                self.url, self.id
            )));
        }
        let relative = self.url.trim_start_matches('/');
        let first = relative.split(['/', '?']).next().unwrap_or_default();
        if wire::percent_decode(first, false).eq_ignore_ascii_case("$batch") {
            return Err(bad(format!(
                "Request id '{}' is a batch; batches do not nest.",
                self.id
            )));
        }
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(format!("/v1.0/{}", encode_url(relative)))
            .header(HOST, "graph.microsoft.com");
        for (name, value) in &self.headers {
            if !name.eq_ignore_ascii_case("authorization") {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        if let Some(authorization) = authorization {
            builder = builder.header(AUTHORIZATION, authorization);
        }
        let body = match &self.body {
            None => Vec::new(),
            Some(body) => serde_json::to_vec(body).expect("JSON values serialize"),
        };
        let (head, ()) = builder
            .body(())
            .map_err(|e| bad(format!("The request id '{}' is malformed: {e}", self.id)))?
            .into_parts();
        Ok(Request::new(head, body.into()))
    }
}

/// A response body as a batch carries it: JSON as JSON, text as a string, anything else in
/// base64.
fn encode_body(media: &str, body: &[u8]) -> Value {
    let media = media.split(';').next().unwrap_or_default().trim();
    if media.ends_with("json")
        && let Ok(value) = serde_json::from_slice(body)
    {
        return value;
    }
    match media.starts_with("text/") {
        true => json!(String::from_utf8_lossy(body)),
        false => json!(STANDARD.encode(body)),
    }
}

/// `url` with what may not stand in a request target (spaces, quotes, non-ASCII) percent-encoded,
/// as clients leave it in batch URLs (`$filter=conversationId eq '…'`).
fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for byte in url.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'/'
            | b'?'
            | b'@'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'%' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_headers_read_as_graph_writes_them() {
        assert_eq!(
            encode_url("me/messages?$filter=conversationId eq 'AA=='"),
            "me/messages?$filter=conversationId%20eq%20'AA=='"
        );
        assert_eq!(wire::title_case("content-type"), "Content-Type");
        assert_eq!(wire::title_case("retry-after"), "Retry-After");
        assert_eq!(encode_body("text/plain", b"hi"), json!("hi"));
        assert_eq!(encode_body("application/pdf", b"hi"), json!("aGk="));
    }
}
