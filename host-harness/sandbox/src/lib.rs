//! Sandbox identity providers and mail APIs for Google and Microsoft.
//!
//! [`Sandbox::start`] serves, over real HTTP on a loopback port chosen at run time, the endpoints
//! the email-manager component talks to:
//!
//! - Google: `accounts.google.com` (authorization), `oauth2.googleapis.com` (token) and
//!   `gmail.googleapis.com` (`users.getProfile`, `users.messages.list`/`get`/`send`/`insert`/
//!   `import` (JSON, and media or multipart upload), `users.messages.modify`/`batchModify`/
//!   `trash`/`untrash`/`delete`/`batchDelete`, `users.messages.attachments.get`,
//!   `users.threads.get`, `users.drafts.create`/`list`/`get`/`update`/`delete`/`send` (`create`
//!   and `update` also as media or multipart upload), `users.history.list`,
//!   `users.labels.list`/`get`, `users.settings.sendAs.list`, and batches of those calls on
//!   `/batch/gmail/v1`);
//! - Microsoft: `login.microsoftonline.com` (authorization and token, any tenant),
//!   `graph.microsoft.com` (`/v1.0/me`, `/me/mailFolders` with `childFolders`, `messages` (and
//!   new drafts in a folder) and `messages/delta`, `/me/messages` (list with the conversation
//!   filter, and new drafts, as JSON or MIME), `/me/messages/{id}` (`GET`, `PATCH`, `DELETE`)
//!   with `attachments` (and their `$value`) and `attachments/createUploadSession`, `move`,
//!   `createReply`, `createReplyAll`, `createForward` and `send`, and JSON batching on
//!   `/v1.0/$batch`) and the attachment upload URLs on `outlook.office.com`.
//!
//! Each user has a mailbox, empty until [`Controls::seed_mailbox`] fills it from a
//! [`MailboxSpec`] (or [`Controls::insert_raw`] files real mail, any RFC 5322 bytes); further
//! [`Sandbox`] methods change it (new mail, deletions, flags, labels, moves), read a message's
//! state back ([`Controls::state_of`]), expire sync state, and shape the traffic (latency,
//! foreign links, and faults: statuses with the providers' own error bodies, front-end HTML
//! pages, connections closed before or after the request is applied or held unanswered, bodies
//! sent slowly, cut short or not valid JSON ([`FaultKind`]), for the next requests matching a
//! path ([`Fault`]) or drawn at random from a seed ([`RandomFaults`]), and counted
//! ([`Controls::faults_injected`])). The providers' published request limits (Gmail's quota units and concurrent requests per user, Outlook's concurrent requests, requests
//! and uploads per mailbox) hold by default; each can be changed or switched off, and their
//! windows run on a time scale of their own ([`Controls::set_quota_time_scale`]).
//! [`Controls::sent`] reads back, as [`SentMessage`]s, what the users sent.
//!
//! The same controls answer over HTTP, in JSON, under `/_sandbox/v1/` (the control API, described
//! by `openapi.json` next to this crate's manifest and served at `/_sandbox/v1/openapi.json`), so
//! that a host in any language can drive a sandbox process (`email-harness sandbox`); in process,
//! [`Sandbox`] derefs to them ([`Controls`]), and [`Controls::reset`] puts everything back as it
//! started ([`Start`]).
//!
//! The harness sends the component's requests for those hosts to [`Sandbox::base_url`] and keeps
//! the original `Host` header, which is what the server dispatches on. Answers follow the shapes
//! and error codes of the real services, so no credentials and no network are needed.

#![warn(missing_docs)]

mod api;
mod client;
mod clock;
mod config;
mod control_api;
mod controls;
mod controls_mail;
mod delivery;
mod endpoint;
mod faults;
mod gmail;
mod graph;
mod mailbox;
mod mint;
mod oauth;
mod paging;
mod profile;
mod quota;
mod reset;
mod sent;
mod server;
mod state;
#[cfg(test)]
mod tests;
mod traffic;
mod wire;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Context as _;
use tokio::sync::oneshot;

pub use config::{ClientApp, Provider, SandboxConfig, SandboxUser};
pub use controls::MessageState;
pub use faults::{Fault, FaultKind, RandomFaults};
pub use mailbox::MailboxSpec;
pub use oauth::RefreshRefusal;
pub use reset::{AppInfo, Info, ProviderInfo, Start};
pub use sent::{SendRoute, SentAddress, SentAttachment, SentMessage};
pub use state::Received;

