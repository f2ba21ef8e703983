//! Send-as aliases: the account's primary address plus the aliases
//! [`crate::Controls::add_send_as`] adds, and `users.settings.sendAs.list`.

use std::sync::{Mutex, MutexGuard, PoisonError};

use http::StatusCode;
use serde::Serialize;

use super::Call;
use super::{MAIL, MODIFY, READONLY, SETTINGS_BASIC};
use crate::wire::{self, Ordered, Response};

/// The scopes `sendAs.list` accepts.
pub(super) const SCOPES: [&str; 4] = [MAIL, MODIFY, READONLY, SETTINGS_BASIC];

/// A custom "from" address, verified.
#[derive(Clone)]
struct Alias {
    address: String,
    display_name: Option<String>,
}

/// The accepted aliases of the Google user, in the order they were added.
#[derive(Default)]
pub(crate) struct Aliases {
    list: Mutex<Vec<Alias>>,
}

impl Aliases {
    fn lock(&self) -> MutexGuard<'_, Vec<Alias>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `address` (or replaces it, any case) as an accepted alias shown as `display_name`.
    pub fn add(&self, address: &str, display_name: Option<&str>) {
        let mut list = self.lock();
        list.retain(|a| !a.address.eq_ignore_ascii_case(address));
        list.push(Alias {
            address: address.to_owned(),
            display_name: display_name.map(str::to_owned),
        });
    }

    /// Forgets every alias.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Whether `address` is an accepted alias.
    pub fn accepts(&self, address: &str) -> bool {
        self.lock()
            .iter()
            .any(|a| a.address.eq_ignore_ascii_case(address))
    }
}

/// A `SendAs` resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendAsJson {
    send_as_email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    is_primary: bool,
    is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    treat_as_alias: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_status: Option<&'static str>,
}

/// `GET /gmail/v1/users/{userId}/settings/sendAs`: the primary address (the default), then
/// the aliases.
pub(super) fn list(call: &Call<'_>) -> Response {
    let shared = call.shared;
    let owner = &shared.config.google_user;
    let primary = SendAsJson {
        send_as_email: owner.email.clone(),
        display_name: (!owner.display_name.is_empty()).then(|| owner.display_name.clone()),
        is_primary: true,
        is_default: true,
        treat_as_alias: None,
        verification_status: None,
    };
    let aliases = shared.aliases.lock().clone();
    let send_as: Vec<SendAsJson> = std::iter::once(primary)
        .chain(aliases.into_iter().map(|alias| SendAsJson {
            send_as_email: alias.address,
            display_name: alias.display_name,
            is_primary: false,
            is_default: false,
            treat_as_alias: Some(true),
            verification_status: Some("accepted"),
        }))
        .collect();
    wire::json(StatusCode::OK, &Ordered(vec![("sendAs", send_as)]))
}
