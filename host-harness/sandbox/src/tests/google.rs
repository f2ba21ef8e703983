//! Google: accounts.google.com, oauth2.googleapis.com and Gmail's profile.

use serde_json::json;

use super::support::*;
use crate::{Provider, RefreshRefusal, Sandbox};

const ACCOUNTS: &str = "accounts.google.com";
const OAUTH2: &str = "oauth2.googleapis.com";
const GMAIL: &str = "gmail.googleapis.com";
const PROFILE: &str = "/gmail/v1/users/me/profile";

/// A code exchange with the default client.
fn exchange(sandbox: &Sandbox, code: &str, verifier: Option<&str>) -> Answer {
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", "sandbox-google-client"),
        ("client_secret", "sandbox-google-secret"),
    ];
    fields.extend(verifier.map(|v| ("code_verifier", v)));
    post_form(sandbox, OAUTH2, "/token", &[], &fields)
}

/// A refresh with the default client.
fn refresh(sandbox: &Sandbox, token: &str) -> Answer {
    post_form(
        sandbox,
        OAUTH2,
        "/token",
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", "sandbox-google-client"),
            ("client_secret", "sandbox-google-secret"),
        ],
    )
}

/// Connects with the default request and returns the token response.
fn connect(sandbox: &Sandbox) -> serde_json::Value {
    let (verifier, challenge) = pkce();
    let code = authorize_code(sandbox, &Authorize::new(Provider::Google, "", &challenge));
    let answer = exchange(sandbox, &code, Some(&verifier));
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
}

fn assert_error(answer: &Answer, status: u16, error: &str, description: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(
        answer.json(),
        json!({"error": error, "error_description": description})
    );
}

#[test]
fn full_code_flow() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Google, "", &challenge);
    assert!(
        request
            .url()
            .starts_with("https://accounts.google.com/o/oauth2/v2/auth?")
    );
    let location = sandbox.consent(&request.url()).unwrap();
    let params = callback(&location);
    assert_eq!(
        names(&params),
        ["state", "code", "scope", "authuser", "prompt"]
    );
    assert_eq!(param(&params, "state"), Some("state-123"));
    assert_eq!(
        param(&params, "scope"),
        Some(
            "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.modify"
        )
    );
    let code = param(&params, "code").unwrap();
    assert!(code.starts_with("4/0A") && code.len() >= 4 + 22, "{code}");

    let answer = exchange(&sandbox, code, Some(&verifier));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("cache-control"), "no-store");
    let tokens = answer.json();
    assert_eq!(
        keys(&tokens),
        [
            "access_token",
            "expires_in",
            "id_token",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("ya29.")
    );
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert_eq!(tokens["expires_in"], 3599);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(
        tokens["scope"],
        "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.modify"
    );
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], "https://accounts.google.com");
    assert_eq!(id["aud"], "sandbox-google-client");
    assert_eq!(id["azp"], "sandbox-google-client");
    assert_eq!(id["email"], "ann@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["sub"].as_str().unwrap().len(), 21);
    assert!(id.get("name").is_none(), "name needs the profile scope");
    assert_eq!(
        id["exp"].as_u64().unwrap() - id["iat"].as_u64().unwrap(),
        3600
    );

    let profile = get(&sandbox, GMAIL, PROFILE, tokens["access_token"].as_str());
    assert_eq!(profile.status, 200, "{}", profile.text);
    assert_eq!(
        profile.text,
        r#"{"emailAddress":"ann@example.com","messagesTotal":0,"threadsTotal":0,"historyId":"1"}"#
    );
    let by_address = get(
        &sandbox,
        GMAIL,
        "/gmail/v1/users/ann%40example.com/profile",
        tokens["access_token"].as_str(),
    );
    assert_eq!(by_address.status, 200, "{}", by_address.text);

    let received = sandbox.received();
    let summary: Vec<(&str, &str, &str, bool)> = received
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.host.as_str(),
                r.path.as_str(),
                r.has_bearer,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET", ACCOUNTS, "/o/oauth2/v2/auth", false),
            ("POST", OAUTH2, "/token", false),
            ("GET", GMAIL, PROFILE, true),
            (
                "GET",
                GMAIL,
                "/gmail/v1/users/ann%40example.com/profile",
                true
            ),
        ]
    );
    assert_eq!(
        received[1].form_keys,
        [
            "grant_type",
            "code",
            "redirect_uri",
            "client_id",
            "client_secret",
            "code_verifier"
        ]
    );
    let debug = format!("{received:?}");
    for secret in [
        code,
        &verifier,
        "sandbox-google-secret",
        tokens["access_token"].as_str().unwrap(),
    ] {
        assert!(!debug.contains(secret), "{debug} shows a secret");
    }
}

