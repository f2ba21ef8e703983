//! Connecting accounts against the sandbox providers, as an admin and a user would: the shared
//! set-up of the demo, the benchmark and the tests.

use crate::Harness;
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::types::{Account, AuthOptions, Provider, ProviderConfig, ProviderKind};

/// The provider config an admin would enter for the sandbox's first app of `kind`.
pub fn provider_config(config: &SandboxConfig, kind: ProviderKind) -> ProviderConfig {
    let app = match kind {
        ProviderKind::Google => &config.google_clients[0],
        ProviderKind::Microsoft => &config.microsoft_clients[0],
    };
    ProviderConfig {
        kind,
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        redirect_uri: app.redirect_uris.first().cloned().unwrap_or_default(),
        tenant: None,
        scopes: None,
        limits: None,
    }
}

/// Configures the sandbox app of `kind` and connects its user: `begin-auth`, consent in the
/// sandbox, `complete-auth`.
pub fn connect(
    harness: &Harness,
    sandbox: &Sandbox,
    config: &SandboxConfig,
    kind: ProviderKind,
) -> anyhow::Result<(Provider, Account)> {
    let setting = harness.configure_provider(&provider_config(config, kind))?;
    let pending = harness.begin_auth(&setting, &AuthOptions { login_hint: None })?;
    let callback = sandbox.consent(&pending.authorization_url)?;
    let account = harness.complete_auth(&setting, &pending, &callback)?;
    Ok((setting, account))
}
