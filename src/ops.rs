//! The exported operations, written against [`HttpClient`] so that they run the same in the
//! component (over `wasi:http`) and in native unit tests (over a scripted client).

use crate::net::{self, HttpClient};
use crate::oauth::{self, Grant, Tokens};
use crate::profile;
use crate::provider::{self, MailProvider};
use crate::session::{self, Session};
use crate::types::{
    Account, App, AttachmentData, AttachmentRequest, AuthOptions, Done, FetchedMessage, FolderList,
    ModifyOutcome, ModifyRequest, ModifyResult, Outgoing, PendingAuth, SavedDraft, SendAsList,
    Sent, SyncPage, SyncRequest, Thread,
};
use crate::{Error, Failure, compose, config, manage};

/// What an operation may use of the outside world: the time and an HTTP client.
pub struct Env<C: HttpClient> {
    /// Now, in seconds since the Unix epoch.
    pub now: u64,
    /// Sends the operation's requests.
    pub http: C,
}

/// `begin-auth`: the authorization URL and the pending record.
pub fn begin_auth(
    app: &App,
    options: &AuthOptions,
    now: u64,
    entropy: &[u8],
) -> Result<PendingAuth, Error> {
    config::check(app)?;
    oauth::begin(&profile::of(app.provider).oauth, app, options, now, entropy)
}

/// `complete-auth`: checks the callback, redeems the code, reads the mailbox identity.
pub fn complete_auth<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    pending: &PendingAuth,
    callback_url: &str,
) -> Result<Account, Error> {
    let mut secrets = vec![app.client_secret.as_str(), pending.code_verifier.as_str()];
    let result = (|| -> Result<Account, Error> {
        config::check(app)?;
        let code = oauth::read_callback(app, pending, callback_url, env.now)?;
        let request = oauth::code_request(&profile::of(app.provider).oauth, app, pending, &code);
        let tokens = request
            .and_then(|r| Ok(env.http.send(r)?))
            .and_then(|response| {
                oauth::parse_token_response(&response, Grant::AuthorizationCode, env.now)
            })
            .map_err(|e| e.scrub(&[&code]))?;
        let identity = identify(env, app, &tokens).map_err(|e| e.scrub(&[&tokens.access_token]))?;
        let mut account = Account {
            provider: app.provider,
            email: identity.email,
            display_name: identity.display_name.or(tokens.name),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            scopes: tokens.scopes.unwrap_or_else(|| app.scopes.clone()),
        };
        if account.display_name.is_none() {
            account.display_name = primary_name(&mut env.http, app, &account, env.now);
        }
        Ok(account)
    })();
    let codes = callback_secrets(callback_url);
    secrets.extend(codes.iter().map(String::as_str));
    result.map_err(|e| e.scrub(&secrets))
}

/// The authorization code of a callback URL, as sent and as decoded: never to be echoed.
fn callback_secrets(callback_url: &str) -> Vec<String> {
    let raw = callback_url
        .split(['?', '&', '#'])
        .filter_map(|pair| pair.strip_prefix("code="))
        .map(str::to_owned);
    let decoded = url::Url::parse(callback_url.trim())
        .map(|url| {
            url.query_pairs()
                .filter(|(name, _)| name == "code")
                .map(|(_, value)| value.into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    raw.chain(decoded).collect()
}

/// Reads who the mailbox is, with the fresh access token.
fn identify<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    tokens: &Tokens,
) -> Result<provider::Identity, Error> {
    let provider = provider::of(app.provider);
    let request = net::authorize(
        net::json_get(provider.identity_url())?,
        &tokens.access_token,
        profile::of(app.provider).limits.api_hosts,
    )?;
    let response = env.http.send(request)?;
    if !response.status().is_success() {
        return Err(session::api_error(provider, &response));
    }
    provider.parse_identity(&response)
}

/// The display name of the account's primary send-as address (Gmail's `sendAs` list names it,
/// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.settings.sendAs),
/// for an account whose identity came without a name; none when the provider keeps no such
/// list (Outlook) or the list cannot be read: the name is a nicety, the connection stands.
fn primary_name(
    http: &mut dyn HttpClient,
    app: &App,
    account: &Account,
    now: u64,
) -> Option<String> {
    let provider = provider::of(app.provider);
    let mut session = Session::new(http, provider, app, account.clone(), now);
    let addresses = provider.send_as(&mut session).ok()?;
    addresses.into_iter().find(|a| a.primary)?.display_name
}

/// `refresh`: the refresh grant. Keeps the old refresh token when none comes back (Google) and
/// stores a rotated one (Microsoft).
pub fn refresh<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
) -> Result<Account, Error> {
    session::refresh_account(&mut env.http, app, account, env.now)
}

/// `sync`: one page of mailbox changes (see [`crate::sync`]).
pub fn sync<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    request: &SyncRequest,
) -> Result<SyncPage, Failure> {
    config::check(app)?;
    config::check_account(app, account)?;
    crate::sync::run(&mut env.http, app, account, request, env.now)
}

