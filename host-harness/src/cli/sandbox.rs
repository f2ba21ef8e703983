//! `sandbox`, `bench-sync` and `chaos`: the sandbox providers served on their own, and the
//! measurements made against them.

use super::{Context, ProviderArg};
use anyhow::Context as _;
use email_harness::bench::Run;
use email_harness::describe;
use email_harness::sandbox::{
    FaultKind, MailboxSpec, Provider as SandboxProvider, RandomFaults, Sandbox, SandboxConfig,
    Start,
};
use email_harness::types::Provider;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `sandbox`: how the served mailboxes start, the limits, latency and faults they serve with,
/// where, and what is written where.
#[derive(clap::Args)]
pub struct Serve {
    /// Messages generated in each provider's mailbox at start.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// Messages generated in the Gmail mailbox (default: --messages).
    #[arg(long)]
    google_messages: Option<usize>,
    /// Messages generated in the Outlook mailbox (default: --messages).
    #[arg(long)]
    microsoft_messages: Option<usize>,
    /// The seed of the generated mailboxes (the same seed, the same messages).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The seed of the Gmail mailbox (default: --seed).
    #[arg(long)]
    google_seed: Option<u64>,
    /// The seed of the Outlook mailbox (default: --seed).
    #[arg(long)]
    microsoft_seed: Option<u64>,
    /// The address of the Google user who signs in [default: ann@example.com].
    #[arg(long)]
    google_user: Option<String>,
    /// The Google user's display name [default: Ann Example].
    #[arg(long)]
    google_name: Option<String>,
    /// The address of the Microsoft user who signs in [default: AdeleV@contoso.onmicrosoft.com].
    #[arg(long)]
    microsoft_user: Option<String>,
    /// The Microsoft user's display name [default: Adele Vance].
    #[arg(long)]
    microsoft_name: Option<String>,
    /// Load every `*.eml` file of this folder into both mailboxes at start (Gmail: `INBOX`
    /// and `UNREAD`; Outlook: the inbox), in file name order.
    #[arg(long)]
    eml: Option<PathBuf>,
    /// Latency added to every mail API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Gmail quota units per user per minute, or `off` [default: 15000, Gmail's published
    /// limit].
    #[arg(long, value_parser = limit::<u32>)]
    gmail_quota: Option<Limit<u32>>,
    /// Gmail requests in flight at once per user, or `off` [default: 25].
    #[arg(long, value_parser = limit::<usize>)]
    gmail_concurrent: Option<Limit<usize>>,
    /// Outlook requests in flight at once per mailbox, or `off` [default: 4, Graph's limit].
    #[arg(long, value_parser = limit::<usize>)]
    graph_concurrent: Option<Limit<usize>>,
    /// Outlook requests per mailbox per ten minutes, or `off` [default: 10000].
    #[arg(long, value_parser = limit::<u32>)]
    graph_requests: Option<Limit<u32>>,
    /// Outlook upload bytes per mailbox per five minutes, or `off` [default: 150000000].
    #[arg(long, value_parser = limit::<u64>)]
    graph_upload_bytes: Option<Limit<u64>>,
    /// Seconds of wall-clock time per minute of the quota windows [default: 60, real time].
    #[arg(long)]
    quota_scale: Option<f64>,
    /// The chance, from 0 to 1, that a mail API request gets a random transient fault (429,
    /// 5xx, a lost connection or answer, a truncated or invalid body, a proxy page).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// The seed of the random faults.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// The loopback port to serve on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Also write the start-up document (base URL, apps, users) as JSON to this file, so that a
    /// test can read it (written once the sandbox serves).
    #[arg(long)]
    info: Option<PathBuf>,
}

/// A limit given on the command line: a number, or `off`.
#[derive(Clone, Copy, Debug)]
struct Limit<T>(Option<T>);

/// Parses a [`Limit`].
fn limit<T: std::str::FromStr>(text: &str) -> Result<Limit<T>, String>
where
    T::Err: std::fmt::Display,
{
    if text.eq_ignore_ascii_case("off") {
        return Ok(Limit(None));
    }
    text.parse()
        .map(|n| Limit(Some(n)))
        .map_err(|e| format!("{e} (a number, or `off`)"))
}

