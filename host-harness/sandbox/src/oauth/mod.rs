//! The authorization and token endpoints, one flow for both providers (RFC 6749 authorization
//! code grant with RFC 7636 PKCE); `rules`, `scope`, `refusal` and `issue` hold where the
//! providers differ.

mod credentials;
mod issue;
mod refusal;
mod rules;
mod scope;

use std::time::SystemTime;

use http::StatusCode;
use http::header::{CACHE_CONTROL, PRAGMA};

use self::refusal::{PageRefusal, RedirectRefusal, TokenRefusal};
use self::scope::ScopeProblem;
use crate::config::{ClientApp, Provider};
use crate::mint;
use crate::state::{Grant, PendingCode, Shared};
use crate::wire::{self, Request, Response};

/// How the token endpoint refuses refresh-token grants while [`crate::Controls::refuse_refresh`]
/// holds one: the answers Entra ID gives when a policy or a missing consent stops a silent
/// refresh, and the answer for a grant that is no longer good. Google has neither of the first
/// two; it answers `invalid_grant` to all three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefreshRefusal {
    /// Conditional Access demands multifactor authentication: Entra's `interaction_required`
    /// (AADSTS50076).
    InteractionRequired,
    /// The user or an administrator has not consented (or no longer consents) to what the app
    /// asks: Entra's `invalid_grant` with `suberror` `consent_required` (AADSTS65001).
    ConsentRequired,
    /// The grant is gone (revoked, expired): `invalid_grant`, as after [`crate::Controls::revoke`].
    InvalidGrant,
}

/// Whether revoking `provider`'s grants also ends its access tokens.
pub(crate) fn revocation_ends_access(provider: Provider) -> bool {
    rules::of(provider).revocation_ends_access
}

/// The authorization endpoint (`GET`): checks the client and redirect URI (refusing with a page),
/// then the request (refusing with an error redirect), then asks the user, and redirects back
/// with a code.
pub(crate) fn authorize(
    shared: &Shared,
    provider: Provider,
    tenant: Option<&str>,
    request: &Request,
) -> Response {
    let tenant = tenant.map(str::to_ascii_lowercase);
    let Some(client_id) = query(request, "client_id") else {
        return refusal::page(provider, &PageRefusal::MissingParameter("client_id"));
    };
    let Some(client) = shared.config.client(provider, client_id) else {
        let refusal = PageRefusal::UnknownClient {
            client_id: client_id.to_owned(),
            tenant: tenant.clone().unwrap_or_default(),
        };
        return refusal::page(provider, &refusal);
    };
    let Some(redirect_uri) = query(request, "redirect_uri") else {
        return refusal::page(provider, &PageRefusal::MissingParameter("redirect_uri"));
    };
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        let refusal = PageRefusal::RedirectMismatch {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
        };
        return refusal::page(provider, &refusal);
    }
    let state = request.query_param("state");
    let (scopes, challenge) = match check_authorization(shared, provider, request) {
        Ok(checked) => checked,
        Err(refusal) => return refusal::redirect(provider, &refusal, redirect_uri, state),
    };
    let offline = match provider {
        Provider::Google => request.query_param("access_type") == Some("offline"),
        Provider::Microsoft => scope::holds(&scopes, scope::OFFLINE_ACCESS),
    };
    let grant = Grant {
        provider,
        client_id: client_id.to_owned(),
        scopes: scope::listed(&scopes),
        issued: SystemTime::now(),
    };
    let code = rules::of(provider).new_code();
    let params = callback_params(&code, state, &grant);
    let pending = PendingCode {
        grant,
        tenant,
        redirect_uri: redirect_uri.to_owned(),
        challenge,
        offline,
    };
    shared.store.insert_code(code, pending);
    wire::redirect(&wire::with_query(redirect_uri, &params))
}

/// The query of the redirect that brings the code back: Google also lists the granted scopes,
/// Microsoft adds its session state.
fn callback_params(code: &str, state: Option<&str>, grant: &Grant) -> Vec<(&'static str, String)> {
    let state = state.map(|s| ("state", s.to_owned()));
    let code = ("code", code.to_owned());
    match grant.provider {
        Provider::Google => {
            let mut params: Vec<_> = state.into_iter().collect();
            params.push(code);
            params.push(("scope", grant.scopes.join(" ")));
            params.push(("authuser", "0".to_owned()));
            params.push(("prompt", "consent".to_owned()));
            params
        }
        Provider::Microsoft => {
            let mut params = vec![code];
            params.extend(state);
            params.push(("session_state", mint::random_guid()));
            params
        }
    }
}

/// Checks an authorization request whose client and redirect URI are fine and asks the user:
/// the requested scopes and the PKCE challenge when all is well.
fn check_authorization(
    shared: &Shared,
    provider: Provider,
    request: &Request,
) -> Result<(Vec<String>, String), RedirectRefusal> {
    match request.query_param("response_type") {
        None | Some("") => return Err(RedirectRefusal::MissingParameter("response_type")),
        Some("code") => {}
        Some(other) => return Err(RedirectRefusal::UnsupportedResponseType(other.to_owned())),
    }
    let scopes =
        scope::parse(provider, request.query_param("scope")).map_err(|problem| match problem {
            ScopeProblem::Missing => RedirectRefusal::MissingScope,
            ScopeProblem::Invalid(name) => RedirectRefusal::InvalidScope(name),
        })?;
    let challenge = request
        .query_param("code_challenge")
        .filter(|c| !c.is_empty())
        .ok_or(RedirectRefusal::PkceRequired)?;
    // RFC 7636: without a method the challenge is `plain`.
    if request.query_param("code_challenge_method") != Some("S256") {
        return Err(RedirectRefusal::PkceRequired);
    }
    if !credentials::is_s256_challenge(challenge) {
        return Err(RedirectRefusal::InvalidChallenge);
    }
    if !shared.store.consents() {
        return Err(RedirectRefusal::AccessDenied);
    }
    Ok((scopes, challenge.to_owned()))
}

