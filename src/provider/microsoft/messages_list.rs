//! `GET /me/messages` (https://learn.microsoft.com/en-us/graph/api/user-list-messages): the
//! messages of every folder, filtered, ordered and paged; the answer is a
//! [`super::Collection`] of messages (the next pages follow Graph's links).

use super::API;

/// What the answers are read as, in errors.
pub(super) const NAME: &str = "Graph messages";

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Query {
    /// `$filter`.
    pub(super) filter: Option<String>,
    /// `$select`.
    pub(super) select: String,
    /// `$orderby`.
    pub(super) order_by: Option<String>,
    /// `$top`: the page size.
    pub(super) top: u32,
}

/// The first page's URL.
pub(super) fn url(query: &Query) -> String {
    let mut url = url::Url::parse(&format!("{API}/messages")).expect("a constant URL");
    {
        let mut pairs = url.query_pairs_mut();
        if let Some(filter) = &query.filter {
            pairs.append_pair("$filter", filter);
        }
        pairs.append_pair("$select", &query.select);
        if let Some(order) = &query.order_by {
            pairs.append_pair("$orderby", order);
        }
        pairs.append_pair("$top", &query.top.to_string());
    }
    url.into()
}

/// The `$filter` of one conversation's messages (a quote in the id doubled, as OData reads it).
pub(super) fn conversation(id: &str) -> String {
    format!("conversationId eq '{}'", id.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_urls() {
        let thread = Query {
            filter: Some(conversation("AAQk'x")),
            select: "id,subject".into(),
            order_by: None,
            top: 50,
        };
        assert_eq!(
            url(&thread),
            "https://graph.microsoft.com/v1.0/me/messages?%24filter=conversationId+eq+%27AAQk%27%27x%27&%24select=id%2Csubject&%24top=50"
        );
        let newest = Query {
            filter: None,
            select: "receivedDateTime".into(),
            order_by: Some("receivedDateTime desc".into()),
            top: 10,
        };
        assert_eq!(
            url(&newest),
            "https://graph.microsoft.com/v1.0/me/messages?%24select=receivedDateTime&%24orderby=receivedDateTime+desc&%24top=10"
        );
    }
}
