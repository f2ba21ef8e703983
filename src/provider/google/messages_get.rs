//! `users.messages.get`
//! (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/get): one
//! message, in a format; the answer is a [`super::message::GmailMessage`].

use super::API;
use crate::net;

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Gmail message";

/// How much of the message to return (`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The parsed payload: headers, parts and bodies (`full`).
    Full,
    /// The whole message as base64url RFC 2822 in `raw` (`raw`).
    Raw,
}

impl Format {
    /// The parameter's value.
    fn name(self) -> &'static str {
        match self {
            Format::Full => "full",
            Format::Raw => "raw",
        }
    }
}

/// A `Message` in `raw` format (also what `messages.send` and `drafts.send` answer).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Raw {
    /// The message id.
    pub(super) id: String,
    /// Its thread.
    #[serde(default)]
    pub(super) thread_id: Option<String>,
    /// The whole message, base64url (in `format=raw`).
    #[serde(default)]
    pub(super) raw: Option<String>,
}

/// The request's URL.
pub(super) fn url(id: &str, format: Format) -> String {
    format!(
        "{API}/messages/{}?format={}",
        net::path_segment(id),
        format.name()
    )
}

/// The message id and format a request to this endpoint asks for, if it is one: what a test
/// double answers by.
#[cfg(test)]
pub(crate) fn recognize(request: &net::Request) -> Option<(String, Format)> {
    let uri = url::Url::parse(&request.uri().to_string()).ok()?;
    let id = uri.path().strip_prefix("/gmail/v1/users/me/messages/")?;
    if request.method() != http::Method::GET || id.contains('/') {
        return None;
    }
    let format = match uri
        .query_pairs()
        .find(|(name, _)| name == "format")?
        .1
        .as_ref()
    {
        "full" => Format::Full,
        "raw" => Format::Raw,
        _ => return None,
    };
    let id = url::form_urlencoded::parse(format!("i={id}").as_bytes())
        .next()?
        .1
        .into_owned();
    Some((id, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_path_segment_and_recognized_again() {
        for (id, format, expected) in [
            (
                "18b7f6a2b00ad960",
                Format::Full,
                "https://gmail.googleapis.com/gmail/v1/users/me/messages/18b7f6a2b00ad960?format=full",
            ),
            (
                "a/b c",
                Format::Raw,
                "https://gmail.googleapis.com/gmail/v1/users/me/messages/a%2Fb+c?format=raw",
            ),
        ] {
            assert_eq!(url(id, format), expected);
            let request = net::json_get(expected).unwrap();
            assert_eq!(recognize(&request), Some((id.to_owned(), format)));
        }
        let list = net::json_get(&format!("{API}/messages?maxResults=1")).unwrap();
        assert_eq!(recognize(&list), None);
    }
}
