//! The provider-neutral message: raw RFC 5322 bytes plus the state a mailbox keeps about them.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use super::mime::Parsed;

/// Names a message for good: its creation number in the mailbox and when it was received, from
/// which each provider derives its ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct MessageRef {
    /// When the mailbox received it, in milliseconds since the Unix epoch (first, so refs order
    /// by date).
    pub received_ms: u64,
    /// Its creation number, unique in the mailbox.
    pub key: u64,
}

/// The bytes of a message and, once asked for, their parse.
pub(crate) struct Content {
    raw: Vec<u8>,
    parsed: OnceLock<Parsed>,
}

impl Content {
    /// Wraps `raw` RFC 5322 bytes.
    pub fn new(raw: Vec<u8>) -> Arc<Content> {
        Arc::new(Content {
            raw,
            parsed: OnceLock::new(),
        })
    }

    /// The message as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The MIME structure, parsed on first use.
    pub fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| Parsed::new(&self.raw))
    }
}

/// What a mailbox's tags, flags and change numbers say about a message at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Where it is filed: Gmail label ids (except `UNREAD` and `STARRED`), or the one Graph
    /// folder tag.
    pub tags: BTreeSet<String>,
    /// Not yet read.
    pub unread: bool,
    /// Starred (Gmail) or flagged (Graph).
    pub starred: bool,
    /// Graph: its follow-up flag marked complete (`flagStatus` `complete`), which Gmail has no
    /// notion of.
    pub completed: bool,
}

/// A message in a mailbox.
#[derive(Clone)]
pub(crate) struct Message {
    /// Who it is.
    pub id: MessageRef,
    /// The first message of its thread (itself for a thread's first message).
    pub thread: MessageRef,
    /// Its bytes.
    pub content: Arc<Content>,
    /// Its tags and flags.
    pub state: Snapshot,
    /// For a draft not sent, the draft's number: the key of the message it started as. Gmail
    /// replaces a draft's message whenever the draft is saved; the draft keeps its number.
    pub draft: Option<u64>,
    /// The change number of its last change (Gmail `historyId`, Graph `changeKey`).
    pub modified: u64,
    /// The change number at which it was filed where it is: created or last moved.
    pub placed: u64,
}
