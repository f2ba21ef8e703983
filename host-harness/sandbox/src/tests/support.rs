//! Helpers shared by the end-to-end tests: requests to the sandbox and flow steps.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::{Provider, Sandbox, SandboxConfig, mint};

/// The redirect URI of the default clients.
pub const REDIRECT: &str = "http://127.0.0.1:8765/callback";
/// The scopes the component asks Google for.
pub const GOOGLE_SCOPES: &str = "openid email https://www.googleapis.com/auth/gmail.modify";
/// The scopes the component asks Microsoft for.
pub const MICROSOFT_SCOPES: &str = "offline_access openid email User.Read Mail.ReadWrite Mail.Send";

/// A sandbox with the default configuration.
pub fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).expect("sandbox starts")
}

/// A decoded answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (invalid UTF-8 replaced).
    pub text: String,
    /// The body as received.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
}

/// Sends a request for `host` + `target` to the sandbox.
pub fn call(
    sandbox: &Sandbox,
    method: &str,
    host: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: impl AsRef<[u8]>,
) -> Answer {
    let mut request = http::Request::builder()
        .method(method)
        .uri(target)
        .header("host", host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = bytes::Bytes::copy_from_slice(body.as_ref());
    let request = request.body(body.into()).unwrap();
    let reply = sandbox.exchange(request).expect("the sandbox answers");
    Answer {
        status: reply.status,
        headers: reply.headers,
        text: String::from_utf8_lossy(&reply.body).into_owned(),
        bytes: reply.body.to_vec(),
    }
}

/// A form POST.
pub fn post_form(
    sandbox: &Sandbox,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    call(sandbox, "POST", host, path, &all, &body)
}

/// A GET with an optional bearer token.
pub fn get(sandbox: &Sandbox, host: &str, target: &str, bearer: Option<&str>) -> Answer {
    let authorization = bearer.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|a| ("authorization", a.as_str()))
        .collect();
    call(sandbox, "GET", host, target, &headers, "")
}

/// A PKCE pair: a verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = mint::random_b64(32);
    let challenge = mint::sha256_b64(&verifier);
    (verifier, challenge)
}

/// An authorization request under construction.
pub struct Authorize {
    base: String,
    params: Vec<(String, String)>,
}

impl Authorize {
    /// The component's request to `provider` (Microsoft at `tenant`) with `challenge`.
    pub fn new(provider: Provider, tenant: &str, challenge: &str) -> Authorize {
        let (base, client, scopes) = match provider {
            Provider::Google => (
                "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
                "sandbox-google-client",
                GOOGLE_SCOPES,
            ),
            Provider::Microsoft => (
                format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"),
                "sandbox-microsoft-client",
                MICROSOFT_SCOPES,
            ),
        };
        let mut params: Vec<(String, String)> = [
            ("client_id", client),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scopes),
            ("state", "state-123"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        match provider {
            Provider::Google => {
                params.push(("access_type".into(), "offline".into()));
                params.push(("prompt".into(), "consent".into()));
            }
            Provider::Microsoft => params.push(("response_mode".into(), "query".into())),
        }
        Authorize { base, params }
    }

    /// Replaces (or adds) a parameter.
    pub fn set(mut self, name: &str, value: &str) -> Authorize {
        self.params.retain(|(k, _)| k != name);
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Leaves a parameter out.
    pub fn without(mut self, name: &str) -> Authorize {
        self.params.retain(|(k, _)| k != name);
        self
    }

    /// The authorization URL.
    pub fn url(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        format!("{}?{query}", self.base)
    }
}

/// The query parameters of a callback URL, asserting it goes to the registered redirect URI.
pub fn callback(location: &str) -> Vec<(String, String)> {
    let (base, query) = location.split_once('?').expect("a query");
    assert_eq!(base, REDIRECT);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The value of `name` in `params`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The names of `params`, in order.
pub fn names(params: &[(String, String)]) -> Vec<&str> {
    params.iter().map(|(k, _)| k.as_str()).collect()
}

/// The claims of a JWT-shaped token.
pub fn claims(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT-shaped: {jwt}");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

/// Runs authorize + consent and returns the code, checking `state` came back.
pub fn authorize_code(sandbox: &Sandbox, request: &Authorize) -> String {
    let location = sandbox.consent(&request.url()).expect("a redirect");
    let params = callback(&location);
    assert_eq!(param(&params, "state"), Some("state-123"));
    param(&params, "code")
        .unwrap_or_else(|| panic!("no code in {location}"))
        .to_owned()
}

/// The member names of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// An access token for the default user of `provider`, granted `scope` (the component's scopes
/// when `None`).
pub fn access_token(sandbox: &Sandbox, provider: Provider, scope: Option<&str>) -> String {
    let (verifier, challenge) = pkce();
    let mut request = Authorize::new(provider, "common", &challenge);
    if let Some(scope) = scope {
        request = request.set("scope", scope);
    }
    let code = authorize_code(sandbox, &request);
    let (host, path, client, secret, scope) = match provider {
        Provider::Google => (
            "oauth2.googleapis.com",
            "/token",
            "sandbox-google-client",
            "sandbox-google-secret",
            None,
        ),
        Provider::Microsoft => (
            "login.microsoftonline.com",
            "/common/oauth2/v2.0/token",
            "sandbox-microsoft-client",
            "sandbox-microsoft-secret",
            Some(scope.unwrap_or(MICROSOFT_SCOPES)),
        ),
    };
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client),
        ("client_secret", secret),
        ("code_verifier", verifier.as_str()),
    ];
    fields.extend(scope.map(|s| ("scope", s)));
    let answer = post_form(sandbox, host, path, &[], &fields);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["access_token"].as_str().unwrap().to_owned()
}

/// A GET of `target` on `host` with bearer `token` and extra `headers`.
pub fn get_with(
    sandbox: &Sandbox,
    host: &str,
    target: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let authorization = format!("Bearer {token}");
    let mut all = vec![("authorization", authorization.as_str())];
    all.extend_from_slice(headers);
    call(sandbox, "GET", host, target, &all, "")
}

/// A sandbox whose `provider` mailbox holds `messages` messages generated from `seed`, and a
/// token for it.
pub fn seeded(provider: Provider, messages: usize, seed: u64) -> (Sandbox, String) {
    let sandbox = sandbox();
    let spec = crate::MailboxSpec {
        messages,
        seed,
        start: 1_700_000_000,
    };
    sandbox.seed_mailbox(provider, &spec);
    let token = access_token(&sandbox, provider, None);
    (sandbox, token)
}

/// A request for `target` on `host` with bearer `token`, `headers` and a JSON `body`
/// (`Value::Null`: none).
pub fn authorized(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    host: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let bearer = format!("Bearer {token}");
    let mut all = vec![
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    all.extend_from_slice(headers);
    let body = match body {
        Value::Null => Vec::new(),
        body => serde_json::to_vec(body).unwrap(),
    };
    call(sandbox, method, host, target, &all, body)
}

/// Sends `count` requests with `send` at once, from as many threads released together, and
/// returns their answers.
pub fn at_once(count: usize, send: impl Fn() -> Answer + Sync) -> Vec<Answer> {
    let start = std::sync::Barrier::new(count);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..count)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    send()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
