//! `sandbox`, `bench-sync` and `chaos`: the sandbox providers served on their own, and the
//! measurements made against them.

use super::{Context, Kind};
use anyhow::Context as _;
use email_harness::bench::Run;
use email_harness::describe;
use email_harness::sandbox::{MailboxSpec, Provider as SandboxProvider, Sandbox, SandboxConfig};
use email_harness::types::ProviderKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `sandbox`: how the served mailboxes start and what is written where.
#[derive(clap::Args)]
pub struct Serve {
    /// Messages generated in each provider's mailbox at start.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// The seed of the generated mailboxes (the same seed, the same messages).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency added to every mail API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Load every `*.eml` file of this folder into both mailboxes at start (Gmail: `INBOX`
    /// and `UNREAD`; Outlook: the inbox), in file name order.
    #[arg(long)]
    eml: Option<PathBuf>,
    /// Also write the start-up document (base URL, apps, users) as JSON to this file, so that a
    /// test can read it.
    #[arg(long)]
    info: Option<PathBuf>,
}

/// What `sandbox` prints when it starts: where it serves and what it accepts.
#[derive(serde::Serialize)]
struct Started {
    base_url: String,
    /// Per provider (`google`, `microsoft`): the OAuth apps it accepts and the user who signs in.
    providers: Vec<Served>,
}

/// One provider as the sandbox serves it.
#[derive(serde::Serialize)]
struct Served {
    provider: &'static str,
    apps: Vec<App>,
    user: String,
    display_name: String,
    messages: usize,
}

/// An OAuth app registration the sandbox accepts. Its secret is printed: it is the sandbox's
/// own, known to every test, and guards nothing.
#[derive(serde::Serialize)]
struct App {
    client_id: String,
    client_secret: String,
    redirect_uris: Vec<String>,
}

impl Serve {
    /// Serves the sandbox providers until the process is interrupted.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let config = SandboxConfig::default();
        let sandbox = Sandbox::start(config.clone())?;
        let spec = MailboxSpec {
            messages: self.messages,
            seed: self.seed,
            ..MailboxSpec::default()
        };
        let files = match &self.eml {
            Some(folder) => eml_files(folder)?,
            None => Vec::new(),
        };
        for provider in [SandboxProvider::Google, SandboxProvider::Microsoft] {
            sandbox.seed_mailbox(provider, &spec);
            for (_, raw) in &files {
                let labels: &[&str] = match provider {
                    SandboxProvider::Google => &["INBOX", "UNREAD"],
                    SandboxProvider::Microsoft => &["inbox"],
                };
                sandbox.insert_raw(provider, raw, labels);
            }
        }
        if self.latency_ms > 0 {
            sandbox.set_latency(Duration::from_millis(self.latency_ms));
        }
        let served = |provider: SandboxProvider, name: &'static str| {
            let (apps, user) = match provider {
                SandboxProvider::Google => (&config.google_clients, &config.google_user),
                SandboxProvider::Microsoft => (&config.microsoft_clients, &config.microsoft_user),
            };
            Served {
                provider: name,
                apps: apps
                    .iter()
                    .map(|app| App {
                        client_id: app.client_id.clone(),
                        client_secret: app.client_secret.clone(),
                        redirect_uris: app.redirect_uris.clone(),
                    })
                    .collect(),
                user: user.email.clone(),
                display_name: user.display_name.clone(),
                messages: sandbox.message_ids(provider).len(),
            }
        };
        let started = Started {
            base_url: sandbox.base_url(),
            providers: vec![
                served(SandboxProvider::Google, "google"),
                served(SandboxProvider::Microsoft, "microsoft"),
            ],
        };
        if let Some(path) = &self.info {
            std::fs::write(path, serde_json::to_vec_pretty(&started)?)
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
                "use: email-harness --sandbox-url {} ...\n",
                started.base_url
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
    seconds: f64,
    bound_seconds: f64,
    ratio: f64,
}

impl BenchSync {
    /// Runs the benchmarks and prints their tables (Markdown, as in BENCHMARKS.md).
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        let runtime = context.runtime()?;
        let latency = std::time::Duration::from_millis(self.latency_ms);
        let kinds = [ProviderKind::Google, ProviderKind::Microsoft];
        let (messages, latency_ms, page_size) = (self.messages, self.latency_ms, self.page_size);
        let mut speed = Vec::new();
        if self.only.as_deref() != Some("quota") {
            for kind in kinds {
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
            for kind in kinds {
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
                    provider: describe::kind(kind),
                    messages: run.messages,
                    requests: run.requests,
                    calls: run.calls,
                    quota_units: run.units,
                    throttled: run.throttled,
                    waited_seconds: run.waited.as_secs_f64(),
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
                text += "| provider | messages | HTTP requests | calls | quota units | throttled | waited | wall time | lower bound | ratio |\n";
                text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
                for r in rows {
                    text += &format!(
                        "| {} | {} | {} | {} | {} | {} | {:.1} s | {:.1} s | {:.1} s | {:.2} |\n",
                        r.provider, r.messages, r.requests, r.calls, r.quota_units,
                        r.throttled, r.waited_seconds, r.seconds, r.bound_seconds, r.ratio
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
fn speed_row(kind: ProviderKind, way: &'static str, run: &Run, base: f64) -> SpeedRow {
    let wall = run.elapsed.as_secs_f64();
    SpeedRow {
        provider: describe::kind(kind),
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
            None => vec![ProviderKind::Google, ProviderKind::Microsoft],
        };
        let mut failed = 0;
        let mut summaries = Vec::new();
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
