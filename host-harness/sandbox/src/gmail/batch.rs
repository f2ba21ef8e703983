//! Batching: `POST /batch/gmail/v1` (and the discovery document's `batchPath`, `POST /batch`:
//! shared/specs gmail/gmail-v1-discovery.json), a `multipart/mixed` body whose `application/http`
//! parts each hold one Gmail call, answered as a `multipart/mixed` of `application/http`
//! responses (https://developers.google.com/workspace/gmail/api/guides/batch).

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use mailparse::{MailHeaderMap as _, ParsedMail};
use serde_json::json;

use crate::api;
use crate::config::Provider;
use crate::mint;
use crate::server;
use crate::state::Shared;
use crate::wire::{self, Request, Response};

/// The most calls one batch carries: "You're limited to 100 calls in a single batch request"
/// (https://developers.google.com/workspace/gmail/api/guides/batch).
const LIMIT: usize = 100;

/// One part of a batch: the call it holds, or why it holds none.
struct Part {
    /// Its `Content-ID`, without the angle brackets.
    content_id: Option<String>,
    /// The call, or the message of the 400 that answers the part.
    call: Result<Request, String>,
}

/// Answers a batch. Each call is split out as its own request and answered as if it had come
/// alone ("the server … handles each part as if it were a separate HTTP request"): its own
/// `Authorization`, or the batch's, authorizes it; it is charged to the user's quota and is in
/// flight at the mailbox like any call, and refused on its own, inside the answer, when it is
/// over a limit ("A set of n requests batched together counts toward your usage limit as n
/// requests, not as one request"). "Each part is the response to one of the requests in the
/// batched request, in the same order as the requests", with the `Content-ID` of its call after
/// `response-`. More than 100 calls is a 400 for the whole batch, and nothing in it is run.
pub(crate) fn answer(shared: &Shared, request: &Request) -> Response {
    let parts = match read(request) {
        Ok(parts) => parts,
        Err(message) => return batch_refusal(&message),
    };
    if parts.len() > LIMIT {
        // Captured: https://github.com/mhasbini/gmail_analyzer/issues/12 (Gmail's words) and
        // https://github.com/GAM-team/got-your-back/issues/255 (the whole body).
        return batch_refusal(&format!(
            "Inner request count exceeds the limit. Received: {}, Limit: {LIMIT}",
            parts.len()
        ));
    }
    let answers = run(shared, &parts);
    let boundary = format!("batch_{}", mint::random_guid().replace('-', ""));
    let mut body = Vec::new();
    for (part, response) in parts.iter().zip(answers) {
        write_part(&mut body, &boundary, part.content_id.as_deref(), response);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    wire::bytes(
        StatusCode::OK,
        &format!("multipart/mixed; boundary={boundary}"),
        body,
    )
}

/// Answers the calls of `parts`; the answers in the order of the parts. "The server might
/// perform your calls in any order. Don't count on their being executed in the order in which
/// you specified them": the sandbox runs them last to first, so a client that counts on their
/// order finds out. They are all in flight at the mailbox until the last is answered.
fn run(shared: &Shared, parts: &[Part]) -> Vec<Response> {
    let mut answers: Vec<Option<Response>> = parts.iter().map(|_| None).collect();
    let mut flights = Vec::with_capacity(parts.len());
    for (index, part) in parts.iter().enumerate().rev() {
        let response = match &part.call {
            Ok(call) => {
                let (response, flight) = server::answer_inner(shared, Provider::Google, call);
                flights.extend(flight);
                response
            }
            Err(message) => api::google_rejected("badRequest", message),
        };
        answers[index] = Some(response);
    }
    answers.into_iter().flatten().collect()
}

/// Google's 400 for a batch it cannot take as a whole: `{"error":{"code","message","status"}}`,
/// without an `errors` list, as captured for a batch over the limit
/// (https://github.com/GAM-team/got-your-back/issues/255). For a body that is no
/// `multipart/mixed` batch, Google's wording is not documented; the sandbox answers the same
/// shape.
fn batch_refusal(message: &str) -> Response {
    let body = json!({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}});
    wire::json(StatusCode::BAD_REQUEST, &body)
}

/// The parts of a batch request, or why it is none.
fn read(request: &Request) -> Result<Vec<Part>, String> {
    if request.media_type() != "multipart/mixed" {
        return Err("A batch request must be multipart/mixed.".to_owned());
    }
    let content_type = request.header("content-type").unwrap_or_default();
    let mut whole = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    whole.extend_from_slice(&request.body);
    let mail = mailparse::parse_mail(&whole).map_err(|e| format!("Failed to parse batch: {e}"))?;
    if mail.subparts.is_empty() {
        return Err("The batch holds no parts.".to_owned());
    }
    Ok(mail
        .subparts
        .iter()
        .map(|part| Part {
            content_id: part.headers.get_first_value("Content-ID").map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            }),
            call: call(request, part),
        })
        .collect())
}

