//! Gmail sending. The message is written here ([`crate::compose`]) and sent raw: as JSON
//! (`messages.send`) up to 3.5 MB, through the media upload endpoint above that, up to Gmail's
//! 35 MB, through [`Session::send_mail`] (an answer lost or of the 5xx family is an outcome
//! unknown naming the Message-ID written here). A reply or forward reads the original in `raw`
//! format (one request, every header and file), and goes out with its `threadId` and
//! In-Reply-To / References so that Gmail files it in the original's thread.

use crate::Error;
use crate::compose::{self, Answering, check, rfc5322};
use crate::mime;
use crate::session::{self, Sending, Session};
use crate::types::{MailboxAddress, Message, Outgoing, ReplyMode, SendAs, Sent};

use super::messages_get::{self, Format, Raw};
use super::{Google, message, messages_send, send_as_list};

/// The verified send-as addresses, the primary first.
pub fn send_as(session: &mut Session<'_>) -> Result<Vec<SendAs>, Error> {
    let list: send_as_list::List = session.get_json(&send_as_list::url(), send_as_list::NAME)?;
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
    let request = messages_send::request(raw, thread_id.as_deref(), entropy)?;
    let sending = Sending {
        message_id: Some(message_id),
        draft_id: None,
    };
    let response = session.send_mail(request, sending)?;
    messages_send::sent(&response)
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
    let resource: Raw = session
        .get_json(&messages_get::url(id, Format::Raw), messages_get::NAME)
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
}
