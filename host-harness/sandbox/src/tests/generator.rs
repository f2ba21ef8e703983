//! The mailbox generator: deterministic, fast, and as varied as real mail.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::config::SandboxConfig;
use crate::gmail;
use crate::mailbox::mime::Part;
use crate::mailbox::{Mailbox, MailboxSpec};

/// A Gmail-filed mailbox seeded by `spec`.
fn seeded(spec: &MailboxSpec) -> Mailbox {
    let config = SandboxConfig::default();
    let mut mailbox = Mailbox::new(&config.google_user, gmail::filing);
    mailbox.seed(spec);
    mailbox
}

/// `part`'s structure, e.g. `multipart/mixed[text/plain,application/pdf]`.
fn shape(part: &Part) -> String {
    match part.parts.is_empty() {
        true => part.mime_type.clone(),
        false => {
            let inner: Vec<String> = part.parts.iter().map(shape).collect();
            format!("{}[{}]", part.mime_type, inner.join(","))
        }
    }
}

#[test]
fn same_seed_same_bytes() {
    let spec = MailboxSpec {
        messages: 300,
        ..MailboxSpec::default()
    };
    let raw = |mailbox: &Mailbox| -> Vec<Vec<u8>> {
        mailbox
            .messages()
            .map(|m| m.content.raw().to_vec())
            .collect()
    };
    let first = seeded(&spec);
    assert_eq!(first.messages().count(), 300);
    assert_eq!(raw(&first), raw(&seeded(&spec)));
    let other = seeded(&MailboxSpec {
        seed: 2,
        ..spec.clone()
    });
    assert_ne!(raw(&first), raw(&other));
    // Dates start at `start` and only grow.
    let dates: Vec<u64> = first.messages().map(|m| m.id.received_ms).collect();
    assert!(dates[0] > spec.start * 1000 && dates[0] < (spec.start + 4 * 3600) * 1000);
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn two_thousand_messages_build_quickly() {
    let started = Instant::now();
    let mailbox = seeded(&MailboxSpec {
        messages: 2000,
        seed: 7,
        start: 1_600_000_000,
    });
    let took = started.elapsed();
    assert_eq!(mailbox.messages().count(), 2000);
    // Well under a second even unoptimized (a release build takes a fraction of that).
    assert!(took < Duration::from_millis(1000), "took {took:?}");
}

#[test]
fn shapes_charsets_and_encodings_are_all_there() {
    let mailbox = seeded(&MailboxSpec {
        messages: 2000,
        seed: 11,
        start: 1_600_000_000,
    });
    let mut shapes = BTreeSet::new();
    let mut charsets = BTreeSet::new();
    let mut transfers = BTreeSet::new();
    let mut words = BTreeSet::new();
    let mut labels = BTreeSet::new();
    let mut filenames = BTreeSet::new();
    let (mut replies, mut rfc2231, mut inline_images) = (0, 0, 0);
    let (mut smallest, mut largest) = (usize::MAX, 0);
    for message in mailbox.messages() {
        let raw = message.content.raw();
        smallest = smallest.min(raw.len());
        largest = largest.max(raw.len());
        let parsed = message.content.parsed();
        assert!(!parsed.subject.is_empty());
        let text = parsed.plain_text();
        assert!(!text.is_empty() && !text.contains('\u{fffd}'), "{text}");
        assert!(!parsed.subject.contains('\u{fffd}') && !parsed.subject.contains("=?"));
        shapes.insert(shape(&parsed.root));
        labels.extend(message.state.tags.iter().cloned());
        let headers = String::from_utf8_lossy(raw);
        if headers.contains("\r\nIn-Reply-To: ") {
            replies += 1;
            assert!(parsed.subject.starts_with("Re: "));
            assert_ne!(message.thread, message.id);
        }
        rfc2231 += usize::from(headers.contains("filename*"));
        for word in ["?B?", "?Q?"] {
            if headers.split("\r\n\r\n").next().unwrap().contains(word) {
                words.insert(word);
            }
        }
        for part in parsed.root.walk() {
            for header in &part.headers {
                if header.name == "Content-Type"
                    && let Some(charset) = header.value.split("charset=\"").nth(1)
                {
                    charsets.insert(charset.trim_end_matches('"').to_owned());
                }
                if header.name == "Content-Transfer-Encoding" {
                    transfers.insert(header.value.clone());
                }
            }
            if !part.filename.is_empty() {
                filenames.insert(part.filename.clone());
            }
            inline_images +=
                usize::from(part.content_id.is_some() && part.mime_type == "image/png");
        }
    }
    for expected in [
        "text/plain",
        "text/html",
        "multipart/alternative[text/plain,text/html]",
        "multipart/alternative[text/plain,multipart/related[text/html,image/png]]",
        "multipart/related[multipart/alternative[text/plain,text/html],image/png,image/png]",
    ] {
        assert!(
            shapes.contains(expected),
            "{expected} missing from {shapes:#?}"
        );
    }
    assert!(
        shapes
            .iter()
            .any(|s| s.starts_with("multipart/mixed[multipart/related"))
    );
    assert!(
        shapes
            .iter()
            .any(|s| s.starts_with("multipart/mixed[text/plain,"))
    );
    let charsets: Vec<&str> = charsets.iter().map(String::as_str).collect();
    assert_eq!(
        charsets,
        [
            "iso-2022-jp",
            "iso-8859-1",
            "shift_jis",
            "us-ascii",
            "utf-8",
            "windows-1252"
        ]
    );
    let transfers: Vec<&str> = transfers.iter().map(String::as_str).collect();
    assert_eq!(transfers, ["7bit", "8bit", "base64", "quoted-printable"]);
    assert_eq!(words.len(), 2);
    for label in [
        "INBOX",
        "SENT",
        "DRAFT",
        "SPAM",
        "TRASH",
        "IMPORTANT",
        "Label_1",
        "Label_3",
    ] {
        assert!(labels.contains(label), "{label} missing");
    }
    for name in [
        "Überweisung März.pdf",
        "見積書_2024年度.xlsx",
        "résumé final.docx",
        "logo.png",
    ] {
        assert!(
            filenames.contains(name),
            "{name} missing from {filenames:?}"
        );
    }
    assert!(
        replies > 200 && rfc2231 > 50 && inline_images > 100,
        "{replies} {rfc2231} {inline_images}"
    );
    assert!(smallest < 1500, "smallest {smallest}");
    assert!((60_000..=110_000).contains(&largest), "largest {largest}");
}
