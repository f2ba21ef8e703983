//! `email-harness`: the command-line host of the email-manager component.
//!
//! Configure an OAuth app, connect a mailbox, refresh its token, sync it and send mail (new,
//! reply, reply all, forward), against the real providers (with real credentials) or against
//! the sandbox providers (`--sandbox-url`, or `demo`).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use email_harness::sandbox::{MailboxSpec, Provider as SandboxKind, Sandbox, SandboxConfig};
use email_harness::types::{
    Account, AuthOptions, Folder, Message, ModifyAction, ModifyRequest, Outgoing, Provider,
    ProviderConfig, ProviderKind, Reference, ReplyMode, SyncPage, SyncRequest,
};
use email_harness::{HttpPolicy, Runtime, describe, inspect, outgoing};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "email-harness",
    version,
    about = "Run the email-manager component: connect, refresh, sync, send, demo"
)]
struct Cli {
    /// The component to run [default: $EMAIL_MANAGER_WASM, else target/email-manager.wasm].
    #[arg(long, global = true)]
    component: Option<PathBuf>,
    /// The folder where configured providers and connected accounts are kept.
    #[arg(
        long,
        global = true,
        env = "EMAIL_HARNESS_STORE",
        default_value = ".email-harness"
    )]
    store: PathBuf,
    /// Send all provider traffic to a sandbox at this base URL (see `email-harness sandbox`).
    #[arg(long, global = true, env = "EMAIL_HARNESS_SANDBOX_URL")]
    sandbox_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Which provider.
#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Google,
    Microsoft,
}

