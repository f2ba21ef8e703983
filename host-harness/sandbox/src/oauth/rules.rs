//! How the two providers' token lifecycles differ, as data.

use crate::config::Provider;
use crate::mint;

/// One provider's token lifecycle rules.
pub(super) struct Rules {
    /// What authorization codes start with (Google `4/0A…`, Entra ID `0.A…`).
    code_prefix: &'static str,
    /// What refresh tokens start with (Google `1//0…`, Entra ID `0.A…`).
    refresh_prefix: &'static str,
    /// Every refresh returns a new refresh token (Microsoft; Google keeps the one it issued and
    /// sends none back). Whether the one used stays valid is the sandbox's single-use setting.
    pub issues_new_refresh: bool,
    /// Revoking the grant also ends its access tokens (Google; Entra access tokens live on until
    /// they expire).
    pub revocation_ends_access: bool,
    /// A `scope` field on token requests must stay within what was consented (Microsoft; Google
    /// ignores it).
    pub checks_token_scope: bool,
}

const GOOGLE: Rules = Rules {
    code_prefix: "4/0A",
    refresh_prefix: "1//0",
    issues_new_refresh: false,
    revocation_ends_access: true,
    checks_token_scope: false,
};

const MICROSOFT: Rules = Rules {
    code_prefix: "0.A",
    refresh_prefix: "0.A",
    issues_new_refresh: true,
    revocation_ends_access: false,
    checks_token_scope: true,
};

/// The rules of `provider`.
pub(super) fn of(provider: Provider) -> &'static Rules {
    match provider {
        Provider::Google => &GOOGLE,
        Provider::Microsoft => &MICROSOFT,
    }
}

impl Rules {
    /// A new authorization code (256 random bits).
    pub fn new_code(&self) -> String {
        format!("{}{}", self.code_prefix, mint::random_b64(32))
    }

    /// A new refresh token (384 random bits).
    pub fn new_refresh_token(&self) -> String {
        format!("{}{}", self.refresh_prefix, mint::random_b64(48))
    }
}
