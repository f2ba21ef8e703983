//! `email-harness`: the command-line host of the email-manager component.
//!
//! Configure an OAuth app, connect a mailbox, refresh its token, sync it and send mail (new,
//! reply, reply all, forward), against the real providers (with real credentials) or against
//! the sandbox providers (`--sandbox-url`, or `demo`).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use email_harness::sandbox::{MailboxSpec, Provider as SandboxKind, Sandbox, SandboxConfig};
use email_harness::store::{Key, Store};
use email_harness::types::{
    Account, AuthOptions, Folder, Message, ModifyAction, ModifyRequest, Outgoing, Provider,
    ProviderConfig, ProviderKind, Reference, ReplyMode, SyncPage, SyncRequest,
};
use email_harness::{HttpPolicy, Runtime, describe, inspect, outgoing};
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
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
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
        /// Keep syncing, every --interval seconds, until interrupted.
        #[arg(long)]
        watch: bool,
        /// With --watch: seconds between syncs.
        #[arg(long, default_value_t = 60)]
        interval: u64,
    },
    /// List the stored messages of a mailbox, newest first.
    List {
        /// google or microsoft.
        #[arg(long)]
        provider: Kind,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Unread ones only.
        #[arg(long)]
        unread: bool,
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
    /// List the labels (Gmail) or folders (Outlook), with their counts, and store them.
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
        /// Messages in the speed benchmark's first sync.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Latency added to every mail API request, in milliseconds.
        #[arg(long, default_value_t = 25)]
        latency_ms: u64,
        /// Messages per sync page.
        #[arg(long, default_value_t = 500)]
        page_size: u32,
        /// Messages in the quota benchmark's first sync.
        #[arg(long, default_value_t = 20000)]
        quota_messages: usize,
        /// Seconds of the sandbox's clock per minute of quota in the quota benchmark.
        #[arg(long, default_value_t = 15.0)]
        scale: f64,
        /// Run only one of the two: `speed` or `quota`.
        #[arg(long)]
        only: Option<String>,
    },
    /// Run chaos schedules against the sandbox: random faults, mailbox changes and host
    /// crashes, then a check that the host's copy equals the mailbox.
    Chaos {
        /// Only this provider (default: both).
        #[arg(long)]
        provider: Option<Kind>,
        /// Schedules per provider.
        #[arg(long, default_value_t = 100)]
        schedules: usize,
        /// The first schedule's seed; the others follow it.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Schedules run at once [default: the number of CPUs, at least 2].
        #[arg(long)]
        jobs: Option<usize>,
        /// Print every call, mailbox change and host crash (to replay one seed).
        #[arg(long)]
        trace: bool,
    },
    /// Print the WIT a built component imports and exports.
    Wit {
        /// The component [default: as --component].
        path: Option<PathBuf>,
        /// Print the README's WIT reference (tables of every function and type), written from
        /// the WIT sources in `wit/`, instead.
        #[arg(long)]
        reference: bool,
        /// With --reference: write it into this README, between its markers.
        #[arg(long, requires = "reference")]
        write: Option<PathBuf>,
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
        Command::Wit {
            reference: true,
            ref write,
            ..
        } => {
            let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
            let text = email_harness::reference::markdown(&wit)?;
            match write {
                Some(readme) => {
                    let old = std::fs::read_to_string(readme)
                        .with_context(|| format!("cannot read {}", readme.display()))?;
                    std::fs::write(readme, email_harness::reference::replace_in(&old, &text)?)?;
                    println!("wrote the WIT reference into {}", readme.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Wit { ref path, .. } => {
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
        Command::Chaos {
            provider,
            schedules,
            seed,
            jobs,
            trace,
        } => {
            let runtime = load_runtime(&cli)?;
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
            });
            let plan = email_harness::chaos::Plan {
                first_seed: seed,
                schedules,
                jobs,
                trace,
            };
            let kinds = match provider {
                Some(kind) => vec![kind.wit()],
                None => vec![ProviderKind::Google, ProviderKind::Microsoft],
            };
            let mut failed = 0;
            for kind in kinds {
                let name = describe::kind(kind);
                let each = |report: &email_harness::chaos::Report| {
                    for violation in &report.violations {
                        eprintln!(
                            "chaos: {name} seed {} FAILED ({}): {}",
                            report.seed,
                            violation.kind.name(),
                            violation.detail
                        );
                    }
                };
                let summary = email_harness::chaos::run(&runtime, kind, plan, &each)?;
                print!("{}", summary.markdown(name, seed));
                failed += summary.failures.len();
            }
            if failed > 0 {
                anyhow::bail!("{failed} chaos schedules failed; their seeds are above");
            }
            Ok(())
        }
        Command::BenchSync {
            messages,
            latency_ms,
            page_size,
            quota_messages,
            scale,
            ref only,
        } => {
            let runtime = load_runtime(&cli)?;
            let latency = std::time::Duration::from_millis(latency_ms);
            let kinds = [ProviderKind::Google, ProviderKind::Microsoft];
            if only.as_deref() != Some("quota") {
                println!(
                    "## speed: first sync of {messages} messages, {latency_ms} ms latency per mail API request, {page_size} per page, quota generous\n"
                );
                println!(
                    "| provider | way | messages | HTTP requests | calls | wall time | messages/s | vs sequential |"
                );
                println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
                for kind in kinds {
                    let report =
                        email_harness::bench::speed(&runtime, kind, messages, latency, page_size)?;
                    let base = report.sequential.elapsed.as_secs_f64();
                    for (way, run) in [
                        ("component sync", &report.component),
                        ("sequential, one request per message", &report.sequential),
                    ] {
                        let wall = run.elapsed.as_secs_f64();
                        println!(
                            "| {} | {way} | {} | {} | {} | {wall:.2} s | {:.0} | {:.1}x |",
                            describe::kind(kind),
                            run.messages,
                            run.requests,
                            run.calls,
                            run.messages as f64 / wall,
                            base / wall
                        );
                    }
                }
            }
            if only.as_deref() != Some("speed") {
                println!(
                    "\n## quota: first sync of {quota_messages} messages under the default limits, a minute of quota per {scale} s, {latency_ms} ms latency, {page_size} per page\n"
                );
                println!(
                    "| provider | messages | HTTP requests | calls | quota units | throttled | waited | wall time | lower bound | ratio |"
                );
                println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                for kind in kinds {
                    let report = email_harness::bench::quota(
                        &runtime,
                        kind,
                        quota_messages,
                        latency,
                        page_size,
                        scale,
                    )?;
                    let run = &report.run;
                    println!(
                        "| {} | {} | {} | {} | {} | {} | {:.1} s | {:.1} s | {:.1} s | {:.2} |",
                        describe::kind(kind),
                        run.messages,
                        run.requests,
                        run.calls,
                        run.units,
                        run.throttled,
                        run.waited.as_secs_f64(),
                        run.elapsed.as_secs_f64(),
                        report.bound.as_secs_f64(),
                        run.elapsed.as_secs_f64() / report.bound.as_secs_f64()
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
                limits: None,
            };
            let setting = harness.configure_provider(&config)?;
            let store = Local::open(&cli.store)?;
            println!("configured {}", describe::provider(&setting));
            store.db.put_provider(&setting)
        }
        Command::Connect {
            provider,
            ref login_hint,
            ref callback,
            listen,
            consent,
        } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let store = Local::open(&cli.store)?;
            let setting = store.provider(provider)?;
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
            store.db.put_account(&account)
        }
        Command::Sync {
            provider,
            page_size,
            max_messages,
            newer_than,
            ref folders,
            watch,
            interval,
        } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let request = SyncRequest {
                cursor: None,
                folders: folders.clone(),
                newer_than,
                max_messages,
                page_size,
                time_budget_seconds: None,
            };
            loop {
                let wait = match sync_mailbox(&harness, &cli, provider, &request) {
                    Ok(()) => interval,
                    Err(error) if watch => {
                        eprintln!("email-harness: {error:#}");
                        retry_after(&error).unwrap_or(interval)
                    }
                    Err(error) => return Err(error),
                };
                if !watch {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_secs(wait));
            }
        }
        Command::List {
            provider,
            limit,
            unread,
        } => {
            let store = Local::open(&cli.store)?;
            let messages: Vec<Message> = store
                .db
                .messages(provider.wit())?
                .into_iter()
                .filter(|m| !unread || m.unread)
                .take(limit)
                .collect();
            if cli.json {
                return print_json(&messages);
            }
            for message in &messages {
                println!("{}", describe::summary(message));
            }
            Ok(())
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
            let list = store.kept(harness.list_folders(&setting, &store.account(provider)?))?;
            store.keep_account(list.account.clone())?;
            store.db.put_folders(provider.wit(), &list.folders)?;
            if cli.json {
                return print_json(&list.folders);
            }
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
            Ok(())
        }
        Command::Show {
            provider,
            ref message,
        } => {
            let (harness, store, setting) = connected(&cli, provider)?;
            let fetched =
                store.kept(harness.get_message(&setting, &store.account(provider)?, message))?;
            store.keep_account(fetched.account.clone())?;
            if cli.json {
                return print_json(&fetched.message);
            }
            print!("{}", describe::message(&fetched.message));
            Ok(())
        }
        Command::Thread {
            provider,
            ref thread,
        } => {
            let (harness, store, setting) = connected(&cli, provider)?;
            let found =
                store.kept(harness.get_thread(&setting, &store.account(provider)?, thread))?;
            store.keep_account(found.account.clone())?;
            if cli.json {
                return print_json(&found.messages);
            }
            println!("thread {}: {} messages\n", found.id, found.messages.len());
            for message in &found.messages {
                println!("{}", describe::message(message));
            }
            Ok(())
        }
        Command::Attachment {
            provider,
            ref message,
            ref attachment,
            ref output,
            max_bytes,
        } => {
            let (harness, store, setting) = connected(&cli, provider)?;
            let data = store.kept(harness.get_attachment(
                &setting,
                &store.account(provider)?,
                message,
                attachment,
                max_bytes,
            ))?;
            std::fs::write(output, &data.content)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "saved {} ({}, {} bytes) to {}",
                data.filename.as_deref().unwrap_or("the attachment"),
                data.mime_type,
                data.content.len(),
                output.display()
            );
            store.keep_account(data.account)
        }
        Command::Modify {
            provider,
            action,
            ref messages,
            ref labels,
        } => {
            let (harness, store, setting) = connected(&cli, provider)?;
            let request = ModifyRequest {
                ids: messages.clone(),
                action: action.wit(labels)?,
            };
            let result =
                store.kept(harness.modify(&setting, &store.account(provider)?, &request))?;
            store.keep_account(result.account.clone())?;
            if cli.json {
                print_json(&result.outcomes)?;
            }
            let mut failed = 0;
            for outcome in &result.outcomes {
                match &outcome.failure {
                    None if !cli.json => println!("{}: done", outcome.id),
                    None => {}
                    Some(error) => {
                        failed += 1;
                        if !cli.json {
                            println!("{}: {}", outcome.id, describe::error(error));
                        }
                    }
                }
            }

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
            let (harness, store, setting) = connected(&cli, provider)?;
            let account = store.account(provider)?;
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
                    let saved = store.kept(harness.save_draft(
                        &setting,
                        &account,
                        id.as_deref(),
                        &compose.outgoing(original)?,
                    ))?;
                    println!("saved draft {} (message {})", saved.id, saved.message_id);
                    saved.account
                }
                DraftAction::Delete { id } => {
                    let done = store.kept(harness.delete_draft(&setting, &account, id))?;
                    println!("deleted draft {id}");
                    done.account
                }
                DraftAction::Send { id } => {
                    let sent = store.kept(harness.send_draft(&setting, &account, id))?;
                    println!("sent {}", sent.id);
                    sent.account
                }
            };
            store.keep_account(refreshed)
        }
        Command::SendAs { provider } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let store = Local::open(&cli.store)?;
            let setting = store.provider(provider)?;
            let list = store.kept(harness.list_send_as(&setting, &store.account(provider)?))?;
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
            store.keep_account(list.account)
        }
        Command::Refresh { provider } => {
            let harness = load_runtime(&cli)?.harness(policy(&cli)?);
            let store = Local::open(&cli.store)?;
            let setting = store.provider(provider)?;
            let account = store.account(provider)?;
            let fresh = harness.refresh(&setting, &account)?;
            println!("refreshed {}", describe::account(&fresh));
            store.db.put_account(&fresh)
        }
    }
}

