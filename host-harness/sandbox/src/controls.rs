//! The test controls of a running [`Sandbox`]: filling and changing the mailboxes, and shaping
//! the API traffic (latency, faults, foreign links).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::Provider;
use crate::faults::{Fault, RandomFaults};
use crate::mailbox::model::MessageRef;
use crate::mailbox::{Mailbox, MailboxSpec, Service};
use crate::sent::SentMessage;
use crate::{Controls, gmail, graph};

/// A message's state as [`Controls::state_of`] reads it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageState {
    /// Gmail: its label ids as `messages.get` lists them (`UNREAD` and `STARRED` among them);
    /// Graph: the id of its folder, the only one.
    pub labels: Vec<String>,
    /// Not yet read (Gmail `UNREAD`, Graph `isRead` false).
    pub unread: bool,
    /// Gmail `STARRED`; Graph `flag.flagStatus` `flagged`.
    pub starred: bool,
    /// An unsent draft.
    pub draft: bool,
}

impl Controls {
    /// Replaces `provider`'s user's mailbox with the messages `spec` generates. History and
    /// delta sync start afresh: earlier history IDs answer 404, earlier delta links 410.
    pub fn seed_mailbox(&self, provider: Provider, spec: &MailboxSpec) {
        self.shared.mail.of(provider).seed(spec);
    }

    /// Delivers `count` new messages to `provider`'s inbox (some are replies in existing
    /// threads) and returns their ids (Graph: immutable ids, see [`Controls::message_ids`]).
    pub fn deliver(&self, provider: Provider, count: usize) -> Vec<String> {
        let mut mailbox = self.shared.mail.of(provider);
        let delivered = mailbox.deliver(count);
        delivered
            .into_iter()
            .map(|message| id_of(&mailbox, provider, message))
            .collect()
    }

    /// Deletes message `id` for good (Gmail `messagesDeleted`, Graph `@removed`). A Graph id
    /// may be immutable or default (while current), as in every control taking message ids.
    ///
    /// # Panics
    /// If `provider`'s mailbox has no message `id`.
    pub fn delete(&self, provider: Provider, id: &str) {
        let mut mailbox = self.shared.mail.of(provider);
        let key = key_of(&mailbox, provider, id);
        mailbox.delete(key);
    }

    /// Marks message `id` unread or read (Gmail's `UNREAD` label, Graph's `isRead`).
    ///
    /// # Panics
    /// If `provider`'s mailbox has no message `id`.
    pub fn set_unread(&self, provider: Provider, id: &str, unread: bool) {
        let mut mailbox = self.shared.mail.of(provider);
        let key = key_of(&mailbox, provider, id);
        mailbox.set_unread(key, unread);
    }

    /// Stars message `id` or not (Gmail's `STARRED` label, Graph's flag `flagged` /
    /// `notFlagged`).
    ///
    /// # Panics
    /// If `provider`'s mailbox has no message `id`.
    pub fn set_starred(&self, provider: Provider, id: &str, starred: bool) {
        let mut mailbox = self.shared.mail.of(provider);
        let key = key_of(&mailbox, provider, id);
        mailbox.set_starred(key, starred);
    }

    /// Adds Gmail label `label` (an id like `INBOX` or `Label_1`, or a name) to Gmail message
    /// `id`.
    ///
    /// # Panics
    /// If there is no such message or label.
    pub fn add_label(&self, id: &str, label: &str) {
        self.relabel(id, label, true);
    }

    /// Removes Gmail label `label` (id or name) from Gmail message `id`.
    ///
    /// # Panics
    /// If there is no such message or label.
    pub fn remove_label(&self, id: &str, label: &str) {
        self.relabel(id, label, false);
    }

    /// Moves Graph message `id` to `folder` (a folder id or a well-known name such as
    /// `archive`); its immutable id stays the same, its default id changes.
    ///
    /// # Panics
    /// If there is no such message or folder.
    pub fn move_to(&self, id: &str, folder: &str) {
        let mut mailbox = self.shared.mail.of(Provider::Microsoft);
        let key = key_of(&mailbox, Provider::Microsoft, id);
        let destination = graph_folder(&mailbox, folder);
        graph::move_message(&mut mailbox, key, &destination);
    }

