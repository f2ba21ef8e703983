//! Gmail's batch endpoint, `POST /batch/gmail/v1`
//! (https://developers.google.com/workspace/gmail/api/guides/batch): whole HTTP requests inside
//! one `multipart/mixed` body, each an `application/http` part with a `Content-ID`, answered by
//! one `multipart/mixed` body of whole HTTP responses, each naming the part it answers
//! (`Content-ID: <response-N>`), in any order. A batch of n calls counts as n calls against the
//! quota; Google advises at most 50 calls a batch (100 is the limit). Pure: builds the request
//! and reads the answer.

use crate::Error;
use crate::net::{Request, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Method, StatusCode};

/// Where batches go.
pub const URL: &str = "https://gmail.googleapis.com/batch/gmail/v1";

/// The most calls the component puts in one batch. Google advises at most 50
/// (https://developers.google.com/workspace/gmail/api/guides/batch: "sending batches larger
/// than 50 requests is not recommended"), and the calls of a batch count as concurrent requests
/// of the user, whose limit Google does not publish; batches of 25 have been seen served where
/// larger ones were refused with "Too many concurrent requests for user" (reported in
/// amd/gaia#2720). So at most 24 calls at once: two batches of 12 in flight, so that one
/// batch's answer is read while the other's round trip goes on.
pub const MOST: usize = 12;

/// How many batches the component keeps in flight (see [`MOST`]).
pub const IN_FLIGHT: usize = 2;

/// The boundary of the batch body. The parts are request lines the component writes (methods,
/// percent-encoded paths), which cannot hold it.
const BOUNDARY: &str = "email_manager_batch_7d2c9a";

/// One batch of `calls` (requests to `gmail.googleapis.com` without bodies), not yet
/// authorized: the bearer token of the batch applies to every call in it.
pub fn request(calls: &[Request]) -> Result<Request, Error> {
    let mut body = Vec::new();
    for (n, call) in calls.iter().enumerate() {
        let target = call
            .uri()
            .path_and_query()
            .map_or_else(|| call.uri().path().to_owned(), |p| p.as_str().to_owned());
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: <{n}>\r\n\r\n{} {target} HTTP/1.1\r\n",
                call.method()
            )
            .as_bytes(),
        );
        for (name, value) in call.headers() {
            body.extend_from_slice(name.as_str().as_bytes());
            body.extend_from_slice(b": ");
            body.extend_from_slice(value.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"\r\n");
        if !call.body().is_empty() {
            body.extend_from_slice(call.body());
            body.extend_from_slice(b"\r\n");
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    http::Request::builder()
        .method(Method::POST)
        .uri(URL)
        .header(
            CONTENT_TYPE,
            format!("multipart/mixed; boundary={BOUNDARY}"),
        )
        .body(body)
        .map_err(|e| Error::transport(format!("cannot build a batch request: {e}")))
}

/// The answers of a batch of `count` calls, in the order of the calls; `None` for a call the
/// answer does not mention.
pub fn answers(response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error> {
    let malformed = |what: &str| Error::malformed(Some(response.status().as_u16()), what);
    let boundary = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary_of)
        .ok_or_else(|| malformed("a Gmail batch answer has no multipart boundary"))?;
    let delimiter = format!("--{boundary}");
    let mut answers: Vec<Option<Response>> = (0..count).map(|_| None).collect();
    for part in split(response.body(), delimiter.as_bytes()) {
        let Some((headers, http)) = split_head(part) else {
            continue;
        };
        let Some(n) = headers
            .lines()
            .find_map(|line| header_value(line, "content-id"))
            .and_then(content_number)
        else {
            continue;
        };
        let Some(slot) = answers.get_mut(n) else {
            continue;
        };
        *slot =
            Some(read_response(http).ok_or_else(|| {
                malformed("a part of a Gmail batch answer is not an HTTP response")
            })?);
    }
    Ok(answers)
}

/// The `boundary` parameter of a `multipart/mixed` media type.
fn boundary_of(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// The parts of a multipart body between its `delimiter` lines (RFC 2046 section 5.1.1),
/// without the line break before each delimiter.
fn split<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = body;
    let mut started = false;
    while let Some(at) = find(rest, delimiter) {
        if started {
            let part = &rest[..at];
            let part = part.strip_suffix(b"\r\n").unwrap_or(part);
            let part = part.strip_suffix(b"\n").unwrap_or(part);
            parts.push(part);
        }
        started = true;
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        // The rest of the delimiter line.
        rest = match find(rest, b"\n") {
            Some(end) => &rest[end + 1..],
            None => &[],
        };
    }
    parts
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len().max(1))
        .position(|window| window == needle)
}

