//! Writing MIME: parts and multiparts, transfer encodings, RFC 2047 encoded words and RFC 2231
//! parameters, with CRLF line ends and folded headers.

use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The longest line the writer produces in headers and encoded bodies (RFC 2045 and 5322).
const LINE: usize = 76;

/// A `Content-Transfer-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transfer {
    /// `7bit`: the content is ASCII already.
    SevenBit,
    /// `8bit`: the content's bytes as they are.
    EightBit,
    /// `quoted-printable`.
    QuotedPrintable,
    /// `base64`.
    Base64,
}

impl Transfer {
    fn name(self) -> &'static str {
        match self {
            Transfer::SevenBit => "7bit",
            Transfer::EightBit => "8bit",
            Transfer::QuotedPrintable => "quoted-printable",
            Transfer::Base64 => "base64",
        }
    }
}

/// How an encoded word carries its bytes (RFC 2047).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Word {
    /// `B`: base64.
    B,
    /// `Q`: quoted-printable-like.
    Q,
}

/// A MIME entity: its headers and either content or parts.
pub(crate) struct Node {
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    Leaf(Vec<u8>),
    Parts { boundary: String, parts: Vec<Node> },
}

impl Node {
    /// A leaf of `content_type` holding `content` (already in its charset), written with
    /// `transfer`.
    pub fn leaf(content_type: &str, transfer: Transfer, content: &[u8]) -> Node {
        let encoded = match transfer {
            Transfer::SevenBit | Transfer::EightBit => crlf(content),
            Transfer::QuotedPrintable => quoted_printable(content),
            Transfer::Base64 => base64_lines(content),
        };
        Node {
            headers: vec![
                ("Content-Type".to_owned(), content_type.to_owned()),
                (
                    "Content-Transfer-Encoding".to_owned(),
                    transfer.name().to_owned(),
                ),
            ],
            body: Body::Leaf(encoded),
        }
    }

    /// A `multipart/{subtype}` of `parts`, separated by `boundary`.
    pub fn multipart(subtype: &str, boundary: String, parts: Vec<Node>) -> Node {
        Node {
            headers: vec![(
                "Content-Type".to_owned(),
                format!("multipart/{subtype}; boundary=\"{boundary}\""),
            )],
            body: Body::Parts { boundary, parts },
        }
    }