    /// The current default-format (REST) id of Graph message `id` (immutable, or default while
    /// current): what answers give without `Prefer: IdType="ImmutableId"`; `None` when there
    /// is no such message.
    pub fn default_id(&self, immutable_id: &str) -> Option<String> {
        let mailbox = self.shared.mail.of(Provider::Microsoft);
        let message = mailbox.get(graph::message_key(&mailbox, immutable_id)?)?;
        Some(graph::message_id(
            mailbox.salt(),
            message.id.key,
            message.placed,
            graph::IdType::Rest,
        ))
    }

    /// The state of `provider`'s message `id` now, or `None` when the mailbox has no such
    /// message (never had it, it was deleted, or it was a Gmail draft's message the draft has
    /// replaced since).
    pub fn state_of(&self, provider: Provider, id: &str) -> Option<MessageState> {
        let mailbox = self.shared.mail.of(provider);
        let message = match provider {
            Provider::Google => gmail::find(&mailbox, id)?,
            Provider::Microsoft => mailbox.get(graph::message_key(&mailbox, id)?)?,
        };
        let labels = match provider {
            Provider::Google => gmail::label_ids(&message.state),
            Provider::Microsoft => message
                .state
                .tags
                .iter()
                .map(|tag| graph::folder_id(&mailbox, tag))
                .collect(),
        };
        Some(MessageState {
            labels,
            unread: message.state.unread,
            starred: message.state.starred,
            draft: message.draft.is_some(),
        })
    }

    /// The Graph id of the folder `folder` names: a well-known name such as `inbox`,
    /// `archive` or `deleteditems` (any case), or a folder id.
    ///
    /// # Panics
    /// If the Graph mailbox has no such folder.
    pub fn folder_id(&self, folder: &str) -> String {
        let mailbox = self.shared.mail.of(Provider::Microsoft);
        let tag = graph_folder(&mailbox, folder);
        graph::folder_id(&mailbox, &tag)
    }

    /// Creates Graph folder `name` in `parent` (a folder id or a well-known name; `None`: at
    /// the top level) as `POST /me/mailFolders` does, and returns its id.
    ///
    /// # Panics
    /// If there is no such parent, or it already holds a folder of that name (any case).
    pub fn create_folder(&self, name: &str, parent: Option<&str>) -> String {
        let mut mailbox = self.shared.mail.of(Provider::Microsoft);
        let parent = match parent {
            Some(parent) => graph_folder(&mailbox, parent),
            None => graph::ROOT_FOLDER.to_owned(),
        };
        let tag = graph::create_folder(&mut mailbox, &parent, name, false)
            .unwrap_or_else(|problem| panic!("cannot create folder {name:?}: {problem:?}"));
        graph::folder_id(&mailbox, &tag)
    }

    /// Renames Graph folder `folder` (id or well-known name) to `name`.
    ///
    /// # Panics
    /// If there is no such folder, or its parent holds another folder of that name.
    pub fn rename_folder(&self, folder: &str, name: &str) {
        self.change_folder(folder, |mailbox, tag| {
            graph::rename_folder(mailbox, tag, name)
        });
    }

    /// Deletes Graph folder `folder` (id) as `DELETE /me/mailFolders/{id}` does: it moves, with
    /// its subfolders and messages, into Deleted Items (where the messages of a sync are not);
    /// a folder already in Deleted Items goes for good, as with [`Controls::purge_folder`].
    ///
    /// # Panics
    /// If there is no such folder, or it is a well-known one.
    pub fn delete_folder(&self, folder: &str) {
        self.change_folder(folder, graph::delete_folder);
    }

    /// Deletes Graph folder `folder` (id) for good, with its subfolders and messages (each
    /// message `@removed` from its folder's delta, each folder from the folder delta); the
    /// folder's message delta links then answer 404.
    ///
    /// # Panics
    /// If there is no such folder, or it is a well-known one.
    pub fn purge_folder(&self, folder: &str) {
        self.change_folder(folder, graph::purge_folder);
    }

