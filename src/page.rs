//! What one sync step of a provider yields, before [`crate::sync`] wraps its state in the
//! cursor and assembles the page, and how many messages a page holds.

use crate::types::{Message, MessageChange, SyncRequest};

/// Messages a page holds when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The most messages a page holds.
pub const MAX_PAGE_SIZE: u32 = 500;

/// What a provider's sync step returns.
#[derive(Debug, Default)]
pub struct Step {
    /// New or changed messages.
    pub messages: Vec<Message>,
    /// Ids of messages gone.
    pub deleted: Vec<String>,
    /// State changes of messages the host already has.
    pub changes: Vec<MessageChange>,
    /// Whether another page is ready now.
    pub more: bool,
    /// Folders no longer synced, whose stored messages the host drops.
    pub dropped_folders: Vec<String>,
    /// Why a full resync began, when it did.
    pub full_resync: Option<String>,
    /// Whether the host drops everything it holds of the account first.
    pub reset: bool,
    /// What the host should know.
    pub warnings: Vec<String>,
    /// The provider's state after this page, for the cursor.
    pub state: serde_json::Value,
}

/// The page size a request asks for, within bounds.
pub fn page_size(request: &SyncRequest) -> u32 {
    request
        .page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE)
}
