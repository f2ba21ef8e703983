//! Gmail labels: the system and user labels, how generated mail is labelled, how requests
//! change a message's labels, and `labels.list` and `labels.get` with their counts.

use std::collections::{BTreeSet, HashSet};

use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::{LABELS, MAIL, METADATA, MODIFY, READONLY};
use crate::api;
use crate::config::Provider;
use crate::mailbox::model::Snapshot;
use crate::mailbox::{Category, Generated, Mailbox, Place, Relabel};
use crate::wire::{self, Ordered, Refusal, Response};

/// The scopes `labels.list` and `labels.get` accept.
pub(super) const SCOPES: [&str; 5] = [MAIL, LABELS, METADATA, MODIFY, READONLY];

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

/// The labels a request cannot add or remove: Gmail applies them itself (the labels guide's
/// "Can be manually applied: no").
const AUTOMATIC: [&str; 2] = ["SENT", "DRAFT"];

/// A change to a message's labels: the tags to add and remove, and the flags (`UNREAD`,
/// `STARRED`) to set, made as one change.
pub(crate) struct LabelChange {
    add: Vec<&'static str>,
    remove: Vec<&'static str>,
    unread: Option<bool>,
    starred: Option<bool>,
}

impl LabelChange {
    /// Adds the labels `add` and removes `remove` (label ids).
    pub fn new(add: &[&'static str], remove: &[&'static str]) -> LabelChange {
        let mut change = LabelChange {
            add: Vec::new(),
            remove: Vec::new(),
            unread: None,
            starred: None,
        };
        for (ids, set) in [(add, true), (remove, false)] {
            for id in ids {
                match *id {
                    "UNREAD" => change.unread = Some(set),
                    "STARRED" => change.starred = Some(set),
                    tag if set => change.add.push(tag),
                    tag => change.remove.push(tag),
                }
            }
        }
        change
    }

    /// The change a request's `addLabelIds` and `removeLabelIds` ask for, or Gmail's 400
    /// (reason `invalidArgument`): `No label add or removes specified` when both are empty,
    /// `labelId not found` for an id of no label, `Invalid label: SENT` for a label only Gmail
    /// applies (the messages Gmail answers those with).
    pub fn read(add: &[String], remove: &[String]) -> Result<LabelChange, Refusal> {
        let refuse = |message: &str| Box::new(api::google_rejected("invalidArgument", message));
        if add.is_empty() && remove.is_empty() {
            return Err(refuse("No label add or removes specified"));
        }
        let known = |ids: &[String]| -> Result<Vec<&'static str>, Refusal> {
            ids.iter()
                .map(|id| {
                    let label = LABELS_LIST
                        .iter()
                        .find(|l| l.id == id)
                        .ok_or_else(|| refuse("labelId not found"))?;
                    match AUTOMATIC.contains(&label.id) {
                        true => Err(refuse(&format!("Invalid label: {}", label.id))),
                        false => Ok(label.id),
                    }
                })
                .collect()
        };
        Ok(LabelChange::new(&known(add)?, &known(remove)?))
    }

    /// Makes the change to message `key` of `mailbox`; false if there is no such message.
    pub fn apply(&self, mailbox: &mut Mailbox, key: u64) -> bool {
        let change = Relabel {
            add: &self.add,
            remove: &self.remove,
            unread: self.unread,
            starred: self.starred,
            completed: None,
        };
        mailbox.relabel(key, &change)
    }
}

/// The state of a message filed with the label ids `ids` (`messages.insert` and
/// `messages.import`): its tags, and its flags from `UNREAD` and `STARRED`; Gmail's 400
/// `labelId not found` for an id of no label, as for `modify`. `DRAFT` is refused (`Invalid
/// label: DRAFT`): drafts are made with `drafts.create`, and the stricter reading is that the
/// insert methods do not make them; `SENT` is taken (mail sent elsewhere is inserted or
/// imported with it).
pub(crate) fn filed(ids: &[String]) -> Result<Snapshot, Refusal> {
    let mut state = Snapshot {
        tags: BTreeSet::new(),
        unread: false,
        starred: false,
        completed: false,
    };
    for id in ids {
        let label = LABELS_LIST.iter().find(|l| l.id == id).ok_or_else(|| {
            Box::new(api::google_rejected("invalidArgument", "labelId not found"))
        })?;
        match label.id {
            "UNREAD" => state.unread = true,
            "STARRED" => state.starred = true,
            "DRAFT" => {
                return Err(Box::new(api::google_rejected(
                    "invalidArgument",
                    "Invalid label: DRAFT",
                )));
            }
            tag => {
                state.tags.insert(tag.to_owned());
            }
        }
    }
    Ok(state)
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
pub(super) fn list() -> Response {
    let labels: Vec<LabelJson> = LABELS_LIST
        .iter()
        .map(|l| LabelJson::new(l, None))
        .collect();
    wire::json(StatusCode::OK, &Ordered(vec![("labels", labels)]))
}

/// `GET …/labels/{id}`, with the label's message and thread counts.
pub(super) fn get(call: &Call<'_>, id: &str) -> Response {
    let shared = call.shared;
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
