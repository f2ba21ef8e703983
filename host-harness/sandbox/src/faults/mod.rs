//! Injected faults: what a fault does to a mail API request ([`FaultKind`]), which requests it
//! hits (the next ones matching a path, [`Fault`], or a seeded share of all, [`RandomFaults`]),
//! and the answer it makes of the request.

mod draw;
mod pages;
mod status;

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http_body_util::Full;

use crate::config::Provider;
use crate::delivery::Outcome;
use crate::wire::{self, Response};

pub(crate) use draw::Draws;
pub(crate) use pages::google_page;

/// What to do instead of answering the next requests that match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Whose API: requests to `gmail.googleapis.com`, or to `graph.microsoft.com` and the
    /// attachment upload URLs on `outlook.office.com`.
    pub provider: Provider,
    /// A text the request's path and query must contain (`""` matches every request). The
    /// requests inside a Graph JSON batch or a Gmail batch are matched by their own paths,
    /// after the batch.
    pub path_contains: String,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// How many matching requests get the fault.
    pub times: usize,
}

/// What a [`Fault`] (or a [`RandomFaults`] draw) does to a request.
///
/// Inside a batch (a Graph JSON batch, a Gmail batch) a status is the answer of the one
/// request that drew it; every other kind acts on the whole batch's answer (the first such
/// kind drawn in the batch), its own request applied or not as the kind says, the batch's
/// other requests applied as they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and that provider's own error body for it, with a `Retry-After`
    /// header of `retry_after` seconds when given (and, for Gmail's rate limits, the time to
    /// retry after in the message). The request is not applied, except with 504: a gateway
    /// timeout says the service did not answer in time, not that it did nothing.
    Status {
        /// The HTTP status.
        status: u16,
        /// The seconds to wait before retrying.
        retry_after: Option<u32>,
    },
    /// Close the connection without answering, and without applying the request: nothing
    /// changes in the mailbox.
    ClosedBeforeApplied,
    /// Apply the request, then close the connection without answering: the client sees a
    /// connection error though the change was made.
    ResponseLost,
    /// Apply the request and never answer it: the connection stays open, silent, until the
    /// sandbox is dropped or ten minutes have passed, then closes. It does not hold up other
    /// requests.
    NoAnswer,
    /// Apply the request and send its real answer, the head at once and the body slowly, at
    /// `bytes_per_second` (at least one byte a second), a tenth of a second's bytes at a time.
    SlowBody {
        /// The pace of the body.
        bytes_per_second: u32,
    },
    /// Apply the request and send its real answer's head, with the full `Content-Length`, and
    /// the first half of its body; then close the connection. An answer without a body is lost
    /// whole, as with [`FaultKind::ResponseLost`].
    TruncatedBody,
    /// Apply the request and answer `200 OK` with the first half of its real body, which is
    /// no valid JSON, under a `Content-Length` that matches what is sent.
    InvalidJson,
    /// Answer with the HTML error page of the proxy or load balancer in front of the
    /// provider's API (`Content-Type: text/html`), not the API's JSON. As with a status, the
    /// request is not applied, except with 504.
    ProxyHtml {
        /// The HTTP status.
        status: u16,
    },
}

/// Faults drawn at random: each mail API request to a provider (each request inside a batch
/// on its own; not the batch request itself) draws from a generator seeded with `seed`, and
/// gets one of `kinds`, picked evenly, with `probability`. The same seed and the same sequence
/// of requests give the same faults. Targeted faults ([`Fault`]) come first: a request one of
/// them matches draws nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFaults {
    /// The generator's seed.
    pub seed: u64,
    /// The chance of a fault per request, from 0 (never) to 1 (always).
    pub probability: f64,
    /// The faults to pick from (none: no faults).
    pub kinds: Vec<FaultKind>,
}

impl Fault {
    /// The next request to `provider`'s API whose path and query contain `path_contains` gets
    /// `kind` (once).
    fn once(provider: Provider, path_contains: &str, kind: FaultKind) -> Fault {
        Fault {
            provider,
            path_contains: path_contains.to_owned(),
            kind,
            times: 1,
        }
    }

