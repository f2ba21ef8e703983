//! `send`, `reply`, `forward`, `draft` and `send-as`: composing and sending mail.

use super::output::lines;
use super::{Context, ProviderArg};
use anyhow::Context as _;
use email_harness::outgoing;
use email_harness::types::{Outgoing, Reference, ReplyMode};
use std::io::Read;
use std::path::PathBuf;

/// What a compose window holds.
#[derive(clap::Args)]
pub struct Compose {
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

/// `send`: a new message.
#[derive(clap::Args)]
pub struct Send {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    #[command(flatten)]
    compose: Compose,
}

impl Send {
    /// Sends the message.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        send(context, self.provider, self.compose.outgoing(None)?)
    }
}

/// `reply`: an answer to a synced message.
#[derive(clap::Args)]
pub struct Reply {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// The provider's id of the message to answer (as `sync` stored it).
    #[arg(long)]
    message: String,
    /// Reply to the sender and every other recipient.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    compose: Compose,
}

impl Reply {
    /// Sends the reply.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mode = if self.all {
            ReplyMode::ReplyAll
        } else {
            ReplyMode::Reply
        };
        let original = Reference {
            message_id: self.message,
            mode,
        };
        send(
            context,
            self.provider,
            self.compose.outgoing(Some(original))?,
        )
    }
}

/// `forward`: a synced message forwarded, with its attachments.
#[derive(clap::Args)]
pub struct Forward {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// The provider's id of the message to forward.
    #[arg(long)]
    message: String,
    #[command(flatten)]
    compose: Compose,
}

impl Forward {
    /// Sends the forward.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let original = Reference {
            message_id: self.message,
            mode: ReplyMode::Forward,
        };
        send(
            context,
            self.provider,
            self.compose.outgoing(Some(original))?,
        )
    }
}

/// Sends `message` from the chosen account of `kind`.
fn send(context: &Context, kind: ProviderArg, message: Outgoing) -> anyhow::Result<()> {
    let mut session = context.session(kind)?;
    let sent = session.kept(
        session
            .harness
            .send(&session.app, &session.account, &message),
    )?;
    session.keep(sent.account.clone())?;
    let value = serde_json::json!({ "id": sent.id, "thread_id": sent.thread_id });
    context.out.print(&value, |_| match &sent.thread_id {
        Some(thread) => format!("sent {} in thread {thread}\n", sent.id),
        None => format!("sent {}\n", sent.id),
    })
}

/// `send-as`: the addresses the account may send as.
#[derive(clap::Args)]
pub struct SendAs {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
}

impl SendAs {
    /// Lists the addresses.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let list = session.kept(session.harness.list_send_as(&session.app, &session.account))?;
        session.keep(list.account)?;
        context.out.print(&list.addresses, |addresses| {
            lines(addresses, |address| {
                let name = address.display_name.as_deref().unwrap_or("");
                let role = match (address.primary, address.default) {
                    (true, true) => " (primary, default)",
                    (true, false) => " (primary)",
                    (false, true) => " (default)",
                    (false, false) => "",
                };
                format!("{name} <{}>{role}", address.address)
            })
        })
    }
}

/// `draft`: save, delete or send a draft.
#[derive(clap::Args)]
pub struct Draft {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    #[command(subcommand)]
    action: DraftAction,
}

/// What `draft` does.
#[derive(clap::Subcommand)]
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

impl Draft {
    /// Does the action.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let (app, account) = (&session.app, &session.account);
        match self.action {
            DraftAction::Save {
                id,
                answer,
                compose,
            } => {
                let original = answer.map(|message| Reference {
                    message_id: message,
                    mode: ReplyMode::Reply,
                });
                let message = compose.outgoing(original)?;
                let result = session
                    .harness
                    .save_draft(app, account, id.as_deref(), &message);
                let saved = session.kept(result)?;
                session.keep(saved.account)?;
                let value = serde_json::json!({ "id": saved.id, "message_id": saved.message_id });
                context.out.print(&value, |_| {
                    format!("saved draft {} (message {})\n", saved.id, saved.message_id)
                })
            }
            DraftAction::Delete { id } => {
                let result = session.harness.delete_draft(app, account, &id);
                let done = session.kept(result)?;
                session.keep(done.account)?;
                let value = serde_json::json!({ "deleted": id });
                context
                    .out
                    .print(&value, |_| format!("deleted draft {id}\n"))
            }
            DraftAction::Send { id } => {
                let result = session.harness.send_draft(app, account, &id);
                let sent = session.kept(result)?;
                session.keep(sent.account)?;
                let value = serde_json::json!({ "id": sent.id, "thread_id": sent.thread_id });
                context.out.print(&value, |_| format!("sent {}\n", sent.id))
            }
        }
    }
}
