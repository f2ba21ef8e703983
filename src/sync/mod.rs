//! `sync`: one page of mailbox changes per call.
//!
//! The provider does the work ([`crate::provider::MailProvider::sync_page`]); this module
//! wraps its state in the opaque, versioned [`cursor`], and assembles the page with the
//! refreshed account. A page's cursor never moves past what the page holds: the host stores
//! the page and its cursor together, and a call resumed from any stored cursor yields every
//! message that came after it, none twice.

pub mod cursor;

use crate::Failure;
use crate::net::HttpClient;
use crate::pace::Ledger;
use crate::page::Step;
use crate::provider;
use crate::session;
use crate::types::{Account, App, SyncPage, SyncRequest};

/// Runs one sync step for `account` and assembles the page.
pub fn run(
    http: &mut dyn HttpClient,
    app: &App,
    account: &Account,
    request: &SyncRequest,
    now: u64,
) -> Result<SyncPage, Failure> {
    let (state, ledger) = match request.cursor.as_deref() {
        Some(cursor) => {
            let (state, ledger) = cursor::decode(cursor, app.provider)?;
            (Some(state), ledger)
        }
        None => (None, Ledger::default()),
    };
    let pacing = session::Pacing {
        ledger,
        budget_ms: request.time_budget_seconds.map(|s| u64::from(s) * 1_000),
    };
    let provider = provider::of(app.provider);
    let (mut step, account, spent) =
        session::run(http, provider, app, account, now, pacing, |session| {
            provider.sync_page(session, request, state)
        })?;
    tidy(&mut step);
    // A cursor that cannot be written fails the call, with the refreshed account all the same.
    let cursor = cursor::encode(&step.state, &spent.ledger).map_err(|error| Failure {
        error,
        account: account.clone().map(Box::new),
    })?;
    Ok(SyncPage {
        messages: step.messages,
        deleted: step.deleted,
        changes: step.changes,
        cursor,
        more: step.more,
        dropped_folders: step.dropped_folders,
        full_resync: step.full_resync,
        reset: step.reset,
        account,
        warnings: step.warnings,
        stats: spent.stats,
    })
}

