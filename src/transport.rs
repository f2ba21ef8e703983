//! The one module that speaks `wasi:http`: it sends the core's requests through the host's
//! `outgoing-handler`, several at once, and waits on all of them with `wasi:io/poll`.

use crate::net::{HttpClient, Request, Response, Timeouts, TransportError, TransportFailure};
use std::io::{Read, Write};
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, IncomingResponse, Method,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::streams::StreamError;

/// The largest response body the component reads (an attachment is bounded by its own limit);
/// a longer one is [`crate::net::FailureKind::TooLarge`], an error that says so, not a network
/// failure to retry.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// An [`HttpClient`] over the host's `wasi:http/outgoing-handler`.
#[derive(Debug)]
pub struct WasiHttp {
    /// The timeouts every request is sent with.
    timeouts: Timeouts,
}

impl Default for WasiHttp {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::DEFAULT,
        }
    }
}

impl HttpClient for WasiHttp {
    fn now_ms(&self) -> u64 {
        let now = wasi::clocks::wall_clock::now();
        now.seconds * 1_000 + u64::from(now.nanoseconds / 1_000_000)
    }

    fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.timeouts = timeouts;
    }

    fn sleep(&mut self, ms: u64) {
        wasi::clocks::monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
    }

    fn send_all(
        &mut self,
        requests: Vec<Request>,
        max_in_flight: usize,
    ) -> Vec<Result<Response, TransportError>> {
        let mut results: Vec<Option<Result<Response, TransportError>>> =
            (0..requests.len()).map(|_| None).collect();
        self.send_each(requests, max_in_flight, &mut |slot, outcome| {
            results[slot] = Some(outcome);
        });
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(network("no response"))))
            .collect()
    }

    fn send_each(
        &mut self,
        requests: Vec<Request>,
        max_in_flight: usize,
        each: &mut dyn FnMut(usize, Result<Response, TransportError>),
    ) {
        let limit = max_in_flight.max(1);
        let mut queue = requests.into_iter().enumerate();
        let mut in_flight: Vec<(usize, FutureIncomingResponse)> = Vec::with_capacity(limit);
        let mut done: Vec<(usize, Result<Response, TransportError>)> = Vec::new();
        let timeouts = self.timeouts;
        // Keeps the window full: starts requests until `limit` are in flight.
        let mut refill =
            |in_flight: &mut Vec<(usize, FutureIncomingResponse)>,
             done: &mut Vec<(usize, Result<Response, TransportError>)>| {
                while in_flight.len() < limit {
                    let Some((slot, request)) = queue.next() else {
                        break;
                    };
                    match start(request, &timeouts) {
                        Ok(future) => in_flight.push((slot, future)),
                        Err(error) => done.push((slot, Err(error))),
                    }
                }
            };
        refill(&mut in_flight, &mut done);
        while !in_flight.is_empty() || !done.is_empty() {
            if !in_flight.is_empty() {
                // Wait on all of them at once; a pollable is a child of its future, so every
                // pollable is dropped before any future is consumed.
                let ready: Vec<usize> = {
                    let pollables: Vec<wasi::io::poll::Pollable> =
                        in_flight.iter().map(|(_, f)| f.subscribe()).collect();
                    let refs: Vec<&wasi::io::poll::Pollable> = pollables.iter().collect();
                    wasi::io::poll::poll(&refs)
                        .into_iter()
                        .map(|i| i as usize)
                        .collect()
                };
                let mut still: Vec<(usize, FutureIncomingResponse)> = Vec::with_capacity(limit);
                for (index, (slot, future)) in in_flight.into_iter().enumerate() {
                    match ready.contains(&index).then(|| future.get()).flatten() {
                        Some(outcome) => done.push((slot, finish(outcome))),
                        None => still.push((slot, future)),
                    }
                }
                in_flight = still;
            }
            // The next requests go out before the answers are handed over, so that their
            // round trips overlap whatever `each` does with the answers.
            refill(&mut in_flight, &mut done);
            for (slot, outcome) in done.drain(..) {
                each(slot, outcome);
            }
        }
    }
}