/// The harness for `cli`, the store, and `provider`'s setting.
fn connected(
    cli: &Cli,
    provider: Kind,
) -> anyhow::Result<(email_harness::Harness, Local, Provider)> {
    let harness = load_runtime(cli)?.harness(policy(cli)?);
    let store = Local::open(&cli.store)?;
    let setting = store.provider(provider)?;
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
    let store = Local::open(&cli.store)?;
    let setting = store.provider(provider)?;
    let sent = store.kept(harness.send(&setting, &store.account(provider)?, &message))?;
    store.keep_account(sent.account.clone())?;
    if cli.json {
        return print_json(&serde_json::json!({ "id": sent.id, "thread_id": sent.thread_id }));
    }
    match &sent.thread_id {
        Some(thread) => println!("sent {} in thread {thread}", sent.id),
        None => println!("sent {}", sent.id),
    }
    Ok(())
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

/// The command line's store: the SQLite database `store.db` in the store folder, sealed with
/// the key in `EMAIL_HARNESS_KEY`, else in the folder's `key` file (made on first use).
struct Local {
    db: Store,
}

impl Local {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let key = Key::from_env_or_file(&dir.join("key"))?;
        Ok(Self {
            db: Store::open(&dir.join("store.db"), &key)?,
        })
    }

    /// A store in memory, for the demo.
    fn in_memory() -> anyhow::Result<Self> {
        Ok(Self {
            db: Store::in_memory(&Key::random()?)?,
        })
    }

    fn provider(&self, kind: Kind) -> anyhow::Result<Provider> {
        let name = describe::kind(kind.wit());
        self.db.provider(kind.wit())?.with_context(|| {
            format!("no {name} provider configured: run `email-harness configure --provider {name}` first")
        })
    }

    fn account(&self, kind: Kind) -> anyhow::Result<Account> {
        let name = describe::kind(kind.wit());
        self.db.account(kind.wit())?.with_context(|| {
            format!(
                "no {name} account connected: run `email-harness connect --provider {name}` first"
            )
        })
    }

    /// Stores `account` when a call refreshed its tokens.
    fn keep_account(&self, account: Option<Account>) -> anyhow::Result<()> {
        match account {
            Some(account) => self.db.put_account(&account),
            None => Ok(()),
        }
    }

    /// The value of a call made with an account; when it failed after refreshing the account's
    /// tokens, the refreshed account is stored before the error is returned.
    fn kept<T>(&self, result: Result<T, email_harness::CallError>) -> anyhow::Result<T> {
        result.or_else(|error| {
            self.keep_account(error.account().cloned())?;
            Err(error.into())
        })
    }
}

