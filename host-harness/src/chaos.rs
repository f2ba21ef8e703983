//! Chaos schedules: seeded runs that mix the sandbox's faults (random ones on every mail API
//! request, of every kind it knows) with mailbox changes between and during sync calls (new
//! mail, deletions, read and star changes, labels, moves in and out of the synced scope,
//! folders created and deleted, history and delta expiry, token expiry) and with the host
//! crashing between a call and its commit. After the faults stop, the host syncs until nothing
//! is left, and the schedule checks what people whose mail this is count on:
//!
//! - the host's copy equals the mailbox: the same ids, each message read or not, starred or
//!   not, with the same labels (Gmail) or folder (Graph);
//! - no false `reauthorization-required` (the grant is never refused in a schedule);
//! - refreshed tokens never lost (refresh tokens are single use in a schedule, so a lost one
//!   shows as a refused grant; the host stores a refreshed account as soon as a result or a
//!   failure carries it, even when it then crashes before committing the page);
//! - no trap, and memory bounded (every call under [`CallLimits`] of 256 MiB).
//!
//! `email-harness chaos` and the chaos test run them; a failing schedule names its seed, and
//! `email-harness chaos --provider P --seed N --schedules 1 --trace` runs it again, printing
//! every call, change and crash.

use crate::sandbox::{
    FaultKind, MailboxSpec, Provider as SandboxProvider, RandomFaults, Sandbox, SandboxConfig,
};
use crate::types::{Account, App, Message, Provider, SyncPage, SyncRequest};
use crate::{CallError, CallLimits, Harness, HttpPolicy, Runtime, sandboxed};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// What one schedule did and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The schedule's seed.
    pub seed: u64,
    /// Faults the sandbox injected, by kind.
    pub faults: BTreeMap<String, usize>,
    /// Mailbox changes made.
    pub changes: usize,
    /// Sync calls made.
    pub calls: usize,
    /// Pages the host dropped as if it had crashed before committing them.
    pub crashes: usize,
    /// Calls that ended with an error the host retries (`retry-later`, `provider`).
    pub errors: usize,
    /// Broken promises; empty when the schedule passed.
    pub violations: Vec<Violation>,
    /// Wall time.
    pub elapsed: Duration,
}

/// A promise a schedule found broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Broken {
    /// A message in the mailbox the host does not hold.
    Lost,
    /// A message delivered twice other than as an update: listed twice in one page, or held
    /// under a second id.
    Duplicated,
    /// A message the host holds that the mailbox no longer has.
    Kept,
    /// A message held with another read or starred state, labels or folder than it has.
    Stale,
    /// `reauthorization-required` though the grant was never refused (or a refreshed token
    /// was lost).
    FalseReauthorization,
    /// The component trapped.
    Trap,
    /// A call ran into a host limit (memory, run time).
    Limit,
    /// `invalid-input` for a request the host made right.
    InvalidInput,
    /// The sync did not converge once the faults stopped.
    Stalled,
}

impl Broken {
    /// Every kind, in report order.
    pub const ALL: [Broken; 9] = [
        Broken::Lost,
        Broken::Duplicated,
        Broken::Kept,
        Broken::Stale,
        Broken::FalseReauthorization,
        Broken::Trap,
        Broken::Limit,
        Broken::InvalidInput,
        Broken::Stalled,
    ];

    /// The kind's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Broken::Lost => "lost",
            Broken::Duplicated => "duplicated",
            Broken::Kept => "kept after deletion",
            Broken::Stale => "stale state",
            Broken::FalseReauthorization => "false re-authorizations",
            Broken::Trap => "traps",
            Broken::Limit => "host limits hit",
            Broken::InvalidInput => "invalid input",
            Broken::Stalled => "not converged",
        }
    }
}

/// One broken promise and what showed it.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Which promise.
    pub kind: Broken,
    /// What was seen.
    pub detail: String,
}

impl Violation {
    fn new(kind: Broken, detail: impl Into<String>) -> Violation {
        Violation {
            kind,
            detail: detail.into(),
        }
    }
}

/// A small, seeded generator (SplitMix64): schedules replay from their seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// The fault kinds a schedule draws from: every kind the sandbox knows.
fn fault_kinds() -> Vec<FaultKind> {
    let mut kinds: Vec<FaultKind> = [429, 500, 502, 503, 504, 401]
        .into_iter()
        .map(|status| FaultKind::Status {
            status,
            retry_after: (status == 429).then_some(1),
        })
        .collect();
    kinds.extend([
        FaultKind::ClosedBeforeApplied,
        FaultKind::ResponseLost,
        FaultKind::NoAnswer,
        FaultKind::SlowBody {
            bytes_per_second: 200_000,
        },
        FaultKind::TruncatedBody,
        FaultKind::InvalidJson,
        FaultKind::ProxyHtml { status: 502 },
        FaultKind::ProxyHtml { status: 504 },
    ]);
    kinds
}

