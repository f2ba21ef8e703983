//! Entry points for the fuzz targets of `tests/fuzz/`: each feeds arbitrary bytes to one of the
//! component's parsers or checks, so that the fuzz crate reaches them without the private
//! modules. None may panic, whatever the input: a panic is a bug of the component (or an
//! invariant below that broke). Each returns whether the component accepted the input.
//!
//! Where one input carries several values, they are split at [`SEPARATOR`] (and records at
//! [`SUBSEPARATOR`]), two bytes that never occur in UTF-8; the last value keeps the rest of the
//! input. Text is read as UTF-8 with invalid bytes replaced.

use crate::compose::{SendLimits, check};
use crate::mime;
use crate::net::Response;
use crate::oauth::{self, Grant};
use crate::profile;
use crate::provider::google::batch as gmail_batch;
use crate::provider::google::history_list;
use crate::provider::google::message::{self as gmail_message, GmailMessage};
use crate::provider::google::sync::Changes;
use crate::provider::microsoft::batch as graph_batch;
use crate::provider::microsoft::message as graph_message;
use crate::provider::microsoft::sync::{Row, received_since};
use crate::provider::microsoft::{Collection, trusted};
use crate::sync::cursor;
use crate::types::{
    App, Attachment, MailboxAddress, Outgoing, PendingAuth, Provider, Reference, ReplyMode,
};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};

/// Separates the values of one input.
pub const SEPARATOR: u8 = 0xFF;

/// Separates the parts of one record (a mailbox's name and address, an attachment's fields).
pub const SUBSEPARATOR: u8 = 0xFE;

/// The time every entry point runs at (Unix seconds).
pub const NOW: u64 = 1_700_000_000;

/// The redirect URI of the app a callback is read against.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8765/oauth/callback";

/// The state of the pending record a callback is read against.
pub const STATE: &str = "k3Xq9v1pZbT0yR2sWm8aLc4dJf6hGe5n";

/// The values of `data`: at most `most`, the last one keeping the rest.
fn values(data: &[u8], most: usize) -> Vec<&[u8]> {
    data.splitn(most, |&b| b == SEPARATOR).collect()
}

/// Value `index` of `values`, empty when there are fewer.
fn value<'a>(values: &[&'a [u8]], index: usize) -> &'a [u8] {
    values.get(index).copied().unwrap_or_default()
}

