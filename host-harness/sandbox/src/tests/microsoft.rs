//! Microsoft: login.microsoftonline.com and Graph's /me.

use serde_json::{Value, json};

use super::support::*;
use crate::{Provider, RefreshRefusal, Sandbox};

const LOGIN: &str = "login.microsoftonline.com";
const GRAPH: &str = "graph.microsoft.com";
const ME_SELECT: &str = "/v1.0/me?$select=displayName,mail,userPrincipalName";
const GRANTED: &str = "openid email https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send";

fn token_path(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

/// A code exchange at `tenant` with the default client (sending `scope`, as the component does).
fn exchange(sandbox: &Sandbox, tenant: &str, code: &str, verifier: Option<&str>) -> Answer {
    let mut fields = vec![
        ("client_id", "sandbox-microsoft-client"),
        ("scope", MICROSOFT_SCOPES),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("grant_type", "authorization_code"),
        ("client_secret", "sandbox-microsoft-secret"),
    ];
    fields.extend(verifier.map(|v| ("code_verifier", v)));
    post_form(sandbox, LOGIN, &token_path(tenant), &[], &fields)
}

/// A refresh at `common` with the default client.
fn refresh(sandbox: &Sandbox, token: &str, scope: &str) -> Answer {
    post_form(
        sandbox,
        LOGIN,
        &token_path("common"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("scope", scope),
            ("refresh_token", token),
            ("grant_type", "refresh_token"),
            ("client_secret", "sandbox-microsoft-secret"),
        ],
    )
}

/// Connects at `common` with the default request and returns the token response.
fn connect(sandbox: &Sandbox) -> Value {
    let (verifier, challenge) = pkce();
    let code = authorize_code(
        sandbox,
        &Authorize::new(Provider::Microsoft, "common", &challenge),
    );
    let answer = exchange(sandbox, "common", &code, Some(&verifier));
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
}

/// Checks Entra's error envelope (without `suberror`) and returns its description.
fn assert_entra_error(answer: &Answer, status: u16, error: &str, code: u32) -> String {
    assert_entra_refusal(answer, status, error, code, None)
}

/// Checks Entra's error envelope, with `suberror` when given, and returns its description.
fn assert_entra_refusal(
    answer: &Answer,
    status: u16,
    error: &str,
    code: u32,
    suberror: Option<&str>,
) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = answer.json();
    let mut expected = vec![
        "correlation_id",
        "error",
        "error_codes",
        "error_description",
        "error_uri",
        "timestamp",
        "trace_id",
    ];
    expected.extend(suberror.map(|_| "suberror"));
    expected.sort_unstable();
    assert_eq!(keys(&body), expected);
    if let Some(suberror) = suberror {
        assert_eq!(body["suberror"], suberror);
    }
    assert_eq!(body["error"], error);
    assert_eq!(body["error_codes"], json!([code]));
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace_id = body["trace_id"].as_str().unwrap();
    let correlation_id = body["correlation_id"].as_str().unwrap();
    let timestamp = body["timestamp"].as_str().unwrap();
    assert_eq!(trace_id.len(), 36);
    assert_eq!(timestamp.len(), "2016-01-09 02:02:12Z".len());
    assert!(
        description.ends_with(&format!(
            "\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        )),
        "{description}"
    );
    description.to_owned()
}

#[test]
fn full_code_flow() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Microsoft, "common", &challenge);
    let location = sandbox.consent(&request.url()).unwrap();
    let params = callback(&location);
    assert_eq!(names(&params), ["code", "state", "session_state"]);
    let code = param(&params, "code").unwrap();

    let answer = exchange(&sandbox, "common", code, Some(&verifier));
    assert_eq!(answer.status, 200, "{}", answer.text);
    let tokens = answer.json();
    assert_eq!(
        keys(&tokens),
        [
            "access_token",
            "expires_in",
            "ext_expires_in",
            "id_token",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], GRANTED);
    assert_eq!(tokens["expires_in"], 3599);
    assert_eq!(tokens["ext_expires_in"], 3599);
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["scp"], "User.Read Mail.ReadWrite Mail.Send");
    assert_eq!(access["upn"], "AdeleV@contoso.onmicrosoft.com");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], "sandbox-microsoft-client");
    assert_eq!(id["name"], "Adele Vance");
    assert_eq!(id["preferred_username"], "AdeleV@contoso.onmicrosoft.com");
    assert_eq!(id["email"], "AdeleV@contoso.onmicrosoft.com");
    assert_eq!(id["ver"], "2.0");
    let tid = id["tid"].as_str().unwrap();
    assert_eq!(
        id["iss"],
        format!("https://login.microsoftonline.com/{tid}/v2.0")
    );

    let me = get(&sandbox, GRAPH, ME_SELECT, tokens["access_token"].as_str());
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.text,
        r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(displayName,mail,userPrincipalName)/$entity","displayName":"Adele Vance","mail":"AdeleV@contoso.onmicrosoft.com","userPrincipalName":"AdeleV@contoso.onmicrosoft.com"}"#
    );
    let full = get(&sandbox, GRAPH, "/v1.0/me", tokens["access_token"].as_str()).json();
    assert_eq!(
        full,
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": "Adele Vance",
            "givenName": null,
            "jobTitle": null,
            "mail": "AdeleV@contoso.onmicrosoft.com",
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": null,
            "userPrincipalName": "AdeleV@contoso.onmicrosoft.com",
            "id": id["oid"],
        })
    );

    let paths: Vec<(String, String)> = sandbox
        .received()
        .into_iter()
        .map(|r| (r.host, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            (LOGIN.into(), "/common/oauth2/v2.0/authorize".into()),
            (LOGIN.into(), "/common/oauth2/v2.0/token".into()),
            (GRAPH.into(), "/v1.0/me".into()),
            (GRAPH.into(), "/v1.0/me".into()),
        ]
    );
}

