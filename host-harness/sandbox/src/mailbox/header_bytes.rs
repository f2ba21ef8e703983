//! How the providers read the bytes of a header value that are not ASCII: 8-bit bytes as Gmail
//! lists them, and raw 8-bit bytes inside RFC 2047 encoded words, made readable in the words'
//! own charsets before the values are decoded.

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
