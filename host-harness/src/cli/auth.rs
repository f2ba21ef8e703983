//! `configure`, `connect` and `refresh`: the OAuth app of a provider, and its accounts.

use super::{Context, ProviderArg};
use anyhow::{Context as _, bail};
use email_harness::describe;
use email_harness::types::{Account, App, AppConfig, AuthOptions};
use std::io::{BufRead, Read, Write};

/// `configure`: validate and store an OAuth app registration.
#[derive(clap::Args)]
pub struct Configure {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// The OAuth client id.
    #[arg(long)]
    client_id: String,
    /// The OAuth client secret (better passed through the environment).
    #[arg(long, env = "EMAIL_HARNESS_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// The redirect URI registered with the provider.
    #[arg(long)]
    redirect_uri: String,
    /// Microsoft: common, organizations, consumers, a tenant GUID or a domain.
    #[arg(long)]
    tenant: Option<String>,
    /// A scope to request instead of the defaults (repeat for several).
    #[arg(long = "scope")]
    scopes: Vec<String>,
}

impl Configure {
    /// Validates the registration with the component and stores the app.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let harness = context.harness()?;
        let config = AppConfig {
            provider: self.provider.wit(),
            client_id: self.client_id,
            client_secret: self.client_secret,
            redirect_uri: self.redirect_uri,
            tenant: self.tenant,
            scopes: (!self.scopes.is_empty()).then_some(self.scopes),
            limits: None,
        };
        let app = harness.configure_app(&config)?;
        let store = context.store()?;
        context.out.print(&setting_json(&app), |_| {
            format!("configured {}\n", describe::app(&app))
        })?;
        store.db.put_app(&app)
    }
}

/// `connect`: connect a mailbox of a provider (another one, when one is connected already).
#[derive(clap::Args)]
pub struct Connect {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// Pre-fill the provider's account chooser.
    #[arg(long)]
    login_hint: Option<String>,
    /// The URL the browser was redirected to (else it is read from standard input).
    #[arg(long, conflicts_with_all = ["listen", "consent"])]
    callback: Option<String>,
    /// Catch the redirect on the loopback redirect URI instead of pasting it.
    #[arg(long, conflicts_with = "consent")]
    listen: bool,
    /// With --sandbox-url: consent in the sandbox as its user, with no browser.
    #[arg(long)]
    consent: bool,
}

impl Connect {
    /// Walks the authorization flow and stores the account.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let harness = context.harness()?;
        let store = context.store()?;
        let app = store.app(self.provider)?;
        let pending = harness.begin_auth(
            &app,
            &AuthOptions {
                login_hint: self.login_hint,
            },
        )?;
        eprintln!(
            "Open this URL in a browser and consent:\n\n  {}\n",
            pending.authorization_url
        );
        let callback_url = if let Some(url) = self.callback {
            url
        } else if self.listen {
            catch_redirect(&app.redirect_uri)?
        } else if self.consent {
            let base = context
                .sandbox_url()
                .context("--consent needs --sandbox-url")?;
            email_harness::sandbox::consent_at(base, &pending.authorization_url)?
        } else {
            eprint!("Paste the URL the browser was redirected to: ");
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim().to_owned()
        };
        let account = harness.complete_auth(&app, &pending, &callback_url)?;
        context.out.print(&account_json(&account), |_| {
            format!("connected {}\n", describe::account(&account))
        })?;
        store.db.put_account(&account)
    }
}

/// `refresh`: refresh an account's access token.
#[derive(clap::Args)]
pub struct Refresh {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
}

impl Refresh {
    /// Refreshes the tokens of the chosen account and stores them.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let fresh = session.harness.refresh(&session.app, &session.account)?;
        session.keep(Some(fresh))?;
        let account = &session.account;
        context.out.print(&account_json(account), |_| {
            format!("refreshed {}\n", describe::account(account))
        })
    }
}

/// An app as JSON, without its secret.
fn setting_json(app: &App) -> serde_json::Value {
    serde_json::json!({
        "provider": describe::provider(app.provider),
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "tenant": app.tenant,
        "scopes": app.scopes,
    })
}

/// An account as JSON, without its tokens.
pub fn account_json(account: &Account) -> serde_json::Value {
    serde_json::json!({
        "provider": describe::provider(account.provider),
        "email": account.email,
        "display_name": account.display_name,
        "expires_at": account.expires_at,
        "refresh_token_held": account.refresh_token.is_some(),
        "scopes": account.scopes,
    })
}

/// Waits for the provider's redirect on the loopback redirect URI and returns its full URL.
fn catch_redirect(redirect_uri: &str) -> anyhow::Result<String> {
    let redirect = url::Url::parse(redirect_uri)?;
    if redirect.scheme() != "http" {
        bail!("--listen needs an http loopback redirect URI, not {redirect_uri}");
    }
    let host = redirect
        .host_str()
        .context("the redirect URI has no host")?;
    let port = redirect.port_or_known_default().unwrap_or(80);
    let listener = std::net::TcpListener::bind((host.trim_matches(['[', ']']), port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    eprintln!("Waiting for the redirect on {host}:{port} ...");
    loop {
        let (mut stream, _) = listener.accept()?;
        let mut head = [0u8; 8192];
        let read = stream.read(&mut head)?;
        let request = String::from_utf8_lossy(&head[..read]);
        let target = request
            .lines()
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or("/");
        if !target.starts_with(redirect.path()) {
            stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )?;
            continue;
        }
        let page = "You can close this window and return to the terminal.";
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        )?;
        return Ok(redirect.join(target)?.to_string());
    }
}
