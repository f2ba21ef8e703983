//! No error string, in any failure of the connect and refresh flows, carries a client secret,
//! an authorization code, a PKCE verifier or a token.

mod common;

use common::{KINDS, World, code_of};
use email_harness::CallError;

/// Display and Debug of the failure, as a host would log it.
fn texts(result: Result<impl Sized, CallError>) -> String {
    match result {
        Err(error) => format!("{error}\n{error:?}"),
        Ok(_) => panic!("expected a failure"),
    }
}

#[test]
fn failures_never_reveal_secrets() {
    let world = World::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut logged: Vec<String> = Vec::new();
    for kind in KINDS {
        let app = world.registered(kind);
        secrets.push(app.client_secret.clone());

        // Wrong client secret.
        let mut config = world.app_config(kind);
        config.client_secret = "wrong-secret-value-42".into();
        secrets.push(config.client_secret.clone());
        let wrong = world.harness.configure_app(&config).unwrap();
        let (pending, callback) = world.authorize(&wrong);
        secrets.extend([pending.code_verifier.clone(), code_of(&callback)]);
        logged.push(texts(
            world.harness.complete_auth(&wrong, &pending, &callback),
        ));

        // A secret with a control character is refused without being echoed.
        let mut config = world.app_config(kind);
        config.client_secret = "bad\u{7}secret-value-43".into();
        secrets.push("secret-value-43".into());
        logged.push(texts(world.harness.configure_app(&config)));

        // PKCE mismatch, then the same code again after a good redemption.
        let app = world.app(kind);
        let (mut pending, callback) = world.authorize(&app);
        secrets.extend([pending.code_verifier.clone(), code_of(&callback)]);
        pending.code_verifier.replace_range(0..4, "zzzz");
        logged.push(texts(
            world.harness.complete_auth(&app, &pending, &callback),
        ));
        let (pending, callback) = world.authorize(&app);
        secrets.extend([pending.code_verifier.clone(), code_of(&callback)]);
        let account = world
            .harness
            .complete_auth(&app, &pending, &callback)
            .unwrap();
        secrets.push(account.access_token.clone());
        secrets.extend(account.refresh_token.clone());
        logged.push(texts(
            world.harness.complete_auth(&app, &pending, &callback),
        ));

        // State mismatch and expiry.
        let (mut pending, callback) = world.authorize(&app);
        secrets.extend([pending.code_verifier.clone(), code_of(&callback)]);
        logged.push(texts(world.harness.complete_auth(
            &app,
            &pending,
            &callback.replace(&pending.state, "x"),
        )));
        pending.created_at -= 3600;
        logged.push(texts(
            world.harness.complete_auth(&app, &pending, &callback),
        ));

        // Refresh with a token the provider does not know, and after revocation.
        let mut stranger = account.clone();
        stranger.refresh_token = Some("unknown-refresh-token-44".into());
        secrets.push("unknown-refresh-token-44".into());
        logged.push(texts(world.harness.refresh(&app, &stranger)));
    }
    world
        .sandbox
        .revoke(email_harness::sandbox::Provider::Google);
    world
        .sandbox
        .revoke(email_harness::sandbox::Provider::Microsoft);

    assert!(logged.len() >= 14);
    for text in &logged {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into: {text}"
            );
        }
    }
}
