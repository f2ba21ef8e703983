//! Real mail through the real component: a corpus of hard messages (`tests/corpus/*.eml`, and
//! the large ones generated here) put in both sandbox mailboxes as delivered mail, synced, and
//! read back. Every one syncs through both providers without a trap, and what the component
//! makes of it (subject, from, to, date, text, attachment names, types, sizes and bytes) agrees
//! with an independent parser, mailparse, read the way each provider shows mail:
//!
//! - Gmail gives each part's bytes, so sizes are exact and a `format=flowed` text is unwrapped
//!   by the component;
//! - Graph names unnamed files itself (`attachment1.png`), names a forwarded message after its
//!   subject, reports sizes larger than the bytes, serves HTML bodies, and leaves flowed text
//!   as it was sent (the sandbox's rules cite their sources).

mod common;

use common::{KINDS, World};
use email_harness::sandbox::Provider as SandboxProvider;
use email_harness::types::{Account, App, AttachmentRequest, Message, Provider};
use mailparse::{DispositionType, MailAddr, MailHeaderMap as _, ParsedMail};
use std::path::Path;

/// One message of the corpus.
struct Case {
    /// Its file name, or what it is when generated.
    name: String,
    /// Its bytes.
    raw: Vec<u8>,
    /// The subject, when mailparse cannot be the reference for it.
    subject: Option<&'static str>,
    /// The sender's display name, likewise.
    from_name: Option<&'static str>,
}

impl Case {
    fn new(name: &str, raw: Vec<u8>) -> Case {
        Case {
            name: name.to_owned(),
            raw,
            subject: None,
            from_name: None,
        }
    }
}

/// The corpus files, then the generated ones: 1,000 multiparts nested in each other and a
/// message to 10,000 recipients.
fn corpus() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    let mut cases: Vec<Case> = names
        .iter()
        .map(|name| Case::new(name, std::fs::read(dir.join(name)).unwrap()))
        .collect();
    for case in &mut cases {
        // mailparse reads a raw 8-bit byte inside an encoded word as text, not in the word's
        // charset: the words decode as RFC 2047 defines them on bytes.
        if case.name == "raw-8bit-in-encoded-word.eml" {
            case.subject = Some("Café crème");
            case.from_name = Some("Françoise Dupont");
        }
        // mailparse takes `=?utf-8?q?Half_open and =?utf-8?b?!!!?=` for one word, spaces and
        // all; RFC 2047 (section 5) allows no white space inside a word, so none of these is
        // one that decodes, and the subject reads as written.
        if case.name == "broken-encoded-words.eml" {
            case.subject = Some("=?utf-8?q?Half_open and =?utf-8?b?!!!?= plus =?utf-8?x?odd?= end");
        }
    }
    cases.push(Case::new("1,000 nested multiparts", nested(1000)));
    cases.push(Case::new("10,000 recipients", crowd(10_000)));
    cases
}

/// A message whose text sits inside `depth` multiparts, each inside the one before.
fn nested(depth: usize) -> Vec<u8> {
    let mut raw = String::from(
        "From: Deep <deep@example.com>\r\nTo: Olaf Lind <olaf@example.de>\r\nSubject: Nested deep\r\n\
         Date: Fri, 24 May 2024 10:00:00 +0000\r\nMessage-ID: <deep-1@example.com>\r\nMIME-Version: 1.0\r\n",
    );
    for level in 0..depth {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"level{level:04}\"\r\n\r\n--level{level:04}\r\n"
        ));
    }
    raw.push_str("Content-Type: text/plain; charset=us-ascii\r\n\r\nAt the bottom of it all.\r\n");
    for level in (0..depth).rev() {
        raw.push_str(&format!("--level{level:04}--\r\n"));
    }
    raw.into_bytes()
}

