//! A minimal HTTP/1 client to the sandbox itself: the "browser" of [`crate::Sandbox::consent`].

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request to send; its `Host` header names the provider host.
pub(crate) type Request = http::Request<Full<Bytes>>;

/// How long a request to the sandbox may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Sends `request` to `addr` on `runtime` over a fresh connection and waits for the answer; may
/// be called from any thread, inside an async context or not.
pub(crate) fn send_blocking(
    runtime: &tokio::runtime::Handle,
    addr: SocketAddr,
    request: Request,
) -> anyhow::Result<Reply> {
    let (done, result) = mpsc::channel();
    runtime.spawn(async move {
        let reply = tokio::time::timeout(TIMEOUT, send(addr, request)).await;
        // The caller may have given up waiting.
        let _ = done.send(reply);
    });
    result
        .recv()
        .context("the sandbox stopped before answering")?
        .context("the sandbox did not answer in time")?
}

/// Sends `request` to `addr` and reads the whole answer.
async fn send(addr: SocketAddr, request: Request) -> anyhow::Result<Reply> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let (head, body) = response.into_parts();
    Ok(Reply {
        status: head.status,
        headers: head.headers,
        body: body.collect().await?.to_bytes(),
    })
}

/// The `<title>` of an HTML page: the error code of the providers' error pages.
pub(crate) fn page_title(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<title>")? + "<title>".len();
    let end = start + text[start..].find("</title>")?;
    Some(text[start..end].trim())
}
