//! Connecting accounts against the sandbox providers, as an admin and a user would: the shared
//! set-up of the demo, the benchmark and the tests.

use crate::Harness;
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::types::{Account, App, AppConfig, AuthOptions, Provider};

/// The app config an admin would enter for the sandbox's first app of `provider`.
pub fn app_config(config: &SandboxConfig, provider: Provider) -> AppConfig {
    let app = match provider {
        Provider::Google => &config.google_clients[0],
        Provider::Microsoft => &config.microsoft_clients[0],
    };
    AppConfig {
        provider,
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        redirect_uri: app.redirect_uris.first().cloned().unwrap_or_default(),
        tenant: None,
        scopes: None,
        limits: None,
    }
}

/// Configures the sandbox app of `provider` and connects its user: `begin-auth`, consent in the
/// sandbox, `complete-auth`.
pub fn connect(
    harness: &Harness,
    sandbox: &Sandbox,
    config: &SandboxConfig,
    provider: Provider,
) -> anyhow::Result<(App, Account)> {
    let app = harness.configure_app(&app_config(config, provider))?;
    let pending = harness.begin_auth(&app, &AuthOptions { login_hint: None })?;
    let callback = sandbox.consent(&pending.authorization_url)?;
    let account = harness.complete_auth(&app, &pending, &callback)?;
    Ok((app, account))
}
