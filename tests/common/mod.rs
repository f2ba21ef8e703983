//! Shared set-up of the integration tests: the component, compiled once per test binary, and a
//! fresh sandbox with a harness routed to it for each test.

#![allow(dead_code)] // each test binary uses a different part of this module

use email_harness::sandbox::{ClientApp, Sandbox, SandboxConfig};
use email_harness::types::{
    Account, AuthOptions, PendingAuth, Provider, ProviderConfig, ProviderKind, SyncPage,
    SyncRequest,
};
use email_harness::{Harness, HttpPolicy, Runtime};
use std::sync::OnceLock;

/// The component, loaded once.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let path = Runtime::locate().expect("the component is built (./build.sh test builds it)");
        Runtime::load(&path).expect("the component loads")
    })
}

/// A running sandbox and a harness whose provider traffic goes to it.
pub struct World {
    /// The sandbox providers.
    pub sandbox: Sandbox,
    /// The component under the sandbox policy.
    pub harness: Harness,
    /// The sandbox's registered apps.
    pub config: SandboxConfig,
}

impl World {
    /// A fresh sandbox with its default apps and users.
    pub fn new() -> Self {
        let config = SandboxConfig::default();
        let sandbox = Sandbox::start(config.clone()).expect("the sandbox starts");
        let harness = runtime().harness(HttpPolicy::sandbox(&sandbox.base_url()).unwrap());
        Self {
            sandbox,
            harness,
            config,
        }
    }

    /// The sandbox's registered app for `kind`.
    pub fn app(&self, kind: ProviderKind) -> &ClientApp {
        match kind {
            ProviderKind::Google => &self.config.google_clients[0],
            ProviderKind::Microsoft => &self.config.microsoft_clients[0],
        }
    }

    /// The provider config an admin would enter for the sandbox app.
    pub fn provider_config(&self, kind: ProviderKind) -> ProviderConfig {
        email_harness::sandboxed::provider_config(&self.config, kind)
    }

    /// `configure-provider` for the sandbox app.
    pub fn provider(&self, kind: ProviderKind) -> Provider {
        self.harness
            .configure_provider(&self.provider_config(kind))
            .expect("the sandbox app configures")
    }

    /// `begin-auth`, then consent in the sandbox: the pending record and the callback URL.
    pub fn authorize(&self, provider: &Provider) -> (PendingAuth, String) {
        let pending = self
            .harness
            .begin_auth(provider, &AuthOptions { login_hint: None })
            .expect("begin-auth");
        let callback = self
            .sandbox
            .consent(&pending.authorization_url)
            .expect("the sandbox consents");
        (pending, callback)
    }

    /// Every page from `cursor` (a first sync when absent) until `more` is unset, 200 a page.
    pub fn sync_pages(
        &self,
        provider: &Provider,
        account: &Account,
        cursor: Option<String>,
    ) -> Vec<SyncPage> {
        let mut request = SyncRequest {
            cursor,
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(200),
        };
        let mut pages = Vec::new();
        loop {
            let page = self
                .harness
                .sync(provider, account, &request)
                .expect("sync");
            request.cursor = Some(page.cursor.clone());
            let more = page.more;
            pages.push(page);
            if !more {
                return pages;
            }
        }
    }

    /// The whole connect flow.
    pub fn connect(&self, kind: ProviderKind) -> (Provider, Account) {
        email_harness::sandboxed::connect(&self.harness, &self.sandbox, &self.config, kind)
            .expect("connect")
    }
}

/// Both providers, for tests that run for each.
pub const KINDS: [ProviderKind; 2] = [ProviderKind::Google, ProviderKind::Microsoft];

/// The `code` parameter of a callback URL.
pub fn code_of(callback: &str) -> String {
    url::Url::parse(callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("the callback carries a code")
}
