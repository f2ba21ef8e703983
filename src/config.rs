//! `configure-provider`: validation and normalization of an admin's OAuth app registration, and
//! the checks of a stored app and account before use.

use crate::Error;
use crate::profile;
use crate::types::{Account, App, AppConfig, Limits};
use url::{Host, Url};

/// Validates `config` and returns the app the host stores. Every problem names its
/// field; the client secret is never echoed.
pub fn configure(config: AppConfig) -> Result<App, Error> {
    let oauth = &profile::of(config.provider).oauth;
    let client_id = config.client_id.trim();
    check_token_like("client-id", client_id)?;
    let client_secret = config.client_secret.trim();
    check_token_like("client-secret", client_secret)?;
    let redirect_uri = validate_redirect_uri(&config.redirect_uri)?;
    let tenant = oauth.normalize_tenant(config.tenant.as_deref())?;
    let scopes = match config.scopes {
        Some(scopes) => normalize_scopes(&scopes)?,
        None => oauth
            .default_scopes
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    let limits = config.limits.map(check_limits).transpose()?;
    Ok(App {
        provider: config.provider,
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        redirect_uri,
        tenant,
        scopes,
        limits,
    })
}

/// Limits that name a window, a budget or a cap must be positive; the in-flight cap at most 100
/// (no provider serves more at once for one mailbox).
fn check_limits(limits: Limits) -> Result<Limits, Error> {
    for (field, value) in [
        ("limits.units", limits.units),
        ("limits.window-seconds", limits.window_seconds),
    ] {
        if value == Some(0) {
            return Err(Error::invalid(field, "must be positive"));
        }
    }
    if let Some(n) = limits.in_flight
        && !(1..=100).contains(&n)
    {
        return Err(Error::invalid(
            "limits.in-flight",
            "must be between 1 and 100",
        ));
    }
    Ok(limits)
}

/// Checks a stored app again before it is used, so that a host that edited its
/// store by hand gets a clear error instead of a confusing provider response.
pub fn check(provider: &App) -> Result<(), Error> {
    check_token_like("client-id", &provider.client_id)?;
    check_token_like("client-secret", &provider.client_secret)?;
    validate_redirect_uri(&provider.redirect_uri)?;
    if provider.scopes.is_empty() {
        return Err(Error::invalid("scopes", "must not be empty"));
    }
    if let Some(limits) = &provider.limits {
        check_limits(*limits)?;
    }
    Ok(())
}

/// The account must belong to the app it is used with.
pub fn check_account(app: &App, account: &Account) -> Result<(), Error> {
    if account.provider != app.provider {
        return Err(Error::invalid(
            "account.provider",
            "is not the app's provider",
        ));
    }
    Ok(())
}

/// Non-empty, and free of control characters and spaces.
fn check_token_like(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(
            field,
            "must not contain control characters or spaces",
        ));
    }
    Ok(())
}

/// Absolute; `https`, or `http` on a loopback host; no fragment and no user info. Returned
/// trimmed and otherwise as entered, since providers compare it byte for byte with the
/// registered one.
pub fn validate_redirect_uri(raw: &str) -> Result<String, Error> {
    const FIELD: &str = "redirect-uri";
    let raw = raw.trim();
    let url = Url::parse(raw)
        .map_err(|e| Error::invalid(FIELD, format!("must be an absolute URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid(
                FIELD,
                "must use https (http is allowed only on a loopback host)",
            ));
        }
        other => {
            return Err(Error::invalid(
                FIELD,
                format!("must use https, not {other:?}"),
            ));
        }
    }
    if url.host().is_none() {
        return Err(Error::invalid(FIELD, "must name a host"));
    }
    if url.fragment().is_some() {
        return Err(Error::invalid(FIELD, "must not contain a fragment (#...)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(FIELD, "must not contain user info"));
    }
    if raw.chars().any(char::is_control) {
        return Err(Error::invalid(FIELD, "must not contain control characters"));
    }
    Ok(raw.to_owned())
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Trims and de-duplicates scopes, keeping their order.
fn normalize_scopes(scopes: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes.iter().map(|s| s.trim()) {
        check_token_like("scopes", scope)?;
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_owned());
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(
            "scopes",
            "give at least one scope, or none at all for the defaults",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Provider;

    fn config(kind: Provider) -> AppConfig {
        AppConfig {
            provider: kind,
            client_id: " client-123.apps.googleusercontent.com ".into(),
            client_secret: "GOCSPX-very-secret".into(),
            redirect_uri: "https://app.example.com/oauth/callback".into(),
            tenant: None,
            scopes: None,
            limits: None,
        }
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn google_defaults() {
        let p = configure(config(Provider::Google)).unwrap();
        assert_eq!(p.client_id, "client-123.apps.googleusercontent.com");
        assert_eq!(p.tenant, None);
        assert_eq!(
            p.scopes,
            [
                "openid",
                "email",
                "profile",
                "https://www.googleapis.com/auth/gmail.modify"
            ]
        );
    }

    #[test]
    fn microsoft_defaults_to_common_and_graph_scopes() {
        let p = configure(config(Provider::Microsoft)).unwrap();
        assert_eq!(p.tenant.as_deref(), Some("common"));
        assert_eq!(
            p.scopes,
            [
                "offline_access",
                "openid",
                "email",
                "User.Read",
                "Mail.ReadWrite",
                "Mail.Send"
            ]
        );
    }

    #[test]
    fn redirect_uris() {
        for ok in [
            "https://app.example.com/cb",
            "http://localhost:8080/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:9000/cb",
            " https://example.com/cb?x=1 ",
        ] {
            assert!(validate_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/relative/cb",
            "app.example.com/cb",
            "http://app.example.com/cb",
            "http://192.168.1.2/cb",
            "https://app.example.com/cb#frag",
            "ftp://example.com/cb",
            "https://user:pw@example.com/cb",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                field_of(validate_redirect_uri(bad).unwrap_err()),
                "redirect-uri",
                "{bad}"
            );
        }
    }

    #[test]
    fn every_bad_field_is_named_and_the_secret_never_echoed() {
        let mut c = config(Provider::Google);
        c.client_id = "  ".into();
        assert_eq!(field_of(configure(c).unwrap_err()), "client-id");

        let mut c = config(Provider::Google);
        c.client_secret = "sec\nret-value".into();
        let err = configure(c).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("ret-value"));
        assert_eq!(field_of(err), "client-secret");

        let mut c = config(Provider::Google);
        c.tenant = Some("common".into());
        assert_eq!(field_of(configure(c).unwrap_err()), "tenant");

        let mut c = config(Provider::Microsoft);
        c.tenant = Some("not a tenant".into());
        assert_eq!(field_of(configure(c).unwrap_err()), "tenant");

        let mut c = config(Provider::Microsoft);
        c.scopes = Some(vec![" ".into()]);
        assert_eq!(field_of(configure(c).unwrap_err()), "scopes");

        let mut c = config(Provider::Microsoft);
        c.scopes = Some(vec![]);
        assert_eq!(field_of(configure(c).unwrap_err()), "scopes");
    }

    #[test]
    fn scopes_are_trimmed_and_deduplicated() {
        let mut c = config(Provider::Microsoft);
        c.scopes = Some(vec![
            " Mail.Read ".into(),
            "offline_access".into(),
            "Mail.Read".into(),
        ]);
        assert_eq!(
            configure(c).unwrap().scopes,
            ["Mail.Read", "offline_access"]
        );
    }
}
