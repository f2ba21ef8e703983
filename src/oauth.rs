//! The OAuth 2.0 authorization-code flow with PKCE (RFC 6749, RFC 7636), shared by both
//! providers: the authorization URL, the callback, the token endpoint's requests, answers and
//! errors, each read against the provider's [`OAuthProfile`]. Each function is pure; the caller
//! sends the requests.

use crate::Error;
use crate::net::{self, Request, Response};
use crate::profile::OAuthProfile;
use crate::types::{App, AuthOptions, AuthRejection, PendingAuth};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use url::Url;

/// Random bytes `begin` needs: 32 for the state, 32 for the PKCE verifier.
pub const ENTROPY_BYTES: usize = 64;

/// How long a pending authorization stays valid.
pub const PENDING_TTL_SECONDS: u64 = 10 * 60;

/// How far in the future a pending record's `created-at` may lie (clock skew between calls).
const CLOCK_SKEW_SECONDS: u64 = 60;

/// Starts a flow: fresh state and PKCE verifier from `entropy`, and the authorization URL.
pub fn begin(
    profile: &OAuthProfile,
    app: &App,
    options: &AuthOptions,
    now: u64,
    entropy: &[u8],
) -> Result<PendingAuth, Error> {
    if entropy.len() < ENTROPY_BYTES {
        return Err(Error::unsupported(
            "wasi:random/random",
            "the host's random source returned too few bytes",
        ));
    }
    let state = URL_SAFE_NO_PAD.encode(&entropy[..32]);
    let code_verifier = URL_SAFE_NO_PAD.encode(&entropy[32..64]);
    let scope = app.scopes.join(" ");
    let challenge = code_challenge(&code_verifier);
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &app.client_id),
        ("redirect_uri", &app.redirect_uri),
        ("scope", &scope),
        ("state", &state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(profile.extra_authorize_params);
    if let Some(hint) = options
        .login_hint
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        if hint.chars().any(char::is_control) {
            return Err(Error::invalid(
                "login-hint",
                "must not contain control characters",
            ));
        }
        params.push(("login_hint", hint));
    }
    let url = Url::parse_with_params(&profile.endpoints(app).authorize, &params).map_err(|e| {
        Error::invalid(
            "tenant",
            format!("gives an invalid authorization URL ({e})"),
        )
    })?;
    Ok(PendingAuth {
        authorization_url: url.into(),
        state,
        code_verifier,
        created_at: now,
    })
}

/// The PKCE `S256` challenge of a verifier: `BASE64URL(SHA256(verifier))`.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Reads the URL the provider redirected the browser to and returns the authorization code.
///
/// Refuses a URL that is not the configured redirect URI, a repeated parameter, a state that is
/// not the pending one, a pending record older than [`PENDING_TTL_SECONDS`], and an error
/// redirect (`access_denied` gets its own reason).
pub fn read_callback(
    app: &App,
    pending: &PendingAuth,
    callback_url: &str,
    now: u64,
) -> Result<String, Error> {
    const FIELD: &str = "callback-url";
    let url = Url::parse(callback_url.trim())
        .map_err(|e| Error::invalid(FIELD, format!("must be an absolute URL ({e})")))?;
    let redirect = Url::parse(&app.redirect_uri)
        .map_err(|e| Error::invalid("redirect-uri", format!("must be an absolute URL ({e})")))?;
    let same_endpoint = url.scheme() == redirect.scheme()
        && url.host() == redirect.host()
        && url.port_or_known_default() == redirect.port_or_known_default()
        && url.path() == redirect.path();
    if !same_endpoint {
        return Err(Error::invalid(FIELD, "is not at the app's redirect URI"));
    }

    // A map, not a list searched for each parameter: a callback URL of many parameters must not
    // take quadratic time.
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in url.query_pairs() {
        if params.contains_key(name.as_ref()) {
            return Err(Error::invalid(
                FIELD,
                format!("repeats the parameter {name:?}"),
            ));
        }
        params.insert(name.into_owned(), value.into_owned());
    }
    let param = |name: &str| params.get(name).map(String::as_str);

    let state_matches = param("state")
        .is_some_and(|state| constant_time_eq(state.as_bytes(), pending.state.as_bytes()));
    if !state_matches {
        return Err(Error::rejected(
            AuthRejection::StateMismatch,
            "the callback's state is not the one this connect flow issued; start again",
        ));
    }
    if pending.created_at > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(Error::invalid("pending.created-at", "lies in the future"));
    }
    if now.saturating_sub(pending.created_at) > PENDING_TTL_SECONDS {
        return Err(Error::rejected(
            AuthRejection::Expired,
            "the connect flow began more than 10 minutes ago; start again",
        ));
    }
    if let Some(error) = param("error") {
        let reason = if error == "access_denied" {
            AuthRejection::AccessDenied
        } else {
            AuthRejection::ProviderRefused
        };
        let description = param("error_description")
            .map(first_line)
            .unwrap_or("no description");
        return Err(Error::AuthRejected {
            reason,
            code: Some(error.to_owned()),
            message: format!("the provider redirected with {error}: {description}"),
        });
    }
    match param("code") {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(Error::rejected(
            AuthRejection::ProviderRefused,
            "the callback carries neither a code nor an error",
        )),
    }
}