impl Kind {
    fn wit(self) -> ProviderKind {
        match self {
            Kind::Google => ProviderKind::Google,
            Kind::Microsoft => ProviderKind::Microsoft,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate and store an OAuth app registration.
    Configure {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
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
    },
    /// Connect a mailbox: print the authorization URL, then complete from the callback.
    Connect {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
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
    },
    /// Refresh a connected account's access token.
    Refresh {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
    },
    /// Sync a connected mailbox until no more pages are ready, storing what comes.
    Sync {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// Messages per page.
        #[arg(long)]
        page_size: Option<u32>,
        /// First sync only: at most this many messages, newest first.
        #[arg(long)]
        max_messages: Option<u32>,
        /// First sync only: only mail received after this Unix time.
        #[arg(long)]
        newer_than: Option<u64>,
        /// A folder or label id to sync (repeat for several; default: all but spam and trash).
        #[arg(long = "folder")]
        folders: Vec<String>,
    },
    /// Send a new message.
    Send {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        #[command(flatten)]
        compose: Compose,
    },
    /// Reply to a synced message (to its sender, or with --all to everyone on it). Without
    /// --to/--cc/--bcc the recipients come from the original; without --subject, "Re: ...".
    Reply {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// The provider's id of the message to answer (as `sync` stored it).
        #[arg(long)]
        message: String,
        /// Reply to the sender and every other recipient.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        compose: Compose,
    },
    /// Forward a synced message, with its attachments.
    Forward {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// The provider's id of the message to forward.
        #[arg(long)]
        message: String,
        #[command(flatten)]
        compose: Compose,
    },
    /// List the addresses the account may send as (Gmail send-as aliases).
    SendAs {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
    },
    /// List the labels (Gmail) or folders (Outlook), with their counts.
    Folders {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
    },
    /// Show one message in full.
    Show {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// The provider's message id.
        #[arg(long)]
        message: String,
    },
    /// Show a whole thread or conversation, oldest first.
    Thread {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// The thread (Gmail) or conversation (Outlook) id.
        #[arg(long)]
        thread: String,
    },
    /// Save one attachment to a file; refused without downloading when over --max-bytes.
    Attachment {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// The provider's message id.
        #[arg(long)]
        message: String,
        /// The attachment id (as `show` lists it).
        #[arg(long)]
        attachment: String,
        /// Where to write the bytes.
        #[arg(long)]
        output: PathBuf,
        /// The largest attachment to download.
        #[arg(long, default_value_t = 25 * 1024 * 1024)]
        max_bytes: u64,
    },
    /// Change messages: read, unread, star, unstar, label, unlabel, move, archive, trash,
    /// restore, delete (for good).
    Modify {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// What to do.
        #[arg(value_enum)]
        action: Action,
        /// A message id (repeat for several).
        #[arg(long = "message", required = true)]
        messages: Vec<String>,
        /// label / unlabel: a Gmail label id (repeat); move: the folder or label id.
        #[arg(long = "label")]
        labels: Vec<String>,
    },
    /// Save, delete or send a draft.
    Draft {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        #[command(subcommand)]
        action: DraftAction,
    },
    /// Serve the sandbox providers on loopback until interrupted.
    Sandbox,
    /// Benchmark the first sync of a sandbox mailbox against a sequential baseline.
    BenchSync {
        /// Messages in the first sync.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Latency added to every mail API request, in milliseconds.
        #[arg(long, default_value_t = 25)]
        latency_ms: u64,
        /// Messages per sync page.
        #[arg(long, default_value_t = 100)]
        page_size: u32,
    },
    /// Print the WIT a built component imports and exports.
    Wit {
        /// The component [default: as --component].
        path: Option<PathBuf>,
    },
    /// Walk the connect and refresh flow for both providers against the sandbox.
    Demo,
}

/// What `modify` does.
#[derive(Clone, Copy, ValueEnum)]
enum Action {
    Read,
    Unread,
    Star,
    Unstar,
    Label,
    Unlabel,
    Move,
    Archive,
    Trash,
    Restore,
    Delete,
}

/// What `draft` does.
#[derive(Subcommand)]
enum DraftAction {
    /// Save a new draft, or replace draft --id.
    Save {
        /// The draft to replace.
        #[arg(long)]
        id: Option<String>,
        /// Answer this message (a reply draft).
        #[arg(long)]
        answer: Option<String>,
        #[command(flatten)]
        compose: Box<Compose>,
    },
    /// Delete a draft.
    Delete {
        /// The draft id.
        #[arg(long)]
        id: String,
    },
    /// Send a draft.
    Send {
        /// The draft id.
        #[arg(long)]
        id: String,
    },
}

impl Action {
    /// The WIT action, with the labels or folder it needs.
    fn wit(self, labels: &[String]) -> anyhow::Result<ModifyAction> {
        let one = || {
            labels
                .first()
                .cloned()
                .context("move needs --label with the folder or label id")
        };
        Ok(match self {
            Action::Read => ModifyAction::MarkRead,
            Action::Unread => ModifyAction::MarkUnread,
            Action::Star => ModifyAction::Star,
            Action::Unstar => ModifyAction::Unstar,
            Action::Label => ModifyAction::AddLabels(labels.to_vec()),
            Action::Unlabel => ModifyAction::RemoveLabels(labels.to_vec()),
            Action::Move => ModifyAction::MoveTo(one()?),
            Action::Archive => ModifyAction::Archive,
            Action::Trash => ModifyAction::Trash,
            Action::Restore => ModifyAction::Restore,
            Action::Delete => ModifyAction::DeleteForever,
        })
    }
}

/// What a compose window holds.
#[derive(clap::Args)]
struct Compose {
    /// From: the account's address or a Gmail send-as alias [default: the account].
    #[arg(long)]
    from: Option<String>,
    /// A recipient, `Name <address>` or `address` (repeat for several).
    #[arg(long)]
    to: Vec<String>,
    /// A Cc recipient (repeat for several).
    #[arg(long)]
    cc: Vec<String>,
    /// A Bcc recipient (repeat for several).
    #[arg(long)]
    bcc: Vec<String>,
    /// A Reply-To address (repeat for several).
    #[arg(long)]
    reply_to: Vec<String>,
    /// The subject.
    #[arg(long, default_value = "")]
    subject: String,
    /// The plain-text body (`-` reads it from standard input).
    #[arg(long)]
    text: Option<String>,
    /// The HTML body, from a file.
    #[arg(long)]
    html_file: Option<PathBuf>,
    /// A file to attach (repeat for several).
    #[arg(long)]
    attach: Vec<PathBuf>,
    /// An inline image for the HTML body, as CID=PATH, referenced as `cid:CID` (repeat).
    #[arg(long)]
    inline: Vec<String>,
}

impl Compose {
    /// The outgoing message, answering `original` when given.
    fn outgoing(&self, original: Option<Reference>) -> anyhow::Result<Outgoing> {
        let list = |items: &[String]| items.iter().map(|a| outgoing::mailbox(a)).collect();
        let text_body = match self.text.as_deref() {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                Some(text)
            }
            other => other.map(str::to_owned),
        };
        let html_body = self
            .html_file
            .as_deref()
            .map(|path| {
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))
            })
            .transpose()?;
        let mut attachments = self
            .attach
            .iter()
            .map(|path| outgoing::attachment(path, None))
            .collect::<anyhow::Result<Vec<_>>>()?;
        for inline in &self.inline {
            attachments.push(outgoing::inline(inline)?);
        }
        Ok(Outgoing {
            from: self.from.as_deref().map(outgoing::mailbox),
            to: list(&self.to),
            cc: list(&self.cc),
            bcc: list(&self.bcc),
            reply_to: list(&self.reply_to),
            subject: self.subject.clone(),
            text_body,
            html_body,
            attachments,
            original,
        })
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        eprintln!("email-harness: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Wit { ref path } => {
            let path = match path.clone().or(cli.component.clone()) {
                Some(path) => path,
                None => Runtime::locate()?,
            };
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            print!("{}", inspect::wit(&bytes)?);
            Ok(())
        }
        Command::Sandbox => serve_sandbox(),
        Command::BenchSync {
            messages,
            latency_ms,
            page_size,
        } => {
            let runtime = load_runtime(&cli)?;
            println!(
                "first sync of {messages} messages, {latency_ms} ms latency per mail API request, {page_size} per page\n"
            );
            println!("| provider | way | messages | requests | wall time | messages/s |");
            println!("| --- | --- | ---: | ---: | ---: | ---: |");
            for kind in [ProviderKind::Google, ProviderKind::Microsoft] {
                let report = email_harness::bench::first_sync(
                    &runtime,
                    kind,
                    messages,
                    std::time::Duration::from_millis(latency_ms),
                    page_size,
                )?;
                for (way, run) in [
                    ("component sync", &report.component),
                    ("sequential, one request per message", &report.sequential),
                ] {
                    println!(
                        "| {} | {way} | {} | {} | {:.2} s | {:.0} |",
                        describe::kind(kind),
                        run.messages,
                        run.requests,
                        run.elapsed.as_secs_f64(),
                        run.messages as f64 / run.elapsed.as_secs_f64()
                    );
                }
            }
            Ok(())
        }
        Command::Demo => demo(&load_runtime(&cli)?),
        Command::Configure {
            provider,
            ref client_id,
            ref client_secret,
            ref redirect_uri,
            ref tenant,
            ref scopes,
        } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let config = ProviderConfig {
                kind: provider.wit(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                redirect_uri: redirect_uri.clone(),
                tenant: tenant.clone(),
                scopes: (!scopes.is_empty()).then(|| scopes.clone()),
            };
            let setting = harness.configure_provider(&config)?;
            let mut store = FileStore::open(&cli.store)?;
            println!("configured {}", describe::provider(&setting));
            store
                .providers
                .insert(describe::kind(setting.kind).to_owned(), setting);
            store.save(&cli.store)
        }
        Command::Connect {
            provider,
            ref login_hint,
            ref callback,
            listen,
            consent,
        } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let mut store = FileStore::open(&cli.store)?;
            let setting = store.provider(provider)?.clone();
            let pending = harness.begin_auth(
                &setting,
                &AuthOptions {
                    login_hint: login_hint.clone(),
                },
            )?;
            eprintln!(
                "Open this URL in a browser and consent:\n\n  {}\n",
                pending.authorization_url
            );
            let callback_url = if let Some(url) = callback {
                url.clone()
            } else if listen {
                catch_redirect(&setting.redirect_uri)?
            } else if consent {
                let base = cli
                    .sandbox_url
                    .as_deref()
                    .context("--consent needs --sandbox-url")?;
                email_harness::sandbox::consent_at(base, &pending.authorization_url)?
            } else {
                eprint!("Paste the URL the browser was redirected to: ");
                std::io::stderr().flush()?;
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim().to_owned()
            };
            let account = harness.complete_auth(&setting, &pending, &callback_url)?;
            println!("connected {}", describe::account(&account));
            store
                .accounts
                .insert(describe::kind(account.provider).to_owned(), account);
            store.save(&cli.store)
        }
        Command::Sync {
            provider,
            page_size,
            max_messages,
            newer_than,
            ref folders,
        } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let request = SyncRequest {
                cursor: None,
                folders: folders.clone(),
                newer_than,
                max_messages,
                page_size,
            };
            sync_mailbox(&harness, &cli.store, provider, request)
        }
        Command::Send {
            provider,
            ref compose,
        } => send(&cli, provider, compose.outgoing(None)?),
        Command::Reply {
            provider,
            ref message,
            all,
            ref compose,
        } => {
            let mode = if all {
                ReplyMode::ReplyAll
            } else {
                ReplyMode::Reply
            };
            let original = Reference {
                message_id: message.clone(),
                mode,
            };
            send(&cli, provider, compose.outgoing(Some(original))?)
        }
        Command::Forward {
            provider,
            ref message,
            ref compose,
        } => {
            let original = Reference {
                message_id: message.clone(),
                mode: ReplyMode::Forward,
            };
            send(&cli, provider, compose.outgoing(Some(original))?)
        }
        Command::Folders { provider } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let list = harness.list_folders(&setting, store.account(provider)?)?;
            for folder in &list.folders {
                let depth = depth(&list.folders, folder);
                let counts = match (folder.unread, folder.total) {
                    (Some(unread), Some(total)) => format!(" ({unread} unread / {total})"),
                    _ => String::new(),
                };
                println!(
                    "{}{} [{}] {:?}{counts}",
                    "  ".repeat(depth),
                    folder.name,
                    folder.id,
                    folder.role
                );
            }
            store.keep_account(list.account, &cli.store)
        }
        Command::Show {
            provider,
            ref message,
        } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let fetched = harness.get_message(&setting, store.account(provider)?, message)?;
            print!("{}", describe::message(&fetched.message));
            store.keep_account(fetched.account, &cli.store)
        }
        Command::Thread {
            provider,
            ref thread,
        } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let found = harness.get_thread(&setting, store.account(provider)?, thread)?;
            println!("thread {}: {} messages\n", found.id, found.messages.len());
            for message in &found.messages {
                println!("{}", describe::message(message));
            }
            store.keep_account(found.account, &cli.store)
        }
        Command::Attachment {
            provider,
            ref message,
            ref attachment,
            ref output,
            max_bytes,
        } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let data = harness.get_attachment(
                &setting,
                store.account(provider)?,
                message,
                attachment,
                max_bytes,
            )?;
            std::fs::write(output, &data.content)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "saved {} ({}, {} bytes) to {}",
                data.filename.as_deref().unwrap_or("the attachment"),
                data.mime_type,
                data.content.len(),
                output.display()
            );
            store.keep_account(data.account, &cli.store)
        }
        Command::Modify {
            provider,
            action,
            ref messages,
            ref labels,
        } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let request = ModifyRequest {
                ids: messages.clone(),
                action: action.wit(labels)?,
            };
            let result = harness.modify(&setting, store.account(provider)?, &request)?;
            let mut failed = 0;
            for outcome in &result.outcomes {
                match &outcome.failure {
                    None => println!("{}: done", outcome.id),
                    Some(error) => {
                        failed += 1;
                        println!("{}: {}", outcome.id, describe::error(error));
                    }
                }
            }
            store.keep_account(result.account, &cli.store)?;
            if failed > 0 {
                bail!(
                    "{failed} of {} messages were not changed",
                    result.outcomes.len()
                );
            }
            Ok(())
        }
        Command::Draft {
            provider,
            ref action,
        } => {
            let (harness, mut store, setting) = connected(&cli, provider)?;
            let account = store.account(provider)?.clone();
            let refreshed = match action {
                DraftAction::Save {
                    id,
                    answer,
                    compose,
                } => {
                    let original = answer.as_ref().map(|message| Reference {
                        message_id: message.clone(),
                        mode: ReplyMode::Reply,
                    });
                    let saved = harness.save_draft(
                        &setting,
                        &account,
                        id.as_deref(),
                        &compose.outgoing(original)?,
                    )?;
                    println!("saved draft {} (message {})", saved.id, saved.message_id);
                    saved.account
                }
                DraftAction::Delete { id } => {
                    let done = harness.delete_draft(&setting, &account, id)?;
                    println!("deleted draft {id}");
                    done.account
                }
                DraftAction::Send { id } => {
                    let sent = harness.send_draft(&setting, &account, id)?;
                    println!("sent {}", sent.id);
                    sent.account
                }
            };
            store.keep_account(refreshed, &cli.store)
        }
        Command::SendAs { provider } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let mut store = FileStore::open(&cli.store)?;
            let setting = store.provider(provider)?.clone();
            let list = harness.list_send_as(&setting, store.account(provider)?)?;
            for address in &list.addresses {
                let name = address.display_name.as_deref().unwrap_or("");
                let role = match (address.primary, address.default) {
                    (true, true) => " (primary, default)",
                    (true, false) => " (primary)",
                    (false, true) => " (default)",
                    (false, false) => "",
                };
                println!("{name} <{}>{role}", address.address);
            }
            store.keep_account(list.account, &cli.store)
        }
        Command::Refresh { provider } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let mut store = FileStore::open(&cli.store)?;
            let setting = store.provider(provider)?.clone();
            let account = store.account(provider)?;
            let fresh = harness.refresh(&setting, account)?;
            println!("refreshed {}", describe::account(&fresh));
            store
                .accounts
                .insert(describe::kind(fresh.provider).to_owned(), fresh);
            store.save(&cli.store)
        }
    }
}

