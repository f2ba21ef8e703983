//! Gmail sending. The message is written here ([`crate::compose`]) and sent raw: as JSON
//! (`messages.send`) up to 3.5 MB, through the media upload endpoint above that, up to Gmail's
//! 35 MB, through [`Session::send_mail`] (an answer lost or of the 5xx family is an outcome
//! unknown naming the Message-ID written here). A reply or forward reads the original in `raw`
//! format (one request, every header and file), and goes out with its `threadId` and
//! In-Reply-To / References so that Gmail files it in the original's thread.

use crate::Error;
use crate::compose::{self, Answering, check, rfc5322};
use crate::mime;
use crate::net::{self, Request};
use crate::session::{self, Sending, Session};
use crate::types::{MailboxAddress, Message, Outgoing, ReplyMode, SendAs, Sent};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use http::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;

use super::message;
use super::{API, Google};

/// Where the media upload URLs of the signed-in user's resources start (the
/// `mediaUpload.protocols.simple.path` of `messages.send`, `drafts.create` and `drafts.update`:
/// shared/specs gmail/gmail-v1-discovery.json).
pub const UPLOAD: &str = "https://gmail.googleapis.com/upload/gmail/v1/users/me";

/// Up to this many raw bytes go as JSON (base64url makes them about 4.7 MB, under the 5 MB a
/// JSON request may carry); bigger messages use the upload endpoint.
pub const JSON_MAX_RAW: usize = 3_670_016;

/// `users.settings.sendAs.list`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsList {
    #[serde(default)]
    send_as: Vec<GmailSendAs>,
}

/// A `SendAs` resource, as far as a From picker needs it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GmailSendAs {
    send_as_email: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    is_default: bool,
    #[serde(default)]
    verification_status: Option<String>,
}

/// A `Message` in `raw` format, or the answer of `messages.send`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    raw: Option<String>,
}

/// The verified send-as addresses, the primary first.
pub fn send_as(session: &mut Session<'_>) -> Result<Vec<SendAs>, Error> {
    let list: SendAsList = session.get_json(&format!("{API}/settings/sendAs"), "Gmail sendAs")?;
    let mut addresses: Vec<SendAs> = list
        .send_as
        .into_iter()
        .filter(|a| a.is_primary || a.verification_status.as_deref() == Some("accepted"))
        .map(|a| SendAs {
            address: a.send_as_email,
            display_name: a.display_name.filter(|n| !n.trim().is_empty()),
            primary: a.is_primary,
            default: a.is_default,
        })
        .collect();
    addresses.sort_by_key(|a| !a.primary);
    Ok(addresses)
}

/// A message written out, with the thread it answers in.
pub struct Prepared {
    /// The RFC 5322 bytes.
    pub raw: Vec<u8>,
    /// The original's thread, for a reply or forward.
    pub thread_id: Option<String>,
    /// The Message-ID written into it, without angle brackets.
    pub message_id: String,
}

/// Writes `message` out: its From checked against the account and its aliases, and for a reply
/// or forward the original read and answered; the result within Gmail's size limit.
pub fn prepare(
    session: &mut Session<'_>,
    message: &Outgoing,
    entropy: &[u8],
) -> Result<Prepared, Error> {
    let account = session.account().clone();
    let mode = message.original.as_ref().map(|o| o.mode);
    let alias = message
        .from
        .as_ref()
        .filter(|f| !compose::same_address(&f.address, &account.email));
    let aliases = if alias.is_some() || mode == Some(ReplyMode::ReplyAll) {
        send_as(session)?
    } else {
        Vec::new()
    };
    let from = sender(
        message.from.as_ref(),
        &account.email,
        &account.display_name,
        &aliases,
    )?;
    let mut own: Vec<String> = aliases.iter().map(|a| a.address.clone()).collect();
    own.push(account.email.clone());

    let original = match &message.original {
        Some(reference) => Some(original(session, &reference.message_id)?),
        None => None,
    };
    let answering = original
        .as_ref()
        .zip(mode)
        .map(|((message, _), mode)| Answering {
            original: message,
            mode,
        });
    let carried = original
        .as_ref()
        .map(|(_, files)| files.as_slice())
        .unwrap_or_default();
    let message_id = compose::message_id(entropy, &from.address);
    let composed = compose::compose(
        message,
        from.clone(),
        &own,
        answering,
        carried,
        message_id.clone(),
        session.now(),
    );
    let raw = rfc5322::write(&composed);
    check::message_size(raw.len() as u64, &crate::profile::GOOGLE.limits.send)?;
    Ok(Prepared {
        raw,
        thread_id: original.and_then(|(m, _)| m.thread_id),
        message_id,
    })
}

