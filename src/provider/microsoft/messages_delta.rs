//! `GET /me/mailFolders/{id}/messages/delta`
//! (https://learn.microsoft.com/en-us/graph/api/message-delta): a folder's messages, then its
//! changes, page by page; the answer is a [`super::Collection`] of messages with a next or a
//! delta link.

use super::{API, immutable_ids, message};
use crate::Error;
use crate::net::{self, Request};

/// What the answers are read as, in errors.
pub(super) const NAME: &str = "Graph delta";

/// The first request of folder `folder_id`'s round: the properties a message needs, and when
/// `since` is given only messages received since then (seconds since the Unix epoch), newest
/// first (the filter and order the delta query supports on messages).
pub(super) fn first_url(folder_id: &str, since: Option<u64>) -> Result<String, Error> {
    let mut url = url::Url::parse(&format!(
        "{API}/mailFolders/{}/messages/delta",
        net::path_segment(folder_id)
    ))
    .map_err(|e| Error::invalid("folders", format!("holds an unusable folder id ({e})")))?;
    url.query_pairs_mut()
        .append_pair("$select", message::SELECT);
    if let Some(since) = since {
        let since = crate::mime::rfc3339(since as i64);
        url.query_pairs_mut()
            .append_pair("$filter", &format!("receivedDateTime ge {since}"))
            .append_pair("$orderby", "receivedDateTime desc");
    }
    Ok(url.into())
}

/// The request of `url` (a first URL, or Graph's next or delta link) asking for at most
/// `page_size` rows, by immutable ids.
pub(super) fn request(url: &str, page_size: u32) -> Result<Request, Error> {
    let mut request = immutable_ids(net::json_get(url)?);
    if let Ok(size) = http::HeaderValue::from_str(&format!("odata.maxpagesize={page_size}")) {
        request.headers_mut().append("prefer", size);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_urls_and_page_sizes() {
        let all = first_url("inbox", None).unwrap();
        assert!(
            all.starts_with(
                "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?%24select="
            ),
            "{all}"
        );
        assert!(!all.contains("filter"));
        let recent = first_url("inbox", Some(1_698_649_746)).unwrap();
        assert!(
            recent.ends_with("&%24filter=receivedDateTime+ge+2023-10-30T07%3A09%3A06Z&%24orderby=receivedDateTime+desc"),
            "{recent}"
        );
        let request = request(&all, 25).unwrap();
        let prefer: Vec<_> = request.headers().get_all("prefer").iter().collect();
        assert_eq!(prefer, ["IdType=\"ImmutableId\"", "odata.maxpagesize=25"]);
    }
}
