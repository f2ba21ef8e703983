//! The control API: the sandbox driven over HTTP, in JSON, by a host's tests in any language.
//!
//! Its routes live under `/_sandbox/v1/`, a path no Google or Microsoft API uses (their paths
//! start with a version or a service name, and no host name starts with `_`, so the path-prefix
//! routing of [`crate::wire`] cannot take it for a provider host either). Requests there are
//! not provider traffic: they are neither logged, metered, delayed nor faulted. Every route is
//! described in `openapi.json` next to this crate's `Cargo.toml`, which the sandbox also serves
//! at `/_sandbox/v1/openapi.json`.
//!
//! Bad input (an unknown field, a missing one, a value out of range, an unknown message,
//! folder or label) is answered `400 Bad Request` (`404` for a message that is not there) with
//! `{"error": {"status", "message"}}`; the message says what was wrong.

mod mail;
mod traffic;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::Controls;
use crate::config::Provider;
use crate::wire::{self, Request, Response};

/// Where the control API's paths start.
pub(crate) const PREFIX: &str = "/_sandbox/";
/// The version segment of every route.
const VERSION: &str = "v1";
/// The OpenAPI document of this API.
pub(crate) const OPENAPI: &str = include_str!("../../openapi.json");

/// Whether `request` is for the control API: a path under [`PREFIX`] on a host that is not a
/// provider's.
pub(crate) fn is_control(request: &Request) -> bool {
    request.path.starts_with(PREFIX) && !wire::serves(&request.host)
}

/// A refusal of a control request: its status and what was wrong.
#[derive(Debug)]
pub(crate) struct Refused {
    status: StatusCode,
    message: String,
}

