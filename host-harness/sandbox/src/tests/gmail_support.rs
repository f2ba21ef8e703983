//! Helpers the Gmail batch and quota tests share: Gmail requests, and batches written and read
//! the way https://developers.google.com/workspace/gmail/api/guides/batch shows them.

use http::HeaderMap;
use serde_json::Value;

use super::support::{Answer, authorized, call};
use crate::Sandbox;

/// Gmail's host.
pub const GMAIL: &str = "gmail.googleapis.com";
/// The signed-in user's resources.
pub const USER: &str = "/gmail/v1/users/me";

/// A Gmail request for `USER` + `target` with a JSON `body` (`Value::Null`: none).
pub fn gmail(sandbox: &Sandbox, token: &str, method: &str, target: &str, body: &Value) -> Answer {
    authorized(
        sandbox,
        token,
        method,
        GMAIL,
        &format!("{USER}{target}"),
        &[],
        body,
    )
}

/// One call of a batch: its `Content-ID` (without brackets), its request line and its own
/// headers, and a JSON body.
pub struct Call {
    /// Its `Content-ID`, without the angle brackets.
    pub id: Option<String>,
    /// Its request line, without the HTTP version.
    pub line: String,
    /// Its own headers.
    pub headers: Vec<(String, String)>,
    /// Its JSON body.
    pub body: Option<Value>,
}

impl Call {
    /// `method` of `USER` + `target`, with `Content-ID: <id>`.
    pub fn new(id: &str, method: &str, target: &str) -> Call {
        Call {
            id: Some(id.to_owned()),
            line: format!("{method} {USER}{target}"),
            headers: Vec::new(),
            body: None,
        }
    }

    /// This call without a `Content-ID`.
    pub fn anonymous(mut self) -> Call {
        self.id = None;
        self
    }

    /// This call with its own `Authorization: Bearer {token}`.
    pub fn bearer(mut self, token: &str) -> Call {
        self.headers
            .push(("Authorization".to_owned(), format!("Bearer {token}")));
        self
    }

    /// This call with a JSON `body`.
    pub fn json(mut self, body: Value) -> Call {
        self.headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
        self.body = Some(body);
        self
    }
}

/// The boundary of the batches the tests send.
const BOUNDARY: &str = "batch_test_boundary";

/// `POST /batch/gmail/v1` of `calls`, with `Authorization: Bearer {token}` on the batch when
/// given.
pub fn batch(sandbox: &Sandbox, token: Option<&str>, calls: &[Call]) -> Answer {
    let mut body = String::new();
    for item in calls {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Type: application/http\r\n"
        ));
        if let Some(id) = &item.id {
            body.push_str(&format!("Content-ID: <{id}>\r\n"));
        }
        body.push_str(&format!("\r\n{} HTTP/1.1\r\n", item.line));
        for (name, value) in &item.headers {
            body.push_str(&format!("{name}: {value}\r\n"));
        }
        body.push_str("\r\n");
        if let Some(json) = &item.body {
            body.push_str(&json.to_string());
        }
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    let content_type = format!("multipart/mixed; boundary={BOUNDARY}");
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", content_type.as_str())];
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer.as_str()));
    }
    call(sandbox, "POST", GMAIL, "/batch/gmail/v1", &headers, body)
}

/// One response of a batch answer.
pub struct Reply {
    /// Its `Content-ID`, brackets included.
    pub id: Option<String>,
    /// The status of its status line.
    pub status: u16,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body, as text.
    pub text: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The `reason` of the Google error it holds, asserting its status.
    pub fn reason(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", self.text);
        self.json()["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// The responses of a batch answer (200, `multipart/mixed`), in order.
pub fn replies(answer: &Answer) -> Vec<Reply> {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let content_type = answer.header("content-type");
    let boundary = content_type
        .strip_prefix("multipart/mixed; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let delimiter = format!("--{boundary}");
    let (parts, end) = answer.text.rsplit_once(&format!("{delimiter}--")).unwrap();
    assert_eq!(end, "\r\n");
    parts
        .split(&delimiter)
        .skip(1)
        .map(|part| {
            let part = part.strip_prefix("\r\n").unwrap();
            let (outer, inner) = part.split_once("\r\n\r\n").unwrap();
            assert!(
                outer.starts_with("Content-Type: application/http"),
                "{outer}"
            );
            let id = outer
                .lines()
                .find_map(|l| l.strip_prefix("Content-ID: "))
                .map(str::to_owned);
            let (head, body) = inner.split_once("\r\n\r\n").unwrap();
            let mut lines = head.lines();
            let status_line = lines.next().unwrap();
            let status = status_line
                .strip_prefix("HTTP/1.1 ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|code| code.parse().ok())
                .unwrap_or_else(|| panic!("{status_line}"));
            let mut headers = HeaderMap::new();
            for line in lines {
                let (name, value) = line.split_once(": ").unwrap();
                headers.append(
                    http::HeaderName::try_from(name).unwrap(),
                    value.parse().unwrap(),
                );
            }
            let length: usize = headers["content-length"].to_str().unwrap().parse().unwrap();
            let text = body.strip_suffix("\r\n").unwrap().to_owned();
            assert_eq!(text.len(), length, "{text}");
            Reply {
                id,
                status,
                headers,
                text,
            }
        })
        .collect()
}