/// What the host keeps: messages by id, the cursor and the account, page by committed page.
struct Host {
    app: App,
    account: Account,
    cursor: Option<String>,
    messages: BTreeMap<String, Message>,
    /// Print every call, change and crash to standard error.
    trace: Option<u64>,
}

impl Host {
    /// Prints a line of the trace, when tracing.
    fn trace(&self, line: impl FnOnce() -> String) {
        if let Some(seed) = self.trace {
            eprintln!("chaos seed {seed}: {}", line());
        }
    }

    /// Applies a page as a host does: reset, dropped folders, messages, deletions, changes,
    /// the account, then the cursor.
    fn commit(&mut self, page: SyncPage, report: &mut Report) {
        let mut listed = BTreeSet::new();
        for message in &page.messages {
            if !listed.insert(message.id.as_str()) {
                let twice = format!("{} listed twice in one page", message.id);
                report
                    .violations
                    .push(Violation::new(Broken::Duplicated, twice));
            }
        }
        let account = page.account.clone();
        let cursor = page.cursor.clone();
        crate::copy::apply_page(&mut self.messages, page);
        if let Some(account) = account {
            self.account = account;
        }
        self.cursor = Some(cursor);
    }
}

/// The sandbox provider of `kind`.
fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

/// Runs schedule `seed` for `kind`; with `trace`, prints every call's outcome, every change and
/// every crash to standard error.
pub fn schedule(
    runtime: &Runtime,
    kind: Provider,
    seed: u64,
    trace: bool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut rng = Rng(seed ^ 0x5EED_C0DE);
    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone())?;
    let who = sandbox_kind(kind);
    sandbox.seed_mailbox(
        who,
        &MailboxSpec {
            messages: 20 + rng.below(40),
            seed,
            ..MailboxSpec::default()
        },
    );
    let harness = runtime
        .harness(HttpPolicy::sandbox(&sandbox.base_url())?)
        .with_limits(CallLimits {
            memory_bytes: 256 << 20,
            ..CallLimits::default()
        });
    let (app, account) = sandboxed::connect(&harness, &sandbox, &config, kind)?;
    // The stricter rotation: a refresh token lost by the host shows as a refused grant.
    sandbox.set_single_use_refresh(who, true);
    let mut host = Host {
        app,
        account,
        cursor: None,
        messages: BTreeMap::new(),
        trace: trace.then_some(seed),
    };
    let mut report = Report {
        seed,
        ..Report::default()
    };
    sandbox.set_random_faults(
        who,
        Some(RandomFaults {
            seed,
            probability: 0.04 + rng.below(9) as f64 / 100.0,
            kinds: fault_kinds(),
        }),
    );
    let steps = 10 + rng.below(15);
    for _ in 0..steps {
        match rng.below(10) {
            0..=3 => {
                let changes = 1 + rng.below(3);
                report.changes += changes;
                for _ in 0..changes {
                    let what = change(&sandbox, kind, &mut rng);
                    host.trace(|| what);
                }
            }
            4 => {
                // Changes while the call is in flight.
                let mut during = Rng(rng.next());
                let changes = 1 + rng.below(3);
                report.changes += changes;
                let outcome = std::thread::scope(|scope| {
                    scope.spawn(|| {
                        for _ in 0..changes {
                            std::thread::sleep(Duration::from_millis(during.below(20) as u64));
                            let what = change(&sandbox, kind, &mut during);
                            host.trace(|| format!("during the call: {what}"));
                        }
                    });
                    call(&harness, &host, &mut rng)
                });
                settle(&mut host, outcome, &mut rng, &mut report);
            }
            _ => {
                let outcome = call(&harness, &host, &mut rng);
                settle(&mut host, outcome, &mut rng, &mut report);
            }
        }
    }
    // The faults stop; the host syncs until nothing is left: to the end of the round under way
    // (a call says `more: false` when the round it belongs to has read every folder, some of
    // them maybe before the last changes), then one whole round more.
    sandbox.set_random_faults(who, None);
    report.faults = sandbox.faults_injected(who);
    let mut calls = 0;
    let mut rounds = 0;
    loop {
        calls += 1;
        if calls > 400 {
            let stalled = Violation::new(Broken::Stalled, "no convergence in 400 calls");
            report.violations.push(stalled);
            break;
        }
        let outcome = harness.sync(&host.app, &host.account, &request(&host, None));
        host.trace(|| format!("converging: {}", outcome_line(&outcome)));
        report.calls += 1;
        match outcome {
            Ok(page) => {
                let more = page.more;
                host.commit(page, &mut report);
                if !more {
                    rounds += 1;
                    if rounds == 2 {
                        break;
                    }
                }
            }
            Err(error) => {
                if let Some(broken) = broken(&error) {
                    report.violations.push(broken);
                    break;
                }
                if let Some(account) = error.account() {
                    host.account = account.clone();
                }
                report.errors += 1;
            }
        }
    }
    if report.violations.is_empty() {
        compare(&sandbox, kind, &host, &mut report);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A sync request from the host's cursor: mostly with no time to wait (the call's errors reach
/// the host), sometimes with two seconds (the call asks again within itself).
fn request(host: &Host, budget: Option<u32>) -> SyncRequest {
    SyncRequest {
        cursor: host.cursor.clone(),
        folders: vec![],
        newer_than: None,
        max_messages: None,
        page_size: Some(15),
        time_budget_seconds: budget,
    }
}

/// One sync call of the schedule.
fn call(harness: &Harness, host: &Host, rng: &mut Rng) -> Result<SyncPage, CallError> {
    let budget = if rng.chance(0.2) { 2 } else { 0 };
    harness.sync(&host.app, &host.account, &request(host, Some(budget)))
}

/// Takes a call's outcome as a host does: commits the page (unless it "crashes" first), keeps
/// a refreshed account from an error, and notes what must never happen.
fn settle(
    host: &mut Host,
    outcome: Result<SyncPage, CallError>,
    rng: &mut Rng,
    report: &mut Report,
) {
    report.calls += 1;
    host.trace(|| outcome_line(&outcome));
    match outcome {
        Ok(page) => {
            if rng.chance(0.15) {
                host.trace(|| "the host crashes before committing the page".to_owned());
                // The host crashes before the page and its cursor are committed; it had stored
                // the refreshed account as soon as it came (tokens go first: refresh tokens are
                // single use in a schedule).
                report.crashes += 1;
                if let Some(account) = page.account {
                    host.account = account;
                }
            } else {
                host.commit(page, report);
            }
        }
        Err(error) => {
            if let Some(broken) = broken(&error) {
                report.violations.push(broken);
                return;
            }
            if let Some(account) = error.account() {
                host.account = account.clone();
            }
            report.errors += 1;
        }
    }
}

/// The broken promise an error is, if it is one.
fn broken(error: &CallError) -> Option<Violation> {
    let (kind, detail) = match error {
        CallError::Trap(trap) => (Broken::Trap, format!("{trap:#}")),
        CallError::Limit(why) => (Broken::Limit, why.clone()),
        CallError::Component { error, .. } => match error {
            crate::types::Error::ReauthorizationRequired(f) => {
                (Broken::FalseReauthorization, f.message.clone())
            }
            crate::types::Error::InvalidInput(f) => {
                (Broken::InvalidInput, format!("{}: {}", f.field, f.message))
            }
            _ => return None,
        },
    };
    Some(Violation::new(kind, detail))
}

/// One random mailbox change.
fn change(sandbox: &Sandbox, kind: Provider, rng: &mut Rng) -> String {
    let who = sandbox_kind(kind);
    let ids = sandbox.message_ids(who);
    let deliver = |rng: &mut Rng| format!("delivered {:?}", sandbox.deliver(who, 1 + rng.below(3)));
    let Some(id) = rng.pick(&ids).cloned() else {
        return deliver(rng);
    };
    match (kind, rng.below(12)) {
        (_, 0 | 1) => deliver(rng),
        (_, 2) => {
            sandbox.delete(who, &id);
            format!("deleted {id}")
        }
        (_, 3) => {
            let unread = rng.chance(0.5);
            sandbox.set_unread(who, &id, unread);
            format!("{id} unread: {unread}")
        }
        (_, 4) => {
            let starred = rng.chance(0.5);
            sandbox.set_starred(who, &id, starred);
            format!("{id} starred: {starred}")
        }
        (Provider::Google, 5) if rng.chance(0.3) => {
            sandbox.expire_history();
            "the history expired".to_owned()
        }
        (Provider::Microsoft, 5) if rng.chance(0.3) => {
            sandbox.expire_delta();
            "the delta links expired".to_owned()
        }
        (_, 5) => {
            sandbox.expire_access_tokens(who);
            "the access tokens expired".to_owned()
        }
        (Provider::Google, 6 | 7) => {
            let label = *rng
                .pick(&["Label_1", "Label_2", "INBOX", "IMPORTANT"])
                .unwrap();
            if rng.chance(0.5) {
                sandbox.add_label(&id, label);
                format!("{id} labelled {label}")
            } else {
                sandbox.remove_label(&id, label);
                format!("{id} unlabelled {label}")
            }
        }
        (Provider::Google, what) => {
            let label = if what == 8 { "TRASH" } else { "SPAM" };
            sandbox.add_label(&id, label);
            format!("{id} to {label}")
        }
        (Provider::Microsoft, 6..=8) => {
            let folders = [
                "inbox",
                "archive",
                "sentitems",
                "drafts",
                "junkemail",
                "deleteditems",
            ];
            // Mostly between synced folders, a third of the time out of scope.
            let folder = if rng.chance(0.33) {
                folders[4 + rng.below(2)]
            } else {
                folders[rng.below(4)]
            };
            sandbox.move_to(&id, folder);
            format!("{id} moved to {folder}")
        }
        (Provider::Microsoft, 9) => {
            let folder = sandbox.create_folder(&format!("Chaos {}", rng.next() % 1_000_000), None);
            sandbox.move_to(&id, &folder);
            format!("{id} moved to a new folder {folder}")
        }
        (Provider::Microsoft, _) => {
            // A folder made by the schedule, deleted (to Deleted Items) or purged.
            let folder = sandbox.create_folder(&format!("Gone {}", rng.next() % 1_000_000), None);
            sandbox.move_to(&id, &folder);
            if rng.chance(0.5) {
                sandbox.delete_folder(&folder);
                format!("{id} moved to a new folder {folder}, deleted to Deleted Items")
            } else {
                sandbox.purge_folder(&folder);
                format!("{id} moved to a new folder {folder}, purged")
            }
        }
    }
}

/// A call's outcome in one line, for a trace.
fn outcome_line(outcome: &Result<SyncPage, CallError>) -> String {
    match outcome {
        Ok(page) => {
            let messages: Vec<String> = page
                .messages
                .iter()
                .map(|m| format!("{} in {:?}", m.id, m.labels))
                .collect();
            format!(
                "page: messages {messages:?}, deleted {:?}, {} changes, dropped folders {:?}, reset {}, more {}",
                page.deleted,
                page.changes.len(),
                page.dropped_folders,
                page.reset,
                page.more
            )
        }
        Err(error) => format!("error: {error}"),
    }
}

/// Checks that the host's copy equals the mailbox.
fn compare(sandbox: &Sandbox, kind: Provider, host: &Host, report: &mut Report) {
    let who = sandbox_kind(kind);
    let want: BTreeSet<String> = sandbox.message_ids(who).into_iter().collect();
    let held: BTreeSet<String> = host.messages.keys().cloned().collect();
    for missing in want.difference(&held) {
        report
            .violations
            .push(Violation::new(Broken::Lost, missing.clone()));
    }
    // A message held under an id the mailbox no longer has is a duplicate when the host also
    // holds it under its current id (the same Message-ID header), else a deletion missed.
    let header = |id: &String| host.messages.get(id).and_then(|m| m.message_id.clone());
    let current: BTreeSet<String> = want.intersection(&held).filter_map(header).collect();
    for extra in held.difference(&want) {
        let kind = match header(extra) {
            Some(h) if current.contains(&h) => Broken::Duplicated,
            _ => Broken::Kept,
        };
        report.violations.push(Violation::new(kind, extra.clone()));
    }
    for id in want.intersection(&held) {
        let (Some(state), Some(message)) = (sandbox.state_of(who, id), host.messages.get(id))
        else {
            continue;
        };
        if state.unread != message.unread || state.starred != message.starred {
            let detail = format!(
                "{id}: unread {} starred {} at the provider, {} {} held",
                state.unread, state.starred, message.unread, message.starred
            );
            report
                .violations
                .push(Violation::new(Broken::Stale, detail));
        }
        let place = |labels: &[String]| -> BTreeSet<String> {
            labels
                .iter()
                .filter(|l| *l != "UNREAD" && *l != "STARRED")
                .cloned()
                .collect()
        };
        if place(&state.labels) != place(&message.labels) {
            let detail = format!(
                "{id}: labels {:?} at the provider, {:?} held",
                state.labels, message.labels
            );
            report
                .violations
                .push(Violation::new(Broken::Stale, detail));
        }
    }
}

/// What a run of many schedules for one provider found.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Schedules run.
    pub schedules: usize,
    /// The seeds of the schedules that failed, with their first broken promise.
    pub failures: Vec<(u64, Violation)>,
    /// Faults injected, by kind, over all schedules.
    pub faults: BTreeMap<String, usize>,
    /// Broken promises by kind, over all schedules.
    pub broken: BTreeMap<Broken, usize>,
    /// Mailbox changes made.
    pub changes: usize,
    /// Sync calls made.
    pub calls: usize,
    /// Pages dropped by a crashing host.
    pub crashes: usize,
    /// Calls that ended with an error the host retries.
    pub errors: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl Summary {
    /// Adds one schedule's report.
    fn add(&mut self, report: &Report) {
        self.schedules += 1;
        for (kind, count) in &report.faults {
            *self.faults.entry(kind.clone()).or_default() += count;
        }
        for violation in &report.violations {
            *self.broken.entry(violation.kind).or_default() += 1;
        }
        if let Some(first) = report.violations.first() {
            self.failures.push((report.seed, first.clone()));
        }
        self.changes += report.changes;
        self.calls += report.calls;
        self.crashes += report.crashes;
        self.errors += report.errors;
    }

    /// The run as a Markdown section: counts, faults by kind, broken promises by kind, and
    /// the failing seeds.
    pub fn markdown(&self, provider: &str, first_seed: u64) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let last = first_seed + self.schedules.saturating_sub(1) as u64;
        let faults: usize = self.faults.values().sum();
        let _ = writeln!(out, "## {provider}: seeds {first_seed} to {last}\n");
        let _ = writeln!(
            out,
            "| schedules | failed | faults | mailbox changes | calls | host crashes | errors retried | wall time |"
        );
        let _ = writeln!(
            out,
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        let _ = writeln!(
            out,
            "| {} | {} | {faults} | {} | {} | {} | {} | {:.0} s |\n",
            self.schedules,
            self.failures.len(),
            self.changes,
            self.calls,
            self.crashes,
            self.errors,
            self.elapsed.as_secs_f64()
        );
        let _ = writeln!(out, "| fault injected | count |\n| --- | ---: |");
        for (kind, count) in &self.faults {
            let _ = writeln!(out, "| {kind} | {count} |");
        }
        let _ = writeln!(out, "\n| promise broken | count |\n| --- | ---: |");
        for kind in Broken::ALL {
            let _ = writeln!(out, "| {} | {} |", kind.name(), self.count(kind));
        }
        for (seed, violation) in &self.failures {
            let _ = writeln!(
                out,
                "\nseed {seed} failed ({}): {}",
                violation.kind.name(),
                violation.detail
            );
        }
        out.push('\n');
        out
    }

    /// How many times `kind` of promise was broken.
    pub fn count(&self, kind: Broken) -> usize {
        self.broken.get(&kind).copied().unwrap_or(0)
    }
}

/// How [`run`] runs schedules.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The first schedule's seed; the others follow it.
    pub first_seed: u64,
    /// How many schedules.
    pub schedules: usize,
    /// How many run at once.
    pub jobs: usize,
    /// Print every call, change and crash (see [`schedule`]).
    pub trace: bool,
}

/// Runs the schedules of `plan` for `kind`; `each` sees every report as it comes (to print a
/// failing seed at once).
pub fn run(
    runtime: &Runtime,
    kind: Provider,
    plan: Plan,
    each: &(dyn Fn(&Report) + Sync),
) -> anyhow::Result<Summary> {
    let Plan {
        first_seed,
        schedules: count,
        jobs,
        trace,
    } = plan;
    let started = Instant::now();
    let next = std::sync::atomic::AtomicU64::new(first_seed);
    let end = first_seed.saturating_add(count as u64);
    let summary = std::sync::Mutex::new(Summary::default());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if seed >= end {
                            return Ok(());
                        }
                        let report = schedule(runtime, kind, seed, trace)?;
                        each(&report);
                        summary.lock().expect("summary").add(&report);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a chaos worker panicked"))??;
        }
        Ok(())
    })?;
    let mut summary = summary.into_inner().expect("summary");
    summary.failures.sort_by_key(|(seed, _)| *seed);
    summary.elapsed = started.elapsed();
    Ok(summary)
}