/// `send`: checks every input before any request, then sends through the provider. `entropy`
/// makes the Message-ID unique.
pub fn send<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    message: &Outgoing,
    entropy: &[u8],
) -> Result<Sent, Failure> {
    let limits = &profile::of(app.provider).limits.send;
    compose::check::outgoing(message, limits)?;
    call(env, app, account, |p, s| p.send(s, message, entropy))
        .map(|(sent, account)| Sent { account, ..sent })
}

/// `list-send-as`: the addresses the account may send as.
pub fn list_send_as<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
) -> Result<SendAsList, Failure> {
    call(env, app, account, |p, s| p.send_as(s))
        .map(|(addresses, account)| SendAsList { addresses, account })
}

/// `list-folders`: every label or folder.
pub fn list_folders<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
) -> Result<FolderList, Failure> {
    call(env, app, account, |p, s| p.list_folders(s))
        .map(|(folders, account)| FolderList { folders, account })
}

/// `get-message`: one message in full.
pub fn get_message<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    id: &str,
) -> Result<FetchedMessage, Failure> {
    non_empty("id", id)?;
    call(env, app, account, |p, s| p.get_message(s, id))
        .map(|(message, account)| FetchedMessage { message, account })
}

/// `get-thread`: a thread's messages, oldest first.
pub fn get_thread<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    id: &str,
) -> Result<Thread, Failure> {
    non_empty("thread-id", id)?;
    call(env, app, account, |p, s| p.get_thread(s, id)).map(|(mut messages, account)| {
        manage::oldest_first(&mut messages);
        Thread {
            id: id.to_owned(),
            messages,
            account,
        }
    })
}

/// `get-attachment`: one attachment's bytes, within `request.max_bytes`.
pub fn get_attachment<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    request: &AttachmentRequest,
) -> Result<AttachmentData, Failure> {
    non_empty("message-id", &request.message_id)?;
    non_empty("attachment-id", &request.attachment_id)?;
    call(env, app, account, |p, s| {
        p.get_attachment(
            s,
            &request.message_id,
            &request.attachment_id,
            request.max_bytes,
        )
    })
    .map(|(data, account)| AttachmentData { account, ..data })
}

/// `modify`: one outcome per id, in the order asked.
pub fn modify<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    request: &ModifyRequest,
) -> Result<ModifyResult, Failure> {
    for (i, id) in request.ids.iter().enumerate() {
        non_empty(&format!("ids[{i}]"), id)?;
    }
    call(env, app, account, |p, s| {
        p.modify(s, &request.ids, &request.action)
    })
    .map(|(results, account)| ModifyResult {
        outcomes: request
            .ids
            .iter()
            .zip(results)
            .map(|(id, result)| ModifyOutcome {
                id: id.clone(),
                outcome: result.map_err(Into::into),
            })
            .collect(),
        account,
    })
}

/// `save-draft`: a new draft, or draft `id` replaced.
pub fn save_draft<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    id: Option<&str>,
    message: &Outgoing,
    entropy: &[u8],
) -> Result<SavedDraft, Failure> {
    if let Some(id) = id {
        non_empty("draft-id", id)?;
    }
    let limits = &profile::of(app.provider).limits.send;
    compose::check::draft(message, limits)?;
    call(env, app, account, |p, s| {
        p.save_draft(s, id, message, entropy)
    })
    .map(|(draft, account)| SavedDraft { account, ..draft })
}

/// `delete-draft`.
pub fn delete_draft<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    id: &str,
) -> Result<Done, Failure> {
    non_empty("draft-id", id)?;
    call(env, app, account, |p, s| p.delete_draft(s, id)).map(|((), account)| Done { account })
}

/// `send-draft`.
pub fn send_draft<C: HttpClient>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    id: &str,
) -> Result<Sent, Failure> {
    non_empty("draft-id", id)?;
    call(env, app, account, |p, s| p.send_draft(s, id))
        .map(|(sent, account)| Sent { account, ..sent })
}