/// Entra answers each refresh with a new refresh token and does not revoke the one used
/// (https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens): both keep working.
#[test]
fn refresh_returns_a_new_token_and_the_old_one_stays_valid() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    let first = tokens["refresh_token"].as_str().unwrap();
    let answer = refresh(&sandbox, first, MICROSOFT_SCOPES);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let renewed = answer.json();
    let second = renewed["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    assert_eq!(renewed["scope"], GRANTED);
    let me = get(&sandbox, GRAPH, ME_SELECT, renewed["access_token"].as_str());
    assert_eq!(me.status, 200);

    for token in [first, first, second] {
        let again = refresh(&sandbox, token, MICROSOFT_SCOPES);
        assert_eq!(again.status, 200, "{}", again.text);
        assert_ne!(again.json()["refresh_token"], token);
    }
    assert_entra_error(
        &refresh(&sandbox, "0.Anever-issued", MICROSOFT_SCOPES),
        400,
        "invalid_grant",
        9002313,
    );
}

/// The stricter option: with single-use refresh tokens a refresh spends the token used.
#[test]
fn single_use_refresh_spends_the_old_token() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    sandbox.set_single_use_refresh(Provider::Microsoft, true);
    let first = tokens["refresh_token"].as_str().unwrap();
    let answer = refresh(&sandbox, first, MICROSOFT_SCOPES);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let second = answer.json()["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let description = assert_entra_error(
            &refresh(&sandbox, first, MICROSOFT_SCOPES),
            400,
            "invalid_grant",
            70000,
        );
        assert!(description.contains("'refresh_token' or 'assertion' is not valid"));
    }
    let third = refresh(&sandbox, &second, MICROSOFT_SCOPES);
    assert_eq!(third.status, 200, "{}", third.text);

    // Switched off again, tokens issued since stay valid after use.
    sandbox.set_single_use_refresh(Provider::Microsoft, false);
    let fourth = third.json()["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        assert_eq!(refresh(&sandbox, &fourth, MICROSOFT_SCOPES).status, 200);
    }
}

