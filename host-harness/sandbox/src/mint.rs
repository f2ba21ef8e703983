//! Random and derived identifiers: codes, tokens, GUIDs and JWT-shaped strings.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// `bytes` random bytes, base64url without padding. 16 bytes (128 bits) is the least any code or
/// token gets.
pub(crate) fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random GUID (version 4), as Microsoft prints trace and correlation IDs.
pub(crate) fn random_guid() -> String {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    guid(buf)
}

/// A GUID that stays the same for the same `seed`, for stable object and tenant IDs.
pub(crate) fn derived_guid(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut buf = [0u8; 16];
    buf.copy_from_slice(&digest[..16]);
    guid(buf)
}

/// A decimal number of `digits` digits that stays the same for the same `seed` (Google subject
/// IDs are 21-digit numbers).
pub(crate) fn derived_digits(seed: &str, digits: usize) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut out = String::with_capacity(digits);
    out.push('1');
    out.extend(
        digest
            .iter()
            .cycle()
            .take(digits - 1)
            .map(|b| char::from(b'0' + b % 10)),
    );
    out
}

/// base64url(SHA-256(`text`)), the S256 code challenge of a verifier (RFC 7636) and the shape of
/// Microsoft's pairwise subject IDs.
pub(crate) fn sha256_b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// A JWT-shaped string: the base64url JSON header and claims and a random signature. Nothing
/// verifies the signature; clients read the claims.
pub(crate) fn jwt(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{}", part(header), part(claims), random_b64(64))
}

/// Formats 16 bytes as a version-4 GUID.
fn guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
