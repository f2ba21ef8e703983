//! Microsoft: Outlook mail through Microsoft Graph (the identity platform's OAuth profile and
//! Graph's limits are in [`crate::profile`]).

mod attachments;
pub(crate) mod batch;
mod drafts;
mod errors;
mod folders;
mod get_me;
mod mail_folders;
mod manage;
pub(crate) mod message;
mod messages_delta;
mod messages_get;
mod messages_list;
mod messages_write;
mod send;
pub(crate) mod sync;

use super::{Identity, MailProvider, SyncState};
use crate::Error;
use crate::net::{self, Response};
use crate::page::Step;
use crate::profile;
use crate::session::{self, ErrorEnvelope, MailApi, Session};
use crate::types::{
    AttachmentData, Folder, Message, ModifyAction, Outgoing, SavedDraft, SendAs, Sent, SyncRequest,
};
use message::{GraphAttachment, GraphMessage};
use serde::Deserialize;

/// Microsoft work, school and personal accounts, and Outlook mail through Graph.
#[derive(Debug, Clone, Copy, Default)]
pub struct Microsoft;

/// Where the Graph resources of the signed-in user start.
const API: &str = "https://graph.microsoft.com/v1.0/me";

/// A page of a Graph collection (or of a delta query).
#[derive(Deserialize)]
pub(crate) struct Collection<T> {
    /// The rows of the page.
    #[serde(default = "Vec::new")]
    pub(crate) value: Vec<T>,
    /// The next page of the round, when there is one.
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
    /// Where the next round starts, on the last page of a delta round.
    #[serde(rename = "@odata.deltaLink", default)]
    pub(crate) delta_link: Option<String>,
}

/// A link from Graph, refused unless it stays on Graph's host over HTTPS: the rule the bearer
/// token is sent by ([`net::trusted_destination`], with Graph's API hosts).
pub(crate) fn trusted(link: String) -> Result<String, Error> {
    let url = url::Url::parse(&link)
        .map_err(|_| Error::malformed(Some(200), "Graph sent an unusable link"))?;
    let hosts = profile::MICROSOFT.limits.api_hosts;
    let host = url.host_str().unwrap_or_default();
    if net::trusted_destination(url.scheme(), host, url.port(), hosts) {
        Ok(link)
    } else {
        Err(Error::Provider {
            status: None,
            code: Some("untrusted_url".to_owned()),
            message: format!(
                "Graph sent a link to {:?}; only graph.microsoft.com is followed",
                url.host_str().unwrap_or_default()
            ),
        })
    }
}

