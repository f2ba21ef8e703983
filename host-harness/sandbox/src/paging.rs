//! Paging shared by both APIs: pages cut by position (so they stay valid while the mailbox
//! changes) and opaque tokens that carry those positions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Up to `size` of `items` (ordered by `position`, ascending) that come after position `after`,
/// and the position to continue from when more remain.
pub(crate) fn page<T, P: Ord + Copy>(
    items: impl IntoIterator<Item = T>,
    position: impl Fn(&T) -> P,
    after: Option<P>,
    size: usize,
) -> (Vec<T>, Option<P>) {
    let mut taken: Vec<T> = items
        .into_iter()
        .filter(|item| after.is_none_or(|after| position(item) > after))
        .take(size + 1)
        .collect();
    if taken.len() <= size {
        return (taken, None);
    }
    taken.truncate(size);
    let next = taken.last().map(&position);
    (taken, next)
}

/// `state` as an opaque URL-safe token.
pub(crate) fn seal(state: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).expect("token states serialize"))
}

/// The state inside a token made by [`seal`], if `token` is one.
pub(crate) fn open<T: DeserializeOwned>(token: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_position() {
        let (first, next) = page(1..=5, |n| *n, None, 2);
        assert_eq!((first, next), (vec![1, 2], Some(2)));
        // 0 appearing meanwhile does not shift the pages after position 2.
        let (second, next) = page(0..=5, |n| *n, next, 2);
        assert_eq!((second, next), (vec![3, 4], Some(4)));
        let (last, next) = page(0..=5, |n| *n, next, 2);
        assert_eq!((last, next), (vec![5], None));
        let (exact, next) = page(1..=4, |n| *n, None, 4);
        assert_eq!((exact.len(), next), (4, None));
    }

    #[test]
    fn tokens_round_trip() {
        let token = seal(&(7u64, "inbox"));
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(open::<(u64, String)>(&token), Some((7, "inbox".to_owned())));
        assert_eq!(open::<(u64, String)>("not a token"), None);
    }
}