/// The call a part holds: its request line, headers and body, on Gmail's host. "The outer
/// batch request's HTTP headers, except for the `Content-` headers such as `Content-Type`,
/// apply to every request in the batch"; a header the call gives itself overrides the batch's,
/// and so does a query parameter ("it applies the outer request's query parameters and headers
/// (as appropriate) to each part"). The request line names a path: "full URLs are not allowed
/// in batch requests"; and a call is one Gmail call, not another batch.
fn call(batch: &Request, part: &ParsedMail) -> Result<Request, String> {
    let raw = part.get_body_raw().unwrap_or_default();
    let (head, body) = split_head(&raw);
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines().map(str::trim_end).filter(|l| !l.is_empty());
    let line = lines.next().ok_or("A batch part holds no request.")?;
    let mut words = line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(format!(
            "The batch part's request line '{line}' is malformed."
        ));
    };
    if !target.starts_with('/') {
        return Err(format!(
            "The batch part's URL '{target}' is not a path; full URLs are not allowed in batch requests."
        ));
    }
    if target.starts_with("/batch") {
        return Err("A batch part cannot hold another batch.".to_owned());
    }
    let target = with_batch_query(target, batch);
    let method: Method = method
        .parse()
        .map_err(|_| format!("The batch part's method '{method}' is malformed."))?;
    let mut headers = HeaderMap::new();
    for (name, value) in &batch.headers {
        if !name.as_str().starts_with("content-") && name != HOST {
            headers.append(name.clone(), value.clone());
        }
    }
    let mut own = HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("The batch part's header '{line}' is malformed."))?;
        let name = HeaderName::try_from(name.trim())
            .map_err(|_| format!("The batch part's header '{line}' is malformed."))?;
        let value = HeaderValue::try_from(value.trim())
            .map_err(|_| format!("The batch part's header '{line}' is malformed."))?;
        own.append(name, value);
    }
    for name in own.keys() {
        headers.remove(name);
    }
    headers.extend(own);
    headers.insert(HOST, HeaderValue::from_static("gmail.googleapis.com"));
    let mut builder = http::Request::builder().method(method).uri(&target);
    if let Some(all) = builder.headers_mut() {
        *all = headers;
    }
    let (head, ()) = builder
        .body(())
        .map_err(|e| format!("The batch part's request is malformed: {e}"))?
        .into_parts();
    Ok(Request::new(head, Bytes::copy_from_slice(body)))
}

/// `target` with the query parameters of `batch` it does not give itself.
fn with_batch_query(target: &str, batch: &Request) -> String {
    let own: Vec<String> = match target.split_once('?') {
        Some((_, query)) => form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name.into_owned())
            .collect(),
        None => Vec::new(),
    };
    let added: Vec<(&str, String)> = batch
        .query
        .iter()
        .filter(|(name, _)| !own.contains(name))
        .map(|(name, value)| (name.as_str(), value.clone()))
        .collect();
    match added.is_empty() {
        true => target.to_owned(),
        false => wire::with_query(target, &added),
    }
}

/// `raw` split at its first empty line: the head, and the body after it (empty without one).
fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    let crlf = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, 4));
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|at| (at, 2));
    match [crlf, lf].into_iter().flatten().min_by_key(|(at, _)| *at) {
        Some((at, gap)) => (&raw[..at], &raw[at + gap..]),
        None => (raw, &[]),
    }
}

/// Writes `response` to `body` as one `application/http` part, with `Content-ID:
/// <response-{content_id}>` when its call had a `Content-ID` ("the corresponding part of the
/// response has a matching Content-ID header, with the original value preceded by the string
/// response-").
fn write_part(body: &mut Vec<u8>, boundary: &str, content_id: Option<&str>, response: Response) {
    let (head, content) = wire::into_parts(response);
    let mut text = format!("--{boundary}\r\nContent-Type: application/http\r\n");
    if let Some(id) = content_id {
        text.push_str(&format!("Content-ID: <response-{id}>\r\n"));
    }
    text.push_str(&format!(
        "\r\nHTTP/1.1 {} {}\r\n",
        head.status.as_u16(),
        head.status.canonical_reason().unwrap_or_default()
    ));
    for (name, value) in &head.headers {
        if let (false, Ok(value)) = (name == CONTENT_LENGTH, value.to_str()) {
            text.push_str(&format!("{}: {value}\r\n", wire::title_case(name.as_str())));
        }
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n", content.len()));
    body.extend_from_slice(text.as_bytes());
    body.extend_from_slice(&content);
    body.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_split_at_the_first_empty_line() {
        assert_eq!(
            split_head(b"GET /a\r\nX: 1\r\n\r\n{}"),
            (&b"GET /a\r\nX: 1"[..], &b"{}"[..])
        );
        assert_eq!(
            split_head(b"GET /a\n\nbody"),
            (&b"GET /a"[..], &b"body"[..])
        );
        assert_eq!(split_head(b"GET /a"), (&b"GET /a"[..], &b""[..]));
    }
}