/// A running sandbox server. Dropping it stops the server, closes every connection and joins its
/// thread.
pub struct Sandbox {
    addr: SocketAddr,
    controls: Controls,
    runtime: tokio::runtime::Handle,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds `127.0.0.1` on a free port and serves `config` on a tokio runtime of its own, in a background
    /// thread.
    pub fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        Sandbox::start_on(config, 0)
    }

    /// [`Sandbox::start`] on `127.0.0.1:port` (0: a free port chosen by the system).
    pub fn start_on(config: SandboxConfig, port: u16) -> anyhow::Result<Sandbox> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the sandbox runtime")?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let shared = Arc::new(state::Shared::new(config));
        let (shutdown, stopped) = oneshot::channel();
        let handle = runtime.handle().clone();
        let controls = Controls { shared };
        let serving = controls.clone();
        let thread = std::thread::Builder::new()
            .name(format!("email-sandbox-{}", addr.port()))
            .spawn(move || runtime.block_on(server::serve(listener, serving, stopped)))
            .context("spawning the sandbox thread")?;
        Ok(Sandbox {
            addr,
            controls,
            runtime: handle,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, where every provider host is served.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Plays the browser: sends a GET for `authorization_url`'s path and query to the sandbox,
    /// with the `Host` of that URL, and returns the `Location` of the redirect that answers it
    /// (the callback URL with `code` and `state`, or with `error`). An answer that is not a
    /// redirect (the error page for an unknown client or redirect URI) is an error naming the
    /// page's error code.
    pub fn consent(&self, authorization_url: &str) -> anyhow::Result<String> {
        browse(&self.runtime, self.addr, authorization_url)
    }

    /// GETs `path` (with its query) from the sandbox as `host` with a bearer token, over
    /// loopback HTTP, and returns the status and body: a plain client for benchmarks and tools.
    pub fn get(&self, host: &str, path: &str, bearer: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let request = http::Request::get(path)
            .header(http::header::HOST, host)
            .header(http::header::AUTHORIZATION, format!("Bearer {bearer}"))
            .body(Default::default())?;
        let reply = client::send_blocking(&self.runtime, self.addr, request)?;
        Ok((reply.status.as_u16(), reply.body.to_vec()))
    }

    /// Sends `request` to this sandbox over loopback HTTP and waits for the whole answer.
    #[cfg(test)]
    fn exchange(&self, request: client::Request) -> anyhow::Result<client::Reply> {
        client::send_blocking(&self.runtime, self.addr, request)
    }
}

/// The controls of a running sandbox: its mailboxes, tokens, traffic and limits, changed and
/// read back from the same process ([`Sandbox`] derefs to them) or, through the control API
/// (`/_sandbox/v1/…`), from any other. Cheap to clone; clones control the same sandbox.
#[derive(Clone)]
pub struct Controls {
    shared: Arc<state::Shared>,
}

impl std::ops::Deref for Sandbox {
    type Target = Controls;

    fn deref(&self) -> &Controls {
        &self.controls
    }
}

impl Controls {
    /// Whether the sandbox user consents (the default) or refuses at the next authorization
    /// requests; a refusal redirects with `error=access_denied`.
    pub fn set_consent(&self, grant: bool) {
        self.shared.store.set_consent(grant);
    }

    /// Revokes every refresh token issued by `provider`, as when the user withdraws the app's
    /// access: later refreshes answer `invalid_grant`. Google revokes the whole grant, so its
    /// access tokens stop working too; Microsoft access tokens stay valid until they expire, as
    /// with Entra ID.
    pub fn revoke(&self, provider: Provider) {
        self.shared
            .store
            .revoke(provider, oauth::revocation_ends_access(provider));
    }

    /// Makes every access token `provider` has issued so far count as expired: API calls with
    /// them answer 401 until the client refreshes.
    pub fn expire_access_tokens(&self, provider: Provider) {
        self.shared.store.expire_access_tokens(provider);
    }

    /// Makes `provider`'s refresh tokens single-use (off by default): a refresh then spends the
    /// token used, and reusing it answers `invalid_grant`. Entra ID itself does not revoke a
    /// refresh token by using it (it answers each refresh with a new one and the old one stays
    /// valid: https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens); this is a
    /// stricter option, to catch clients that keep the old token. Google sends no new refresh
    /// token, so its tokens are never spent.
    pub fn set_single_use_refresh(&self, provider: Provider, on: bool) {
        self.shared.store.set_single_use_refresh(provider, on);
    }

    /// While `refusal` is set, `provider`'s token endpoint answers refresh-token grants (those
    /// that pass every other check) with it, as a Conditional Access policy, a missing consent or
    /// a grant that is gone make the real one answer; `None` lifts it. The refresh token is not
    /// spent.
    pub fn refuse_refresh(&self, provider: Provider, refusal: Option<RefreshRefusal>) {
        self.shared.store.refuse_refresh(provider, refusal);
    }

    /// Forgets the requests received so far; returns how many there were.
    pub fn clear_received(&self) -> usize {
        self.shared.store.clear_received()
    }

    /// Whether the user consents at the next authorization requests.
    pub fn consents(&self) -> bool {
        self.shared.store.consents()
    }

    /// Every request the server has received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.store.received()
    }
}

/// [`Sandbox::consent`] against a sandbox served by another process at `base_url` (the
/// `email-harness sandbox` command), for command-line use.
pub fn consent_at(base_url: &str, authorization_url: &str) -> anyhow::Result<String> {
    let base = url::Url::parse(base_url).context("parsing the sandbox URL")?;
    let addr = base
        .socket_addrs(|| None)
        .context("resolving the sandbox URL")?
        .into_iter()
        .next()
        .context("the sandbox URL names no address")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    browse(runtime.handle(), addr, authorization_url)
}

/// Plays the browser: sends a GET for `authorization_url`'s path and query to the sandbox at
/// `addr`, with the `Host` of that URL, and returns the `Location` of the redirect.
fn browse(
    runtime: &tokio::runtime::Handle,
    addr: std::net::SocketAddr,
    authorization_url: &str,
) -> anyhow::Result<String> {
    let url = url::Url::parse(authorization_url).context("parsing the authorization URL")?;
    let host = url
        .host_str()
        .context("the authorization URL has no host")?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let request = http::Request::get(target)
        .header(http::header::HOST, host)
        .body(Default::default())?;
    let reply = client::send_blocking(runtime, addr, request)?;
    if reply.status.is_redirection() {
        let location = reply
            .headers
            .get(http::header::LOCATION)
            .context("redirect without a Location header")?;
        return Ok(location.to_str()?.to_owned());
    }
    anyhow::bail!(
        "the authorization endpoint answered {} instead of redirecting: {}",
        reply.status,
        client::page_title(&reply.body).unwrap_or("(no error page)")
    )
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already have stopped on its own; nothing is waiting then.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}