#[test]
fn profile_scope_adds_the_name_and_email_is_only_with_its_scope() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Google, "", &challenge)
        .set("scope", "openid profile https://mail.google.com/");
    let code = authorize_code(&sandbox, &request);
    let tokens = exchange(&sandbox, &code, Some(&verifier)).json();
    assert_eq!(
        tokens["scope"],
        "openid https://www.googleapis.com/auth/userinfo.profile https://mail.google.com/"
    );
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["name"], "Ann Example");
    assert!(id.get("email").is_none() && id.get("email_verified").is_none());
}

#[test]
fn no_refresh_token_without_offline_access_and_no_id_token_without_openid() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Google, "", &challenge)
        .without("access_type")
        .set("scope", "https://www.googleapis.com/auth/gmail.readonly");
    let code = authorize_code(&sandbox, &request);
    let tokens = exchange(&sandbox, &code, Some(&verifier)).json();
    assert_eq!(
        keys(&tokens),
        ["access_token", "expires_in", "scope", "token_type"]
    );
}

#[test]
fn pkce_mismatch_and_missing_verifier() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let code = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
    let (other, _) = pkce();
    assert_error(
        &exchange(&sandbox, &code, Some(&other)),
        400,
        "invalid_grant",
        "Invalid code verifier.",
    );
    assert_error(
        &exchange(&sandbox, &code, Some("too-short")),
        400,
        "invalid_grant",
        "Invalid code verifier.",
    );
    assert_error(
        &exchange(&sandbox, &code, None),
        400,
        "invalid_grant",
        "Missing code verifier.",
    );
    // Failed attempts do not spend the code.
    assert_eq!(exchange(&sandbox, &code, Some(&verifier)).status, 200);
}

#[test]
fn reused_code_is_refused_every_time() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let code = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
    assert_eq!(exchange(&sandbox, &code, Some(&verifier)).status, 200);
    for _ in 0..2 {
        assert_error(
            &exchange(&sandbox, &code, Some(&verifier)),
            400,
            "invalid_grant",
            "Bad Request",
        );
    }
    assert_error(
        &exchange(&sandbox, "4/0Anever-issued", Some(&verifier)),
        400,
        "invalid_grant",
        "Bad Request",
    );
}

#[test]
fn expired_code() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let code = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
    sandbox.shared.store.expire_codes();
    assert_error(
        &exchange(&sandbox, &code, Some(&verifier)),
        400,
        "invalid_grant",
        "Bad Request",
    );
}

#[test]
fn redirect_uri_must_repeat_the_authorization_one() {
    let mut config = crate::SandboxConfig::default();
    config.google_clients[0]
        .redirect_uris
        .push("http://127.0.0.1:8765/other".into());
    let sandbox = Sandbox::start(config).unwrap();
    let (verifier, challenge) = pkce();
    let code = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
    let answer = post_form(
        &sandbox,
        OAUTH2,
        "/token",
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8765/other"),
            ("client_id", "sandbox-google-client"),
            ("client_secret", "sandbox-google-secret"),
            ("code_verifier", &verifier),
        ],
    );
    assert_error(&answer, 400, "redirect_uri_mismatch", "Bad Request");
}