/// The token request that redeems an authorization code.
pub fn code_request(
    profile: &OAuthProfile,
    app: &App,
    pending: &PendingAuth,
    code: &str,
) -> Result<Request, Error> {
    token_request(
        profile,
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", &pending.code_verifier),
        ],
    )
}

/// The token request of the refresh grant.
pub fn refresh_request(
    profile: &OAuthProfile,
    app: &App,
    refresh_token: &str,
) -> Result<Request, Error> {
    token_request(
        profile,
        app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
}

/// A form POST to the token endpoint with the client credentials (`client_secret_post`).
fn token_request(
    profile: &OAuthProfile,
    app: &App,
    grant: &[(&str, &str)],
) -> Result<Request, Error> {
    let scope = app.scopes.join(" ");
    let mut fields = grant.to_vec();
    fields.push(("client_id", &app.client_id));
    fields.push(("client_secret", &app.client_secret));
    if profile.token_request_sends_scope {
        fields.push(("scope", &scope));
    }
    net::form_post(&profile.endpoints(app).token, &fields)
}

/// Which grant a token response answers; it decides what `invalid_grant` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// An authorization code: `invalid_grant` means the code is bad, used or expired.
    AuthorizationCode,
    /// A refresh token: `invalid_grant` means the grant is gone.
    RefreshToken,
}

/// The tokens of a successful token response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The new access token.
    pub access_token: String,
    /// The refresh token, when one came back.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub expires_at: u64,
    /// The granted scopes, when the provider listed them.
    pub scopes: Option<Vec<String>>,
    /// The `name` claim of the ID token, when there was one.
    pub name: Option<String>,
}

/// RFC 6749 section 5.1, with `expires_in` as a number or a string.
#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

/// RFC 6749 section 5.2; Microsoft adds `error_codes` (the AADSTS numbers).
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u64>,
}

/// Access tokens are assumed to last an hour when the provider does not say.
const DEFAULT_LIFETIME_SECONDS: u64 = 3600;