/// Conditional Access demanding MFA (AADSTS50076, `interaction_required`), a missing consent
/// (AADSTS65001, `invalid_grant` with `suberror` `consent_required`) and a grant that is gone
/// (AADSTS50173), each while set; the refresh token survives them.
#[test]
fn refused_refreshes_answer_as_entra() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    let token = tokens["refresh_token"].as_str().unwrap();
    sandbox.set_single_use_refresh(Provider::Microsoft, true);

    sandbox.refuse_refresh(
        Provider::Microsoft,
        Some(RefreshRefusal::InteractionRequired),
    );
    let description = assert_entra_error(
        &refresh(&sandbox, token, MICROSOFT_SCOPES),
        400,
        "interaction_required",
        50076,
    );
    assert!(description.starts_with(
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.\r\n"
    ));
    // Other checks come first: an unknown token is still that.
    assert_entra_error(
        &refresh(&sandbox, "0.Anever-issued", MICROSOFT_SCOPES),
        400,
        "invalid_grant",
        9002313,
    );

    sandbox.refuse_refresh(Provider::Microsoft, Some(RefreshRefusal::ConsentRequired));
    let description = assert_entra_refusal(
        &refresh(&sandbox, token, MICROSOFT_SCOPES),
        400,
        "invalid_grant",
        65001,
        Some("consent_required"),
    );
    assert!(description.starts_with(
        "AADSTS65001: The user or administrator has not consented to use the application with ID 'sandbox-microsoft-client'"
    ));

    sandbox.refuse_refresh(Provider::Microsoft, Some(RefreshRefusal::InvalidGrant));
    let description = assert_entra_error(
        &refresh(&sandbox, token, MICROSOFT_SCOPES),
        400,
        "invalid_grant",
        50173,
    );
    assert!(description.contains("The grant was issued on '"));

    // Lifted, the same (single-use) token refreshes: refusals did not spend it.
    sandbox.refuse_refresh(Provider::Microsoft, None);
    let renewed = refresh(&sandbox, token, MICROSOFT_SCOPES);
    assert_eq!(renewed.status, 200, "{}", renewed.text);
}

#[test]
fn refresh_token_only_with_offline_access() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Microsoft, "organizations", &challenge)
        .set("scope", "openid User.Read");
    let code = authorize_code(&sandbox, &request);
    let answer = post_form(
        &sandbox,
        LOGIN,
        &token_path("organizations"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("grant_type", "authorization_code"),
            ("client_secret", "sandbox-microsoft-secret"),
            ("code_verifier", &verifier),
        ],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let tokens = answer.json();
    assert!(tokens.get("refresh_token").is_none());
    assert_eq!(
        tokens["scope"],
        "openid https://graph.microsoft.com/User.Read"
    );
    assert!(
        claims(tokens["id_token"].as_str().unwrap())
            .get("email")
            .is_none()
    );
}

#[test]
fn token_scope_beyond_consent() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    assert_entra_refusal(
        &refresh(&sandbox, refresh_token, "offline_access Calendars.Read"),
        400,
        "invalid_grant",
        65001,
        Some("consent_required"),
    );
    let description = assert_entra_error(
        &refresh(
            &sandbox,
            refresh_token,
            "https://foo.microsoft.com/mail.read",
        ),
        400,
        "invalid_scope",
        70011,
    );
    assert!(description.starts_with("AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://foo.microsoft.com/mail.read is not valid.\r\n"));
    // Failed refreshes do not spend the token.
    assert_eq!(refresh(&sandbox, refresh_token, "Mail.Send").status, 200);
}

#[test]
fn pkce_mismatch_and_missing_verifier() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let code = authorize_code(
        &sandbox,
        &Authorize::new(Provider::Microsoft, "common", &challenge),
    );
    let (other, _) = pkce();
    let description = assert_entra_error(
        &exchange(&sandbox, "common", &code, Some(&other)),
        400,
        "invalid_grant",
        501481,
    );
    assert!(description.starts_with("AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.\r\n"));
    assert_entra_error(
        &exchange(&sandbox, "common", &code, None),
        400,
        "invalid_grant",
        50148,
    );
    assert_eq!(
        exchange(&sandbox, "common", &code, Some(&verifier)).status,
        200
    );
}

