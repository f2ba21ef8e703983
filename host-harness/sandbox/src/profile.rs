//! Who is signed in: Gmail `users.getProfile` and Graph `GET /me`.

use http::StatusCode;
use serde_json::{Value, json};

use crate::api;
use crate::config::Provider;
use crate::state::Shared;
use crate::wire::{self, Ordered, Request, Response};

/// The scopes `users.getProfile` accepts (Gmail v1 discovery document).
const GMAIL_PROFILE_SCOPES: [&str; 5] = [
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.metadata",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.readonly",
];

/// The mailbox's current history ID: the sandbox mailbox starts empty, at its first record.
const HISTORY_ID: &str = "1";

/// `GET /gmail/v1/users/{userId}/profile`: `userId` is `me` or the signed-in address.
pub(crate) fn gmail(shared: &Shared, request: &Request, user_id: &str) -> Response {
    let grant = match api::authenticate(shared, Provider::Google, request) {
        Ok(grant) => grant,
        Err(refused) => return refused.response(),
    };
    if !api::has_any_scope(&grant, &GMAIL_PROFILE_SCOPES) {
        return api::google_insufficient_scope(&GMAIL_PROFILE_SCOPES);
    }
    let user = &shared.config.google_user;
    let user_id = wire::percent_decode(user_id, false);
    if user_id != "me" && !user_id.eq_ignore_ascii_case(&user.email) {
        let message = format!("Delegation denied for {user_id}");
        return api::google_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            &message,
            json!({"message": message, "domain": "global", "reason": "forbidden"}),
        );
    }
    let profile = Ordered(vec![
        ("emailAddress", json!(user.email)),
        ("messagesTotal", json!(0)),
        ("threadsTotal", json!(0)),
        ("historyId", json!(HISTORY_ID)),
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
