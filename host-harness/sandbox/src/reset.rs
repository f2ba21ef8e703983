//! What the mailboxes start with ([`Start`]), the way back to it ([`Controls::reset`]), and the
//! document that tells a host what the sandbox accepts ([`Info`]).

use serde::{Deserialize, Serialize};

use crate::config::Provider;
use crate::mailbox::MailboxSpec;
use crate::{Controls, Sandbox};

/// What the mailboxes hold at start, and again after each [`Controls::reset`]: for each
/// provider, the generated messages of a [`MailboxSpec`], then real messages given whole
/// (filed as delivered mail: Gmail `INBOX` and `UNREAD`, Outlook's inbox).
#[derive(Clone, Debug, Default)]
pub struct Start {
    /// The generated Gmail mailbox (none: empty).
    pub google: Option<MailboxSpec>,
    /// The generated Outlook mailbox (none: empty).
    pub microsoft: Option<MailboxSpec>,
    /// RFC 5322 messages added to both mailboxes after the generated ones, in order.
    pub raw: Vec<Vec<u8>>,
}

/// What a sandbox serves, for a host or a test to read: where, which OAuth apps it accepts and
/// who signs in. The apps' secrets are the sandbox's own, known to every test; they guard
/// nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// `http://127.0.0.1:PORT`, where every provider host is served.
    pub base_url: String,
    /// Google, then Microsoft.
    pub providers: Vec<ProviderInfo>,
}

/// One provider as the sandbox serves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// `google` or `microsoft`, as the control API's paths name it.
    pub provider: String,
    /// The OAuth app registrations it accepts.
    pub apps: Vec<AppInfo>,
    /// The address of the user who signs in.
    pub user: String,
    /// The user's display name.
    pub display_name: String,
    /// How many messages a sync sees now ([`Controls::message_ids`]).
    pub messages: usize,
}

/// An OAuth app registration the sandbox accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    /// The client id.
    pub client_id: String,
    /// The client secret (the sandbox's own).
    pub client_secret: String,
    /// The redirect URIs registered for it.
    pub redirect_uris: Vec<String>,
}

impl Controls {
    /// Fills the mailboxes as `start` says, now and again at each [`Controls::reset`].
    ///
    /// # Panics
    /// Never for well-formed input: raw messages are filed whatever their bytes.
    pub fn start_with(&self, start: Start) {
        *self
            .shared
            .start
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = start;
        self.refill();
    }

    /// Puts the sandbox back as it started: the mailboxes refilled from their [`Start`] (sync
    /// state starts afresh: earlier history IDs answer 404, delta links 410), no fault waiting
    /// or drawn and none counted, no latency, the documented limits with nothing spent, consent
    /// given, no refusal of refresh tokens, no message sent, no send-as alias, the request log
    /// empty. The codes and tokens already issued stay valid, so a connected host stays
    /// connected.
    pub fn reset(&self) {
        self.shared.traffic.reset();
        self.shared.store.reset();
        self.shared.sent.clear();
        self.shared.aliases.clear();
        self.refill();
    }

    /// Refills the mailboxes from the recorded [`Start`].
    fn refill(&self) {
        let start = self
            .shared
            .start
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for (provider, spec) in [
            (Provider::Google, start.google),
            (Provider::Microsoft, start.microsoft),
        ] {
            let spec = spec.unwrap_or(MailboxSpec {
                messages: 0,
                ..MailboxSpec::default()
            });
            self.seed_mailbox(provider, &spec);
            let filed: &[&str] = match provider {
                Provider::Google => &["INBOX", "UNREAD"],
                Provider::Microsoft => &["inbox"],
            };
            for raw in &start.raw {
                self.insert_raw(provider, raw, filed);
            }
        }
    }

    /// What the sandbox serves at `base_url`: its apps, users and mailbox sizes.
    pub fn info(&self, base_url: &str) -> Info {
        let config = &self.shared.config;
        let provider = |provider: Provider| {
            let (apps, user) = match provider {
                Provider::Google => (&config.google_clients, &config.google_user),
                Provider::Microsoft => (&config.microsoft_clients, &config.microsoft_user),
            };
            ProviderInfo {
                provider: provider.name().to_owned(),
                apps: apps
                    .iter()
                    .map(|app| AppInfo {
                        client_id: app.client_id.clone(),
                        client_secret: app.client_secret.clone(),
                        redirect_uris: app.redirect_uris.clone(),
                    })
                    .collect(),
                user: user.email.clone(),
                display_name: user.display_name.clone(),
                messages: self.message_ids(provider).len(),
            }
        };
        Info {
            base_url: base_url.to_owned(),
            providers: vec![provider(Provider::Google), provider(Provider::Microsoft)],
        }
    }
}

impl Sandbox {
    /// [`Controls::info`] at this sandbox's [`Sandbox::base_url`].
    pub fn describe(&self) -> Info {
        self.info(&self.base_url())
    }
}