#[test]
fn reused_expired_and_misplaced_codes() {
    let sandbox = sandbox();
    let (verifier, challenge) = pkce();
    let code = authorize_code(
        &sandbox,
        &Authorize::new(Provider::Microsoft, "common", &challenge),
    );
    assert_eq!(
        exchange(&sandbox, "common", &code, Some(&verifier)).status,
        200
    );
    for _ in 0..2 {
        let description = assert_entra_error(
            &exchange(&sandbox, "common", &code, Some(&verifier)),
            400,
            "invalid_grant",
            54005,
        );
        assert!(
            description.starts_with("AADSTS54005: OAuth2 Authorization code was already redeemed")
        );
    }

    let tenant = "contoso.onmicrosoft.com";
    let code = authorize_code(
        &sandbox,
        &Authorize::new(Provider::Microsoft, tenant, &challenge),
    );
    assert_entra_error(
        &exchange(&sandbox, "common", &code, Some(&verifier)),
        400,
        "invalid_grant",
        700005,
    );
    assert_eq!(
        exchange(&sandbox, tenant, &code, Some(&verifier)).status,
        200
    );

    let guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let code = authorize_code(
        &sandbox,
        &Authorize::new(Provider::Microsoft, guid, &challenge),
    );
    sandbox.shared.store.expire_codes();
    assert_entra_error(
        &exchange(&sandbox, guid, &code, Some(&verifier)),
        400,
        "invalid_grant",
        70008,
    );

    // A Google code is not a Microsoft one.
    let google = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
    assert_entra_error(
        &exchange(&sandbox, "common", &google, Some(&verifier)),
        400,
        "invalid_grant",
        9002313,
    );
}

#[test]
fn redirect_uri_must_repeat_the_authorization_one() {
    let mut config = crate::SandboxConfig::default();
    config.microsoft_clients[0]
        .redirect_uris
        .push("http://localhost:8765/callback".into());
    let sandbox = Sandbox::start(config).unwrap();
    let (verifier, challenge) = pkce();
    let code = authorize_code(
        &sandbox,
        &Authorize::new(Provider::Microsoft, "common", &challenge),
    );
    let answer = post_form(
        &sandbox,
        LOGIN,
        &token_path("common"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("code", &code),
            ("redirect_uri", "http://localhost:8765/callback"),
            ("grant_type", "authorization_code"),
            ("client_secret", "sandbox-microsoft-secret"),
            ("code_verifier", &verifier),
        ],
    );
    let description = assert_entra_error(&answer, 400, "invalid_grant", 50011);
    assert!(description.starts_with("AADSTS50011: The reply address 'http://localhost:8765/callback' does not match the reply address 'http://127.0.0.1:8765/callback' provided when requesting Authorization code.\r\n"));
}

#[test]
fn client_authentication() {
    let sandbox = sandbox();
    let token = |fields: &[(&str, &str)], headers: &[(&str, &str)]| {
        let mut all = vec![("grant_type", "refresh_token"), ("refresh_token", "0.Ax")];
        all.extend_from_slice(fields);
        post_form(&sandbox, LOGIN, &token_path("common"), headers, &all)
    };
    let description = assert_entra_error(
        &token(
            &[
                ("client_id", "sandbox-microsoft-client"),
                ("client_secret", "wrong"),
            ],
            &[],
        ),
        401,
        "invalid_client",
        7000215,
    );
    assert!(description.starts_with("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'sandbox-microsoft-client'.\r\n"));
    let description = assert_entra_error(
        &token(
            &[
                ("client_id", "nobody"),
                ("client_secret", "sandbox-microsoft-secret"),
            ],
            &[],
        ),
        400,
        "unauthorized_client",
        700016,
    );
    assert!(description.starts_with(
        "AADSTS700016: Application with identifier 'nobody' was not found in the directory 'common'."
    ));
    assert_entra_error(
        &token(&[("client_id", "sandbox-microsoft-client")], &[]),
        401,
        "invalid_client",
        7000218,
    );
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "sandbox-microsoft-client:sandbox-microsoft-secret"
        )
    );
    assert_entra_error(
        &token(&[], &[("authorization", &basic)]),
        400,
        "invalid_grant",
        9002313,
    );
    let answer = post_form(
        &sandbox,
        LOGIN,
        &token_path("common"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("client_secret", "sandbox-microsoft-secret"),
            ("grant_type", "password"),
        ],
    );
    let description = assert_entra_error(&answer, 400, "unsupported_grant_type", 70003);
    assert!(
        description
            .starts_with("AADSTS70003: The app requested an unsupported grant type 'password'.")
    );
    let answer = post_form(
        &sandbox,
        LOGIN,
        &token_path("common"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("client_secret", "sandbox-microsoft-secret"),
        ],
    );
    let description = assert_entra_error(&answer, 400, "invalid_request", 900144);
    assert!(description.starts_with(
        "AADSTS900144: The request body must contain the following parameter: 'grant_type'."
    ));
}

