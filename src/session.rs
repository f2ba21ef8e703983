//! An authorized session with a provider's mail API for the length of one call: it attaches
//! the account's token, keeps the provider's cap on requests in flight, and refreshes the token
//! once when it has expired (ahead of time, or on a 401), so that the call can finish and hand
//! the refreshed account back to the host.

use crate::net::{self, HttpClient, Request, Response, TransportError};
use crate::provider::{self, MailProvider};
use crate::types::{Account, Provider};
use crate::{Error, Failure, ops};
use serde::de::DeserializeOwned;

/// Refresh ahead of time when the access token has less than this left.
const EXPIRY_MARGIN_SECONDS: u64 = 60;

/// One call's authorized access to a mailbox.
pub struct Session<'a> {
    http: &'a mut dyn HttpClient,
    provider: &'static dyn MailProvider,
    setting: &'a Provider,
    account: Account,
    refreshed: bool,
    now: u64,
}

impl<'a> Session<'a> {
    /// A session for `account` at `now`.
    pub fn new(
        http: &'a mut dyn HttpClient,
        setting: &'a Provider,
        account: Account,
        now: u64,
    ) -> Self {
        Self {
            http,
            provider: provider::for_kind(setting.kind),
            setting,
            account,
            refreshed: false,
            now,
        }
    }

    /// The provider this session talks to.
    pub fn provider(&self) -> &'static dyn MailProvider {
        self.provider
    }

    /// Now, in seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The account as it stands (its tokens may have been refreshed during the call).
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The account with its current tokens, and whether they were refreshed during the call.
    pub fn into_account(self) -> (Account, bool) {
        (self.account, self.refreshed)
    }

    /// The secrets this session holds, for scrubbing errors.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![
            self.setting.client_secret.clone(),
            self.account.access_token.clone(),
        ];
        secrets.extend(self.account.refresh_token.clone());
        secrets
    }

    /// Sends `requests` with the account's token, at most the provider's cap in flight, and
    /// returns every response (successful or not). A 401 refreshes the token once per call and
    /// sends the refused requests again; a 401 after that stays in the responses (it is a
    /// passing fault: the grant was just accepted).
    pub fn send_all(&mut self, requests: Vec<Request>) -> Result<Vec<Response>, Error> {
        self.exchange(requests)?
            .into_iter()
            .map(|r| r.map_err(Error::from))
            .collect()
    }

    /// [`Session::send_all`], keeping each request's transport failure apart.
    fn exchange(
        &mut self,
        requests: Vec<Request>,
    ) -> Result<Vec<Result<Response, TransportError>>, Error> {
        if self.account.expires_at <= self.now.saturating_add(EXPIRY_MARGIN_SECONDS) {
            self.refresh()?;
        }
        let originals: Vec<Request> = requests.iter().map(net::clone_request).collect();
        let mut responses = self.send_authorized(requests)?;
        let refused: Vec<usize> = responses
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.as_ref()
                    .is_ok_and(|r| r.status() == http::StatusCode::UNAUTHORIZED)
            })
            .map(|(i, _)| i)
            .collect();
        if refused.is_empty() || self.refreshed {
            return Ok(responses);
        }
        self.refresh()?;
        let again: Vec<Request> = refused
            .iter()
            .map(|&i| net::clone_request(&originals[i]))
            .collect();
        for (slot, response) in refused.into_iter().zip(self.send_authorized(again)?) {
            responses[slot] = response;
        }
        Ok(responses)
    }

    /// Sends a request that sends mail, and returns its successful answer. It is never sent
    /// twice by the component: a request that got no answer, or an answer of the 5xx family
    /// (a gateway or the service failing midway), may have been applied, so it is
    /// [`Error::OutcomeUnknown`] with `sent`'s ids for the host to check the sent mail with.
    /// A 401 is not applied by the provider, so the request goes again after a refresh.
    pub fn send_mail(&mut self, request: Request, sent: Sending) -> Result<Response, Error> {
        let outcome = self
            .exchange(vec![request])?
            .pop()
            .ok_or_else(|| Error::Transport("no response".to_owned()))?;
        let unknown = |why: String| Error::OutcomeUnknown {
            message_id: sent.message_id.clone(),
            draft_id: sent.draft_id.clone(),
            message: format!(
                "{why}; the mail may have been sent: check the sent mail before sending it again"
            ),
        };
        match outcome {
            Err(TransportError::Failed(why)) => Err(unknown(format!(
                "the answer was lost in transit or could not be read ({why})"
            ))),
            Err(denied @ TransportError::Denied(_)) => Err(denied.into()),
            Ok(response) if response.status().is_server_error() => Err(unknown(format!(
                "the provider answered HTTP {}",
                response.status().as_u16()
            ))),
            Ok(response) => check(response),
        }
    }

    /// Sends one request; any unsuccessful answer becomes an [`Error`].
    pub fn send(&mut self, request: Request) -> Result<Response, Error> {
        let response = self
            .send_all(vec![request])?
            .pop()
            .ok_or_else(|| Error::Transport("no response".to_owned()))?;
        check(response)
    }

    /// GETs `url` and parses its JSON answer.
    pub fn get_json<T: DeserializeOwned>(&mut self, url: &str, what: &str) -> Result<T, Error> {
        let response = self.send(net::json_get(url)?)?;
        net::parse_json(&response, what)
    }

    /// Sends `request` to a pre-authenticated URL the provider handed out (an upload session),
    /// only over HTTPS to one of `hosts`, and never with the account's token. Errors name the
    /// host only: the URL's query is a credential.
    pub fn send_presigned(&mut self, request: Request, hosts: &[&str]) -> Result<Response, Error> {
        net::check_destination(&request, hosts, "an upload")?;
        let query = request.uri().query().unwrap_or_default().to_owned();
        let scrub = |e: Error| e.scrub(&[&query]);
        let response = self.http.send(request).map_err(|e| scrub(e.into()))?;
        check(response).map_err(scrub)
    }

    /// Sends `requests` with the account's token; each response's wait, if it asks for one, is
    /// settled into seconds.
    fn send_authorized(
        &mut self,
        requests: Vec<Request>,
    ) -> Result<Vec<Result<Response, TransportError>>, Error> {
        let hosts = self.provider.api_hosts();
        let authorized = requests
            .into_iter()
            .map(|r| net::authorize(r, &self.account.access_token, hosts))
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.now;
        Ok(self
            .http
            .send_all(authorized, self.provider.max_in_flight())
            .into_iter()
            .map(|r| {
                r.map(|mut response| {
                    net::settle_retry_after(&mut response, now);
                    response
                })
            })
            .collect())
    }

    fn refresh(&mut self) -> Result<(), Error> {
        self.account = ops::refresh_account(self.http, self.setting, &self.account, self.now)?;
        self.refreshed = true;
        Ok(())
    }
}

