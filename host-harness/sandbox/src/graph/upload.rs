//! Large attachments: `POST /me/messages/{id}/attachments/createUploadSession`, and the upload
//! URL it hands out on `outlook.office.com`, which takes the file in `PUT`s of byte ranges
//! authenticated by the token in the URL alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::LOCATION;
use http::{Method, StatusCode};
use serde_json::json;

use super::input;
use super::{Call, IdType, attachments, drafts, ids};
use crate::api;
use crate::clock::{self, Utc};
use crate::config::Provider;
use crate::mailbox::draft::DraftFile;
use crate::mint;
use crate::state::Shared;
use crate::wire::{self, Ordered, Refusal, Request, Response};

/// The largest file an upload session takes (150 MB).
const MAX_FILE: u64 = 157_286_400;
/// The largest fragment one `PUT` may carry (4 MiB).
const MAX_FRAGMENT: usize = 4 * 1024 * 1024;
/// How long a session stays open after it is created or last used.
const LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Where the upload URLs live.
const OUTLOOK: &str = "https://outlook.office.com/api/v2.0";

/// One file being uploaded.
struct Session {
    /// The session's id in the upload URL.
    id: String,
    /// The draft it attaches to.
    message_key: u64,
    /// That draft's Graph id, in the form the request that opened the session asked for.
    message_id: String,
    /// The form of ids the request that opened the session asked for, which the attachment's
    /// id follows too.
    ids: IdType,
    /// The file, its bytes so far included.
    file: DraftFile,
    /// The bytes so far.
    received: Vec<u8>,
    /// The size the session was created for.
    size: u64,
}

/// The open upload sessions, by the token of their URL.
#[derive(Default)]
pub(crate) struct UploadSessions {
    open: Mutex<HashMap<String, Session>>,
    created: AtomicU64,
}

impl UploadSessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `POST /me/messages/{id}/attachments/createUploadSession` with an `AttachmentItem` (any
/// case): `201` with the `uploadSession`.
pub(super) fn create(call: &Call, message_id: &str) -> Response {
    match open(call, message_id) {
        Ok(answer) => answer,
        Err(refused) => *refused,
    }
}

/// Opens the session a `createUploadSession` asks for; the answer.
fn open(call: &Call, message_id: &str) -> Result<Response, Refusal> {
    let object = input::object(call.request)?;
    input::check_parameters(&object, &["AttachmentItem"], "createUploadSession")?;
    let item = input::nested(&object, "AttachmentItem")?
        .ok_or_else(|| input::unreadable("The parameter 'AttachmentItem' is required."))?;
    input::check_properties(
        item,
        &[
            "attachmentType",
            "name",
            "size",
            "contentType",
            "isInline",
            "contentId",
        ],
        "microsoft.graph.attachmentItem",
    )?;
    if let Some(kind) = input::string(item, "attachmentType")?
        && !kind.eq_ignore_ascii_case("file")
    {
        return Err(input::unreadable(&format!(
            "The attachmentType '{kind}' cannot be uploaded in a session; only 'file' can."
        )));
    }
    let size = input::number(item, "size")?
        .filter(|s| *s > 0)
        .ok_or_else(|| {
            input::unreadable("The AttachmentItem needs a size of at least one byte.")
        })?;
    if size > MAX_FILE {
        // Exchange's answer for a message its attachments make too big.
        return Err(Box::new(api::graph_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        )));
    }
    let file = attachments::described(item)?;
    let (message_key, message_id, salt) = {
        let mailbox = call.shared.mail.of(Provider::Microsoft);
        let key = drafts::found(&mailbox, message_id)?;
        if mailbox.get(key).is_none_or(|m| m.draft.is_none()) {
            return Err(Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidPropertySet",
                "Message is not draft.",
            )));
        }
        let message = mailbox
            .get(key)
            .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
        let id = ids::message_of(mailbox.salt(), message, call.prefer.ids);
        (key, id, *mailbox.salt())
    };
    let sessions = &call.shared.uploads;
    let number = sessions.created.fetch_add(1, Ordering::SeqCst);
    let session = Session {
        id: ids::encode(ids::Kind::Session, &salt, &[number]),
        message_key,
        message_id,
        ids: call.prefer.ids,
        file,
        received: Vec::new(),
        size,
    };
    let token = mint::jwt(
        &json!({"typ": "JWT", "alg": "RS256", "x5t": mint::random_b64(20)}),
        &json!({
            "aud": "https://outlook.office.com/api/",
            "iss": "https://outlook.office.com/api/",
            "exp": clock::unix_seconds(SystemTime::now() + LIFETIME),
            "ver": "Exchange.Callback.V1",
        }),
    );
    let url = format!(
        "{}/AttachmentSessions('{}')?authtoken={token}",
        item_url(call.shared, &session.message_id),
        session.id
    );
    sessions.lock().insert(token, session);
    let body = Ordered(vec![
        (
            "@odata.context",
            json!("https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.uploadSession"),
        ),
        ("uploadUrl", json!(url)),
        ("expirationDateTime", json!(expiry())),
        // For Outlook attachments the one range is the next byte expected.
        ("nextExpectedRanges", json!(["0"])),
    ]);
    Ok(wire::json(StatusCode::CREATED, &body))
}

/// `https://outlook.office.com/api/v2.0/Users('{object id}@{tenant id}')/Messages('{id}')`.
fn item_url(shared: &Shared, message_id: &str) -> String {
    let user = &shared.config.microsoft_user;
    format!(
        "{OUTLOOK}/Users('{}@{}')/Messages('{message_id}')",
        user.object_id(),
        user.tenant_id()
    )
}

/// When a session used now expires.
fn expiry() -> String {
    Utc::of(SystemTime::now() + LIFETIME).entra_instant()
}

