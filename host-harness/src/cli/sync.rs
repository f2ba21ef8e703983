//! `sync`: sync a connected mailbox until no more pages are ready, committing each page with
//! its cursor; with `--watch`, again and again.

use super::context::Local;
use super::{Context, ProviderArg, Session};
use email_harness::store::AccountKey;
use email_harness::types::{Account, App, SyncPage, SyncRequest};
use email_harness::{CallError, Harness};

/// `sync`: the options of a sync.
#[derive(clap::Args)]
pub struct Sync {
    /// google or microsoft.
    #[arg(long)]
    provider: ProviderArg,
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
}

impl Sync {
    /// Syncs once, or with `--watch` until interrupted (an error is printed and the next sync
    /// waits as long as it asks).
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let request = SyncRequest {
            cursor: None,
            folders: self.folders,
            newer_than: self.newer_than,
            max_messages: self.max_messages,
            page_size: self.page_size,
            time_budget_seconds: None,
        };
        loop {
            let wait = match once(context, self.provider, &request) {
                Ok(()) => self.interval,
                Err(error) if self.watch => {
                    eprintln!("email-harness: {error:#}");
                    retry_after(&error).unwrap_or(self.interval)
                }
                Err(error) => return Err(error),
            };
            if !self.watch {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_secs(wait));
        }
    }
}

/// What a run of sync pages brought.
#[derive(Default)]
pub struct Tally {
    /// Pages committed.
    pub pages: usize,
    /// Messages new or changed in full.
    pub messages: usize,
    /// Messages deleted.
    pub deleted: usize,
    /// Messages whose state changed.
    pub changes: usize,
}

/// Syncs the account until no more pages are ready, with a progress bar (on a terminal).
fn once(context: &Context, kind: ProviderArg, request: &SyncRequest) -> anyhow::Result<()> {
    let Session {
        harness,
        mut store,
        app,
        account,
    } = context.session(kind)?;
    let key = AccountKey::of(&account);
    let bar = context.out.spinner("{spinner} {elapsed} {msg}")?;
    let tally = to_end(
        &harness,
        &mut store,
        &app,
        account,
        request,
        |page, tally| {
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
        },
    )?;
    bar.finish_and_clear();
    let stored = store.db.count(&key)?;
    let report = serde_json::json!({
        "provider": kind.name(),
        "account": key.email,
        "pages": tally.pages,
        "messages": tally.messages,
        "deleted": tally.deleted,
        "changed": tally.changes,
        "stored": stored,
    });
    context.out.print(&report, |_| {
        format!(
            "synced {} {}: {} pages, {} messages, {} deleted, {} changed; {stored} stored\n",
            kind.name(),
            key.email,
            tally.pages,
            tally.messages,
            tally.deleted,
            tally.changes,
        )
    })
}

/// Syncs `account` until no more pages are ready, committing each page with its cursor (and
/// the refreshed account) before the next call; `progress` hears of every page.
pub fn to_end(
    harness: &Harness,
    store: &mut Local,
    app: &App,
    mut account: Account,
    request: &SyncRequest,
    mut progress: impl FnMut(&SyncPage, &Tally),
) -> anyhow::Result<Tally> {
    let key = AccountKey::of(&account);
    let mut tally = Tally::default();
    loop {
        let asked = SyncRequest {
            cursor: store.db.cursor(&key)?,
            ..request.clone()
        };
        let page = match harness.sync(app, &account, &asked) {
            Ok(page) => page,
            Err(error) => {
                if let Some(fresh) = error.account() {
                    store.db.put_account(fresh)?;
                }
                return Err(error.into());
            }
        };
        store.db.apply_page(&key, &page, unix_now())?;
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

/// The wait a `retry-later` error asks for.
fn retry_after(error: &anyhow::Error) -> Option<u64> {
    match error.downcast_ref::<CallError>()? {
        CallError::Component {
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