#[test]
fn client_authentication() {
    let sandbox = sandbox();
    let token = |fields: &[(&str, &str)], headers: &[(&str, &str)]| {
        let mut all = vec![("grant_type", "refresh_token"), ("refresh_token", "1//0x")];
        all.extend_from_slice(fields);
        post_form(&sandbox, OAUTH2, "/token", headers, &all)
    };
    assert_error(
        &token(
            &[
                ("client_id", "sandbox-google-client"),
                ("client_secret", "wrong"),
            ],
            &[],
        ),
        401,
        "invalid_client",
        "Unauthorized",
    );
    assert_error(
        &token(
            &[
                ("client_id", "nobody"),
                ("client_secret", "sandbox-google-secret"),
            ],
            &[],
        ),
        401,
        "invalid_client",
        "The OAuth client was not found.",
    );
    assert_error(
        &token(&[("client_id", "sandbox-google-client")], &[]),
        400,
        "invalid_request",
        "client_secret is missing.",
    );
    assert_error(
        &token(&[], &[]),
        400,
        "invalid_request",
        "Could not determine client ID from request.",
    );
    // client_secret_basic authenticates too: the refresh token is what fails.
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "sandbox-google-client:sandbox-google-secret"
        )
    );
    assert_error(
        &token(&[], &[("authorization", &basic)]),
        400,
        "invalid_grant",
        "Bad Request",
    );
}

#[test]
fn grant_type_and_missing_fields() {
    let sandbox = sandbox();
    let client = [
        ("client_id", "sandbox-google-client"),
        ("client_secret", "sandbox-google-secret"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut fields = client.to_vec();
        fields.extend_from_slice(extra);
        post_form(&sandbox, OAUTH2, "/token", &[], &fields)
    };
    assert_error(
        &with(&[("grant_type", "password")]),
        400,
        "unsupported_grant_type",
        "Invalid grant_type: password",
    );
    assert_error(
        &with(&[]),
        400,
        "invalid_request",
        "Missing required parameter: grant_type",
    );
    assert_error(
        &with(&[
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
        ]),
        400,
        "invalid_request",
        "Missing required parameter: code",
    );
    assert_error(
        &with(&[("grant_type", "refresh_token")]),
        400,
        "invalid_request",
        "Missing required parameter: refresh_token",
    );
}

#[test]
fn unknown_redirect_uri_or_client_shows_an_error_page() {
    let sandbox = sandbox();
    let (_, challenge) = pkce();
    let request = Authorize::new(Provider::Google, "", &challenge)
        .set("redirect_uri", "http://127.0.0.1:9999/evil");
    let error = sandbox.consent(&request.url()).unwrap_err().to_string();
    assert!(
        error.contains("400") && error.contains("redirect_uri_mismatch"),
        "{error}"
    );

    let request = Authorize::new(Provider::Google, "", &challenge).set("client_id", "nobody");
    let error = sandbox.consent(&request.url()).unwrap_err().to_string();
    assert!(error.contains("invalid_client"), "{error}");

    let answer = get(
        &sandbox,
        ACCOUNTS,
        &request.url()["https://accounts.google.com".len()..],
        None,
    );
    assert_eq!(answer.status, 400);
    assert!(answer.headers.get("location").is_none());
    assert!(answer.text.contains("The OAuth client was not found."));
}

#[test]
fn consent_refused() {
    let sandbox = sandbox();
    sandbox.set_consent(false);
    let (_, challenge) = pkce();
    let location = sandbox
        .consent(&Authorize::new(Provider::Google, "", &challenge).url())
        .unwrap();
    assert_eq!(
        location,
        format!("{REDIRECT}?error=access_denied&state=state-123")
    );
    sandbox.set_consent(true);
    let location = sandbox
        .consent(&Authorize::new(Provider::Google, "", &challenge).url())
        .unwrap();
    assert!(param(&callback(&location), "code").is_some());
}

#[test]
fn authorization_request_errors_redirect() {
    let sandbox = sandbox();
    let (_, challenge) = pkce();
    let error_of = |request: Authorize| {
        let params = callback(&sandbox.consent(&request.url()).unwrap());
        assert_eq!(names(&params), ["error", "state"]);
        param(&params, "error").unwrap().to_owned()
    };
    let base = || Authorize::new(Provider::Google, "", &challenge);
    assert_eq!(
        error_of(base().set("response_type", "token")),
        "unsupported_response_type"
    );
    assert_eq!(error_of(base().without("scope")), "invalid_scope");
    assert_eq!(
        error_of(base().set("scope", "openid gmail")),
        "invalid_scope"
    );
    assert_eq!(
        error_of(base().without("code_challenge")),
        "invalid_request"
    );
    assert_eq!(
        error_of(base().set("code_challenge_method", "plain")),
        "invalid_request"
    );
    assert_eq!(
        error_of(base().without("code_challenge_method")),
        "invalid_request"
    );
    assert_eq!(
        error_of(base().set("code_challenge", "short")),
        "invalid_request"
    );
}

#[test]
fn refresh_does_not_rotate() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let mut access_tokens = vec![tokens["access_token"].as_str().unwrap().to_owned()];
    for _ in 0..2 {
        let answer = refresh(&sandbox, refresh_token);
        assert_eq!(answer.status, 200, "{}", answer.text);
        let renewed = answer.json();
        assert_eq!(
            keys(&renewed),
            [
                "access_token",
                "expires_in",
                "id_token",
                "scope",
                "token_type"
            ]
        );
        access_tokens.push(renewed["access_token"].as_str().unwrap().to_owned());
    }
    access_tokens.dedup();
    assert_eq!(access_tokens.len(), 3);
    for token in &access_tokens {
        assert_eq!(get(&sandbox, GMAIL, PROFILE, Some(token)).status, 200);
    }
}

