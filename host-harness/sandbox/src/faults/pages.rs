//! The HTML error pages of the front ends before the providers' APIs: what a client gets,
//! instead of the API's JSON, when the proxy or load balancer in front of the service fails.

use http::StatusCode;

use crate::config::Provider;
use crate::wire::{self, Response};

/// `provider`'s front-end page for `status` (a status that is no HTTP status gets the page of
/// a 502).
pub(crate) fn front_end(provider: Provider, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    match provider {
        Provider::Google => google(status),
        Provider::Microsoft => wire::html(status, azure_gateway(status)),
    }
}

/// The page of the Google Front End (GFE) for a server error. Its 502 is captured:
/// title `Error 502 (Server Error)!!1`, "The server encountered a temporary error and could
/// not complete your request. Please try again in 30 seconds."
/// (https://github.com/googleapis/google-api-php-client/issues/2421,
/// https://github.com/googleapis/google-api-ruby-client/issues/23641 on Gmail). Its 503 is
/// titled `Error 503 (Service Unavailable)!!1` (seen on googlesource hosts), its 408
/// `Error 408 (Request Timeout)!!1` (captured https://github.com/glotlabs/gdrive/issues/36, a
/// Google upload): other statuses follow that pattern with the status's reason (no capture of a
/// 504 page was found; its sentence is the stricter reading, a temporary failure). Google
/// names 500 and 502 alike, "Server Error".
fn google(status: StatusCode) -> Response {
    let (reason, sentence) = match status.as_u16() {
        500 | 502 => (
            "Server Error",
            "The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.",
        ),
        _ => (
            status.canonical_reason().unwrap_or("Server Error"),
            "The service is temporarily unable to complete your request.<p>Please try again later.",
        ),
    };
    google_page(status, reason, sentence)
}

/// A page of the Google Front End: titled `Error {status} ({reason})!!1`, then
/// `{status}. That’s an error.`, `sentence` (HTML) and `That’s all we know.`
pub(crate) fn google_page(status: StatusCode, reason: &str, sentence: &str) -> Response {
    let code = status.as_u16();
    wire::html(
        status,
        format!(
            "<!DOCTYPE html>\n<html lang=en>\n<title>Error {code} ({reason})!!1</title>\n<p><b>{code}.</b> <ins>That’s an error.</ins>\n<p>{sentence}  <ins>That’s all we know.</ins>\n"
        ),
    )
}

/// The page of Azure Application Gateway (v2), the nginx page with the gateway's name, as
/// Graph passed it on in a captured 502
/// (https://github.com/microsoftgraph/microsoft-graph-docs/issues/10791): `<title>502 Bad
/// Gateway</title>` … `<center>Microsoft-Azure-Application-Gateway/v2</center>`. nginx names
/// 503 `Service Temporarily Unavailable` and 504 `Gateway Time-out`.
pub(crate) fn azure_gateway(status: StatusCode) -> String {
    let reason = match status.as_u16() {
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        _ => status.canonical_reason().unwrap_or("Bad Gateway"),
    };
    let line = format!("{} {reason}", status.as_u16());
    format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n"
    )
}