    /// Moves Graph folder `folder` (id) into `parent` (id or well-known name), as
    /// `POST /me/mailFolders/{id}/move` does.
    ///
    /// # Panics
    /// If either folder is missing, `folder` is a well-known one, `parent` lies in it, or
    /// `parent` already holds a folder of its name.
    pub fn move_folder(&self, folder: &str, parent: &str) {
        self.change_folder(folder, |mailbox, tag| {
            let parent = graph_folder(mailbox, parent);
            graph::move_folder(mailbox, tag, &parent)
        });
    }

    /// Whether the Graph mailbox is enabled for REST (the default): when not, every Graph mail
    /// request (`/me/messages…`, `/me/mailFolders…`, in a batch too) answers 404
    /// `MailboxNotEnabledForRESTAPI`.
    pub fn set_rest_enabled(&self, enabled: bool) {
        let mut mailbox = self.shared.mail.of(Provider::Microsoft);
        let service = Service {
            enabled,
            ..mailbox.service()
        };
        mailbox.set_service(service);
    }

    /// The most messages a Graph message delta filtered on `receivedDateTime` returns in its
    /// first round before it ends as if complete: 5,000 unless set, as Graph documents.
    pub fn set_filtered_delta_cap(&self, cap: usize) {
        let mut mailbox = self.shared.mail.of(Provider::Microsoft);
        let service = Service {
            filtered_cap: Some(cap),
            ..mailbox.service()
        };
        mailbox.set_service(service);
    }

    /// The ids of `provider`'s messages a sync sees, newest first: outside spam and trash
    /// (Gmail); in every folder but Junk Email and Deleted Items and the folders under them
    /// (Graph). Graph ids are immutable ones, as are the ids every control returns (requests
    /// take them whether or not they ask for immutable ids; [`Controls::default_id`] gives the
    /// default form).
    pub fn message_ids(&self, provider: Provider) -> Vec<String> {
        let mailbox = self.shared.mail.of(provider);
        let mut messages: Vec<MessageRef> = mailbox
            .messages()
            .filter(|m| match provider {
                Provider::Google => !m.state.tags.iter().any(|t| t == "SPAM" || t == "TRASH"),
                Provider::Microsoft => !m
                    .state
                    .tags
                    .iter()
                    .any(|t| graph::hidden_from_sync(&mailbox, t)),
            })
            .map(|m| m.id)
            .collect();
        messages.sort_by(|a, b| b.cmp(a));
        messages
            .into_iter()
            .map(|message| id_of(&mailbox, provider, message))
            .collect()
    }

    /// Parses every message of `provider`'s mailbox now. The sandbox otherwise parses a message
    /// the first time it renders one, so that a benchmark would measure that first parse along
    /// with its client.
    pub fn parse_all(&self, provider: Provider) {
        let mailbox = self.shared.mail.of(provider);
        for message in mailbox.messages() {
            message.content.parsed();
        }
    }

    /// Drops the Gmail history log: history IDs from before now answer 404 in `history.list`.
    pub fn expire_history(&self) {
        self.shared.mail.of(Provider::Google).expire_log();
    }

    /// Expires every outstanding Graph delta and skip token: following them answers 410.
    pub fn expire_delta(&self) {
        self.shared.mail.of(Provider::Microsoft).expire_tokens();
    }

    /// Every message sent for `provider`'s user, oldest first (Graph drafts under their
    /// immutable ids).
    pub fn sent(&self, provider: Provider) -> Vec<SentMessage> {
        self.shared.sent.of(provider)
    }

    /// Adds an accepted Gmail send-as alias: `users.settings.sendAs.list` lists it, and
    /// messages sent from it keep their `From`.
    pub fn add_send_as(&self, address: &str, display_name: Option<&str>) {
        self.shared.aliases.add(address, display_name);
    }

