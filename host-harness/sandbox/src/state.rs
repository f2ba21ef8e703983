//! What the sandbox remembers: the user's consent, issued codes and tokens, received requests.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::config::{Provider, SandboxConfig};
use crate::mailbox::Mailboxes;
use crate::oauth::RefreshRefusal;
use crate::sent::Outbox;
use crate::traffic::Traffic;
use crate::{gmail, graph};

/// How long an authorization code can be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// How long an access token is accepted (`expires_in` is one second less, as both providers
/// answer 3599).
pub(crate) const ACCESS_LIFETIME: Duration = Duration::from_secs(3600);

/// One request the server received, without any secret: no token, code or secret value, only
/// which form fields were sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Received {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The provider host from the `Host` header, without port (or from the path's first
    /// segment, when `Host` is not a provider host).
    pub host: String,
    /// The path, without the query.
    pub path: String,
    /// Whether an `Authorization: Bearer` header was sent.
    pub has_bearer: bool,
    /// The names of the `application/x-www-form-urlencoded` body fields, in order.
    pub form_keys: Vec<String>,
    /// Whether it came inside a batch (a Graph JSON batch, `POST /v1.0/$batch`, or a Gmail
    /// batch, `POST /batch/gmail/v1`, itself logged before the requests it carries).
    pub batched: bool,
}

/// The configuration and the state, shared by the server tasks and the [`crate::Sandbox`].
pub(crate) struct Shared {
    /// What the sandbox was started with.
    pub config: SandboxConfig,
    /// Everything issued and received since.
    pub store: Store,
    /// The users' mailboxes.
    pub mail: Mailboxes,
    /// Latency, faults and counters of the mail API traffic.
    pub traffic: Traffic,
    /// The messages sent for the users.
    pub sent: Outbox,
    /// The Google user's send-as aliases.
    pub aliases: gmail::Aliases,
    /// The open Graph attachment upload sessions.
    pub uploads: graph::UploadSessions,
    /// What the mailboxes hold at start and again after each reset.
    pub start: Mutex<crate::Start>,
}

impl Shared {
    /// A fresh state for `config`: consent given, nothing issued, empty mailboxes.
    pub fn new(config: SandboxConfig) -> Shared {
        Shared {
            mail: Mailboxes::new(&config, gmail::filing, graph::filing),
            traffic: Traffic::default(),
            sent: Outbox::default(),
            aliases: gmail::Aliases::default(),
            uploads: graph::UploadSessions::default(),
            start: Mutex::new(crate::Start::default()),
            config,
            store: Store {
                inner: Mutex::new(Inner {
                    consent: true,
                    codes: HashMap::new(),
                    refresh: HashMap::new(),
                    access: HashMap::new(),
                    single_use: HashSet::new(),
                    refusals: HashMap::new(),
                    received: Vec::new(),
                }),
            },
        }
    }
}

/// What a user consented to; every code and token issued from one consent carries it.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    /// The provider that issued it.
    pub provider: Provider,
    /// The client it was issued to.
    pub client_id: String,
    /// The granted scopes, as the provider lists them.
    pub scopes: Vec<String>,
    /// When the user consented.
    pub issued: SystemTime,
}

/// An authorization code and what it was issued for.
#[derive(Clone, Debug)]
pub(crate) struct PendingCode {
    /// The consent behind it.
    pub grant: Grant,
    /// The Microsoft tenant segment of the authorization URL (lower-cased).
    pub tenant: Option<String>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The S256 code challenge.
    pub challenge: String,
    /// Whether a refresh token goes with the tokens.
    pub offline: bool,
}

/// Why a code cannot be redeemed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    /// Never issued (by this provider).
    Unknown,
    /// Older than ten minutes.
    Expired,
    /// Already exchanged for tokens.
    Redeemed,
}