/// Google's token endpoint has no `interaction_required` or `consent_required`: a refresh its
/// session control stops is `invalid_grant` / `invalid_rapt`, one whose consent is gone or whose
/// grant is gone is `invalid_grant` "Token has been expired or revoked." Lifted, the same token
/// refreshes again; Microsoft's refusals leave Google alone.
#[test]
fn refused_refreshes_are_invalid_grant() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    let token = tokens["refresh_token"].as_str().unwrap();
    sandbox.refuse_refresh(Provider::Microsoft, Some(RefreshRefusal::InvalidGrant));
    assert_eq!(refresh(&sandbox, token).status, 200);

    sandbox.refuse_refresh(Provider::Google, Some(RefreshRefusal::InteractionRequired));
    let reauth = refresh(&sandbox, token);
    assert_eq!(reauth.status, 400, "{}", reauth.text);
    assert_eq!(
        reauth.json(),
        json!({
            "error": "invalid_grant",
            "error_description": "reauth related error (invalid_rapt)",
            "error_uri": "https://support.google.com/a/answer/9368756",
            "error_subtype": "invalid_rapt",
        })
    );
    for refusal in [
        RefreshRefusal::ConsentRequired,
        RefreshRefusal::InvalidGrant,
    ] {
        sandbox.refuse_refresh(Provider::Google, Some(refusal));
        assert_error(
            &refresh(&sandbox, token),
            400,
            "invalid_grant",
            "Token has been expired or revoked.",
        );
    }
    // Other checks come first.
    assert_error(
        &refresh(&sandbox, "1//0never-issued"),
        400,
        "invalid_grant",
        "Bad Request",
    );
    // Single-use has nothing to spend at Google: it sends no new refresh token.
    sandbox.set_single_use_refresh(Provider::Google, true);
    sandbox.refuse_refresh(Provider::Google, None);
    for _ in 0..2 {
        let renewed = refresh(&sandbox, token);
        assert_eq!(renewed.status, 200, "{}", renewed.text);
        assert!(renewed.json().get("refresh_token").is_none());
    }
}

