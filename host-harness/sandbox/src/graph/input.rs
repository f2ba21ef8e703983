//! Reading Graph request bodies: JSON objects (member names match in any case, as Graph matches
//! them), recipients, item bodies and internet message headers, with Graph's 400s for what it
//! cannot read.

use http::StatusCode;
use serde_json::{Map, Value};

use crate::api;
use crate::mailbox::draft::Body;
use crate::mailbox::mime::Address;
use crate::wire::{Refusal, Request};

/// A JSON object of a request body.
pub(super) type Object = Map<String, Value>;

/// Graph's 400 `RequestBodyRead`: a body it cannot read as the type it expects.
pub(super) fn unreadable(message: &str) -> Refusal {
    Box::new(api::graph_error(
        StatusCode::BAD_REQUEST,
        "RequestBodyRead",
        message,
    ))
}

/// The body of `request` as a JSON object (an empty body is an empty object).
pub(super) fn object(request: &Request) -> Result<Object, Refusal> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Object::new());
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(unreadable(
            "An unexpected 'StartArray' or primitive node was found when reading the request body; a 'StartObject' node was expected.",
        )),
        Err(e) => Err(unreadable(&format!("Invalid JSON. {e}"))),
    }
}

/// Checks that every member of `object` is one of the properties `known` of entity type
/// `type_name` (any case) or an annotation (`@odata.type`, …).
pub(super) fn check_properties(
    object: &Object,
    known: &[&str],
    type_name: &str,
) -> Result<(), Refusal> {
    match unknown(object, known) {
        None => Ok(()),
        Some(name) => Err(unreadable(&format!(
            "The property '{name}' does not exist on type '{type_name}'. Make sure to only use property names that are defined by the type or mark the type as open type."
        ))),
    }
}

/// Checks that every member of `object` is one of the parameters `known` of action `action`.
pub(super) fn check_parameters(
    object: &Object,
    known: &[&str],
    action: &str,
) -> Result<(), Refusal> {
    match unknown(object, known) {
        None => Ok(()),
        Some(name) => Err(unreadable(&format!(
            "The parameter '{name}' in the request payload is not a valid parameter for the operation '{action}'."
        ))),
    }
}

/// The first member of `object` that is neither one of `known` nor an annotation.
fn unknown<'a>(object: &'a Object, known: &[&str]) -> Option<&'a str> {
    object
        .keys()
        .map(String::as_str)
        .find(|k| !k.contains('@') && !known.iter().any(|n| n.eq_ignore_ascii_case(k)))
}

/// The member `name` of `object` (any case); a `null` member counts as absent.
pub(super) fn member<'a>(object: &'a Object, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Graph's 400 for `value` where a value of `edm_type` belongs.
fn not_a(value: &Value, edm_type: &str) -> Refusal {
    unreadable(&format!(
        "Cannot convert the literal '{value}' to the expected type '{edm_type}'."
    ))
}

/// The string member `name`.
pub(super) fn string(object: &Object, name: &str) -> Result<Option<String>, Refusal> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(not_a(other, "Edm.String")),
    }
}

/// The boolean member `name`.
pub(super) fn boolean(object: &Object, name: &str) -> Result<Option<bool>, Refusal> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(not_a(other, "Edm.Boolean")),
    }
}

/// The whole-number member `name`.
pub(super) fn number(object: &Object, name: &str) -> Result<Option<u64>, Refusal> {
    match member(object, name) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| not_a(value, "Edm.Int64")),
    }
}

/// The object member `name`.
pub(super) fn nested<'a>(object: &'a Object, name: &str) -> Result<Option<&'a Object>, Refusal> {
    match member(object, name) {
        None => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(unreadable(&format!(
            "The value '{other}' of '{name}' is not an object."
        ))),
    }
}

/// The array member `name` (an absent one is empty).
pub(super) fn array<'a>(object: &'a Object, name: &str) -> Result<&'a [Value], Refusal> {
    match member(object, name) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(unreadable(&format!(
            "The value '{other}' of '{name}' is not a collection."
        ))),
    }
}

