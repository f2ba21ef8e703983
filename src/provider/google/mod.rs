//! Google: the Gmail API (its OAuth profile and limits are in [`crate::profile`]).

mod attachments_get;
pub(crate) mod batch;
mod drafts;
mod errors;
pub(crate) mod get_profile;
pub(crate) mod history_list;
mod labels;
mod manage;
mod media_upload;
pub(crate) mod message;
pub(crate) mod messages_get;
pub(crate) mod messages_list;
mod messages_modify;
mod messages_send;
mod parts;
mod quota;
mod send;
mod send_as_list;
pub(crate) mod sync;
mod threads_get;
mod users_drafts;

use super::{Identity, MailProvider, SyncState};
use crate::Error;
use crate::net::{self, Request, Response};
use crate::page::Step;
use crate::session::{ErrorEnvelope, MailApi, Session};
use crate::types::{
    AttachmentData, Folder, Message, ModifyAction, Outgoing, SavedDraft, SendAs, Sent, SyncRequest,
};

/// Google accounts and Gmail.
#[derive(Debug, Clone, Copy, Default)]
pub struct Google;

/// Where the Gmail API's resources for the signed-in user start.
const API: &str = "https://gmail.googleapis.com/gmail/v1/users/me";

/// The query of `request` when it is a GET of `path` (under the API's host): what the
/// endpoint files' `recognize` read a test double's requests with.
#[cfg(test)]
fn get_query(request: &Request, path: &str) -> Option<Vec<(String, String)>> {
    let uri = url::Url::parse(&request.uri().to_string()).ok()?;
    (request.method() == http::Method::GET && uri.path() == path)
        .then(|| uri.query_pairs().into_owned().collect())
}

impl MailApi for Google {
    fn cost(&self, request: &Request) -> u64 {
        quota::cost(request)
    }

    fn batch(&self, calls: &[Request]) -> Option<Result<Request, Error>> {
        Some(batch::request(calls))
    }

    fn batch_size(&self) -> usize {
        batch::MOST
    }

    fn unbatch(&self, response: &Response, count: usize) -> Result<Vec<Option<Response>>, Error> {
        batch::answers(response, count)
    }

    /// Gmail says "slow down" with 429 and with the rate-limit reasons of a 403
    /// (https://developers.google.com/workspace/gmail/api/guides/handle-errors).
    fn throttled(&self, response: &Response) -> bool {
        response.status() == http::StatusCode::TOO_MANY_REQUESTS
            || (response.status() == http::StatusCode::FORBIDDEN
                && errors::read(response.body()).rate_limited)
    }

    fn batches_in_flight(&self) -> usize {
        batch::IN_FLIGHT
    }

    fn read_error(&self, body: &[u8]) -> ErrorEnvelope {
        errors::read(body)
    }

    fn malformed_id(&self, code: Option<&str>, message: &str) -> bool {
        errors::malformed_id(code, message)
    }
}

impl MailProvider for Google {
    fn identity_url(&self) -> &'static str {
        get_profile::URL
    }

    fn parse_identity(&self, response: &Response) -> Result<Identity, Error> {
        let profile: get_profile::Address = net::parse_json(response, "Gmail profile")?;
        Ok(Identity {
            email: profile.email_address,
            display_name: None,
        })
    }

    fn sync_page(
        &self,
        session: &mut Session<'_>,
        request: &SyncRequest,
        state: Option<SyncState>,
    ) -> Result<Step<SyncState>, Error> {
        let state = state.map(SyncState::into_google).transpose()?;
        Ok(sync::step(session, request, state)?.map_state(SyncState::Google))
    }

    fn send(
        &self,
        session: &mut Session<'_>,
        message: &Outgoing,
        entropy: &[u8],
    ) -> Result<Sent, Error> {
        send::send(session, message, entropy)
    }

    fn send_as(&self, session: &mut Session<'_>) -> Result<Vec<SendAs>, Error> {
        send::send_as(session)
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
        entropy: &[u8],
    ) -> Result<SavedDraft, Error> {
        drafts::save(session, id, message, entropy)
    }

    fn delete_draft(&self, session: &mut Session<'_>, id: &str) -> Result<(), Error> {
        drafts::delete(session, id)
    }

    fn send_draft(&self, session: &mut Session<'_>, id: &str) -> Result<Sent, Error> {
        drafts::send(session, id)
    }
}