/// Why a refresh token is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefreshProblem {
    /// Never issued (by this provider).
    Unknown,
    /// Spent: used once while refresh tokens were single-use.
    Rotated,
    /// Revoked at `revoked`; the grant dates from `issued`.
    Revoked {
        /// When the user consented.
        issued: SystemTime,
        /// When the grant was revoked.
        revoked: SystemTime,
    },
}

/// Why an access token is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AccessProblem {
    /// Never issued (by this provider), or revoked.
    Unknown,
    /// Past its lifetime.
    Expired,
}

/// The state behind one lock.
pub(crate) struct Store {
    inner: Mutex<Inner>,
}

struct Inner {
    consent: bool,
    codes: HashMap<String, CodeEntry>,
    refresh: HashMap<String, RefreshEntry>,
    access: HashMap<String, AccessEntry>,
    /// The providers whose refresh tokens are spent by their first use.
    single_use: HashSet<Provider>,
    /// The providers refusing refresh-token grants, what they answer and since when.
    refusals: HashMap<Provider, (RefreshRefusal, SystemTime)>,
    received: Vec<Received>,
}

struct CodeEntry {
    pending: PendingCode,
    expires: Instant,
    redeemed: bool,
}

struct RefreshEntry {
    grant: Grant,
    status: RefreshStatus,
}

#[derive(Clone, Copy)]
enum RefreshStatus {
    Active,
    Rotated,
    Revoked(SystemTime),
}

struct AccessEntry {
    grant: Grant,
    expires: Instant,
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets whether the user consents at the next authorization requests.
    pub fn set_consent(&self, grant: bool) {
        self.lock().consent = grant;
    }

    /// Whether the user consents.
    pub fn consents(&self) -> bool {
        self.lock().consent
    }

    /// Appends a received request to the log.
    pub fn record(&self, received: Received) {
        self.lock().received.push(received);
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Forgets the requests received so far; returns how many there were.
    pub fn clear_received(&self) -> usize {
        std::mem::take(&mut self.lock().received).len()
    }

    /// Back to the start: the user consents, no refusal of refresh tokens, none single-use, no
    /// request received. The codes and tokens issued stay as they are, so that a host stays
    /// connected across a reset.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.consent = true;
        inner.single_use.clear();
        inner.refusals.clear();
        inner.received.clear();
    }

    /// Remembers `code`, redeemable for ten minutes.
    pub fn insert_code(&self, code: String, pending: PendingCode) {
        let entry = CodeEntry {
            pending,
            expires: Instant::now() + CODE_LIFETIME,
            redeemed: false,
        };
        self.lock().codes.insert(code, entry);
    }

    /// Redeems `code` of `provider` when `check` accepts it; a code is spent only by a
    /// successful redemption.
    pub fn redeem_code<E: From<CodeProblem>>(
        &self,
        provider: Provider,
        code: &str,
        check: impl FnOnce(&PendingCode) -> Result<(), E>,
    ) -> Result<PendingCode, E> {
        let mut inner = self.lock();
        let entry = inner
            .codes
            .get_mut(code)
            .filter(|e| e.pending.grant.provider == provider)
            .ok_or(CodeProblem::Unknown)?;
        if entry.redeemed {
            return Err(CodeProblem::Redeemed.into());
        }
        if Instant::now() >= entry.expires {
            return Err(CodeProblem::Expired.into());
        }
        check(&entry.pending)?;
        entry.redeemed = true;
        Ok(entry.pending.clone())
    }

    /// Remembers refresh token `token` of `grant`.
    pub fn insert_refresh(&self, token: String, grant: Grant) {
        let entry = RefreshEntry {
            grant,
            status: RefreshStatus::Active,
        };
        self.lock().refresh.insert(token, entry);
    }

