//! The provider-neutral mailbox: messages as raw RFC 5322 bytes with their tags and flags, a
//! change log, and the generator that fills it. Gmail and Graph render the same model, each in
//! its own shape.

mod bodies;
mod compose;
mod corpus;
mod generate;
pub(crate) mod mime;
pub(crate) mod model;
mod rng;
pub(crate) mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest as _, Sha256};

use self::generate::Generator;
pub use self::generate::MailboxSpec;
pub(crate) use self::generate::{Category, Generated, Place, USER_FILES};
use self::model::{Content, Message, MessageRef, Snapshot};
use crate::config::{Provider, SandboxConfig, SandboxUser};

/// How a provider files a generated message: the tags (Gmail labels, or the Graph folder) it
/// gets.
pub(crate) type Filing = fn(&Generated) -> BTreeSet<String>;

/// What one change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// The message arrived (or was written).
    Added,
    /// The message was deleted for good.
    Deleted,
    /// Tags were added and/or removed (Gmail labels; a Graph move).
    Tagged {
        /// The tags added.
        added: Vec<String>,
        /// The tags removed.
        removed: Vec<String>,
    },
    /// The message was marked unread (`true`) or read.
    Unread(bool),
    /// The message was starred / flagged (`true`) or not.
    Starred(bool),
}

/// One entry of the change log.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    /// Its change number (Gmail history ID).
    pub number: u64,
    /// The message changed.
    pub message: MessageRef,
    /// That message's thread.
    pub thread: MessageRef,
    /// What happened.
    pub kind: ChangeKind,
    /// The message's tags and flags after the change (before it, for a deletion).
    pub state: Snapshot,
}

/// One user's mailbox.
pub(crate) struct Mailbox {
    owner: SandboxUser,
    salt: [u8; 16],
    filing: Filing,
    generator: Generator,
    messages: BTreeMap<u64, Message>,
    change: u64,
    floor: u64,
    log: Vec<Change>,
    generation: u64,
}

