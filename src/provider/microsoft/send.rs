//! Outlook sending through Graph drafts, so that replies and forwards stay in their
//! conversation (`sendMail` cannot set In-Reply-To): a new message is created as a draft
//! (`POST /me/messages`); a reply, reply all or forward reads the original, then starts from
//! `createReply`, `createReplyAll` or `createForward` (Graph quotes the original, carries a
//! forward's files and sets the threading headers), and the draft is updated with the new text,
//! the subject and the recipients by the rules of [`reply`], as for Gmail. Each file goes in one
//! `POST …/attachments` when that request fits Graph's 4 MB (several at once); bigger ones go
//! through an upload session in chunks of at most 4 MB, to the pre-authenticated URL Graph hands
//! out, without the account's token. Then `POST /me/messages/{id}/send`, through
//! [`Session::send_mail`]: an answer lost or of the 5xx family is an outcome unknown that names
//! the draft, which is kept; a draft made for a send that definitely failed is deleted. The
//! draft's immutable id and conversation id name the sent message.

use super::message::{self, GraphMessage};
use super::{Microsoft, attachments, messages_get, messages_write};
use crate::Error;
use crate::compose::{reply, same_address};
use crate::net;
use crate::session::{self, Sending, Session};
use crate::types::{Attachment, MailboxAddress, Message, Outgoing, Reference, ReplyMode, Sent};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// The largest request body Graph takes: "4 MB", read the stricter way (4,000,000 bytes). A
/// file whose `POST …/attachments` (its bytes in base64, in JSON) would be longer goes through
/// an upload session ("If the file size is under 3 MB, do a single POST … between 3 MB and 150
/// MB, create an upload session": https://learn.microsoft.com/en-us/graph/outlook-large-attachments;
/// the 4 MB request limit: https://github.com/microsoftgraph/microsoft-graph-docs/issues/85).
const REQUEST_MAX: usize = 4_000_000;

/// The largest chunk one `PUT` of an upload session may carry ("up to 4 MB each time":
/// https://learn.microsoft.com/en-us/graph/api/attachment-createuploadsession).
const CHUNK: usize = 4 * 1024 * 1024;

/// The hosts of Outlook upload URLs: the only ones an upload goes to.
const UPLOAD_HOSTS: &[&str] = &["outlook.office.com", "outlook.office365.com"];

/// The original's properties a reply or forward needs: who wrote to whom, and the subject.
const ORIGINAL_SELECT: &str = "id,subject,from,toRecipients,ccRecipients,replyTo";

/// An `uploadSession`, or the answer to one of its chunks (Outlook's upload host has been seen
/// answering in Pascal case, so both spellings are read).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadSession {
    #[serde(default, alias = "UploadUrl")]
    upload_url: Option<String>,
    #[serde(default, alias = "NextExpectedRanges")]
    next_expected_ranges: Vec<String>,
}

/// Outlook's answer to a From other than the account, or to `list-send-as` (`feature`).
pub fn aliases_unsupported(feature: &str) -> Error {
    Error::unsupported(
        feature,
        "Outlook send-as aliases are not supported: mail is sent as the account's own address",
    )
}

/// Sends `message`. The draft it is sent from is deleted when the send definitely failed, and
/// kept (and named) when its outcome is unknown.
pub fn send(session: &mut Session<'_>, message: &Outgoing) -> Result<Sent, Error> {
    let draft = compose(session, message)?;
    let sending = Sending {
        message_id: draft.message_id.clone(),
        draft_id: Some(draft.id.clone()),
    };
    match send_draft(session, &draft.id, sending) {
        Ok(()) => Ok(Sent {
            id: draft.id,
            thread_id: draft.thread_id,
            account: None,
        }),
        Err(unknown @ Error::OutcomeUnknown { .. }) => Err(unknown),
        Err(error) => Err(discard(session, &draft.id, error)),
    }
}

/// `POST /me/messages/{id}/send`, through [`Session::send_mail`].
pub fn send_draft(session: &mut Session<'_>, id: &str, sending: Sending) -> Result<(), Error> {
    session.send_mail(messages_write::send(id)?, sending)?;
    Ok(())
}

