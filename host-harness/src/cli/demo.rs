//! `demo`: the path a NocoBase admin and user walk, against an embedded sandbox and an
//! in-memory SQLite store: configure both providers, connect one account each (the sandbox
//! user consents), a first sync of a generated mailbox with a progress bar, a reply and a
//! forward, some messages marked read, new mail arriving, an incremental sync showing exactly
//! those changes, and a summary.

use super::context::Local;
use super::{Context, ProviderArg, sync};
use anyhow::Context as _;
use email_harness::sandbox::{MailboxSpec, Provider as SandboxKind, Sandbox, SandboxConfig};
use email_harness::store::AccountKey;
use email_harness::types::{
    Account, App, Message, ModifyAction, ModifyRequest, Outgoing, Reference, ReplyMode, SyncRequest,
};
use email_harness::{Harness, HttpPolicy, describe, outgoing};

/// What the demo found for one provider.
#[derive(serde::Serialize)]
struct Outcome {
    provider: &'static str,
    account: String,
    first_sync: usize,
    reply_in_thread: bool,
    forward_stored: bool,
    marked_read: usize,
    asked_read: usize,
    new_arrived: usize,
    stored: usize,
}

impl Outcome {
    /// The summary line.
    fn line(&self) -> String {
        format!(
            "{}: {} connected; first sync {} messages; reply {} the original's thread, forward {}; {}/{} marked read; {}/2 new arrived; {} messages stored",
            self.provider,
            self.account,
            self.first_sync,
            if self.reply_in_thread { "in" } else { "NOT in" },
            if self.forward_stored {
                "stored"
            } else {
                "missing"
            },
            self.marked_read,
            self.asked_read,
            self.new_arrived,
            self.stored
        )
    }
}

/// Runs the demo; with `--json` the notes go to standard error and the summary is JSON.
pub fn run(context: &Context) -> anyhow::Result<()> {
    let out = context.out;
    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone())?;
    let harness = context
        .runtime()?
        .harness(HttpPolicy::sandbox(&sandbox.base_url())?);
    let mut store = Local::in_memory()?;
    out.note(&format!("sandbox providers at {}", sandbox.base_url()));
    let mut outcomes = Vec::new();
    for (kind, who) in [
        (ProviderArg::Google, SandboxKind::Google),
        (ProviderArg::Microsoft, SandboxKind::Microsoft),
    ] {
        let name = kind.name();
        sandbox.seed_mailbox(
            who,
            &MailboxSpec {
                messages: 300,
                seed: 7,
                ..MailboxSpec::default()
            },
        );
        let (app, account) =
            email_harness::sandboxed::connect(&harness, &sandbox, &config, kind.wit())?;
        store.db.put_app(&app)?;
        store.db.put_account(&account)?;
        let key = AccountKey::of(&account);
        out.note(&format!("[{name}] configured {}", describe::app(&app)));
        out.note(&format!(
            "[{name}] connected {}",
            describe::account(&account)
        ));

        let request = SyncRequest {
            cursor: None,
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(50),
            time_budget_seconds: None,
        };
        let bar = out.spinner("{spinner} {msg}")?;
        let first = sync::to_end(
            &harness,
            &mut store,
            &app,
            account.clone(),
            &request,
            |_, tally| {
                bar.set_message(format!("[{name}] first sync: {} messages", tally.messages));
                bar.tick();
            },
        )?;
        bar.finish_and_clear();
        out.note(&format!(
            "[{name}] first sync: {} messages in {} pages",
            first.messages, first.pages
        ));

        // The account as the first sync left it (its tokens may have been refreshed).
        let account = store.db.account(&key)?.context("the demo account")?;
        let messages = store.db.messages(&key)?;
        let (reply, forward) = answers(&harness, &app, &account, &messages)?;
        out.note(&format!("[{name}] replied to {:?}", reply.subject));
        out.note(&format!(
            "[{name}] forwarded {:?} to colleague@example.com",
            forward.subject
        ));
        let unread: Vec<String> = messages
            .iter()
            .filter(|m| m.unread && !m.draft)
            .take(3)
            .map(|m| m.id.clone())
            .collect();
        let marked = harness.modify(
            &app,
            &account,
            &ModifyRequest {
                ids: unread.clone(),
                action: ModifyAction::MarkRead,
            },
        )?;
        if let Some(fresh) = &marked.account {
            store.db.put_account(fresh)?;
        }
        let marked_ok = marked.outcomes.iter().filter(|o| o.outcome.is_ok()).count();
        out.note(&format!("[{name}] marked {marked_ok} messages read"));
        let arrived = sandbox.deliver(who, 2);
        out.note(&format!("[{name}] meanwhile, 2 new messages arrive"));

        let account = store.db.account(&key)?.context("the demo account")?;
        let next = sync::to_end(&harness, &mut store, &app, account, &request, |_, _| {})?;
        out.note(&format!(
            "[{name}] incremental sync: {} new or changed messages, {} deleted, {} state changes",
            next.messages, next.deleted, next.changes
        ));
        let stored = store.db.messages(&key)?;
        let find = |id: &str| stored.iter().find(|m| m.id == id);
        outcomes.push(Outcome {
            provider: name,
            account: key.email.clone(),
            first_sync: first.messages,
            reply_in_thread: find(&reply.sent.id)
                .is_some_and(|m| m.thread_id.is_some() && m.thread_id == reply.thread_id),
            forward_stored: find(&forward.sent.id).is_some(),
            marked_read: unread
                .iter()
                .filter(|id| find(id).is_some_and(|m| !m.unread))
                .count(),
            asked_read: unread.len(),
            new_arrived: arrived.iter().filter(|id| find(id).is_some()).count(),
            stored: stored.len(),
        });
    }
    let requests = harness.policy().requests();
    let routed = requests.iter().filter(|r| r.routed_to.is_some()).count();
    let denied = requests.iter().filter(|r| r.denied).count();
    let summary = serde_json::json!({
        "providers": outcomes,
        "requests": requests.len(),
        "routed": routed,
        "denied": denied,
    });
    out.print(&summary, |_| {
        let mut text = String::from("\nsummary:\n");
        for outcome in &outcomes {
            text += &format!("  {}\n", outcome.line());
        }
        text += &format!(
            "  {} requests made by the component, {routed} routed to the sandbox, {denied} denied\n",
            requests.len()
        );
        text
    })
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
fn answers(
    harness: &Harness,
    app: &App,
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
            sent: harness.send(app, account, &message)?,
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