/// Runs `operation` with the provider of `app` in a session for `account`, after checking
/// both; returns its result and the account when its tokens were refreshed.
fn call<C: HttpClient, T>(
    env: &mut Env<C>,
    app: &App,
    account: &Account,
    operation: impl FnOnce(&dyn MailProvider, &mut Session<'_>) -> Result<T, Error>,
) -> Result<(T, Option<Account>), Failure> {
    config::check(app)?;
    config::check_account(app, account)?;
    let provider = provider::of(app.provider);
    session::run(
        &mut env.http,
        provider,
        app,
        account,
        env.now,
        session::Pacing::default(),
        |session| operation(provider, session),
    )
    .map(|(value, account, _)| (value, account))
}

/// An id the host passes: not empty, no control characters (it goes into a URL path).
fn non_empty(field: &str, id: &str) -> Result<(), Error> {
    if id.trim().is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid(field, "contains a control character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Request, Response, TransportError};
    use crate::types::{AppConfig, AuthRejection, Provider};
    use std::collections::VecDeque;

    /// Answers requests from a script, and keeps what it was sent.
    #[derive(Default)]
    struct Script {
        answers: VecDeque<Result<Response, TransportError>>,
        sent: Vec<Request>,
    }

    impl Script {
        fn new(answers: Vec<(u16, &str)>) -> Self {
            Self {
                answers: answers
                    .into_iter()
                    .map(|(status, body)| {
                        Ok(http::Response::builder()
                            .status(status)
                            .body(body.as_bytes().to_vec())
                            .unwrap())
                    })
                    .collect(),
                sent: Vec::new(),
            }
        }
    }

    impl HttpClient for Script {
        fn send_all(
            &mut self,
            requests: Vec<Request>,
            _max_in_flight: usize,
        ) -> Vec<Result<Response, TransportError>> {
            requests
                .into_iter()
                .map(|r| {
                    self.sent.push(r);
                    self.answers
                        .pop_front()
                        .unwrap_or(Err(TransportError::Failed("script ran out".into())))
                })
                .collect()
        }
    }

    fn app(kind: Provider) -> App {
        config::configure(AppConfig {
            provider: kind,
            client_id: "client-1".into(),
            client_secret: "secret-value-1".into(),
            redirect_uri: "http://127.0.0.1:8765/cb".into(),
            tenant: None,
            scopes: None,
            limits: None,
        })
        .unwrap()
    }

    fn start(kind: Provider) -> (App, PendingAuth) {
        let s = app(kind);
        let pending = begin_auth(&s, &AuthOptions { login_hint: None }, 1000, &[7u8; 64]).unwrap();
        (s, pending)
    }

    fn callback(pending: &PendingAuth) -> String {
        format!(
            "http://127.0.0.1:8765/cb?code=code-value-123&state={}",
            pending.state
        )
    }

    #[test]
    fn google_connect() {
        let (s, pending) = start(Provider::Google);
        let mut env = Env {
            now: 1010,
            http: Script::new(vec![
                (
                    200,
                    r#"{"access_token":"ya29.access","expires_in":3599,"refresh_token":"1//refresh","scope":"openid email https://www.googleapis.com/auth/gmail.modify","token_type":"Bearer"}"#,
                ),
                (
                    200,
                    r#"{"emailAddress":"ann@example.com","messagesTotal":7,"threadsTotal":5,"historyId":"88035"}"#,
                ),
                (
                    200,
                    r#"{"sendAs":[{"sendAsEmail":"sales@example.com","displayName":"Sales","verificationStatus":"accepted"},{"sendAsEmail":"ann@example.com","displayName":"Ann Example","isPrimary":true,"isDefault":true}]}"#,
                ),
            ]),
        };
        let account = complete_auth(&mut env, &s, &pending, &callback(&pending)).unwrap();
        assert_eq!(account.email, "ann@example.com");
        assert_eq!(account.access_token, "ya29.access");
        assert_eq!(account.refresh_token.as_deref(), Some("1//refresh"));
        assert_eq!(account.expires_at, 1010 + 3599);
        assert_eq!(account.scopes.len(), 3);
        // No ID token, so no name: the primary send-as address's.
        assert_eq!(account.display_name.as_deref(), Some("Ann Example"));
        let [token, profile, send_as] = &env.http.sent[..] else {
            panic!()
        };
        assert_eq!(
            send_as.uri(),
            "https://gmail.googleapis.com/gmail/v1/users/me/settings/sendAs"
        );
        assert_eq!(token.uri(), "https://oauth2.googleapis.com/token");
        assert!(!token.headers().contains_key(http::header::AUTHORIZATION));
        assert_eq!(
            profile.uri(),
            "https://gmail.googleapis.com/gmail/v1/users/me/profile"
        );
        assert_eq!(
            profile.headers()[http::header::AUTHORIZATION],
            "Bearer ya29.access"
        );
    }

    #[test]
    fn a_name_missing_everywhere_leaves_the_account_connected() {
        let (s, pending) = start(Provider::Google);
        let mut env = Env {
            now: 1010,
            http: Script::new(vec![
                (
                    200,
                    r#"{"access_token":"ya29.access","expires_in":3599,"token_type":"Bearer"}"#,
                ),
                (200, r#"{"emailAddress":"ann@example.com"}"#),
                (
                    403,
                    r#"{"error":{"code":403,"message":"Insufficient Permission"}}"#,
                ),
            ]),
        };
        let account = complete_auth(&mut env, &s, &pending, &callback(&pending)).unwrap();
        assert_eq!(account.email, "ann@example.com");
        assert_eq!(account.display_name, None);
    }

    #[test]
    fn microsoft_refresh_rotates_and_google_keeps() {
        let s = app(Provider::Microsoft);
        let account = Account {
            provider: Provider::Microsoft,
            email: "adele@contoso.com".into(),
            display_name: Some("Adele".into()),
            access_token: "old-access".into(),
            refresh_token: Some("old-refresh".into()),
            expires_at: 5,
            scopes: vec!["Mail.Read".into()],
        };
        let mut env = Env {
            now: 2000,
            http: Script::new(vec![(
                200,
                r#"{"access_token":"new-access","expires_in":3600,"refresh_token":"new-refresh","token_type":"Bearer"}"#,
            )]),
        };
        let fresh = refresh(&mut env, &s, &account).unwrap();
        assert_eq!(
            (fresh.access_token.as_str(), fresh.refresh_token.as_deref()),
            ("new-access", Some("new-refresh"))
        );
        assert_eq!(fresh.expires_at, 5600);
        assert_eq!(fresh.scopes, account.scopes);
        assert_eq!(fresh.email, account.email);

        let g = app(Provider::Google);
        let account = Account {
            provider: Provider::Google,
            ..account
        };
        let mut env = Env {
            now: 2000,
            http: Script::new(vec![(
                200,
                r#"{"access_token":"new-access","expires_in":3600,"token_type":"Bearer"}"#,
            )]),
        };
        assert_eq!(
            refresh(&mut env, &g, &account)
                .unwrap()
                .refresh_token
                .as_deref(),
            Some("old-refresh")
        );
    }

    #[test]
    fn errors_never_carry_secrets() {
        let (s, pending) = start(Provider::Google);
        // A provider that echoes everything it was sent.
        let echo = format!(
            r#"{{"error":"invalid_client","error_description":"client_secret={} code=code-value-123 verifier={}"}}"#,
            s.client_secret, pending.code_verifier
        );
        let mut env = Env {
            now: 1010,
            http: Script::new(vec![(401, &echo)]),
        };
        let err = complete_auth(&mut env, &s, &pending, &callback(&pending)).unwrap_err();
        let text = format!("{err} {err:?}");
        for secret in [
            s.client_secret.as_str(),
            "code-value-123",
            pending.code_verifier.as_str(),
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn refused_callbacks_send_nothing() {
        let (s, pending) = start(Provider::Microsoft);
        let mut env = Env {
            now: 1010,
            http: Script::default(),
        };
        let err = complete_auth(
            &mut env,
            &s,
            &pending,
            "http://127.0.0.1:8765/cb?code=abc&state=forged",
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::AuthRejected {
                reason: AuthRejection::StateMismatch,
                ..
            }
        ));
        assert!(env.http.sent.is_empty());
    }

    #[test]
    fn refresh_without_a_refresh_token_needs_reauthorization() {
        let s = app(Provider::Google);
        let account = Account {
            provider: Provider::Google,
            email: "a@b.c".into(),
            display_name: None,
            access_token: "x".into(),
            refresh_token: None,
            expires_at: 0,
            scopes: vec![],
        };
        let mut env = Env {
            now: 0,
            http: Script::default(),
        };
        assert!(matches!(
            refresh(&mut env, &s, &account),
            Err(Error::ReauthorizationRequired { .. })
        ));
        let wrong_kind = Account {
            provider: Provider::Microsoft,
            ..account
        };
        assert!(
            matches!(refresh(&mut env, &s, &wrong_kind), Err(Error::InvalidInput { field, .. }) if field == "account.provider")
        );
    }
}
