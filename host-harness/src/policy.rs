//! The outgoing-HTTP policy the host applies to every request the component makes: an
//! allowlist of hosts, a route per host (to the real provider, or to a sandbox base URL), and a
//! record of every request, allowed or denied.

use http::header::AUTHORIZATION;
use http_body_util::BodyExt;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime_wasi_http::{RequestOptions, WasiHttpHooks};

/// Every host the component talks to: Google's and Microsoft's OAuth and mail API hosts, and
/// Outlook's upload host (the pre-authenticated URLs of Graph upload sessions).
pub const PROVIDER_HOSTS: &[&str] = &[
    "accounts.google.com",
    "oauth2.googleapis.com",
    "gmail.googleapis.com",
    "login.microsoftonline.com",
    "graph.microsoft.com",
    "outlook.office.com",
    "outlook.office365.com",
];

/// One request the component made, as the policy saw it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: String,
    /// The URL the component asked for.
    pub url: String,
    /// The URL the request was sent to instead, when routed.
    pub routed_to: Option<String>,
    /// Whether the policy refused it.
    pub denied: bool,
    /// The bearer token it carried, if any. Never printed: [`fmt::Debug`] shows only whether
    /// there was one.
    pub bearer: Option<String>,
}

impl RecordedRequest {
    /// The host the component asked for, lower case.
    pub fn host(&self) -> String {
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("url", &redact_query_tokens(&self.url))
            .field("routed_to", &self.routed_to)
            .field("denied", &self.denied)
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `url` with the value of any `authtoken` query parameter (the credential of an upload URL)
/// replaced by `<redacted>`.
fn redact_query_tokens(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if !parsed
        .query_pairs()
        .any(|(name, _)| name.eq_ignore_ascii_case("authtoken"))
    {
        return url.to_owned();
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(name, value)| {
            let value = if name.eq_ignore_ascii_case("authtoken") {
                "<redacted>".to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.into()
}

/// The longest the host lets each stage of a request it forwards take, whatever the component
/// asks for: a request past one fails, and the component sees it fail in transit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeouts {
    /// Establishing the connection.
    pub connect: Duration,
    /// From the request sent to the first byte of the answer.
    pub first_byte: Duration,
    /// Between two pieces of the answer's body.
    pub between_bytes: Duration,
}

impl Default for RequestTimeouts {
    /// 30 s to connect, 120 s to the first byte, 60 s between bytes.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(30),
            first_byte: Duration::from_secs(120),
            between_bytes: Duration::from_secs(60),
        }
    }
}

impl RequestTimeouts {
    /// The component's `asked` options, none longer than these.
    fn bound(&self, asked: Option<RequestOptions>) -> RequestOptions {
        let asked = asked.unwrap_or_default();
        let bound =
            |asked: Option<Duration>, most: Duration| Some(asked.map_or(most, |a| a.min(most)));
        RequestOptions {
            connect_timeout: bound(asked.connect_timeout, self.connect),
            first_byte_timeout: bound(asked.first_byte_timeout, self.first_byte),
            between_bytes_timeout: bound(asked.between_bytes_timeout, self.between_bytes),
        }
    }
}

/// Which hosts the component may reach and where each goes. Cheap to clone; clones share the
/// record of requests.
#[derive(Clone, Default)]
pub struct HttpPolicy {
    allowed: Vec<String>,
    routes: Vec<(String, url::Url)>,
    timeouts: RequestTimeouts,
    log: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl HttpPolicy {
    /// Allows the real provider hosts, unrouted: for use with real credentials.
    pub fn providers() -> Self {
        PROVIDER_HOSTS
            .iter()
            .fold(Self::default(), |policy, host| policy.allow(host))
    }

    /// Routes every provider host to `base_url` (a sandbox), and allows nothing else.
    pub fn sandbox(base_url: &str) -> anyhow::Result<Self> {
        let base = url::Url::parse(base_url)?;
        Ok(PROVIDER_HOSTS.iter().fold(Self::default(), |policy, host| {
            policy.route(host, base.clone())
        }))
    }

    /// Allows `host` (exact, case-insensitive), sent where it points.
    pub fn allow(mut self, host: &str) -> Self {
        self.allowed.push(host.to_ascii_lowercase());
        self
    }

    /// Allows `host` and sends its requests to `base` instead; the `Host` header keeps `host`.
    pub fn route(mut self, host: &str, base: url::Url) -> Self {
        self.routes.push((host.to_ascii_lowercase(), base));
        self.allow(host)
    }

    /// This policy with `timeouts` as the longest each request may take.
    pub fn with_timeouts(mut self, timeouts: RequestTimeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Every request made under this policy (and its clones), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Forgets the recorded requests.
    pub fn clear(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
    }

    /// Decides about one request: `None` to deny it, else the URI to send it to.
    fn decide(&self, uri: &http::Uri) -> Option<http::Uri> {
        let host = uri.host()?.to_ascii_lowercase();
        if !self.allowed.contains(&host) {
            return None;
        }
        let Some((_, base)) = self.routes.iter().find(|(h, _)| *h == host) else {
            return Some(uri.clone());
        };
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let routed = format!("{}{}", base.as_str().trim_end_matches('/'), path);
        routed.parse().ok()
    }

    fn record(&self, request: RecordedRequest) {
        if let Ok(mut log) = self.log.lock() {
            log.push(request);
        }
    }
}

/// The future [`WasiHttpHooks::send_request`] returns.
type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<wasmtime_wasi_http::WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        mut request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        let decision = self.decide(request.uri());
        let bearer = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let original = request.uri().to_string();
        self.record(RecordedRequest {
            method: request.method().to_string(),
            url: original.clone(),
            routed_to: decision
                .as_ref()
                .filter(|u| u.to_string() != original)
                .map(ToString::to_string),
            denied: decision.is_none(),
            bearer,
        });
        let Some(target) = decision else {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        };
        *request.uri_mut() = target;
        let options = self.timeouts.bound(options);
        Box::new(async move {
            let (response, io) =
                wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_the_path_and_deny_the_rest() {
        let policy = HttpPolicy::sandbox("http://127.0.0.1:9999").unwrap();
        let routed = policy.decide(
            &"https://graph.microsoft.com/v1.0/me?$select=mail"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            routed.unwrap().to_string(),
            "http://127.0.0.1:9999/v1.0/me?$select=mail"
        );
        assert!(
            policy
                .decide(&"https://evil.example/v1.0/me".parse().unwrap())
                .is_none()
        );
        assert!(
            policy
                .decide(&"https://graph.microsoft.com.evil.example/".parse().unwrap())
                .is_none()
        );

        let real = HttpPolicy::providers();
        let same = real.decide(&"https://oauth2.googleapis.com/token".parse().unwrap());
        assert_eq!(
            same.unwrap().to_string(),
            "https://oauth2.googleapis.com/token"
        );
    }

    #[test]
    fn the_component_s_timeouts_are_kept_within_the_host_s() {
        let host = RequestTimeouts::default();
        let asked = RequestOptions {
            connect_timeout: Some(Duration::from_secs(5)),
            first_byte_timeout: Some(Duration::from_secs(900)),
            between_bytes_timeout: None,
        };
        let bound = host.bound(Some(asked));
        assert_eq!(bound.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(bound.first_byte_timeout, Some(host.first_byte));
        assert_eq!(bound.between_bytes_timeout, Some(host.between_bytes));
        assert_eq!(host.bound(None).connect_timeout, Some(host.connect));
    }

    #[test]
    fn debug_never_shows_the_bearer() {
        let request = RecordedRequest {
            method: "GET".into(),
            url: "https://graph.microsoft.com/v1.0/me".into(),
            routed_to: None,
            denied: false,
            bearer: Some("very-secret-token".into()),
        };
        assert!(!format!("{request:?}").contains("very-secret-token"));
        assert_eq!(request.host(), "graph.microsoft.com");
    }
}