    /// The next request to `provider`'s API whose path and query contain `path_contains` is
    /// answered with `status` (once, no `Retry-After`).
    pub fn status(provider: Provider, path_contains: &str, status: u16) -> Fault {
        let kind = FaultKind::Status {
            status,
            retry_after: None,
        };
        Fault::once(provider, path_contains, kind)
    }

    /// The next matching request is closed unanswered before it is applied (once).
    pub fn closed_before(provider: Provider, path_contains: &str) -> Fault {
        Fault::once(provider, path_contains, FaultKind::ClosedBeforeApplied)
    }

    /// The next matching request is applied and its answer lost (once).
    pub fn lost(provider: Provider, path_contains: &str) -> Fault {
        Fault::once(provider, path_contains, FaultKind::ResponseLost)
    }

    /// The next matching request is applied and never answered (once).
    pub fn no_answer(provider: Provider, path_contains: &str) -> Fault {
        Fault::once(provider, path_contains, FaultKind::NoAnswer)
    }

    /// The next matching request's answer comes at `bytes_per_second` (once).
    pub fn slow_body(provider: Provider, path_contains: &str, bytes_per_second: u32) -> Fault {
        let kind = FaultKind::SlowBody { bytes_per_second };
        Fault::once(provider, path_contains, kind)
    }

    /// The next matching request's answer is cut after half its body (once).
    pub fn truncated(provider: Provider, path_contains: &str) -> Fault {
        Fault::once(provider, path_contains, FaultKind::TruncatedBody)
    }

    /// The next matching request is answered `200 OK` with half its body (once).
    pub fn invalid_json(provider: Provider, path_contains: &str) -> Fault {
        Fault::once(provider, path_contains, FaultKind::InvalidJson)
    }

    /// The next matching request is answered with the front end's HTML page for `status`
    /// (once).
    pub fn proxy_html(provider: Provider, path_contains: &str, status: u16) -> Fault {
        Fault::once(provider, path_contains, FaultKind::ProxyHtml { status })
    }

    /// This fault with a `Retry-After` of `seconds` (for a status fault; other kinds have
    /// none).
    pub fn retry_after(mut self, seconds: u32) -> Fault {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// This fault for the next `times` matching requests.
    pub fn times(mut self, times: usize) -> Fault {
        self.times = times;
        self
    }
}

impl FaultKind {
    /// Every transient failure a client must survive that ends by itself: statuses 429, 500,
    /// 502, 503 and 504, a connection closed before or after the request is applied, a body cut
    /// short or not JSON, a proxy's 502 page. Not the unanswered or slow requests, which hold a
    /// client until its timeouts. The random faults of the control API and of `email-harness
    /// sandbox --fault-rate` draw from these.
    pub fn transient() -> Vec<FaultKind> {
        let status = |status| FaultKind::Status {
            status,
            retry_after: None,
        };
        vec![
            status(429),
            status(500),
            status(502),
            status(503),
            status(504),
            FaultKind::ClosedBeforeApplied,
            FaultKind::ResponseLost,
            FaultKind::TruncatedBody,
            FaultKind::InvalidJson,
            FaultKind::ProxyHtml { status: 502 },
        ]
    }

    /// The name [`crate::Controls::faults_injected`] counts this kind under: `status_429`,
    /// `closed_before_applied`, `response_lost`, `no_answer`, `slow_body`, `truncated_body`,
    /// `invalid_json`, `proxy_html_502`.
    pub fn name(&self) -> String {
        match self {
            FaultKind::Status { status, .. } => format!("status_{status}"),
            FaultKind::ClosedBeforeApplied => "closed_before_applied".to_owned(),
            FaultKind::ResponseLost => "response_lost".to_owned(),
            FaultKind::NoAnswer => "no_answer".to_owned(),
            FaultKind::SlowBody { .. } => "slow_body".to_owned(),
            FaultKind::TruncatedBody => "truncated_body".to_owned(),
            FaultKind::InvalidJson => "invalid_json".to_owned(),
            FaultKind::ProxyHtml { status } => format!("proxy_html_{status}"),
        }
    }

