//! The HTTP vocabulary of the sans-I/O core: requests and responses are `http` crate values with
//! byte bodies, an [`HttpClient`] sends them (the `wasi:http` transport in the component, a script
//! in unit tests), and [`authorize`] is the one place a bearer token is attached to a request.

use crate::Error;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Method};
use serde::de::DeserializeOwned;

/// A request the core wants sent.
pub type Request = http::Request<Vec<u8>>;
/// A response as the core reads it: status, headers and the whole body.
pub type Response = http::Response<Vec<u8>>;

/// Why a request got no response the component could read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The host's policy refused the request (for example a host off its allowlist).
    Denied(String),
    /// The request failed on the way, or its answer could not be read.
    Failed(TransportFailure),
}

/// How a request failed on the way, or why its answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// What kind of failure it is, which decides whether trying again may help.
    pub kind: FailureKind,
    /// What happened, for the error message.
    pub detail: String,
}

/// The most characters of a [`TransportFailure`]'s detail.
pub const DETAIL_CHARS: usize = 240;

/// The kinds of [`TransportFailure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// DNS, connection, TLS, timeout, an answer cut short: a later try may pass.
    Network,
    /// The answer is longer than the `limit` bytes the component reads: it would be as long
    /// on a later try.
    TooLarge {
        /// The most bytes of an answer the component reads.
        limit: u64,
    },
}

impl TransportFailure {
    /// A [`FailureKind::Network`] failure. The detail, partly the host's words, is cut to its
    /// first line and [`DETAIL_CHARS`] characters: a host may describe its failure at length
    /// (a backtrace), and an error is one line for people.
    pub fn network(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let line = detail.lines().next().unwrap_or_default().trim_end();
        let mut detail: String = line.chars().take(DETAIL_CHARS).collect();
        if detail.len() < line.len() {
            detail.push('…');
        }
        Self {
            kind: FailureKind::Network,
            detail,
        }
    }

    /// An answer longer than `limit` bytes.
    pub fn too_large(limit: u64) -> Self {
        Self {
            kind: FailureKind::TooLarge { limit },
            detail: format!("the answer is longer than {limit} bytes"),
        }
    }
}

impl std::fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<&str> for TransportFailure {
    fn from(detail: &str) -> Self {
        Self::network(detail)
    }
}

impl From<String> for TransportFailure {
    fn from(detail: String) -> Self {
        Self::network(detail)
    }
}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Denied(why) => Error::Transport {
                denied: true,
                message: format!("the host denied the request: {why}"),
            },
            TransportError::Failed(TransportFailure {
                kind: FailureKind::Network,
                detail,
            }) => Error::RetryLater {
                retry_after_seconds: None,
                status: None,
                code: Some("network".to_owned()),
                message: format!("the request failed in transit: {detail}"),
            },
            TransportError::Failed(TransportFailure {
                kind: FailureKind::TooLarge { limit },
                ..
            }) => Error::Provider {
                status: None,
                code: Some("response_too_large".to_owned()),
                message: format!(
                    "the provider's answer is longer than the {} the component reads; it would be as long again",
                    crate::compose::check::megabytes(limit)
                ),
            },
        }
    }
}

/// How long a request may take, in milliseconds, at each of its stages (`wasi:http`'s
/// `request-options`): a request that passes one fails in transit, which the caller asks again
/// or reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection.
    pub connect_ms: u64,
    /// From the request sent to the first byte of the answer.
    pub first_byte_ms: u64,
    /// Between two pieces of the answer's body.
    pub between_bytes_ms: u64,
}

impl Timeouts {
    /// The timeouts when the call has plenty of time: 10 s to connect, 60 s to the first byte,
    /// 30 s between bytes.
    pub const DEFAULT: Timeouts = Timeouts {
        connect_ms: 10_000,
        first_byte_ms: 60_000,
        between_bytes_ms: 30_000,
    };

    /// The default timeouts, none longer than `left_ms` (the call's time left), nor shorter
    /// than a second.
    pub fn within(left_ms: u64) -> Timeouts {
        let bound = |ms: u64| ms.min(left_ms).max(1_000);
        Timeouts {
            connect_ms: bound(Self::DEFAULT.connect_ms),
            first_byte_ms: bound(Self::DEFAULT.first_byte_ms),
            between_bytes_ms: bound(Self::DEFAULT.between_bytes_ms),
        }
    }
}

