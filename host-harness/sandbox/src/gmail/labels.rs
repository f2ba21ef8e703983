//! Gmail labels: the system and user labels, how generated mail is labelled, `labels.list` and
//! `labels.get` with their counts.

use std::collections::{BTreeSet, HashSet};

use http::StatusCode;
use serde::Serialize;

use super::{LABELS, MAIL, METADATA, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::{Category, Generated, Place};
use crate::state::Shared;
use crate::wire::{self, Ordered, Request, Response};

/// The scopes `labels.list` and `labels.get` accept.
const SCOPES: [&str; 5] = [MAIL, LABELS, METADATA, MODIFY, READONLY];

/// A label the mailbox has.
struct Label {
    id: &'static str,
    name: &'static str,
    user: bool,
    /// Hidden from the message list and the label list (`hide` / `labelHide`).
    hidden: bool,
    /// Whether the visibility members are sent at all (Gmail leaves them out of some system
    /// labels).
    shows_visibility: bool,
}

const fn system(id: &'static str, hidden: bool, shows_visibility: bool) -> Label {
    Label {
        id,
        name: id,
        user: false,
        hidden,
        shows_visibility,
    }
}

/// The labels, in Gmail's order.
const LABELS_LIST: [Label; 17] = [
    system("CHAT", true, true),
    system("SENT", false, false),
    system("INBOX", false, false),
    system("IMPORTANT", true, true),
    system("TRASH", true, true),
    system("DRAFT", false, false),
    system("SPAM", true, true),
    system("CATEGORY_FORUMS", true, true),
    system("CATEGORY_UPDATES", true, true),
    system("CATEGORY_PERSONAL", true, true),
    system("CATEGORY_PROMOTIONS", true, true),
    system("CATEGORY_SOCIAL", true, true),
    system("STARRED", false, false),
    system("UNREAD", false, false),
    user("Label_1", "Receipts"),
    user("Label_2", "Travel"),
    user("Label_3", "Projects/Alpha"),
];

const fn user(id: &'static str, name: &'static str) -> Label {
    Label {
        id,
        name,
        user: true,
        hidden: false,
        shows_visibility: true,
    }
}

/// The labels Gmail gives a generated message.
pub(crate) fn filing(generated: &Generated) -> BTreeSet<String> {
    let mut tags = BTreeSet::new();
    let mut add = |tag: &str| {
        tags.insert(tag.to_owned());
    };
    let category = match generated.category {
        Category::Personal => "CATEGORY_PERSONAL",
        Category::Updates => "CATEGORY_UPDATES",
        Category::Promotions => "CATEGORY_PROMOTIONS",
    };
    match generated.place {
        Place::Inbox => {
            add("INBOX");
            add(category);
        }
        Place::Archive | Place::Trash => add(category),
        Place::Sent => add("SENT"),
        Place::Drafts => add("DRAFT"),
        Place::Spam => add("SPAM"),
    }
    if generated.place == Place::Trash {
        add("TRASH");
    }
    if generated.important {
        add("IMPORTANT");
    }
    if let Some(n) = generated.filed {
        add(&format!("Label_{}", n + 1));
    }
    tags
}

/// The id of the label `name_or_id` names: its id or its name (case-insensitively), or its name
/// as Gmail search writes it (lower case, `-` for spaces and `/`).
pub(crate) fn resolve(name_or_id: &str) -> Option<&'static str> {
    let wanted = searchable(name_or_id);
    LABELS_LIST
        .iter()
        .find(|l| {
            l.id.eq_ignore_ascii_case(name_or_id)
                || l.name.eq_ignore_ascii_case(name_or_id)
                || searchable(l.name) == wanted
        })
        .map(|l| l.id)
}

/// A label name as search operators write it.
fn searchable(name: &str) -> String {
    name.to_lowercase().replace([' ', '/'], "-")
}

/// A label in `labels.list`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LabelJson {
    id: &'static str,
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_list_visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label_list_visibility: Option<&'static str>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    counts: Option<Counts>,
}

/// The counts `labels.get` adds.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    messages_total: usize,
    messages_unread: usize,
    threads_total: usize,
    threads_unread: usize,
}

impl LabelJson {
    fn new(label: &Label, counts: Option<Counts>) -> LabelJson {
        let visibility = |hidden: &'static str, shown: &'static str| {
            label
                .shows_visibility
                .then_some(if label.hidden { hidden } else { shown })
        };
        LabelJson {
            id: label.id,
            name: label.name,
            message_list_visibility: visibility("hide", "show"),
            label_list_visibility: visibility("labelHide", "labelShow"),
            kind: if label.user { "user" } else { "system" },
            counts,
        }
    }
}

/// `GET …/labels`.
pub(super) fn list(shared: &Shared, request: &Request, user: &str) -> Response {
    if let Err(refused) = super::authorize(shared, request, user, &SCOPES) {
        return *refused;
    }
    let labels: Vec<LabelJson> = LABELS_LIST
        .iter()
        .map(|l| LabelJson::new(l, None))
        .collect();
    wire::json(StatusCode::OK, &Ordered(vec![("labels", labels)]))
}

/// `GET …/labels/{id}`, with the label's message and thread counts.
pub(super) fn get(shared: &Shared, request: &Request, user: &str, id: &str) -> Response {
    if let Err(refused) = super::authorize(shared, request, user, &SCOPES) {
        return *refused;
    }
    let Some(label) = LABELS_LIST.iter().find(|l| l.id == id) else {
        return api::google_entity_not_found();
    };
    let counts = {
        let mailbox = shared.mail.of(Provider::Google);
        let mut counts = Counts {
            messages_total: 0,
            messages_unread: 0,
            threads_total: 0,
            threads_unread: 0,
        };
        let mut threads = HashSet::new();
        let mut unread_threads = HashSet::new();
        for message in mailbox.messages() {
            if !super::label_ids(&message.state)
                .iter()
                .any(|l| l == label.id)
            {
                continue;
            }
            counts.messages_total += 1;
            threads.insert(message.thread.key);
            if message.state.unread {
                counts.messages_unread += 1;
                unread_threads.insert(message.thread.key);
            }
        }
        counts.threads_total = threads.len();
        counts.threads_unread = unread_threads.len();
        counts
    };
    wire::json(StatusCode::OK, &LabelJson::new(label, Some(counts)))
}
