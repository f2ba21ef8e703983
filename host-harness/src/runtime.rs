//! Loading the component once and calling its exports.
//!
//! [`Runtime`] compiles and pre-instantiates the component (the slow part, done once);
//! [`Harness`] pairs it with an [`HttpPolicy`] and makes calls, each in a fresh instance and
//! store, since the component keeps no state between calls.

use crate::bindings::{EmailManager, EmailManagerPre};
use crate::describe;
use crate::policy::HttpPolicy;
use crate::types::{
    Account, AttachmentData, AuthOptions, Done, Error, Failure, FetchedMessage, FolderList,
    ModifyRequest, ModifyResult, Outgoing, PendingAuth, Provider, ProviderConfig, SavedDraft,
    SendAsList, Sent, SyncPage, SyncRequest, Thread,
};
use anyhow::Context;
use std::path::Path;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The environment variable that names the built component.
pub const COMPONENT_ENV: &str = "EMAIL_MANAGER_WASM";

/// Where `build.sh` leaves the component, relative to the workspace root.
pub const DEFAULT_COMPONENT: &str = "target/email-manager.wasm";

/// What one store holds: WASI, `wasi:http` and the request policy.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    policy: HttpPolicy,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

/// The compiled, pre-instantiated component.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    pre: EmailManagerPre<HostState>,
}

impl Runtime {
    /// Compiles the component at `path` and links it against WASI and `wasi:http`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot load the component {}", path.display()))?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        let pre = EmailManagerPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Self { engine, pre })
    }

    /// The component named by `EMAIL_MANAGER_WASM`, else `target/email-manager.wasm` found from
    /// the current directory upwards.
    pub fn locate() -> anyhow::Result<std::path::PathBuf> {
        if let Some(path) = std::env::var_os(COMPONENT_ENV) {
            return Ok(path.into());
        }
        let here = std::env::current_dir()?;
        here.ancestors()
            .map(|dir| dir.join(DEFAULT_COMPONENT))
            .find(|candidate| candidate.is_file())
            .with_context(|| format!("no component found: run ./build.sh, or set {COMPONENT_ENV}"))
    }

    /// A harness that calls the component under `policy`.
    pub fn harness(&self, policy: HttpPolicy) -> Harness {
        Harness {
            runtime: self.clone(),
            policy,
        }
    }
}

/// Why a call returned no value.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The component returned its typed error.
    #[error("{}", describe::error(.error))]
    Component {
        /// What went wrong, and what to do.
        error: Error,
        /// The account with refreshed tokens, when the call refreshed them before failing:
        /// store it whatever the error (boxed: errors travel in `Result`s).
        account: Option<Box<Account>>,
    },
    /// The component trapped or could not be instantiated: a bug, never a provider answer.
    #[error("the component failed: {0:#}")]
    Trap(anyhow::Error),
}

impl CallError {
    /// The component's typed error, if that is what this is.
    pub fn component(&self) -> Option<&Error> {
        match self {
            Self::Component { error, .. } => Some(error),
            Self::Trap(_) => None,
        }
    }

    /// The account refreshed during the failed call, if any: the host must store it.
    pub fn account(&self) -> Option<&Account> {
        match self {
            Self::Component { account, .. } => account.as_deref(),
            Self::Trap(_) => None,
        }
    }
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        Self::Component {
            error,
            account: None,
        }
    }
}

impl From<Failure> for CallError {
    fn from(failure: Failure) -> Self {
        Self::Component {
            error: failure.error,
            account: failure.account.map(Box::new),
        }
    }
}

/// Calls the component's exports under one [`HttpPolicy`].
#[derive(Clone)]
pub struct Harness {
    runtime: Runtime,
    policy: HttpPolicy,
}

impl Harness {
    /// The policy in force, with its record of requests.
    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// Runs `call` against a fresh instance.
    fn call<T, E: Into<CallError>>(
        &self,
        call: impl FnOnce(&EmailManager, &mut Store<HostState>) -> wasmtime::Result<Result<T, E>>,
    ) -> Result<T, CallError> {
        let state = HostState {
            wasi: WasiCtx::builder().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            policy: self.policy.clone(),
        };
        let mut store = Store::new(&self.runtime.engine, state);
        let trap = |error: wasmtime::Error| CallError::Trap(error.into());
        let instance = self.runtime.pre.instantiate(&mut store).map_err(trap)?;
        call(&instance, &mut store)
            .map_err(trap)?
            .map_err(Into::into)
    }

