//! The sync cursor: opaque to the host, versioned, and bound to the provider kind.
//!
//! Format: `em1.` followed by base64url (no padding) of `{"k": kind, "s": provider state,
//! "q": quota ledger}` (the ledger, what the last calls spent of the provider's quota, is
//! absent from cursors made before pacing).

use crate::Error;
use crate::pace::Ledger;
use crate::types::ProviderKind;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The prefix of version 1 cursors.
const PREFIX: &str = "em1.";

#[derive(Serialize, Deserialize)]
struct Envelope {
    k: String,
    s: serde_json::Value,
    #[serde(default)]
    q: Ledger,
}

fn kind_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Google => "google",
        ProviderKind::Microsoft => "microsoft",
    }
}

/// The cursor for `state` and `ledger`.
pub fn encode(
    kind: ProviderKind,
    state: &serde_json::Value,
    ledger: &Ledger,
) -> Result<String, Error> {
    let envelope = Envelope {
        k: kind_name(kind).to_owned(),
        s: state.clone(),
        q: ledger.clone(),
    };
    let json = serde_json::to_vec(&envelope)
        .map_err(|e| Error::Transport(format!("cannot write the cursor: {e}")))?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json)))
}

/// The provider state and the quota ledger in `cursor`, which must be a cursor of `kind`.
pub fn decode(cursor: &str, kind: ProviderKind) -> Result<(serde_json::Value, Ledger), Error> {
    let bad = |why: &str| Error::invalid("cursor", why.to_owned());
    let body = cursor
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("is not a cursor of this version"))?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| bad("is damaged"))?;
    let envelope: Envelope = serde_json::from_slice(&json).map_err(|_| bad("is damaged"))?;
    if envelope.k != kind_name(kind) {
        return Err(bad("belongs to another provider"));
    }
    Ok((envelope.s, envelope.q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let state = serde_json::json!({"history_id": "88035"});
        let cursor = encode(ProviderKind::Google, &state, &Ledger::default()).unwrap();
        assert!(cursor.starts_with("em1."));
        assert_eq!(decode(&cursor, ProviderKind::Google).unwrap().0, state);
        // A cursor from before pacing has no ledger.
        let old = format!(
            "em1.{}",
            URL_SAFE_NO_PAD.encode(br#"{"k":"google","s":{}}"#)
        );
        assert_eq!(
            decode(&old, ProviderKind::Google).unwrap().1,
            Ledger::default()
        );
        for (bad, kind) in [
            (cursor.as_str(), ProviderKind::Microsoft),
            ("em0.e30", ProviderKind::Google),
            ("em1.!!!", ProviderKind::Google),
            ("em1.e30", ProviderKind::Google),
        ] {
            assert!(
                matches!(decode(bad, kind), Err(Error::InvalidInput { field, .. }) if field == "cursor"),
                "{bad}"
            );
        }
    }
}