    /// Uses refresh token `token` of `provider` when `check` accepts its grant. `next`, the
    /// new refresh token the answer carries, is remembered too; the one used is spent only when
    /// `provider`'s refresh tokens are single-use.
    pub fn use_refresh<E: From<RefreshProblem>>(
        &self,
        provider: Provider,
        token: &str,
        check: impl FnOnce(&Grant) -> Result<(), E>,
        next: Option<String>,
    ) -> Result<Grant, E> {
        let mut inner = self.lock();
        let single_use = inner.single_use.contains(&provider);
        let entry = inner
            .refresh
            .get_mut(token)
            .filter(|e| e.grant.provider == provider)
            .ok_or(RefreshProblem::Unknown)?;
        match entry.status {
            RefreshStatus::Active => {}
            RefreshStatus::Rotated => return Err(RefreshProblem::Rotated.into()),
            RefreshStatus::Revoked(revoked) => {
                let issued = entry.grant.issued;
                return Err(RefreshProblem::Revoked { issued, revoked }.into());
            }
        }
        check(&entry.grant)?;
        let grant = entry.grant.clone();
        if let Some(next) = next {
            if single_use {
                entry.status = RefreshStatus::Rotated;
            }
            let entry = RefreshEntry {
                grant: grant.clone(),
                status: RefreshStatus::Active,
            };
            inner.refresh.insert(next, entry);
        }
        Ok(grant)
    }

    /// Sets whether `provider`'s refresh tokens are spent by their first use.
    pub fn set_single_use_refresh(&self, provider: Provider, on: bool) {
        let mut inner = self.lock();
        match on {
            true => inner.single_use.insert(provider),
            false => inner.single_use.remove(&provider),
        };
    }

    /// Makes `provider` refuse refresh-token grants with `refusal` from now on (`None`: stop).
    pub fn refuse_refresh(&self, provider: Provider, refusal: Option<RefreshRefusal>) {
        let mut inner = self.lock();
        match refusal {
            Some(refusal) => inner
                .refusals
                .insert(provider, (refusal, SystemTime::now())),
            None => inner.refusals.remove(&provider),
        };
    }

    /// How `provider` refuses refresh-token grants, and since when, if it does.
    pub fn refresh_refusal(&self, provider: Provider) -> Option<(RefreshRefusal, SystemTime)> {
        self.lock().refusals.get(&provider).copied()
    }

    /// Remembers access token `token` of `grant`.
    pub fn insert_access(&self, token: String, grant: Grant) {
        let entry = AccessEntry {
            grant,
            expires: Instant::now() + ACCESS_LIFETIME,
        };
        self.lock().access.insert(token, entry);
    }

    /// The grant behind access token `token`, if `provider` issued it and it is still valid.
    pub fn check_access(&self, provider: Provider, token: &str) -> Result<Grant, AccessProblem> {
        let inner = self.lock();
        let entry = inner
            .access
            .get(token)
            .filter(|e| e.grant.provider == provider)
            .ok_or(AccessProblem::Unknown)?;
        if Instant::now() >= entry.expires {
            return Err(AccessProblem::Expired);
        }
        Ok(entry.grant.clone())
    }

    /// Revokes every refresh token of `provider`, and with `access_too` its access tokens.
    pub fn revoke(&self, provider: Provider, access_too: bool) {
        let now = SystemTime::now();
        let mut inner = self.lock();
        for entry in inner.refresh.values_mut() {
            if entry.grant.provider == provider {
                entry.status = RefreshStatus::Revoked(now);
            }
        }
        if access_too {
            inner.access.retain(|_, e| e.grant.provider != provider);
        }
    }

    /// Makes every access token of `provider` issued so far expired.
    pub fn expire_access_tokens(&self, provider: Provider) {
        let now = Instant::now();
        for entry in self.lock().access.values_mut() {
            if entry.grant.provider == provider {
                entry.expires = now;
            }
        }
    }

    /// Makes every authorization code issued so far expired, as if ten minutes had passed.
    #[cfg(test)]
    pub fn expire_codes(&self) {
        let now = Instant::now();
        for entry in self.lock().codes.values_mut() {
            entry.expires = now;
        }
    }
}