    /// Adds `; {param}` to the `Content-Type` (e.g. the `type` of a `multipart/related`).
    pub fn with_param(mut self, param: &str) -> Node {
        if let Some((_, value)) = self
            .headers
            .iter_mut()
            .find(|(name, _)| name == "Content-Type")
        {
            value.push_str("; ");
            value.push_str(param);
        }
        self
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Node {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The whole message: `headers` first, then this entity's headers, a blank line and the
    /// content.
    pub fn into_message(self, headers: Vec<(String, String)>) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        for (name, value) in &headers {
            write_header(&mut out, name, value);
        }
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.headers {
            write_header(out, name, value);
        }
        out.extend_from_slice(b"\r\n");
        match &self.body {
            Body::Leaf(content) => out.extend_from_slice(content),
            Body::Parts { boundary, parts } => {
                for part in parts {
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    part.write(out);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

/// `Name <address>`, the name encoded (in `encoding`'s charset and kind of word) when it is not
/// ASCII, quoted when it holds specials, left out when empty.
pub(crate) fn mailbox(name: &str, address: &str, encoding: Option<(&str, Word)>) -> String {
    let shown = match encoding {
        _ if name.is_empty() => return format!("<{address}>"),
        Some((charset, word)) if !name.is_ascii() => encoded_words(name, charset, word),
        _ if name.contains(['.', ',', '"', '(', ')', '<', '>', '@', ':', ';']) => {
            format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
        }
        _ => name.to_owned(),
    };
    format!("{shown} <{address}>")
}

/// Writes `name: value`, folding at spaces so lines stay within 76 characters where possible.
fn write_header(out: &mut Vec<u8>, name: &str, value: &str) {
    let mut line = name.len() + 1;
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    for (i, word) in value.split(' ').enumerate() {
        let width = word.chars().count();
        if i > 0 && line + 1 + width > LINE {
            out.extend_from_slice(b"\r\n");
            line = 0;
        }
        out.push(b' ');
        out.extend_from_slice(word.as_bytes());
        line += 1 + width;
    }
    out.extend_from_slice(b"\r\n");
}

/// `text` in `charset` as RFC 2047 encoded words, each at most 75 characters, separated by
/// spaces (where headers fold). Generated mail repeats the same few names and subjects, so the
/// words are remembered.
pub(crate) fn encoded_words(text: &str, charset: &str, word: Word) -> String {
    thread_local! {
        static KNOWN: RefCell<HashMap<(String, String, Word), String>> = RefCell::default();
    }
    let key = (text.to_owned(), charset.to_owned(), word);
    if let Some(known) = KNOWN.with(|known| known.borrow().get(&key).cloned()) {
        return known;
    }
    let words = split_into_words(text, charset, word);
    KNOWN.with(|known| known.borrow_mut().insert(key, words.clone()));
    words
}

/// [`encoded_words`], worked out.
fn split_into_words(text: &str, charset: &str, word: Word) -> String {
    let prefix = format!("=?{charset}?{}?", if word == Word::B { 'B' } else { 'Q' });
    let room = 75 - prefix.len() - 2;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        let mut longer = chunk.clone();
        longer.push(c);
        if !chunk.is_empty() && encode_word(&longer, charset, word).len() > room {
            words.push(format!("{prefix}{}?=", encode_word(&chunk, charset, word)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("{prefix}{}?=", encode_word(&chunk, charset, word)));
    }
    words.join(" ")
}

/// The encoded text of one encoded word.
fn encode_word(text: &str, charset: &str, word: Word) -> String {
    let bytes = in_charset(text, charset);
    match word {
        Word::B => STANDARD.encode(bytes),
        Word::Q => bytes
            .iter()
            .map(|&b| match b {
                b' ' => "_".to_owned(),
                b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                    char::from(b).to_string()
                }
                _ => format!("={b:02X}"),
            })
            .collect(),
    }
}

/// `name*=charset''value` (RFC 2231), split into `name*0*`, `name*1*`, … continuations when
/// long.
pub(crate) fn rfc2231_param(name: &str, value: &str, charset: &str) -> String {
    let encoded: String = in_charset(value, charset)
        .iter()
        .map(|&b| match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'.' | b'-' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let whole = format!("{charset}''{encoded}");
    if whole.len() + name.len() < 60 {
        return format!("{name}*={whole}");
    }
    // Cut between escapes, never inside one.
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut rest = whole.as_str();
    while let Some(c) = rest.chars().next() {
        let len = if c == '%' { 3 } else { c.len_utf8() };
        if piece.len() + len > 40 {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    pieces.push(piece);
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{name}*{i}*={p}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `text` encoded in `charset` (an encoding_rs label; `iso-8859-1` maps to windows-1252, which
/// agrees on every Latin-1 letter).
pub(crate) fn in_charset(text: &str, charset: &str) -> Vec<u8> {
    match encoding_rs::Encoding::for_label(charset.as_bytes()) {
        Some(encoding) if encoding != encoding_rs::UTF_8 => encoding.encode(text).0.into_owned(),
        _ => text.as_bytes().to_vec(),
    }
}

/// Whether `charset` can write every character of `text`.
pub(crate) fn fits(text: &str, charset: &str) -> bool {
    if charset.eq_ignore_ascii_case("us-ascii") {
        return text.is_ascii();
    }
    match encoding_rs::Encoding::for_label(charset.as_bytes()) {
        Some(encoding) if encoding != encoding_rs::UTF_8 => !encoding.encode(text).2,
        _ => true,
    }
}

/// `content` with every line ending as CRLF.
fn crlf(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 40);
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
    }
    out
}

/// Quoted-printable (RFC 2045 6.7) of text: line breaks kept as CRLF, soft breaks at 76.
fn quoted_printable(content: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let literal = |b: u8| matches!(b, b' '..=b'<' | b'>'..=b'~');
    let mut out = Vec::with_capacity(content.len() * 3 / 2);
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let mut rest = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        while !rest.is_empty() {
            // A run of bytes written as they are, then one escaped byte.
            let run = rest.iter().position(|&b| !literal(b)).unwrap_or(rest.len());
            let mut run = &rest[..run];
            // A space ending the line must be escaped.
            if run.len() == rest.len() && run.last() == Some(&b' ') {
                run = &run[..run.len() - 1];
            }
            for chunk in run.chunks(LINE - 1) {
                if width + chunk.len() > LINE - 1 {
                    let room = LINE - 1 - width;
                    out.extend_from_slice(&chunk[..room]);
                    out.extend_from_slice(b"=\r\n");
                    out.extend_from_slice(&chunk[room..]);
                    width = chunk.len() - room;
                } else {
                    out.extend_from_slice(chunk);
                    width += chunk.len();
                }
            }
            rest = &rest[run.len()..];
            if let Some((&b, tail)) = rest.split_first() {
                if width + 3 > LINE - 1 {
                    out.extend_from_slice(b"=\r\n");
                    width = 0;
                }
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
                width += 3;
                rest = tail;
            }
        }
    }
    out
}

/// Base64 in lines of 76 characters, each ended by CRLF.
fn base64_lines(content: &[u8]) -> Vec<u8> {
    let encoded = STANDARD.encode(content);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode_back() {
        for (text, charset, word) in [
            ("Grüße aus München", "iso-8859-1", Word::Q),
            (
                "会議の議事録について、ご確認をお願いいたします。来週の予定も含みます",
                "iso-2022-jp",
                Word::B,
            ),
            (
                "Zażółć gęślą jaźń — a longer subject that needs several encoded words",
                "utf-8",
                Word::Q,
            ),
        ] {
            let header = format!("Subject: {}", encoded_words(text, charset, word));
            for w in header.split(' ').skip(1) {
                assert!(w.len() <= 75, "{w}");
            }
            let (parsed, _) = mailparse::parse_header(header.as_bytes()).unwrap();
            assert_eq!(parsed.get_value(), text);
        }
    }

    #[test]
    fn rfc2231_round_trips_through_mailparse() {
        for name in [
            "Überweisung März 2024 — Rechnung und Belege für das Projekt.pdf",
            "a.pdf",
        ] {
            let header = format!(
                "Content-Disposition: attachment; {}",
                rfc2231_param("filename", name, "utf-8")
            );
            let (parsed, _) = mailparse::parse_header(header.as_bytes()).unwrap();
            let disposition = mailparse::parse_content_disposition(&parsed.get_value());
            assert_eq!(disposition.params["filename"], name);
        }
    }

    #[test]
    fn quoted_printable_round_trips() {
        let text = "caf\u{e9} = cost\n".repeat(20) + "trailing space ";
        let encoded = quoted_printable(text.as_bytes());
        assert!(encoded.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        let message = [
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n".as_slice(),
            &encoded,
        ]
        .concat();
        let parsed = mailparse::parse_mail(&message).unwrap();
        assert_eq!(parsed.get_body_raw().unwrap(), crlf(text.as_bytes()));
    }
}
