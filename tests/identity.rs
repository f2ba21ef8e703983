//! Who a connected account is, through the real component against the sandbox identity
//! platforms: a Google account gets its user's display name, from the ID token (the default
//! scopes ask for `profile`) or, when the token has none, from the primary send-as address.

mod common;

use common::World;
use email_harness::types::{AppConfig, Provider};

#[test]
fn google_accounts_get_a_display_name() {
    let world = World::new();
    let expected = Some(world.config.google_user.display_name.clone());
    assert_eq!(expected.as_deref(), Some("Ann Example"));
    let (app, account) = world.connect(Provider::Google);
    assert!(
        app.scopes.iter().any(|s| s == "profile"),
        "{:?}",
        app.scopes
    );
    assert_eq!(account.display_name, expected);

    // Without `profile` the ID token carries no name: the primary send-as address's is used.
    let config = AppConfig {
        scopes: Some(vec![
            "openid".to_owned(),
            "email".to_owned(),
            "https://www.googleapis.com/auth/gmail.modify".to_owned(),
        ]),
        ..world.app_config(Provider::Google)
    };
    let app = world.harness.configure_app(&config).unwrap();
    let (pending, callback) = world.authorize(&app);
    let account = world
        .harness
        .complete_auth(&app, &pending, &callback)
        .unwrap();
    assert_eq!(account.display_name, expected);
    let asked = world.harness.policy().requests();
    assert!(
        asked.iter().any(|r| r.url.ends_with("/settings/sendAs")),
        "{asked:#?}"
    );
}