/// The harness for `cli`, the store, and `provider`'s setting.
fn connected(
    cli: &Cli,
    provider: Kind,
) -> anyhow::Result<(email_harness::Harness, FileStore, Provider)> {
    let harness = load_runtime(cli)?.harness(policy(cli)?);
    let store = FileStore::open(&cli.store)?;
    let setting = store.provider(provider)?.clone();
    Ok((harness, store, setting))
}

/// How deep `folder` is in `folders` (its chain of parents).
fn depth(folders: &[Folder], folder: &Folder) -> usize {
    let mut depth = 0;
    let mut parent = folder.parent_id.as_deref();
    while let Some(id) = parent.filter(|_| depth < folders.len()) {
        depth += 1;
        parent = folders
            .iter()
            .find(|f| f.id == id)
            .and_then(|f| f.parent_id.as_deref());
    }
    depth
}

/// Sends `message` from `provider`'s account and stores the account if its tokens were
/// refreshed.
fn send(cli: &Cli, provider: Kind, message: Outgoing) -> anyhow::Result<()> {
    let harness = load_runtime(cli)?.harness(policy(cli)?);
    let mut store = FileStore::open(&cli.store)?;
    let setting = store.provider(provider)?.clone();
    let sent = harness.send(&setting, store.account(provider)?, &message)?;
    match &sent.thread_id {
        Some(thread) => println!("sent {} in thread {thread}", sent.id),
        None => println!("sent {}", sent.id),
    }
    store.keep_account(sent.account, &cli.store)
}

