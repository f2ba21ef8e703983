//! The sandbox the CLI tests drive: `email-harness sandbox` as a process of its own, its apps
//! and users read from the document it writes (`--info`), its mailboxes, tokens and latency
//! changed and its state and sent mail read back through the HTTP control API, as a host in any
//! language would.

use serde_json::{Value, json};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A sandbox process, killed when dropped.
pub struct Remote {
    child: Child,
    info: Value,
    dir: PathBuf,
}

/// An OAuth app registration the sandbox printed.
pub struct App {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

impl Remote {
    /// Starts `email-harness sandbox ARGS --info FILE` and waits for the document.
    pub fn start(args: &[&str]) -> Remote {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "email-harness-sandbox-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let info_file = dir.join("sandbox.json");
        let child = Command::new(env!("CARGO_BIN_EXE_email-harness"))
            .arg("sandbox")
            .args(args)
            .arg("--info")
            .arg(&info_file)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the sandbox starts");
        let mut remote = Remote {
            child,
            info: Value::Null,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !info_file.exists() {
            assert!(
                Instant::now() < deadline,
                "the sandbox wrote no --info file"
            );
            if let Some(status) = remote.child.try_wait().unwrap() {
                panic!("the sandbox exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        remote.info = serde_json::from_slice(&std::fs::read(&info_file).unwrap()).unwrap();
        remote
    }

    /// The base URL it printed.
    pub fn base_url(&self) -> String {
        self.info["base_url"].as_str().unwrap().to_owned()
    }

    /// The document it wrote.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// The entry of provider `name` (`google`, `microsoft`) in its document.
    pub fn provider(&self, name: &str) -> &Value {
        self.info["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["provider"] == name)
            .unwrap()
    }

    /// The first app it accepts for provider `name`.
    pub fn app(&self, name: &str) -> App {
        let app = &self.provider(name)["apps"][0];
        let text = |v: &Value| v.as_str().unwrap().to_owned();
        App {
            client_id: text(&app["client_id"]),
            client_secret: text(&app["client_secret"]),
            redirect_uri: text(&app["redirect_uris"][0]),
        }
    }

    /// The address of the user who signs in at provider `name`.
    pub fn user(&self, name: &str) -> String {
        self.provider(name)["user"].as_str().unwrap().to_owned()
    }

    /// A control API request: `method` on `/_sandbox/v1/{route}`; the status and the body
    /// (JSON, or null when empty).
    pub fn control(
        &self,
        method: &str,
        route: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, Value) {
        let authority = self.base_url().trim_start_matches("http://").to_owned();
        let mut stream = TcpStream::connect(&authority).unwrap();
        let head = format!(
            "{method} /_sandbox/v1/{route} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let status_line = String::from_utf8_lossy(&answer[..split]).to_string();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let body = &answer[split + 4..];
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or_else(|e| {
                panic!(
                    "{method} {route}: not JSON ({e}): {}",
                    String::from_utf8_lossy(body)
                )
            })
        };
        (status, value)
    }

    /// A JSON control request that must answer `status`; its answer.
    pub fn json(&self, method: &str, route: &str, body: Value, status: u16) -> Value {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let (got, answer) = self.control(method, route, "application/json", text.as_bytes());
        assert_eq!(got, status, "{method} {route}: {answer}");
        answer
    }

    /// Replaces provider `name`'s mailbox with `messages` generated from `seed`.
    pub fn seed_mailbox(&self, name: &str, messages: usize, seed: u64) {
        let body = json!({ "messages": messages, "seed": seed });
        self.json("PUT", &format!("{name}/mailbox"), body, 200);
    }

    /// The ids of provider `name`'s messages a sync sees.
    pub fn message_ids(&self, name: &str) -> Vec<String> {
        let answer = self.json("GET", &format!("{name}/messages"), Value::Null, 200);
        serde_json::from_value(answer["ids"].clone()).unwrap()
    }

    /// Delivers `count` new messages to provider `name`'s inbox; their ids.
    pub fn deliver(&self, name: &str, count: usize) -> Vec<String> {
        let answer = self.json(
            "POST",
            &format!("{name}/deliver"),
            json!({ "count": count }),
            201,
        );
        serde_json::from_value(answer["ids"].clone()).unwrap()
    }

    /// Revokes provider `name`'s refresh tokens.
    pub fn revoke(&self, name: &str) {
        self.json("POST", &format!("{name}/tokens/revoke"), Value::Null, 204);
    }

    /// Sets the latency of every mail API request.
    pub fn set_latency(&self, latency: Duration) {
        let body = json!({ "ms": latency.as_millis() as u64 });
        self.json("PUT", "latency", body, 200);
    }

    /// The state of provider `name`'s message `id` (`labels`, `unread`, `starred`, `draft`),
    /// or `None` when there is no such message.
    pub fn state_of(&self, name: &str, id: &str) -> Option<Value> {
        let route = format!("{name}/messages/{}", percent(id));
        match self.control("GET", &route, "application/json", b"") {
            (200, state) => Some(state),
            (404, _) => None,
            (status, answer) => panic!("GET {route}: {status} {answer}"),
        }
    }

    /// Every message sent for provider `name`'s user, oldest first, as the control API
    /// parses it.
    pub fn sent(&self, name: &str) -> Vec<Value> {
        let answer = self.json("GET", &format!("{name}/sent"), Value::Null, 200);
        answer["sent"].as_array().unwrap().clone()
    }
}

/// `id` as one path segment.
fn percent(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The SHA-256 of `bytes`, in lower-case hexadecimal, as the control API gives attachments'.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