    /// Adds `latency` to every later mail API request (an async wait: concurrent requests
    /// overlap).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.traffic.set_latency(latency);
    }

    /// The latency added to each mail API request.
    pub fn latency(&self) -> Duration {
        self.shared.traffic.latency()
    }

    /// Answers the next `fault.times` requests that match `fault` with it instead.
    pub fn fail_next(&self, fault: Fault) {
        self.shared.traffic.fail_next(fault);
    }

    /// Gives `provider`'s mail API requests random faults from now on, as `faults` says (the
    /// generator starts afresh from its seed); `None`, or a probability of 0, turns them off.
    /// Off by default. Each request draws, those inside a batch one by one (not the batch
    /// request itself), unless a targeted fault ([`Controls::fail_next`]) takes it.
    pub fn set_random_faults(&self, provider: Provider, faults: Option<RandomFaults>) {
        self.shared.traffic.set_random_faults(provider, faults);
    }

    /// How many faults, targeted or random, `provider`'s requests got so far, by kind name
    /// ([`crate::FaultKind::name`], e.g. `status_503`, `response_lost`).
    pub fn faults_injected(&self, provider: Provider) -> BTreeMap<String, usize> {
        self.shared.traffic.faults_injected(provider)
    }

    /// Makes the next Graph `@odata.nextLink` (delta or folder list) point at
    /// `https://{host}/…` instead of `graph.microsoft.com`.
    pub fn foreign_next_link(&self, host: &str) {
        self.shared.traffic.foreign_next_link(host);
    }

    /// The most mail API requests to `provider`'s mailbox that were in flight at once: the
    /// calls a quota charges (not a batch itself, whose requests count one by one; not a
    /// request turned away for its token); a request refused for the concurrent requests never
    /// was in flight.
    pub fn max_in_flight(&self, provider: Provider) -> usize {
        self.shared.traffic.max_in_flight(provider)
    }

    /// Applies `change` to the Graph folder `folder` (id or well-known name) names.
    ///
    /// # Panics
    /// If there is no such folder, or `change` refuses.
    fn change_folder(
        &self,
        folder: &str,
        change: impl FnOnce(&mut Mailbox, &str) -> Result<(), graph::FolderProblem>,
    ) {
        let mut mailbox = self.shared.mail.of(Provider::Microsoft);
        let tag = graph_folder(&mailbox, folder);
        change(&mut mailbox, &tag)
            .unwrap_or_else(|problem| panic!("cannot change folder {folder:?}: {problem:?}"));
    }

    /// Adds (or, with `add` false, removes) Gmail label `label` on message `id`.
    fn relabel(&self, id: &str, label: &str, add: bool) {
        let mut mailbox = self.shared.mail.of(Provider::Google);
        let key = key_of(&mailbox, Provider::Google, id);
        let label =
            gmail::resolve_label(label).unwrap_or_else(|| panic!("Gmail has no label {label:?}"));
        let change = match add {
            true => gmail::LabelChange::new(&[label], &[]),
            false => gmail::LabelChange::new(&[], &[label]),
        };
        change.apply(&mut mailbox, key);
    }
}

/// The number of `provider`'s message `id` in `mailbox`.
///
/// # Panics
/// If `id` names no message of `mailbox`.
fn key_of(mailbox: &Mailbox, provider: Provider, id: &str) -> u64 {
    let key = match provider {
        Provider::Google => gmail::find(mailbox, id).map(|m| m.id.key),
        Provider::Microsoft => graph::message_key(mailbox, id),
    };
    key.unwrap_or_else(|| panic!("the {provider:?} mailbox has no message {id:?}"))
}

/// `provider`'s id of `message` (Graph: its immutable id).
fn id_of(mailbox: &Mailbox, provider: Provider, message: MessageRef) -> String {
    match provider {
        Provider::Google => gmail::message_id(message),
        Provider::Microsoft => {
            graph::message_id(mailbox.salt(), message.key, 0, graph::IdType::Immutable)
        }
    }
}

/// The tag of the Graph folder `folder` (id or well-known name) names.
///
/// # Panics
/// If the Graph mailbox has no such folder.
fn graph_folder(mailbox: &Mailbox, folder: &str) -> String {
    graph::resolve_folder(mailbox, folder)
        .unwrap_or_else(|| panic!("the Graph mailbox has no folder {folder:?}"))
}