/// What a run of sync pages brought.
#[derive(Default)]
struct Tally {
    pages: usize,
    messages: usize,
    deleted: usize,
    changes: usize,
}

/// Syncs `kind` until no more pages are ready, committing each page with its cursor (and the
/// refreshed account) before the next call; `progress` hears of every page.
fn sync_to_end(
    harness: &email_harness::Harness,
    store: &mut Local,
    kind: Kind,
    request: &SyncRequest,
    mut progress: impl FnMut(&SyncPage, &Tally),
) -> anyhow::Result<Tally> {
    let setting = store.provider(kind)?;
    let mut account = store.account(kind)?;
    let mut tally = Tally::default();
    loop {
        let asked = SyncRequest {
            cursor: store.db.cursor(kind.wit())?,
            ..request.clone()
        };
        let page = store.kept(harness.sync(&setting, &account, &asked))?;
        store.db.apply_page(kind.wit(), &page, unix_now())?;
        if let Some(fresh) = &page.account {
            account = fresh.clone();
        }
        tally.pages += 1;
        tally.messages += page.messages.len();
        tally.deleted += page.deleted.len();
        tally.changes += page.changes.len();
        progress(&page, &tally);
        if !page.more {
            return Ok(tally);
        }
    }
}

/// `value` as JSON on standard output.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The wait a `retry-later` error asks for.
fn retry_after(error: &anyhow::Error) -> Option<u64> {
    match error.downcast_ref::<email_harness::CallError>()? {
        email_harness::CallError::Component {
            error: email_harness::types::Error::RetryLater(r),
            ..
        } => r.retry_after_seconds.map(u64::from),
        _ => None,
    }
}