/// Reads a token endpoint response: the tokens, or the error mapped to what the host must do.
pub fn parse_token_response(response: &Response, grant: Grant, now: u64) -> Result<Tokens, Error> {
    let status = response.status();
    if !status.is_success() {
        return Err(token_error(response, grant, now));
    }
    let body: TokenBody = net::parse_json(response, "token endpoint")?;
    if body.access_token.is_empty() {
        return Err(Error::malformed(
            Some(status.as_u16()),
            "the token endpoint returned an empty access token",
        ));
    }
    if let Some(kind) = body
        .token_type
        .as_deref()
        .filter(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(Error::malformed(
            Some(status.as_u16()),
            format!("unexpected token type {kind:?}"),
        ));
    }
    let lifetime = match &body.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .unwrap_or(DEFAULT_LIFETIME_SECONDS);
    Ok(Tokens {
        access_token: body.access_token,
        refresh_token: body.refresh_token.filter(|t| !t.is_empty()),
        expires_at: now.saturating_add(lifetime),
        scopes: body
            .scope
            .as_deref()
            .map(split_scopes)
            .filter(|s| !s.is_empty()),
        name: body.id_token.as_deref().and_then(id_token_name),
    })
}

/// Maps a token endpoint error. `invalid_grant` is a dead grant on refresh and a refused
/// callback on code redemption; 429, 5xx, `temporarily_unavailable` and `server_error` are
/// temporary; everything else (`invalid_client`, `invalid_scope`, ...) is the provider's refusal.
fn token_error(response: &Response, grant: Grant, now: u64) -> Error {
    let status = response.status();
    let status_code = Some(status.as_u16());
    let Ok(body) = serde_json::from_slice::<ErrorBody>(response.body()) else {
        let message = format!("the token endpoint answered HTTP {status}");
        return if net::is_transient(status) {
            Error::RetryLater {
                retry_after_seconds: net::retry_after(response, now),
                status: status_code,
                code: None,
                message,
            }
        } else {
            Error::Provider {
                status: status_code,
                code: None,
                message,
            }
        };
    };
    let mut message = body.error.clone();
    if let Some(aadsts) = body.error_codes.first() {
        let tag = format!("AADSTS{aadsts}");
        if !body
            .error_description
            .as_deref()
            .unwrap_or_default()
            .starts_with(&tag)
        {
            message = format!("{message} ({tag})");
        }
    }
    if let Some(description) = body.error_description.as_deref() {
        message = format!("{message}: {}", first_line(description));
    }
    let code = Some(body.error.clone());
    match body.error.as_str() {
        // RFC 6749 section 5.2 (`invalid_grant`) and OpenID Connect Core 3.1.2.6
        // (`interaction_required`, `login_required`, `consent_required`): the grant itself is
        // refused until the user signs in or consents again (Entra answers refreshes so under
        // Conditional Access, MFA or a new consent requirement: AADSTS50076, AADSTS65001).
        "invalid_grant" | "interaction_required" | "login_required" | "consent_required" => {
            match grant {
                Grant::RefreshToken => Error::ReauthorizationRequired {
                    status: status_code,
                    code,
                    message,
                },
                Grant::AuthorizationCode => Error::AuthRejected {
                    reason: AuthRejection::ProviderRefused,
                    code,
                    message,
                },
            }
        }
        "temporarily_unavailable" | "server_error" => Error::RetryLater {
            retry_after_seconds: net::retry_after(response, now),
            status: status_code,
            code,
            message,
        },
        _ if net::is_transient(status) => Error::RetryLater {
            retry_after_seconds: net::retry_after(response, now),
            status: status_code,
            code,
            message,
        },
        _ => Error::Provider {
            status: status_code,
            code,
            message,
        },
    }
}

