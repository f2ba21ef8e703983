//! A host's copy of a mailbox in memory: how a sync page applies to it.

use crate::types::{Message, SyncPage};
use std::collections::BTreeMap;

/// Applies `page` to `messages` (by id) as a host does, in order: a reset clears the copy,
/// dropped folders take their messages, listed messages replace what is held under their id,
/// deleted ids go, and changes set read and starred state and add or remove labels (a label
/// is held once). The account and the cursor are the caller's to keep.
pub fn apply_page(messages: &mut BTreeMap<String, Message>, page: SyncPage) {
    if page.reset {
        messages.clear();
    }
    for folder in &page.dropped_folders {
        messages.retain(|_, m| !m.labels.contains(folder));
    }
    for message in page.messages {
        messages.insert(message.id.clone(), message);
    }
    for id in &page.deleted {
        messages.remove(id);
    }
    for change in page.changes {
        if let Some(message) = messages.get_mut(&change.id) {
            if let Some(unread) = change.unread {
                message.unread = unread;
            }
            if let Some(starred) = change.starred {
                message.starred = starred;
            }
            message
                .labels
                .retain(|l| !change.labels_removed.contains(l));
            for label in change.labels_added {
                if !message.labels.contains(&label) {
                    message.labels.push(label);
                }
            }
        }
    }
}
