//! The first-sync benchmark: the component's sync of a seeded sandbox mailbox with latency on
//! every mail API request, against a sequential one-request-per-message baseline measured in
//! the same run.

use crate::sandbox::{MailboxSpec, Provider as SandboxProvider, Sandbox, SandboxConfig};
use crate::types::{ProviderKind, SyncRequest};
use crate::{HttpPolicy, Runtime, describe, sandboxed};
use std::time::{Duration, Instant};

/// One measured way of syncing.
#[derive(Debug, Clone)]
pub struct Run {
    /// Messages the sync delivered.
    pub messages: usize,
    /// HTTP requests made.
    pub requests: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The benchmark's result for one provider.
#[derive(Debug, Clone)]
pub struct Report {
    /// The provider.
    pub provider: ProviderKind,
    /// The component's first sync (concurrent requests, batched pages).
    pub component: Run,
    /// The same messages fetched one request per message, one request at a time.
    pub sequential: Run,
}

/// Runs the benchmark for `kind`: a mailbox with at least `messages` in the sync scope, a first
/// sync bounded to `messages`, and `latency` added to every mail API request.
pub fn first_sync(
    runtime: &Runtime,
    kind: ProviderKind,
    messages: usize,
    latency: Duration,
    page_size: u32,
) -> anyhow::Result<Report> {
    let config = SandboxConfig::default();
    let who = match kind {
        ProviderKind::Google => SandboxProvider::Google,
        ProviderKind::Microsoft => SandboxProvider::Microsoft,
    };
    let sandbox = Sandbox::start(config.clone())?;
    // Some seeded mail sits in spam, trash or drafts: seed more so that enough is in scope.
    sandbox.seed_mailbox(
        who,
        &MailboxSpec {
            messages: messages + messages / 4,
            seed: 2026,
            ..MailboxSpec::default()
        },
    );
    let policy = HttpPolicy::sandbox(&sandbox.base_url())?;
    let harness = runtime.harness(policy.clone());
    let (setting, mut account) = sandboxed::connect(&harness, &sandbox, &config, kind)?;

    sandbox.set_latency(latency);
    policy.clear();
    let start = Instant::now();
    let mut cursor = None;
    let mut ids = Vec::new();
    loop {
        let page = harness.sync(
            &setting,
            &account,
            &SyncRequest {
                cursor: cursor.take(),
                folders: vec![],
                newer_than: None,
                max_messages: Some(messages as u32),
                page_size: Some(page_size),
            },
        )?;
        ids.extend(page.messages.iter().map(|m| m.id.clone()));
        if let Some(fresh) = page.account {
            account = fresh;
        }
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    let component = Run {
        messages: ids.len(),
        requests: policy.requests().len(),
        elapsed: start.elapsed(),
    };

    let start = Instant::now();
    for id in &ids {
        let (host, path) = match kind {
            ProviderKind::Google => (
                "gmail.googleapis.com",
                format!("/gmail/v1/users/me/messages/{id}?format=full"),
            ),
            ProviderKind::Microsoft => ("graph.microsoft.com", format!("/v1.0/me/messages/{id}")),
        };
        let (status, _) = sandbox.get(host, &path, &account.access_token)?;
        anyhow::ensure!(
            status == 200,
            "{} answered {status} for a message",
            describe::kind(kind)
        );
    }
    let sequential = Run {
        messages: ids.len(),
        requests: ids.len(),
        elapsed: start.elapsed(),
    };
    Ok(Report {
        provider: kind,
        component,
        sequential,
    })
}