/// A header block and what follows its blank line.
fn split_head(part: &[u8]) -> Option<(String, &[u8])> {
    let (end, skip) = match (find(part, b"\r\n\r\n"), find(part, b"\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (lf, 2),
        (Some(crlf), _) => (crlf, 4),
        (None, Some(lf)) => (lf, 2),
        (None, None) => return None,
    };
    Some((
        String::from_utf8_lossy(&part[..end]).into_owned(),
        &part[end + skip..],
    ))
}

/// The value of `line` when it is header `name`.
fn header_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let (found, value) = line.split_once(':')?;
    found
        .trim()
        .eq_ignore_ascii_case(name)
        .then(|| value.trim())
}

/// The call number of a `Content-ID: <response-N>` (or `<N>`).
fn content_number(id: &str) -> Option<usize> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    id.rsplit('-').next()?.parse().ok()
}

/// An HTTP/1.1 response as written inside a batch answer.
fn read_response(http: &[u8]) -> Option<Response> {
    let (head, body) =
        split_head(http).unwrap_or((String::from_utf8_lossy(http).into_owned(), &[]));
    let mut lines = head.lines();
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut response = http::Response::builder().status(StatusCode::from_u16(status).ok()?);
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.trim().as_bytes()),
                HeaderValue::from_str(value.trim()),
            )
        {
            response = response.header(name, value);
        }
    }
    response.body(body.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Request {
        http::Request::builder()
            .uri(format!("https://gmail.googleapis.com{path}"))
            .header("accept", "application/json")
            .body(Vec::new())
            .unwrap()
    }

    #[test]
    fn a_batch_holds_each_call_as_an_http_part() {
        let batch = request(&[
            get("/gmail/v1/users/me/messages/m1?format=full"),
            get("/gmail/v1/users/me/messages/m2?format=full"),
        ])
        .unwrap();
        assert_eq!(batch.uri(), URL);
        assert_eq!(
            batch.headers()[CONTENT_TYPE],
            format!("multipart/mixed; boundary={BOUNDARY}")
        );
        let body = String::from_utf8(batch.body().clone()).unwrap();
        assert!(body.starts_with(&format!("--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: <0>\r\n\r\nGET /gmail/v1/users/me/messages/m1?format=full HTTP/1.1\r\naccept: application/json\r\n\r\n")), "{body}");
        assert!(body.contains(
            "Content-ID: <1>\r\n\r\nGET /gmail/v1/users/me/messages/m2?format=full HTTP/1.1\r\n"
        ));
        assert!(body.ends_with(&format!("--{BOUNDARY}--\r\n")));
    }

    #[test]
    fn answers_come_back_by_content_id_in_any_order() {
        // The shape Google answers with: parts out of order, LF or CRLF, a throttled part.
        let body = "--batch_abc\r\nContent-Type: application/http\r\nContent-ID: <response-1>\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 4\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"error\":{\"code\":429,\"message\":\"Too many concurrent requests for user.\",\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}\r\n--batch_abc\r\nContent-Type: application/http\r\nContent-ID: <response-0>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"id\":\"m1\"}\r\n--batch_abc--\r\n";
        let response = http::Response::builder()
            .status(200)
            .header(CONTENT_TYPE, "multipart/mixed; boundary=batch_abc")
            .body(body.as_bytes().to_vec())
            .unwrap();
        let answers = answers(&response, 3).unwrap();
        let first = answers[0].as_ref().unwrap();
        assert_eq!(first.status(), 200);
        assert_eq!(first.body(), b"{\"id\":\"m1\"}");
        let second = answers[1].as_ref().unwrap();
        assert_eq!(second.status(), 429);
        assert_eq!(second.headers()["retry-after"], "4");
        assert!(answers[2].is_none(), "a call the answer does not name");
    }

    #[test]
    fn an_answer_that_is_not_multipart_is_refused() {
        let response = http::Response::builder()
            .status(200)
            .header(CONTENT_TYPE, "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        assert!(answers(&response, 1).is_err());
        assert_eq!(
            boundary_of("multipart/mixed; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(content_number("<response-12>"), Some(12));
    }
}