/// Sends `message`.
pub fn send(session: &mut Session<'_>, message: &Outgoing, entropy: &[u8]) -> Result<Sent, Error> {
    let Prepared {
        raw,
        thread_id,
        message_id,
    } = prepare(session, message, entropy)?;
    let request = if raw.len() <= JSON_MAX_RAW {
        net::json_request(
            Method::POST,
            &format!("{API}/messages/send"),
            &raw_message(&raw, thread_id.as_deref()),
        )?
    } else {
        let metadata = thread_id.map(|thread| json!({ "threadId": thread }));
        upload(
            Method::POST,
            &format!("{UPLOAD}/messages/send"),
            raw,
            metadata,
            entropy,
        )?
    };
    let sending = Sending {
        message_id: Some(message_id),
        draft_id: None,
    };
    let response = session.send_mail(request, sending)?;
    sent(&response)
}

/// A `Message` resource carrying `raw` (base64url) and the thread.
pub fn raw_message(raw: &[u8], thread_id: Option<&str>) -> serde_json::Value {
    let mut body = json!({ "raw": URL_SAFE_NO_PAD.encode(raw) });
    if let Some(thread) = thread_id {
        body["threadId"] = json!(thread);
    }
    body
}

/// The sent message's ids, from the `Message` Gmail answers with.
pub fn sent(response: &net::Response) -> Result<Sent, Error> {
    let sent: RawMessage = net::parse_json(response, "Gmail message")?;
    Ok(Sent {
        id: sent.id,
        thread_id: sent.thread_id,
        account: None,
    })
}

/// The From of the message: the account, or one of its verified aliases (with the alias's
/// display name when the host gives none).
fn sender(
    asked: Option<&MailboxAddress>,
    email: &str,
    display_name: &Option<String>,
    aliases: &[SendAs],
) -> Result<MailboxAddress, Error> {
    let Some(asked) = asked else {
        return Ok(MailboxAddress {
            name: display_name.clone(),
            address: email.to_owned(),
        });
    };
    if compose::same_address(&asked.address, email) {
        return Ok(MailboxAddress {
            name: asked.name.clone().or_else(|| display_name.clone()),
            address: email.to_owned(),
        });
    }
    let alias = aliases
        .iter()
        .find(|a| compose::same_address(&a.address, &asked.address))
        .ok_or_else(|| {
            Error::invalid(
                "from.address",
                "is neither the account's address nor one of its verified Gmail send-as aliases",
            )
        })?;
    Ok(MailboxAddress {
        name: asked.name.clone().or_else(|| alias.display_name.clone()),
        address: alias.address.clone(),
    })
}

/// The original of a reply or forward, read in `raw` format: the message and its files.
fn original(
    session: &mut Session<'_>,
    id: &str,
) -> Result<(Message, Vec<crate::types::Attachment>), Error> {
    let url = format!("{API}/messages/{}?format=raw", net::path_segment(id));
    let resource: RawMessage = session
        .get_json(&url, "Gmail message")
        .map_err(|e| session::not_found(&Google, e, "original.message-id"))?;
    let raw = resource
        .raw
        .as_deref()
        .and_then(message::decode_data)
        .and_then(|bytes| mime::whole(&bytes))
        .ok_or_else(|| {
            Error::malformed(Some(200), "the original's raw message could not be read")
        })?;
    let message = Message {
        text_body: raw.text,
        html_body: raw.html,
        ..raw.envelope.into_message(resource.id, resource.thread_id)
    };
    Ok((message, raw.files))
}

