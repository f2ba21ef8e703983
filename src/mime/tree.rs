//! A whole message read into the list of its parts, depth first, without recursion (however
//! deep the parts nest): each part's path from the top, media type, headers as written, and
//! content with its transfer encoding undone.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessageParser, MimeHeaders, PartType};

/// What a part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Holds {
    /// Other parts (a multipart).
    Parts,
    /// A message (the part after it in the list is that message's top part).
    Message,
    /// Content.
    #[default]
    Content,
}

/// One part of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPart {
    /// The indexes from the top part down: a multipart's parts by position, and `0` for the
    /// message a message part holds. The top part's path is empty.
    pub path: Vec<usize>,
    /// `type/subtype`, lower case (`message/rfc822` for an undeclared part of a
    /// `multipart/digest`, `text/plain` for other undeclared parts).
    pub mime_type: String,
    /// The header fields as written (unfolded), each 8-bit byte of a value as the ISO-8859-1
    /// character of that number, as Gmail lists them.
    pub headers: Vec<(String, String)>,
    /// The content, transfer encoding undone (a message part: the message it holds; a
    /// multipart: empty).
    pub body: Vec<u8>,
    /// What the part holds.
    pub holds: Holds,
}

/// The parts of `raw`, depth first (none when it has no header at all).
pub fn parts(raw: &[u8]) -> Vec<RawPart> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack: Vec<(&Message<'_>, usize, Vec<usize>)> = vec![(&message, 0, Vec::new())];
    while let Some((message, index, path)) = stack.pop() {
        let Some(part) = message.parts.get(index) else {
            continue;
        };
        let source = message.raw_message.as_ref();
        let slice = |from: u32, to: u32| source.get(from as usize..to as usize).unwrap_or_default();
        let headers = part
            .headers
            .iter()
            .map(|h| {
                let value = slice(h.offset_start, h.offset_end);
                (h.name.as_str().to_owned(), unfolded(value))
            })
            .collect();
        let mime_type = match part.content_type() {
            Some(ct) => match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            }
            .to_ascii_lowercase(),
            None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
            None => "text/plain".to_owned(),
        };
        let (holds, body) = match &part.body {
            PartType::Multipart(children) => {
                for (i, child) in children.iter().enumerate().rev() {
                    stack.push((message, *child as usize, [path.as_slice(), &[i]].concat()));
                }
                (Holds::Parts, Vec::new())
            }
            PartType::Message(inner) => {
                stack.push((inner, 0, [path.as_slice(), &[0]].concat()));
                (Holds::Message, inner.raw_message().to_vec())
            }
            _ => (
                Holds::Content,
                decoded(slice(part.offset_body, part.offset_end), part.encoding),
            ),
        };
        out.push(RawPart {
            path,
            mime_type,
            headers,
            body,
            holds,
        });
    }
    out
}

/// A header value's bytes unfolded and trimmed, each 8-bit byte as ISO-8859-1.
fn unfolded(value: &[u8]) -> String {
    value
        .iter()
        .filter(|&&b| b != b'\r' && b != b'\n')
        .map(|&b| char::from(b))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `body` with the transfer `encoding` undone (as it is when it does not decode).
fn decoded(body: &[u8], encoding: Encoding) -> Vec<u8> {
    let undone = match encoding {
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::None => None,
    };
    undone.unwrap_or_else(|| body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_depth_first_with_their_paths() {
        let raw = b"Subject: outer\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n\
--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n\
--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
--b\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n\
--a--\r\n";
        let parts = parts(raw);
        let shape: Vec<(Vec<usize>, &str, Holds)> = parts
            .iter()
            .map(|p| (p.path.clone(), p.mime_type.as_str(), p.holds))
            .collect();
        assert_eq!(
            shape,
            [
                (vec![], "multipart/mixed", Holds::Parts),
                (vec![0], "text/plain", Holds::Content),
                (vec![1], "message/rfc822", Holds::Message),
                (vec![1, 0], "multipart/alternative", Holds::Parts),
                (vec![1, 0, 0], "text/plain", Holds::Content),
                (vec![1, 0, 1], "text/html", Holds::Content),
            ]
        );
        assert_eq!(parts[1].body, b"caf\xe9");
        assert!(parts[2].body.starts_with(b"Subject: inner"));
        assert_eq!(
            parts[3].headers[0],
            ("Subject".to_owned(), "inner".to_owned())
        );
    }

    #[test]
    fn deep_nesting_is_read_without_recursion() {
        let depth = 1000;
        let mut raw = String::from("Subject: deep\r\n");
        for level in 0..depth {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n"
            ));
        }
        raw.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for level in (0..depth).rev() {
            raw.push_str(&format!("--b{level}--\r\n"));
        }
        let parts = parts(raw.as_bytes());
        let bottom = parts.last().unwrap();
        assert_eq!(bottom.path.len(), depth);
        assert_eq!(bottom.body, b"bottom");
    }
}
