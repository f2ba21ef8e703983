//! What the mailbox-management calls share across providers: thread order, the attachment size
//! bound, and the per-id outcome of a batched change.

use crate::Error;
use crate::types::Message;

/// Puts a thread's messages oldest first (by their date; undated ones last, in the order the
/// provider gave).
pub fn oldest_first(messages: &mut [Message]) {
    messages.sort_by_key(|m| m.date.unwrap_or(i64::MAX));
}

/// Refuses an attachment of `size` bytes when it is over the host's `max_bytes`, before any
/// byte of it is fetched.
pub fn check_attachment_size(size: u64, max_bytes: u64) -> Result<(), Error> {
    if size > max_bytes {
        return Err(Error::invalid(
            "max-bytes",
            format!(
                "the attachment is {size} bytes, over the limit of {max_bytes} bytes; it was not downloaded"
            ),
        ));
    }
    Ok(())
}

/// Splits `ids` into batches of at most `size`.
pub fn batches(ids: &[String], size: usize) -> impl Iterator<Item = &[String]> {
    ids.chunks(size.max(1))
}

/// An outcome for every id of a batch that failed as a whole: the same error for each.
pub fn all_failed(ids: &[String], error: &Error) -> Vec<Result<(), Error>> {
    ids.iter().map(|_| Err(error.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(id: &str, date: Option<&str>) -> Message {
        Message {
            date: date.and_then(crate::mime::timestamp),
            ..crate::mime::Envelope::default().into_message(id.to_owned(), None)
        }
    }

    #[test]
    fn threads_go_oldest_first_by_instant_undated_last() {
        let mut thread = vec![
            dated("c", None),
            dated("b", Some("2026-05-04T11:00:00+02:00")),
            dated("a", Some("2026-05-04T09:30:00Z")),
        ];
        oldest_first(&mut thread);
        let order: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
    }

    #[test]
    fn sizes_and_batches() {
        check_attachment_size(10, 10).unwrap();
        let err = check_attachment_size(11, 10).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "max-bytes"),
            "{err}"
        );
        let ids: Vec<String> = (0..45).map(|i| i.to_string()).collect();
        let sizes: Vec<usize> = batches(&ids, 20).map(<[String]>::len).collect();
        assert_eq!(sizes, [20, 20, 5]);
    }
}