fn load_runtime(cli: &Cli) -> anyhow::Result<Runtime> {
    let path = match &cli.component {
        Some(path) => path.clone(),
        None => Runtime::locate()?,
    };
    Runtime::load(&path)
}

/// The sandbox's routes when `--sandbox-url` is given, else the real providers.
fn policy(cli: &Cli) -> anyhow::Result<HttpPolicy> {
    match &cli.sandbox_url {
        Some(url) => HttpPolicy::sandbox(url),
        None => Ok(HttpPolicy::providers()),
    }
}

/// What the command line keeps between runs: provider settings and accounts, by provider name.
///
/// The file holds client secrets and tokens in the clear and is written readable by its owner
/// only.
#[derive(Default, Serialize, Deserialize)]
struct FileStore {
    providers: BTreeMap<String, Provider>,
    accounts: BTreeMap<String, Account>,
}

impl FileStore {
    const FILE: &'static str = "store.json";

    fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(Self::FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn save(&self, dir: &Path) -> anyhow::Result<()> {
        write_private(&dir.join(Self::FILE), &serde_json::to_vec_pretty(self)?)
    }

    fn provider(&self, kind: Kind) -> anyhow::Result<&Provider> {
        let name = describe::kind(kind.wit());
        self.providers
            .get(name)
            .with_context(|| format!("no {name} provider configured: run `email-harness configure --provider {name}` first"))
    }

    /// Stores `account` when a call refreshed its tokens.
    fn keep_account(&mut self, account: Option<Account>, dir: &Path) -> anyhow::Result<()> {
        let Some(account) = account else {
            return Ok(());
        };
        self.accounts
            .insert(describe::kind(account.provider).to_owned(), account);
        self.save(dir)
    }

    fn account(&self, kind: Kind) -> anyhow::Result<&Account> {
        let name = describe::kind(kind.wit());
        self.accounts.get(name).with_context(|| {
            format!(
                "no {name} account connected: run `email-harness connect --provider {name}` first"
            )
        })
    }
}

/// A synced mailbox as the command line keeps it: the cursor and the messages, written together
/// after every page so that an interrupted sync resumes where the last page ended.
#[derive(Default, Serialize, Deserialize)]
struct MailboxFile {
    cursor: Option<String>,
    messages: BTreeMap<String, Message>,
}

impl MailboxFile {
    fn path(dir: &Path, kind: Kind) -> PathBuf {
        dir.join(format!("mailbox-{}.json", describe::kind(kind.wit())))
    }