/// A collection of `recipient`s (`[{"emailAddress": {"name", "address"}}]`), or Graph's 400
/// `ErrorInvalidRecipients` for one without an address.
pub(super) fn recipients(object: &Object, name: &str) -> Result<Option<Vec<Address>>, Refusal> {
    if member(object, name).is_none() {
        return Ok(None);
    }
    let mut addresses = Vec::new();
    for item in array(object, name)? {
        let Value::Object(recipient) = item else {
            return Err(not_a(item, "microsoft.graph.recipient"));
        };
        let email = nested(recipient, "emailAddress")?
            .cloned()
            .unwrap_or_default();
        let address = string(&email, "address")?.unwrap_or_default();
        let display = string(&email, "name")?.filter(|n| !n.is_empty());
        if !address.contains('@') {
            let shown = display.as_deref().unwrap_or(&address);
            return Err(Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRecipients",
                &format!(
                    "At least one recipient is not valid., Recipient '{shown}' is not resolved. All recipients must be resolved before a message can be submitted."
                ),
            )));
        }
        addresses.push(Address {
            name: display,
            address: address.trim().to_owned(),
        });
    }
    Ok(Some(addresses))
}

/// An `itemBody` member (`{"contentType": "text" | "html", "content"}`).
pub(super) fn body(object: &Object, name: &str) -> Result<Option<Body>, Refusal> {
    let Some(body) = nested(object, name)? else {
        return Ok(None);
    };
    let html = match string(body, "contentType")?.map(|t| t.to_ascii_lowercase()) {
        None => false,
        Some(kind) if kind == "text" => false,
        Some(kind) if kind == "html" => true,
        Some(other) => {
            return Err(unreadable(&format!(
                "Cannot convert the literal '{other}' to the expected type 'microsoft.graph.bodyType'."
            )));
        }
    };
    Ok(Some(Body {
        html,
        content: string(body, "content")?.unwrap_or_default(),
    }))
}

/// A `followupFlag`'s status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FlagStatus {
    /// `notFlagged`.
    NotFlagged,
    /// `flagged`.
    Flagged,
    /// `complete`.
    Complete,
}

/// The `flagStatus` of a `followupFlag` member `name` (`{"flagStatus", "startDateTime",
/// "dueDateTime", "completedDateTime"}`; the dates are taken and not kept), if it sets one.
pub(super) fn flag(object: &Object, name: &str) -> Result<Option<FlagStatus>, Refusal> {
    let Some(flag) = nested(object, name)? else {
        return Ok(None);
    };
    check_properties(
        flag,
        &[
            "completedDateTime",
            "dueDateTime",
            "flagStatus",
            "startDateTime",
        ],
        "microsoft.graph.followupFlag",
    )?;
    let Some(status) = string(flag, "flagStatus")? else {
        return Ok(None);
    };
    match status.to_ascii_lowercase().as_str() {
        "notflagged" => Ok(Some(FlagStatus::NotFlagged)),
        "flagged" => Ok(Some(FlagStatus::Flagged)),
        "complete" => Ok(Some(FlagStatus::Complete)),
        _ => Err(unreadable(&format!(
            "Cannot convert the literal '{status}' to the expected type 'microsoft.graph.followupFlagStatus'."
        ))),
    }
}

/// `internetMessageHeaders` (`[{"name", "value"}]`): Graph takes custom headers only, named
/// `x-…`.
pub(super) fn headers(object: &Object) -> Result<Option<Vec<(String, String)>>, Refusal> {
    if member(object, "internetMessageHeaders").is_none() {
        return Ok(None);
    }
    let mut headers = Vec::new();
    for item in array(object, "internetMessageHeaders")? {
        let Value::Object(header) = item else {
            return Err(not_a(item, "microsoft.graph.internetMessageHeader"));
        };
        let name = string(header, "name")?.unwrap_or_default();
        if !name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("x-")) {
            return Err(Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "InvalidInternetMessageHeader",
                &format!(
                    "The internet message header name '{name}' should start with 'x-' or 'X-'."
                ),
            )));
        }
        headers.push((name, string(header, "value")?.unwrap_or_default()));
    }
    Ok(Some(headers))
}