/// `message` as a complete draft, files attached: new, or made from the original for a reply
/// or forward. A draft this made is deleted again when a later step fails.
pub fn compose(session: &mut Session<'_>, message: &Outgoing) -> Result<Message, Error> {
    let email = session.account().email.clone();
    if message
        .from
        .as_ref()
        .is_some_and(|from| !same_address(&from.address, &email))
    {
        return Err(aliases_unsupported("from"));
    }
    let (made, update) = match &message.original {
        None => (create(session, message)?, None),
        Some(reference) => {
            let original = original(session, &reference.message_id)?;
            let made = start_answer(session, reference)?;
            let update = answer(message, &made, &original, reference.mode, &email);
            (made, Some(update))
        }
    };
    let id = made.id.clone();
    finish(session, made, update, &message.attachments).map_err(|e| discard(session, &id, e))
}

/// Deletes draft `id`, made for a send or a save that then failed with `error`, and returns
/// `error`; when the draft cannot be deleted either, the error names it.
pub fn discard(session: &mut Session<'_>, id: &str, error: Error) -> Error {
    let deleted = messages_write::delete(id).and_then(|request| session.send(request));
    match deleted {
        Ok(_) => error,
        Err(_) => noted(
            error,
            &format!("the draft it made (id {id}) could not be deleted: delete it"),
        ),
    }
}

/// `error` with `note` added to its message.
fn noted(mut error: Error, note: &str) -> Error {
    match &mut error {
        Error::ReauthorizationRequired { message, .. }
        | Error::RetryLater { message, .. }
        | Error::OutcomeUnknown { message, .. }
        | Error::InvalidInput { message, .. }
        | Error::AuthRejected { message, .. }
        | Error::Provider { message, .. }
        | Error::Transport { message, .. }
        | Error::Unsupported { message, .. } => {
            message.push_str("; ");
            message.push_str(note);
        }
    }
    error
}

/// A new message as a draft, with everything but its files.
fn create(session: &mut Session<'_>, message: &Outgoing) -> Result<Message, Error> {
    message_call(session, messages_write::create(&fields(message))?)
}

/// The message properties of a new message (or of a plain draft being updated).
pub fn fields(message: &Outgoing) -> Value {
    let (content_type, content) = match (&message.html_body, &message.text_body) {
        (Some(html), _) => ("html", html.clone()),
        (None, text) => ("text", text.clone().unwrap_or_default()),
    };
    json!({
        "subject": message.subject,
        "body": { "contentType": content_type, "content": content },
        "toRecipients": recipients(&message.to),
        "ccRecipients": recipients(&message.cc),
        "bccRecipients": recipients(&message.bcc),
        "replyTo": recipients(&message.reply_to),
    })
}

/// The original of a reply or forward: its sender, recipients and subject.
fn original(session: &mut Session<'_>, id: &str) -> Result<Message, Error> {
    let found: GraphMessage = session
        .send(messages_get::request(id, ORIGINAL_SELECT)?)
        .and_then(|r| net::parse_json(&r, messages_get::NAME))
        .map_err(|e| session::not_found(&Microsoft, e, "original.message-id"))?;
    Ok(message::normalize(found, Vec::new()))
}

/// The reply, reply all or forward draft Graph makes from the original.
fn start_answer(session: &mut Session<'_>, reference: &Reference) -> Result<Message, Error> {
    let request = messages_write::answer(&reference.message_id, reference.mode)?;
    message_call(session, request)
        .map_err(|e| session::not_found(&Microsoft, e, "original.message-id"))
}

