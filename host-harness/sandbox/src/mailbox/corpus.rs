//! The material generated mail is made of: correspondents, languages with their subjects and
//! sentences, and attachment files.

use super::compose::Word;

/// Someone who writes to the mailbox owner.
pub(crate) struct Person {
    /// Display name.
    pub name: &'static str,
    /// Address.
    pub address: &'static str,
    /// How a non-ASCII name is encoded in headers: charset and encoded-word kind.
    pub encoding: Option<(&'static str, Word)>,
}

/// The correspondents. Names that need it are RFC 2047 encoded (B and Q, several charsets); one
/// needs quoting.
pub(crate) const PEOPLE: [Person; 12] = [
    person("Alice Martin", "alice.martin@example.org", None),
    person("Bob Okafor", "bob@okafor.example", None),
    person(
        "José Müller",
        "jose.mueller@example.de",
        Some(("iso-8859-1", Word::Q)),
    ),
    person("Zoë Ångström", "zoe@example.se", Some(("utf-8", Word::Q))),
    person(
        "山田 太郎",
        "taro.yamada@example.jp",
        Some(("iso-2022-jp", Word::B)),
    ),
    person("Łukasz Żółć", "lukasz@example.pl", Some(("utf-8", Word::B))),
    person(
        "François Dupont",
        "francois@example.fr",
        Some(("windows-1252", Word::Q)),
    ),
    person("陈伟", "chen.wei@example.cn", Some(("utf-8", Word::B))),
    person("Dr. Grace Hopper", "grace@navy.example", None),
    person("GitHub", "notifications@github.example", None),
    person("Acme Deals", "deals@acme.example", None),
    person("Team Calendar", "calendar-noreply@example.com", None),
];

const fn person(
    name: &'static str,
    address: &'static str,
    encoding: Option<(&'static str, Word)>,
) -> Person {
    Person {
        name,
        address,
        encoding,
    }
}

/// A language mail is written in: subjects and sentences, and the ways its text is encoded.
pub(crate) struct Language {
    /// Subjects (first messages of threads).
    pub subjects: &'static [&'static str],
    /// Sentences bodies are made of.
    pub sentences: &'static [&'static str],
    /// How the closing line reads.
    pub closing: &'static str,
}

/// English: ASCII, with a few typographic characters in some sentences.
pub(crate) const ENGLISH: Language = Language {
    subjects: &[
        "Quarterly report draft",
        "Lunch on Thursday?",
        "Your invoice #4821 is ready",
        "Notes from today's planning meeting",
        "Build failed on main",
        "Weekend hiking plans",
        "Flash sale: 40% off everything",
        "Updated: Design review",
        "Question about the API rate limits",
        "Travel itinerary for the conference",
    ],
    sentences: &[
        "Thanks for sending this over so quickly.",
        "I had a look at the numbers and they mostly line up with what we expected.",
        "Could you check the second section again before Friday?",
        "The meeting moved to the small room on the third floor.",
        "Let me know if anything is unclear & I'll explain.",
        "We should ship the fix before the release candidate is cut.",
        "Attached are the files we talked about yesterday.",
        "The forecast says it will rain, so bring a jacket.",
        "Prices go back up at midnight <PST>, so don't wait too long.",
        "I'm not sure that's the right approach, but let's try it.",
    ],
    closing: "Best regards",
};

/// English with characters outside ASCII (curly quotes, dashes, emoji): UTF-8 only.
pub(crate) const ENGLISH_TYPOGRAPHIC: Language = Language {
    subjects: &[
        "Re-planning the “Atlas” launch — thoughts?",
        "🎉 Congrats on the release!",
        "Café order for the offsite ☕",
    ],
    sentences: &[
        "That’s a “great” idea — let’s do it.",
        "The café on the corner does a decent flat white ☕.",
        "We shipped it 🚀 and nothing broke… yet.",
        "Temperatures of −5 °C are expected tonight.",
    ],
    closing: "Cheers 👋",
};

