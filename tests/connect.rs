//! The connect flow (configure, begin, consent, complete) and refresh, for both providers,
//! through the real component in wasmtime against the sandbox providers.

mod common;

use common::{KINDS, World, code_of};
use email_harness::CallError;
use email_harness::sandbox::Provider as SandboxProvider;
use email_harness::types::{AuthRejection, Error, Provider};

fn component_error(result: Result<impl Sized, CallError>) -> Error {
    match result {
        Err(CallError::Component { error, .. }) => error,
        Err(CallError::Trap(trap)) => panic!("the component trapped: {trap:#}"),
        Err(CallError::Limit(why)) => panic!("the call ran into a host limit: {why}"),
        Ok(_) => panic!("expected an error"),
    }
}

fn rejection(error: Error) -> AuthRejection {
    match error {
        Error::AuthRejected(failure) => failure.reason,
        other => panic!("expected an auth rejection, got {other:?}"),
    }
}

fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

#[test]
fn full_connect_flow_for_both_providers() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        let user = match kind {
            Provider::Google => &world.config.google_user,
            Provider::Microsoft => &world.config.microsoft_user,
        };
        assert_eq!(account.provider, kind);
        assert_eq!(account.email, user.email);
        assert!(!account.access_token.is_empty());
        assert!(
            account.refresh_token.is_some(),
            "{kind:?} issues a refresh token"
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(account.expires_at > now + 3000 && account.expires_at <= now + 3700);
        assert!(!account.scopes.is_empty());
        if kind == Provider::Microsoft {
            assert_eq!(
                account.display_name.as_deref(),
                Some(user.display_name.as_str())
            );
            assert_eq!(app.tenant.as_deref(), Some("common"));
        }
    }
    // Token requests carry no bearer; profile requests carry the new access token, and every
    // request went to a provider host routed to the sandbox.
    let requests = world.harness.policy().requests();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| !r.denied && r.routed_to.is_some()));
    let hosts: Vec<String> = requests.iter().map(|r| r.host()).collect();
    assert_eq!(
        hosts,
        [
            "oauth2.googleapis.com",
            "gmail.googleapis.com",
            "login.microsoftonline.com",
            "graph.microsoft.com"
        ]
    );
    assert!(requests[0].bearer.is_none() && requests[2].bearer.is_none());
    assert!(requests[1].bearer.is_some() && requests[3].bearer.is_some());
}

#[test]
fn the_authorization_url_carries_pkce_state_and_provider_extras() {
    let world = World::new();
    for kind in KINDS {
        let app = world.app(kind);
        let pending = world
            .harness
            .begin_auth(
                &app,
                &email_harness::types::AuthOptions {
                    login_hint: Some("someone@example.com".into()),
                },
            )
            .unwrap();
        let url = url::Url::parse(&pending.authorization_url).unwrap();
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], app.client_id);
        assert_eq!(q["redirect_uri"], app.redirect_uri);
        assert_eq!(q["state"], pending.state);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["login_hint"], "someone@example.com");
        assert!(pending.state.len() >= 22, "at least 128 bits of state");
        assert!(!pending.authorization_url.contains(&app.client_secret));
        match kind {
            Provider::Google => {
                assert_eq!(url.host_str(), Some("accounts.google.com"));
                assert_eq!(
                    (q["access_type"].as_str(), q["prompt"].as_str()),
                    ("offline", "consent")
                );
            }
            Provider::Microsoft => {
                assert_eq!(url.path(), "/common/oauth2/v2.0/authorize");
                assert!(q["scope"].split(' ').any(|s| s == "offline_access"));
            }
        }
        // Two flows never share a state or a verifier.
        let again = world
            .harness
            .begin_auth(
                &app,
                &email_harness::types::AuthOptions { login_hint: None },
            )
            .unwrap();
        assert_ne!(again.state, pending.state);
        assert_ne!(again.code_verifier, pending.code_verifier);
    }
}