/// A request to an upload URL (`outlook.office.com`): `PUT` a fragment, or `DELETE` to cancel
/// the session. The URL's token is the only credential: a request with an `Authorization`
/// header is refused (a Graph token is not one `outlook.office.com` takes).
pub(crate) fn session_request(shared: &Shared, request: &Request) -> Response {
    fragment(shared, request).unwrap_or_else(|refused| *refused)
}

/// An error of the upload URL.
fn refusal(status: StatusCode, code: &str, message: &str) -> Refusal {
    Box::new(api::outlook_error(status, code, message))
}

/// Answers one request to an upload URL.
fn fragment(shared: &Shared, request: &Request) -> Result<Response, Refusal> {
    if request.authorization().is_some() {
        return Err(refusal(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ));
    }
    let not_found = || {
        refusal(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    };
    let (message_id, session_id) = session_path(&request.path).ok_or_else(not_found)?;
    let token = request.query_param("authtoken").unwrap_or_default();
    let mut sessions = shared.uploads.lock();
    let session = sessions
        .get_mut(token)
        .filter(|s| s.id == session_id && s.message_id == message_id)
        .ok_or_else(not_found)?;
    match request.method {
        Method::PUT => {}
        Method::DELETE => {
            sessions.remove(token);
            return Ok(wire::empty(StatusCode::NO_CONTENT));
        }
        _ => {
            return Err(refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                "ErrorInvalidRequest",
                "The upload URL takes PUT and DELETE only.",
            ));
        }
    }
    let bad = |status: StatusCode, code: &str, message: String| refusal(status, code, &message);
    if request.body.len() > MAX_FRAGMENT {
        return Err(bad(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalidRequest",
            format!(
                "A fragment may carry at most {MAX_FRAGMENT} bytes; this one has {}.",
                request.body.len()
            ),
        ));
    }
    let (start, end, total) = request
        .header("content-range")
        .and_then(content_range)
        .ok_or_else(|| {
            bad(
                StatusCode::BAD_REQUEST,
                "invalidRequest",
                "The Content-Range header is missing or malformed; send 'bytes {start}-{end}/{total}'.".to_owned(),
            )
        })?;
    let next = session.received.len() as u64;
    if total != session.size {
        return Err(bad(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            format!(
                "The Content-Range total {total} is not the session's size {}.",
                session.size
            ),
        ));
    }
    if start < next {
        return Err(bad(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            "Uploaded fragment overlaps with existing data.".to_owned(),
        ));
    }
    if start > next {
        return Err(bad(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            format!("Uploaded fragment starts at {start}; the next expected byte is {next}."),
        ));
    }
    if end < start || end >= total || end - start + 1 != request.body.len() as u64 {
        return Err(bad(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            format!(
                "The Content-Range bytes {start}-{end} do not match the {} bytes of the body.",
                request.body.len()
            ),
        ));
    }
    session.received.extend_from_slice(&request.body);
    session.file.chunks.push(request.body.len() as u64);
    if (session.received.len() as u64) < session.size {
        let context = format!(
            "{OUTLOOK}/$metadata#Users('{}')/Messages('{}')/AttachmentSessions/$entity",
            encoded(&format!(
                "{}@{}",
                shared.config.microsoft_user.object_id(),
                shared.config.microsoft_user.tenant_id()
            )),
            encoded(&session.message_id)
        );
        let body = Ordered(vec![
            ("@odata.context", json!(context)),
            ("expirationDateTime", json!(expiry())),
            (
                "nextExpectedRanges",
                json!([session.received.len().to_string()]),
            ),
        ]);
        return Ok(wire::json(StatusCode::OK, &body));
    }
    let session = sessions.remove(token).ok_or_else(not_found)?;
    drop(sessions);
    complete(shared, session)
}

/// Attaches the whole file of `session` to its draft: `201 Created` naming the attachment in
/// `Location`, with no body.
fn complete(shared: &Shared, session: Session) -> Result<Response, Refusal> {
    let Session {
        message_key,
        message_id,
        ids,
        mut file,
        received,
        ..
    } = session;
    file.content = Bytes::from(received);
    let mut mailbox = shared.mail.of(Provider::Microsoft);
    let serial = drafts::edit(&mut mailbox, message_key, |draft| Ok(draft.attach(file)))?;
    let message = mailbox
        .get(message_key)
        .ok_or_else(|| Box::new(api::graph_item_not_found()))?;
    let attachment = ids::attachment(mailbox.salt(), message, serial, ids);
    drop(mailbox);
    let location = format!(
        "{}/Attachments('{attachment}')",
        item_url(shared, &message_id)
    );
    Ok(wire::with_header(
        wire::empty(StatusCode::CREATED),
        LOCATION,
        &location,
    ))
}

/// The message id and session id of an upload URL path
/// (`/api/v2.0/Users('…')/Messages('{id}')/AttachmentSessions('{id}')`, names in any case).
fn session_path(path: &str) -> Option<(String, String)> {
    let path = wire::percent_decode(path, false);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let keyed = |segment: &str, name: &str| {
        let (entity, key) = segment.split_once("('")?;
        let key = key.strip_suffix("')")?;
        entity.eq_ignore_ascii_case(name).then(|| key.to_owned())
    };
    match segments.as_slice() {
        [api, version, user, message, session]
            if api.eq_ignore_ascii_case("api") && version.eq_ignore_ascii_case("v2.0") =>
        {
            keyed(user, "Users")?;
            Some((
                keyed(message, "Messages")?,
                keyed(session, "AttachmentSessions")?,
            ))
        }
        _ => None,
    }
}

/// `bytes {start}-{end}/{total}`.
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let range = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = range.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    Some((
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// `text` percent-encoded as the keys of an OData context URL.
fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
