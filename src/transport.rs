//! The one module that speaks `wasi:http`: it sends the core's requests through the host's
//! `outgoing-handler`, several at once, and waits on all of them with `wasi:io/poll`.

use crate::net::{HttpClient, Request, Response, TransportError};
use std::io::{Read, Write};
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, IncomingResponse, Method,
    OutgoingBody, OutgoingRequest, Scheme,
};
use wasi::io::streams::StreamError;

/// The largest response body the component reads (an attachment is bounded by its own limit).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// An [`HttpClient`] over the host's `wasi:http/outgoing-handler`.
#[derive(Debug, Default)]
pub struct WasiHttp;

impl HttpClient for WasiHttp {
    fn send_all(&mut self, requests: Vec<Request>) -> Vec<Result<Response, TransportError>> {
        // Start every request first, so that they are all in flight together.
        let mut pending: Vec<Option<FutureIncomingResponse>> = Vec::with_capacity(requests.len());
        let mut results: Vec<Option<Result<Response, TransportError>>> =
            Vec::with_capacity(requests.len());
        for request in requests {
            match start(request) {
                Ok(future) => {
                    pending.push(Some(future));
                    results.push(None);
                }
                Err(error) => {
                    pending.push(None);
                    results.push(Some(Err(error)));
                }
            }
        }
        // Then wait on all of them at once, and read each response as it becomes ready.
        loop {
            let waiting: Vec<(usize, wasi::io::poll::Pollable)> = pending
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|f| (i, f.subscribe())))
                .collect();
            if waiting.is_empty() {
                break;
            }
            let pollables: Vec<&wasi::io::poll::Pollable> =
                waiting.iter().map(|(_, p)| p).collect();
            let ready: Vec<usize> = wasi::io::poll::poll(&pollables)
                .into_iter()
                .filter_map(|i| waiting.get(i as usize).map(|(slot, _)| *slot))
                .collect();
            // A pollable is a child of its future: all of them go before any future is consumed.
            drop(pollables);
            drop(waiting);
            for slot in ready {
                let Some(future) = pending[slot].take() else {
                    continue;
                };
                match future.get() {
                    Some(outcome) => results[slot] = Some(finish(outcome)),
                    None => pending[slot] = Some(future),
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(TransportError::Failed("no response".to_owned()))))
            .collect()
    }
}

/// Builds the `outgoing-request`, hands it to the host and streams the body out.
fn start(request: Request) -> Result<FutureIncomingResponse, TransportError> {
    let (parts, body) = request.into_parts();
    let failed = |what: &str| TransportError::Failed(format!("cannot build the request: {what}"));
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
    let future = outgoing_handler::handle(outgoing, None).map_err(error_code)?;
    if !body.is_empty() {
        let mut stream = outgoing_body.write().map_err(|()| failed("body stream"))?;
        stream
            .write_all(&body)
            .map_err(|e| TransportError::Failed(format!("writing the request body failed: {e}")))?;
        // The host may close the stream as soon as it holds the whole body (Content-Length).
        match stream.blocking_flush() {
            Ok(()) | Err(StreamError::Closed) => {}
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(TransportError::Failed(format!(
                    "sending the request body failed: {}",
                    e.to_debug_string()
                )));
            }
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(error_code)?;
    Ok(future)
}

/// What `future-incoming-response.get` returns once the response is ready.
type Outcome = Result<Result<IncomingResponse, ErrorCode>, ()>;

/// Reads a ready response: status, headers and the whole body.
fn finish(outcome: Outcome) -> Result<Response, TransportError> {
    let incoming = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => return Err(error_code(code)),
        Err(()) => {
            return Err(TransportError::Failed(
                "the response was already taken".to_owned(),
            ));
        }
    };
    let mut builder = http::Response::builder().status(incoming.status());
    for (name, value) in incoming.headers().entries() {
        builder = builder.header(name, value);
    }
    let body = incoming
        .consume()
        .map_err(|()| TransportError::Failed("the response body was already taken".to_owned()))?;
    let bytes = read_body(&body)?;
    IncomingBody::finish(body);
    builder
        .body(bytes)
        .map_err(|e| TransportError::Failed(format!("the response was malformed: {e}")))
}

/// Reads an incoming body to its end, up to [`MAX_RESPONSE_BYTES`].
fn read_body(body: &IncomingBody) -> Result<Vec<u8>, TransportError> {
    let mut stream = body.stream().map_err(|()| {
        TransportError::Failed("the response body stream was already taken".to_owned())
    })?;
    let mut bytes = Vec::new();
    let read = stream
        .by_ref()
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut bytes);
    drop(stream);
    read.map_err(|e| TransportError::Failed(format!("reading the response failed: {e}")))?;
    if bytes.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(TransportError::Failed(format!(
            "the response is larger than {MAX_RESPONSE_BYTES} bytes"
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
        other => TransportError::Failed(format!("{other:?}")),
    }
}