#[test]
fn the_sandbox_checks_pkce() {
    let world = World::new();
    for kind in KINDS {
        let app = world.app(kind);
        let (mut pending, callback) = world.authorize(&app);
        pending.code_verifier = "a-verifier-that-was-never-issued-for-this-flow-0000".into();
        let error = component_error(world.harness.complete_auth(&app, &pending, &callback));
        match error {
            Error::AuthRejected(failure) => {
                assert_eq!(failure.reason, AuthRejection::ProviderRefused);
                assert_eq!(failure.code.as_deref(), Some("invalid_grant"));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_state_mismatch_is_refused_before_any_request() {
    let world = World::new();
    for kind in KINDS {
        let app = world.app(kind);
        let (pending, callback) = world.authorize(&app);
        let forged = callback.replace(&pending.state, "forged-state-value");
        world.harness.policy().clear();
        let error = component_error(world.harness.complete_auth(&app, &pending, &forged));
        assert_eq!(rejection(error), AuthRejection::StateMismatch);
        assert!(
            world.harness.policy().requests().is_empty(),
            "nothing was sent"
        );
    }
}

#[test]
fn an_expired_pending_record_is_refused() {
    let world = World::new();
    for kind in KINDS {
        let app = world.app(kind);
        let (mut pending, callback) = world.authorize(&app);
        pending.created_at -= 601;
        let error = component_error(world.harness.complete_auth(&app, &pending, &callback));
        assert_eq!(rejection(error), AuthRejection::Expired);
    }
}

#[test]
fn refused_consent_is_access_denied() {
    let world = World::new();
    world.sandbox.set_consent(false);
    for kind in KINDS {
        let app = world.app(kind);
        let (pending, callback) = world.authorize(&app);
        assert!(callback.contains("error=access_denied"), "{callback}");
        let error = component_error(world.harness.complete_auth(&app, &pending, &callback));
        match error {
            Error::AuthRejected(failure) => {
                assert_eq!(failure.reason, AuthRejection::AccessDenied);
                assert_eq!(failure.code.as_deref(), Some("access_denied"));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_wrong_client_secret_is_a_provider_error() {
    let world = World::new();
    for kind in KINDS {
        let mut config = world.app_config(kind);
        config.client_secret = "not-the-registered-secret".into();
        let app = world.harness.configure_app(&config).unwrap();
        let (pending, callback) = world.authorize(&app);
        match component_error(world.harness.complete_auth(&app, &pending, &callback)) {
            Error::Provider(failure) => {
                assert_eq!(failure.status, Some(401));
                assert_eq!(failure.code.as_deref(), Some("invalid_client"));
                if kind == Provider::Microsoft {
                    assert!(
                        failure.message.contains("AADSTS7000215"),
                        "{}",
                        failure.message
                    );
                }
                assert!(!failure.message.contains("not-the-registered-secret"));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_code_is_single_use() {
    let world = World::new();
    for kind in KINDS {
        let app = world.app(kind);
        let (pending, callback) = world.authorize(&app);
        world
            .harness
            .complete_auth(&app, &pending, &callback)
            .expect("first use");
        match component_error(world.harness.complete_auth(&app, &pending, &callback)) {
            Error::AuthRejected(failure) => {
                assert_eq!(failure.reason, AuthRejection::ProviderRefused);
                assert_eq!(failure.code.as_deref(), Some("invalid_grant"));
                assert!(!failure.message.contains(&code_of(&callback)));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn bad_redirect_uris_and_tenants_are_named() {
    let world = World::new();
    let field = |result| match component_error(result) {
        Error::InvalidInput(f) => f.field,
        other => panic!("{other:?}"),
    };
    for bad in [
        "http://app.example.com/cb",
        "https://app.example.com/cb#x",
        "/cb",
        "ftp://x.example/cb",
        "",
    ] {
        let mut config = world.app_config(Provider::Google);
        config.redirect_uri = bad.into();
        assert_eq!(
            field(world.harness.configure_app(&config)),
            "redirect-uri",
            "{bad}"
        );
    }
    for bad in ["contoso", "a b", "../common", "x.y/z"] {
        let mut config = world.app_config(Provider::Microsoft);
        config.tenant = Some(bad.into());
        assert_eq!(
            field(world.harness.configure_app(&config)),
            "tenant",
            "{bad}"
        );
    }
    let mut config = world.app_config(Provider::Microsoft);
    config.tenant = Some("Contoso.OnMicrosoft.com".into());
    assert_eq!(
        world
            .harness
            .configure_app(&config)
            .unwrap()
            .tenant
            .as_deref(),
        Some("contoso.onmicrosoft.com")
    );
    let mut config = world.app_config(Provider::Google);
    config.client_secret = "".into();
    assert_eq!(field(world.harness.configure_app(&config)), "client-secret");
}

#[test]
fn google_refresh_keeps_the_refresh_token() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Google);
    let fresh = world.harness.refresh(&app, &account).unwrap();
    assert_ne!(fresh.access_token, account.access_token);
    assert_eq!(
        fresh.refresh_token, account.refresh_token,
        "Google does not rotate"
    );
    let again = world.harness.refresh(&app, &fresh).unwrap();
    assert_ne!(again.access_token, fresh.access_token);
}

#[test]
fn microsoft_refresh_rotates_the_refresh_token() {
    let world = World::new();
    let (app, account) = world.connect(Provider::Microsoft);
    let fresh = world.harness.refresh(&app, &account).unwrap();
    assert_ne!(fresh.access_token, account.access_token);
    assert_ne!(
        fresh.refresh_token, account.refresh_token,
        "Microsoft hands out a new refresh token at each refresh"
    );
    assert!(fresh.refresh_token.is_some());
    // Entra leaves the old one valid; the component keeps the newest anyway, so it also works
    // where refresh tokens are single use (the stricter sandbox option).
    world.harness.refresh(&app, &account).unwrap();
    world
        .sandbox
        .set_single_use_refresh(SandboxProvider::Microsoft, true);
    let newest = world.harness.refresh(&app, &fresh).unwrap();
    assert!(matches!(
        component_error(world.harness.refresh(&app, &fresh)),
        Error::ReauthorizationRequired(_)
    ));
    world.harness.refresh(&app, &newest).unwrap();
}

#[test]
fn a_revoked_grant_requires_reauthorization() {
    let world = World::new();
    for kind in KINDS {
        let (app, account) = world.connect(kind);
        world.sandbox.revoke(sandbox_kind(kind));
        match component_error(world.harness.refresh(&app, &account)) {
            Error::ReauthorizationRequired(failure) => {
                assert_eq!(failure.code.as_deref(), Some("invalid_grant"));
                assert_eq!(failure.status, Some(400));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_host_off_the_allowlist_is_denied() {
    let world = World::new();
    // A policy that routes only the identity hosts: the profile hosts are off the allowlist.
    let base = url::Url::parse(&world.sandbox.base_url()).unwrap();
    let policy = email_harness::HttpPolicy::default()
        .route("login.microsoftonline.com", base.clone())
        .route("oauth2.googleapis.com", base);
    let harness = common::runtime().harness(policy);
    for kind in KINDS {
        let app = harness.configure_app(&world.app_config(kind)).unwrap();
        let (pending, callback) = world.authorize(&app);
        match component_error(harness.complete_auth(&app, &pending, &callback)) {
            Error::Transport(failure) => {
                assert!(failure.denied, "{failure:?}");
                assert!(failure.message.contains("denied"), "{failure:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    let denied: Vec<String> = harness
        .policy()
        .requests()
        .iter()
        .filter(|r| r.denied)
        .map(|r| r.host())
        .collect();
    assert_eq!(denied, ["gmail.googleapis.com", "graph.microsoft.com"]);
    assert!(
        world
            .sandbox
            .received()
            .iter()
            .all(|r| r.host != "gmail.googleapis.com" && r.host != "graph.microsoft.com"),
        "a denied request never reaches any server"
    );
}
