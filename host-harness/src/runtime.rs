//! Loading the component once and calling its exports.
//!
//! [`Runtime`] compiles and pre-instantiates the component (the slow part, done once);
//! [`Harness`] pairs it with an [`HttpPolicy`] and makes calls, each in a fresh instance and
//! store, since the component keeps no state between calls. Each call runs within
//! [`CallLimits`]: a memory limit and a run time, past which the call (never the host) ends
//! with [`CallError::Limit`].

use crate::bindings::{EmailManager, EmailManagerPre};
use crate::describe;
use crate::policy::HttpPolicy;
use crate::types::{
    Account, App, AppConfig, AttachmentData, AttachmentRequest, AuthOptions, Done, Error, Failure,
    FetchedMessage, FolderList, ModifyRequest, ModifyResult, Outgoing, PendingAuth, SavedDraft,
    SendAsList, Sent, SyncPage, SyncRequest, Thread,
};
use anyhow::Context;
use std::path::Path;
use std::time::Duration;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The environment variable that names the built component.
pub const COMPONENT_ENV: &str = "EMAIL_MANAGER_WASM";

/// Where `build.sh` leaves the component, relative to the workspace root.
pub const DEFAULT_COMPONENT: &str = "target/email-manager.wasm";

/// How often the engine's epoch moves on: the resolution of [`CallLimits::run_time`].
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// What the host allows one call. The defaults suit a host that syncs and sends real mail
/// (Gmail's 35 MB messages, encoded and decoded, fit in the memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// The most linear memory the call's instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// How long the call's code may run, counted in epochs of the engine (wall time while the
    /// component computes; a call waiting on a request is bounded by the request timeouts of
    /// the [`HttpPolicy`] instead).
    pub run_time: Duration,
}

impl Default for CallLimits {
    /// 1 GiB of memory, 5 minutes.
    fn default() -> Self {
        Self {
            memory_bytes: 1 << 30,
            run_time: Duration::from_secs(300),
        }
    }
}

