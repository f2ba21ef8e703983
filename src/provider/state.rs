//! The sync state each provider keeps in the cursor, typed per provider: Gmail's history
//! position and first-sync listing, or Graph's delta links per folder.
//!
//! The state lives here, in the providers' layer, and not in [`crate::page`] (a lower layer,
//! which cannot name a provider's type) nor in [`crate::sync`] (a higher one, which the
//! providers cannot use): a [`crate::page::Step`] is generic over its state, the providers fill
//! it with a [`SyncState`], and [`crate::sync::cursor`] writes it as JSON.

use super::{google, microsoft};
use crate::Error;
use crate::types::Provider;

/// A provider's sync state, as one sync step leaves it for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Gmail's.
    Google(google::sync::State),
    /// Graph's.
    Microsoft(microsoft::sync::State),
}

impl SyncState {
    /// The provider whose state this is.
    pub fn provider(&self) -> Provider {
        match self {
            SyncState::Google(_) => Provider::Google,
            SyncState::Microsoft(_) => Provider::Microsoft,
        }
    }

    /// The state as the JSON object the cursor holds. A state that cannot be written is an
    /// error, never a null state.
    pub fn to_json(&self) -> Result<serde_json::Value, Error> {
        let written = match self {
            SyncState::Google(state) => serde_json::to_value(state),
            SyncState::Microsoft(state) => serde_json::to_value(state),
        };
        written.map_err(|e| Error::transport(format!("cannot write the cursor: {e}")))
    }

    /// The state of `provider` read from the cursor's JSON `value`.
    pub fn from_json(provider: Provider, value: serde_json::Value) -> Result<Self, Error> {
        let read = match provider {
            Provider::Google => serde_json::from_value(value).map(SyncState::Google),
            Provider::Microsoft => serde_json::from_value(value).map(SyncState::Microsoft),
        };
        read.map_err(|_| Error::invalid("cursor", "is damaged"))
    }

    /// Gmail's state; any other is refused as a cursor of another provider.
    pub(crate) fn into_google(self) -> Result<google::sync::State, Error> {
        match self {
            SyncState::Google(state) => Ok(state),
            _ => Err(foreign()),
        }
    }

    /// Graph's state; any other is refused as a cursor of another provider.
    pub(crate) fn into_microsoft(self) -> Result<microsoft::sync::State, Error> {
        match self {
            SyncState::Microsoft(state) => Ok(state),
            _ => Err(foreign()),
        }
    }
}

/// The refusal of a state by another provider (as [`crate::sync::cursor::decode`] refuses a
/// cursor of another provider).
fn foreign() -> Error {
    Error::invalid("cursor", "belongs to another provider")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_takes_only_its_own_state() {
        let gmail = SyncState::from_json(
            Provider::Google,
            serde_json::json!({"folders": [], "history_id": "88035"}),
        )
        .unwrap();
        let graph = SyncState::from_json(
            Provider::Microsoft,
            serde_json::json!({"folders": [], "tree": null}),
        )
        .unwrap();
        assert_eq!(
            (gmail.provider(), graph.provider()),
            (Provider::Google, Provider::Microsoft)
        );
        let refused = Error::invalid("cursor", "belongs to another provider");
        assert_eq!(gmail.clone().into_microsoft().unwrap_err(), refused);
        assert_eq!(graph.clone().into_google().unwrap_err(), refused);
        assert!(gmail.into_google().is_ok() && graph.into_microsoft().is_ok());
    }
}
