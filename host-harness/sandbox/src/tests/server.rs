//! The server itself: binding, routing by host, stopping.

use std::net::TcpStream;

use super::support::*;
use crate::{ClientApp, Provider, Sandbox, SandboxConfig};

#[test]
fn base_url_is_a_loopback_port_released_on_drop() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let addr = base.strip_prefix("http://").unwrap().to_owned();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{base}"
    );
    assert!(TcpStream::connect(&addr).is_ok());
    drop(sandbox);
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still listening after drop"
    );
}

#[test]
fn routes_by_host_header() {
    let sandbox = sandbox();
    // The same path means different things on different hosts.
    let google = get(&sandbox, "oauth2.googleapis.com", "/v1.0/me", None);
    assert_eq!(google.status, 404);
    assert!(
        google
            .text
            .contains("The requested URL <code>/v1.0/me</code> was not found")
    );
    let graph = get(&sandbox, "graph.microsoft.com:443", "/v1.0/me", None);
    assert_eq!(graph.status, 401);
    let other = get(&sandbox, "example.com", "/", None);
    assert_eq!(other.status, 421);
    let login = get(
        &sandbox,
        "login.microsoftonline.com",
        "/common/nothing",
        None,
    );
    assert_eq!(login.status, 404);
    let version = get(&sandbox, "graph.microsoft.com", "/v2/me", None);
    assert_eq!(version.status, 400);
    assert_eq!(version.json()["error"]["message"], "Invalid version: v2");
    // The token endpoint takes POST only.
    assert_eq!(
        get(&sandbox, "oauth2.googleapis.com", "/token", None).status,
        404
    );

    let hosts: Vec<String> = sandbox.received().into_iter().map(|r| r.host).collect();
    assert_eq!(
        hosts,
        [
            "oauth2.googleapis.com",
            "graph.microsoft.com",
            "example.com",
            "login.microsoftonline.com",
            "graph.microsoft.com",
            "oauth2.googleapis.com"
        ]
    );
}

#[test]
fn consent_rejects_what_is_not_an_authorization_url() {
    let sandbox = sandbox();
    assert!(sandbox.consent("not a url").is_err());
    let error = sandbox
        .consent("https://accounts.google.com/o/oauth2/v2/auth")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("400") && error.contains("invalid_request"),
        "{error}"
    );
}

#[test]
fn custom_clients_and_users() {
    let config = SandboxConfig {
        google_clients: vec![ClientApp {
            client_id: "g-app".into(),
            client_secret: "g-secret".into(),
            redirect_uris: vec!["http://localhost:5000/cb?x=1".into()],
        }],
        ..SandboxConfig::default()
    };
    assert!(!format!("{config:?}").contains("g-secret"));
    let sandbox = Sandbox::start(config).unwrap();
    let (_, challenge) = pkce();
    let url = Authorize::new(Provider::Google, "", &challenge)
        .set("client_id", "g-app")
        .set("redirect_uri", "http://localhost:5000/cb?x=1")
        .url();
    let location = sandbox.consent(&url).unwrap();
    assert!(
        location.starts_with("http://localhost:5000/cb?x=1&state=state-123&code=4%2F0A"),
        "{location}"
    );
    // The default client is not registered in this sandbox.
    let url = Authorize::new(Provider::Google, "", &challenge).url();
    assert!(
        sandbox
            .consent(&url)
            .unwrap_err()
            .to_string()
            .contains("invalid_client")
    );
}

#[test]
fn consent_works_from_inside_an_async_runtime() {
    let sandbox = sandbox();
    let (_, challenge) = pkce();
    let url = Authorize::new(Provider::Microsoft, "common", &challenge).url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let location = runtime.block_on(async { sandbox.consent(&url) }).unwrap();
    assert!(param(&callback(&location), "code").is_some());
}

#[test]
fn routes_by_a_host_leading_the_path_when_the_host_header_is_the_sandbox() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    // A client that sets `Host` from the URL it connects to names the provider host in the path.
    let profile = get(
        &sandbox,
        "127.0.0.1:4000",
        "/gmail.googleapis.com/gmail/v1/users/me/profile?fields=emailAddress",
        Some(&token),
    );
    assert_eq!(profile.status, 200, "{}", profile.text);
    assert!(
        profile.json()["emailAddress"].is_string(),
        "{}",
        profile.text
    );
    // Case does not matter in a host name; the rest of the path is the provider's.
    let graph = get(&sandbox, "localhost", "/Graph.Microsoft.com/v1.0/me", None);
    assert_eq!(graph.status, 401);
    let google = get(
        &sandbox,
        "127.0.0.1",
        "/oauth2.googleapis.com/v1.0/me",
        None,
    );
    assert_eq!(google.status, 404);
    assert!(
        google.text.contains("<code>/v1.0/me</code>"),
        "{}",
        google.text
    );
    // A request that names a provider host in `Host` is read as that service reads it: the
    // path is not searched for another host.
    let named = get(
        &sandbox,
        "graph.microsoft.com",
        "/gmail.googleapis.com/gmail/v1/users/me/profile",
        Some(&token),
    );
    assert_eq!(named.status, 400, "{}", named.text);
    // Neither a host nor a provider path: misdirected, as before.
    assert_eq!(
        get(&sandbox, "127.0.0.1", "/example.com/x", None).status,
        421
    );

    let seen: Vec<(String, String)> = sandbox
        .received()
        .into_iter()
        .skip_while(|r| !r.path.contains("profile"))
        .map(|r| (r.host, r.path))
        .collect();
    assert_eq!(
        seen[..3],
        [
            (
                "gmail.googleapis.com".to_owned(),
                "/gmail/v1/users/me/profile".to_owned()
            ),
            ("graph.microsoft.com".to_owned(), "/v1.0/me".to_owned()),
            ("oauth2.googleapis.com".to_owned(), "/v1.0/me".to_owned()),
        ]
    );
}
