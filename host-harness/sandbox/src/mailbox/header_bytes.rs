//! How the providers read the bytes of a header value: 8-bit bytes as Gmail lists them, raw
//! 8-bit bytes inside RFC 2047 encoded words made readable in the words' own charsets before the
//! values are decoded, and unstructured values (subjects) decoded as RFC 2047 reads them.

/// A header value's bytes as Gmail lists them (`MessagePart.headers`): each 8-bit byte is the
/// ISO-8859-1 character of the same number, so UTF-8 written raw into a header reads as
/// mojibake (`Relatório` as `RelatÃ³rio`). Sources: reports of exactly that on messages given
/// to the Gmail API raw, https://github.com/badlogic/gmcli/pull/10 ("Gmail displays
/// `RelatÃ³rio`"), https://github.com/Rexezuge-CloudflareWorkers/Mail-Otter/pull/292 ("Gmail
/// interpreted [them] as Latin-1"), https://github.com/moretea-labs/forge/issues/67 ("the
/// remote `Subject` header is mojibake"). The stricter reading: every 8-bit byte is shown this
/// way, valid UTF-8 or not, so a client that wants the bytes back must undo it.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `value` with every raw 8-bit byte inside an encoded word of the `Q` encoding written as
/// `=XX`, the escape RFC 2047 (section 4.2) gives it, so that the word decodes in its own
/// charset: `=?iso-8859-1?q?caf\xe9?=` reads as `café`. Raw bytes are not allowed there (RFC
/// 2047 section 5: an encoded word holds printable ASCII only), but mailers have written them
/// (a sample: shared/specs: samples/eml/eudora-format-flowed-iso8859-1-raw-8bit-in-encoded-word.eml);
/// no provider documents what it shows for them, and the reading that keeps the word's charset
/// is the one a decoder working on bytes gives. Bytes outside encoded words, and words of the
/// `B` encoding, are left as they are.
pub(crate) fn escape_in_words(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = find(rest, b"=?") {
        out.extend_from_slice(&rest[..start]);
        rest = &rest[start..];
        match q_word_text(rest) {
            Some((head, text)) => {
                out.extend_from_slice(&rest[..head]);
                for &byte in &rest[head..head + text] {
                    match byte.is_ascii() {
                        true => out.push(byte),
                        false => out.extend_from_slice(format!("={byte:02X}").as_bytes()),
                    }
                }
                rest = &rest[head + text..];
            }
            None => {
                out.extend_from_slice(b"=?");
                rest = &rest[2..];
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

/// The text of an unstructured header value (`Subject`) from its bytes, as RFC 2047 reads it:
/// line breaks of folding removed; each encoded word (`=?charset?B|Q?text?=`, no white space
/// inside, section 5) decoded in its charset, raw 8-bit bytes inside one taken in that charset
/// too, white space between two encoded words dropped (section 6.2); a word that does not
/// decode (unknown charset, bad encoding) shown as it is written, as section 6.2 allows; other
/// text read as UTF-8 when it is (RFC 6532), else each byte as ISO-8859-1. No provider
/// documents how it decodes subjects; this is the RFC's reading, the one a decoder working on
/// bytes gives.
pub(crate) fn decode_unstructured(raw: &[u8]) -> String {
    let unfolded: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let mut out = String::with_capacity(unfolded.len());
    let mut pending_space: Option<&[u8]> = None;
    let mut after_word = false;
    for token in tokens(&unfolded) {
        if token.iter().all(|b| b.is_ascii_whitespace()) {
            pending_space = Some(token);
            continue;
        }
        match decode_word(token) {
            Some(text) => {
                if let (Some(space), false) = (pending_space, after_word) {
                    out.push_str(&text_of(space));
                }
                out.push_str(&text);
                after_word = true;
            }
            None => {
                if let Some(space) = pending_space {
                    out.push_str(&text_of(space));
                }
                out.push_str(&text_of(token));
                after_word = false;
            }
        }
        pending_space = None;
    }
    if let Some(space) = pending_space {
        out.push_str(&text_of(space));
    }
    out
}

/// `bytes` split into runs of white space and runs of anything else.
fn tokens(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=bytes.len() {
        let boundary = i == bytes.len()
            || bytes[i].is_ascii_whitespace() != bytes[i - 1].is_ascii_whitespace();
        if boundary {
            out.push(&bytes[start..i]);
            start = i;
        }
    }
    out
}

/// Text outside encoded words: UTF-8 when it is, else each byte as ISO-8859-1.
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => latin1(bytes),
    }
}

/// The text of `token` when it is exactly one encoded word that decodes.
fn decode_word(token: &[u8]) -> Option<String> {
    let inner = token.strip_prefix(b"=?")?.strip_suffix(b"?=")?;
    let mut fields = inner.splitn(3, |&b| b == b'?');
    let (charset, encoding, text) = (fields.next()?, fields.next()?, fields.next()?);
    // RFC 2231 section 5: a language may follow the charset (`us-ascii*en`).
    let label = charset.split(|&b| b == b'*').next()?;
    let encoding_rs = encoding_rs::Encoding::for_label_no_replacement(label)?;
    let bytes = match encoding {
        b"B" | b"b" => {
            use base64::Engine as _;
            let trimmed: Vec<u8> = text.iter().copied().filter(|&b| b != b'=').collect();
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed)
                .ok()?
        }
        b"Q" | b"q" => q_decode(text)?,
        _ => return None,
    };
    let (decoded, _, _) = encoding_rs.decode(&bytes);
    Some(decoded.into_owned())
}

/// The bytes of the text of a `Q` word: `_` is a space, `=XX` a byte, others themselves.
fn q_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(text.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    Some(out)
}

/// For an encoded word of the `Q` encoding at the start of `word` (`=?charset?Q?text?=`): the
/// length of its head (`=?charset?Q?`) and of its text. Words end at `?=`, and never span a
/// line break.
fn q_word_text(word: &[u8]) -> Option<(usize, usize)> {
    let charset_end = 2 + word[2..]
        .iter()
        .position(|&b| b == b'?' || b == b'\n' || b == b' ')?;
    if word[charset_end] != b'?' || charset_end == 2 {
        return None;
    }
    let encoding = word.get(charset_end + 1)?;
    if !encoding.eq_ignore_ascii_case(&b'q') || word.get(charset_end + 2) != Some(&b'?') {
        return None;
    }
    let head = charset_end + 3;
    let body = &word[head..];
    let end = find(body, b"?=")?;
    if body[..end].contains(&b'\n') {
        return None;
    }
    Some((head, end))
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_bit_bytes_read_as_latin1() {
        assert_eq!(latin1("Relatório".as_bytes()), "RelatÃ³rio");
        assert_eq!(latin1(b"caf\xe9"), "caf\u{e9}");
        assert_eq!(latin1(b"plain"), "plain");
    }

    #[test]
    fn unstructured_values_decode_as_rfc_2047_reads_them() {
        assert_eq!(
            decode_unstructured(b"=?iso-8859-1?q?Caf\xe9_cr\xe8me?="),
            "Caf\u{e9} cr\u{e8}me"
        );
        assert_eq!(
            decode_unstructured(
                b"=?utf-8?b?w6k=?= =?utf-8?q?t=C3=A9?=\r\n =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= end"
            ),
            "\u{e9}t\u{e9}\u{30c6}\u{30b9}\u{30c8} end"
        );
        let broken = "=?utf-8?q?Half_open and =?utf-8?b?!!!?= plus =?utf-8?x?odd?= end";
        assert_eq!(decode_unstructured(broken.as_bytes()), broken);
        assert_eq!(
            decode_unstructured(b"=?x-klingon?q?Qapla?="),
            "=?x-klingon?q?Qapla?="
        );
        assert_eq!(decode_unstructured("Relatório".as_bytes()), "Relatório");
        assert_eq!(decode_unstructured(b"caf\xe9 latin"), "caf\u{e9} latin");
        assert_eq!(decode_unstructured(b"a  =?us-ascii*en?q?b?=  c"), "a  b  c");
    }

    #[test]
    fn raw_bytes_inside_q_words_are_escaped() {
        assert_eq!(
            escape_in_words(b"=?iso-8859-1?Q?Die_Fr\xf6sche?= und \xe9"),
            b"=?iso-8859-1?Q?Die_Fr=F6sche?= und \xe9"
        );
        assert_eq!(
            escape_in_words(b"=?utf-8?b?w6k=?= =?x?q?\xff?="),
            b"=?utf-8?b?w6k=?= =?x?q?=FF?="
        );
        // Not words: left alone, and never a panic on a cut-off word.
        for value in [
            &b"=?"[..],
            b"=?x",
            b"=?x?q",
            b"=?x?q?\xe9",
            b"a =? b ?= \xe9",
            b"=??q?\xe9?=",
        ] {
            assert_eq!(escape_in_words(value), value);
        }
    }
}