/// A media upload of `raw` to `url`: `uploadType=multipart` with `metadata` (the resource
/// the method takes, such as a `Message` with its `threadId`) as JSON, or `uploadType=media`
/// when there is none. The multipart envelope is Google's upload protocol (RFC 2387
/// `multipart/related`), not part of the mail.
pub fn upload(
    method: Method,
    url: &str,
    raw: Vec<u8>,
    metadata: Option<serde_json::Value>,
    entropy: &[u8],
) -> Result<Request, Error> {
    let builder = http::Request::builder()
        .method(method)
        .header(http::header::ACCEPT, "application/json");
    let request = match metadata {
        None => builder
            .uri(format!("{url}?uploadType=media"))
            .header(CONTENT_TYPE, "message/rfc822")
            .body(raw),
        Some(metadata) => {
            let boundary = boundary(&raw, entropy);
            let mut body = Vec::with_capacity(raw.len() + 256);
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&raw);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            builder
                .uri(format!("{url}?uploadType=multipart"))
                .header(
                    CONTENT_TYPE,
                    format!("multipart/related; boundary={boundary}"),
                )
                .body(body)
        }
    };
    request.map_err(|e| Error::transport(format!("cannot build the upload request: {e}")))
}

/// A multipart boundary that does not occur in `raw`.
fn boundary(raw: &[u8], entropy: &[u8]) -> String {
    let seed: String = entropy.iter().map(|b| format!("{b:02x}")).collect();
    (0..)
        .map(|n| format!("upload_{seed}_{n}"))
        .find(|b| !raw.windows(b.len()).any(|w| w == b.as_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(address: &str, name: Option<&str>) -> SendAs {
        SendAs {
            address: address.into(),
            display_name: name.map(str::to_owned),
            primary: false,
            default: false,
        }
    }

    #[test]
    fn from_is_the_account_or_a_verified_alias() {
        let aliases = [alias("sales@example.com", Some("Sales"))];
        let me = Some("Ann".to_owned());
        let account = sender(None, "ann@example.com", &me, &aliases).unwrap();
        assert_eq!(
            (account.name.as_deref(), account.address.as_str()),
            (Some("Ann"), "ann@example.com")
        );
        let asked = MailboxAddress {
            name: None,
            address: "SALES@example.com".into(),
        };
        let via_alias = sender(Some(&asked), "ann@example.com", &me, &aliases).unwrap();
        assert_eq!(
            (via_alias.name.as_deref(), via_alias.address.as_str()),
            (Some("Sales"), "sales@example.com")
        );
        let stranger = MailboxAddress {
            name: None,
            address: "ceo@example.com".into(),
        };
        assert!(matches!(
            sender(Some(&stranger), "ann@example.com", &me, &aliases),
            Err(Error::InvalidInput { field, .. }) if field == "from.address"
        ));
    }

    #[test]
    fn uploads_carry_the_thread_in_metadata() {
        let raw = b"Subject: x\r\n\r\nbody upload_0a_0 body".to_vec();
        let url = format!("{UPLOAD}/messages/send");
        let thread = Some(json!({ "threadId": "t-1" }));
        let request = upload(Method::POST, &url, raw.clone(), thread, &[0x0a]).unwrap();
        assert_eq!(
            request.uri(),
            "https://gmail.googleapis.com/upload/gmail/v1/users/me/messages/send?uploadType=multipart"
        );
        let content_type = request.headers()[CONTENT_TYPE].to_str().unwrap();
        assert_eq!(content_type, "multipart/related; boundary=upload_0a_1");
        let body = String::from_utf8(request.body().clone()).unwrap();
        assert!(body.starts_with("--upload_0a_1\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"threadId\":\"t-1\"}\r\n"), "{body}");
        assert!(
            body.ends_with("body upload_0a_0 body\r\n--upload_0a_1--\r\n"),
            "{body}"
        );

        let media = upload(Method::POST, &url, raw.clone(), None, &[1]).unwrap();
        assert_eq!(media.headers()[CONTENT_TYPE], "message/rfc822");
        assert_eq!(media.body(), &raw);
    }
}