/// Sends requests. Implementations may send several at once; results come back in order.
pub trait HttpClient {
    /// Sends every request, keeping at most `max_in_flight` of them in flight at once (at least
    /// one), and returns one result per request, in the order given.
    fn send_all(
        &mut self,
        requests: Vec<Request>,
        max_in_flight: usize,
    ) -> Vec<Result<Response, TransportError>>;

    /// Sends every request as [`HttpClient::send_all`] does, and hands each result to `each`
    /// (with the request's index) as soon as it is ready, while the others are still in flight.
    fn send_each(
        &mut self,
        requests: Vec<Request>,
        max_in_flight: usize,
        each: &mut dyn FnMut(usize, Result<Response, TransportError>),
    ) {
        for (slot, outcome) in self
            .send_all(requests, max_in_flight)
            .into_iter()
            .enumerate()
        {
            each(slot, outcome);
        }
    }

    /// Sets the timeouts of the requests sent from now on (fakes may ignore them).
    fn set_timeouts(&mut self, _timeouts: Timeouts) {}

    /// Now, in milliseconds since the Unix epoch (the wall clock; fakes may keep their own).
    fn now_ms(&self) -> u64 {
        0
    }

    /// Waits `ms` milliseconds (fakes may just move their clock).
    fn sleep(&mut self, _ms: u64) {}

    /// Sends one request.
    fn send(&mut self, request: Request) -> Result<Response, TransportError> {
        self.send_all(vec![request], 1)
            .into_iter()
            .next()
            .unwrap_or_else(|| {
                Err(TransportError::Failed(TransportFailure::network(
                    "the transport returned no response",
                )))
            })
    }
}

/// A copy of `request`, for sending it again.
pub fn clone_request(request: &Request) -> Request {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// A `POST` of an `application/x-www-form-urlencoded` body to `url`, expecting JSON back.
pub fn form_post(url: &str, fields: &[(&str, &str)]) -> Result<Request, Error> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes();
    http::Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(body)
        .map_err(|e| Error::transport(format!("cannot build a request to the token endpoint: {e}")))
}

/// A `GET` of `url`, expecting JSON back; not yet authorized (see [`authorize`]).
pub fn json_get(url: &str) -> Result<Request, Error> {
    http::Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| Error::transport(format!("cannot build a request: {e}")))
}

/// Attaches `Authorization: Bearer <token>` to `request`, but only when the request goes over
/// HTTPS to one of `trusted_hosts` (the provider's own API hosts). Any other destination, such
/// as a next-page link pointing elsewhere, is refused and the token is never attached.
pub fn authorize(
    mut request: Request,
    token: &str,
    trusted_hosts: &[&str],
) -> Result<Request, Error> {
    check_destination(&request, trusted_hosts, "the account's token")?;
    let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::invalid(
            "account.access-token",
            "holds characters not allowed in a header",
        )
    })?;
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(request)
}

/// Refuses `request` unless it goes over HTTPS, on the default port, to one of `trusted_hosts`.
/// `what` names what would have been sent (for the error, which names the host only: a
/// provider-supplied URL may carry a secret in its query).
pub fn check_destination(
    request: &Request,
    trusted_hosts: &[&str],
    what: &str,
) -> Result<(), Error> {
    let uri = request.uri();
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let port = uri.port_u16();
    if trusted_destination(
        uri.scheme_str().unwrap_or_default(),
        &host,
        port,
        trusted_hosts,
    ) {
        return Ok(());
    }
    Err(Error::Provider {
        status: None,
        code: Some("untrusted_url".to_owned()),
        message: format!("refused to send {what} to {host:?}: not one of the provider's hosts"),
    })
}

/// `text` (an id the host passed, or one a provider gave) as one segment of a URL path,
/// percent-encoded as `application/x-www-form-urlencoded` encodes (every byte but ASCII letters,
/// digits and `*-._` escaped, a space as `+`), so that it cannot reach into another path.
pub fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The one rule for where the component sends a token or follows a link: over HTTPS, on the
/// default port (`port` is the port the URL names, if any), to one of `trusted_hosts` (the host
/// compared in lower case).
pub fn trusted_destination(
    scheme: &str,
    host: &str,
    port: Option<u16>,
    trusted_hosts: &[&str],
) -> bool {
    let host = host.to_ascii_lowercase();
    scheme == "https" && port.is_none() && trusted_hosts.iter().any(|trusted| *trusted == host)
}

/// A request without a body (`DELETE`, or an action `POST` that takes none).
pub fn bodyless(method: Method, url: &str) -> Result<Request, Error> {
    http::Request::builder()
        .method(method)
        .uri(url)
        .header(http::header::CONTENT_LENGTH, "0")
        .body(Vec::new())
        .map_err(|e| Error::transport(format!("cannot build a request: {e}")))
}