#[test]
fn refresh_token_of_another_client() {
    let mut config = crate::SandboxConfig::default();
    let mut other = config.google_clients[0].clone();
    other.client_id = "other-client".into();
    config.google_clients.push(other);
    let sandbox = Sandbox::start(config).unwrap();
    let tokens = connect(&sandbox);
    let answer = post_form(
        &sandbox,
        OAUTH2,
        "/token",
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", "other-client"),
            ("client_secret", "sandbox-google-secret"),
        ],
    );
    assert_error(&answer, 400, "unauthorized_client", "Unauthorized");
}

#[test]
fn revoke_refuses_refresh_and_ends_access_tokens() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    sandbox.revoke(Provider::Google);
    assert_error(
        &refresh(&sandbox, tokens["refresh_token"].as_str().unwrap()),
        400,
        "invalid_grant",
        "Token has been expired or revoked.",
    );
    let profile = get(&sandbox, GMAIL, PROFILE, tokens["access_token"].as_str());
    assert_eq!(profile.status, 401);
    // A new consent works again.
    connect(&sandbox);
}

#[test]
fn expired_access_token_is_refused_until_refreshed() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    sandbox.expire_access_tokens(Provider::Google);
    let profile = get(&sandbox, GMAIL, PROFILE, tokens["access_token"].as_str());
    assert_eq!(profile.status, 401);
    assert_eq!(
        profile.header("www-authenticate"),
        r#"Bearer realm="https://accounts.google.com/", error="invalid_token""#
    );
    assert_eq!(
        profile.json(),
        json!({"error": {
            "code": 401,
            "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "errors": [{
                "message": "Invalid Credentials",
                "domain": "global",
                "reason": "authError",
                "location": "Authorization",
                "locationType": "header"
            }],
            "status": "UNAUTHENTICATED"
        }})
    );
    let renewed = refresh(&sandbox, tokens["refresh_token"].as_str().unwrap()).json();
    let profile = get(&sandbox, GMAIL, PROFILE, renewed["access_token"].as_str());
    assert_eq!(profile.status, 200);
}

#[test]
fn gmail_profile_refusals() {
    let sandbox = sandbox();
    let missing = get(&sandbox, GMAIL, PROFILE, None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["error"]["errors"][0]["reason"], "required");
    assert_eq!(
        missing.json()["error"]["errors"][0]["message"],
        "Login Required."
    );
    assert_eq!(
        get(&sandbox, GMAIL, PROFILE, Some("ya29.unknown")).status,
        401
    );

    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Google, "", &challenge).set("scope", "openid email");
    let code = authorize_code(&sandbox, &request);
    let tokens = exchange(&sandbox, &code, Some(&verifier)).json();
    let forbidden = get(&sandbox, GMAIL, PROFILE, tokens["access_token"].as_str());
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.json(),
        json!({"error": {
            "code": 403,
            "message": "Request had insufficient authentication scopes.",
            "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
            "status": "PERMISSION_DENIED"
        }})
    );

    let tokens = connect(&sandbox);
    let other = get(
        &sandbox,
        GMAIL,
        "/gmail/v1/users/bob@example.com/profile",
        tokens["access_token"].as_str(),
    );
    assert_eq!(other.status, 403);
    assert_eq!(
        other.json()["error"]["message"],
        "Delegation denied for bob@example.com"
    );
    let unknown = get(
        &sandbox,
        GMAIL,
        "/gmail/v1/users/me/nothing",
        tokens["access_token"].as_str(),
    );
    assert_eq!(unknown.status, 404);
    assert!(unknown.text.contains("That’s an error."));
}
