//! Outlook sending through Graph drafts, so that replies and forwards stay in their
//! conversation (`sendMail` cannot set In-Reply-To): a new message is created as a draft
//! (`POST /me/messages`); a reply, reply all or forward starts from `createReply`,
//! `createReplyAll` or `createForward` (Graph quotes the original, carries a forward's files and
//! sets the threading headers), then the draft is updated with the new text and recipients.
//! Files under 3 MB are attached in one request each (several at once); bigger ones go through
//! an upload session in chunks of at most 4 MB, to the pre-authenticated URL Graph hands out,
//! without the account's token. Then `POST /me/messages/{id}/send`. The draft's immutable id
//! and conversation id name the sent message.

use super::message::{self, GraphMessage};
use super::{API, immutable_ids, segment};
use crate::Error;
use crate::compose::{SendLimits, reply, same_address};
use crate::net;
use crate::provider;
use crate::session::{self, Session};
use crate::types::{Attachment, MailboxAddress, Message, Outgoing, Reference, ReplyMode, Sent};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// Exchange Online takes messages of up to 150 MB as encoded (attachments in base64), and an
/// upload session files of up to 150 MB.
pub const LIMITS: SendLimits = SendLimits {
    provider: "Outlook",
    message_bytes: 157_286_400,
    attachment_bytes: 157_286_400,
};

/// Files under 3 MB are posted whole; from 3 MB on they need an upload session.
const INLINE_MAX: usize = 3 * 1024 * 1024;

/// The largest chunk one `PUT` of an upload session may carry.
const CHUNK: usize = 4 * 1024 * 1024;

/// The hosts of Outlook upload URLs: the only ones an upload goes to.
const UPLOAD_HOSTS: &[&str] = &["outlook.office.com", "outlook.office365.com"];

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

/// Outlook's answer to a From other than the account.
pub fn aliases_unsupported() -> Error {
    Error::Unsupported(
        "Outlook send-as aliases are not supported: mail is sent as the account's own address"
            .to_owned(),
    )
}

/// Sends `message`.
pub fn send(session: &mut Session<'_>, message: &Outgoing) -> Result<Sent, Error> {
    let draft = compose(session, message)?;
    let url = format!("{API}/messages/{}/send", segment(&draft.id));
    session.send(immutable_ids(net::bodyless(Method::POST, &url)?))?;
    Ok(Sent {
        id: draft.id,
        thread_id: draft.thread_id,
        account: None,
    })
}

/// `message` as a complete draft, files attached: new, or made from the original for a reply
/// or forward.
pub fn compose(session: &mut Session<'_>, message: &Outgoing) -> Result<Message, Error> {
    let email = session.account().email.clone();
    if message
        .from
        .as_ref()
        .is_some_and(|from| !same_address(&from.address, &email))
    {
        return Err(aliases_unsupported());
    }
    let draft = match &message.original {
        None => create(session, message)?,
        Some(original) => answer(session, message, original, &email)?,
    };
    attach(session, &draft.id, &message.attachments)?;
    Ok(draft)
}

/// A new message as a draft, with everything but its files.
fn create(session: &mut Session<'_>, message: &Outgoing) -> Result<Message, Error> {
    draft(
        session,
        Method::POST,
        &format!("{API}/messages"),
        &fields(message),
    )
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

/// A reply, reply all or forward draft made by Graph from the original, then updated with the
/// new text above Graph's quote, the subject when given, and the recipients: those given, or
/// Graph's own without the account's address and without duplicates.
fn answer(
    session: &mut Session<'_>,
    message: &Outgoing,
    original: &Reference,
    email: &str,
) -> Result<Message, Error> {
    let action = match original.mode {
        ReplyMode::Reply => "createReply",
        ReplyMode::ReplyAll => "createReplyAll",
        ReplyMode::Forward => "createForward",
    };
    let url = format!("{API}/messages/{}/{action}", segment(&original.message_id));
    let made = draft(session, Method::POST, &url, &json!({}))
        .map_err(|e| provider::not_found(e, "original.message-id"))?;

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
    if !message.subject.trim().is_empty() {
        update.insert("subject".into(), json!(message.subject));
    }
    let given = !(message.to.is_empty() && message.cc.is_empty() && message.bcc.is_empty());
    let (to, cc) = if given {
        (message.to.clone(), message.cc.clone())
    } else {
        reply::tidy(made.to.clone(), made.cc.clone(), &[email.to_owned()])
    };
    update.insert("toRecipients".into(), recipients(&to));
    update.insert("ccRecipients".into(), recipients(&cc));
    if given {
        update.insert("bccRecipients".into(), recipients(&message.bcc));
    }
    if !message.reply_to.is_empty() {
        update.insert("replyTo".into(), recipients(&message.reply_to));
    }
    let url = format!("{API}/messages/{}", segment(&made.id));
    draft(session, Method::PATCH, &url, &Value::Object(update))
}

/// Sends a request whose answer is a message, and reads it.
pub fn draft(
    session: &mut Session<'_>,
    method: Method,
    url: &str,
    body: &Value,
) -> Result<Message, Error> {
    let response = session.send(immutable_ids(net::json_request(method, url, body)?))?;
    let draft: GraphMessage = net::parse_json(&response, "Graph message")?;
    Ok(message::normalize(draft, Vec::new()))
}

/// Attaches `files` to draft `id`: the small ones in one request each, all at once; the big
/// ones through upload sessions, one after the other.
pub fn attach(session: &mut Session<'_>, id: &str, files: &[Attachment]) -> Result<(), Error> {
    let url = format!("{API}/messages/{}/attachments", segment(id));
    let (small, big): (Vec<&Attachment>, Vec<&Attachment>) =
        files.iter().partition(|f| f.content.len() < INLINE_MAX);
    let requests = small
        .iter()
        .map(|file| {
            let mut body = item(file);
            body["@odata.type"] = json!("#microsoft.graph.fileAttachment");
            body["contentBytes"] = json!(STANDARD.encode(&file.content));
            net::json_request(Method::POST, &url, &body)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for response in session.send_all(requests)? {
        session::check(response)?;
    }
    for file in big {
        upload(session, &url, file)?;
    }
    Ok(())
}

/// Uploads one big file: an upload session, then its chunks in order to the session's URL.
fn upload(
    session: &mut Session<'_>,
    attachments_url: &str,
    file: &Attachment,
) -> Result<(), Error> {
    let mut item = item(file);
    item["attachmentType"] = json!("file");
    item["size"] = json!(file.content.len());
    let url = format!("{attachments_url}/createUploadSession");
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
