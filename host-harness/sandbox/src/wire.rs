//! Requests as the handlers see them, and the answers they build.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use http_body_util::Full;

/// What the server answers with.
pub(crate) type Response = http::Response<Full<Bytes>>;

/// An answer that ends a request early, boxed (a response is large for an error value).
pub(crate) type Refusal = Box<Response>;

/// A received request, read whole: the provider host it was meant for, its path, query and body.
pub(crate) struct Request {
    /// The request method.
    pub method: Method,
    /// The `Host` header, lower-cased and without any port.
    pub host: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The path and query as received.
    pub target: String,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The decoded `application/x-www-form-urlencoded` body fields (empty for other bodies).
    pub form: Vec<(String, String)>,
    /// The body as received.
    pub body: Bytes,
}

impl Request {
    /// Builds the handler view of a request from its head and body.
    pub fn new(head: http::request::Parts, body: Bytes) -> Request {
        let mut host = head
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| head.uri.host())
            .map(host_without_port)
            .unwrap_or_default();
        let mut path = head.uri.path().to_owned();
        let mut target = head
            .uri
            .path_and_query()
            .map_or_else(|| head.uri.path().to_owned(), |p| p.as_str().to_owned());
        if let Some(served) = host_prefix(&host, &path) {
            host = served.to_owned();
            path = without_prefix(&path, served.len());
            target = without_prefix(&target, served.len());
        }
        let query = head
            .uri
            .query()
            .map(|q| decode_pairs(q.as_bytes()))
            .unwrap_or_default();
        let form = if is_form(&head.headers) {
            decode_pairs(&body)
        } else {
            Vec::new()
        };
        Request {
            method: head.method,
            host,
            path,
            target,
            query,
            headers: head.headers,
            form,
            body,
        }
    }

    /// The first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        first(&self.query, name)
    }

    /// Every query parameter called `name`, in order (repeated parameters).
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first body field called `name`.
    pub fn form_field(&self, name: &str) -> Option<&str> {
        first(&self.form, name)
    }

    /// The `Authorization` header, if it is valid text.
    pub fn authorization(&self) -> Option<&str> {
        self.header("authorization")
    }

    /// A header as text, if it is there and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|h| h.to_str().ok())
    }

    /// The media type of the body (`Content-Type` without parameters), lower-cased.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .and_then(|t| t.split(';').next())
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        let (scheme, token) = self.authorization()?.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

/// The hosts the sandbox imitates, as they may lead a path (see [`host_prefix`]).
const SERVED_HOSTS: [&str; 6] = [
    "accounts.google.com",
    "oauth2.googleapis.com",
    "gmail.googleapis.com",
    "login.microsoftonline.com",
    "graph.microsoft.com",
    "outlook.office.com",
];

/// The original host given as the first path segment: for HTTP clients
/// that set `Host` from the URL they connect to and cannot keep the provider's (jco's
/// preview2-shim does), `/gmail.googleapis.com/gmail/v1/users/me/profile` sent to the sandbox
/// means `/gmail/v1/users/me/profile` on `gmail.googleapis.com`. Only when `Host` is not itself a
/// host the sandbox imitates: no real path of these services begins with a host name, and a
/// request that names its provider host is read as the real service would read it.
///
/// This is a sandbox routing rule, not a provider behaviour. The real paths begin with `/gmail/v1`,
/// `/upload/gmail/v1` or `/batch` (https://developers.google.com/workspace/gmail/api/reference/rest),
/// `/v1.0` (https://learn.microsoft.com/en-us/graph/use-the-api), `/token` and `/o/oauth2`
/// (https://developers.google.com/identity/protocols/oauth2/web-server), `/{tenant}/oauth2/v2.0`
/// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
fn host_prefix(host: &str, path: &str) -> Option<&'static str> {
    if SERVED_HOSTS.contains(&host) {
        return None;
    }
    let rest = path.strip_prefix('/')?;
    let first = rest.split('/').next().unwrap_or_default();
    SERVED_HOSTS
        .into_iter()
        .find(|served| first.eq_ignore_ascii_case(served))
}

/// Whether `host` is one of the provider hosts the sandbox serves.
pub(crate) fn serves(host: &str) -> bool {
    SERVED_HOSTS.contains(&host)
}

/// `target` (a path and query) without its first `len` path bytes after the leading `/`, still
/// starting with `/`.
fn without_prefix(target: &str, len: usize) -> String {
    let rest = &target[1 + len..];
    if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    }
}

/// `host` without a trailing `:port`, lower-cased.
fn host_without_port(host: &str) -> String {
    let bare = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    bare.to_ascii_lowercase()
}

/// Whether the body is declared `application/x-www-form-urlencoded`.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn decode_pairs(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input).into_owned().collect()
}

/// The first value called `name`.
fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs `steps`, which stop at the first refusal (`?`): a `try` block for a handler's checks.
pub(crate) fn attempt<T>(steps: impl FnOnce() -> Result<T, Refusal>) -> Result<T, Refusal> {
    steps()
}

/// A JSON answer of anything serializable.
pub(crate) fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("answer bodies serialize");
    with_body(status, "application/json; charset=utf-8", bytes)
}

/// An answer of `content_type` (falling back to `application/octet-stream` when it is not a
/// valid header value) holding `body` as it is.
pub(crate) fn bytes(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = with_body(status, "application/octet-stream", body);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    with_body(status, "text/html; charset=utf-8", page.into_bytes())
}

/// An answer without a body (`202 Accepted`, a `201 Created` that only names a `Location`).
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// A `302 Found` to `location`.
pub(crate) fn redirect(location: &str) -> Response {
    let mut response = with_body(StatusCode::FOUND, "text/html; charset=utf-8", Vec::new());
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).expect("redirect targets are serialized URLs"),
    );
    response
}

/// The head and the whole body of `response` (bodies are in memory, so they are ready at once).
pub(crate) fn into_parts(response: Response) -> (http::response::Parts, Bytes) {
    use hyper::body::Body as _;
    let (head, mut body) = response.into_parts();
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let data = match std::pin::Pin::new(&mut body).poll_frame(&mut context) {
        std::task::Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    };
    (head, data)
}

/// Adds `name: value` to `response`.
pub(crate) fn with_header(
    mut response: Response,
    name: header::HeaderName,
    value: &str,
) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A response with `body` of type `content_type`.
fn with_body(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A header name as the providers write it in the answers they nest in batches:
/// `content-type` → `Content-Type`.
pub(crate) fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Escapes `text` for an HTML page.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Decodes `%XX` escapes (and, with `plus_as_space`, `+` as in form encoding); invalid escapes
/// stay as they are.
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON object that keeps its members in the order given.
pub(crate) struct Ordered<V = serde_json::Value>(pub Vec<(&'static str, V)>);

impl<V: serde::Serialize> serde::Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `uri` with `params` appended to its query.
pub(crate) fn with_query(uri: &str, params: &[(&str, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    let separator = match uri.contains('?') {
        true if uri.ends_with('?') || uri.ends_with('&') => "",
        true => "&",
        false => "?",
    };
    format!("{uri}{separator}{}", query.finish())
}