/// The token endpoint (`POST`, form-encoded): authenticates the client, then redeems a code or a
/// refresh token. Answers are never cached.
pub(crate) fn token(
    shared: &Shared,
    provider: Provider,
    tenant: Option<&str>,
    request: &Request,
) -> Response {
    let tenant = tenant.map(str::to_ascii_lowercase);
    let response = match exchange(shared, provider, tenant.as_deref(), request) {
        Ok(response) => response,
        Err(refusal) => refusal::token_error(provider, &refusal),
    };
    let response = wire::with_header(response, CACHE_CONTROL, "no-store");
    wire::with_header(response, PRAGMA, "no-cache")
}

/// Runs one token request.
fn exchange(
    shared: &Shared,
    provider: Provider,
    tenant: Option<&str>,
    request: &Request,
) -> Result<Response, TokenRefusal> {
    let client = credentials::authenticate_client(shared, provider, tenant, request)?;
    match field(request, "grant_type") {
        None => Err(TokenRefusal::MissingParameter("grant_type")),
        Some("authorization_code") => redeem_code(shared, provider, tenant, client, request),
        Some("refresh_token") => redeem_refresh_token(shared, provider, client, request),
        Some(other) => Err(TokenRefusal::UnsupportedGrantType(other.to_owned())),
    }
}

/// `grant_type=authorization_code`: the code must be fresh, unused, this client's, from the same
/// tenant and redirect URI, and the verifier must match its challenge.
fn redeem_code(
    shared: &Shared,
    provider: Provider,
    tenant: Option<&str>,
    client: &ClientApp,
    request: &Request,
) -> Result<Response, TokenRefusal> {
    let code = field(request, "code").ok_or(TokenRefusal::MissingParameter("code"))?;
    let redirect_uri =
        field(request, "redirect_uri").ok_or(TokenRefusal::MissingParameter("redirect_uri"))?;
    let verifier = field(request, "code_verifier");
    let pending = shared.store.redeem_code(provider, code, |pending| {
        if pending.grant.client_id != client.client_id {
            return Err(TokenRefusal::CodeOtherClient);
        }
        if pending.tenant.as_deref() != tenant {
            return Err(TokenRefusal::CodeOtherTenant);
        }
        if pending.redirect_uri != redirect_uri {
            return Err(TokenRefusal::RedirectMismatch {
                given: redirect_uri.to_owned(),
                original: pending.redirect_uri.clone(),
            });
        }
        let verifier = verifier.ok_or(TokenRefusal::VerifierMissing)?;
        if !credentials::verifier_matches(verifier, &pending.challenge) {
            return Err(TokenRefusal::VerifierMismatch);
        }
        check_token_scope(provider, request, &pending.grant)
    })?;
    let rules = rules::of(provider);
    let refresh_token = pending.offline.then(|| {
        let token = rules.new_refresh_token();
        shared
            .store
            .insert_refresh(token.clone(), pending.grant.clone());
        token
    });
    Ok(issue::tokens(shared, &pending.grant, refresh_token))
}

/// `grant_type=refresh_token`: Google keeps the refresh token (and sends none back); Microsoft
/// answers with a new one each time and, unless its tokens are single-use, the one used stays
/// valid. While the provider refuses refreshes, a token that passes every other check gets that
/// refusal (and is not spent).
fn redeem_refresh_token(
    shared: &Shared,
    provider: Provider,
    client: &ClientApp,
    request: &Request,
) -> Result<Response, TokenRefusal> {
    let token =
        field(request, "refresh_token").ok_or(TokenRefusal::MissingParameter("refresh_token"))?;
    let rules = rules::of(provider);
    let next = rules.issues_new_refresh.then(|| rules.new_refresh_token());
    let refused = shared.store.refresh_refusal(provider);
    let grant = shared.store.use_refresh(
        provider,
        token,
        |grant| {
            if grant.client_id != client.client_id {
                return Err(TokenRefusal::RefreshOtherClient);
            }
            check_token_scope(provider, request, grant)?;
            match refused {
                Some((refusal, since)) => Err(TokenRefusal::refused(refusal, grant, since)),
                None => Ok(()),
            }
        },
        next.clone(),
    )?;
    Ok(issue::tokens(shared, &grant, next))
}

/// Where the provider checks it, the token request's `scope` must stay within the grant.
fn check_token_scope(
    provider: Provider,
    request: &Request,
    grant: &Grant,
) -> Result<(), TokenRefusal> {
    let Some(raw) = field(request, "scope") else {
        return Ok(());
    };
    if !rules::of(provider).checks_token_scope {
        return Ok(());
    }
    let asked = scope::parse(provider, Some(raw)).map_err(|problem| match problem {
        ScopeProblem::Invalid(name) => TokenRefusal::InvalidScope(name),
        ScopeProblem::Missing => TokenRefusal::MissingParameter("scope"),
    })?;
    let beyond = asked
        .iter()
        .any(|s| !scope::is_microsoft_oidc(s) && !scope::holds(&grant.scopes, s));
    if beyond {
        return Err(TokenRefusal::ScopeNotConsented {
            client_id: grant.client_id.clone(),
        });
    }
    Ok(())
}

/// Entra's answer to a path it does not serve.
pub(crate) fn microsoft_not_found() -> Response {
    wire::html(
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html>\n<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>\n".to_owned(),
    )
}

/// A non-empty query parameter.
fn query<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.query_param(name).filter(|v| !v.is_empty())
}

/// A non-empty form field.
fn field<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.form_field(name).filter(|v| !v.is_empty())
}
