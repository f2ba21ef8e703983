//! Message lists: `GET /me/messages` (every folder) and `GET /me/mailFolders/{id}/messages`,
//! newest first, with `$select`, `$top` and `$skip` (the `@odata.nextLink` carries the next
//! `$skip`, as Graph's does), `$orderby` on `receivedDateTime`, and `$filter` on the
//! conversation (`conversationId eq '…'`), the one filter the sandbox evaluates.

use std::cmp::Reverse;

use http::StatusCode;
use serde_json::value::RawValue;

use super::messages::{self, PROPERTIES, TYPE_NAME, View};
use super::select::{Selection, raw};
use super::{Call, folders, ids};
use crate::api;
use crate::config::Provider;
use crate::mailbox::model::Message;
use crate::wire::{Ordered, Refusal, Response};

/// Messages per page without `$top` (Graph's default for message lists).
const DEFAULT_PAGE: usize = 10;
/// The most messages a page holds, whatever `$top` says.
const MAX_PAGE: usize = 1000;

/// The query options that carry over to the `@odata.nextLink`.
const KEPT_OPTIONS: [&str; 4] = ["$filter", "$select", "$orderby", "$top"];

/// `GET /me/messages`, or `GET /me/mailFolders/{folder}/messages` (by id or well-known name).
pub(super) fn get(call: &Call, folder: Option<&str>) -> Response {
    match page(call, folder) {
        Ok(answer) => answer,
        Err(refused) => *refused,
    }
}

/// The page the request asks for.
fn page(call: &Call, folder: Option<&str>) -> Result<Response, Refusal> {
    let request = call.request;
    let selection = Selection::new(&PROPERTIES, request.query_param("$select"), TYPE_NAME)?;
    let top = super::number_option(request, "$top")?
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let skip = super::number_option(request, "$skip")?.unwrap_or(0);
    let conversation = request
        .query_param("$filter")
        .map(conversation)
        .transpose()?;
    let newest_first = newest_first(request.query_param("$orderby"), conversation.is_some())?;

    let mailbox = call.shared.mail.of(Provider::Microsoft);
    let tag = match folder {
        Some(folder) => {
            Some(folders::resolve(&mailbox, folder).ok_or_else(api::graph_item_not_found)?)
        }
        None => None,
    };
    let thread = conversation
        .as_deref()
        .map(|c| ids::decode(ids::Kind::Conversation, mailbox.salt(), c).map(|[key]| key));
    let mut found: Vec<&Message> = mailbox
        .messages()
        .filter(|m| tag.as_ref().is_none_or(|t| m.state.tags.contains(t)))
        .filter(|m| thread.is_none_or(|key| key == Some(m.thread.key)))
        .collect();
    match newest_first {
        true => found.sort_by_key(|m| Reverse(m.id)),
        false => found.sort_by_key(|m| m.id),
    }
    let more = found.len() > skip + top;
    let views: Vec<View> = found
        .into_iter()
        .skip(skip)
        .take(top)
        .map(|m| View::new(&mailbox, m, &call.prefer))
        .collect();
    drop(mailbox);

    let value: Vec<Ordered<Box<RawValue>>> = views
        .iter()
        .map(|view| Ordered(messages::members(view, &selection)))
        .collect();
    let base = match folder {
        Some(folder) => format!("{}/mailFolders('{folder}')/messages", call.user_context()),
        None => format!("{}/messages", call.user_context()),
    };
    let mut members = vec![
        ("@odata.context", raw(&selection.context(&base, ""))),
        ("value", raw(&value)),
    ];
    if more {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for option in KEPT_OPTIONS {
            if let Some(value) = request.query_param(option) {
                query.append_pair(option, value);
            }
        }
        query.append_pair("$skip", &(skip + top).to_string());
        members.push(("@odata.nextLink", raw(&call.link(&query.finish(), true))));
    }
    Ok(super::ok(&Ordered(members), &call.prefer.applied(false)))
}

/// The conversation id a `$filter` of `conversationId eq '…'` names (any case, single quotes
/// doubled inside). Any other filter is Graph's 400 for a filter it cannot evaluate: the sandbox
/// evaluates no other.
fn conversation(filter: &str) -> Result<String, Refusal> {
    let refused = || {
        Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        ))
    };
    let mut words = filter.trim().splitn(3, char::is_whitespace);
    let (Some(property), Some(operator), Some(literal)) =
        (words.next(), words.next(), words.next())
    else {
        return Err(refused());
    };
    if !property.eq_ignore_ascii_case("conversationId") || !operator.eq_ignore_ascii_case("eq") {
        return Err(refused());
    }
    let quoted = literal
        .trim()
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .ok_or_else(refused)?;
    Ok(quoted.replace("''", "'"))
}

/// Whether `$orderby` asks for the newest first (the default). Only `receivedDateTime` orders;
/// with the conversation filter, any `$orderby` is Graph's `InefficientFilter`, since the
/// property it sorts by is not in the filter.
fn newest_first(orderby: Option<&str>, filtered: bool) -> Result<bool, Refusal> {
    let Some(orderby) = orderby else {
        return Ok(true);
    };
    if filtered {
        return Err(Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "InefficientFilter",
            "The restriction or sort order is too complex for this operation.",
        )));
    }
    let mut words = orderby.split_whitespace();
    let property = words.next().unwrap_or_default();
    let direction = words.next().map(str::to_ascii_lowercase);
    match (
        property.eq_ignore_ascii_case("receivedDateTime"),
        direction.as_deref(),
        words.next(),
    ) {
        (true, None | Some("asc"), None) => Ok(false),
        (true, Some("desc"), None) => Ok(true),
        _ => Err(Box::new(api::graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("The sandbox orders messages by receivedDateTime only, not by '{orderby}'."),
        ))),
    }
}