    fn open(dir: &Path, kind: Kind) -> anyhow::Result<Self> {
        match std::fs::read(Self::path(dir, kind)) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e.into()),
        }
    }

    /// Applies one page: upserts, deletions and state changes, and the page's cursor.
    fn apply(&mut self, page: &SyncPage) {
        for message in &page.messages {
            self.messages.insert(message.id.clone(), message.clone());
        }
        for id in &page.deleted {
            self.messages.remove(id);
        }
        for change in &page.changes {
            if let Some(message) = self.messages.get_mut(&change.id) {
                message.unread = change.unread.unwrap_or(message.unread);
                message.starred = change.starred.unwrap_or(message.starred);
                message
                    .labels
                    .retain(|l| !change.labels_removed.contains(l));
                message.labels.extend(change.labels_added.iter().cloned());
            }
        }
        self.cursor = Some(page.cursor.clone());
    }

    fn save(&self, dir: &Path, kind: Kind) -> anyhow::Result<()> {
        write_private(&Self::path(dir, kind), &serde_json::to_vec(self)?)
    }
}

/// Syncs until no more pages are ready, with a progress bar; each page is stored with its
/// cursor before the next call.
fn sync_mailbox(
    harness: &email_harness::Harness,
    dir: &Path,
    kind: Kind,
    mut request: SyncRequest,
) -> anyhow::Result<()> {
    let mut store = FileStore::open(dir)?;
    let setting = store.provider(kind)?.clone();
    let mut account = store.account(kind)?.clone();
    let mut mailbox = MailboxFile::open(dir, kind)?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed} {msg}",
    )?);
    let (mut pages, mut received, mut deleted, mut changed) = (0u64, 0u64, 0u64, 0u64);
    loop {
        request.cursor = mailbox.cursor.clone();
        let page = harness.sync(&setting, &account, &request)?;
        if let Some(fresh) = &page.account {
            account = fresh.clone();
            store
                .accounts
                .insert(describe::kind(account.provider).to_owned(), account.clone());
            store.save(dir)?;
        }
        if let Some(reason) = &page.full_resync {
            bar.println(format!("full resync: {reason}"));
        }
        for warning in &page.warnings {
            bar.println(format!("warning: {warning}"));
        }
        mailbox.apply(&page);
        mailbox.save(dir, kind)?;
        pages += 1;
        received += page.messages.len() as u64;
        deleted += page.deleted.len() as u64;
        changed += page.changes.len() as u64;
        bar.set_message(format!(
            "{pages} pages: {received} messages, {deleted} deleted, {changed} changed"
        ));
        bar.tick();
        if !page.more {
            break;
        }
    }
    bar.finish_and_clear();
    println!(
        "synced {} {}: {pages} pages, {received} messages, {deleted} deleted, {changed} changed; {} stored",
        describe::kind(kind.wit()),
        account.email,
        mailbox.messages.len()
    );
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file, readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    Ok(())
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