/// Builds the `outgoing-request`, hands it to the host with `timeouts` and streams the body
/// out.
fn start(request: Request, timeouts: &Timeouts) -> Result<FutureIncomingResponse, TransportError> {
    let (parts, body) = request.into_parts();
    let failed = |what: &str| network(format!("cannot build the request: {what}"));
    let mut entries: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    if !body.is_empty() {
        entries.push((
            "content-length".to_owned(),
            body.len().to_string().into_bytes(),
        ));
    }
    let headers =
        Fields::from_list(&entries).map_err(|e| failed(&format!("header rejected ({e:?})")))?;
    let outgoing = OutgoingRequest::new(headers);
    let method = match parts.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        other => Method::Other(other.to_owned()),
    };
    let scheme = match parts.uri.scheme_str() {
        Some("http") => Scheme::Http,
        Some("https") => Scheme::Https,
        _ => return Err(failed("the URL must be http or https")),
    };
    let authority = parts
        .uri
        .authority()
        .map(|a| a.as_str())
        .ok_or_else(|| failed("the URL has no host"))?;
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    outgoing
        .set_method(&method)
        .map_err(|()| failed("method"))?;
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| failed("scheme"))?;
    outgoing
        .set_authority(Some(authority))
        .map_err(|()| failed("authority"))?;
    outgoing
        .set_path_with_query(Some(path))
        .map_err(|()| failed("path"))?;
    let outgoing_body = outgoing.body().map_err(|()| failed("body"))?;
    let future = outgoing_handler::handle(outgoing, Some(options(timeouts))).map_err(error_code)?;
    if !body.is_empty() {
        let mut stream = outgoing_body.write().map_err(|()| failed("body stream"))?;
        stream
            .write_all(&body)
            .map_err(|e| network(format!("writing the request body failed: {e}")))?;
        // The host may close the stream as soon as it holds the whole body (Content-Length).
        match stream.blocking_flush() {
            Ok(()) | Err(StreamError::Closed) => {}
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(network(format!(
                    "sending the request body failed: {}",
                    e.to_debug_string()
                )));
            }
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(error_code)?;
    Ok(future)
}

/// `timeouts` as `request-options`; a host that cannot set one keeps its own.
fn options(timeouts: &Timeouts) -> RequestOptions {
    let options = RequestOptions::new();
    let ns = |ms: u64| Some(ms.saturating_mul(1_000_000));
    // A host that does not support a timeout answers an error; the request goes anyway.
    let _ = options.set_connect_timeout(ns(timeouts.connect_ms));
    let _ = options.set_first_byte_timeout(ns(timeouts.first_byte_ms));
    let _ = options.set_between_bytes_timeout(ns(timeouts.between_bytes_ms));
    options
}

/// What `future-incoming-response.get` returns once the response is ready.
type Outcome = Result<Result<IncomingResponse, ErrorCode>, ()>;

/// Reads a ready response: status, headers and the whole body.
fn finish(outcome: Outcome) -> Result<Response, TransportError> {
    let incoming = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => return Err(error_code(code)),
        Err(()) => {
            return Err(network("the response was already taken".to_owned()));
        }
    };
    let mut builder = http::Response::builder().status(incoming.status());
    for (name, value) in incoming.headers().entries() {
        builder = builder.header(name, value);
    }
    let body = incoming
        .consume()
        .map_err(|()| network("the response body was already taken"))?;
    let bytes = read_body(&body)?;
    IncomingBody::finish(body);
    builder
        .body(bytes)
        .map_err(|e| network(format!("the response was malformed: {e}")))
}

/// Reads an incoming body to its end, up to [`MAX_RESPONSE_BYTES`].
fn read_body(body: &IncomingBody) -> Result<Vec<u8>, TransportError> {
    let mut stream = body
        .stream()
        .map_err(|()| network("the response body stream was already taken"))?;
    let mut bytes = Vec::new();
    let read = stream
        .by_ref()
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut bytes);
    drop(stream);
    read.map_err(|e| network(format!("reading the response failed: {e}")))?;
    if bytes.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(TransportError::Failed(TransportFailure::too_large(
            MAX_RESPONSE_BYTES,
        )));
    }
    Ok(bytes)
}

/// Maps a `wasi:http` error code; a denial by the host's policy is its own kind.
fn error_code(code: ErrorCode) -> TransportError {
    match code {
        ErrorCode::HttpRequestDenied => {
            TransportError::Denied("the destination is not allowed".to_owned())
        }
        other => network(format!("{other:?}")),
    }
}

/// A [`TransportError`] of the network kind.
fn network(detail: impl Into<String>) -> TransportError {
    TransportError::Failed(TransportFailure::network(detail))
}
