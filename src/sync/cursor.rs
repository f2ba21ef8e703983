//! The sync cursor: opaque to the host, versioned, and bound to the provider.
//!
//! Format: `em1.` followed by base64url (no padding) of `{"k": provider, "s": provider state,
//! "q": quota ledger}` (the ledger, what the last calls spent of the provider's quota, is
//! absent from cursors made before pacing). The provider state is typed ([`SyncState`]) but
//! written through a JSON value, as it always was: its keys come out sorted, so that a cursor
//! written today is the one earlier versions wrote for the same state.

use crate::Error;
use crate::pace::Ledger;
use crate::provider::SyncState;
use crate::types::Provider;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The prefix of version 1 cursors.
const PREFIX: &str = "em1.";

/// What a cursor holds, as JSON.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The provider ([`provider_name`]).
    k: String,
    /// The provider's state.
    s: serde_json::Value,
    /// What the last calls spent of the provider's quota.
    #[serde(default)]
    q: Ledger,
}

/// The name of `provider` in a cursor.
fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "google",
        Provider::Microsoft => "microsoft",
    }
}

/// The cursor for `state` (which names its provider) and `ledger`.
pub fn encode(state: &SyncState, ledger: &Ledger) -> Result<String, Error> {
    let envelope = Envelope {
        k: provider_name(state.provider()).to_owned(),
        s: state.to_json()?,
        q: ledger.clone(),
    };
    let json = serde_json::to_vec(&envelope)
        .map_err(|e| Error::transport(format!("cannot write the cursor: {e}")))?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json)))
}

/// The provider state and the quota ledger in `cursor`, which must be a cursor of `provider`.
pub fn decode(cursor: &str, provider: Provider) -> Result<(SyncState, Ledger), Error> {
    let bad = |why: &str| Error::invalid("cursor", why.to_owned());
    let body = cursor
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("is not a cursor of this version"))?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| bad("is damaged"))?;
    let envelope: Envelope = serde_json::from_slice(&json).map_err(|_| bad("is damaged"))?;
    if envelope.k != provider_name(provider) {
        return Err(bad("belongs to another provider"));
    }
    Ok((SyncState::from_json(provider, envelope.s)?, envelope.q))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cursor as earlier versions wrote it: the envelope's keys in the order `k`, `s`, `q`,
    /// the state's keys sorted.
    fn written(kind: &str, state: &str, ledger: Option<&str>) -> String {
        let json = match ledger {
            Some(q) => format!(r#"{{"k":"{kind}","s":{state},"q":{q}}}"#),
            None => format!(r#"{{"k":"{kind}","s":{state}}}"#),
        };
        format!("em1.{}", URL_SAFE_NO_PAD.encode(json))
    }

    /// A Gmail state in the middle of a first sync's listing.
    const GMAIL: &str = r#"{"folders":["INBOX","Label_7"],"history_id":"88035","listing":{"label":1,"listed":2,"max":null,"newer_than":1700000000,"page_token":"p2"}}"#;

    /// A Graph state after a first round, one folder still in its first round.
    const GRAPH: &str = r#"{"every":true,"excluded":["junk","deleted"],"folders":[{"filtered":false,"id":"inbox","initial":false,"link":"https://graph.microsoft.com/v1.0/me/mailFolders('inbox')/messages/delta?$deltatoken=t","pending":false,"rows":0},{"adopted":["m9"],"filtered":true,"id":"archive","initial":true,"link":null,"pending":true,"rows":12}],"outside":["junk","deleted"],"since":1700000000,"tree":"https://graph.microsoft.com/v1.0/me/mailFolders/delta?$deltatoken=u"}"#;

    const LEDGER: &str = r#"{"spent":[[1700000000000,40]]}"#;

    #[test]
    fn cursors_written_earlier_decode_and_are_written_again_byte_for_byte() {
        for (kind, name, state) in [
            (Provider::Google, "google", GMAIL),
            (Provider::Microsoft, "microsoft", GRAPH),
        ] {
            let old = written(name, state, Some(LEDGER));
            let (decoded, ledger) = decode(&old, kind).unwrap();
            assert_eq!(decoded.provider(), kind);
            assert_eq!(
                decoded.to_json().unwrap(),
                serde_json::from_str::<serde_json::Value>(state).unwrap(),
                "{name}: the state reads whole"
            );
            assert_ne!(ledger, Ledger::default());
            assert_eq!(encode(&decoded, &ledger).unwrap(), old, "{name}");
        }
    }

    #[test]
    fn both_providers_round_trip() {
        for (kind, name, state) in [
            (Provider::Google, "google", GMAIL),
            (
                Provider::Google,
                "google",
                r#"{"folders":[],"history_id":"102","history_page":"h3"}"#,
            ),
            (Provider::Microsoft, "microsoft", GRAPH),
        ] {
            let (state, ledger) = decode(&written(name, state, None), kind).unwrap();
            let again = encode(&state, &ledger).unwrap();
            assert!(again.starts_with("em1."));
            assert_eq!(decode(&again, kind).unwrap(), (state, ledger), "{name}");
        }
    }

    #[test]
    fn older_shapes_still_decode() {
        // A Graph state from before `every`, `outside`, `excluded`, `filtered` and `rows`, its
        // bound still named `newer_than`; a Gmail listing from before `label`; no ledger.
        let graph = r#"{"folders":[{"id":"inbox","link":null,"pending":true,"initial":true}],"tree":null,"newer_than":1690000000}"#;
        let (state, ledger) =
            decode(&written("microsoft", graph, None), Provider::Microsoft).unwrap();
        assert_eq!(ledger, Ledger::default());
        let json = state.to_json().unwrap();
        assert_eq!(json["since"], 1_690_000_000);
        assert_eq!(json["every"], false);
        assert_eq!(json["folders"][0]["rows"], 0);
        let gmail = r#"{"folders":[],"history_id":"7","listing":{"page_token":null,"listed":0,"newer_than":null,"max":10}}"#;
        let (state, _) = decode(&written("google", gmail, None), Provider::Google).unwrap();
        assert_eq!(state.to_json().unwrap()["listing"]["label"], 0);
    }

    #[test]
    fn refusals() {
        let (google, microsoft) = (Provider::Google, Provider::Microsoft);
        for (bad, kind, why) in [
            (
                written("google", GMAIL, None),
                microsoft,
                "belongs to another provider",
            ),
            (
                written("microsoft", GRAPH, None),
                google,
                "belongs to another provider",
            ),
            (
                "em0.e30".to_owned(),
                google,
                "is not a cursor of this version",
            ),
            ("em1.!!!".to_owned(), google, "is damaged"),
            ("em1.e30".to_owned(), google, "is damaged"),
            // A state of the wrong shape under the right name.
            (written("microsoft", GMAIL, None), microsoft, "is damaged"),
            (written("google", GRAPH, None), google, "is damaged"),
            (written("google", "null", None), google, "is damaged"),
        ] {
            assert_eq!(
                decode(&bad, kind).unwrap_err(),
                Error::invalid("cursor", why),
                "{bad}"
            );
        }
    }
}