/// What identifies a message being sent, for [`Session::send_mail`]'s outcome-unknown error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sending {
    /// The Message-ID header, without angle brackets.
    pub message_id: Option<String>,
    /// The draft being sent: Outlook's draft (immutable id), or the Gmail draft of
    /// `drafts.send`.
    pub draft_id: Option<String>,
}

/// Runs `call` in a session for `account`: its result, with the account when the tokens were
/// refreshed during the call (the host must store it), or the failure, with that account too.
/// Every error is scrubbed of the secrets the session held, the old tokens and the new.
pub fn run<T>(
    http: &mut dyn HttpClient,
    setting: &Provider,
    account: &Account,
    now: u64,
    call: impl FnOnce(&mut Session<'_>) -> Result<T, Error>,
) -> Result<(T, Option<Account>), Failure> {
    let mut session = Session::new(http, setting, account.clone(), now);
    let result = call(&mut session);
    let mut secrets = session.secrets();
    let (account, refreshed) = session.into_account();
    secrets.extend(account.refresh_token.clone());
    secrets.push(account.access_token.clone());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let account = refreshed.then_some(account);
    match result {
        Ok(value) => Ok((value, account)),
        Err(error) => Err(Failure {
            error: error.scrub(&secrets),
            account: account.map(Box::new),
        }),
    }
}

/// A successful response, or the provider's error.
pub fn check(response: Response) -> Result<Response, Error> {
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(provider::api_error(&response))
    }
}