/// Serves the sandbox providers until the process is interrupted.
fn serve_sandbox() -> anyhow::Result<()> {
    let sandbox = Sandbox::start(SandboxConfig::default())?;
    println!("sandbox providers at {}", sandbox.base_url());
    println!(
        "use: email-harness --sandbox-url {} ...",
        sandbox.base_url()
    );
    loop {
        std::thread::park();
    }
}

/// Configures both providers against an embedded sandbox, connects one account each (the
/// sandbox user consents), refreshes the tokens, syncs a generated mailbox, changes it at the
/// provider (new mail, a deletion, a read and a starred message) and syncs again, then prints
/// a summary.
fn demo(runtime: &Runtime) -> anyhow::Result<()> {
    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone())?;
    let harness = runtime.harness(HttpPolicy::sandbox(&sandbox.base_url())?);
    println!("sandbox providers at {}", sandbox.base_url());
    let mut summary = Vec::new();
    for (kind, who) in [
        (ProviderKind::Google, SandboxKind::Google),
        (ProviderKind::Microsoft, SandboxKind::Microsoft),
    ] {
        let name = describe::kind(kind);
        sandbox.seed_mailbox(
            who,
            &MailboxSpec {
                messages: 300,
                seed: 7,
                ..MailboxSpec::default()
            },
        );
        let (setting, account) =
            email_harness::sandboxed::connect(&harness, &sandbox, &config, kind)?;
        println!("[{name}] configured {}", describe::provider(&setting));
        println!("[{name}] connected {}", describe::account(&account));
        let mut account = harness.refresh(&setting, &account)?;
        println!("[{name}] refreshed the access token");

        let mut mailbox = MailboxFile::default();
        let first = sync_to_end(&harness, &setting, &mut account, &mut mailbox)?;
        println!(
            "[{name}] first sync: {} messages in {} pages",
            first.messages, first.pages
        );

        let (reply, forward) = demo_answers(&harness, &setting, &account, &mailbox)?;
        println!(
            "[{name}] replied to {:?} and forwarded {:?}",
            reply.subject, forward.subject
        );

        let ids: Vec<String> = mailbox.messages.keys().cloned().collect();
        let new = sandbox.deliver(who, 3);
        sandbox.delete(who, &ids[0]);
        sandbox.set_unread(who, &ids[1], false);
        sandbox.set_starred(who, &ids[2], true);
        println!("[{name}] at the provider: 3 new messages, 1 deleted, 1 read, 1 starred");
        let next = sync_to_end(&harness, &setting, &mut account, &mut mailbox)?;
        println!(
            "[{name}] incremental sync: {} new or changed messages, {} deleted, {} state changes",
            next.messages, next.deleted, next.changes
        );
        let arrived = new
            .iter()
            .filter(|id| mailbox.messages.contains_key(*id))
            .count();
        let threaded = mailbox
            .messages
            .get(&reply.sent.id)
            .is_some_and(|m| m.thread_id.is_some() && m.thread_id == reply.thread_id);
        summary.push(format!(
            "{name}: {} connected; first sync {} messages; reply and forward sent (reply {} the original's thread); incremental: {arrived}/3 new arrived, deletion {}, {} messages stored",
            account.email,
            first.messages,
            if threaded { "in" } else { "NOT in" },
            if mailbox.messages.contains_key(&ids[0]) { "missed" } else { "applied" },
            mailbox.messages.len()
        ));
    }
    let requests = harness.policy().requests();
    let routed = requests.iter().filter(|r| r.routed_to.is_some()).count();
    println!("\nsummary:");
    for line in summary {
        println!("  {line}");
    }
    println!(
        "  {} requests made by the component, {routed} routed to the sandbox, {} denied",
        requests.len(),
        requests.iter().filter(|r| r.denied).count()
    );
    Ok(())
}

