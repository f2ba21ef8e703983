//! Shared set-up of the integration tests: the component, compiled once per test binary, and a
//! fresh sandbox with a harness routed to it for each test.

#![allow(dead_code)] // each test binary uses a different part of this module

use email_harness::CallError;
use email_harness::sandbox::{ClientApp, Provider as SandboxProvider, Sandbox, SandboxConfig};
use email_harness::types::{
    Account, App, AppConfig, AuthOptions, Error, PendingAuth, Provider, SyncPage, SyncRequest,
    UnknownOutcome,
};
use email_harness::{Harness, HttpPolicy, Runtime};
use std::io::{Read, Write};
use std::sync::OnceLock;

/// The component, loaded once.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let path = Runtime::locate().expect("the component is built (./build.sh test builds it)");
        Runtime::load(&path).expect("the component loads")
    })
}

/// A running sandbox and a harness whose provider traffic goes to it.
pub struct World {
    /// The sandbox providers.
    pub sandbox: Sandbox,
    /// The component under the sandbox policy.
    pub harness: Harness,
    /// The sandbox's registered apps.
    pub config: SandboxConfig,
}

impl World {
    /// A fresh sandbox with its default apps and users.
    pub fn new() -> Self {
        let config = SandboxConfig::default();
        let sandbox = Sandbox::start(config.clone()).expect("the sandbox starts");
        let harness = runtime().harness(HttpPolicy::sandbox(&sandbox.base_url()).unwrap());
        Self {
            sandbox,
            harness,
            config,
        }
    }

    /// The app registered with the sandbox for `kind`.
    pub fn registered(&self, kind: Provider) -> &ClientApp {
        match kind {
            Provider::Google => &self.config.google_clients[0],
            Provider::Microsoft => &self.config.microsoft_clients[0],
        }
    }

    /// The app config an admin would enter for the sandbox's app.
    pub fn app_config(&self, kind: Provider) -> AppConfig {
        email_harness::sandboxed::app_config(&self.config, kind)
    }

    /// `configure-app` for the sandbox's app.
    pub fn app(&self, kind: Provider) -> App {
        self.harness
            .configure_app(&self.app_config(kind))
            .expect("the sandbox app configures")
    }

    /// `begin-auth`, then consent in the sandbox: the pending record and the callback URL.
    pub fn authorize(&self, app: &App) -> (PendingAuth, String) {
        let pending = self
            .harness
            .begin_auth(app, &AuthOptions { login_hint: None })
            .expect("begin-auth");
        let callback = self
            .sandbox
            .consent(&pending.authorization_url)
            .expect("the sandbox consents");
        (pending, callback)
    }

    /// Every page from `cursor` (a first sync when absent) until `more` is unset, 200 a page.
    pub fn sync_pages(
        &self,
        app: &App,
        account: &Account,
        cursor: Option<String>,
    ) -> Vec<SyncPage> {
        let mut request = SyncRequest {
            cursor,
            folders: vec![],
            newer_than: None,
            max_messages: None,
            page_size: Some(200),
            time_budget_seconds: None,
        };
        let mut pages = Vec::new();
        loop {
            let page = self.harness.sync(app, account, &request).expect("sync");
            request.cursor = Some(page.cursor.clone());
            let more = page.more;
            pages.push(page);
            if !more {
                return pages;
            }
        }
    }

    /// The whole connect flow.
    pub fn connect(&self, kind: Provider) -> (App, Account) {
        email_harness::sandboxed::connect(&self.harness, &self.sandbox, &self.config, kind)
            .expect("connect")
    }

    /// The ids of the drafts in `kind`'s mailbox (Graph: immutable ids).
    pub fn drafts(&self, kind: Provider) -> Vec<String> {
        let provider = sandbox_kind(kind);
        self.sandbox
            .message_ids(provider)
            .into_iter()
            .filter(|id| {
                self.sandbox
                    .state_of(provider, id)
                    .is_some_and(|state| state.draft)
            })
            .collect()
    }

    /// Plays a client of the sandbox's API, as the component would: sends `method` `path` to
    /// `host` with `bearer` and, when given, a body of `content_type`, over loopback HTTP/1.1.
    pub fn call(
        &self,
        method: &str,
        host: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> Answer {
        let authorization = bearer.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        self.call_with(method, host, path, &headers, body)
    }

    /// [`World::call`] with `headers` of its own (and no bearer unless among them).
    pub fn call_with(
        &self,
        method: &str,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Answer {
        let base = url::Url::parse(&self.sandbox.base_url()).unwrap();
        let address = (base.host_str().unwrap(), base.port().unwrap());
        let mut stream = std::net::TcpStream::connect(address).expect("the sandbox listens");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let (content_type, bytes) = body.unwrap_or(("", b""));
        if body.is_some() {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(bytes).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("the sandbox answers");
        Answer::read(&raw)
    }
}

/// An HTTP answer [`World::call`] read.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body, any chunked transfer coding undone.
    pub body: Vec<u8>,
}

impl Answer {
    /// Reads a whole HTTP/1.1 answer.
    fn read(raw: &[u8]) -> Self {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a whole header block");
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
        if chunked {
            body = unchunk(&body);
        }
        Self {
            status,
            headers,
            body,
        }
    }

    /// The value of header `name` (lower case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A body with its chunked transfer coding undone.
fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(line) = rest.windows(2).position(|w| w == b"\r\n") else {
            return body;
        };
        let size = std::str::from_utf8(&rest[..line])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            return body;
        }
        let start = line + 2;
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
}

/// The sandbox's name of `kind`.
pub fn sandbox_kind(kind: Provider) -> SandboxProvider {
    match kind {
        Provider::Google => SandboxProvider::Google,
        Provider::Microsoft => SandboxProvider::Microsoft,
    }
}

/// The outcome-unknown error of a failed call, or a panic naming what came instead.
pub fn outcome_unknown<T: std::fmt::Debug>(result: Result<T, CallError>) -> UnknownOutcome {
    match result {
        Err(CallError::Component {
            error: Error::OutcomeUnknown(unknown),
            ..
        }) => unknown,
        other => panic!("expected an outcome unknown, got {other:?}"),
    }
}

/// Both providers, for tests that run for each.
pub const KINDS: [Provider; 2] = [Provider::Google, Provider::Microsoft];

/// The `code` parameter of a callback URL.
pub fn code_of(callback: &str) -> String {
    url::Url::parse(callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("the callback carries a code")
}