/// A request with a JSON body.
pub fn json_request(method: Method, url: &str, body: &serde_json::Value) -> Result<Request, Error> {
    http::Request::builder()
        .method(method)
        .uri(url)
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
        .map_err(|e| Error::transport(format!("cannot build a request: {e}")))
}

/// Parses a JSON body into `T`, naming `what` in the error when it does not fit.
///
/// A body that is not JSON at all, or is cut short, is a passing fault (a proxy's page, an
/// answer damaged on the way): `retry-later`. JSON of the wrong shape is the provider's
/// answer, and stays a provider error.
pub fn parse_json<T: DeserializeOwned>(response: &Response, what: &str) -> Result<T, Error> {
    serde_json::from_slice(response.body()).map_err(|e| {
        let status = Some(response.status().as_u16());
        if e.is_syntax() || e.is_eof() {
            Error::RetryLater {
                retry_after_seconds: None,
                status,
                code: Some("malformed_response".to_owned()),
                message: format!("the {what} answer was not readable JSON ({e})"),
            }
        } else {
            Error::malformed(status, format!("unexpected {what} response: {e}"))
        }
    })
}

/// How long `response` asks the client to wait, in seconds from `now`: its `Retry-After`
/// header, as delta-seconds or as an HTTP-date (RFC 9110 section 10.2.3), else the "Retry after
/// <RFC 3339 time>" Google writes into the message of its rate-limit errors. A time already
/// past means no wait.
pub fn retry_after(response: &Response, now: u64) -> Option<u32> {
    let header = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(value) = header {
        if let Ok(seconds) = value.parse::<u32>() {
            return Some(seconds);
        }
        if let Some(at) = mail_parser::DateTime::parse_rfc822(value) {
            return Some(seconds_until(at.to_timestamp(), now));
        }
    }
    let body = std::str::from_utf8(response.body()).ok()?;
    let (_, rest) = body.split_once("Retry after ")?;
    let stamp: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+'))
        .collect();
    let at = mail_parser::DateTime::parse_rfc3339(&stamp)?;
    Some(seconds_until(at.to_timestamp(), now))
}

/// Seconds from `now` until the Unix time `at`, rounded up; 0 when it is past.
fn seconds_until(at: i64, now: u64) -> u32 {
    let wait = at.saturating_sub(i64::try_from(now).unwrap_or(i64::MAX));
    u32::try_from(wait.max(0)).unwrap_or(u32::MAX)
}

