//! What every command runs in: the global flags, the component's runtime, the store, and for a
//! command that acts for an account, a [`Session`]: the harness, the store, the provider
//! app and the account chosen with `--account`.

use super::Output;
use anyhow::{Context as _, bail};
use clap::ValueEnum;
use email_harness::store::{AccountKey, Key, Store};
use email_harness::types::{Account, App, Provider};
use email_harness::{CallError, Harness, HttpPolicy, Runtime, describe};
use std::path::PathBuf;

/// Which provider, as a command-line value.
#[derive(Clone, Copy, ValueEnum)]
pub enum ProviderArg {
    /// Google: OAuth and the Gmail API.
    Google,
    /// Microsoft: the identity platform and Microsoft Graph.
    Microsoft,
}

impl ProviderArg {
    /// The WIT's provider.
    pub fn wit(self) -> Provider {
        match self {
            ProviderArg::Google => Provider::Google,
            ProviderArg::Microsoft => Provider::Microsoft,
        }
    }

    /// The provider's name, as the command line spells it.
    pub fn name(self) -> &'static str {
        describe::provider(self.wit())
    }
}

/// The global flags and the output of one run of the command line.
pub struct Context {
    component: Option<PathBuf>,
    store: PathBuf,
    sandbox_url: Option<String>,
    account: Option<String>,
    /// Text or JSON.
    pub out: Output,
}

impl Context {
    /// The context of the flags `--component`, `--store`, `--json`, `--sandbox-url` and
    /// `--account`.
    pub fn new(
        component: Option<PathBuf>,
        store: PathBuf,
        json: bool,
        sandbox_url: Option<String>,
        account: Option<String>,
    ) -> Context {
        Context {
            component,
            store,
            sandbox_url,
            account,
            out: Output { json },
        }
    }

    /// The component's path: `--component`, else where [`Runtime::locate`] finds it.
    pub fn component(&self) -> anyhow::Result<PathBuf> {
        match &self.component {
            Some(path) => Ok(path.clone()),
            None => Runtime::locate(),
        }
    }

    /// The component, loaded.
    pub fn runtime(&self) -> anyhow::Result<Runtime> {
        Runtime::load(&self.component()?)
    }

    /// The `--account` address, if given.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The `--sandbox-url`, if given.
    pub fn sandbox_url(&self) -> Option<&str> {
        self.sandbox_url.as_deref()
    }

    /// The component with the sandbox's routes when `--sandbox-url` is given, else the real
    /// providers'.
    pub fn harness(&self) -> anyhow::Result<Harness> {
        let policy = match &self.sandbox_url {
            Some(url) => HttpPolicy::sandbox(url)?,
            None => HttpPolicy::providers(),
        };
        Ok(self.runtime()?.harness(policy))
    }

    /// The store of `--store`.
    pub fn store(&self) -> anyhow::Result<Local> {
        Local::open(&self.store)
    }

    /// The harness, the store, `kind`'s app and the account `--account` names (or the
    /// only one of `kind`).
    pub fn session(&self, kind: ProviderArg) -> anyhow::Result<Session> {
        let harness = self.harness()?;
        let store = self.store()?;
        let app = store.app(kind)?;
        let account = store.account(kind, self.account.as_deref())?;
        Ok(Session {
            harness,
            store,
            app,
            account,
        })
    }
}

/// The command line's store: the SQLite database `store.db` in the store folder, sealed with
/// the key in `EMAIL_HARNESS_KEY`, else in the folder's `key` file (made on first use).
pub struct Local {
    /// The database.
    pub db: Store,
}

impl Local {
    fn open(dir: &std::path::Path) -> anyhow::Result<Self> {
        let key = Key::from_env_or_file(&dir.join("key"))?;
        Ok(Self {
            db: Store::open(&dir.join("store.db"), &key)?,
        })
    }

    /// A store in memory, for the demo.
    pub fn in_memory() -> anyhow::Result<Self> {
        Ok(Self {
            db: Store::in_memory(&Key::random()?)?,
        })
    }

    /// The app of `kind`, or how to configure it.
    pub fn app(&self, kind: ProviderArg) -> anyhow::Result<App> {
        let name = kind.name();
        self.db.app(kind.wit())?.with_context(|| {
            format!(
                "no {name} app configured: run `email-harness configure --provider {name}` first"
            )
        })
    }

    /// The account of `kind` at address `named`, else the only connected account of `kind`;
    /// an error that says what to do when there is none, or several and none is named.
    pub fn account(&self, kind: ProviderArg, named: Option<&str>) -> anyhow::Result<Account> {
        let name = kind.name();
        let connected = self.db.accounts(Some(kind.wit()))?;
        let key = match named {
            Some(address) => connected
                .into_iter()
                .find(|key| key.email.eq_ignore_ascii_case(address))
                .with_context(|| {
                    format!("no {name} account {address} connected: run `email-harness connect --provider {name}` and sign in as {address}")
                })?,
            None => match <[AccountKey; 1]>::try_from(connected) {
                Ok([only]) => only,
                Err(connected) if connected.is_empty() => bail!(
                    "no {name} account connected: run `email-harness connect --provider {name}` first"
                ),
                Err(connected) => {
                    let addresses: Vec<&str> =
                        connected.iter().map(|key| key.email.as_str()).collect();
                    bail!(
                        "{} {name} accounts are connected ({}): choose one with --account ADDRESS",
                        connected.len(),
                        addresses.join(", ")
                    )
                }
            },
        };
        self.db
            .account(&key)?
            .with_context(|| format!("the {name} account {} vanished", key.email))
    }
}

/// A command's hold on one account: the harness, the store, the app and the
/// account (kept up to date as calls refresh its tokens).
pub struct Session {
    /// The component.
    pub harness: Harness,
    /// The store.
    pub store: Local,
    /// The app (the OAuth app).
    pub app: App,
    /// The account.
    pub account: Account,
}

impl Session {
    /// The store's key of the account.
    pub fn key(&self) -> AccountKey {
        AccountKey::of(&self.account)
    }

    /// Stores `account` when a call refreshed its tokens.
    pub fn keep(&mut self, account: Option<Account>) -> anyhow::Result<()> {
        if let Some(account) = account {
            self.store.db.put_account(&account)?;
            self.account = account;
        }
        Ok(())
    }

    /// The value of a call made with the account; when it failed after refreshing the
    /// account's tokens, the refreshed account is stored before the error is returned.
    pub fn kept<T>(&mut self, result: Result<T, CallError>) -> anyhow::Result<T> {
        result.or_else(|error| {
            self.keep(error.account().cloned())?;
            Err(error.into())
        })
    }
}
