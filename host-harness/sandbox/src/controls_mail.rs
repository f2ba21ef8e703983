//! Test controls that put real mail in the mailboxes: a message given whole, as RFC 5322 bytes,
//! filed as the provider files delivered mail.

use std::collections::BTreeSet;
use std::time::SystemTime;

use crate::clock;
use crate::config::Provider;
use crate::mailbox::model::Snapshot;
use crate::mailbox::{Arrival, Written};
use crate::{Controls, gmail, graph};

impl Controls {
    /// Files `raw` (any bytes: the providers show even malformed mail) in `provider`'s mailbox
    /// as a message received now, in a thread of its own, and returns its id (Graph: its
    /// immutable id). Gmail: it has the labels `folder_or_labels` names (ids or names, `UNREAD`
    /// and `STARRED` among them, as `messages.insert`'s `labelIds`; none: no label, only in All
    /// Mail). Graph: it is in the folder `folder_or_labels` names first (an id or a well-known
    /// name; none: `inbox`), unread, as delivered mail is. No size limit applies: how large a
    /// message a mailbox receives is its administrator's setting.
    ///
    /// # Panics
    /// If a label or the folder does not exist.
    pub fn insert_raw(&self, provider: Provider, raw: &[u8], folder_or_labels: &[&str]) -> String {
        let mut mailbox = self.shared.mail.of(provider);
        let mut state = Snapshot {
            tags: BTreeSet::new(),
            unread: false,
            starred: false,
            completed: false,
        };
        match provider {
            Provider::Google => {
                for name in folder_or_labels {
                    match gmail::resolve_label(name) {
                        Some("UNREAD") => state.unread = true,
                        Some("STARRED") => state.starred = true,
                        Some(id) => {
                            state.tags.insert(id.to_owned());
                        }
                        None => panic!("Gmail has no label {name:?}"),
                    }
                }
            }
            Provider::Microsoft => {
                let folder = folder_or_labels.first().copied().unwrap_or("inbox");
                let tag = graph::resolve_folder(&mailbox, folder)
                    .unwrap_or_else(|| panic!("the Graph mailbox has no folder {folder:?}"));
                state.tags.insert(tag);
                state.unread = true;
            }
        }
        let arrival = Arrival {
            thread: None,
            state,
            received_ms: clock::unix_millis(SystemTime::now()),
            written: Written::Final,
        };
        let message = mailbox.receive(raw.to_vec(), arrival);
        match provider {
            Provider::Google => gmail::message_id(message),
            Provider::Microsoft => {
                graph::message_id(mailbox.salt(), message.key, 0, graph::IdType::Immutable)
            }
        }
    }
}