#[test]
fn unknown_redirect_uri_or_client_shows_an_error_page() {
    let sandbox = sandbox();
    let (_, challenge) = pkce();
    let request = Authorize::new(Provider::Microsoft, "common", &challenge)
        .set("redirect_uri", "https://evil.example.com/cb");
    let error = sandbox.consent(&request.url()).unwrap_err().to_string();
    assert!(error.contains("AADSTS50011"), "{error}");

    let request =
        Authorize::new(Provider::Microsoft, "common", &challenge).set("client_id", "nobody");
    let error = sandbox.consent(&request.url()).unwrap_err().to_string();
    assert!(error.contains("AADSTS700016"), "{error}");
}

#[test]
fn consent_refused() {
    let sandbox = sandbox();
    sandbox.set_consent(false);
    let (_, challenge) = pkce();
    let location = sandbox
        .consent(&Authorize::new(Provider::Microsoft, "common", &challenge).url())
        .unwrap();
    let params = callback(&location);
    assert_eq!(names(&params), ["error", "error_description", "state"]);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("state-123"));
    assert!(
        param(&params, "error_description")
            .unwrap()
            .starts_with("AADSTS65004: User declined to consent to access the app.\r\nTrace ID: ")
    );
}

#[test]
fn authorization_request_errors_redirect() {
    let sandbox = sandbox();
    let (_, challenge) = pkce();
    let error_of = |request: Authorize| {
        let params = callback(&sandbox.consent(&request.url()).unwrap());
        let description = param(&params, "error_description").unwrap();
        let code = description[..description.find(':').unwrap()].to_owned();
        (param(&params, "error").unwrap().to_owned(), code)
    };
    let base = || Authorize::new(Provider::Microsoft, "consumers", &challenge);
    let pair = |error: &str, code: &str| (error.to_owned(), code.to_owned());
    assert_eq!(
        error_of(base().without("scope")),
        pair("invalid_request", "AADSTS900144")
    );
    assert_eq!(
        error_of(base().set("scope", "openid https://foo.microsoft.com/mail.read")),
        pair("invalid_scope", "AADSTS70011")
    );
    assert_eq!(
        error_of(base().set("response_type", "id_token")),
        pair("unsupported_response_type", "AADSTS700054")
    );
    assert_eq!(
        error_of(base().set("code_challenge_method", "plain")),
        pair("invalid_request", "AADSTS9002325")
    );
    assert_eq!(
        error_of(base().set("code_challenge", "abc")),
        pair("invalid_request", "AADSTS501491")
    );
}

#[test]
fn revoke_refuses_refresh_but_access_tokens_live_on() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    sandbox.revoke(Provider::Microsoft);
    let description = assert_entra_error(
        &refresh(
            &sandbox,
            tokens["refresh_token"].as_str().unwrap(),
            MICROSOFT_SCOPES,
        ),
        400,
        "invalid_grant",
        50173,
    );
    assert!(description.starts_with(
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed."
    ));
    assert!(description.contains("The grant was issued on '"));
    let me = get(&sandbox, GRAPH, ME_SELECT, tokens["access_token"].as_str());
    assert_eq!(me.status, 200);
}

