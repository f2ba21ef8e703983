//! The one shape of the sandbox's Gmail and Graph handlers. Each provider's router matches a
//! request's path to the endpoints of that resource: the methods it takes, each with the OAuth
//! scopes (Gmail) or Graph permissions of which the bearer token must hold one, and its handler.
//! The router answers a method the resource does not take as its provider does (Gmail 404,
//! Graph 405), authenticates the token once, checks its scopes, and hands the handler a call
//! (the sandbox, the request, and for Gmail the grant) and the path's segments.

use http::Method;

use crate::wire::Response;

/// One method on one resource: the HTTP method, the scopes or permissions of which the token
/// must hold one, and the handler, given the call `C` and the path's segments.
pub(crate) type Endpoint<C> = (
    Method,
    &'static [&'static str],
    fn(&C, &[String]) -> Response,
);

/// The endpoint of `endpoints` that takes `method`, if any.
pub(crate) fn find<'a, C>(
    endpoints: &'a [Endpoint<C>],
    method: &Method,
) -> Option<&'a Endpoint<C>> {
    endpoints.iter().find(|(taken, ..)| taken == method)
}
