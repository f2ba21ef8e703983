//! The provider-neutral mailbox: messages as raw RFC 5322 bytes with their tags and flags, a
//! change log, a folder tree (Graph's; Gmail has labels), how the provider's API serves it, and
//! the generator that fills it. Gmail and Graph render the same model, each in its own shape.

mod bodies;
pub(crate) mod compose;
mod corpus;
pub(crate) mod draft;
pub(crate) mod folders;
mod generate;
pub(crate) mod header_bytes;
pub(crate) mod mime;
pub(crate) mod model;
mod rng;
pub(crate) mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

use self::draft::Draft;
use self::folders::Folders;
use self::generate::Generator;
pub use self::generate::MailboxSpec;
pub(crate) use self::generate::{Category, Generated, Place, USER_FILES};
use self::model::{Content, Message, MessageRef, Snapshot};
use crate::clock;
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
    /// The message's follow-up flag was marked complete (`true`) or not (Graph).
    Completed(bool),
    /// The message's content was written again (a draft saved with changes).
    Edited,
}

/// One entry of the change log.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    /// Its change number (Gmail history ID). One change that does several things to a message
    /// (a label added and the message marked read) logs one entry per kind, all with its number.
    pub number: u64,
    /// The message changed.
    pub message: MessageRef,
    /// That message's thread.
    pub thread: MessageRef,
    /// What happened.
    pub kind: ChangeKind,
    /// The message's tags and flags after the change (before it, for a deletion).
    pub state: Snapshot,
    /// Where the message was filed before the change: the change number of its filing (see
    /// [`Message::placed`]).
    pub placed: u64,
}

/// What a message the owner files is.
pub(crate) enum Written {
    /// A message sent (or otherwise final): not a draft.
    Final,
    /// A new draft written here from `Draft`, which is kept so that each change renders it
    /// again (Graph).
    Composed(Box<Draft>),
    /// A draft given whole as MIME (Gmail): draft `Some(number)` saved again under a new
    /// message, or a new draft.
    Mime(Option<u64>),
}

/// How a message given whole arrives in a mailbox.
pub(crate) struct Arrival {
    /// The thread it joins (a thread of its own when `None`).
    pub thread: Option<MessageRef>,
    /// Its tags and flags.
    pub state: Snapshot,
    /// When the mailbox received it (Gmail's `internalDate`), in milliseconds since the Unix
    /// epoch.
    pub received_ms: u64,
    /// What it is: final, or a draft.
    pub written: Written,
}

/// Changes to a message's tags and flags made at once, as one change.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Relabel<'a> {
    /// The tags to add.
    pub add: &'a [&'a str],
    /// The tags to remove.
    pub remove: &'a [&'a str],
    /// Marks the message unread (`true`) or read.
    pub unread: Option<bool>,
    /// Stars (flags) the message (`true`) or not.
    pub starred: Option<bool>,
    /// Marks its follow-up flag complete (`true`) or not.
    pub completed: Option<bool>,
}

/// How a provider's mail API serves a mailbox, as the test controls set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Service {
    /// Whether the mail API serves the mailbox at all (Graph: the mailbox is enabled for REST).
    pub enabled: bool,
    /// The most messages a filtered sync round returns, when a test sets it (`None`: the
    /// provider's own limit).
    pub filtered_cap: Option<usize>,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            enabled: true,
            filtered_cap: None,
        }
    }
}