#[test]
fn expired_access_token_is_refused() {
    let sandbox = sandbox();
    let tokens = connect(&sandbox);
    sandbox.expire_access_tokens(Provider::Microsoft);
    let me = get(&sandbox, GRAPH, ME_SELECT, tokens["access_token"].as_str());
    assert_eq!(me.status, 401);
    assert!(
        me.header("www-authenticate")
            .starts_with("Bearer realm=\"\"")
    );
    let error = &me.json()["error"];
    assert_eq!(error["code"], "InvalidAuthenticationToken");
    assert_eq!(
        error["message"],
        "Lifetime validation failed, the token is expired."
    );
    assert_eq!(
        keys(&error["innerError"]),
        ["client-request-id", "date", "request-id"]
    );
    let renewed = refresh(
        &sandbox,
        tokens["refresh_token"].as_str().unwrap(),
        MICROSOFT_SCOPES,
    );
    let me = get(
        &sandbox,
        GRAPH,
        ME_SELECT,
        renewed.json()["access_token"].as_str(),
    );
    assert_eq!(me.status, 200);
}

#[test]
fn graph_refusals() {
    let sandbox = sandbox();
    let message = |answer: &Answer| answer.json()["error"]["message"].clone();
    let empty = get(&sandbox, GRAPH, ME_SELECT, None);
    assert_eq!(empty.status, 401);
    assert_eq!(message(&empty), "Access token is empty.");

    let tokens = connect(&sandbox);
    let access = tokens["access_token"].as_str();
    let unknown = get(
        &sandbox,
        GRAPH,
        "/v1.0/me?$select=displayName,nickname",
        access,
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(
        message(&unknown),
        "Could not find a property named 'nickname' on type 'microsoft.graph.user'."
    );
    let segment = get(&sandbox, GRAPH, "/v1.0/me/nothing", access);
    assert_eq!(segment.status, 400);
    assert_eq!(
        message(&segment),
        "Resource not found for the segment 'nothing'."
    );
    let posted = call(&sandbox, "POST", GRAPH, "/v1.0/me", &[], "");
    assert_eq!(posted.status, 405);

    // A Google access token means nothing to Graph.
    let google = {
        let (verifier, challenge) = pkce();
        let code = authorize_code(&sandbox, &Authorize::new(Provider::Google, "", &challenge));
        let answer = post_form(
            &sandbox,
            "oauth2.googleapis.com",
            "/token",
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", "sandbox-google-client"),
                ("client_secret", "sandbox-google-secret"),
                ("code_verifier", &verifier),
            ],
        );
        answer.json()["access_token"].as_str().unwrap().to_owned()
    };
    assert_eq!(get(&sandbox, GRAPH, ME_SELECT, Some(&google)).status, 401);
    assert_eq!(
        get(
            &sandbox,
            "gmail.googleapis.com",
            "/gmail/v1/users/me/profile",
            access
        )
        .status,
        401
    );

    // Without a User.* permission /me is forbidden.
    let (verifier, challenge) = pkce();
    let request = Authorize::new(Provider::Microsoft, "common", &challenge)
        .set("scope", "offline_access openid Mail.Read");
    let code = authorize_code(&sandbox, &request);
    let tokens = exchange(&sandbox, "common", &code, Some(&verifier));
    // The component's scope field asks for more than this consent: refused.
    assert_entra_refusal(
        &tokens,
        400,
        "invalid_grant",
        65001,
        Some("consent_required"),
    );
    let code = authorize_code(&sandbox, &request);
    let answer = post_form(
        &sandbox,
        LOGIN,
        &token_path("common"),
        &[],
        &[
            ("client_id", "sandbox-microsoft-client"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("grant_type", "authorization_code"),
            ("client_secret", "sandbox-microsoft-secret"),
            ("code_verifier", &verifier),
        ],
    );
    let forbidden = get(
        &sandbox,
        GRAPH,
        ME_SELECT,
        answer.json()["access_token"].as_str(),
    );
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.json()["error"]["code"],
        "Authorization_RequestDenied"
    );
}
