//! Graph's ids: opaque base64 strings (with `-` and `_` for `/` and `+`, as Exchange REST ids
//! are), immutable across moves, carrying the mailbox salt and a number.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A message (immutable id: the same in every folder).
    Message,
    /// A mail folder.
    Folder,
    /// A conversation (`conversationId`).
    Conversation,
    /// An attachment of a message.
    Attachment,
    /// An attachment upload session.
    Session,
}

impl Kind {
    /// The bytes ids of this kind start with.
    fn header(self) -> [u8; 4] {
        match self {
            Kind::Message => [0x00, 0x09, 0x00, 0x46],
            Kind::Folder => [0x01, 0x03, 0x24, 0x00],
            Kind::Conversation => [0x01, 0x04, 0x24, 0x00],
            Kind::Attachment => [0x00, 0x09, 0x12, 0x00],
            Kind::Session => [0x00, 0x09, 0x1a, 0x00],
        }
    }
}

/// The id of `kind` number `n` in the mailbox salted `salt`.
pub(crate) fn encode(kind: Kind, salt: &[u8; 16], n: u64) -> String {
    let mut bytes = Vec::with_capacity(28);
    bytes.extend_from_slice(&kind.header());
    bytes.extend_from_slice(salt);
    bytes.extend_from_slice(&n.to_be_bytes());
    STANDARD.encode(bytes).replace('/', "-").replace('+', "_")
}

/// The number inside `id`, if it is an id of `kind` from the mailbox salted `salt`.
pub(crate) fn decode(kind: Kind, salt: &[u8; 16], id: &str) -> Option<u64> {
    let bytes = STANDARD
        .decode(id.replace('-', "/").replace('_', "+"))
        .ok()?;
    let (header, rest) = bytes.split_at_checked(4)?;
    let (mailbox, number) = rest.split_at_checked(16)?;
    if header != kind.header() || mailbox != salt {
        return None;
    }
    Some(u64::from_be_bytes(number.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_by_kind_and_mailbox() {
        let salt = [7u8; 16];
        let id = encode(Kind::Message, &salt, 42);
        assert!(id.ends_with('='), "{id}");
        assert!(!id.contains('/') && !id.contains('+'), "{id}");
        assert_eq!(decode(Kind::Message, &salt, &id), Some(42));
        assert_eq!(decode(Kind::Folder, &salt, &id), None);
        assert_eq!(decode(Kind::Message, &[8u8; 16], &id), None);
        assert_eq!(decode(Kind::Message, &salt, "nonsense"), None);
    }
}
