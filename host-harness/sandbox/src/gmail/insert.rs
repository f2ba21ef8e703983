//! `users.messages.insert` and `users.messages.import` (`POST /gmail/v1/users/{userId}/messages`
//! and `…/messages/import`, and on the upload URLs): a message given whole goes into the
//! mailbox as it is, with the labels the request names, without being sent. Sources:
//! https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/insert,
//! https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/import and
//! shared/specs gmail/gmail-v1-discovery.json (`users.messages.insert`, `users.messages.import`).

use std::time::SystemTime;

use http::StatusCode;
use serde_json::json;

use super::Call;
use super::body::Fields;
use super::send::{self, MESSAGE_FIELDS, Metadata};
use super::upload::{self, Upload};
use super::{INSERT, MAIL, MODIFY};
use crate::api;
use crate::clock;
use crate::config::Provider;
use crate::mailbox::mime::Parsed;
use crate::mailbox::{Arrival, Written};
use crate::state::Shared;
use crate::wire::{self, Ordered, Refusal, Request, Response};

/// The scopes both methods accept (their `scopes` in the discovery document).
pub(super) const SCOPES: [&str; 3] = [MAIL, INSERT, MODIFY];

/// Which of the two methods a request calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    /// `messages.insert`: "similar to `IMAP APPEND`, bypassing most scanning and
    /// classification".
    Insert,
    /// `messages.import`: "with standard email delivery scanning and classification similar
    /// to receiving via SMTP".
    Import,
}

impl Method {
    /// Where the message's `internalDate` comes from when the request does not say: the time
    /// it is received for `insert`, its `Date` header for `import` (`internalDateSource`'s
    /// defaults in the discovery document).
    fn default_source(self) -> DateSource {
        match self {
            Method::Insert => DateSource::ReceivedTime,
            Method::Import => DateSource::DateHeader,
        }
    }

    /// The request type Google names in its errors about the method's parameters.
    fn request_type(self) -> &'static str {
        match self {
            Method::Insert => "InsertMessageRequest",
            Method::Import => "ImportMessageRequest",
        }
    }
}

/// An `internalDateSource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateSource {
    /// "Internal message date set to current time when received by Gmail."
    ReceivedTime,
    /// "Internal message time based on 'Date' header in email, when valid."
    DateHeader,
}

/// `POST …/messages` or `…/messages/import` with a JSON `Message` (`raw`, `labelIds`,
/// `threadId`); Google's 413 for a body over its JSON limit, as for `messages.send`.
pub(super) fn json(call: &Call<'_>, method: Method) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = wire::attempt(|| send::check_json_size(request)).and_then(|()| {
        let fields = Fields::read(&request.body, "message", &MESSAGE_FIELDS)?;
        let raw = Metadata::of(&fields)?.bytes()?;
        Given::read(&fields, raw)
    });
    match result {
        Ok(given) => file(shared, request, method, given),
        Err(refused) => *refused,
    }
}

/// The same on the upload URL (`uploadType=media` or `multipart`, the metadata a `Message`
/// without `raw`), which takes messages up to [`upload::INSERT_MAX_SIZE`].
pub(super) fn upload(call: &Call<'_>, method: Method) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result =
        wire::attempt(|| upload::read(request, upload::INSERT_MAX_SIZE)).and_then(|upload| {
            let Upload {
                metadata, media, ..
            } = upload;
            let fields = Fields::read(&metadata, "message", &MESSAGE_FIELDS)?;
            Given::read(&fields, media)
        });
    match result {
        Ok(given) => file(shared, request, method, given),
        Err(refused) => *refused,
    }
}

/// What a request gives: the message, its labels and the thread it names.
struct Given {
    raw: Vec<u8>,
    label_ids: Vec<String>,
    thread_id: Option<String>,
}

impl Given {
    /// The members of `fields` the methods read, with the message `raw`; Google's 400 when the
    /// message is empty (the same as when it is missing).
    fn read(fields: &Fields, raw: Vec<u8>) -> Result<Given, Refusal> {
        if raw.is_empty() {
            return Err(Box::new(api::google_rejected(
                "badRequest",
                "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
            )));
        }
        Ok(Given {
            raw,
            label_ids: fields.strings("labelIds")?,
            thread_id: Metadata::of(fields)?.thread_id,
        })
    }
}

/// Files `given` for the Google user and answers its `Message` (`id`, `threadId`,
/// `labelIds`). The message keeps its bytes (Gmail adds no header to it, unlike a send); it
/// has the labels asked for and no others (no `INBOX` unless named, the stricter reading of
/// both methods), joins the thread `threadId` names only by the rule of the threads guide
/// (https://developers.google.com/workspace/gmail/api/guides/threads: the thread named, a
/// `References` or `In-Reply-To` naming one of its messages, the same subject), and gets its
/// `internalDate` from `internalDateSource`.
fn file(shared: &Shared, request: &Request, method: Method, given: Given) -> Response {
    let result = date_source(request, method).and_then(|source| {
        let state = super::labels::filed(&given.label_ids)?;
        Ok((source, state))
    });
    let (source, state) = match result {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let received_ms = internal_date(&given.raw, source);
    let mut mailbox = shared.mail.of(Provider::Google);
    let thread = given
        .thread_id
        .and_then(|t| send::joined_thread(&mailbox, &t, &given.raw));
    let arrival = Arrival {
        thread,
        state,
        received_ms,
        written: Written::Final,
    };
    let id = mailbox.receive(given.raw, arrival);
    let message = mailbox.get(id.key).expect("the message was just filed");
    let answer = Ordered(vec![
        ("id", json!(super::message_id(message.id))),
        ("threadId", json!(super::message_id(message.thread))),
        ("labelIds", json!(super::label_ids(&message.state))),
    ]);
    wire::json(StatusCode::OK, &answer)
}

/// The `internalDateSource` of `request` (the method's default when absent); Google's 400 for
/// a value that is not one of the two.
fn date_source(request: &Request, method: Method) -> Result<DateSource, Refusal> {
    match request.query_param("internalDateSource") {
        None => Ok(method.default_source()),
        Some("receivedTime") => Ok(DateSource::ReceivedTime),
        Some("dateHeader") => Ok(DateSource::DateHeader),
        Some(other) => Err(Box::new(api::google_invalid(&format!(
            "Invalid value at 'internal_date_source' (type.googleapis.com/google.apps.gmail.v1.{}.InternalDateSource), \"{other}\"",
            method.request_type()
        )))),
    }
}

/// The `internalDate` of `raw` from `source`, in milliseconds since the Unix epoch: now, or
/// its `Date` "when valid" (a date that parses and is not before 1970; now otherwise).
fn internal_date(raw: &[u8], source: DateSource) -> u64 {
    let now = clock::unix_millis(SystemTime::now());
    match source {
        DateSource::ReceivedTime => now,
        DateSource::DateHeader => Parsed::new(raw)
            .date
            .and_then(|secs| u64::try_from(secs).ok())
            .map_or(now, |secs| secs * 1000),
    }
}
