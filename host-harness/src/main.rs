//! `email-harness`: the command-line host of the email-manager component.
//!
//! Configure an OAuth app, connect mailboxes (several per provider), refresh their tokens, sync
//! them and send mail (new, reply, reply all, forward), against the real providers (with real
//! credentials) or against the sandbox providers (`--sandbox-url`, or `demo`). Each command
//! group lives in its own module under `cli/`; every command honours `--json`.

mod cli;

use clap::{Parser, Subcommand};
use cli::{Context, auth, demo, mail, manage, sandbox, send, sync, wit};
use std::path::PathBuf;

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
    /// The account to act for, by address [default: the provider's only connected account].
    #[arg(long, global = true)]
    account: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate and store an OAuth app registration.
    Configure(auth::Configure),
    /// Connect a mailbox: print the authorization URL, then complete from the callback.
    Connect(auth::Connect),
    /// Refresh a connected account's access token.
    Refresh(auth::Refresh),
    /// Sync a connected mailbox until no more pages are ready, storing what comes.
    Sync(sync::Sync),
    /// List the stored messages of a mailbox, newest first.
    List(mail::List),
    /// Send a new message.
    Send(send::Send),
    /// Reply to a synced message (to its sender, or with --all to everyone on it). Without
    /// --to/--cc/--bcc the recipients come from the original; without --subject, "Re: ...".
    Reply(send::Reply),
    /// Forward a synced message, with its attachments.
    Forward(send::Forward),
    /// List the addresses the account may send as (Gmail send-as aliases).
    SendAs(send::SendAs),
    /// List the labels (Gmail) or folders (Outlook), with their counts, and store them.
    Folders(manage::Folders),
    /// Show one message in full.
    Show(mail::Show),
    /// Show a whole thread or conversation, oldest first.
    Thread(mail::Thread),
    /// Save one attachment to a file; refused without downloading when over --max-bytes.
    Attachment(mail::Attachment),
    /// Change messages: read, unread, star, unstar, label, unlabel, move, archive, trash,
    /// restore, delete (for good).
    Modify(manage::Modify),
    /// Save, delete or send a draft.
    Draft(send::Draft),
    /// Serve the sandbox providers on loopback until interrupted.
    Sandbox(sandbox::Serve),
    /// Benchmark the first sync of a sandbox mailbox against a sequential baseline.
    BenchSync(sandbox::BenchSync),
    /// Run chaos schedules against the sandbox: random faults, mailbox changes and host
    /// crashes, then a check that the host's copy equals the mailbox.
    Chaos(sandbox::Chaos),
    /// Print the WIT a built component imports and exports.
    Wit(wit::Wit),
    /// Walk the connect and refresh flow for both providers against the sandbox.
    Demo,
}

fn main() {
    let cli = Cli::parse();
    let context = Context::new(
        cli.component,
        cli.store,
        cli.json,
        cli.sandbox_url,
        cli.account,
    );
    if let Err(error) = run(&context, cli.command) {
        eprintln!("email-harness: {error:#}");
        std::process::exit(1);
    }
}

/// Runs `command` in the module of its group.
fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Configure(args) => args.run(context),
        Command::Connect(args) => args.run(context),
        Command::Refresh(args) => args.run(context),
        Command::Sync(args) => args.run(context),
        Command::List(args) => args.run(context),
        Command::Show(args) => args.run(context),
        Command::Thread(args) => args.run(context),
        Command::Attachment(args) => args.run(context),
        Command::Send(args) => args.run(context),
        Command::Reply(args) => args.run(context),
        Command::Forward(args) => args.run(context),
        Command::SendAs(args) => args.run(context),
        Command::Draft(args) => args.run(context),
        Command::Folders(args) => args.run(context),
        Command::Modify(args) => args.run(context),
        Command::Sandbox(serve) => serve.run(context),
        Command::BenchSync(args) => args.run(context),
        Command::Chaos(args) => args.run(context),
        Command::Wit(args) => args.run(context),
        Command::Demo => demo::run(context),
    }
}