impl Serve {
    /// Serves the sandbox providers until the process is interrupted.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            anyhow::bail!("--fault-rate must be from 0 to 1, not {}", self.fault_rate);
        }
        if let Some(scale) = self.quota_scale
            && !(scale.is_finite() && scale > 0.0)
        {
            anyhow::bail!("--quota-scale must be a positive number of seconds, not {scale}");
        }
        let raw = match &self.eml {
            Some(folder) => eml_files(folder)?.into_iter().map(|(_, raw)| raw).collect(),
            None => Vec::new(),
        };
        let spec = |messages: Option<usize>, seed: Option<u64>| MailboxSpec {
            messages: messages.unwrap_or(self.messages),
            seed: seed.unwrap_or(self.seed),
            ..MailboxSpec::default()
        };
        let mut config = SandboxConfig::default();
        for (user, email, name) in [
            (
                &mut config.google_user,
                &self.google_user,
                &self.google_name,
            ),
            (
                &mut config.microsoft_user,
                &self.microsoft_user,
                &self.microsoft_name,
            ),
        ] {
            if let Some(email) = email {
                if !email.contains('@') {
                    anyhow::bail!("a user is an email address, not {email:?}");
                }
                user.email = email.clone();
            }
            if let Some(name) = name {
                user.display_name = name.clone();
            }
        }
        let sandbox = Sandbox::start_on(config, self.port)?;
        sandbox.start_with(Start {
            google: Some(spec(self.google_messages, self.google_seed)),
            microsoft: Some(spec(self.microsoft_messages, self.microsoft_seed)),
            raw,
        });
        if self.latency_ms > 0 {
            sandbox.set_latency(Duration::from_millis(self.latency_ms));
        }
        if let Some(Limit(units)) = self.gmail_quota {
            sandbox.set_gmail_quota(units);
        }
        if let Some(Limit(limit)) = self.gmail_concurrent {
            sandbox.set_gmail_concurrency(limit);
        }
        if let Some(Limit(limit)) = self.graph_concurrent {
            sandbox.set_graph_concurrency(limit);
        }
        if let Some(Limit(limit)) = self.graph_requests {
            sandbox.set_graph_request_limit(limit);
        }
        if let Some(Limit(limit)) = self.graph_upload_bytes {
            sandbox.set_graph_upload_limit(limit);
        }
        if let Some(scale) = self.quota_scale {
            sandbox.set_quota_time_scale(scale);
        }
        if self.fault_rate > 0.0 {
            for provider in [SandboxProvider::Google, SandboxProvider::Microsoft] {
                sandbox.set_random_faults(
                    provider,
                    Some(RandomFaults {
                        seed: self.fault_seed,
                        probability: self.fault_rate,
                        kinds: FaultKind::transient(),
                    }),
                );
            }
        }
        let started = sandbox.describe();
        if let Some(path) = &self.info {
            // Written whole under another name, then renamed: a reader never sees half of it.
            let partial = path.with_extension("partial");
            std::fs::write(&partial, serde_json::to_vec_pretty(&started)?)
                .with_context(|| format!("writing {}", partial.display()))?;
            std::fs::rename(&partial, path)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        context.out.print(&started, |started| {
            let mut text = format!("sandbox providers at {}\n", started.base_url);
            for served in &started.providers {
                text.push_str(&format!(
                    "{}: user {} ({}), {} messages\n",
                    served.provider, served.user, served.display_name, served.messages
                ));
                for app in &served.apps {
                    text.push_str(&format!(
                        "  app: --client-id {} --client-secret {} --redirect-uri {}\n",
                        app.client_id,
                        app.client_secret,
                        app.redirect_uris.join(" ")
                    ));
                }
            }
            text.push_str(&format!(
                "use: email-harness --sandbox-url {} ...\ncontrol API: {}/_sandbox/v1/ (OpenAPI: {}/_sandbox/v1/openapi.json)\n",
                started.base_url, started.base_url, started.base_url
            ));
            text
        })?;
        loop {
            std::thread::park();
        }
    }
}

/// The `*.eml` files of `folder`, in file name order, read whole.
fn eml_files(folder: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut paths = Vec::new();
    for entry in
        std::fs::read_dir(folder).with_context(|| format!("reading {}", folder.display()))?
    {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
        {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let raw =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok((path, raw))
        })
        .collect()
}

/// `bench-sync`: the first sync of a sandbox mailbox against a sequential baseline.
#[derive(clap::Args)]
pub struct BenchSync {
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
    /// Only this provider (default: both).
    #[arg(long)]
    provider: Option<ProviderArg>,
}

/// One row of the speed table.
#[derive(serde::Serialize)]
struct SpeedRow {
    provider: &'static str,
    way: &'static str,
    messages: usize,
    requests: u64,
    calls: u64,
    seconds: f64,
    messages_per_second: f64,
    speedup: f64,
}

/// One row of the quota table.
#[derive(serde::Serialize)]
struct QuotaRow {
    provider: &'static str,
    messages: usize,
    requests: u64,
    calls: u64,
    quota_units: u64,
    throttled: usize,
    waited_seconds: f64,
    host_waited_seconds: f64,
    seconds: f64,
    bound_seconds: f64,
    ratio: f64,
}