/// The memory limit of one call, and whether the call ran into it.
struct MemoryLimit {
    bytes: usize,
    hit: bool,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.bytes {
            self.hit = true;
            return Err(wasmtime::Error::msg(format!(
                "the call needed more than the host's memory limit of {} bytes",
                self.bytes
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// What one store holds: WASI, `wasi:http`, the request policy and the memory limit.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    policy: HttpPolicy,
    memory: MemoryLimit,
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
    /// Compiles the component at `path` (or reads its compiled form from the cache beside it,
    /// [`crate::compiled`]) and links it against WASI and `wasi:http`; the
    /// engine's epoch moves on every 10 ms, for the calls' run time limits.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        let ticking = engine.clone();
        std::thread::Builder::new()
            .name("email-harness-epoch".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(EPOCH_TICK);
                    ticking.increment_epoch();
                }
            })
            .context("starting the epoch ticker")?;
        let component = crate::compiled::component(&engine, path)
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

    /// A harness that calls the component under `policy`, with the default [`CallLimits`].
    pub fn harness(&self, policy: HttpPolicy) -> Harness {
        Harness {
            runtime: self.clone(),
            policy,
            limits: CallLimits::default(),
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
    /// The call ran into one of the host's [`CallLimits`] and was stopped; the host and later
    /// calls are not affected.
    #[error("the call was stopped: {0}")]
    Limit(String),
    /// The component trapped or could not be instantiated: a bug, never a provider answer.
    #[error("the component failed: {0:#}")]
    Trap(anyhow::Error),
}

impl CallError {
    /// The component's typed error, if that is what this is.
    pub fn component(&self) -> Option<&Error> {
        match self {
            Self::Component { error, .. } => Some(error),
            Self::Limit(_) | Self::Trap(_) => None,
        }
    }

    /// The account refreshed during the failed call, if any: the host must store it.
    pub fn account(&self) -> Option<&Account> {
        match self {
            Self::Component { account, .. } => account.as_deref(),
            Self::Limit(_) | Self::Trap(_) => None,
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
    limits: CallLimits,
}

impl Harness {
    /// The policy in force, with its record of requests.
    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// This harness with `limits` on each call.
    pub fn with_limits(mut self, limits: CallLimits) -> Self {
        self.limits = limits;
        self
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
            memory: MemoryLimit {
                bytes: self.limits.memory_bytes,
                hit: false,
            },
        };
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.memory);
        let ticks = self.limits.run_time.as_millis() / EPOCH_TICK.as_millis();
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX).max(1));
        store.epoch_deadline_trap();
        let limits = self.limits;
        let result = self
            .runtime
            .pre
            .instantiate(&mut store)
            .and_then(|instance| call(&instance, &mut store));
        match result {
            Ok(outcome) => outcome.map_err(Into::into),
            Err(_) if store.data().memory.hit => Err(CallError::Limit(format!(
                "it needed more than the host's memory limit of {} bytes ({:.0} MiB)",
                limits.memory_bytes,
                limits.memory_bytes as f64 / (1024.0 * 1024.0)
            ))),
            Err(error)
                if matches!(
                    error.downcast_ref::<wasmtime::Trap>(),
                    Some(wasmtime::Trap::Interrupt)
                ) =>
            {
                Err(CallError::Limit(format!(
                    "it ran longer than the host's run time limit of {:.1} s",
                    limits.run_time.as_secs_f64()
                )))
            }
            Err(error) => Err(CallError::Trap(error.into())),
        }
    }

    /// `configure-app`.
    pub fn configure_app(&self, config: &AppConfig) -> Result<App, CallError> {
        self.call(|i, s| i.email_manager_auth().call_configure_app(s, config))
    }

    /// `begin-auth`.
    pub fn begin_auth(&self, app: &App, options: &AuthOptions) -> Result<PendingAuth, CallError> {
        self.call(|i, s| i.email_manager_auth().call_begin_auth(s, app, options))
    }

    /// `complete-auth`.
    pub fn complete_auth(
        &self,
        app: &App,
        pending: &PendingAuth,
        callback_url: &str,
    ) -> Result<Account, CallError> {
        self.call(|i, s| {
            i.email_manager_auth()
                .call_complete_auth(s, app, pending, callback_url)
        })
    }

    /// `refresh`.
    pub fn refresh(&self, app: &App, account: &Account) -> Result<Account, CallError> {
        self.call(|i, s| i.email_manager_auth().call_refresh(s, app, account))
    }

    /// `sync`.
    pub fn sync(
        &self,
        app: &App,
        account: &Account,
        request: &SyncRequest,
    ) -> Result<SyncPage, CallError> {
        self.call(|i, s| i.email_manager_sync().call_sync(s, app, account, request))
    }

    /// `send`.
    pub fn send(
        &self,
        app: &App,
        account: &Account,
        message: &Outgoing,
    ) -> Result<Sent, CallError> {
        self.call(|i, s| i.email_manager_send().call_send(s, app, account, message))
    }

    /// `list-folders`.
    pub fn list_folders(&self, app: &App, account: &Account) -> Result<FolderList, CallError> {
        self.call(|i, s| i.email_manager_mailbox().call_list_folders(s, app, account))
    }

    /// `get-message`.
    pub fn get_message(
        &self,
        app: &App,
        account: &Account,
        id: &str,
    ) -> Result<FetchedMessage, CallError> {
        self.call(|i, s| {
            i.email_manager_mailbox()
                .call_get_message(s, app, account, id)
        })
    }

    /// `get-thread`.
    pub fn get_thread(
        &self,
        app: &App,
        account: &Account,
        thread_id: &str,
    ) -> Result<Thread, CallError> {
        self.call(|i, s| {
            i.email_manager_mailbox()
                .call_get_thread(s, app, account, thread_id)
        })
    }

    /// `get-attachment`.
    pub fn get_attachment(
        &self,
        app: &App,
        account: &Account,
        request: &AttachmentRequest,
    ) -> Result<AttachmentData, CallError> {
        self.call(|i, s| {
            i.email_manager_mailbox()
                .call_get_attachment(s, app, account, request)
        })
    }

    /// `modify`.
    pub fn modify(
        &self,
        app: &App,
        account: &Account,
        request: &ModifyRequest,
    ) -> Result<ModifyResult, CallError> {
        self.call(|i, s| {
            i.email_manager_mailbox()
                .call_modify(s, app, account, request)
        })
    }

    /// `save-draft`.
    pub fn save_draft(
        &self,
        app: &App,
        account: &Account,
        draft_id: Option<&str>,
        message: &Outgoing,
    ) -> Result<SavedDraft, CallError> {
        self.call(|i, s| {
            i.email_manager_send()
                .call_save_draft(s, app, account, draft_id, message)
        })
    }

    /// `delete-draft`.
    pub fn delete_draft(
        &self,
        app: &App,
        account: &Account,
        draft_id: &str,
    ) -> Result<Done, CallError> {
        self.call(|i, s| {
            i.email_manager_send()
                .call_delete_draft(s, app, account, draft_id)
        })
    }

    /// `send-draft`.
    pub fn send_draft(
        &self,
        app: &App,
        account: &Account,
        draft_id: &str,
    ) -> Result<Sent, CallError> {
        self.call(|i, s| {
            i.email_manager_send()
                .call_send_draft(s, app, account, draft_id)
        })
    }

    /// `list-send-as`.
    pub fn list_send_as(&self, app: &App, account: &Account) -> Result<SendAsList, CallError> {
        self.call(|i, s| i.email_manager_send().call_list_send_as(s, app, account))
    }
}
