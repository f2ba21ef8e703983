//! `GET /me/messages/{id}` (https://learn.microsoft.com/en-us/graph/api/message-get): one
//! message with the properties a `$select` names; the answer is a
//! [`super::message::GraphMessage`].

use super::{API, immutable_ids};
use crate::Error;
use crate::net::{self, Request};

/// What the answer is read as, in errors.
pub(super) const NAME: &str = "Graph message";

/// The request of message `id` with the properties `select` names, by its immutable id.
pub(super) fn request(id: &str, select: &str) -> Result<Request, Error> {
    net::json_get(&format!(
        "{API}/messages/{}?$select={select}",
        net::path_segment(id)
    ))
    .map(immutable_ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_immutable_id_with_its_select() {
        let request = request("AAMk/=", "id,subject").unwrap();
        assert_eq!(
            request.uri(),
            "https://graph.microsoft.com/v1.0/me/messages/AAMk%2F%3D?$select=id,subject"
        );
        assert_eq!(request.headers()["prefer"], "IdType=\"ImmutableId\"");
    }
}