/// German, all within Latin-1.
pub(crate) const GERMAN: Language = Language {
    subjects: &[
        "Überweisung für März",
        "Grüße aus München",
        "Änderung der Öffnungszeiten",
    ],
    sentences: &[
        "Vielen Dank für Ihre schnelle Rückmeldung.",
        "Die Unterlagen für das Gespräch am Dienstag schicke ich Ihnen morgen früh.",
        "Können Sie bitte die Größe der Datei prüfen?",
        "Wir treffen uns um 14 Uhr im Büro am Marienplatz.",
        "Schöne Grüße an das ganze Team.",
    ],
    closing: "Mit freundlichen Grüßen",
};

/// French, with characters only windows-1252 has (€, curly quotes, œ).
pub(crate) const FRENCH: Language = Language {
    subjects: &[
        "Réunion de l’équipe — ordre du jour",
        "Facture n° 2024-117 : 1 250 €",
        "Œuvres à présenter à l’exposition",
    ],
    sentences: &[
        "Merci pour votre réponse très détaillée.",
        "Le devis s’élève à 1 250 € hors taxes.",
        "Pourriez-vous confirmer la date de la réunion ?",
        "« C’est une excellente idée », a-t-il dit.",
        "Nous avons reçu les œuvres hier après-midi.",
    ],
    closing: "Bien cordialement",
};

/// Japanese.
pub(crate) const JAPANESE: Language = Language {
    subjects: &["会議の議事録について", "お見積りのご依頼", "来週の出張の件"],
    sentences: &[
        "いつもお世話になっております。",
        "先日の会議の議事録をお送りいたします。",
        "ご確認のほど、よろしくお願いいたします。",
        "来週の火曜日に打ち合わせをお願いできますでしょうか。",
        "資料は共有フォルダに保存しました。",
    ],
    closing: "よろしくお願いいたします。",
};

/// Polish: UTF-8 only.
pub(crate) const POLISH: Language = Language {
    subjects: &["Zażółć gęślą jaźń", "Spotkanie w środę"],
    sentences: &[
        "Dziękuję za szybką odpowiedź.",
        "Spotkajmy się w środę o godzinie dziesiątej.",
        "Proszę o przesłanie poprawionej wersji dokumentu.",
    ],
    closing: "Pozdrawiam serdecznie",
};

/// What an attachment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Bytes that start like a PDF.
    Pdf,
    /// Bytes that start like a PNG.
    Png,
    /// Bytes that start like a JPEG.
    Jpeg,
    /// Comma-separated text.
    Csv,
    /// Plain text.
    Text,
    /// Bytes that start like a ZIP (Office documents are ZIPs).
    Zip,
}

/// An attachment file: name, media type, content kind, and how its name is written.
pub(crate) struct File {
    /// The file name.
    pub name: &'static str,
    /// Its media type.
    pub mime_type: &'static str,
    /// What it holds.
    pub kind: FileKind,
    /// How the name is written in the headers.
    pub naming: Naming,
}

/// How a file name appears in `Content-Type` and `Content-Disposition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naming {
    /// `name="…"` / `filename="…"` as they are (ASCII names).
    Plain,
    /// RFC 2231 `filename*=utf-8''…` (Thunderbird, Apple Mail).
    Rfc2231,
    /// An RFC 2047 encoded word inside the quotes (Outlook, Gmail).
    EncodedWord,
}

/// The attachment files.
pub(crate) const FILES: [File; 8] = [
    file(
        "report.pdf",
        "application/pdf",
        FileKind::Pdf,
        Naming::Plain,
    ),
    file("photo.jpg", "image/jpeg", FileKind::Jpeg, Naming::Plain),
    file("data export.csv", "text/csv", FileKind::Csv, Naming::Plain),
    file("notes.txt", "text/plain", FileKind::Text, Naming::Plain),
    file(
        "Überweisung März.pdf",
        "application/pdf",
        FileKind::Pdf,
        Naming::Rfc2231,
    ),
    file(
        "見積書_2024年度.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileKind::Zip,
        Naming::Rfc2231,
    ),
    file(
        "résumé final.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileKind::Zip,
        Naming::EncodedWord,
    ),
    file("diagram.png", "image/png", FileKind::Png, Naming::Plain),
];

const fn file(name: &'static str, mime_type: &'static str, kind: FileKind, naming: Naming) -> File {
    File {
        name,
        mime_type,
        kind,
        naming,
    }
}