/// The update of Graph's answer draft `made`: the new text above Graph's quote; the subject
/// given, else the original's with one prefix ([`reply::subject`], not Graph's `RE: ` / `FW: `
/// before the original's own); the recipients given, else those [`reply::recipients`] finds
/// (Graph's `createReplyAll` leaves the account out even of a note to self, which would leave
/// none).
fn answer(
    message: &Outgoing,
    made: &Message,
    original: &Message,
    mode: ReplyMode,
    email: &str,
) -> Value {
    let mut update = serde_json::Map::new();
    let ours_html = message
        .html_body
        .clone()
        .or_else(|| message.text_body.as_deref().map(reply::text_to_html));
    let body = match (&made.html_body, ours_html) {
        (Some(quote), Some(ours)) => Some(("html", reply::prepend_html(quote, &ours))),
        (None, Some(ours)) if message.html_body.is_some() => Some((
            "html",
            format!(
                "{ours}{}",
                reply::text_to_html(made.text_body.as_deref().unwrap_or_default())
            ),
        )),
        (None, Some(_)) => Some((
            "text",
            format!(
                "{}\r\n\r\n{}",
                message.text_body.as_deref().unwrap_or_default(),
                made.text_body.as_deref().unwrap_or_default()
            ),
        )),
        (_, None) => None,
    };
    if let Some((content_type, content)) = body {
        update.insert(
            "body".into(),
            json!({ "contentType": content_type, "content": content }),
        );
    }
    let subject = match message.subject.trim().is_empty() {
        true => reply::subject(original.subject.as_deref(), mode),
        false => message.subject.clone(),
    };
    update.insert("subject".into(), json!(subject));
    let given = !(message.to.is_empty() && message.cc.is_empty() && message.bcc.is_empty());
    let (to, cc) = match (given, mode) {
        (true, _) => (message.to.clone(), message.cc.clone()),
        (false, ReplyMode::Forward) => (made.to.clone(), made.cc.clone()),
        (false, _) => reply::recipients(original, mode, &[email.to_owned()]),
    };
    update.insert("toRecipients".into(), recipients(&to));
    update.insert("ccRecipients".into(), recipients(&cc));
    if given {
        update.insert("bccRecipients".into(), recipients(&message.bcc));
    }
    if !message.reply_to.is_empty() {
        update.insert("replyTo".into(), recipients(&message.reply_to));
    }
    Value::Object(update)
}

/// Draft `made` updated with `update` (when given), then `files` attached.
fn finish(
    session: &mut Session<'_>,
    made: Message,
    update: Option<Value>,
    files: &[Attachment],
) -> Result<Message, Error> {
    let draft = match update {
        Some(update) => message_call(session, messages_write::update(&made.id, &update)?)?,
        None => made,
    };
    attach(session, &draft.id, files)?;
    Ok(draft)
}

/// Sends `request`, whose answer is a message, and reads it.
pub fn message_call(session: &mut Session<'_>, request: net::Request) -> Result<Message, Error> {
    let response = session.send(request)?;
    let draft: GraphMessage = net::parse_json(&response, messages_get::NAME)?;
    Ok(message::normalize(draft, Vec::new()))
}

