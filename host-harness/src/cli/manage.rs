//! `folders` and `modify`: a mailbox's labels or folders, and changes to its messages.

use super::{Context, ProviderArg};
use anyhow::{Context as _, bail};
use email_harness::describe;
use email_harness::types::{Folder, ModifyAction, ModifyRequest};

/// `folders`: the labels (Gmail) or folders (Outlook), with their counts, stored.
#[derive(clap::Args)]
pub struct Folders {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
}

impl Folders {
    /// Lists the folders, stores them and prints them as a tree.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let list = session.kept(session.harness.list_folders(&session.app, &session.account))?;
        session.keep(list.account.clone())?;
        let key = session.key();
        session.store.db.put_folders(&key, &list.folders)?;
        context.out.print(&list.folders, |folders| {
            super::output::lines(folders, |folder| {
                let counts = match (folder.unread, folder.total) {
                    (Some(unread), Some(total)) => format!(" ({unread} unread / {total})"),
                    _ => String::new(),
                };
                format!(
                    "{}{} [{}] {:?}{counts}",
                    "  ".repeat(depth(folders, folder)),
                    folder.name,
                    folder.id,
                    folder.role
                )
            })
        })
    }
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

/// `modify`: change messages.
#[derive(clap::Args)]
pub struct Modify {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
    /// What to do.
    #[arg(value_enum)]
    action: Action,
    /// A message id (repeat for several).
    #[arg(long = "message", required = true)]
    messages: Vec<String>,
    /// label / unlabel: a Gmail label id (repeat); move: the folder or label id.
    #[arg(long = "label")]
    labels: Vec<String>,
}

impl Modify {
    /// Changes the messages and prints each one's outcome; fails when any was not changed.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let mut session = context.session(self.provider)?;
        let request = ModifyRequest {
            ids: self.messages,
            action: self.action.wit(&self.labels)?,
        };
        let result = session.kept(session.harness.modify(
            &session.app,
            &session.account,
            &request,
        ))?;
        session.keep(result.account.clone())?;
        context.out.print(&result.outcomes, |outcomes| {
            super::output::lines(outcomes, |outcome| match &outcome.outcome {
                Ok(()) => format!("{}: done", outcome.id),
                Err(error) => format!("{}: {}", outcome.id, describe::error(error)),
            })
        })?;
        let failed = result
            .outcomes
            .iter()
            .filter(|o| o.outcome.is_err())
            .count();
        if failed > 0 {
            bail!(
                "{failed} of {} messages were not changed",
                result.outcomes.len()
            );
        }
        Ok(())
    }
}

/// What `modify` does.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Action {
    /// Mark read.
    Read,
    /// Mark unread.
    Unread,
    /// Star (Outlook: flag).
    Star,
    /// Unstar (Outlook: unflag).
    Unstar,
    /// Add Gmail labels.
    Label,
    /// Remove Gmail labels.
    Unlabel,
    /// Move to a folder or label.
    Move,
    /// Archive.
    Archive,
    /// Move to the trash.
    Trash,
    /// Take out of the trash.
    Restore,
    /// Delete for good.
    Delete,
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
