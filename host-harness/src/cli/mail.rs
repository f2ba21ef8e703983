//! `list`, `show`, `thread` and `attachment`: reading mail, stored or from the provider.

use super::output::lines;
use super::{Context, ProviderArg};
use anyhow::Context as _;
use email_harness::describe;
use email_harness::types::{AttachmentRequest, Message};
use std::path::PathBuf;

/// `list`: the stored messages of a mailbox, newest first.
#[derive(clap::Args)]
pub struct List {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Unread ones only.
    #[arg(long)]
    unread: bool,
}

impl List {
    /// Prints the account's stored messages (the store only; no call is made).
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let store = context.store()?;
        let account = store.account(self.provider, context.account())?;
        let messages: Vec<Message> = store
            .db
            .messages(&email_harness::store::AccountKey::of(&account))?
            .into_iter()
            .filter(|m| !self.unread || m.unread)
            .take(self.limit)
            .collect();
        context
            .out
            .print(&messages, |messages| lines(messages, describe::summary))
    }
}

/// `show`: one message in full.
#[derive(clap::Args)]
pub struct Show {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// The provider's message id.
    #[arg(long)]
    message: String,
}

impl Show {
    /// Fetches the message and prints it.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let fetched = session.kept(session.harness.get_message(
            &session.app,
            &session.account,
            &self.message,
        ))?;
        session.keep(fetched.account)?;
        context.out.print(&fetched.message, describe::message)
    }
}

/// `thread`: a whole thread or conversation, oldest first.
#[derive(clap::Args)]
pub struct Thread {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// The thread (Gmail) or conversation (Outlook) id.
    #[arg(long)]
    thread: String,
}

impl Thread {
    /// Fetches the thread and prints its messages.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let found = session.kept(session.harness.get_thread(
            &session.app,
            &session.account,
            &self.thread,
        ))?;
        session.keep(found.account)?;
        context.out.print(&found.messages, |messages| {
            format!("thread {}: {} messages\n\n", found.id, messages.len())
                + &lines(messages, describe::message)
        })
    }
}

/// `attachment`: save one attachment to a file.
#[derive(clap::Args)]
pub struct Attachment {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
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
}

impl Attachment {
    /// Downloads the attachment (refused when over `--max-bytes`) and writes it out.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let data = session.kept(session.harness.get_attachment(
            &session.app,
            &session.account,
            &AttachmentRequest {
                message_id: self.message.clone(),
                attachment_id: self.attachment.clone(),
                max_bytes: self.max_bytes,
            },
        ))?;
        std::fs::write(&self.output, &data.content)
            .with_context(|| format!("cannot write {}", self.output.display()))?;
        session.keep(data.account)?;
        let saved = serde_json::json!({
            "filename": data.filename,
            "mime_type": data.mime_type,
            "bytes": data.content.len(),
            "output": self.output,
        });
        context.out.print(&saved, |_| {
            format!(
                "saved {} ({}, {} bytes) to {}\n",
                data.filename.as_deref().unwrap_or("the attachment"),
                data.mime_type,
                data.content.len(),
                self.output.display()
            )
        })
    }
}