impl BenchSync {
    /// Runs the benchmarks and prints their tables (Markdown, as in BENCHMARKS.md).
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let runtime = context.runtime()?;
        let latency = std::time::Duration::from_millis(self.latency_ms);
        let kinds = match self.provider {
            Some(kind) => vec![kind.wit()],
            None => vec![Provider::Google, Provider::Microsoft],
        };
        let (messages, latency_ms, page_size) = (self.messages, self.latency_ms, self.page_size);
        let mut speed = Vec::new();
        if self.only.as_deref() != Some("quota") {
            for &kind in &kinds {
                let report =
                    email_harness::bench::speed(&runtime, kind, messages, latency, page_size)?;
                let base = report.sequential.elapsed.as_secs_f64();
                for (way, run) in [
                    ("component sync", &report.component),
                    ("sequential, one request per message", &report.sequential),
                ] {
                    speed.push(speed_row(kind, way, run, base));
                }
            }
            context.out.text(&{
                let rows = &speed;
                let mut text = format!(
                    "## speed: first sync of {messages} messages, {latency_ms} ms latency per mail API request, {page_size} per page, quota generous\n\n"
                );
                text += "| provider | way | messages | HTTP requests | calls | wall time | messages/s | vs sequential |\n";
                text += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
                for r in rows {
                    text += &format!(
                        "| {} | {} | {} | {} | {} | {:.2} s | {:.0} | {:.1}x |\n",
                        r.provider, r.way, r.messages, r.requests, r.calls, r.seconds,
                        r.messages_per_second, r.speedup
                    );
                }
                text
            });
        }
        let mut quota = Vec::new();
        if self.only.as_deref() != Some("speed") {
            for &kind in &kinds {
                let report = email_harness::bench::quota(
                    &runtime,
                    kind,
                    self.quota_messages,
                    latency,
                    page_size,
                    self.scale,
                )?;
                let run = &report.run;
                quota.push(QuotaRow {
                    provider: describe::provider(kind),
                    messages: run.messages,
                    requests: run.requests,
                    calls: run.calls,
                    quota_units: run.units,
                    throttled: run.throttled,
                    waited_seconds: run.waited.as_secs_f64(),
                    host_waited_seconds: run.host_waited.as_secs_f64(),
                    seconds: run.elapsed.as_secs_f64(),
                    bound_seconds: report.bound.as_secs_f64(),
                    ratio: run.elapsed.as_secs_f64() / report.bound.as_secs_f64(),
                });
            }
            let (quota_messages, scale) = (self.quota_messages, self.scale);
            context.out.text(&{
                let rows = &quota;
                let mut text = format!(
                    "\n## quota: first sync of {quota_messages} messages under the default limits, a minute of quota per {scale} s, {latency_ms} ms latency, {page_size} per page\n\n"
                );
                text += "| provider | messages | HTTP requests | calls | quota units | throttled | waited in calls | host waited (retry-later) | wall time | lower bound | ratio |\n";
                text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
                for r in rows {
                    text += &format!(
                        "| {} | {} | {} | {} | {} | {} | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.2} |\n",
                        r.provider, r.messages, r.requests, r.calls, r.quota_units,
                        r.throttled, r.waited_seconds, r.host_waited_seconds, r.seconds,
                        r.bound_seconds, r.ratio
                    );
                }
                text
            });
        }
        let tables = serde_json::json!({ "speed": speed, "quota": quota });
        context.out.print(&tables, |_| String::new())
    }
}

/// The speed row of `run`, against the sequential baseline's `base` seconds.
fn speed_row(kind: Provider, way: &'static str, run: &Run, base: f64) -> SpeedRow {
    let wall = run.elapsed.as_secs_f64();
    SpeedRow {
        provider: describe::provider(kind),
        way,
        messages: run.messages,
        requests: run.requests,
        calls: run.calls,
        seconds: wall,
        messages_per_second: run.messages as f64 / wall,
        speedup: base / wall,
    }
}

/// `chaos`: seeded schedules of faults, mailbox changes and host crashes.
#[derive(clap::Args)]
pub struct Chaos {
    /// Only this provider (default: both).
    #[arg(long)]
    provider: Option<ProviderArg>,
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
}

impl Chaos {
    /// Runs the schedules of each provider and prints their summaries; fails when any failed.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let runtime = context.runtime()?;
        let jobs = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().max(2)));
        let plan = email_harness::chaos::Plan {
            first_seed: self.seed,
            schedules: self.schedules,
            jobs,
            trace: self.trace,
        };
        let kinds = match self.provider {
            Some(kind) => vec![kind.wit()],
            None => vec![Provider::Google, Provider::Microsoft],
        };
        let mut failed = 0;
        let mut summaries = Vec::new();
        for kind in kinds {
            let name = describe::provider(kind);
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
            summaries.push(serde_json::json!({
                "provider": name,
                "schedules": summary.schedules,
                "failed_seeds": summary.failures.iter().map(|(seed, _)| seed).collect::<Vec<_>>(),
                "faults": summary.faults,
                "changes": summary.changes,
                "calls": summary.calls,
                "crashes": summary.crashes,
                "errors": summary.errors,
                "seconds": summary.elapsed.as_secs_f64(),
            }));
            context.out.text(&summary.markdown(name, self.seed));
            failed += summary.failures.len();
        }
        context.out.print(&summaries, |_| String::new())?;
        if failed > 0 {
            anyhow::bail!("{failed} chaos schedules failed; their seeds are above");
        }
        Ok(())
    }
}