/// Writes the wait `response` asks for (see [`retry_after`]) into its `Retry-After` header as
/// delta-seconds, so that whoever reads the response later needs no clock.
pub fn settle_retry_after(response: &mut Response, now: u64) {
    if response.status().is_success() {
        return;
    }
    if let Some(seconds) = retry_after(response, now) {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// Whether a status means "try again later": 429 and the 5xx family.
pub fn is_transient(status: http::StatusCode) -> bool {
    status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_one_path_segment() {
        for (id, segment) in [
            ("18c2a3f0e1d4b5a6", "18c2a3f0e1d4b5a6"),
            ("r-4913387493093587297", "r-4913387493093587297"),
            ("AAMkAGI2TG93AAA=", "AAMkAGI2TG93AAA%3D"),
            ("a/b?c#d", "a%2Fb%3Fc%23d"),
            ("a b+c", "a+b%2Bc"),
            ("*-._~", "*-._%7E"),
            ("é", "%C3%A9"),
            ("", ""),
        ] {
            assert_eq!(path_segment(id), segment, "{id}");
        }
    }

    #[test]
    fn a_network_failure_is_one_short_line() {
        let failure = TransportFailure::network(
            "reading the response failed: hyper error\nStack backtrace:\n   0: capture",
        );
        assert_eq!(failure.detail, "reading the response failed: hyper error");
        let long = TransportFailure::network("x".repeat(1_000));
        assert_eq!(long.detail.chars().count(), DETAIL_CHARS + 1);
        assert!(long.detail.ends_with('…'));
    }

    const HOSTS: &[&str] = &["graph.microsoft.com"];

    #[test]
    fn the_destination_rule() {
        for (scheme, host, port, trusted) in [
            ("https", "graph.microsoft.com", None, true),
            ("https", "Graph.Microsoft.COM", None, true),
            ("http", "graph.microsoft.com", None, false),
            ("https", "graph.microsoft.com", Some(443), false),
            ("https", "graph.microsoft.com", Some(8443), false),
            ("https", "graph.microsoft.com.evil.example", None, false),
            ("https", "evil.example", None, false),
            ("https", "", None, false),
        ] {
            assert_eq!(
                trusted_destination(scheme, host, port, HOSTS),
                trusted,
                "{scheme}://{host}:{port:?}"
            );
        }
    }

    #[test]
    fn bearer_goes_only_to_trusted_https_hosts() {
        let ok = authorize(
            json_get("https://graph.microsoft.com/v1.0/me").unwrap(),
            "tok-secret-123",
            HOSTS,
        )
        .unwrap();
        assert_eq!(ok.headers()[AUTHORIZATION], "Bearer tok-secret-123");

        for url in [
            "https://evil.example/v1.0/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com.evil.example/v1.0/me",
            "https://graph.microsoft.com:8443/v1.0/me",
        ] {
            let err = authorize(json_get(url).unwrap(), "tok-secret-123", HOSTS).unwrap_err();
            assert!(
                matches!(&err, Error::Provider { code: Some(c), .. } if c == "untrusted_url"),
                "{url}"
            );
            assert!(!err.to_string().contains("tok-secret-123"));
        }
    }

    #[test]
    fn an_answer_too_long_to_read_is_not_retried_and_names_the_limit() {
        let error: Error = TransportError::Failed(TransportFailure::too_large(67_108_864)).into();
        let Error::Provider { code, message, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(code.as_deref(), Some("response_too_large"));
        assert!(message.contains("64.0 MB (67,108,864 bytes)"), "{message}");
        let network: Error = TransportError::Failed("reset".into()).into();
        assert!(
            matches!(&network, Error::RetryLater { code: Some(c), .. } if c == "network"),
            "{network:?}"
        );
    }

    #[test]
    fn unreadable_answers_are_passing_and_wrong_shapes_are_not() {
        #[derive(Debug, serde::Deserialize)]
        struct Shape {
            #[allow(dead_code)]
            id: String,
        }
        let answer = |body: &str| {
            http::Response::builder()
                .status(200)
                .body(body.as_bytes().to_vec())
                .unwrap()
        };
        assert!(matches!(
            parse_json::<Shape>(&answer(r#"{"id":"a"#), "message"),
            Err(Error::RetryLater { .. })
        ));
        assert!(matches!(
            parse_json::<Shape>(&answer("<html>bad gateway</html>"), "message"),
            Err(Error::RetryLater { .. })
        ));
        assert!(matches!(
            parse_json::<Shape>(&answer(r#"{"name":"a"}"#), "message"),
            Err(Error::Provider { .. })
        ));
    }

    #[test]
    fn form_post_encodes_fields() {
        let request = form_post(
            "https://oauth2.googleapis.com/token",
            &[("a", "1 2"), ("b", "x&y=z")],
        )
        .unwrap();
        assert_eq!(request.body(), b"a=1+2&b=x%26y%3Dz");
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn retry_after_reads_seconds() {
        let response = http::Response::builder()
            .status(429)
            .header(RETRY_AFTER, " 17 ")
            .body(Vec::new())
            .unwrap();
        assert_eq!(retry_after(&response, 0), Some(17));
        assert!(is_transient(response.status()));
    }

    #[test]
    fn retry_after_reads_http_dates_and_google_text() {
        let at = |header: Option<&str>, body: &str| {
            let mut builder = http::Response::builder().status(429);
            if let Some(value) = header {
                builder = builder.header(RETRY_AFTER, value);
            }
            builder.body(body.as_bytes().to_vec()).unwrap()
        };
        // 2015-10-21T07:28:00Z is 1445412480.
        let now = 1_445_412_480 - 90;
        assert_eq!(
            retry_after(&at(Some("Wed, 21 Oct 2015 07:28:00 GMT"), ""), now),
            Some(90)
        );
        assert_eq!(
            retry_after(&at(Some("Wed, 21 Oct 2015 07:28:00 GMT"), ""), now + 500),
            Some(0),
            "a time already past means no wait"
        );
        let google = r#"{"error":{"code":429,"message":"User-rate limit exceeded.  Retry after 2015-10-21T07:28:00.000Z","errors":[{"reason":"rateLimitExceeded"}]}}"#;
        assert_eq!(retry_after(&at(None, google), now), Some(90));
        assert_eq!(retry_after(&at(None, "{}"), now), None);
        assert_eq!(retry_after(&at(Some("soon"), "{}"), now), None);

        let mut response = at(None, google);
        settle_retry_after(&mut response, now);
        assert_eq!(response.headers()[RETRY_AFTER], "90");
    }
}
