//! A raw HTTP/1.1 client on a plain socket, to see what goes over the wire when a fault sends
//! an answer slowly, cuts it short, or sends none at all.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Sandbox;

/// How the sandbox left the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// It closed it.
    Closed,
    /// It kept it open and sent nothing more for the time waited.
    Silent,
}

/// What came back over the socket.
pub struct Wire {
    /// Every byte received.
    pub bytes: Vec<u8>,
    /// How the connection was left.
    pub end: End,
    /// How long after the reading began the first bytes came.
    pub first: Option<Duration>,
    /// How many reads brought bytes.
    pub reads: usize,
    /// How long the reading took, up to the close or the silence.
    pub took: Duration,
}

impl Wire {
    /// Where the head ends (its blank line), if it came whole.
    fn blank_line(&self) -> Option<usize> {
        self.bytes.windows(4).position(|w| w == b"\r\n\r\n")
    }

    /// The head, up to the blank line (the body may be cut inside a character).
    pub fn head(&self) -> &str {
        let head = &self.bytes[..self.blank_line().unwrap_or(self.bytes.len())];
        std::str::from_utf8(head).expect("a text head")
    }

    /// The status of the status line.
    pub fn status(&self) -> u16 {
        let line = self.head().lines().next().unwrap_or_default();
        line.split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {line:?}"))
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head().lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The `Content-Length` announced.
    pub fn content_length(&self) -> usize {
        let length = self.header("content-length").expect("a Content-Length");
        length.parse().unwrap()
    }

    /// The body bytes received, after the head.
    pub fn body(&self) -> &[u8] {
        let at = self.blank_line().expect("a whole head");
        &self.bytes[at + 4..]
    }
}

/// Opens a connection to `sandbox` and sends `method target` for `host` with bearer `token`
/// and a JSON `body` (`Value::Null`: none), asking to close the connection after the answer.
pub fn send(
    sandbox: &Sandbox,
    method: &str,
    host: &str,
    target: &str,
    token: &str,
    body: &Value,
) -> TcpStream {
    let body = match body {
        Value::Null => String::new(),
        body => body.to_string(),
    };
    let mut stream = TcpStream::connect(sandbox.addr).expect("the sandbox listens");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream
}

/// Reads `stream` until the sandbox closes it, or sends nothing for `quiet`.
pub fn read(stream: &mut TcpStream, quiet: Duration) -> Wire {
    stream.set_read_timeout(Some(quiet)).unwrap();
    let started = Instant::now();
    let mut wire = Wire {
        bytes: Vec::new(),
        end: End::Closed,
        first: None,
        reads: 0,
        took: Duration::ZERO,
    };
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                wire.first.get_or_insert_with(|| started.elapsed());
                wire.reads += 1;
                wire.bytes.extend_from_slice(&buffer[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                wire.end = End::Silent;
                break;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // A reset is a close too.
            Err(_) => break,
        }
    }
    wire.took = started.elapsed();
    wire
}

/// Sends the request and reads its answer (see [`send`] and [`read`]).
pub fn exchange(
    sandbox: &Sandbox,
    method: &str,
    host: &str,
    target: &str,
    token: &str,
    body: &Value,
    quiet: Duration,
) -> Wire {
    let mut stream = send(sandbox, method, host, target, token, body);
    read(&mut stream, quiet)
}
