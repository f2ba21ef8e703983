//! Graph's ids: opaque base64 strings (with `-` and `_` for `/` and `+`, as Exchange REST ids
//! are) carrying the mailbox salt and a few numbers; and the two forms of message and
//! attachment ids.
//!
//! Source: https://learn.microsoft.com/en-us/graph/outlook-immutable-id. An Outlook item's
//! default (REST) id changes when the item moves to another folder; its immutable id does not,
//! and a request gets immutable ids only when it carries `Prefer: IdType="ImmutableId"` ("This
//! header only applies to the request it is included with"). Both forms name the item in request
//! paths, a default id only while it is the item's current one. Containers (mail folders) have
//! one id only, which does not change. The sandbox's default id of a message is made of its
//! number and its placement (the change number of its last filing), so that every move gives
//! it a new one; an attachment's default id is made of its message's and its own number.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::mailbox::Mailbox;
use crate::mailbox::model::Message;

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A message, immutable id (its number).
    ImmutableMessage,
    /// A message, default id (its number and placement).
    Message,
    /// A mail folder.
    Folder,
    /// A conversation (`conversationId`).
    Conversation,
    /// An attachment, immutable id (its message's number and its own).
    ImmutableAttachment,
    /// An attachment, default id (its message's number and placement, and its own number).
    Attachment,
    /// An attachment upload session.
    Session,
}

impl Kind {
    /// The bytes ids of this kind start with.
    fn header(self) -> [u8; 4] {
        match self {
            Kind::ImmutableMessage => [0x00, 0x09, 0x00, 0x46],
            Kind::Message => [0x00, 0x03, 0x24, 0x46],
            Kind::Folder => [0x01, 0x03, 0x24, 0x00],
            Kind::Conversation => [0x01, 0x04, 0x24, 0x00],
            Kind::ImmutableAttachment => [0x00, 0x09, 0x12, 0x00],
            Kind::Attachment => [0x00, 0x03, 0x12, 0x00],
            Kind::Session => [0x00, 0x09, 0x1a, 0x00],
        }
    }
}

/// Which ids a request asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum IdType {
    /// Default ids (Graph's `RestId`), which change when a message moves.
    #[default]
    Rest,
    /// Immutable ids (`Prefer: IdType="ImmutableId"`).
    Immutable,
}

/// The id of `kind` made of `numbers` in the mailbox salted `salt`.
pub(crate) fn encode(kind: Kind, salt: &[u8; 16], numbers: &[u64]) -> String {
    let mut bytes = Vec::with_capacity(20 + 8 * numbers.len());
    bytes.extend_from_slice(&kind.header());
    bytes.extend_from_slice(salt);
    for n in numbers {
        bytes.extend_from_slice(&n.to_be_bytes());
    }
    STANDARD.encode(bytes).replace('/', "-").replace('+', "_")
}

/// The `N` numbers inside `id`, if it is an id of `kind` from the mailbox salted `salt`.
pub(crate) fn decode<const N: usize>(kind: Kind, salt: &[u8; 16], id: &str) -> Option<[u64; N]> {
    let bytes = STANDARD
        .decode(id.replace('-', "/").replace('_', "+"))
        .ok()?;
    let (header, rest) = bytes.split_at_checked(4)?;
    let (mailbox, numbers) = rest.split_at_checked(16)?;
    if header != kind.header() || mailbox != salt || numbers.len() != 8 * N {
        return None;
    }
    let mut out = [0u64; N];
    for (slot, chunk) in out.iter_mut().zip(numbers.chunks_exact(8)) {
        *slot = u64::from_be_bytes(chunk.try_into().ok()?);
    }
    Some(out)
}

/// The `ids` id of message `key`, filed at change `placed`, in the mailbox salted `salt`.
pub(crate) fn message(salt: &[u8; 16], key: u64, placed: u64, ids: IdType) -> String {
    match ids {
        IdType::Immutable => encode(Kind::ImmutableMessage, salt, &[key]),
        IdType::Rest => encode(Kind::Message, salt, &[key, placed]),
    }
}

/// The `ids` id of `message` of the mailbox salted `salt`.
pub(crate) fn message_of(salt: &[u8; 16], message: &Message, ids: IdType) -> String {
    self::message(salt, message.id.key, message.placed, ids)
}

/// The number of the message of `mailbox` that `id` names: its immutable id, or its default id
/// while it is filed where that id says.
pub(crate) fn message_key(mailbox: &Mailbox, id: &str) -> Option<u64> {
    let salt = mailbox.salt();
    if let Some([key]) = decode(Kind::ImmutableMessage, salt, id) {
        return mailbox.get(key).map(|_| key);
    }
    let [key, placed] = decode(Kind::Message, salt, id)?;
    mailbox.get(key).filter(|m| m.placed == placed).map(|_| key)
}

/// The `ids` id of file `serial` of `message` of the mailbox salted `salt`.
pub(crate) fn attachment(salt: &[u8; 16], message: &Message, serial: u64, ids: IdType) -> String {
    match ids {
        IdType::Immutable => encode(Kind::ImmutableAttachment, salt, &[message.id.key, serial]),
        IdType::Rest => encode(
            Kind::Attachment,
            salt,
            &[message.id.key, message.placed, serial],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_by_kind_and_mailbox() {
        let salt = [7u8; 16];
        let id = encode(Kind::ImmutableMessage, &salt, &[42]);
        assert!(id.ends_with('='), "{id}");
        assert!(!id.contains('/') && !id.contains('+'), "{id}");
        assert_eq!(decode(Kind::ImmutableMessage, &salt, &id), Some([42]));
        assert_eq!(decode::<1>(Kind::Folder, &salt, &id), None);
        assert_eq!(decode::<1>(Kind::ImmutableMessage, &[8u8; 16], &id), None);
        assert_eq!(decode::<1>(Kind::ImmutableMessage, &salt, "nonsense"), None);
        let rest = message(&salt, 42, 9, IdType::Rest);
        assert_eq!(decode(Kind::Message, &salt, &rest), Some([42, 9]));
        assert_eq!(decode::<1>(Kind::Message, &salt, &rest), None);
        assert_ne!(rest, message(&salt, 42, 10, IdType::Rest));
        assert_eq!(message(&salt, 42, 10, IdType::Immutable), id);
    }
}