/// A message the demo sent in answer to a synced one.
struct Answer {
    /// What the provider said of it.
    sent: email_harness::types::Sent,
    /// The original's subject.
    subject: String,
    /// The original's thread.
    thread_id: Option<String>,
}

/// Replies to one received message of `mailbox` and forwards another that has files.
fn demo_answers(
    harness: &email_harness::Harness,
    setting: &Provider,
    account: &Account,
    mailbox: &MailboxFile,
) -> anyhow::Result<(Answer, Answer)> {
    let received = |m: &&Message| {
        !m.draft
            && m.message_id.is_some()
            && m.from
                .as_ref()
                .is_some_and(|f| !f.address.eq_ignore_ascii_case(&account.email))
    };
    let answer = |original: &Message, mode: ReplyMode, to: Vec<&str>, text: &str| {
        let message = Outgoing {
            from: None,
            to: to.into_iter().map(outgoing::mailbox).collect(),
            cc: vec![],
            bcc: vec![],
            reply_to: vec![],
            subject: String::new(),
            text_body: Some(text.to_owned()),
            html_body: None,
            attachments: vec![],
            original: Some(Reference {
                message_id: original.id.clone(),
                mode,
            }),
        };
        anyhow::Ok(Answer {
            sent: harness.send(setting, account, &message)?,
            subject: original.subject.clone().unwrap_or_default(),
            thread_id: original.thread_id.clone(),
        })
    };
    let first = mailbox
        .messages
        .values()
        .find(received)
        .context("the mailbox holds no received message to reply to")?;
    let with_files = mailbox
        .messages
        .values()
        .filter(received)
        .find(|m| m.id != first.id && m.attachments.iter().any(|a| !a.inline))
        .context("the mailbox holds no message with files to forward")?;
    let reply = answer(first, ReplyMode::Reply, vec![], "Thanks, noted.")?;
    let forward = answer(
        with_files,
        ReplyMode::Forward,
        vec!["Colleague <colleague@example.com>"],
        "For your files.",
    )?;
    Ok((reply, forward))
}

/// What a run of sync pages brought.
#[derive(Default)]
struct Tally {
    pages: usize,
    messages: usize,
    deleted: usize,
    changes: usize,
}

/// Syncs until no more pages are ready, applying each page to `mailbox`.
fn sync_to_end(
    harness: &email_harness::Harness,
    setting: &Provider,
    account: &mut Account,
    mailbox: &mut MailboxFile,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    loop {
        let page = harness.sync(
            setting,
            account,
            &SyncRequest {
                cursor: mailbox.cursor.clone(),
                folders: vec![],
                newer_than: None,
                max_messages: None,
                page_size: Some(100),
            },
        )?;
        if let Some(fresh) = &page.account {
            *account = fresh.clone();
        }
        tally.pages += 1;
        tally.messages += page.messages.len();
        tally.deleted += page.deleted.len();
        tally.changes += page.changes.len();
        mailbox.apply(&page);
        if !page.more {
            return Ok(tally);
        }
    }
}
