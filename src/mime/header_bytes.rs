//! Header values made readable before they are decoded: the bytes behind a provider's text
//! (Gmail lists each 8-bit byte as the ISO-8859-1 character of the same number), raw 8-bit bytes
//! inside RFC 2047 encoded words kept for the words' own charsets, words in charsets no decoder
//! knows left as written, and other 8-bit text read as UTF-8, else as ISO-8859-1.

use mail_parser::decoders::charsets::map::charset_decoder;

/// The bytes behind a header value a provider listed: each character up to U+00FF is the byte
/// of that number (how Gmail shows 8-bit bytes; ASCII is unchanged); a value with a character
/// beyond is text already, taken as its UTF-8.
pub fn bytes_of(value: &str) -> Vec<u8> {
    match value.chars().all(|c| u32::from(c) <= 0xFF) {
        true => value.chars().map(|c| c as u8).collect(),
        false => value.as_bytes().to_vec(),
    }
}

/// `value` as a header decoder should read it: the raw 8-bit bytes inside each encoded word of
/// the `Q` encoding written `=XX` (so the word decodes in its own charset, RFC 2047 section
/// 4.2), a word in a charset no decoder knows written so that it decodes to itself (RFC 2047
/// section 6.2: such a word may be shown "as it appears"), and, when what is left is not UTF-8
/// (RFC 6532), each 8-bit byte outside the words read as ISO-8859-1.
pub fn readable(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = find(rest, b"=?") {
        out.extend(outside(&rest[..start]));
        rest = &rest[start..];
        match Word::at(rest) {
            Some(word) => {
                word.write(&mut out);
                rest = &rest[word.len..];
            }
            None => {
                out.extend_from_slice(b"=?");
                rest = &rest[2..];
            }
        }
    }
    out.extend(outside(rest));
    out
}

/// Text outside encoded words: as it is when it is UTF-8, else each byte as ISO-8859-1.
fn outside(text: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(text) {
        Ok(_) => text.to_vec(),
        Err(_) => text
            .iter()
            .map(|&b| char::from(b))
            .collect::<String>()
            .into_bytes(),
    }
}

/// An encoded word `=?charset?encoding?text?=` at the start of some bytes.
struct Word<'a> {
    charset: &'a [u8],
    encoding: u8,
    text: &'a [u8],
    /// The whole word's length.
    len: usize,
}

impl<'a> Word<'a> {
    /// The encoded word `bytes` start with, if they start with one (it ends at the first `?=`,
    /// on the same line).
    fn at(bytes: &'a [u8]) -> Option<Word<'a>> {
        let rest = bytes.strip_prefix(b"=?")?;
        let charset_end = rest.iter().position(|&b| b == b'?')?;
        let charset = &rest[..charset_end];
        let after = &rest[charset_end + 1..];
        let (&encoding, after) = after.split_first()?;
        let text = after.strip_prefix(b"?")?;
        let end = find(text, b"?=")?;
        let text = &text[..end];
        let valid = !charset.is_empty()
            && charset.iter().all(|b| b.is_ascii_graphic())
            && matches!(encoding.to_ascii_lowercase(), b'q' | b'b')
            && !text.contains(&b'\n');
        valid.then_some(Word {
            charset,
            encoding,
            text,
            len: 2 + charset_end + 3 + end + 2,
        })
    }

    /// Writes the word as a decoder should read it.
    fn write(&self, out: &mut Vec<u8>) {
        let label = self
            .charset
            .split(|&b| b == b'*')
            .next()
            .unwrap_or_default();
        if charset_decoder(label).is_none() && !is_utf8_label(label) {
            out.extend_from_slice(b"=?utf-8?q?");
            let literal = [
                b"=?",
                self.charset,
                b"?",
                &[self.encoding],
                b"?",
                self.text,
                b"?=",
            ];
            for byte in literal.concat() {
                push_q(out, byte, true);
            }
            out.extend_from_slice(b"?=");
            return;
        }
        out.extend_from_slice(b"=?");
        out.extend_from_slice(self.charset);
        out.push(b'?');
        out.push(self.encoding);
        out.push(b'?');
        match self.encoding.eq_ignore_ascii_case(&b'q') {
            true => self.text.iter().for_each(|&byte| push_q(out, byte, false)),
            false => out.extend_from_slice(self.text),
        }
        out.extend_from_slice(b"?=");
    }
}

/// Whether `label` names UTF-8 (which the decoder reads without a table).
fn is_utf8_label(label: &[u8]) -> bool {
    label.eq_ignore_ascii_case(b"utf-8") || label.eq_ignore_ascii_case(b"utf8")
}

/// Appends `byte` to a `Q` word: as it is when printable ASCII (and not a `Q` special, when
/// `all` asks every special escaped), else as `=XX`.
fn push_q(out: &mut Vec<u8>, byte: u8, all: bool) {
    let special = all && matches!(byte, b'=' | b'?' | b'_' | b' ');
    match byte.is_ascii_graphic() && !special || (!all && byte == b' ') {
        true => out.push(byte),
        false => out.extend_from_slice(format!("={byte:02X}").as_bytes()),
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &[u8]) -> String {
        String::from_utf8(readable(value)).unwrap()
    }

    #[test]
    fn latin1_characters_give_their_bytes_back() {
        assert_eq!(bytes_of("RelatÃ³rio"), "Relatório".as_bytes());
        assert_eq!(bytes_of("caf\u{e9}"), b"caf\xe9");
        assert_eq!(bytes_of("日本"), "日本".as_bytes());
    }

    #[test]
    fn words_keep_their_charsets_and_unknown_ones_read_as_written() {
        assert_eq!(
            read(b"=?iso-8859-1?q?caf\xe9_cr\xe8me?="),
            "=?iso-8859-1?q?caf=E9_cr=E8me?="
        );
        assert_eq!(
            read(b"=?x-klingon?q?Qapla?="),
            "=?utf-8?q?=3D=3Fx-klingon=3Fq=3FQapla=3F=3D?="
        );
        assert_eq!(
            read(b"Jos\xe9 and =?utf-8?b?w6k=?="),
            "Jos\u{e9} and =?utf-8?b?w6k=?="
        );
        assert_eq!(read("Relatório".as_bytes()), "Relatório");
        for broken in [
            &b"=?"[..],
            b"=?utf-8?q?open",
            b"=??q?x?=",
            b"=?a?z?x?=",
            b"a=?",
        ] {
            assert_eq!(read(broken), String::from_utf8_lossy(broken));
        }
    }
}