/// Now, in seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Syncs until no more pages are ready, with a progress bar (on a terminal).
fn sync_mailbox(
    harness: &email_harness::Harness,
    cli: &Cli,
    kind: Kind,
    request: &SyncRequest,
) -> anyhow::Result<()> {
    let mut store = Local::open(&cli.store)?;
    let bar = if cli.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed} {msg}",
    )?);
    let tally = sync_to_end(harness, &mut store, kind, request, |page, tally| {
        if let Some(reason) = &page.full_resync {
            bar.println(format!("full resync: {reason}"));
        }
        for warning in &page.warnings {
            bar.println(format!("warning: {warning}"));
        }
        bar.set_message(format!(
            "{} pages: {} messages, {} deleted, {} changed",
            tally.pages, tally.messages, tally.deleted, tally.changes
        ));
        bar.tick();
    })?;
    bar.finish_and_clear();
    if cli.json {
        return print_json(&serde_json::json!({
            "provider": describe::kind(kind.wit()),
            "pages": tally.pages,
            "messages": tally.messages,
            "deleted": tally.deleted,
            "changed": tally.changes,
            "stored": store.db.count(kind.wit())?,
        }));
    }
    println!(
        "synced {} {}: {} pages, {} messages, {} deleted, {} changed; {} stored",
        describe::kind(kind.wit()),
        store.account(kind)?.email,
        tally.pages,
        tally.messages,
        tally.deleted,
        tally.changes,
        store.db.count(kind.wit())?
    );
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

