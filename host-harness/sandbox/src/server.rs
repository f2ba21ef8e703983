//! The HTTP/1 server: accepts loopback connections, reads each request whole, records it and
//! routes it by its `Host` header and path.

use http::{Method, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::Provider;
use crate::delivery::{self, Body, Unanswered};
use crate::state::{Received, Shared};
use crate::traffic::InFlight;
use crate::wire::{self, Request, Response};
use crate::{Controls, api, control_api, gmail, graph, oauth, profile, quota};

/// The largest request body read (Gmail accepts 35 MB messages; base64 adds a third).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Serves connections from `listener` until `stop` fires or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    controls: Controls,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                // A failed accept (e.g. out of file descriptors) only loses that connection.
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(stream, controls.clone()));
                }
            }
        }
    }
}

/// Serves the requests of one connection. A request a fault leaves unanswered ends it: hyper
/// closes the connection without writing a response when the service fails, and mid-answer
/// when the body fails.
async fn connection(stream: tokio::net::TcpStream, controls: Controls) {
    let service = service_fn(move |request| {
        let controls = controls.clone();
        async move { handle(&controls, request).await }
    });
    // A client that goes away mid-request is not the sandbox's concern.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Reads, records and answers one request, or leaves it unanswered. Control API requests are
/// answered apart: not recorded, metered, delayed nor faulted.
async fn handle(
    controls: &Controls,
    request: http::Request<Incoming>,
) -> Result<http::Response<Body>, Unanswered> {
    let shared = &*controls.shared;
    let (head, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let refused = wire::html(StatusCode::PAYLOAD_TOO_LARGE, String::new());
            return Ok(delivery::whole(refused));
        }
    };
    let request = Request::new(head, body);
    if control_api::is_control(&request) {
        return Ok(delivery::whole(control_api::answer(controls, &request)));
    }
    record(shared, &request, false);
    match api_provider(&request.host) {
        Some(provider) => {
            let meter = quota::meter(&shared.store, &request);
            let batch = batch_of(&request).is_some();
            let answer = || route(shared, &request);
            let outcome = shared
                .traffic
                .serve(provider, &request.target, meter, batch, answer)
                .await;
            delivery::deliver(outcome).await
        }
        None => Ok(delivery::whole(route(shared, &request))),
    }
}

/// Records and answers a request to `provider`'s API that came inside another: a request of a
/// Graph JSON batch or a call of a Gmail batch. It is admitted to the mailbox on its own (its
/// refusal is its answer), and its place in flight comes back with its answer, for the batch to
/// hold while its requests run together. Faults are matched against its own path and query, and
/// it draws its own random fault (the latency was the batch's); a fault that is not a status
/// acts on the whole batch's answer.
pub(crate) fn answer_inner<'a>(
    shared: &'a Shared,
    provider: Provider,
    request: &Request,
) -> (Response, Option<InFlight<'a>>) {
    record(shared, request, true);
    let flight = match shared.traffic.admit(quota::meter(&shared.store, request)) {
        Ok(flight) => flight,
        Err(refused) => return (*refused, None),
    };
    let answer = || route(shared, request);
    let response = shared
        .traffic
        .answer_inner(provider, &request.target, answer);
    (response, flight)
}

/// Adds `request` to the log of received requests, `batched` when it came inside a batch.
fn record(shared: &Shared, request: &Request, batched: bool) {
    shared.store.record(Received {
        method: request.method.to_string(),
        host: request.host.clone(),
        path: request.path.clone(),
        has_bearer: request.bearer().is_some(),
        form_keys: request.form.iter().map(|(k, _)| k.clone()).collect(),
        batched,
    });
}

/// The provider whose API `host` is (where latency, faults and counting apply). The upload URLs
/// Graph hands out for large attachments live on `outlook.office.com`: they are part of
/// Microsoft's mail API traffic, so latency, faults and the in-flight count apply to them too
/// (a fault can target them with `path_contains: "AttachmentSessions"`).
fn api_provider(host: &str) -> Option<Provider> {
    match host {
        "gmail.googleapis.com" => Some(Provider::Google),
        "graph.microsoft.com" | "outlook.office.com" => Some(Provider::Microsoft),
        _ => None,
    }
}

/// Whose batch endpoint `request` is for, if it is a batch: Gmail's `POST /batch/gmail/v1`
/// (or `/batch`), Graph's `POST /v1.0/$batch`.
fn batch_of(request: &Request) -> Option<Provider> {
    if request.method != Method::POST {
        return None;
    }
    match (request.host.as_str(), request.path.as_str()) {
        ("gmail.googleapis.com", "/batch/gmail/v1" | "/batch") => Some(Provider::Google),
        ("graph.microsoft.com", path)
            if path
                .strip_prefix("/v1.0/")
                .is_some_and(|batch| wire::percent_decode(batch, false) == "$batch") =>
        {
            Some(Provider::Microsoft)
        }
        _ => None,
    }
}

/// Dispatches on the provider host, then the path.
fn route(shared: &Shared, request: &Request) -> Response {
    let segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let get = request.method == Method::GET;
    let post = request.method == Method::POST;
    match batch_of(request) {
        Some(Provider::Google) => return gmail::batch(shared, request),
        Some(Provider::Microsoft) => return graph::batch(shared, request),
        None => {}
    }
    match (request.host.as_str(), segments.as_slice()) {
        ("accounts.google.com", ["o", "oauth2", "v2", "auth"]) if get => {
            oauth::authorize(shared, Provider::Google, None, request)
        }
        ("oauth2.googleapis.com", ["token"]) if post => {
            oauth::token(shared, Provider::Google, None, request)
        }
        ("login.microsoftonline.com", [tenant, "oauth2", "v2.0", "authorize"])
            if get && !tenant.is_empty() =>
        {
            oauth::authorize(shared, Provider::Microsoft, Some(tenant), request)
        }
        ("login.microsoftonline.com", [tenant, "oauth2", "v2.0", "token"])
            if post && !tenant.is_empty() =>
        {
            oauth::token(shared, Provider::Microsoft, Some(tenant), request)
        }
        ("gmail.googleapis.com", ["gmail", "v1", "users", user, rest @ ..]) => {
            gmail::route(shared, request, user, rest)
        }
        ("gmail.googleapis.com", ["upload", "gmail", "v1", "users", user, rest @ ..]) => {
            gmail::upload(shared, request, user, rest)
        }
        ("graph.microsoft.com", ["v1.0", "me"]) if get => profile::graph_me(shared, request),
        ("graph.microsoft.com", ["v1.0", "me"]) => api::graph_method_not_allowed(),
        ("graph.microsoft.com", ["v1.0", "me", rest @ ..]) => {
            graph::route(shared, request, rest).unwrap_or_else(|| api::graph_not_found(&segments))
        }
        ("accounts.google.com" | "oauth2.googleapis.com" | "gmail.googleapis.com", _) => {
            api::google_not_found(&request.path)
        }
        ("graph.microsoft.com", _) => api::graph_not_found(&segments),
        ("outlook.office.com", _) => graph::attachment_session(shared, request),
        ("login.microsoftonline.com", _) => oauth::microsoft_not_found(),
        _ => wire::html(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "<!DOCTYPE html><title>421 Misdirected Request</title><p>The sandbox does not serve {}.</p>",
                wire::escape_html(&request.host)
            ),
        ),
    }
}
