//! How an answer goes on the wire: whole, or as a fault shapes it (its body sent slowly or cut
//! short, the connection closed or held without an answer).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;

use crate::wire::{self, Response};

/// The longest a connection is held without an answer ([`Outcome::Hold`]), unless the sandbox
/// stops first.
const HOLD_LIMIT: Duration = Duration::from_secs(600);

/// The pause before each step of a body cut short, so that what was written leaves before
/// the connection closes.
const CUT_PAUSE: Duration = Duration::from_millis(20);

/// What the server does for a request.
pub(crate) enum Outcome {
    /// Sends this answer whole.
    Answer(Response),
    /// Sends this answer's head at once and its body at this many bytes a second.
    Slow(Response, u32),
    /// Sends this answer's head, with the full `Content-Length`, and half its body; then
    /// closes the connection.
    Truncated(Response),
    /// Closes the connection without answering.
    Close,
    /// Keeps the connection open without answering, until [`HOLD_LIMIT`] or the sandbox stops.
    Hold,
}

/// The error a request's service returns to close its connection without (finishing) an
/// answer: hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct Unanswered;

impl std::fmt::Display for Unanswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer was withheld by an injected fault")
    }
}

impl std::error::Error for Unanswered {}

/// The answer `outcome` makes, for hyper to send; [`Unanswered`] when the connection is to
/// close without one (after holding it, for [`Outcome::Hold`]).
pub(crate) async fn deliver(outcome: Outcome) -> Result<http::Response<Body>, Unanswered> {
    match outcome {
        Outcome::Answer(response) => Ok(paced(response, Pace::WHOLE)),
        Outcome::Slow(response, bytes_per_second) => {
            Ok(paced(response, Pace::slow(bytes_per_second)))
        }
        Outcome::Truncated(response) => truncated(response),
        Outcome::Close => Err(Unanswered),
        Outcome::Hold => {
            tokio::time::sleep(HOLD_LIMIT).await;
            Err(Unanswered)
        }
    }
}

/// `response` whole.
pub(crate) fn whole(response: Response) -> http::Response<Body> {
    paced(response, Pace::WHOLE)
}

/// `response` with its body sent at `pace`.
fn paced(response: Response, pace: Pace) -> http::Response<Body> {
    let (head, data) = wire::into_parts(response);
    let announced = data.len() as u64;
    http::Response::from_parts(
        head,
        Body {
            rest: data,
            unsent: announced,
            pace,
            cut: false,
            timer: None,
            due: false,
        },
    )
}

/// `response` announcing its whole body and sending the first half; an answer without a body
/// cannot be cut, so its connection closes unanswered.
fn truncated(response: Response) -> Result<http::Response<Body>, Unanswered> {
    let (mut head, data) = wire::into_parts(response);
    if data.is_empty() {
        return Err(Unanswered);
    }
    let announced = data.len() as u64;
    head.headers.insert(CONTENT_LENGTH, announced.into());
    let body = Body {
        rest: data.slice(..data.len() / 2),
        unsent: announced,
        pace: Pace {
            chunk: usize::MAX,
            gap: CUT_PAUSE,
        },
        cut: true,
        timer: None,
        due: false,
    };
    Ok(http::Response::from_parts(head, body))
}

/// How a body goes out: frames of at most `chunk` bytes, each after `gap`.
#[derive(Clone, Copy)]
struct Pace {
    chunk: usize,
    gap: Duration,
}

impl Pace {
    /// All at once.
    const WHOLE: Pace = Pace {
        chunk: usize::MAX,
        gap: Duration::ZERO,
    };

    /// `bytes_per_second` (at least one): a tenth of a second's bytes (at least one) at a time.
    fn slow(bytes_per_second: u32) -> Pace {
        let rate = bytes_per_second.max(1);
        let chunk = (rate / 10).max(1);
        Pace {
            chunk: chunk as usize,
            gap: Duration::from_secs_f64(f64::from(chunk) / f64::from(rate)),
        }
    }
}

/// An answer's body as the server sends it.
pub(crate) struct Body {
    /// What is left to send.
    rest: Bytes,
    /// The bytes the answer announces and has not sent yet.
    unsent: u64,
    pace: Pace,
    /// Whether the body stops short of what the answer announces, with an error that closes
    /// the connection.
    cut: bool,
    /// The wait before the next step.
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether the wait before the next step is over.
    due: bool,
}

/// The error that ends a body cut short.
#[derive(Debug)]
struct CutShort;

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the body was cut short by an injected fault")
    }
}

impl std::error::Error for CutShort {}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let body = &mut *self;
        loop {
            if let Some(timer) = &mut body.timer {
                std::task::ready!(timer.as_mut().poll(cx));
                body.timer = None;
                body.due = true;
            }
            if body.rest.is_empty() && !body.cut {
                return Poll::Ready(None);
            }
            if !body.pace.gap.is_zero() && !body.due {
                body.timer = Some(Box::pin(tokio::time::sleep(body.pace.gap)));
                continue;
            }
            body.due = false;
            if body.rest.is_empty() {
                return Poll::Ready(Some(Err(Box::new(CutShort))));
            }
            let size = body.pace.chunk.min(body.rest.len());
            body.unsent -= size as u64;
            return Poll::Ready(Some(Ok(Frame::data(body.rest.split_to(size)))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && !self.cut
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.unsent)
    }
}
