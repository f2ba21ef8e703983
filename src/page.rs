//! What one sync step of a provider yields, before [`crate::sync`] wraps its state in the
//! cursor and assembles the page, and how many messages a page holds.
//!
//! A step is generic over the provider's state: each provider keeps a state type of its own
//! (`crate::provider::SyncState` names them), and the providers are a higher layer than this
//! module, which therefore cannot name their types. A provider makes its step with its state
//! ([`Step::new`]), or builds the step's content first as a `Step` (whose state is `()`) and
//! gives it its state at the end ([`Step::with_state`]).

use crate::types::{Message, MessageChange, SyncRequest};

/// Messages a page holds when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The most messages a page holds.
pub const MAX_PAGE_SIZE: u32 = 500;

/// What a provider's sync step returns: the page's content and, in `state`, the provider's
/// state after the page, of the provider's own type `S` (`()` while the step is being built).
#[derive(Debug, Default)]
pub struct Step<S = ()> {
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
    pub state: S,
}

impl<S> Step<S> {
    /// A step that yields nothing and leaves `state`.
    pub fn new(state: S) -> Self {
        Step {
            messages: Vec::new(),
            deleted: Vec::new(),
            changes: Vec::new(),
            more: false,
            dropped_folders: Vec::new(),
            full_resync: None,
            reset: false,
            warnings: Vec::new(),
            state,
        }
    }

    /// The same step with `state` in place of its state.
    pub fn with_state<T>(self, state: T) -> Step<T> {
        self.map_state(|_| state)
    }

    /// The same step with its state passed through `f` (to wrap a provider's own state, say).
    pub fn map_state<T>(self, f: impl FnOnce(S) -> T) -> Step<T> {
        Step {
            messages: self.messages,
            deleted: self.deleted,
            changes: self.changes,
            more: self.more,
            dropped_folders: self.dropped_folders,
            full_resync: self.full_resync,
            reset: self.reset,
            warnings: self.warnings,
            state: f(self.state),
        }
    }
}

/// The page size a request asks for, within bounds.
pub fn page_size(request: &SyncRequest) -> u32 {
    request
        .page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE)
}
