//! The contents of generated mail: text in several languages and charsets, the MIME shapes real
//! mailers write, inline images and attachments.

use super::compose::{self, Node, Transfer, Word};
use super::corpus::{self, FileKind, Language, Naming, PEOPLE};
use super::rng::Rng;
use crate::wire::escape_html;

/// A language written in a charset, with the transfer encodings of its parts.
pub(super) struct Style {
    /// The language of subjects and bodies.
    pub language: &'static Language,
    /// The charset of the text parts.
    pub charset: &'static str,
    plain: Transfer,
    html: Transfer,
    /// Charset and kind of the encoded words of non-ASCII subjects.
    pub subject: (&'static str, Word),
}

/// The text styles, in rotation.
pub(super) const STYLES: [Style; 8] = [
    style(
        &corpus::ENGLISH,
        "us-ascii",
        Transfer::SevenBit,
        Transfer::SevenBit,
        ("utf-8", Word::Q),
    ),
    style(
        &corpus::ENGLISH_TYPOGRAPHIC,
        "utf-8",
        Transfer::QuotedPrintable,
        Transfer::QuotedPrintable,
        ("utf-8", Word::B),
    ),
    style(
        &corpus::GERMAN,
        "iso-8859-1",
        Transfer::QuotedPrintable,
        Transfer::QuotedPrintable,
        ("iso-8859-1", Word::Q),
    ),
    style(
        &corpus::FRENCH,
        "windows-1252",
        Transfer::QuotedPrintable,
        Transfer::EightBit,
        ("windows-1252", Word::Q),
    ),
    style(
        &corpus::JAPANESE,
        "iso-2022-jp",
        Transfer::SevenBit,
        Transfer::SevenBit,
        ("iso-2022-jp", Word::B),
    ),
    style(
        &corpus::JAPANESE,
        "shift_jis",
        Transfer::Base64,
        Transfer::EightBit,
        ("utf-8", Word::B),
    ),
    style(
        &corpus::POLISH,
        "utf-8",
        Transfer::Base64,
        Transfer::Base64,
        ("utf-8", Word::Q),
    ),
    style(
        &corpus::ENGLISH,
        "utf-8",
        Transfer::EightBit,
        Transfer::QuotedPrintable,
        ("utf-8", Word::B),
    ),
];

const fn style(
    language: &'static Language,
    charset: &'static str,
    plain: Transfer,
    html: Transfer,
    subject: (&'static str, Word),
) -> Style {
    Style {
        language,
        charset,
        plain,
        html,
        subject,
    }
}

/// The MIME structures, in rotation.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
    /// `text/plain`.
    Plain,
    /// `text/html` alone.
    HtmlOnly,
    /// `multipart/alternative` of text and HTML.
    Alternative,
    /// Gmail's: `multipart/alternative` of text and `multipart/related` of HTML and images.
    Related,
    /// Outlook's: `multipart/related` of `multipart/alternative` and images.
    RelatedAlternative,
    /// `multipart/mixed` of a body and attachments.
    Mixed,
    /// Thunderbird's: `multipart/mixed` of `multipart/related` (alternative + image) and files.
    MixedRelated,
}

pub(super) const SHAPES: [Shape; 7] = [
    Shape::Plain,
    Shape::Alternative,
    Shape::Mixed,
    Shape::Related,
    Shape::HtmlOnly,
    Shape::MixedRelated,
    Shape::RelatedAlternative,
];

/// The most bytes the attachments of one message hold together (base64 makes a third more),
/// so no message is much over 100 KB.
const ATTACHMENT_BUDGET: usize = 60_000;

/// The text of a body in `language`, signed by `signer`; a reply quotes its parent, written
/// at `quoting.0` by `quoting.1`.
pub(super) fn text(
    rng: &mut Rng,
    language: &Language,
    signer: &str,
    quoting: Option<(&str, &str)>,
) -> String {
    let sentences = match rng.below(100) {
        0..4 => rng.between(60, 200),
        4..20 => rng.between(10, 40),
        _ => rng.between(1, 6),
    };
    let mut text = String::new();
    for i in 0..sentences {
        let sentence: &&str = rng.pick(language.sentences);
        text.push_str(sentence);
        text.push_str(if i % 4 == 3 { "\n\n" } else { " " });
    }
    text = text.trim_end().to_owned();
    text.push_str(&format!("\n\n{},\n{signer}\n", language.closing));
    if let Some((date, author)) = quoting {
        let quoted = rng.pick(language.sentences);
        text.push_str(&format!("\nOn {date}, {author} wrote:\n> {quoted}\n"));
    }
    text
}

/// The body of `shape` for `text` in `style`.
pub(super) fn body(
    rng: &mut Rng,
    shape: Shape,
    style: &Style,
    subject: &str,
    text: &str,
    index: usize,
) -> Node {
    let charset = style.charset;
    let plain = || {
        Node::leaf(
            &format!("text/plain; charset=\"{charset}\""),
            style.plain,
            &compose::in_charset(text, charset),
        )
    };
    let images: Vec<(String, Node)> = match shape {
        Shape::Related | Shape::RelatedAlternative | Shape::MixedRelated => (0..rng.between(1, 2))
            .map(|n| {
                let cid = format!("ii_{:x}{n}", rng.next_u64());
                let named = n == 0 && index.is_multiple_of(2);
                (cid.clone(), inline_image(rng, &cid, named))
            })
            .collect(),
        _ => Vec::new(),
    };
    let cids: Vec<&str> = images.iter().map(|(c, _)| c.as_str()).collect();
    let html_bytes = compose::in_charset(&html_of(subject, text, charset, &cids), charset);
    let html = || {
        Node::leaf(
            &format!("text/html; charset=\"{charset}\""),
            style.html,
            &html_bytes,
        )
    };
    let images: Vec<Node> = images.into_iter().map(|(_, node)| node).collect();
    let [outer, middle, inner] =
        std::array::from_fn(|_| format!("000000000000{:012x}", rng.next_u64() >> 16));
    let alternative = |boundary| Node::multipart("alternative", boundary, vec![plain(), html()]);
    match shape {
        Shape::Plain => plain(),
        Shape::HtmlOnly => html(),
        Shape::Alternative => alternative(outer),
        Shape::Related => {
            let related = Node::multipart("related", inner, with_rest(html(), images));
            Node::multipart("alternative", outer, vec![plain(), related])
        }
        Shape::RelatedAlternative => {
            Node::multipart("related", outer, with_rest(alternative(inner), images))
        }
        Shape::Mixed | Shape::MixedRelated => {
            let body = match shape {
                Shape::Mixed if index.is_multiple_of(2) => plain(),
                Shape::Mixed => alternative(middle),
                _ => Node::multipart("related", middle, with_rest(alternative(inner), images)),
            };
            let count = rng.between(1, 3);
            let mut budget = ATTACHMENT_BUDGET;
            let files = (0..count)
                .map(|n| attachment(rng, index / SHAPES.len() + n, &mut budget))
                .collect();
            Node::multipart("mixed", outer, with_rest(body, files))
        }
    }
}

/// A PNG shown inline by `cid`, with a file name when `named`.
fn inline_image(rng: &mut Rng, cid: &str, named: bool) -> Node {
    let size = rng.between(300, 6000);
    let bytes = file_bytes(rng, FileKind::Png, size);
    let node = Node::leaf("image/png", Transfer::Base64, &bytes);
    let node = match named {
        true => node.with("Content-Disposition", "inline; filename=\"logo.png\""),
        false => node,
    };
    node.with("Content-ID", format!("<{cid}>"))
}

/// Attachment number `n` of the rotation of [`corpus::FILES`], taking its size out of
/// `budget`.
fn attachment(rng: &mut Rng, n: usize, budget: &mut usize) -> Node {
    let file = &corpus::FILES[n % corpus::FILES.len()];
    let wanted = match rng.below(100) {
        0..60 => rng.between(200, 3_000),
        60..90 => rng.between(3_000, 15_000),
        _ => rng.between(15_000, 50_000),
    };
    let size = wanted.min(*budget).max(200);
    *budget = budget.saturating_sub(size);
    let bytes = file_bytes(rng, file.kind, size);
    let (type_param, disposition_param) = match file.naming {
        Naming::Plain => (
            format!("name=\"{}\"", file.name),
            format!("filename=\"{}\"", file.name),
        ),
        Naming::Rfc2231 => (
            compose::rfc2231_param("name", file.name, "utf-8"),
            compose::rfc2231_param("filename", file.name, "utf-8"),
        ),
        Naming::EncodedWord => {
            let word = compose::encoded_words(file.name, "UTF-8", Word::B);
            (format!("name=\"{word}\""), format!("filename=\"{word}\""))
        }
    };
    let transfer = match file.kind {
        FileKind::Csv | FileKind::Text => Transfer::QuotedPrintable,
        _ => Transfer::Base64,
    };
    let node = Node::leaf(
        &format!("{}; {type_param}", file.mime_type),
        transfer,
        &bytes,
    )
    .with(
        "Content-Disposition",
        format!("attachment; {disposition_param}"),
    );
    match rng.chance(50) {
        true => {
            let id = format!("f_{:x}", rng.next_u64());
            node.with("X-Attachment-Id", id.clone())
                .with("Content-ID", format!("<{id}>"))
        }
        false => node,
    }
}

/// About `size` bytes that look like a file of `kind`.
fn file_bytes(rng: &mut Rng, kind: FileKind, size: usize) -> Vec<u8> {
    let text_line = |rng: &mut Rng, n: usize| match kind {
        FileKind::Csv => format!(
            "{n},{},{}.{:02}\n",
            rng.pick(&PEOPLE).address,
            rng.below(5000),
            rng.below(100)
        ),
        _ => format!("{}\n", rng.pick(corpus::ENGLISH.sentences)),
    };
    let (head, tail): (&[u8], &[u8]) = match kind {
        FileKind::Pdf => (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"),
        FileKind::Png => (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b"\0\0\0\0IEND\xaeB`\x82"),
        FileKind::Jpeg => (b"\xff\xd8\xff\xe0\0\x10JFIF\0", b"\xff\xd9"),
        FileKind::Zip => (b"PK\x03\x04\x14\0\x06\0", b"PK\x05\x06"),
        FileKind::Csv => (b"id,email,amount\n", b""),
        FileKind::Text => (b"", b""),
    };
    let mut out = head.to_vec();
    match kind {
        FileKind::Csv | FileKind::Text => {
            let mut n = 1;
            while out.len() < size {
                out.extend_from_slice(text_line(rng, n).as_bytes());
                n += 1;
            }
        }
        _ => out.extend(rng.bytes(size.saturating_sub(head.len() + tail.len()))),
    }
    out.extend_from_slice(tail);
    out
}

/// `first` followed by `rest`.
fn with_rest(first: Node, rest: Vec<Node>) -> Vec<Node> {
    std::iter::once(first).chain(rest).collect()
}

/// An HTML rendering of `text` declaring `charset`, showing the `cids` images.
fn html_of(subject: &str, text: &str, charset: &str, cids: &[&str]) -> String {
    let mut html = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\"><title>{}</title></head><body><div dir=\"ltr\">",
        escape_html(subject)
    );
    for paragraph in text.split("\n\n") {
        html.push_str("<p>");
        html.push_str(&escape_html(paragraph).replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    for cid in cids {
        html.push_str(&format!(
            "<img src=\"cid:{cid}\" alt=\"\" width=\"120\" height=\"40\">\n"
        ));
    }
    html.push_str("</div></body></html>\n");
    html
}
