//! The deterministic mailbox generator: from a seed, a mix of MIME shapes, charsets, encoded
//! headers, attachments and threads, as real mailers write them.

use super::bodies::{self, SHAPES, STYLES, Style};
use super::compose::{self, Word};
use super::corpus::PEOPLE;
use super::model::MessageRef;
use super::rng::Rng;
use crate::clock::Utc;
use crate::config::SandboxUser;

/// What [`crate::Controls::seed_mailbox`] fills a mailbox with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxSpec {
    /// How many messages.
    pub messages: usize,
    /// The seed: the same seed builds the same messages.
    pub seed: u64,
    /// When the oldest message was received, in seconds since the Unix epoch; later ones follow
    /// minutes to hours apart.
    pub start: u64,
}

impl Default for MailboxSpec {
    /// 50 messages from seed 1, starting 2023-11-14 22:13:20 UTC.
    fn default() -> Self {
        MailboxSpec {
            messages: 50,
            seed: 1,
            start: 1_700_000_000,
        }
    }
}

/// Where a generated message belongs, in neutral terms each provider maps to labels or folders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Received and in the inbox.
    Inbox,
    /// Sent by the owner.
    Sent,
    /// Written by the owner, not sent.
    Drafts,
    /// Received and archived.
    Archive,
    /// Received and judged spam.
    Spam,
    /// Received and deleted (still in the trash).
    Trash,
}

/// Gmail's inbox category of a received message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    /// `CATEGORY_PERSONAL`.
    Personal,
    /// `CATEGORY_UPDATES`.
    Updates,
    /// `CATEGORY_PROMOTIONS`.
    Promotions,
}

/// How many user labels (Gmail) or user folders (Graph) messages get filed under.
pub(crate) const USER_FILES: usize = 3;

/// One generated message and where it goes.
pub(crate) struct Generated {
    /// Its name in the mailbox.
    pub id: MessageRef,
    /// Its thread's first message.
    pub thread: MessageRef,
    /// The RFC 5322 bytes.
    pub raw: Vec<u8>,
    /// Where it belongs.
    pub place: Place,
    /// Its inbox category.
    pub category: Category,
    /// Marked important.
    pub important: bool,
    /// Filed under user label / folder number `n` (< [`USER_FILES`]).
    pub filed: Option<usize>,
    /// Not yet read.
    pub unread: bool,
    /// Starred / flagged.
    pub starred: bool,
}

/// Zone offsets of senders' `Date` headers, in minutes.
const ZONES: [i64; 6] = [0, 120, -420, 540, 330, -300];

/// A thread messages can reply to.
struct Thread {
    root: MessageRef,
    subject: String,
    style: usize,
    references: Vec<String>,
    counterpart: usize,
}

/// Makes messages, one after the other, from a seed: the same seed and calls make the same
/// bytes.
pub(crate) struct Generator {
    rng: Rng,
    owner: SandboxUser,
    next_key: u64,
    clock: u64,
    made: usize,
    threads: Vec<Thread>,
}

impl Generator {
    /// A generator for `owner`'s mailbox seeded by `spec`, numbering messages from
    /// `first_key`.
    pub fn new(spec: &MailboxSpec, owner: &SandboxUser, first_key: u64) -> Generator {
        Generator {
            rng: Rng::new(spec.seed),
            owner: owner.clone(),
            next_key: first_key,
            clock: spec.start,
            made: 0,
            threads: Vec::new(),
        }
    }

    /// The next number a message would get.
    pub fn next_key(&self) -> u64 {
        self.next_key
    }

    /// Takes the next number for a message made elsewhere (one the user sends or writes).
    pub fn claim_key(&mut self) -> u64 {
        self.next_key += 1;
        self.next_key - 1
    }

    /// `count` messages for a new mailbox, oldest first, spread over every place.
    pub fn seed(&mut self, count: usize) -> Vec<Generated> {
        (0..count)
            .map(|_| {
                let place = match self.rng.below(100) {
                    0..62 => Place::Inbox,
                    62..77 => Place::Sent,
                    77..85 => Place::Archive,
                    85..89 => Place::Drafts,
                    89..94 => Place::Spam,
                    _ => Place::Trash,
                };
                let reply = place != Place::Drafts && self.rng.chance(25);
                self.message(place, reply)
            })
            .collect()
    }

    /// A newly arrived (unread) inbox message, sometimes a reply in an existing thread.
    pub fn arrival(&mut self) -> Generated {
        let reply = self.rng.chance(30);
        Generated {
            unread: true,
            ..self.message(Place::Inbox, reply)
        }
    }