/// A message to `count` recipients.
fn crowd(count: usize) -> Vec<u8> {
    let to: Vec<String> = (0..count)
        .map(|i| format!("Member {i} <member{i}@crowd.example.org>"))
        .collect();
    format!(
        "From: Organizer <organizer@example.org>\r\nTo: {}\r\nSubject: Everyone is invited\r\n\
         Date: Sat, 25 May 2024 10:00:00 +0000\r\nMessage-ID: <crowd-1@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\nSee you all there.\r\n",
        to.join(",\r\n ")
    )
    .into_bytes()
}

/// A file of a message, as mailparse reads it.
#[derive(Debug, Clone)]
struct File {
    /// Its file name (`Content-Disposition` `filename`, else `Content-Type` `name`).
    name: Option<String>,
    mime_type: String,
    /// Its content, transfer encoding undone (for a forwarded message: that message).
    bytes: Vec<u8>,
    content_id: Option<String>,
}

impl File {
    /// Whether it is a forwarded message.
    fn is_message(&self) -> bool {
        self.mime_type == "message/rfc822"
    }

    /// The subject of the forwarded message it is.
    fn inner_subject(&self) -> String {
        subject_of(&self.bytes)
    }
}

/// What mailparse reads of a message.
#[derive(Debug)]
struct Expected {
    subject: Option<String>,
    from: Option<(Option<String>, String)>,
    to: Vec<(Option<String>, String)>,
    date: Option<i64>,
    /// The first `text/plain` body, and whether it is flowed with `delsp=yes`.
    text: Option<(String, Option<bool>)>,
    html: Option<String>,
    files: Vec<File>,
}