impl Refused {
    /// `400 Bad Request`: `message` says what was wrong.
    pub fn bad(message: impl Into<String>) -> Refused {
        Refused {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// `404 Not Found`: `message` names what is missing.
    pub fn missing(message: impl Into<String>) -> Refused {
        Refused {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// The JSON answer.
    fn answer(self) -> Response {
        let body = serde_json::json!({
            "error": { "status": self.status.as_u16(), "message": self.message }
        });
        wire::json(self.status, &body)
    }
}

/// What a control route answers.
pub(crate) type Answer = Result<Response, Refused>;

/// `200 OK` with `body` as JSON.
pub(crate) fn ok(body: &impl serde::Serialize) -> Answer {
    Ok(wire::json(StatusCode::OK, body))
}

/// `201 Created` with `body` as JSON.
pub(crate) fn created(body: &impl serde::Serialize) -> Answer {
    Ok(wire::json(StatusCode::CREATED, body))
}

/// `204 No Content`.
pub(crate) fn done() -> Answer {
    Ok(wire::empty(StatusCode::NO_CONTENT))
}

/// The request's JSON body as `T` (an empty body reads as `{}`); a body that is not JSON, or
/// not `T`, is refused with serde's account of what is wrong.
pub(crate) fn body<T: DeserializeOwned>(request: &Request) -> Result<T, Refused> {
    let bytes: &[u8] = if request.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &request.body
    };
    serde_json::from_slice(bytes).map_err(|e| Refused::bad(format!("invalid JSON body: {e}")))
}

/// Answers a control request. A control that panics (a precondition of the in-process
/// controls, such as a folder name already taken) is refused with `400` and the panic's
/// message, and prints nothing.
pub(crate) fn answer(controls: &Controls, request: &Request) -> Response {
    quiet_panics();
    QUIET.with(|quiet| quiet.set(true));
    let answered = panic::catch_unwind(AssertUnwindSafe(|| route(controls, request)));
    QUIET.with(|quiet| quiet.set(false));
    match answered {
        Ok(Ok(response)) => response,
        Ok(Err(refused)) => refused.answer(),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the control failed");
            Refused::bad(message).answer()
        }
    }
}

thread_local! {
    /// Set while a control runs: its panics are answers, not crashes worth printing.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent while a control runs and otherwise does what
/// the previous hook did.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Dispatches on the method and the path after `/_sandbox/v1/`.
fn route(controls: &Controls, request: &Request) -> Answer {
    let rest = &request.path[PREFIX.len()..];
    let segments: Vec<String> = rest
        .split('/')
        .map(|segment| wire::percent_decode(segment, false))
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let Some((&VERSION, segments)) = segments.split_first() else {
        return Err(Refused::missing(format!(
            "no control at {}: the control API is under {PREFIX}{VERSION}/",
            request.path
        )));
    };
    let method = &request.method;
    match (method, segments) {
        (&Method::GET, ["info"]) => ok(&controls.info(&base_url(request))),
        (&Method::GET, ["openapi.json"]) => Ok(wire::bytes(
            StatusCode::OK,
            "application/json; charset=utf-8",
            OPENAPI.as_bytes().to_vec(),
        )),
        (&Method::POST, ["reset"]) => {
            controls.reset();
            done()
        }
        (_, ["requests"]) => traffic::requests(controls, request),
        (_, ["latency"]) => traffic::latency(controls, request),
        (_, ["consent"]) => traffic::consent(controls, request),
        (_, ["quotas"]) => traffic::quotas(controls, request),
        (_, [provider, rest @ ..]) if Provider::from_name(provider).is_some() => {
            let provider = Provider::from_name(provider).expect("checked");
            provider_route(controls, request, provider, rest)
        }
        (_, [first, ..]) if first.contains(['.', '@']) || first.is_empty() => {
            Err(Refused::missing(format!("no control at {}", request.path)))
        }
        (_, [first, ..]) if !KNOWN.contains(first) => Err(Refused::missing(format!(
            "no control at {}: the provider segment is `google` or `microsoft`, not {first:?}",
            request.path
        ))),
        _ => Err(not_allowed(request)),
    }
}

/// The first segments of the routes that are not a provider's.
const KNOWN: [&str; 7] = [
    "info",
    "openapi.json",
    "reset",
    "requests",
    "latency",
    "consent",
    "quotas",
];

/// Dispatches the routes of one provider's mailbox, tokens and traffic.
fn provider_route(
    controls: &Controls,
    request: &Request,
    provider: Provider,
    rest: &[&str],
) -> Answer {
    let method = &request.method;
    match (method, rest) {
        (&Method::POST, ["deliver"]) => mail::deliver(controls, request, provider),
        (&Method::PUT, ["mailbox"]) => mail::reseed(controls, request, provider),
        (_, ["messages"]) => mail::messages(controls, request, provider),
        (_, ["messages", id]) => mail::message(controls, request, provider, id),
        (_, ["folders"]) => mail::folders(controls, request, provider),
        (_, ["folders", id]) => mail::folder(controls, request, provider, id),
        (&Method::GET, ["sent"]) => mail::sent(controls, provider),
        (&Method::POST, ["expire-sync"]) => {
            match provider {
                Provider::Google => controls.expire_history(),
                Provider::Microsoft => controls.expire_delta(),
            }
            done()
        }
        (_, ["tokens", action]) => traffic::tokens(controls, request, provider, action),
        (_, ["faults"]) => traffic::faults(controls, request, provider),
        (_, ["random-faults"]) => traffic::random_faults(controls, request, provider),
        (_, ["deliver" | "mailbox" | "sent" | "expire-sync"]) => Err(not_allowed(request)),
        _ => Err(Refused::missing(format!("no control at {}", request.path))),
    }
}

/// `405 Method Not Allowed` for a route that exists with other methods.
pub(crate) fn not_allowed(request: &Request) -> Refused {
    Refused {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!("{} is not allowed on {}", request.method, request.path),
    }
}

/// `http://` and the `Host` the request was sent to: the base URL the caller reaches the
/// sandbox at.
fn base_url(request: &Request) -> String {
    let host = request.header("host").unwrap_or("127.0.0.1");
    format!("http://{host}")
}