/// Attaches `files` to draft `id`: those whose `POST …/attachments` fits Graph's request
/// limit in one request each, all at once; the others through upload sessions, one after the
/// other.
pub fn attach(session: &mut Session<'_>, id: &str, files: &[Attachment]) -> Result<(), Error> {
    let url = attachments::collection_url(id);
    let (small, big): (Vec<&Attachment>, Vec<&Attachment>) =
        files.iter().partition(|f| posted_size(f) <= REQUEST_MAX);
    let requests = small
        .iter()
        .map(|file| {
            let mut body = file_attachment(file);
            body["contentBytes"] = json!(STANDARD.encode(&file.content));
            net::json_request(Method::POST, &url, &body)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for response in session.send_all(requests)? {
        session::check(&Microsoft, response)?;
    }
    for file in big {
        upload(session, id, file)?;
    }
    Ok(())
}

/// A `fileAttachment` without its bytes.
fn file_attachment(file: &Attachment) -> Value {
    let mut body = item(file);
    body["@odata.type"] = json!("#microsoft.graph.fileAttachment");
    body["contentBytes"] = json!("");
    body
}

/// The length of the JSON body of `POST …/attachments` for `file`: its description, and its
/// bytes in base64 (which JSON does not escape).
fn posted_size(file: &Attachment) -> usize {
    let described = serde_json::to_vec(&file_attachment(file)).map_or(0, |v| v.len());
    described + file.content.len().div_ceil(3) * 4
}

/// Uploads one big file: an upload session, then its chunks in order to the session's URL.
fn upload(session: &mut Session<'_>, id: &str, file: &Attachment) -> Result<(), Error> {
    let mut item = item(file);
    item["attachmentType"] = json!("file");
    item["size"] = json!(file.content.len());
    let url = attachments::upload_session_url(id);
    let response = session.send(net::json_request(
        Method::POST,
        &url,
        &json!({ "AttachmentItem": item }),
    )?)?;
    let created: UploadSession = net::parse_json(&response, "Graph upload session")?;
    let upload_url = created
        .upload_url
        .ok_or_else(|| Error::malformed(Some(201), "the upload session has no uploadUrl"))?;
    let total = file.content.len();
    let mut start = next_start(&created.next_expected_ranges).unwrap_or(0);
    while start < total {
        let end = (start + CHUNK).min(total);
        let chunk = http::Request::builder()
            .method(Method::PUT)
            .uri(upload_url.as_str())
            .header(http::header::CONTENT_TYPE, "application/octet-stream")
            .header(
                http::header::CONTENT_RANGE,
                format!("bytes {start}-{}/{total}", end - 1),
            )
            .body(file.content[start..end].to_vec())
            .map_err(|_| {
                Error::malformed(Some(201), "the upload session's uploadUrl is not a URL")
            })?;
        let response = session.send_presigned(chunk, UPLOAD_HOSTS)?;
        if response.status() == http::StatusCode::CREATED {
            return Ok(());
        }
        let progress: UploadSession = net::parse_json(&response, "Graph upload chunk")?;
        start = match next_start(&progress.next_expected_ranges) {
            Some(next) if next > start => next,
            _ => end,
        };
    }
    Err(Error::malformed(
        None,
        "the upload session took every byte but did not create the attachment",
    ))
}

/// The first byte Outlook expects next (`nextExpectedRanges` holds `"{start}"` or
/// `"{start}-{end}"`).
fn next_start(ranges: &[String]) -> Option<usize> {
    ranges.first()?.split('-').next()?.trim().parse().ok()
}

/// What an attachment and an upload session's `attachmentItem` share.
fn item(file: &Attachment) -> Value {
    let mut item = json!({
        "name": file.filename,
        "contentType": file.mime_type,
        "isInline": file.content_id.is_some(),
    });
    if let Some(id) = &file.content_id {
        item["contentId"] = json!(id);
    }
    item
}

/// Graph `recipient` objects.
fn recipients(list: &[MailboxAddress]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| {
                let mut address = json!({ "address": a.address });
                if let Some(name) = &a.name {
                    address["name"] = json!(name);
                }
                json!({ "emailAddress": address })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_graph_objects() {
        let list = [
            MailboxAddress {
                name: Some("Zoë".into()),
                address: "zoe@example.com".into(),
            },
            MailboxAddress {
                name: None,
                address: "b@example.com".into(),
            },
        ];
        assert_eq!(
            recipients(&list),
            json!([
                {"emailAddress": {"name": "Zoë", "address": "zoe@example.com"}},
                {"emailAddress": {"address": "b@example.com"}}
            ])
        );
    }

    #[test]
    fn a_file_is_posted_whole_only_when_its_request_fits_4_mb() {
        let sized = |len: usize| Attachment {
            filename: "f.bin".into(),
            mime_type: "application/octet-stream".into(),
            content: vec![7; len],
            content_id: None,
        };
        for len in [0, 1, 2_990_000, 3_000_000] {
            let file = sized(len);
            let mut body = file_attachment(&file);
            body["contentBytes"] = json!(STANDARD.encode(&file.content));
            let request = net::json_request(Method::POST, "https://x/", &body).unwrap();
            assert_eq!(posted_size(&file), request.body().len(), "{len}");
        }
        assert!(posted_size(&sized(2_990_000)) <= REQUEST_MAX);
        assert!(posted_size(&sized(3_000_000)) > REQUEST_MAX);
    }

    #[test]
    fn upload_progress_reads_the_next_start() {
        assert_eq!(next_start(&["4194304".into()]), Some(4_194_304));
        assert_eq!(next_start(&["12-99".into()]), Some(12));
        assert_eq!(next_start(&[]), None);
    }

    #[test]
    fn items_say_inline_with_their_content_id() {
        let logo = Attachment {
            filename: "logo.png".into(),
            mime_type: "image/png".into(),
            content: vec![1],
            content_id: Some("logo@x".into()),
        };
        assert_eq!(
            item(&logo),
            json!({"name": "logo.png", "contentType": "image/png", "isInline": true, "contentId": "logo@x"})
        );
    }
}
