//! Who is signed in: Gmail `users.getProfile` and Graph `GET /me`.

use http::StatusCode;
use serde_json::{Value, json};

use std::collections::HashSet;

use crate::config::Provider;
use crate::state::Shared;
use crate::wire::{self, Ordered, Request, Response};
use crate::{api, gmail};

/// The scopes `users.getProfile` accepts (Gmail v1 discovery document).
pub(crate) const GMAIL_PROFILE_SCOPES: [&str; 5] = [
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.metadata",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.readonly",
];

/// `GET /gmail/v1/users/{userId}/profile`: `userId` is `me` or the signed-in address. Counts
/// every message and thread of the mailbox, and gives its current history ID.
pub(crate) fn gmail(call: &gmail::Call<'_>) -> Response {
    let shared = call.shared;
    let (messages, threads, history_id) = {
        let mailbox = shared.mail.of(Provider::Google);
        let threads: HashSet<u64> = mailbox.messages().map(|m| m.thread.key).collect();
        (mailbox.messages().count(), threads.len(), mailbox.change())
    };
    let profile = Ordered(vec![
        ("emailAddress", json!(shared.config.google_user.email)),
        ("messagesTotal", json!(messages)),
        ("threadsTotal", json!(threads)),
        ("historyId", json!(history_id.to_string())),
    ]);
    wire::json(StatusCode::OK, &profile)
}

/// The Graph permissions that allow reading `/me`.
const ME_PERMISSIONS: [&str; 8] = [
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/User.ReadWrite",
    "https://graph.microsoft.com/User.ReadBasic.All",
    "https://graph.microsoft.com/User.Read.All",
    "https://graph.microsoft.com/User.ReadWrite.All",
    "https://graph.microsoft.com/Directory.Read.All",
    "https://graph.microsoft.com/Directory.ReadWrite.All",
    "https://graph.microsoft.com/Directory.AccessAsUser.All",
];

/// `GET /v1.0/me`, honouring `$select`.
pub(crate) fn graph_me(shared: &Shared, request: &Request) -> Response {
    let grant = match api::authenticate(shared, Provider::Microsoft, request) {
        Ok(grant) => grant,
        Err(refused) => return refused.response(),
    };
    if !api::has_any_scope(&grant, &ME_PERMISSIONS) {
        return api::graph_forbidden();
    }
    let user = &shared.config.microsoft_user;
    // The default property set of a user, in Graph's order.
    let properties: [(&'static str, Value); 11] = [
        ("businessPhones", json!([])),
        ("displayName", json!(user.display_name)),
        ("givenName", Value::Null),
        ("jobTitle", Value::Null),
        ("mail", json!(user.email)),
        ("mobilePhone", Value::Null),
        ("officeLocation", Value::Null),
        ("preferredLanguage", Value::Null),
        ("surname", Value::Null),
        ("userPrincipalName", json!(user.email)),
        ("id", json!(user.object_id())),
    ];
    let Some(select) = request.query_param("$select") else {
        let mut members = vec![(
            "@odata.context",
            json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity"),
        )];
        members.extend(properties);
        return wire::json(StatusCode::OK, &Ordered(members));
    };
    let mut chosen = Vec::new();
    for name in select.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((property, value)) = properties
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(name))
        else {
            return api::graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                ),
            );
        };
        if !chosen.iter().any(|(p, _)| p == property) {
            chosen.push((*property, value.clone()));
        }
    }
    let names: Vec<&str> = chosen.iter().map(|(p, _)| *p).collect();
    let context = format!(
        "https://graph.microsoft.com/v1.0/$metadata#users({})/$entity",
        names.join(",")
    );
    let mut members = vec![("@odata.context", json!(context))];
    members.extend(chosen);
    wire::json(StatusCode::OK, &Ordered(members))
}
