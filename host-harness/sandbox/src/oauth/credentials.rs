//! What proves a client: its secret (`client_secret_post` or `client_secret_basic`) and its PKCE
//! verifier (RFC 7636, S256).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::field;
use super::refusal::TokenRefusal;
use crate::config::{ClientApp, Provider};
use crate::mint;
use crate::state::Shared;
use crate::wire::{self, Request};

/// The client, authenticated by `client_secret_basic` or else `client_secret_post`.
pub(super) fn authenticate_client<'a>(
    shared: &'a Shared,
    provider: Provider,
    tenant: Option<&str>,
    request: &Request,
) -> Result<&'a ClientApp, TokenRefusal> {
    let (client_id, secret) = match request.authorization().and_then(basic_credentials) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            field(request, "client_id").map(str::to_owned),
            field(request, "client_secret").map(str::to_owned),
        ),
    };
    let client_id = client_id
        .filter(|id| !id.is_empty())
        .ok_or(TokenRefusal::MissingClientId)?;
    let client =
        shared
            .config
            .client(provider, &client_id)
            .ok_or_else(|| TokenRefusal::UnknownClient {
                client_id: client_id.clone(),
                tenant: tenant.unwrap_or_default().to_owned(),
            })?;
    match secret.filter(|s| !s.is_empty()) {
        None => Err(TokenRefusal::MissingSecret),
        Some(secret) if secret == client.client_secret => Ok(client),
        Some(_) => Err(TokenRefusal::WrongSecret { client_id }),
    }
}

/// The client ID and secret of an `Authorization: Basic` header, form-decoded (RFC 6749 §2.3.1).
fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let (scheme, encoded) = authorization.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((
        wire::percent_decode(id, true),
        wire::percent_decode(secret, true),
    ))
}

/// Whether `challenge` has the shape of an S256 challenge: 32 bytes in unpadded base64url.
pub(super) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `verifier` is a valid RFC 7636 verifier whose S256 challenge is `challenge`.
pub(super) fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(unreserved)
        && mint::sha256_b64(verifier) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge_known_answer() {
        // Computed independently: base64url(SHA-256(verifier)), without padding.
        assert!(verifier_matches(
            "sandbox-verifier-0123456789-abcdefghijklmnopqrstuvwxyz",
            "IocA9-XJPw7KMzHG0xBHD7yCoRxI73siI10YlZcqou4"
        ));
        assert!(!verifier_matches(
            "sandbox-verifier-0123456789-abcdefghijklmnopqrstuvwxyZ",
            "IocA9-XJPw7KMzHG0xBHD7yCoRxI73siI10YlZcqou4"
        ));
        assert!(is_s256_challenge(
            "IocA9-XJPw7KMzHG0xBHD7yCoRxI73siI10YlZcqou4"
        ));
        assert!(!is_s256_challenge(
            "IocA9-XJPw7KMzHG0xBHD7yCoRxI73siI10YlZcqou"
        ));
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret+x"));
        assert_eq!(
            basic_credentials(&header),
            Some(("my app".to_owned(), "s:cret x".to_owned()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
    }
}