fn expected(case: &Case) -> Expected {
    let mail = mailparse::parse_mail(&case.raw).expect("mailparse reads it");
    let headers = &mail.headers;
    let addresses = |name: &str| -> Vec<(Option<String>, String)> {
        headers
            .get_first_header(name)
            .and_then(|h| mailparse::addrparse_header(h).ok())
            .map(|list| {
                list.iter()
                    .flat_map(|a| match a {
                        MailAddr::Single(s) => vec![s.clone()],
                        MailAddr::Group(g) => g.addrs.clone(),
                    })
                    .map(|s| (s.display_name.filter(|n| !n.is_empty()), s.addr))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = Expected {
        subject: case
            .subject
            .map(str::to_owned)
            .or_else(|| headers.get_first_value("Subject")),
        from: addresses("From")
            .into_iter()
            .next()
            .map(|(name, address)| (case.from_name.map(str::to_owned).or(name), address)),
        to: addresses("To"),
        date: headers
            .get_first_value("Date")
            .and_then(|d| mailparse::dateparse(&d).ok()),
        text: None,
        html: None,
        files: Vec::new(),
    };
    // Iteratively, depth first: mail nests deeper than a test thread's stack likes.
    let mut stack: Vec<&ParsedMail> = vec![&mail];
    while let Some(part) = stack.pop() {
        let mime_type = part.ctype.mimetype.to_ascii_lowercase();
        if mime_type.starts_with("multipart/") {
            stack.extend(part.subparts.iter().rev());
            continue;
        }
        let disposition = part.get_content_disposition();
        let name = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .cloned();
        let declared = headers_has(part, "Content-Disposition")
            && disposition.disposition == DispositionType::Attachment;
        let file = declared || name.is_some() || !mime_type.starts_with("text/");
        if !file {
            let flowed = part
                .ctype
                .params
                .get("format")
                .map(|f| f.to_ascii_lowercase());
            let delsp = flowed.filter(|f| f == "flowed").map(|_| {
                part.ctype
                    .params
                    .get("delsp")
                    .is_some_and(|d| d.eq_ignore_ascii_case("yes"))
            });
            match mime_type.as_str() {
                "text/plain" if found.text.is_none() => {
                    found.text = Some((part.get_body().unwrap(), delsp));
                }
                "text/html" if found.html.is_none() => found.html = Some(part.get_body().unwrap()),
                _ => {}
            }
            continue;
        }
        found.files.push(File {
            name,
            mime_type,
            bytes: part.get_body_raw().unwrap(),
            content_id: part
                .headers
                .get_first_value("Content-ID")
                .map(|c| c.trim().trim_matches(['<', '>']).to_owned()),
        });
    }
    found
}

fn headers_has(part: &ParsedMail, name: &str) -> bool {
    part.headers.get_first_header(name).is_some()
}

/// The decoded subject of a raw message.
fn subject_of(raw: &[u8]) -> String {
    mailparse::parse_mail(raw)
        .ok()
        .and_then(|m| m.headers.get_first_value("Subject"))
        .unwrap_or_default()
}

/// The file name a forwarded message without one gets: its subject, made safe, and `.eml`.
fn eml_name(subject: &str) -> String {
    let safe: String = subject
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if safe.is_empty() {
        "message.eml".to_owned()
    } else {
        format!("{safe}.eml")
    }
}

/// `text` unwrapped as RFC 3676 says (soft breaks joined, stuffing removed, `delsp` honoured),
/// quote marks kept at the start of each paragraph.
fn unflowed(text: &str, delsp: bool) -> String {
    let mut paragraphs: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let depth = line.chars().take_while(|&c| c == '>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let soft = content.ends_with(' ') && content != "-- ";
        let piece = if soft && delsp {
            &content[..content.len() - 1]
        } else {
            content
        };
        match paragraphs.last_mut() {
            Some((d, p)) if open && *d == depth => p.push_str(piece),
            _ => paragraphs.push((depth, piece.to_owned())),
        }
        open = soft;
    }
    paragraphs
        .into_iter()
        .map(|(depth, p)| match depth {
            0 => p,
            _ => format!("{} {p}", ">".repeat(depth)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an HTML document: tags dropped, the common entities decoded.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// `text` with every run of whitespace as one space, trimmed.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A connected account of `kind` and the sandbox provider it is on.
struct Reader {
    kind: Provider,
    app: App,
    account: Account,
}

impl Reader {
    fn new(world: &World, kind: Provider) -> Reader {
        let (app, account) = world.connect(kind);
        Reader { kind, app, account }
    }

    fn sandbox(&self) -> SandboxProvider {
        match self.kind {
            Provider::Google => SandboxProvider::Google,
            Provider::Microsoft => SandboxProvider::Microsoft,
        }
    }

    /// Puts `raw` in the inbox as delivered mail; its id.
    fn deliver(&self, world: &World, raw: &[u8]) -> String {
        let place = match self.kind {
            Provider::Google => "INBOX",
            Provider::Microsoft => "inbox",
        };
        world.sandbox.insert_raw(self.sandbox(), raw, &[place])
    }

    /// Every message a first sync gives, by id.
    fn sync(&self, world: &World) -> std::collections::BTreeMap<String, Message> {
        world
            .sync_pages(&self.app, &self.account, None)
            .into_iter()
            .flat_map(|page| page.messages)
            .map(|m| (m.id.clone(), m))
            .collect()
    }

    /// The bytes of attachment `attachment` of message `id`, at most `max` of them (none when
    /// the call fails).
    fn download(&self, world: &World, id: &str, attachment: &str, max: u64) -> Vec<u8> {
        world
            .harness
            .get_attachment(
                &self.app,
                &self.account,
                &AttachmentRequest {
                    message_id: id.to_owned(),
                    attachment_id: attachment.to_owned(),
                    max_bytes: max,
                },
            )
            .map(|data| data.content)
            .unwrap_or_default()
    }
}

/// The readable text of a message as the component gives it.
fn readable(message: &Message) -> String {
    match (&message.text_body, &message.html_body) {
        (Some(text), _) => words(text),
        (None, Some(html)) => words(&html_text(html)),
        (None, None) => String::new(),
    }
}

/// The readable text the reference expects from `kind`: Gmail's text body (unwrapped when
/// flowed), else its HTML's text; Graph's HTML body (its text's, when it has no HTML), flowed
/// text as it was sent.
fn expected_text(expected: &Expected, kind: Provider) -> String {
    let text = expected
        .text
        .as_ref()
        .map(|(text, flowed)| match (kind, flowed) {
            (Provider::Google, Some(delsp)) => unflowed(text, *delsp),
            _ => text.clone(),
        });
    let html = expected.html.as_deref().map(html_text);
    let chosen = match kind {
        Provider::Google => text.or(html),
        Provider::Microsoft => html.or(text),
    };
    words(&chosen.unwrap_or_default())
}

/// What differs from the reference, one line each.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// Notes `what` unless `actual` equals `wanted`.
    fn same<T: PartialEq + std::fmt::Debug>(&mut self, actual: T, wanted: T, what: &str) {
        if actual != wanted {
            self.0
                .push(format!("{what}: {actual:?}, wanted {wanted:?}"));
        }
    }

    /// Notes `what` unless `holds`.
    fn holds(&mut self, holds: bool, what: &str) {
        if !holds {
            self.0.push(what.to_owned());
        }
    }
}

/// Checks `message`, read through `reader`, against what mailparse reads of `case`.
fn check(world: &World, reader: &Reader, case: &Case, message: &Message, found: &mut Findings) {
    let kind = reader.kind;
    let what = format!("{kind:?} {}", case.name);
    let expected = expected(case);
    found.same(
        &message.subject,
        &expected.subject,
        &format!("{what}: subject"),
    );
    let from = message
        .from
        .as_ref()
        .map(|f| (f.name.clone(), f.address.to_ascii_lowercase()));
    let want_from = expected
        .from
        .as_ref()
        .map(|(name, address)| (name.clone(), address.to_ascii_lowercase()));
    match kind {
        Provider::Google => found.same(&from, &want_from, &format!("{what}: from")),
        // Graph shows the address as the name when there is none.
        Provider::Microsoft => found.same(
            from.map(|(_, a)| a),
            want_from.map(|(_, a)| a),
            &format!("{what}: from"),
        ),
    }
    let to: Vec<String> = message
        .to
        .iter()
        .map(|a| a.address.to_ascii_lowercase())
        .collect();
    let want_to: Vec<String> = expected
        .to
        .iter()
        .map(|(_, a)| a.to_ascii_lowercase())
        .collect();
    found.same(to.len(), want_to.len(), &format!("{what}: recipients"));
    found.same(&to, &want_to, &format!("{what}: to"));
    if kind == Provider::Google {
        let names: Vec<Option<String>> = message.to.iter().map(|a| a.name.clone()).collect();
        let want: Vec<Option<String>> = expected.to.iter().map(|(n, _)| n.clone()).collect();
        found.same(&names, &want, &format!("{what}: to names"));
    }
    found.same(message.date, expected.date, &format!("{what}: date"));
    found.same(
        readable(message),
        expected_text(&expected, kind),
        &format!("{what}: text"),
    );
    check_files(world, reader, &what, message, &expected.files, found);
}

/// Checks the attachments of `message` against `files`, and downloads each.
fn check_files(
    world: &World,
    reader: &Reader,
    what: &str,
    message: &Message,
    files: &[File],
    found: &mut Findings,
) {
    let listed: Vec<(Option<&str>, &str)> = message
        .attachments
        .iter()
        .map(|a| (a.filename.as_deref(), a.mime_type.as_str()))
        .collect();
    if message.attachments.len() != files.len() {
        found.0.push(format!(
            "{what}: {} attachments {listed:?}, wanted {}",
            message.attachments.len(),
            files.len()
        ));
        return;
    }
    for (ordinal, (attachment, file)) in message.attachments.iter().zip(files).enumerate() {
        let name = match (reader.kind, file.is_message(), &file.name) {
            // Graph names a forwarded message after its subject, whatever the part's name.
            (Provider::Microsoft, true, _) | (Provider::Google, true, None) => {
                Some(eml_name(&file.inner_subject()))
            }
            (_, _, Some(name)) => Some(name.clone()),
            (Provider::Google, false, None) => None,
            (Provider::Microsoft, false, None) => {
                let subtype = file.mime_type.rsplit('/').next().unwrap();
                Some(format!("attachment{}.{subtype}", ordinal + 1))
            }
        };
        let at = format!("{what}: file {ordinal}");
        found.same(&attachment.filename, &name, &format!("{at} name"));
        found.same(
            &attachment.mime_type,
            &file.mime_type,
            &format!("{at} type"),
        );
        let size = file.bytes.len() as u64;
        let sized = match (reader.kind, file.is_message()) {
            (Provider::Google, false) => attachment.size == size,
            // Gmail gives no size for a forwarded message: what its parts add up to.
            (Provider::Google, true) => attachment.size > 0,
            // Exchange counts the attachment item, properties and all.
            (Provider::Microsoft, _) => attachment.size > size,
        };
        found.holds(
            sized,
            &format!("{at} size {} for {size} bytes", attachment.size),
        );
        // The component lists Graph attachments with `$select` on the base type, which cannot
        // name `contentId` (a `fileAttachment` property): Graph gives no content ids.
        if file.content_id.is_some() && reader.kind == Provider::Google {
            found.same(
                &attachment.content_id,
                &file.content_id,
                &format!("{at} content id"),
            );
        }
        let bytes = reader.download(world, &message.id, &attachment.id, 100_000_000);
        match file.is_message() {
            false => found.holds(bytes == file.bytes, &format!("{at} bytes")),
            // Exchange writes the message's MIME again: read it as a message.
            true => found.same(
                subject_of(&bytes),
                file.inner_subject(),
                &format!("{at}: the forwarded message's subject"),
            ),
        }
    }
}

#[test]
fn every_message_of_the_corpus_reads_as_an_independent_parser_reads_it() {
    let world = World::new();
    let cases = corpus();
    let mut found = Findings::default();
    for kind in KINDS {
        let reader = Reader::new(&world, kind);
        let ids: Vec<String> = cases
            .iter()
            .map(|c| reader.deliver(&world, &c.raw))
            .collect();
        let synced = reader.sync(&world);
        for (case, id) in cases.iter().zip(&ids) {
            let Some(message) = synced.get(id) else {
                found.0.push(format!("{kind:?} {}: not synced", case.name));
                continue;
            };
            check(&world, &reader, case, message, &mut found);
            match world.harness.get_message(&reader.app, &reader.account, id) {
                Ok(fetched) => found.same(
                    (&fetched.message.subject, fetched.message.attachments.len()),
                    (&message.subject, message.attachments.len()),
                    &format!("{kind:?} {}: get-message", case.name),
                ),
                Err(e) => found
                    .0
                    .push(format!("{kind:?} {}: get-message: {e}", case.name)),
            }
        }
    }
    assert!(found.0.is_empty(), "{}", found.0.join("\n"));
}

/// What the component makes of mail that generated mail never showed, seen in a few exact
/// values: forwarded messages named after their subjects, each message of a digest, flowed
/// text joined (Gmail), words in their charsets.
#[test]
fn forwards_digests_flowed_text_and_raw_bytes_read_as_they_should() {
    let world = World::new();
    let cases = corpus();
    let raw = |name: &str| &cases.iter().find(|c| c.name == name).unwrap().raw;
    for kind in KINDS {
        let reader = Reader::new(&world, kind);
        let named = [
            "forwarded-unnamed.eml",
            "forwarded-named.eml",
            "multipart-digest.eml",
            "flowed.eml",
            "flowed-delsp.eml",
            "raw-8bit-in-encoded-word.eml",
            "eight-bit-headers.eml",
        ];
        let ids: Vec<String> = named
            .iter()
            .map(|n| reader.deliver(&world, raw(n)))
            .collect();
        let synced = reader.sync(&world);
        let message = |name: &str| &synced[&ids[named.iter().position(|n| *n == name).unwrap()]];
        let names = |name: &str| -> Vec<Option<String>> {
            message(name)
                .attachments
                .iter()
                .map(|a| a.filename.clone())
                .collect()
        };
        assert_eq!(
            names("forwarded-unnamed.eml"),
            [Some("Fotos vom Ausflug — Teil 1.eml".to_owned())],
            "{kind:?}"
        );
        let forwarded_named = match kind {
            Provider::Google => "original.eml",
            Provider::Microsoft => "Q3_ numbers_plan.eml",
        };
        assert_eq!(
            names("forwarded-named.eml"),
            [Some(forwarded_named.to_owned())]
        );
        assert_eq!(
            names("multipart-digest.eml"),
            [
                Some("First post.eml".to_owned()),
                Some("Second post.eml".to_owned())
            ],
            "{kind:?}"
        );
        let subject = |name: &str| message(name).subject.clone().unwrap_or_default();
        assert_eq!(
            subject("raw-8bit-in-encoded-word.eml"),
            "Café crème",
            "{kind:?}"
        );
        assert_eq!(
            message("raw-8bit-in-encoded-word.eml")
                .from
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("Françoise Dupont"),
            "{kind:?}"
        );
        assert_eq!(
            subject("eight-bit-headers.eml"),
            "Relatório de vendas — março",
            "{kind:?}"
        );
        if kind == Provider::Google {
            let text = |name: &str| message(name).text_body.clone().unwrap_or_default();
            assert!(
                text("flowed.eml")
                    .contains("wrapped at seventy-odd columns, each soft break marked"),
                "{}",
                text("flowed.eml")
            );
            assert!(
                text("flowed.eml")
                    .contains("\n> A quoted paragraph that was also wrapped by the sender.\n")
            );
            assert!(text("flowed-delsp.eml").starts_with(
                "Die Donaudampfschifffahrtsgesellschaft schreibt ein sehr langes Wort."
            ));
        }
    }
}

#[test]
fn a_thirty_megabyte_attachment_is_listed_refused_within_a_limit_and_downloaded() {
    let file: Vec<u8> = (0..30 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let encoded = {
        use std::fmt::Write as _;
        let text = base64_lines(&file);
        let mut raw = String::new();
        write!(
            raw,
            "From: Archive <archive@example.com>\r\nTo: Olaf Lind <olaf@example.de>\r\n\
             Subject: The whole archive\r\nDate: Sun, 26 May 2024 10:00:00 +0000\r\n\
             Message-ID: <big-1@example.com>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\n\
             Content-Type: text/plain; charset=us-ascii\r\n\r\nThirty megabytes attached.\r\n--big\r\n\
             Content-Type: application/octet-stream; name=\"archive.bin\"\r\n\
             Content-Disposition: attachment; filename=\"archive.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{text}\r\n--big--\r\n"
        )
        .unwrap();
        raw.into_bytes()
    };
    let case = Case::new("30 MB attachment", encoded);
    let world = World::new();
    for kind in KINDS {
        let reader = Reader::new(&world, kind);
        let id = reader.deliver(&world, &case.raw);
        let synced = reader.sync(&world);
        let message = &synced[&id];
        assert_eq!(message.subject.as_deref(), Some("The whole archive"));
        let attachment = &message.attachments[0];
        assert_eq!(attachment.filename.as_deref(), Some("archive.bin"));
        assert!(
            attachment.size >= file.len() as u64,
            "{kind:?}: {}",
            attachment.size
        );
        let refused = world.harness.get_attachment(
            &reader.app,
            &reader.account,
            &AttachmentRequest {
                message_id: id.clone(),
                attachment_id: attachment.id.clone(),
                max_bytes: 1024 * 1024,
            },
        );
        assert!(refused.is_err(), "{kind:?}: a 30 MB file within 1 MB");
        let bytes = reader.download(&world, &id, &attachment.id, 64 * 1024 * 1024);
        assert!(bytes == file, "{kind:?}: the bytes come back whole");
    }
}

/// `bytes` in base64, 76 characters a line.
fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 38 + 4);
    let mut line = 0;
    for chunk in bytes.chunks(3) {
        let n = match chunk.len() {
            3 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]),
            2 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8),
            _ => u32::from(chunk[0]) << 16,
        };
        for i in 0..4 {
            let c = if i <= chunk.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            };
            out.push(c);
        }
        line += 4;
        if line == 76 {
            out.push_str("\r\n");
            line = 0;
        }
    }
    out
}
