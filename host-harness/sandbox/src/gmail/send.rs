//! `users.messages.send`: the message as `raw` in a JSON body or on the upload URL, what Gmail
//! does with it (refuses it without recipients, puts the account's address in `From`, threads it
//! by the documented rule) and how it lands in the mailbox: a new message labelled `SENT`.

use std::collections::BTreeSet;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use mailparse::{MailAddr, MailHeader, MailHeaderMap as _};
use serde_json::json;

use super::Call;
use super::body::Fields;
use super::upload::{self, Upload};
use super::{COMPOSE, MAIL, MODIFY, SEND};
use crate::api;
use crate::clock::Utc;
use crate::config::Provider;
use crate::mailbox::compose::{self, Word};
use crate::mailbox::mime;
use crate::mailbox::model::MessageRef;
use crate::mailbox::{Mailbox, Written};
use crate::mint;
use crate::sent::{SendRoute, SentMessage};
use crate::state::Shared;
use crate::wire::{self, Ordered, Refusal, Request, Response};

/// The scopes `messages.send` accepts.
pub(super) const SCOPES: [&str; 4] = [MAIL, MODIFY, COMPOSE, SEND];
/// The largest JSON request body Google's front end reads (5 MB); bigger messages go to the
/// upload URL.
const JSON_LIMIT: usize = 5 * 1024 * 1024;
/// The members of a `Message` resource, which a send request may carry (Gmail reads `raw` and
/// `threadId`).
pub(super) const MESSAGE_FIELDS: [&str; 10] = [
    "id",
    "threadId",
    "labelIds",
    "snippet",
    "historyId",
    "internalDate",
    "payload",
    "sizeEstimate",
    "raw",
    "classificationLabelValues",
];
/// The address headers Gmail checks, as it names them in its errors.
const ADDRESS_HEADERS: [&str; 4] = ["From", "To", "Cc", "Bcc"];
/// The prefixes replies and forwards add to a subject.
const SUBJECT_PREFIXES: [&str; 3] = ["re:", "fwd:", "fw:"];

/// `POST /gmail/v1/users/{userId}/messages/send` with a JSON `Message`.
pub(super) fn json(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = check_json_size(request)
        .and_then(|()| Metadata::read(&request.body))
        .and_then(|metadata| Ok((metadata.bytes()?, metadata.thread_id)));
    match result {
        Ok((raw, thread_id)) => send(shared, raw, thread_id, SendRoute::GmailJson, None),
        Err(refused) => *refused,
    }
}

/// Google's 413 for a JSON body over the 5 MB its front end reads.
pub(super) fn check_json_size(request: &Request) -> Result<(), Refusal> {
    match request.body.len() > JSON_LIMIT {
        true => Err(Box::new(api::google_too_large(&format!(
            "Request payload size exceeds the limit: {JSON_LIMIT} bytes."
        )))),
        false => Ok(()),
    }
}

/// `POST /upload/gmail/v1/users/{userId}/messages/send?uploadType=media|multipart`.
pub(super) fn upload(call: &Call<'_>) -> Response {
    let (shared, request) = (call.shared, call.request);
    let result = upload::read(request, upload::SEND_MAX_SIZE).and_then(|upload| {
        let Upload {
            metadata,
            media,
            route,
        } = upload;
        Ok((media, Metadata::read(&metadata)?.thread_id, route))
    });
    match result {
        Ok((raw, thread_id, route)) => send(shared, raw, thread_id, route, None),
        Err(refused) => *refused,
    }
}

/// The members of a request's `Message` that Gmail reads.
pub(super) struct Metadata {
    /// `raw`, still base64.
    raw: Option<String>,
    /// Where `raw` is in the request, as errors name it.
    raw_path: String,
    /// `threadId`, unless empty.
    pub thread_id: Option<String>,
}

impl Metadata {
    /// Reads the `Message` `fields`.
    pub fn of(fields: &Fields) -> Result<Metadata, Refusal> {
        Ok(Metadata {
            raw: fields.string("raw")?,
            raw_path: fields.path_of("raw"),
            thread_id: fields.string("threadId")?.filter(|t| !t.is_empty()),
        })
    }

    /// Reads a JSON `Message` body (an empty body is an empty message); Google's 400 for what is
    /// not JSON, not an object, or names a field `Message` does not have.
    fn read(body: &[u8]) -> Result<Metadata, Refusal> {
        Metadata::of(&Fields::read(body, "message", &MESSAGE_FIELDS)?)
    }

    /// Whether the message carries `raw`.
    pub fn has_raw(&self) -> bool {
        self.raw.is_some()
    }

    /// The bytes of `raw`; Google's 400 when it is missing or not base64.
    pub fn bytes(&self) -> Result<Vec<u8>, Refusal> {
        let raw = self.raw.as_deref().ok_or_else(|| {
            Box::new(api::google_rejected(
                "badRequest",
                "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
            ))
        })?;
        decode_raw(raw, &self.raw_path)
    }
}

