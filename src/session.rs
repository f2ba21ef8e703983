//! An authorized session with a provider's mail API for the length of one call: it attaches
//! the account's token, keeps the provider's cap on requests in flight, and refreshes the token
//! once when it has expired (ahead of time, or on a 401), so that the call can finish and hand
//! the refreshed account back to the host.

use crate::net::{self, HttpClient, Request, Response};
use crate::provider::{self, MailProvider};
use crate::types::{Account, Provider};
use crate::{Error, ops};
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
    /// returns every response (successful or not). A 401 refreshes the token once and sends
    /// the refused requests again.
    pub fn send_all(&mut self, requests: Vec<Request>) -> Result<Vec<Response>, Error> {
        if self.account.expires_at <= self.now.saturating_add(EXPIRY_MARGIN_SECONDS) {
            self.refresh()?;
        }
        let originals: Vec<Request> = requests.iter().map(net::clone_request).collect();
        let mut responses = self.send_authorized(requests)?;
        let refused: Vec<usize> = responses
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status() == http::StatusCode::UNAUTHORIZED)
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

    fn send_authorized(&mut self, requests: Vec<Request>) -> Result<Vec<Response>, Error> {
        let hosts = self.provider.api_hosts();
        let authorized = requests
            .into_iter()
            .map(|r| net::authorize(r, &self.account.access_token, hosts))
            .collect::<Result<Vec<_>, _>>()?;
        self.http
            .send_all(authorized, self.provider.max_in_flight())
            .into_iter()
            .map(|r| r.map_err(Error::from))
            .collect()
    }

    fn refresh(&mut self) -> Result<(), Error> {
        self.account = ops::refresh_account(self.http, self.setting, &self.account, self.now)?;
        self.refreshed = true;
        Ok(())
    }
}

/// Runs `call` in a session for `account`: its result, with the account when the tokens were
/// refreshed during the call (the host must store it). Every error is scrubbed of the secrets
/// the session held, the old tokens and the new.
pub fn run<T>(
    http: &mut dyn HttpClient,
    setting: &Provider,
    account: &Account,
    now: u64,
    call: impl FnOnce(&mut Session<'_>) -> Result<T, Error>,
) -> Result<(T, Option<Account>), Error> {
    let mut session = Session::new(http, setting, account.clone(), now);
    let result = call(&mut session);
    let mut secrets = session.secrets();
    let (account, refreshed) = session.into_account();
    secrets.extend(account.refresh_token.clone());
    secrets.push(account.access_token.clone());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    match result {
        Ok(value) => Ok((value, refreshed.then_some(account))),
        Err(error) => Err(error.scrub(&secrets)),
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