/// `bytes` as text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A response with `status`, `headers` (those that are valid) and `body`.
fn response(status: StatusCode, headers: &[(http::HeaderName, &[u8])], body: &[u8]) -> Response {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// `oauth::read_callback`. Values: the callback URL; the app's redirect URI (else
/// [`REDIRECT_URI`]); the pending state (else [`STATE`]); how many seconds ago the flow began
/// (signed, else 30).
pub fn oauth_callback(data: &[u8]) -> bool {
    let values = values(data, 4);
    let redirect = text(value(&values, 1));
    let state = text(value(&values, 2));
    let age: i64 = text(value(&values, 3)).trim().parse().unwrap_or(30);
    let app = App {
        provider: Provider::Google,
        client_id: "client".to_owned(),
        client_secret: "secret".to_owned(),
        redirect_uri: if redirect.is_empty() {
            REDIRECT_URI.to_owned()
        } else {
            redirect
        },
        tenant: None,
        scopes: Vec::new(),
        limits: None,
    };
    let pending = PendingAuth {
        authorization_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
        state: if state.is_empty() {
            STATE.to_owned()
        } else {
            state
        },
        code_verifier: "verifier".to_owned(),
        created_at: NOW.saturating_add_signed(age.saturating_neg()),
    };
    let code = oauth::read_callback(&app, &pending, &text(value(&values, 0)), NOW);
    if let Ok(code) = &code {
        assert!(!code.is_empty(), "an accepted callback gives a code");
    }
    code.is_ok()
}

/// `oauth::parse_token_response`, for both grants. Values: the status (else 200); a
/// `Retry-After` header (when not empty); the body.
pub fn token_response(data: &[u8]) -> bool {
    let values = values(data, 3);
    let status = text(value(&values, 0))
        .trim()
        .parse()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let retry_after = value(&values, 1);
    let headers: &[(http::HeaderName, &[u8])] = if retry_after.is_empty() {
        &[]
    } else {
        &[(RETRY_AFTER, retry_after)]
    };
    let response = response(status, headers, value(&values, 2));
    let mut accepted = false;
    for grant in [Grant::AuthorizationCode, Grant::RefreshToken] {
        if let Ok(tokens) = oauth::parse_token_response(&response, grant, NOW) {
            assert!(
                !tokens.access_token.is_empty(),
                "an access token is never empty"
            );
            assert!(
                tokens.expires_at >= NOW,
                "a token never expires in the past"
            );
            accepted = true;
        }
    }
    accepted
}

/// `sync::cursor::decode` for both kinds; a cursor it accepts encodes again to one that decodes
/// to the same state and ledger.
pub fn cursor(data: &[u8]) -> bool {
    let cursor = text(data);
    let mut accepted = false;
    for kind in [Provider::Google, Provider::Microsoft] {
        let Ok((state, ledger)) = cursor::decode(&cursor, kind) else {
            continue;
        };
        let again = cursor::encode(&state, &ledger).expect("a decoded cursor encodes");
        let decoded = cursor::decode(&again, kind).expect("an encoded cursor decodes");
        assert_eq!(decoded, (state, ledger), "a cursor survives a round trip");
        accepted = true;
    }
    accepted
}

/// A Gmail `format=full` message resource (JSON): normalized, then each attachment looked up
/// as `get-attachment` does.
pub fn gmail_message(data: &[u8]) -> bool {
    let Ok(resource) = serde_json::from_slice::<GmailMessage>(data) else {
        return false;
    };
    let message = gmail_message::normalize(resource);
    if !message.attachments.is_empty() {
        let resource: GmailMessage = serde_json::from_slice(data).expect("parsed once already");
        for attachment in &message.attachments {
            gmail_message::find_part(&resource, &attachment.id);
        }
    }
    true
}

/// A Gmail `history.list` page (JSON): every record applied, for a sync of all mail, of the
/// inbox, and of spam.
pub fn gmail_history(data: &[u8]) -> bool {
    let Ok(page) = serde_json::from_slice::<history_list::Page>(data) else {
        return false;
    };
    for folders in [vec![], vec!["INBOX".to_owned()], vec!["SPAM".to_owned()]] {
        let mut changes = Changes::default();
        for record in &page.history {
            changes.apply(record, &folders);
        }
    }
    true
}

/// A Graph message delta page (JSON): its links checked, its messages bounded by receipt time
/// and normalized, its `@removed` rows read.
pub fn graph_delta(data: &[u8]) -> bool {
    let Ok(page) = serde_json::from_slice::<Collection<Row>>(data) else {
        return false;
    };
    for link in [page.next_link, page.delta_link].into_iter().flatten() {
        let _ = trusted(link);
    }
    for row in page.value {
        if let Row::Message(message) = row {
            received_since(&message, Some(NOW));
            graph_message::normalize(*message, Vec::new());
        }
    }
    true
}

/// A Gmail batch answer (`multipart/mixed`) to a batch of the most calls. Values: the
/// `Content-Type` header; the body.
pub fn gmail_batch(data: &[u8]) -> bool {
    let values = values(data, 2);
    let response = response(
        StatusCode::OK,
        &[(CONTENT_TYPE, value(&values, 0))],
        value(&values, 1),
    );
    let Ok(answers) = gmail_batch::answers(&response, gmail_batch::MOST) else {
        return false;
    };
    assert_eq!(answers.len(), gmail_batch::MOST, "one answer slot per call");
    true
}

/// A Graph JSON batch answer (the body) to a batch of the most requests.
pub fn graph_batch(data: &[u8]) -> bool {
    let response = response(StatusCode::OK, &[], data);
    let Ok(answers) = graph_batch::answers(&response, graph_batch::MOST) else {
        return false;
    };
    assert_eq!(
        answers.len(),
        graph_batch::MOST,
        "one answer slot per request"
    );
    true
}

/// `mime::whole` on a raw RFC 5322 message.
pub fn mime_whole(data: &[u8]) -> bool {
    mime::whole(data).is_some()
}

/// A raw RFC 5322 message taken apart as Gmail hands it out: its header lines (`name: value`,
/// unfolded) through `mime::envelope` and `mime::part_info`, and its body through
/// `mime::decode_text` in the charset the headers name.
pub fn mime_parts(data: &[u8]) -> bool {
    let (head, body) = [&b"\r\n\r\n"[..], b"\n\n"]
        .iter()
        .filter_map(|blank| {
            data.windows(blank.len())
                .position(|w| w == *blank)
                .map(|at| (at, blank.len()))
        })
        .min()
        .map_or((data, &[][..]), |(at, len)| {
            (&data[..at], &data[at + len..])
        });
    let head = text(head);
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in head.lines() {
        match (line.split_once(':'), headers.last_mut()) {
            (_, Some((_, value))) if line.starts_with([' ', '\t']) => value.push_str(line),
            (Some((name, value)), _) => headers.push((name, value.trim().to_owned())),
            (None, _) => {}
        }
    }
    let pairs = || headers.iter().map(|(name, value)| (*name, value.as_str()));
    let envelope = mime::envelope(pairs());
    let info = mime::part_info(pairs());
    mime::decode_text(body, info.charset.as_deref());
    envelope != mime::Envelope::default()
}

/// `compose::check::outgoing` and `check::draft` on an [`Outgoing`] built from the bytes.
///
/// The first byte holds flags: bit 0 a From, bits 1-2 the reply mode (none, reply, reply all,
/// forward), bit 3 a text body, bit 4 an HTML body, bit 5 Microsoft's limits (else Gmail's), bit
/// 6 tiny limits (64 bytes a message, 16 an attachment) to reach the size checks. Then values:
/// the subject, the text body, the HTML body, the original's message id, the From (name
/// [`SUBSEPARATOR`] address), and any number of records, each tagged by its first byte: `t`,
/// `c`, `b`, `r` a To, Cc, Bcc or Reply-To mailbox, `a` an attachment (file name, MIME type,
/// content, content id, separated by [`SUBSEPARATOR`]).
pub fn outgoing(data: &[u8]) -> bool {
    let Some((&flags, rest)) = data.split_first() else {
        return false;
    };
    let values: Vec<&[u8]> = rest.split(|&b| b == SEPARATOR).collect();
    let bit = |n: u8| flags & (1 << n) != 0;
    let parts = |record: &[u8]| -> Vec<String> {
        record
            .split(|&b| b == SUBSEPARATOR)
            .map(text)
            .collect::<Vec<_>>()
    };
    let mailbox = |record: &[u8]| {
        let mut parts = parts(record);
        let address = parts.pop().unwrap_or_default();
        MailboxAddress {
            name: parts.pop(),
            address,
        }
    };
    let mode = match (flags >> 1) & 0b11 {
        0 => None,
        1 => Some(ReplyMode::Reply),
        2 => Some(ReplyMode::ReplyAll),
        _ => Some(ReplyMode::Forward),
    };
    let mut message = Outgoing {
        from: bit(0).then(|| mailbox(value(&values, 4))),
        to: Vec::new(),
        cc: Vec::new(),
        bcc: Vec::new(),
        reply_to: Vec::new(),
        subject: text(value(&values, 0)),
        text_body: bit(3).then(|| text(value(&values, 1))),
        html_body: bit(4).then(|| text(value(&values, 2))),
        attachments: Vec::new(),
        original: mode.map(|mode| Reference {
            message_id: text(value(&values, 3)),
            mode,
        }),
    };
    for record in values.iter().skip(5) {
        let Some((&tag, record)) = record.split_first() else {
            continue;
        };
        match tag {
            b't' => message.to.push(mailbox(record)),
            b'c' => message.cc.push(mailbox(record)),
            b'b' => message.bcc.push(mailbox(record)),
            b'r' => message.reply_to.push(mailbox(record)),
            b'a' => {
                let mut fields = record.split(|&b| b == SUBSEPARATOR);
                let mut next = || fields.next().map(text);
                message.attachments.push(Attachment {
                    filename: next().unwrap_or_default(),
                    mime_type: next().unwrap_or_default(),
                    content: next().unwrap_or_default().into_bytes(),
                    content_id: next(),
                });
            }
            _ => {}
        }
    }
    let kind = if bit(5) {
        Provider::Microsoft
    } else {
        Provider::Google
    };
    let mut limits = profile::of(kind).limits.send;
    if bit(6) {
        limits = SendLimits {
            message_bytes: 64,
            attachment_bytes: 16,
            ..limits
        };
    }
    let draft = check::draft(&message, &limits).is_ok();
    let sent = check::outgoing(&message, &limits).is_ok();
    assert!(draft || !sent, "a message that may be sent may be saved");
    if sent {
        assert_header_safe(&message);
    }
    sent
}

/// Panics when a value that becomes a header of an accepted message holds CR, LF or NUL.
fn assert_header_safe(message: &Outgoing) {
    let mailboxes = message
        .from
        .iter()
        .chain(&message.to)
        .chain(&message.cc)
        .chain(&message.bcc)
        .chain(&message.reply_to);
    let mut values: Vec<&str> = vec![message.subject.as_str()];
    for mailbox in mailboxes {
        values.push(&mailbox.address);
        values.extend(mailbox.name.as_deref());
    }
    for attachment in &message.attachments {
        values.push(&attachment.filename);
        values.push(&attachment.mime_type);
        values.extend(attachment.content_id.as_deref());
    }
    values.extend(message.original.as_ref().map(|o| o.message_id.as_str()));
    for value in values {
        assert!(
            !value.contains(['\r', '\n', '\0']),
            "an accepted message carries a line break or NUL in a header: {value:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// `values` joined with [`SEPARATOR`].
    fn join(values: &[&[u8]]) -> Vec<u8> {
        values.join(&SEPARATOR)
    }

    #[test]
    fn callbacks() {
        let good = format!("{REDIRECT_URI}?state={STATE}&code=4%2F0Ab");
        assert!(oauth_callback(good.as_bytes()));
        assert!(!oauth_callback(
            join(&[good.as_bytes(), b"", b"", b"601"]).as_slice()
        ));
        assert!(!oauth_callback(
            join(&[good.as_bytes(), b"", b"other"]).as_slice()
        ));
        assert!(!oauth_callback(b"\xff\xff\xff"));
    }

    #[test]
    fn token_responses() {
        let body = br#"{"access_token":"ya29","expires_in":"3599","token_type":"Bearer"}"#;
        assert!(token_response(&join(&[b"200", b"", body])));
        assert!(!token_response(
            b"429\xff120\xff{\"error\":\"temporarily_unavailable\"}"
        ));
        assert!(!token_response(b"\xff\xff{\"access_token\":\"\"}"));
    }

    #[test]
    fn cursors() {
        let json = br#"{"k":"microsoft","s":{"folders":[]},"q":{"spent":[[1,2]]}}"#;
        assert!(cursor(
            format!("em1.{}", URL_SAFE_NO_PAD.encode(json)).as_bytes()
        ));
        assert!(!cursor(b"em1.e30"));
    }

    #[test]
    fn gmail_resources() {
        let data = URL_SAFE_NO_PAD.encode("hello");
        let message = format!(
            r#"{{"id":"m1","payload":{{"mimeType":"multipart/mixed","headers":[{{"name":"Subject","value":"=?utf-8?q?hi?="}}],"parts":[
                {{"partId":"0","mimeType":"text/plain","body":{{"data":"{data}"}}}},
                {{"partId":"1","mimeType":"image/png","filename":"a.png","body":{{"attachmentId":"x","size":3}}}}]}}}}"#
        );
        assert!(gmail_message(message.as_bytes()));
        assert!(!gmail_message(b"{\"payload\":{}}"));
        assert!(gmail_history(
            br#"{"historyId":"9","history":[{"labelsAdded":[{"message":{"id":"a","labelIds":["INBOX","UNREAD"]},"labelIds":["UNREAD"]}]}]}"#
        ));
        assert!(!gmail_history(b"{\"history\":[]}"));
    }

    #[test]
    fn graph_pages() {
        assert!(graph_delta(
            br#"{"@odata.nextLink":"https://evil.example/x","value":[{"id":"g","@removed":{"reason":"deleted"}},{"id":"m","receivedDateTime":"2023-11-14T22:13:20Z","body":{"contentType":"html","content":"<p>"}}]}"#
        ));
        assert!(!graph_delta(b"{\"value\":[1]}"));
        assert!(graph_batch(
            br#"{"responses":[{"id":"3","status":200,"headers":{"Retry-After":"5"},"body":{"id":"m"}},{"id":"99","status":404}]}"#
        ));
        assert!(!graph_batch(br#"{"responses":[{"id":"0","status":1000}]}"#));
    }

    #[test]
    fn gmail_batches() {
        let body = b"--b\r\nContent-Type: application/http\r\nContent-ID: <response-2>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--\r\n";
        assert!(gmail_batch(&join(&[b"multipart/mixed; boundary=b", body])));
        assert!(!gmail_batch(&join(&[b"application/json", body])));
    }

    #[test]
    fn mime_messages() {
        let raw = b"From: =?iso-8859-1?q?J=F6rg?= <j@example.com>\r\nSubject: hi\r\n there\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nK\xe4se\r\n";
        assert!(mime_whole(raw));
        assert!(mime_parts(raw));
        assert!(!mime_parts(b"\r\n\r\nbody only"));
    }

    #[test]
    fn outgoing_messages() {
        let to = join(&[b"hi", b"body", b"", b"", b"", b"tAnn\xfeann@example.com"]);
        let plain = [&[0b1000u8][..], &to].concat();
        assert!(outgoing(&plain));
        let injected = [&[0b1000u8][..], b"hi\r\nBcc: x@example.com", &to[2..]].concat();
        assert!(!outgoing(&injected));
        // The same message over the tiny limits.
        assert!(!outgoing(
            &[
                &[0b100_1000u8][..],
                &to,
                b"\xffaa.txt\xfetext/plain\xfe0123456789abcdefg"
            ]
            .concat()
        ));
    }
}