/// The bytes of a `raw` value at `path`: base64url or standard base64, padded or not (as
/// protobuf JSON takes bytes).
fn decode_raw(raw: &str, path: &str) -> Result<Vec<u8>, Refusal> {
    let normalized: String = raw
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(normalized).map_err(|_| {
        let start: String = raw.chars().take(20).collect();
        Box::new(api::google_invalid(&format!(
            "Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for \"{start}\""
        )))
    })
}

/// Sends `raw` for the Google user: checks its addresses, gives it the account's `From` unless
/// it is from an accepted alias, adds the `Message-ID` and `Date` it lacks, files it as `SENT`
/// in the thread `thread_id` names when it belongs there, and answers the new `Message`. A
/// draft being sent names its message `draft`: that message is deleted in the same step (the
/// draft is gone; the 404 when it went meanwhile).
pub(super) fn send(
    shared: &Shared,
    raw: Vec<u8>,
    thread_id: Option<String>,
    route: SendRoute,
    draft: Option<u64>,
) -> Response {
    let from = match check_addresses(&raw) {
        Ok(from) => from,
        Err(refused) => return *refused,
    };
    let raw = with_gmail_headers(shared, raw, from.as_deref());
    let (id, thread) = {
        let mut mailbox = shared.mail.of(Provider::Google);
        if let Some(key) = draft
            && !mailbox.delete(key)
        {
            return api::google_entity_not_found();
        }
        let thread = thread_id.and_then(|t| joined_thread(&mailbox, &t, &raw));
        let tags = BTreeSet::from(["SENT".to_owned()]);
        let id = mailbox.add(raw.clone(), thread, tags, Written::Final);
        (
            super::message_id(id),
            super::message_id(thread.unwrap_or(id)),
        )
    };
    let sent = SentMessage::read(id.clone(), thread.clone(), route, raw, &[]);
    shared.sent.record(Provider::Google, sent);
    let answer = Ordered(vec![
        ("id", json!(id)),
        ("threadId", json!(thread)),
        ("labelIds", json!(["SENT"])),
    ]);
    wire::json(StatusCode::OK, &answer)
}

/// The `From` address of `raw`, after checking its addresses (see [`addresses`]) and that there
/// is someone to send to (`Recipient address required`).
fn check_addresses(raw: &[u8]) -> Result<Option<String>, Refusal> {
    let (from, recipients) = addresses(raw)?;
    if recipients == 0 {
        return Err(Box::new(api::google_rejected(
            "invalidArgument",
            "Recipient address required",
        )));
    }
    Ok(from)
}

/// The `From` address of `raw` and how many recipients it names, after checking every address
/// header reads as addresses with a domain (Gmail's 400 `Invalid To header` otherwise).
pub(super) fn addresses(raw: &[u8]) -> Result<(Option<String>, usize), Refusal> {
    let headers = headers(raw);
    let mut from = None;
    let mut recipients = 0;
    for name in ADDRESS_HEADERS {
        for header in headers.get_all_headers(name) {
            let invalid = || {
                Box::new(api::google_rejected(
                    "invalidArgument",
                    &format!("Invalid {name} header"),
                ))
            };
            let list = mailparse::addrparse_header(header).map_err(|_| invalid())?;
            let addresses: Vec<String> = list
                .iter()
                .flat_map(|addr| match addr {
                    MailAddr::Single(info) => vec![info.addr.clone()],
                    MailAddr::Group(group) => group.addrs.iter().map(|a| a.addr.clone()).collect(),
                })
                .collect();
            if !addresses.iter().all(|a| is_address(a)) {
                return Err(invalid());
            }
            match name {
                "From" => from = from.or_else(|| addresses.into_iter().next()),
                _ => recipients += addresses.len(),
            }
        }
    }
    Ok((from, recipients))
}

/// Whether `address` is `local@domain` with a dotted domain (Gmail refuses `human@f`).
fn is_address(address: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains(char::is_whitespace)
    })
}

/// `raw` as Gmail sends it: `From` set to the account (with its name) unless `from` is the
/// account or an accepted alias, and a `Message-ID` and a `Date` when it has none.
pub(super) fn with_gmail_headers(shared: &Shared, raw: Vec<u8>, from: Option<&str>) -> Vec<u8> {
    let user = &shared.config.google_user;
    let allowed =
        from.is_some_and(|a| a.eq_ignore_ascii_case(&user.email) || shared.aliases.accepts(a));
    let (dated, identified) = {
        let headers = headers(&raw);
        (
            headers.get_first_header("Date").is_some(),
            headers.get_first_header("Message-ID").is_some(),
        )
    };
    let mut raw = raw;
    if !allowed {
        let mailbox = compose::mailbox(&user.display_name, &user.email, Some(("utf-8", Word::B)));
        raw = set_header(&raw, "From", &mailbox);
    }
    if !dated {
        raw = set_header(&raw, "Date", &Utc::of(SystemTime::now()).rfc5322());
    }
    if !identified {
        let id = format!("<CA{}@mail.gmail.com>", mint::random_b64(33));
        raw = set_header(&raw, "Message-ID", &id);
    }
    raw
}