/// Scopes are space separated; Microsoft's documented sample percent-encodes them.
fn split_scopes(scope: &str) -> Vec<String> {
    let decoded: String = if scope.contains('%') {
        form_urlencoded::parse(format!("s={scope}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| scope.to_owned())
    } else {
        scope.to_owned()
    };
    decoded.split_whitespace().map(str::to_owned).collect()
}

/// The `name` claim of an ID token received straight from the token endpoint over TLS (OpenID
/// Connect Core 3.1.3.7 lets such a token go unverified); `None` when absent or unreadable.
fn id_token_name(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// The first line of a provider description (Microsoft appends trace and correlation ids).
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{GOOGLE, MICROSOFT};
    use crate::types::Provider;

    fn app(kind: Provider) -> App {
        crate::config::configure(crate::types::AppConfig {
            provider: kind,
            client_id: "client-1".into(),
            client_secret: "secret-1".into(),
            redirect_uri: "https://app.example.com/cb".into(),
            tenant: None,
            scopes: None,
            limits: None,
        })
        .unwrap()
    }

    fn entropy() -> Vec<u8> {
        (0..64u8).collect()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
        q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn rfc7636_appendix_b_challenge() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn google_authorization_url() {
        let options = AuthOptions {
            login_hint: Some("ann@example.com".into()),
        };
        let pending = begin(
            &GOOGLE.oauth,
            &app(Provider::Google),
            &options,
            1000,
            &entropy(),
        )
        .unwrap();
        assert!(
            pending
                .authorization_url
                .starts_with("https://accounts.google.com/o/oauth2/v2/auth?")
        );
        let q = query(&pending.authorization_url);
        assert_eq!(get(&q, "response_type"), Some("code"));
        assert_eq!(get(&q, "client_id"), Some("client-1"));
        assert_eq!(get(&q, "redirect_uri"), Some("https://app.example.com/cb"));
        assert_eq!(
            get(&q, "scope"),
            Some("openid email profile https://www.googleapis.com/auth/gmail.modify")
        );
        assert_eq!(get(&q, "state"), Some(pending.state.as_str()));
        assert_eq!(
            get(&q, "code_challenge"),
            Some(code_challenge(&pending.code_verifier).as_str())
        );
        assert_eq!(get(&q, "code_challenge_method"), Some("S256"));
        assert_eq!(get(&q, "access_type"), Some("offline"));
        assert_eq!(get(&q, "prompt"), Some("consent"));
        assert_eq!(get(&q, "login_hint"), Some("ann@example.com"));
        assert_eq!(pending.state.len(), 43, "256 bits of state");
        assert_eq!(pending.code_verifier.len(), 43);
        assert_ne!(pending.state, pending.code_verifier);
        assert_eq!(pending.created_at, 1000);
        assert!(!pending.authorization_url.contains("secret-1"));
    }

    #[test]
    fn microsoft_uses_the_tenant_authority() {
        let mut s = app(Provider::Microsoft);
        s.tenant = Some("contoso.onmicrosoft.com".into());
        let pending = begin(
            &MICROSOFT.oauth,
            &s,
            &AuthOptions { login_hint: None },
            0,
            &entropy(),
        )
        .unwrap();
        assert!(pending.authorization_url.starts_with(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?"
        ));
        let q = query(&pending.authorization_url);
        assert_eq!(get(&q, "access_type"), None);
        assert_eq!(get(&q, "login_hint"), None);
        assert!(get(&q, "scope").unwrap().contains("offline_access"));
    }

    fn pending() -> PendingAuth {
        PendingAuth {
            authorization_url: String::new(),
            state: "the-state".into(),
            code_verifier: "v".repeat(43),
            created_at: 1000,
        }
    }

    fn reason(error: Error) -> AuthRejection {
        match error {
            Error::AuthRejected { reason, .. } => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn callback_gives_the_code() {
        let s = app(Provider::Google);
        let code = read_callback(
            &s,
            &pending(),
            "https://app.example.com/cb?state=the-state&code=4%2F0Ab&scope=email",
            1010,
        )
        .unwrap();
        assert_eq!(code, "4/0Ab");
    }

    #[test]
    fn callback_refusals() {
        let s = app(Provider::Google);
        let p = pending();
        assert_eq!(
            reason(
                read_callback(
                    &s,
                    &p,
                    "https://app.example.com/cb?state=other&code=c",
                    1010
                )
                .unwrap_err()
            ),
            AuthRejection::StateMismatch
        );
        assert_eq!(
            reason(read_callback(&s, &p, "https://app.example.com/cb?code=c", 1010).unwrap_err()),
            AuthRejection::StateMismatch
        );
        assert_eq!(
            reason(
                read_callback(
                    &s,
                    &p,
                    "https://app.example.com/cb?state=the-state&code=c",
                    1601
                )
                .unwrap_err()
            ),
            AuthRejection::Expired
        );
        assert!(
            read_callback(
                &s,
                &p,
                "https://app.example.com/cb?state=the-state&code=c",
                1600
            )
            .is_ok()
        );
        let denied = read_callback(&s, &p, "https://app.example.com/cb?state=the-state&error=access_denied&error_description=The+user+said+no", 1010).unwrap_err();
        assert!(denied.to_string().contains("The user said no"));
        assert_eq!(reason(denied), AuthRejection::AccessDenied);
        assert_eq!(
            reason(
                read_callback(
                    &s,
                    &p,
                    "https://app.example.com/cb?state=the-state&error=invalid_scope",
                    1010
                )
                .unwrap_err()
            ),
            AuthRejection::ProviderRefused
        );
        assert_eq!(
            reason(
                read_callback(&s, &p, "https://app.example.com/cb?state=the-state", 1010)
                    .unwrap_err()
            ),
            AuthRejection::ProviderRefused
        );
        for bad in [
            "not a url",
            "https://evil.example.com/cb?state=the-state&code=c",
            "https://app.example.com/other?state=the-state&code=c",
            "https://app.example.com/cb?state=the-state&code=c&code=d",
        ] {
            assert!(
                matches!(read_callback(&s, &p, bad, 1010).unwrap_err(), Error::InvalidInput { field, .. } if field == "callback-url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_callback_of_many_parameters_is_read_in_linear_time() {
        // Found by fuzzing (tests/fuzz, target oauth_callback): each parameter was looked for
        // among the ones before it, so that a URL of 40,000 parameters took seconds.
        let many: String = (0..60_000).map(|i| format!("&p{i}=1")).collect();
        let url = format!("https://app.example.com/cb?state=the-state&code=c{many}");
        let start = std::time::Instant::now();
        let code = read_callback(&app(Provider::Google), &pending(), &url, 1010);
        assert_eq!(code.unwrap(), "c");
        let took = start.elapsed();
        assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    }

    #[test]
    fn token_requests_carry_the_client_and_verifier() {
        let s = app(Provider::Microsoft);
        let request = code_request(&MICROSOFT.oauth, &s, &pending(), "the-code").unwrap();
        assert_eq!(
            request.uri(),
            "https://login.microsoftonline.com/common/oauth2/v2.0/token"
        );
        let form: Vec<(String, String)> = form_urlencoded::parse(request.body())
            .into_owned()
            .collect();
        for (k, v) in [
            ("grant_type", "authorization_code"),
            ("code", "the-code"),
            ("redirect_uri", "https://app.example.com/cb"),
            ("client_id", "client-1"),
            ("client_secret", "secret-1"),
        ] {
            assert_eq!(get(&form, k), Some(v));
        }
        assert_eq!(get(&form, "code_verifier").unwrap().len(), 43);
        assert!(get(&form, "scope").unwrap().contains("Mail.Send"));

        let google = refresh_request(&GOOGLE.oauth, &app(Provider::Google), "rt").unwrap();
        let form: Vec<(String, String)> =
            form_urlencoded::parse(google.body()).into_owned().collect();
        assert_eq!(get(&form, "grant_type"), Some("refresh_token"));
        assert_eq!(get(&form, "refresh_token"), Some("rt"));
        assert_eq!(get(&form, "scope"), None);
    }

    fn respond(status: u16, body: &str) -> Response {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn token_response_fields() {
        let claims = URL_SAFE_NO_PAD.encode(br#"{"name":"Ann Example","email":"ann@example.com"}"#);
        let body = format!(
            r#"{{"access_token":"at","token_type":"Bearer","expires_in":"3599","scope":"https%3A%2F%2Fgraph.microsoft.com%2Fmail.read offline_access","refresh_token":"rt","id_token":"e30.{claims}.sig"}}"#
        );
        let tokens =
            parse_token_response(&respond(200, &body), Grant::AuthorizationCode, 100).unwrap();
        assert_eq!(tokens.access_token, "at");
        assert_eq!(tokens.refresh_token.as_deref(), Some("rt"));
        assert_eq!(tokens.expires_at, 3699);
        assert_eq!(
            tokens.scopes.unwrap(),
            ["https://graph.microsoft.com/mail.read", "offline_access"]
        );
        assert_eq!(tokens.name.as_deref(), Some("Ann Example"));

        let google = parse_token_response(
            &respond(
                200,
                r#"{"access_token":"at","expires_in":3599,"token_type":"Bearer"}"#,
            ),
            Grant::RefreshToken,
            0,
        )
        .unwrap();
        assert_eq!(google.refresh_token, None);
        assert_eq!(google.scopes, None);
    }

    #[test]
    fn token_errors() {
        let aad = r#"{"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired.\r\nTrace ID: 0000\r\nCorrelation ID: 1111","error_codes":[70008]}"#;
        match parse_token_response(&respond(400, aad), Grant::RefreshToken, 0).unwrap_err() {
            Error::ReauthorizationRequired {
                status,
                code,
                message,
            } => {
                assert_eq!(status, Some(400));
                assert_eq!(code.as_deref(), Some("invalid_grant"));
                assert_eq!(
                    message,
                    "invalid_grant: AADSTS70008: The provided authorization code or refresh token has expired."
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            reason(
                parse_token_response(&respond(400, aad), Grant::AuthorizationCode, 0).unwrap_err()
            ),
            AuthRejection::ProviderRefused
        );

        // Conditional Access, MFA and consent refusals on refresh: the grant needs the user.
        for refused in [
            r#"{"error":"interaction_required","error_description":"AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.","error_codes":[50076],"suberror":"basic_action"}"#,
            r#"{"error":"consent_required","error_description":"AADSTS65001: The user or administrator has not consented to use the application.","error_codes":[65001],"suberror":"consent_required"}"#,
        ] {
            assert!(
                matches!(
                    parse_token_response(&respond(400, refused), Grant::RefreshToken, 0)
                        .unwrap_err(),
                    Error::ReauthorizationRequired {
                        status: Some(400),
                        ..
                    }
                ),
                "{refused}"
            );
        }

        let client = r#"{"error":"invalid_client","error_description":"Unauthorized"}"#;
        assert!(matches!(
            parse_token_response(&respond(401, client), Grant::AuthorizationCode, 0).unwrap_err(),
            Error::Provider { status: Some(401), code: Some(c), .. } if c == "invalid_client"
        ));
        let coded = r#"{"error":"invalid_client","error_description":"Invalid client secret provided.","error_codes":[7000215]}"#;
        assert!(
            parse_token_response(&respond(401, coded), Grant::AuthorizationCode, 0)
                .unwrap_err()
                .to_string()
                .contains("invalid_client (AADSTS7000215): Invalid client secret provided.")
        );
        assert!(matches!(
            parse_token_response(&respond(503, "upstream down"), Grant::RefreshToken, 0)
                .unwrap_err(),
            Error::RetryLater {
                status: Some(503),
                ..
            }
        ));
        assert!(matches!(
            parse_token_response(
                &respond(400, r#"{"error":"temporarily_unavailable"}"#),
                Grant::RefreshToken,
                0
            )
            .unwrap_err(),
            Error::RetryLater { .. }
        ));
        assert!(matches!(
            parse_token_response(&respond(200, r#"{"token_type":"Bearer"}"#), Grant::RefreshToken, 0).unwrap_err(),
            Error::Provider { code: Some(c), .. } if c == "malformed_response"
        ));
    }
}