/// One entry per message id: a message that is in the page is not also deleted or changed,
/// and ids are not repeated.
fn tidy<S>(step: &mut Step<S>) {
    let mut seen = std::collections::HashSet::new();
    step.messages.retain(|m| seen.insert(m.id.clone()));
    step.deleted.retain(|id| !seen.contains(id));
    step.deleted.sort();
    step.deleted.dedup();
    step.changes
        .retain(|c| !seen.contains(&c.id) && !step.deleted.contains(&c.id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Request, Response, TransportError};
    use crate::provider::google::{get_profile, history_list, messages_get, messages_list};
    use crate::types::{AppConfig, Provider};

    /// Answers each request with a closure of it, and keeps the calls made.
    struct Fake<F: FnMut(&Request) -> (u16, String)> {
        answer: F,
        sent: Vec<Called>,
    }

    impl<F: FnMut(&Request) -> (u16, String)> HttpClient for Fake<F> {
        fn send_all(
            &mut self,
            requests: Vec<Request>,
            _max: usize,
        ) -> Vec<Result<Response, TransportError>> {
            requests
                .into_iter()
                .map(|r| {
                    self.sent.push(called(&r));
                    if r.uri().path() == "/batch/gmail/v1" {
                        return Ok(self.batch(&r));
                    }
                    let (status, body) = (self.answer)(&r);
                    Ok(http::Response::builder()
                        .status(status)
                        .body(body.into_bytes())
                        .unwrap())
                })
                .collect()
        }
    }

    impl<F: FnMut(&Request) -> (u16, String)> Fake<F> {
        /// Answers each call of a Gmail batch with the closure, as one multipart answer.
        fn batch(&mut self, batch: &Request) -> Response {
            let body = String::from_utf8_lossy(batch.body()).into_owned();
            let mut answer = String::new();
            for (n, line) in body.lines().filter(|l| l.starts_with("GET ")).enumerate() {
                let path = line.split_whitespace().nth(1).unwrap();
                let call = http::Request::builder()
                    .uri(format!("https://gmail.googleapis.com{path}"))
                    .body(Vec::new())
                    .unwrap();
                self.sent.push(called(&call));
                let (status, json) = (self.answer)(&call);
                answer.push_str(&format!(
                    "--b\r\nContent-Type: application/http\r\nContent-ID: <response-{n}>\r\n\r\nHTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\r\n{json}\r\n"
                ));
            }
            answer.push_str("--b--\r\n");
            http::Response::builder()
                .status(200)
                .header("content-type", "multipart/mixed; boundary=b")
                .body(answer.into_bytes())
                .unwrap()
        }
    }

    /// The call a request makes, as the endpoint modules recognize it: what the fakes answer by.
    #[derive(Debug)]
    enum Called {
        /// Google's token endpoint.
        Token,
        /// `users.getProfile`.
        Profile,
        /// `users.messages.list`.
        List(messages_list::Query),
        /// `users.messages.get` of a message.
        Get(String),
        /// `users.history.list`.
        History(history_list::Query),
        /// Anything else.
        Other,
    }

    fn called(r: &Request) -> Called {
        if r.uri() == crate::profile::GOOGLE.oauth.token_url {
            Called::Token
        } else if get_profile::recognize(r) {
            Called::Profile
        } else if let Some(query) = messages_list::recognize(r) {
            Called::List(query)
        } else if let Some((id, _)) = messages_get::recognize(r) {
            Called::Get(id)
        } else if let Some(query) = history_list::recognize(r) {
            Called::History(query)
        } else {
            Called::Other
        }
    }

    fn google() -> (App, Account) {
        let app = crate::config::configure(AppConfig {
            provider: Provider::Google,
            client_id: "id".into(),
            client_secret: "secret-xyz".into(),
            redirect_uri: "https://app.example.com/cb".into(),
            tenant: None,
            scopes: None,
            limits: None,
        })
        .unwrap();
        let account = Account {
            provider: Provider::Google,
            email: "ann@example.com".into(),
            display_name: None,
            access_token: "old-token".into(),
            refresh_token: Some("refresh-token".into()),
            expires_at: 10_000,
            scopes: vec![],
        };
        (app, account)
    }

    fn message(id: &str) -> String {
        format!(
            r#"{{"id":"{id}","threadId":"t","labelIds":["INBOX"],"payload":{{"mimeType":"text/plain","headers":[{{"name":"Subject","value":"s {id}"}}],"body":{{"size":2,"data":"aGk"}}}}}}"#
        )
    }

    fn request(cursor: Option<String>) -> SyncRequest {
        SyncRequest {
            cursor,
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(2),
            time_budget_seconds: None,
        }
    }

    #[test]
    fn gmail_first_sync_pages_then_history_and_recovers_from_expiry() {
        let (app, account) = google();
        let mut fake = Fake {
            sent: vec![],
            answer: |r: &Request| {
                match called(r) {
                Called::Profile => (
                    200,
                    r#"{"emailAddress":"ann@example.com","historyId":"100"}"#.into(),
                ),
                Called::List(query) if query.page_token.as_deref() == Some("p2") => {
                    (200, r#"{"messages":[{"id":"m3","threadId":"t"}]}"#.into())
                }
                Called::List(_) => (200, r#"{"messages":[{"id":"m1","threadId":"t"},{"id":"m2","threadId":"t"}],"nextPageToken":"p2"}"#.into()),
                Called::Get(id) => (200, message(&id)),
                Called::History(query) if query.start == "100" => (200, r#"{"history":[{"id":"101","messagesAdded":[{"message":{"id":"m4","threadId":"t","labelIds":["INBOX"]}}]},{"id":"102","messagesDeleted":[{"message":{"id":"m1","threadId":"t"}}]}],"historyId":"102"}"#.into()),
                _ => (404, r#"{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"reason":"notFound"}]}}"#.into()),
            }
            },
        };
        let first = run(&mut fake, &app, &account, &request(None), 0).unwrap();
        assert_eq!(
            first
                .messages
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            ["m1", "m2"]
        );
        assert_eq!(first.messages[0].subject.as_deref(), Some("s m1"));
        assert!(first.more && first.account.is_none());
        assert!(
            matches!(fake.sent[0], Called::Profile),
            "the history id is taken first"
        );
        let second = run(&mut fake, &app, &account, &request(Some(first.cursor)), 0).unwrap();
        assert_eq!(second.messages.len(), 1);
        assert!(!second.more);
        let third = run(
            &mut fake,
            &app,
            &account,
            &request(Some(second.cursor.clone())),
            0,
        )
        .unwrap();
        assert_eq!(
            third
                .messages
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            ["m4"]
        );
        assert_eq!(third.deleted, ["m1"]);
        // The history id moved to 102, which this fake does not know: a bounded resync begins.
        let fourth = run(&mut fake, &app, &account, &request(Some(third.cursor)), 0).unwrap();
        assert!(fourth.full_resync.is_some());
        assert_eq!(fourth.messages.len(), 2);
        // Resuming from an older stored cursor gives the same page again.
        let again = run(&mut fake, &app, &account, &request(Some(second.cursor)), 0).unwrap();
        assert_eq!(
            again
                .messages
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            ["m4"]
        );
    }

    #[test]
    fn a_401_refreshes_once_and_the_page_carries_the_new_account() {
        let (app, account) = google();
        let mut fake = Fake {
            sent: vec![],
            answer: |r: &Request| {
                let bearer = r
                    .headers()
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                match called(r) {
                    Called::Token => (
                        200,
                        r#"{"access_token":"new-token","expires_in":3600,"token_type":"Bearer"}"#
                            .into(),
                    ),
                    _ if bearer.as_deref() != Some("Bearer new-token") => {
                        (401, r#"{"error":{"code":401,"message":"Invalid Credentials","errors":[{"reason":"authError"}]}}"#.into())
                    }
                    Called::Profile => (200, r#"{"historyId":"7"}"#.into()),
                    Called::List(_) => (200, r#"{"resultSizeEstimate":0}"#.into()),
                    other => panic!("unexpected {other:?}"),
                }
            },
        };
        let page = run(&mut fake, &app, &account, &request(None), 0).unwrap();
        let refreshed = page.account.expect("the refreshed account comes back");
        assert_eq!(refreshed.access_token, "new-token");
        assert_eq!(refreshed.refresh_token.as_deref(), Some("refresh-token"));
        assert_eq!(
            fake.sent
                .iter()
                .filter(|c| matches!(c, Called::Token))
                .count(),
            1
        );

        // An expired token is refreshed before any API request.
        let mut expired = account.clone();
        expired.expires_at = 0;
        fake.sent.clear();
        let page = run(&mut fake, &app, &expired, &request(None), 100).unwrap();
        assert!(page.account.is_some());
        assert!(matches!(fake.sent[0], Called::Token));
    }
}