    /// `configure-provider`.
    pub fn configure_provider(&self, config: &ProviderConfig) -> Result<Provider, CallError> {
        self.call(|i, s| i.email_manager_api().call_configure_provider(s, config))
    }

    /// `begin-auth`.
    pub fn begin_auth(
        &self,
        provider: &Provider,
        options: &AuthOptions,
    ) -> Result<PendingAuth, CallError> {
        self.call(|i, s| i.email_manager_api().call_begin_auth(s, provider, options))
    }

    /// `complete-auth`.
    pub fn complete_auth(
        &self,
        provider: &Provider,
        pending: &PendingAuth,
        callback_url: &str,
    ) -> Result<Account, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_complete_auth(s, provider, pending, callback_url)
        })
    }

    /// `refresh`.
    pub fn refresh(&self, provider: &Provider, account: &Account) -> Result<Account, CallError> {
        self.call(|i, s| i.email_manager_api().call_refresh(s, provider, account))
    }

    /// `sync`.
    pub fn sync(
        &self,
        provider: &Provider,
        account: &Account,
        request: &SyncRequest,
    ) -> Result<SyncPage, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_sync(s, provider, account, request)
        })
    }

    /// `send`.
    pub fn send(
        &self,
        provider: &Provider,
        account: &Account,
        message: &Outgoing,
    ) -> Result<Sent, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_send(s, provider, account, message)
        })
    }

    /// `list-folders`.
    pub fn list_folders(
        &self,
        provider: &Provider,
        account: &Account,
    ) -> Result<FolderList, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_list_folders(s, provider, account)
        })
    }

    /// `get-message`.
    pub fn get_message(
        &self,
        provider: &Provider,
        account: &Account,
        id: &str,
    ) -> Result<FetchedMessage, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_get_message(s, provider, account, id)
        })
    }

    /// `get-thread`.
    pub fn get_thread(
        &self,
        provider: &Provider,
        account: &Account,
        thread_id: &str,
    ) -> Result<Thread, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_get_thread(s, provider, account, thread_id)
        })
    }

    /// `get-attachment`.
    pub fn get_attachment(
        &self,
        provider: &Provider,
        account: &Account,
        message_id: &str,
        attachment_id: &str,
        max_bytes: u64,
    ) -> Result<AttachmentData, CallError> {
        self.call(|i, s| {
            i.email_manager_api().call_get_attachment(
                s,
                provider,
                account,
                message_id,
                attachment_id,
                max_bytes,
            )
        })
    }

    /// `modify`.
    pub fn modify(
        &self,
        provider: &Provider,
        account: &Account,
        request: &ModifyRequest,
    ) -> Result<ModifyResult, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_modify(s, provider, account, request)
        })
    }

    /// `save-draft`.
    pub fn save_draft(
        &self,
        provider: &Provider,
        account: &Account,
        draft_id: Option<&str>,
        message: &Outgoing,
    ) -> Result<SavedDraft, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_save_draft(s, provider, account, draft_id, message)
        })
    }

    /// `delete-draft`.
    pub fn delete_draft(
        &self,
        provider: &Provider,
        account: &Account,
        draft_id: &str,
    ) -> Result<Done, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_delete_draft(s, provider, account, draft_id)
        })
    }

    /// `send-draft`.
    pub fn send_draft(
        &self,
        provider: &Provider,
        account: &Account,
        draft_id: &str,
    ) -> Result<Sent, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_send_draft(s, provider, account, draft_id)
        })
    }

    /// `list-send-as`.
    pub fn list_send_as(
        &self,
        provider: &Provider,
        account: &Account,
    ) -> Result<SendAsList, CallError> {
        self.call(|i, s| {
            i.email_manager_api()
                .call_list_send_as(s, provider, account)
        })
    }
}