    /// Whether the request is applied under this fault. A 504, from the API or its front end,
    /// does not say the request did nothing: "For operations that change the state of the
    /// system, this error may be returned even if the operation has completed successfully"
    /// (google.rpc.Code `DEADLINE_EXCEEDED`, HTTP 504:
    /// https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto), and
    /// Graph's 504 is "The server, while acting as a proxy, did not receive a timely response
    /// from the upstream server" (https://learn.microsoft.com/en-us/graph/errors): the stricter
    /// reading is that the upstream went on and applied it. Other statuses and a connection
    /// closed before it are not applied; the kinds that answer, or lose, the real answer are.
    pub(crate) fn applies(&self) -> bool {
        match self {
            FaultKind::Status { status, .. } | FaultKind::ProxyHtml { status } => *status == 504,
            FaultKind::ClosedBeforeApplied => false,
            FaultKind::ResponseLost
            | FaultKind::NoAnswer
            | FaultKind::SlowBody { .. }
            | FaultKind::TruncatedBody
            | FaultKind::InvalidJson => true,
        }
    }

    /// Whether a request inside a batch can take this fault on its own, in its part of the
    /// batch's answer: a status can; every other kind is about the connection or the body,
    /// which only the whole batch has.
    pub(crate) fn fits_in_batch(&self) -> bool {
        matches!(self, FaultKind::Status { .. })
    }

    /// What `provider`'s client gets for a request under this fault, `response` being the
    /// request's real answer when it was applied ([`FaultKind::applies`]).
    pub(crate) fn outcome(&self, provider: Provider, response: Option<Response>) -> Outcome {
        match *self {
            FaultKind::Status {
                status,
                retry_after,
            } => Outcome::Answer(status::answer(provider, status, retry_after)),
            FaultKind::ClosedBeforeApplied | FaultKind::ResponseLost => Outcome::Close,
            FaultKind::NoAnswer => Outcome::Hold,
            FaultKind::ProxyHtml { status } => Outcome::Answer(pages::front_end(provider, status)),
            FaultKind::SlowBody { bytes_per_second } => {
                response.map_or(Outcome::Close, |r| Outcome::Slow(r, bytes_per_second))
            }
            FaultKind::TruncatedBody => response.map_or(Outcome::Close, Outcome::Truncated),
            FaultKind::InvalidJson => {
                response.map_or(Outcome::Close, |r| Outcome::Answer(invalid_json(r)))
            }
        }
    }

    /// The answer in its part of the batch of a request under this fault: its status answer,
    /// or (for a kind that acts on the whole batch) its real answer when it was applied, else
    /// `provider`'s 503, which the batch's fault keeps from being sent.
    pub(crate) fn part(&self, provider: Provider, response: Option<Response>) -> Response {
        match (self, response) {
            (
                FaultKind::Status {
                    status,
                    retry_after,
                },
                _,
            ) => status::answer(provider, *status, *retry_after),
            (_, Some(response)) => response,
            (_, None) => status::answer(provider, 503, None),
        }
    }
}

/// `response` as an [`FaultKind::InvalidJson`] fault sends it: `200 OK`, its headers (a JSON
/// type when it had none), and the first half of its body, which no JSON parser takes (half
/// of a JSON object or array never parses; an empty body is no JSON either).
fn invalid_json(response: Response) -> Response {
    let (mut head, body) = wire::into_parts(response);
    let half = body.slice(..body.len() / 2);
    let half = match serde_json::from_slice::<serde::de::IgnoredAny>(&half) {
        // A bare scalar cut in two may still parse ("12" of "1234"): one brace never does.
        Ok(_) => Bytes::from_static(b"{"),
        Err(_) => half,
    };
    head.status = StatusCode::OK;
    head.headers.remove(CONTENT_LENGTH);
    if !head.headers.contains_key(CONTENT_TYPE) {
        let json = HeaderValue::from_static("application/json; charset=utf-8");
        head.headers.insert(CONTENT_TYPE, json);
    }
    http::Response::from_parts(head, Full::new(half))
}