impl Mailbox {
    /// An empty mailbox of `owner`, at change number 1.
    pub fn new(owner: &SandboxUser, filing: Filing) -> Mailbox {
        let digest = Sha256::digest(format!("mailbox:{}", owner.email.to_ascii_lowercase()));
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&digest[..16]);
        Mailbox {
            owner: owner.clone(),
            salt,
            filing,
            generator: Generator::new(&MailboxSpec::default(), owner, 1),
            messages: BTreeMap::new(),
            change: 1,
            floor: 1,
            log: Vec::new(),
            generation: 1,
        }
    }

    /// Replaces every message with those `spec` generates. History starts afresh after them
    /// (earlier history IDs are out of range) and outstanding sync tokens expire.
    pub fn seed(&mut self, spec: &MailboxSpec) {
        self.generator = Generator::new(spec, &self.owner, self.generator.next_key());
        self.messages.clear();
        for generated in self.generator.seed(spec.messages) {
            self.change += 1;
            self.insert(generated);
        }
        self.expire_log();
        self.expire_tokens();
    }

    /// Adds `count` new inbox messages (some replies in existing threads) and returns them.
    pub fn deliver(&mut self, count: usize) -> Vec<MessageRef> {
        (0..count)
            .map(|_| {
                let generated = self.generator.arrival();
                self.change += 1;
                let id = self.insert(generated);
                self.record(id.key, ChangeKind::Added);
                id
            })
            .collect()
    }

    /// Deletes message `key` for good; false if there is no such message.
    pub fn delete(&mut self, key: u64) -> bool {
        let Some(message) = self.messages.remove(&key) else {
            return false;
        };
        self.change += 1;
        self.log.push(Change {
            number: self.change,
            message: message.id,
            thread: message.thread,
            kind: ChangeKind::Deleted,
            state: message.state,
        });
        true
    }

    /// Marks message `key` unread or read; false if there is no such message.
    pub fn set_unread(&mut self, key: u64, unread: bool) -> bool {
        self.update(key, |state| {
            (state.unread != unread).then(|| {
                state.unread = unread;
                ChangeKind::Unread(unread)
            })
        })
    }

    /// Stars (flags) message `key` or not; false if there is no such message.
    pub fn set_starred(&mut self, key: u64, starred: bool) -> bool {
        self.update(key, |state| {
            (state.starred != starred).then(|| {
                state.starred = starred;
                ChangeKind::Starred(starred)
            })
        })
    }

    /// Adds `added` and removes `removed` from message `key`'s tags; false if there is no such
    /// message. Tags already there (or already absent) change nothing.
    pub fn retag(&mut self, key: u64, added: &[&str], removed: &[&str]) -> bool {
        self.update(key, |state| {
            let added: Vec<String> = added
                .iter()
                .filter(|t| state.tags.insert((**t).to_owned()))
                .map(|t| (*t).to_owned())
                .collect();
            let removed: Vec<String> = removed
                .iter()
                .filter(|t| state.tags.remove(**t))
                .map(|t| (*t).to_owned())
                .collect();
            (!added.is_empty() || !removed.is_empty())
                .then_some(ChangeKind::Tagged { added, removed })
        })
    }

    /// Message `key`, unless deleted.
    pub fn get(&self, key: u64) -> Option<&Message> {
        self.messages.get(&key)
    }

    /// Every message, oldest first.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.values()
    }

    /// The current change number (Gmail's mailbox `historyId`).
    pub fn change(&self) -> u64 {
        self.change
    }

    /// The changes after number `start`, or `None` when the log no longer (or not yet) covers
    /// `start`.
    pub fn changes_since(&self, start: u64) -> Option<&[Change]> {
        if start < self.floor || start > self.change {
            return None;
        }
        let first = self.log.partition_point(|c| c.number <= start);
        Some(&self.log[first..])
    }

    /// Forgets the change log: change numbers before now are out of range.
    pub fn expire_log(&mut self) {
        self.log.clear();
        self.floor = self.change;
    }

    /// The generation of sync tokens: tokens of another generation have expired.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Expires every outstanding sync token.
    pub fn expire_tokens(&mut self) {
        self.generation += 1;
    }

    /// Bytes the providers mix into this mailbox's ids, so two users' ids differ.
    pub fn salt(&self) -> &[u8; 16] {
        &self.salt
    }

    /// Files `generated` at the current change number.
    fn insert(&mut self, generated: Generated) -> MessageRef {
        let state = Snapshot {
            tags: (self.filing)(&generated),
            unread: generated.unread,
            starred: generated.starred,
        };
        let message = Message {
            id: generated.id,
            thread: generated.thread,
            content: Content::new(generated.raw),
            state,
            draft: generated.place == Place::Drafts,
            modified: self.change,
            placed: self.change,
        };
        self.messages.insert(message.id.key, message);
        generated.id
    }

    /// Applies `change` to message `key`'s state; a change that changes something is logged.
    fn update(
        &mut self,
        key: u64,
        change: impl FnOnce(&mut Snapshot) -> Option<ChangeKind>,
    ) -> bool {
        let Some(message) = self.messages.get_mut(&key) else {
            return false;
        };
        let Some(kind) = change(&mut message.state) else {
            return true;
        };
        self.change += 1;
        message.modified = self.change;
        if matches!(&kind, ChangeKind::Tagged { added, .. } if !added.is_empty()) {
            message.placed = self.change;
        }
        self.record(key, kind);
        true
    }

    /// Logs `kind` for message `key` at the current change number.
    fn record(&mut self, key: u64, kind: ChangeKind) {
        let message = &self.messages[&key];
        self.log.push(Change {
            number: self.change,
            message: message.id,
            thread: message.thread,
            kind,
            state: message.state.clone(),
        });
    }
}

/// The two users' mailboxes.
pub(crate) struct Mailboxes {
    google: Mutex<Mailbox>,
    microsoft: Mutex<Mailbox>,
}

impl Mailboxes {
    /// Empty mailboxes for the users of `config`, filed by each provider's rules.
    pub fn new(config: &SandboxConfig, google: Filing, microsoft: Filing) -> Mailboxes {
        Mailboxes {
            google: Mutex::new(Mailbox::new(&config.google_user, google)),
            microsoft: Mutex::new(Mailbox::new(&config.microsoft_user, microsoft)),
        }
    }

    /// The mailbox of `provider`'s user, locked.
    pub fn of(&self, provider: Provider) -> MutexGuard<'_, Mailbox> {
        match provider {
            Provider::Google => &self.google,
            Provider::Microsoft => &self.microsoft,
        }
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
    }
}