    /// The next message, for `place`, replying to a recent thread when `reply` (and there is
    /// one).
    fn message(&mut self, place: Place, reply: bool) -> Generated {
        let index = self.made;
        self.made += 1;
        self.clock += self.rng.between(300, 3 * 3600) as u64;
        let id = MessageRef {
            received_ms: self.clock * 1000,
            key: self.claim_key(),
        };
        let thread = match reply && !self.threads.is_empty() {
            true => {
                let recent = self.threads.len().saturating_sub(40);
                Some(recent + self.rng.below(self.threads.len() - recent))
            }
            false => None,
        };
        let (style, counterpart, subject) = match thread {
            Some(t) => {
                let t = &self.threads[t];
                (t.style, t.counterpart, t.subject.clone())
            }
            None => {
                let style = (index / SHAPES.len() + index) % STYLES.len();
                let subject = self.rng.pick(STYLES[style].language.subjects).to_string();
                (style, self.rng.below(PEOPLE.len()), subject)
            }
        };
        let outgoing = matches!(place, Place::Sent | Place::Drafts);
        let owner = self.owner.clone();
        let me = (owner.display_name.as_str(), owner.email.as_str());
        let them = &PEOPLE[counterpart];
        let (from, to) = match outgoing {
            true => (me, (them.name, them.address)),
            false => ((them.name, them.address), me),
        };
        let domain = from.1.rsplit('@').next().unwrap_or("example.com");
        let message_id = format!("<{:016x}.{}@{domain}>", self.rng.next_u64(), id.key);
        let zone = if outgoing { 0 } else { *self.rng.pick(&ZONES) };
        let sent = self.clock
            - if outgoing {
                0
            } else {
                self.rng.between(1, 90) as u64
            };
        let date = format!(
            "{} {}{:02}{:02}",
            Utc::of_unix(sent.saturating_add_signed(zone * 60)).rfc5322_local(),
            if zone < 0 { '-' } else { '+' },
            zone.abs() / 60,
            zone.abs() % 60
        );

        let mut headers: Vec<(String, String)> = Vec::new();
        if !outgoing {
            headers.push(("Delivered-To".into(), self.owner.email.clone()));
            headers.push((
                "Received".into(),
                format!(
                    "from mail.{domain} (mail.{domain}. [192.0.2.{}]) by mx.sandbox.example with ESMTPS id {:x} for <{}>; {date}",
                    self.rng.between(1, 254),
                    self.rng.next_u64(),
                    self.owner.email
                ),
            ));
        }
        headers.push(("MIME-Version".into(), "1.0".into()));
        headers.push(("Date".into(), date.clone()));
        headers.push(("Message-ID".into(), message_id.clone()));
        let style_ref = &STYLES[style];
        let shown_subject = match thread {
            Some(_) => format!("Re: {subject}"),
            None => subject.clone(),
        };
        headers.push((
            "Subject".into(),
            encode_subject(&subject, thread.is_some(), style_ref),
        ));
        headers.push((
            "From".into(),
            compose::mailbox(from.0, from.1, encoding_of(from.1)),
        ));
        headers.push(("To".into(), compose::mailbox(to.0, to.1, encoding_of(to.1))));
        if self.rng.chance(20) {
            let cc = &PEOPLE[self.rng.below(PEOPLE.len())];
            headers.push((
                "Cc".into(),
                compose::mailbox(cc.name, cc.address, cc.encoding),
            ));
        }
        if let Some(t) = thread {
            let thread = &mut self.threads[t];
            let parent = thread.references.last().cloned().unwrap_or_default();
            headers.push(("In-Reply-To".into(), parent));
            let start = thread.references.len().saturating_sub(10);
            headers.push(("References".into(), thread.references[start..].join(" ")));
            thread.references.push(message_id.clone());
        }

        let signer = shown_name(from, style_ref.charset);
        let quoting = thread.map(|_| (date.as_str(), shown_name(to, style_ref.charset)));
        let text = bodies::text(&mut self.rng, style_ref.language, signer, quoting);
        let shape = SHAPES[index % SHAPES.len()];
        let root = bodies::body(
            &mut self.rng,
            shape,
            style_ref,
            &shown_subject,
            &text,
            index,
        );
        let raw = root.into_message(headers);

        let thread_root = match thread {
            Some(t) => self.threads[t].root,
            None => {
                self.threads.push(Thread {
                    root: id,
                    subject,
                    style,
                    references: vec![message_id],
                    counterpart,
                });
                id
            }
        };
        let category = match them.address {
            a if a.starts_with("deals@") => Category::Promotions,
            a if a.starts_with("notifications@") || a.starts_with("calendar") => Category::Updates,
            _ => Category::Personal,
        };
        let received = matches!(
            place,
            Place::Inbox | Place::Archive | Place::Spam | Place::Trash
        );
        let unread = match place {
            Place::Inbox => self.rng.chance(35),
            Place::Spam => self.rng.chance(80),
            Place::Archive | Place::Trash => self.rng.chance(5),
            Place::Sent | Place::Drafts => false,
        };
        Generated {
            id,
            thread: thread_root,
            raw,
            place,
            category,
            important: received && category == Category::Personal && self.rng.chance(20),
            filed: (matches!(place, Place::Inbox | Place::Archive) && self.rng.chance(15))
                .then(|| self.rng.below(USER_FILES)),
            unread,
            starred: !matches!(place, Place::Drafts | Place::Spam) && self.rng.chance(8),
        }
    }
}

/// How the body names `person` (name, address): by name when `charset` can write it, else by
/// address.
fn shown_name<'a>(person: (&'a str, &'a str), charset: &str) -> &'a str {
    match compose::fits(person.0, charset) {
        true => person.0,
        false => person.1,
    }
}

/// The charset and encoded-word kind for a name, looked up by address.
fn encoding_of(address: &str) -> Option<(&'static str, Word)> {
    PEOPLE
        .iter()
        .find(|p| p.address == address)
        .and_then(|p| p.encoding)
}

/// The `Subject` of a message about `subject`: a reply's gets `Re: ` (outside the encoded
/// words), non-ASCII subjects are encoded in the style's charset.
fn encode_subject(subject: &str, reply: bool, style: &Style) -> String {
    let prefix = if reply { "Re: " } else { "" };
    match subject.is_ascii() {
        true => format!("{prefix}{subject}"),
        false => format!(
            "{prefix}{}",
            compose::encoded_words(subject, style.subject.0, style.subject.1)
        ),
    }
}