/// The path a NocoBase admin and user walk, against an embedded sandbox and an in-memory
/// SQLite store: configure both providers, connect one account each (the sandbox user
/// consents), a first sync of a generated mailbox with a progress bar, a reply and a forward,
/// some messages marked read, new mail arriving, an incremental sync showing exactly those
/// changes, and a summary.
fn demo(runtime: &Runtime) -> anyhow::Result<()> {
    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone())?;
    let harness = runtime.harness(HttpPolicy::sandbox(&sandbox.base_url())?);
    let mut store = Local::in_memory()?;
    println!("sandbox providers at {}", sandbox.base_url());
    let mut summary = Vec::new();
    for (kind, who) in [
        (Kind::Google, SandboxKind::Google),
        (Kind::Microsoft, SandboxKind::Microsoft),
    ] {
        let name = describe::kind(kind.wit());
        sandbox.seed_mailbox(
            who,
            &MailboxSpec {
                messages: 300,
                seed: 7,
                ..MailboxSpec::default()
            },
        );
        let (setting, account) =
            email_harness::sandboxed::connect(&harness, &sandbox, &config, kind.wit())?;
        store.db.put_provider(&setting)?;
        store.db.put_account(&account)?;
        println!("[{name}] configured {}", describe::provider(&setting));
        println!("[{name}] connected {}", describe::account(&account));

        let request = SyncRequest {
            cursor: None,
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(50),
            time_budget_seconds: None,
        };
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg}")?);
        let first = sync_to_end(&harness, &mut store, kind, &request, |_, tally| {
            bar.set_message(format!("[{name}] first sync: {} messages", tally.messages));
            bar.tick();
        })?;
        bar.finish_and_clear();
        println!(
            "[{name}] first sync: {} messages in {} pages",
            first.messages, first.pages
        );

        let messages = store.db.messages(kind.wit())?;
        let (reply, forward) = demo_answers(&harness, &setting, &account, &messages)?;
        println!("[{name}] replied to {:?}", reply.subject);
        println!(
            "[{name}] forwarded {:?} to colleague@example.com",
            forward.subject
        );
        let unread: Vec<String> = messages
            .iter()
            .filter(|m| m.unread && !m.draft)
            .take(3)
            .map(|m| m.id.clone())
            .collect();
        let marked = store.kept(harness.modify(
            &setting,
            &account,
            &ModifyRequest {
                ids: unread.clone(),
                action: ModifyAction::MarkRead,
            },
        ))?;
        let marked_ok = marked
            .outcomes
            .iter()
            .filter(|o| o.failure.is_none())
            .count();
        println!("[{name}] marked {marked_ok} messages read");
        let arrived = sandbox.deliver(who, 2);
        println!("[{name}] meanwhile, 2 new messages arrive");

        let next = sync_to_end(&harness, &mut store, kind, &request, |_, _| {})?;
        println!(
            "[{name}] incremental sync: {} new or changed messages, {} deleted, {} state changes",
            next.messages, next.deleted, next.changes
        );
        let stored = store.db.messages(kind.wit())?;
        let find = |id: &str| stored.iter().find(|m| m.id == id);
        let threaded = find(&reply.sent.id)
            .is_some_and(|m| m.thread_id.is_some() && m.thread_id == reply.thread_id);
        let read_now = unread
            .iter()
            .filter(|id| find(id).is_some_and(|m| !m.unread))
            .count();
        let new_in = arrived.iter().filter(|id| find(id).is_some()).count();
        summary.push(format!(
            "{name}: {} connected; first sync {} messages; reply {} the original's thread, forward {}; {read_now}/{} marked read; {new_in}/2 new arrived; {} messages stored",
            account.email,
            first.messages,
            if threaded { "in" } else { "NOT in" },
            if find(&forward.sent.id).is_some() { "stored" } else { "missing" },
            unread.len(),
            stored.len()
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

/// Replies to one received message of `messages` and forwards another that has files.
fn demo_answers(
    harness: &email_harness::Harness,
    setting: &Provider,
    account: &Account,
    messages: &[Message],
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
    let first = messages
        .iter()
        .find(received)
        .context("the mailbox holds no received message to reply to")?;
    let with_files = messages
        .iter()
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