/// One user's mailbox.
pub(crate) struct Mailbox {
    owner: SandboxUser,
    salt: [u8; 16],
    filing: Filing,
    generator: Generator,
    messages: BTreeMap<u64, Message>,
    drafts: BTreeMap<u64, Draft>,
    change: u64,
    floor: u64,
    log: Vec<Change>,
    generation: u64,
    folders: Folders,
    initial_folders: Folders,
    service: Service,
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
            drafts: BTreeMap::new(),
            change: 1,
            floor: 1,
            log: Vec::new(),
            generation: 1,
            folders: Folders::default(),
            initial_folders: Folders::default(),
            service: Service::default(),
        }
    }

    /// This mailbox with the folder tree `folders`, which seeding restores.
    pub fn with_folders(mut self, folders: Folders) -> Mailbox {
        self.folders = folders.clone();
        self.initial_folders = folders;
        self
    }

    /// Replaces every message with those `spec` generates. History starts afresh after them
    /// (earlier history IDs are out of range) and outstanding sync tokens expire.
    pub fn seed(&mut self, spec: &MailboxSpec) {
        self.generator = Generator::new(spec, &self.owner, self.generator.next_key());
        self.messages.clear();
        self.drafts.clear();
        self.folders = self.initial_folders.clone();
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
                self.record(id.key, ChangeKind::Added, self.change);
                id
            })
            .collect()
    }

    /// Files a message the owner wrote or sent (rather than a generated one), received now:
    /// `raw` in `thread` (a thread of its own when `None`), under `tags`, read and not starred;
    /// an unsent draft unless it is [`Written::Final`]. Logged as added.
    pub fn add(
        &mut self,
        raw: Vec<u8>,
        thread: Option<MessageRef>,
        tags: BTreeSet<String>,
        written: Written,
    ) -> MessageRef {
        let arrival = Arrival {
            thread,
            state: Snapshot {
                tags,
                unread: false,
                starred: false,
                completed: false,
            },
            received_ms: clock::unix_millis(SystemTime::now()),
            written,
        };
        self.receive(raw, arrival)
    }

    /// Files `raw` as `arrival` says (a message given whole: inserted, imported, or placed by a
    /// test). Logged as added.
    pub fn receive(&mut self, raw: Vec<u8>, arrival: Arrival) -> MessageRef {
        let Arrival {
            thread,
            state,
            received_ms,
            written,
        } = arrival;
        let id = MessageRef {
            received_ms,
            key: self.generator.claim_key(),
        };
        self.change += 1;
        let draft = match &written {
            Written::Final => None,
            Written::Composed(_) => Some(id.key),
            Written::Mime(number) => Some(number.unwrap_or(id.key)),
        };
        let message = Message {
            id,
            thread: thread.unwrap_or(id),
            content: Content::new(raw),
            state,
            draft,
            modified: self.change,
            placed: self.change,
        };
        self.messages.insert(id.key, message);
        if let Written::Composed(draft) = written {
            self.drafts.insert(id.key, *draft);
        }
        self.record(id.key, ChangeKind::Added, self.change);
        id
    }

    /// The draft message `key` was written from, if it was written here (kept once it is sent,
    /// so its files keep their numbers).
    pub fn draft(&self, key: u64) -> Option<&Draft> {
        self.drafts.get(&key)
    }

    /// Saves draft `key` again: `draft`, rendered as `raw`. Logged as edited; false if there is
    /// no such message.
    pub fn write(&mut self, key: u64, raw: Vec<u8>, draft: Draft) -> bool {
        let Some(message) = self.messages.get_mut(&key) else {
            return false;
        };
        self.change += 1;
        message.content = Content::new(raw);
        message.modified = self.change;
        let placed = message.placed;
        self.drafts.insert(key, draft);
        self.record(key, ChangeKind::Edited, placed);
        true
    }

    /// Sends draft `key`: `draft` as sent, rendered as `raw`, becomes its content; it is read,
    /// no longer a draft, and moves to `sent` (one logged change, a move). False if there is no
    /// such message.
    pub fn send_draft(&mut self, key: u64, raw: Vec<u8>, draft: Draft, sent: &str) -> bool {
        let Some(message) = self.messages.get_mut(&key) else {
            return false;
        };
        message.content = Content::new(raw);
        message.draft = None;
        message.state.unread = false;
        let leaving: Vec<String> = message
            .state
            .tags
            .iter()
            .filter(|t| *t != sent)
            .cloned()
            .collect();
        self.drafts.insert(key, draft);
        let leaving: Vec<&str> = leaving.iter().map(String::as_str).collect();
        self.retag(key, &[sent], &leaving)
    }

    /// Deletes message `key` for good; false if there is no such message.
    pub fn delete(&mut self, key: u64) -> bool {
        let Some(message) = self.messages.remove(&key) else {
            return false;
        };
        self.drafts.remove(&key);
        self.change += 1;
        self.log.push(Change {
            number: self.change,
            message: message.id,
            thread: message.thread,
            kind: ChangeKind::Deleted,
            state: message.state,
            placed: message.placed,
        });
        true
    }

    /// Marks message `key` unread or read; false if there is no such message.
    pub fn set_unread(&mut self, key: u64, unread: bool) -> bool {
        let change = Relabel {
            unread: Some(unread),
            ..Relabel::default()
        };
        self.relabel(key, &change)
    }

    /// Stars (flags) message `key` or not; false if there is no such message.
    pub fn set_starred(&mut self, key: u64, starred: bool) -> bool {
        let change = Relabel {
            starred: Some(starred),
            ..Relabel::default()
        };
        self.relabel(key, &change)
    }

    /// Adds `added` and removes `removed` from message `key`'s tags; false if there is no such
    /// message. Tags already there (or already absent) change nothing.
    pub fn retag(&mut self, key: u64, added: &[&str], removed: &[&str]) -> bool {
        let change = Relabel {
            add: added,
            remove: removed,
            ..Relabel::default()
        };
        self.relabel(key, &change)
    }

    /// Makes `change` to message `key`'s tags and flags, as one change; false if there is no
    /// such message. What is already so changes nothing, and is not logged.
    pub fn relabel(&mut self, key: u64, change: &Relabel) -> bool {
        self.update(key, |state| {
            let mut kinds = Vec::new();
            let added: Vec<String> = change
                .add
                .iter()
                .filter(|t| state.tags.insert((**t).to_owned()))
                .map(|t| (*t).to_owned())
                .collect();
            let removed: Vec<String> = change
                .remove
                .iter()
                .filter(|t| state.tags.remove(**t))
                .map(|t| (*t).to_owned())
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                kinds.push(ChangeKind::Tagged { added, removed });
            }
            let flags = [
                (
                    change.unread,
                    &mut state.unread,
                    ChangeKind::Unread as fn(bool) -> ChangeKind,
                ),
                (change.starred, &mut state.starred, ChangeKind::Starred),
                (
                    change.completed,
                    &mut state.completed,
                    ChangeKind::Completed,
                ),
            ];
            for (wanted, flag, kind) in flags {
                if let Some(value) = wanted.filter(|v| *v != *flag) {
                    *flag = value;
                    kinds.push(kind(value));
                }
            }
            kinds
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

    /// The folder tree.
    pub fn folders(&self) -> &Folders {
        &self.folders
    }

    /// Adds a folder named `name` (hidden or not) in the folder tagged `parent`, as one change;
    /// its tag.
    pub fn create_folder(&mut self, parent: &str, name: &str, hidden: bool) -> String {
        self.change += 1;
        self.folders.add(parent, name, hidden, self.change)
    }

    /// Renames the folder tagged `tag`, as one change; false if there is no such folder.
    pub fn rename_folder(&mut self, tag: &str, name: &str) -> bool {
        let change = self.change + 1;
        let Some(folder) = self.folders.get_mut(tag) else {
            return false;
        };
        folder.name = name.to_owned();
        folder.changed = change;
        self.change = change;
        true
    }

    /// Moves the folder tagged `tag` (with what is in it) into the folder tagged `parent`, as
    /// one change; false if there is no such folder.
    pub fn move_folder(&mut self, tag: &str, parent: &str) -> bool {
        let change = self.change + 1;
        let Some(folder) = self.folders.get_mut(tag) else {
            return false;
        };
        folder.parent = Some(parent.to_owned());
        folder.changed = change;
        self.change = change;
        true
    }

    /// Removes the folder tagged `tag` for good, with the folders under it and every message
    /// in them (each message a logged deletion); false if there is no such folder.
    pub fn purge_folder(&mut self, tag: &str) -> bool {
        if self.folders.get(tag).is_none() {
            return false;
        }
        let tags = self.folders.subtree(tag);
        let doomed: Vec<u64> = self
            .messages
            .values()
            .filter(|m| m.state.tags.iter().any(|t| tags.contains(t)))
            .map(|m| m.id.key)
            .collect();
        for key in doomed {
            self.delete(key);
        }
        self.change += 1;
        self.folders.remove(&tags, self.change);
        true
    }

    /// How the provider's API serves this mailbox.
    pub fn service(&self) -> Service {
        self.service
    }

    /// Sets how the provider's API serves this mailbox.
    pub fn set_service(&mut self, service: Service) {
        self.service = service;
    }

    /// Files `generated` at the current change number.
    fn insert(&mut self, generated: Generated) -> MessageRef {
        let state = Snapshot {
            tags: (self.filing)(&generated),
            unread: generated.unread,
            starred: generated.starred,
            completed: false,
        };
        let message = Message {
            id: generated.id,
            thread: generated.thread,
            content: Content::new(generated.raw),
            state,
            draft: (generated.place == Place::Drafts).then_some(generated.id.key),
            modified: self.change,
            placed: self.change,
        };
        self.messages.insert(message.id.key, message);
        generated.id
    }

    /// Applies `change` to message `key`'s state; what it did, if anything, is logged under one
    /// change number.
    fn update(&mut self, key: u64, change: impl FnOnce(&mut Snapshot) -> Vec<ChangeKind>) -> bool {
        let Some(message) = self.messages.get_mut(&key) else {
            return false;
        };
        let kinds = change(&mut message.state);
        if kinds.is_empty() {
            return true;
        }
        self.change += 1;
        message.modified = self.change;
        let placed = message.placed;
        if kinds
            .iter()
            .any(|kind| matches!(kind, ChangeKind::Tagged { added, .. } if !added.is_empty()))
        {
            message.placed = self.change;
        }
        for kind in kinds {
            self.record(key, kind, placed);
        }
        true
    }

    /// Logs `kind` for message `key`, filed at change `placed` before it, at the current change
    /// number.
    fn record(&mut self, key: u64, kind: ChangeKind, placed: u64) {
        let message = &self.messages[&key];
        self.log.push(Change {
            number: self.change,
            message: message.id,
            thread: message.thread,
            kind,
            state: message.state.clone(),
            placed,
        });
    }
}

/// The two users' mailboxes.
pub(crate) struct Mailboxes {
    google: Mutex<Mailbox>,
    microsoft: Mutex<Mailbox>,
}

impl Mailboxes {
    /// Empty mailboxes for the users of `config`, filed by each provider's rules; the
    /// Microsoft one has Graph's folder tree (Gmail has labels, not folders).
    pub fn new(config: &SandboxConfig, google: Filing, microsoft: Filing) -> Mailboxes {
        let microsoft = Mailbox::new(&config.microsoft_user, microsoft)
            .with_folders(crate::graph::folder_tree());
        Mailboxes {
            google: Mutex::new(Mailbox::new(&config.google_user, google)),
            microsoft: Mutex::new(microsoft),
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
