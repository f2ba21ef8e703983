//! What a sandbox is started with: the registered client apps and the signed-in users.

use crate::mint;

/// An OAuth client registered with a provider (a Google Cloud OAuth client, an Entra ID app
/// registration).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientApp {
    /// The client ID the app authenticates with.
    pub client_id: String,
    /// The client secret (`client_secret_post` or `client_secret_basic`).
    pub client_secret: String,
    /// The redirect URIs registered for the app; authorization requests must use one of them
    /// exactly.
    pub redirect_uris: Vec<String>,
}

impl std::fmt::Debug for ClientApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

/// The account signed in at a provider, the one that consents and owns the mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxUser {
    /// The mailbox address (Gmail `emailAddress`, Graph `mail` and `userPrincipalName`).
    pub email: String,
    /// The name shown for the account (`name` claim, Graph `displayName`).
    pub display_name: String,
}

impl SandboxUser {
    /// The Google account ID (`sub`): a 21-digit number, stable for an address.
    pub(crate) fn google_subject(&self) -> String {
        mint::derived_digits(&self.email.to_ascii_lowercase(), 21)
    }

    /// The Entra object ID (`oid`, Graph `id`), stable for an address.
    pub(crate) fn object_id(&self) -> String {
        mint::derived_guid(&format!("oid:{}", self.email.to_ascii_lowercase()))
    }

    /// The Entra tenant ID (`tid`) of the address's domain.
    pub(crate) fn tenant_id(&self) -> String {
        let domain = self.email.rsplit('@').next().unwrap_or_default();
        mint::derived_guid(&format!("tid:{}", domain.to_ascii_lowercase()))
    }
}

/// One of the two sandboxed providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Google accounts, OAuth 2.0 and Gmail.
    Google,
    /// Microsoft identity platform (Entra ID v2.0 endpoints) and Graph.
    Microsoft,
}

impl Provider {
    /// `google` or `microsoft`: the provider's name in the control API's paths and in [`Info`].
    pub fn name(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
        }
    }

    /// The provider `name` names ([`Provider::name`]), if any.
    pub fn from_name(name: &str) -> Option<Provider> {
        [Provider::Google, Provider::Microsoft]
            .into_iter()
            .find(|provider| provider.name() == name)
    }
}

/// The apps and users a sandbox knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxConfig {
    /// OAuth clients registered with Google.
    pub google_clients: Vec<ClientApp>,
    /// App registrations known to Microsoft.
    pub microsoft_clients: Vec<ClientApp>,
    /// The Google account that signs in.
    pub google_user: SandboxUser,
    /// The Microsoft work account that signs in.
    pub microsoft_user: SandboxUser,
}

impl SandboxConfig {
    /// The clients registered with `provider`.
    pub(crate) fn clients(&self, provider: Provider) -> &[ClientApp] {
        match provider {
            Provider::Google => &self.google_clients,
            Provider::Microsoft => &self.microsoft_clients,
        }
    }

    /// The client registered with `provider` under `client_id`.
    pub(crate) fn client(&self, provider: Provider, client_id: &str) -> Option<&ClientApp> {
        self.clients(provider)
            .iter()
            .find(|c| c.client_id == client_id)
    }

    /// The account signed in at `provider`.
    pub(crate) fn user(&self, provider: Provider) -> &SandboxUser {
        match provider {
            Provider::Google => &self.google_user,
            Provider::Microsoft => &self.microsoft_user,
        }
    }
}

/// The redirect URI of the default clients.
const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

impl Default for SandboxConfig {
    /// One client per provider (`sandbox-google-client` / `sandbox-google-secret`,
    /// `sandbox-microsoft-client` / `sandbox-microsoft-secret`, both redirecting to
    /// `http://127.0.0.1:8765/callback`), with Ann Example signed in at Google and Adele Vance at
    /// Microsoft.
    fn default() -> Self {
        let client = |id: &str, secret: &str| ClientApp {
            client_id: id.to_owned(),
            client_secret: secret.to_owned(),
            redirect_uris: vec![DEFAULT_REDIRECT_URI.to_owned()],
        };
        SandboxConfig {
            google_clients: vec![client("sandbox-google-client", "sandbox-google-secret")],
            microsoft_clients: vec![client(
                "sandbox-microsoft-client",
                "sandbox-microsoft-secret",
            )],
            google_user: SandboxUser {
                email: "ann@example.com".to_owned(),
                display_name: "Ann Example".to_owned(),
            },
            microsoft_user: SandboxUser {
                email: "AdeleV@contoso.onmicrosoft.com".to_owned(),
                display_name: "Adele Vance".to_owned(),
            },
        }
    }
}