/// Normalizes messages, listing the attachments of those that have any (in JSON batches).
fn with_attachments(
    session: &mut Session<'_>,
    found: Vec<GraphMessage>,
) -> Result<Vec<crate::types::Message>, Error> {
    let wanted: Vec<usize> = (0..found.len())
        .filter(|&i| found[i].lists_files())
        .collect();
    let requests = wanted
        .iter()
        .map(|&i| {
            net::json_get(&attachments::list_url(
                &found[i].id,
                message::ATTACHMENT_SELECT,
            ))
            .map(immutable_ids)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut lists: Vec<Vec<GraphAttachment>> = (0..found.len()).map(|_| Vec::new()).collect();
    for (&index, response) in wanted.iter().zip(session.send_batched(requests)?) {
        if response.status() == http::StatusCode::NOT_FOUND {
            continue; // deleted since; the next round says so
        }
        let page: Collection<GraphAttachment> =
            net::parse_json(&session::check(&Microsoft, response)?, attachments::NAME)?;
        lists[index] = page.value;
    }
    Ok(found
        .into_iter()
        .zip(lists)
        .map(|(m, a)| message::normalize(m, a))
        .collect())
}

/// Whether Graph says a delta link's sync state is gone (410, `syncStateNotFound`,
/// `resyncRequired`, `syncStateInvalid`): the collection must be read again from the start
/// (https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset).
fn sync_state_expired(response: &Response) -> bool {
    if response.status() == http::StatusCode::GONE {
        return true;
    }
    if response.status().is_success() {
        return false;
    }
    let code = errors::code(response)
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(
        code.as_str(),
        "syncstatenotfound" | "resyncrequired" | "syncstateinvalid"
    )
}

/// `request` asking Graph for immutable ids (`Prefer: IdType="ImmutableId"`), which stay the
/// same when a message moves between folders (a draft to Sent Items, for instance).
fn immutable_ids(mut request: net::Request) -> net::Request {
    request.headers_mut().append(
        "prefer",
        http::HeaderValue::from_static("IdType=\"ImmutableId\""),
    );
    request
}

impl MailApi for Microsoft {
    /// Each request counts, each one inside a `$batch` too.
    fn cost(&self, request: &net::Request) -> u64 {
        batch::count(request).unwrap_or(1)
    }

    fn batch(&self, calls: &[net::Request]) -> Option<Result<net::Request, Error>> {
        Some(batch::request(calls))
    }

    fn batch_size(&self) -> usize {
        batch::MOST
    }

    fn unbatch(&self, response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error> {
        batch::answers(response, count)
    }

    fn read_error(&self, body: &[u8]) -> ErrorEnvelope {
        errors::read(body)
    }

    fn malformed_id(&self, code: Option<&str>, message: &str) -> bool {
        errors::malformed_id(code, message)
    }
}

impl MailProvider for Microsoft {
    fn identity_url(&self) -> &'static str {
        get_me::URL
    }

    fn parse_identity(&self, response: &Response) -> Result<Identity, Error> {
        let user: get_me::User = net::parse_json(response, get_me::NAME)?;
        // `mail` is null for accounts without an Exchange address set; the UPN is then the
        // sign-in address.
        let email = user
            .mail
            .filter(|m| !m.is_empty())
            .or(user.user_principal_name)
            .ok_or_else(|| {
                Error::malformed(
                    Some(response.status().as_u16()),
                    "Graph /me has neither mail nor userPrincipalName",
                )
            })?;
        Ok(Identity {
            email,
            display_name: user.display_name.filter(|n| !n.is_empty()),
        })
    }

    fn sync_page(
        &self,
        session: &mut Session<'_>,
        request: &SyncRequest,
        state: Option<SyncState>,
    ) -> Result<Step<SyncState>, Error> {
        let state = state.map(SyncState::into_microsoft).transpose()?;
        Ok(sync::step(session, request, state)?.map_state(SyncState::Microsoft))
    }

    fn send(
        &self,
        session: &mut Session<'_>,
        message: &Outgoing,
        _entropy: &[u8],
    ) -> Result<Sent, Error> {
        send::send(session, message)
    }

    fn send_as(&self, _session: &mut Session<'_>) -> Result<Vec<SendAs>, Error> {
        Err(send::aliases_unsupported("list-send-as"))
    }

    fn list_folders(&self, session: &mut Session<'_>) -> Result<Vec<Folder>, Error> {
        manage::list_folders(session)
    }

    fn get_message(&self, session: &mut Session<'_>, id: &str) -> Result<Message, Error> {
        manage::get_message(session, id)
    }

    fn get_thread(&self, session: &mut Session<'_>, id: &str) -> Result<Vec<Message>, Error> {
        manage::get_thread(session, id)
    }

    fn get_attachment(
        &self,
        session: &mut Session<'_>,
        message_id: &str,
        attachment_id: &str,
        max_bytes: u64,
    ) -> Result<AttachmentData, Error> {
        manage::get_attachment(session, message_id, attachment_id, max_bytes)
    }

    fn modify(
        &self,
        session: &mut Session<'_>,
        ids: &[String],
        action: &ModifyAction,
    ) -> Result<Vec<Result<(), Error>>, Error> {
        manage::modify(session, ids, action)
    }

    fn save_draft(
        &self,
        session: &mut Session<'_>,
        id: Option<&str>,
        message: &Outgoing,
        _entropy: &[u8],
    ) -> Result<SavedDraft, Error> {
        drafts::save(session, id, message)
    }

    fn delete_draft(&self, session: &mut Session<'_>, id: &str) -> Result<(), Error> {
        drafts::delete(session, id)
    }

    fn send_draft(&self, session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
        drafts::send(session, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_graph_links_are_followed() {
        assert!(trusted("https://graph.microsoft.com/v1.0/me/mailFolders('inbox')/messages/delta?$skiptoken=x".into()).is_ok());
        for bad in [
            "https://evil.example/v1.0/me/messages/delta?$skiptoken=x",
            "http://graph.microsoft.com/v1.0/x",
            "https://graph.microsoft.com.evil.example/x",
            "https://graph.microsoft.com:444/x",
        ] {
            assert!(
                matches!(trusted(bad.into()), Err(Error::Provider { code: Some(c), .. }) if c == "untrusted_url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn expired_sync_state_is_recognized() {
        let answer = |status: u16, code: &str| {
            http::Response::builder()
                .status(status)
                .body(format!(r#"{{"error":{{"code":"{code}","message":"x"}}}}"#).into_bytes())
                .unwrap()
        };
        assert!(sync_state_expired(&answer(410, "SyncStateNotFound")));
        assert!(sync_state_expired(&answer(400, "resyncRequired")));
        assert!(!sync_state_expired(&answer(400, "BadRequest")));
        assert!(!sync_state_expired(&answer(404, "ErrorItemNotFound")));
        assert_eq!(
            errors::code(&answer(404, "ErrorItemNotFound")).as_deref(),
            Some("ErrorItemNotFound")
        );
    }

    #[test]
    fn identity_falls_back_to_the_principal_name() {
        let body = br#"{"displayName":"Test User","mail":null,"userPrincipalName":"testuser@contoso.onmicrosoft.com","id":"2cd2"}"#;
        let response = http::Response::builder()
            .status(200)
            .body(body.to_vec())
            .unwrap();
        assert_eq!(
            Microsoft.parse_identity(&response).unwrap(),
            Identity {
                email: "testuser@contoso.onmicrosoft.com".into(),
                display_name: Some("Test User".into())
            }
        );
    }
}