/// The header fields of `raw` (none when they do not parse).
fn headers(raw: &[u8]) -> Vec<MailHeader<'_>> {
    mailparse::parse_headers(raw)
        .map(|(headers, _)| headers)
        .unwrap_or_default()
}

/// `raw` with its header field `name` (every occurrence, folded lines included) replaced by
/// `name: value` where the first one was, or with that field first when there was none.
fn set_header(raw: &[u8], name: &str, value: &str) -> Vec<u8> {
    let newline: &[u8] = match raw.split(|&b| b == b'\n').next() {
        Some(line) if line.ends_with(b"\r") => b"\r\n",
        _ => b"\n",
    };
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut end = 0;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        match (line.first(), fields.last_mut()) {
            (Some(b' ' | b'\t'), Some(field)) => {
                *field = &raw[end - field.len()..end + line.len()];
            }
            _ => fields.push(line),
        }
        end += line.len();
    }
    let named = |field: &[u8]| {
        field.len() > name.len()
            && field[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && field[name.len()..].trim_ascii_start().starts_with(b":")
    };
    let at = fields.iter().position(|f| named(f)).unwrap_or(0);
    let mut out = Vec::with_capacity(raw.len() + value.len() + name.len() + 4);
    for (i, field) in fields.iter().enumerate() {
        if i == at {
            out.extend_from_slice(format!("{name}: {value}").as_bytes());
            out.extend_from_slice(newline);
        }
        if !named(field) {
            out.extend_from_slice(field);
        }
    }
    if fields.is_empty() {
        out.extend_from_slice(format!("{name}: {value}").as_bytes());
        out.extend_from_slice(newline);
    }
    out.extend_from_slice(&raw[end..]);
    out
}

/// The thread `thread_id` names, if the message joins it: the thread exists, the message's
/// `In-Reply-To` or `References` names one of its messages, and the subjects match once the
/// `Re:`/`Fwd:` prefixes are gone (Gmail's rule for sent messages).
pub(super) fn joined_thread(mailbox: &Mailbox, thread_id: &str, raw: &[u8]) -> Option<MessageRef> {
    let members: Vec<_> = mailbox
        .messages()
        .filter(|m| super::message_id(m.thread) == thread_id)
        .collect();
    let first = members.first()?;
    let headers = headers(raw);
    let referenced: Vec<String> = ["In-Reply-To", "References"]
        .iter()
        .filter_map(|name| headers.get_first_value(name))
        .flat_map(|value| mime::message_ids(&value))
        .collect();
    let subject = headers.get_first_value("Subject").unwrap_or_default();
    let linked = members.iter().any(|m| {
        mime::message_ids(&m.content.parsed().message_id)
            .first()
            .is_some_and(|id| referenced.contains(id))
    });
    let same_subject = bare_subject(&subject) == bare_subject(&first.content.parsed().subject);
    (linked && same_subject).then_some(first.thread)
}

/// `subject` without the `Re:`, `Fwd:` and `Fw:` prefixes (any case, repeated) and the
/// whitespace around them.
fn bare_subject(subject: &str) -> &str {
    let mut rest = subject.trim();
    while let Some(prefix) = SUBJECT_PREFIXES.iter().find(|p| {
        rest.get(..p.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(p))
    }) {
        rest = rest[prefix.len()..].trim_start();
    }
    rest.trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_replaced_in_place_or_added_first() {
        let raw = b"Subject: hi\r\nFrom: Someone\r\n <a@b.example>\r\nTo: c@d.example\r\n\r\nFrom: body\r\n";
        let out = set_header(raw, "From", "Ann <ann@example.com>");
        assert_eq!(
            out,
            b"Subject: hi\r\nFrom: Ann <ann@example.com>\r\nTo: c@d.example\r\n\r\nFrom: body\r\n"
        );
        let out = set_header(b"To: c@d.example\n\nbody", "Date", "now");
        assert_eq!(out, b"Date: now\nTo: c@d.example\n\nbody");
    }

    #[test]
    fn subjects_compare_without_reply_prefixes() {
        assert_eq!(bare_subject("  RE: Fwd:re:  Lunch "), "Lunch");
        assert_eq!(bare_subject("Fw: FW:Lunch"), "Lunch");
        assert_eq!(bare_subject("Regarding lunch"), "Regarding lunch");
        assert!(is_address("a@b.example") && !is_address("human@f") && !is_address("x"));
    }
}
