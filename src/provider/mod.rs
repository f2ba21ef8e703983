//! What differs between Google and Microsoft in their mail APIs, behind the [`MailProvider`]
//! trait: the endpoints of each mailbox operation and their orchestration. What is plain data
//! (OAuth endpoints, published limits) is in [`crate::profile`]; the rest of the crate asks
//! [`of`] for the implementation and never matches on the provider itself.

pub(crate) mod google;
pub(crate) mod microsoft;
mod state;

use crate::Error;
use crate::net::Response;
use crate::page::Step;
use crate::session::{MailApi, Session};
use crate::types::{
    AttachmentData, Folder, Message, ModifyAction, Outgoing, Provider, SavedDraft, SendAs, Sent,
    SyncRequest,
};

pub use google::Google;
pub use microsoft::Microsoft;
pub use state::SyncState;

/// Who the connected mailbox is, as the provider's profile endpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The mailbox address.
    pub email: String,
    /// The user's display name, when known.
    pub display_name: Option<String>,
}

/// One mail provider's mailbox API: the conventions a session keeps to ([`MailApi`]), and the
/// mailbox operations.
pub trait MailProvider: MailApi {
    /// The URL of the profile endpoint that names the mailbox.
    fn identity_url(&self) -> &'static str;

    /// Reads the mailbox identity from the profile endpoint's response.
    fn parse_identity(&self, response: &Response) -> Result<Identity, Error>;

    /// One sync step from the provider state `state` (absent for a first sync); the step
    /// carries the state after it. A state of another provider is refused as bad input.
    fn sync_page(
        &self,
        session: &mut Session<'_>,
        request: &SyncRequest,
        state: Option<SyncState>,
    ) -> Result<Step<SyncState>, Error>;

    /// Sends `message`, already checked against the provider's send limits
    /// ([`crate::profile::Limits::send`]); `entropy` makes
    /// its Message-ID unique. The returned record has no account: the caller adds it.
    fn send(
        &self,
        session: &mut Session<'_>,
        message: &Outgoing,
        entropy: &[u8],
    ) -> Result<Sent, Error>;

    /// The verified addresses the account may send as, the primary first.
    fn send_as(&self, session: &mut Session<'_>) -> Result<Vec<SendAs>, Error>;

    /// Every label or folder, parents before their children.
    fn list_folders(&self, session: &mut Session<'_>) -> Result<Vec<Folder>, Error>;

    /// One message in full.
    fn get_message(&self, session: &mut Session<'_>, id: &str) -> Result<Message, Error>;

    /// The messages of a thread or conversation, in any order.
    fn get_thread(&self, session: &mut Session<'_>, id: &str) -> Result<Vec<Message>, Error>;

    /// The bytes of an attachment, refused before download when over `max_bytes`.
    fn get_attachment(
        &self,
        session: &mut Session<'_>,
        message_id: &str,
        attachment_id: &str,
        max_bytes: u64,
    ) -> Result<AttachmentData, Error>;

    /// Applies `action` to every message of `ids`, in batches; one outcome per id, in order.
    fn modify(
        &self,
        session: &mut Session<'_>,
        ids: &[String],
        action: &ModifyAction,
    ) -> Result<Vec<Result<(), Error>>, Error>;

    /// Saves `message` as a new draft, or over draft `id`.
    fn save_draft(
        &self,
        session: &mut Session<'_>,
        id: Option<&str>,
        message: &Outgoing,
        entropy: &[u8],
    ) -> Result<SavedDraft, Error>;

    /// Deletes draft `id`.
    fn delete_draft(&self, session: &mut Session<'_>, id: &str) -> Result<(), Error>;

    /// Sends draft `id`.
    fn send_draft(&self, session: &mut Session<'_>, id: &str) -> Result<Sent, Error>;
}

/// The implementation of `provider`.
pub fn of(provider: Provider) -> &'static dyn MailProvider {
    match provider {
        Provider::Google => &Google,
        Provider::Microsoft => &Microsoft,
    }
}
