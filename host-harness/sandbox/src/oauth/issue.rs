//! Minting access and ID tokens and the token endpoint's success answer.

use std::time::SystemTime;

use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use super::scope;
use crate::clock::unix_seconds;
use crate::config::{Provider, SandboxUser};
use crate::mint;
use crate::state::{ACCESS_LIFETIME, Grant, Shared};
use crate::wire::{self, Response};

/// `expires_in` of access tokens, as both providers state it.
const EXPIRES_IN: u64 = ACCESS_LIFETIME.as_secs() - 1;

/// Issues an access token (and an ID token when `openid` was granted) for `grant`, with
/// `refresh_token` if one goes with them, and answers with the provider's token response.
pub(super) fn tokens(shared: &Shared, grant: &Grant, refresh_token: Option<String>) -> Response {
    let user = shared.config.user(grant.provider);
    let now = SystemTime::now();
    let access_token = access_token(grant, user, now);
    shared
        .store
        .insert_access(access_token.clone(), grant.clone());
    let id_token = scope::holds(&grant.scopes, "openid").then(|| id_token(grant, user, now));
    let scope = grant.scopes.join(" ");
    match grant.provider {
        Provider::Google => wire::json(
            StatusCode::OK,
            &GoogleTokens {
                access_token,
                expires_in: EXPIRES_IN,
                refresh_token,
                scope,
                token_type: "Bearer",
                id_token,
            },
        ),
        Provider::Microsoft => wire::json(
            StatusCode::OK,
            &EntraTokens {
                token_type: "Bearer",
                scope,
                expires_in: EXPIRES_IN,
                ext_expires_in: EXPIRES_IN,
                access_token,
                refresh_token,
                id_token,
            },
        ),
    }
}

/// Google's token response.
#[derive(Serialize)]
struct GoogleTokens {
    access_token: String,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    scope: String,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

/// Entra's token response.
#[derive(Serialize)]
struct EntraTokens {
    token_type: &'static str,
    scope: String,
    expires_in: u64,
    ext_expires_in: u64,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

/// A new access token: Google's opaque `ya29.` tokens, Graph's JWTs (v1.0 tokens, issued by
/// `sts.windows.net`, with the Graph permissions in `scp`).
fn access_token(grant: &Grant, user: &SandboxUser, now: SystemTime) -> String {
    match grant.provider {
        Provider::Google => format!("ya29.{}", mint::random_b64(48)),
        Provider::Microsoft => {
            let iat = unix_seconds(now);
            let tid = user.tenant_id();
            let scp: Vec<&str> = grant
                .scopes
                .iter()
                .filter_map(|s| s.strip_prefix(scope::GRAPH))
                .collect();
            let claims = json!({
                "aud": "00000003-0000-0000-c000-000000000000",
                "iss": format!("https://sts.windows.net/{tid}/"),
                "iat": iat,
                "nbf": iat,
                "exp": iat + ACCESS_LIFETIME.as_secs(),
                "appid": grant.client_id,
                "name": user.display_name,
                "oid": user.object_id(),
                "scp": scp.join(" "),
                "tid": tid,
                "upn": user.email,
                "uti": mint::random_b64(16),
                "ver": "1.0",
            });
            mint::jwt(&jwt_header(), &claims)
        }
    }
}

/// A new ID token. Google puts `email` and `email_verified` only with the `email` scope and `name`
/// only with `profile`; Entra puts `email` only with the `email` scope.
fn id_token(grant: &Grant, user: &SandboxUser, now: SystemTime) -> String {
    let iat = unix_seconds(now);
    let exp = iat + ACCESS_LIFETIME.as_secs();
    let mut claims = match grant.provider {
        Provider::Google => json!({
            "iss": "https://accounts.google.com",
            "azp": grant.client_id,
            "aud": grant.client_id,
            "sub": user.google_subject(),
            "iat": iat,
            "exp": exp,
        }),
        Provider::Microsoft => {
            let tid = user.tenant_id();
            json!({
                "aud": grant.client_id,
                "iss": format!("https://login.microsoftonline.com/{tid}/v2.0"),
                "iat": iat,
                "nbf": iat,
                "exp": exp,
                "name": user.display_name,
                "oid": user.object_id(),
                "preferred_username": user.email,
                // Entra's subject is pairwise: one value per user and app.
                "sub": mint::sha256_b64(&format!("{}:{}", grant.client_id, user.object_id())),
                "tid": tid,
                "ver": "2.0",
            })
        }
    };
    let map = claims.as_object_mut().expect("claims are an object");
    let mut add = |name: &str, value: Value| map.insert(name.to_owned(), value);
    match grant.provider {
        // Google's ID token claims: `email` and `email_verified` "provided when the request scope
        // included the string `email`", `name` possibly provided with `profile`:
        // https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
        // (the stricter reading: never without it).
        Provider::Google => {
            if scope::holds(&grant.scopes, scope::GOOGLE_EMAIL) {
                add("email", json!(user.email));
                add("email_verified", json!(true));
            }
            if scope::holds(&grant.scopes, scope::GOOGLE_PROFILE) {
                add("name", json!(user.display_name));
            }
        }
        Provider::Microsoft => {
            if scope::holds(&grant.scopes, "email") {
                add("email", json!(user.email));
            }
        }
    }
    mint::jwt(&jwt_header(), &claims)
}

/// The JOSE header of the sandbox's JWT-shaped tokens.
fn jwt_header() -> Value {
    json!({"typ": "JWT", "alg": "RS256", "kid": "sandbox"})
}
