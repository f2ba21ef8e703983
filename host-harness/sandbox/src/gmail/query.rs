//! Gmail search (`q`): the operators the sandbox understands and how a message matches them.
//!
//! Supported: `after:` and `before:` (epoch seconds, or `YYYY/MM/DD` / `YYYY-MM-DD` taken as UTC
//! midnight), `in:`, `label:`, `is:` (`unread`, `read`, `starred`, `important`), `category:`,
//! `has:attachment`, `from:`, `subject:`, and bare words (matched in the subject, sender and
//! body text); any term can be negated with `-`. Quoted phrases count as one word.

use crate::clock;
use crate::mailbox::model::Message;

/// One search term.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    /// Received at or after this time (ms).
    After(u64),
    /// Received before this time (ms).
    Before(u64),
    /// Carries this label id (`None`: a label that does not exist, which nothing carries).
    Label(Option<String>),
    /// `in:anywhere`: everything (spam and trash only where the list includes them).
    Anywhere,
    /// Has a file attached.
    Attachment,
    /// The sender contains this text.
    From(String),
    /// The subject contains this text.
    Subject(String),
    /// The subject, sender or body contains this text.
    Text(String),
}

/// A parsed `q`.
#[derive(Debug, Default)]
pub(super) struct Query {
    terms: Vec<(bool, Term)>,
}

impl Query {
    /// Parses `q`; terms it cannot read are searched for as words.
    pub fn parse(q: &str) -> Query {
        let terms = words(q)
            .into_iter()
            .map(|word| {
                let (negated, word) = match word.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
                    _ => (false, word),
                };
                // `is:read` is `-is:unread`.
                match word.eq_ignore_ascii_case("is:read") {
                    true => (!negated, Term::Label(Some("UNREAD".to_owned()))),
                    false => (negated, term(&word)),
                }
            })
            .collect();
        Query { terms }
    }

    /// Whether `message`, labelled `labels`, matches every term.
    pub fn matches(&self, message: &Message, labels: &[String]) -> bool {
        self.terms
            .iter()
            .all(|(negated, term)| matches(term, message, labels) != *negated)
    }
}

/// Whether `message` matches one term.
fn matches(term: &Term, message: &Message, labels: &[String]) -> bool {
    let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
    match term {
        Term::After(ms) => message.id.received_ms >= *ms,
        Term::Before(ms) => message.id.received_ms < *ms,
        Term::Label(Some(id)) => labels.iter().any(|l| l == id),
        Term::Label(None) => false,
        Term::Anywhere => true,
        Term::Attachment => !message.content.parsed().files().is_empty(),
        Term::From(text) => {
            let parsed = message.content.parsed();
            parsed.from.iter().any(|a| {
                contains(&a.address, text) || a.name.as_deref().is_some_and(|n| contains(n, text))
            })
        }
        Term::Subject(text) => contains(&message.content.parsed().subject, text),
        Term::Text(text) => {
            let parsed = message.content.parsed();
            contains(&parsed.subject, text)
                || parsed.from.iter().any(|a| contains(&a.address, text))
                || contains(&parsed.plain_text(), text)
        }
    }
}

/// Reads one (un-negated) term.
fn term(word: &str) -> Term {
    let Some((operator, value)) = word.split_once(':') else {
        return Term::Text(word.to_lowercase());
    };
    let value_lower = value.to_lowercase();
    let label = |name: &str| Term::Label(super::resolve_label(name).map(str::to_owned));
    match (operator.to_ascii_lowercase().as_str(), value_lower.as_str()) {
        ("after" | "before", _) => match instant(value) {
            Some(ms) if operator.eq_ignore_ascii_case("after") => Term::After(ms),
            Some(ms) => Term::Before(ms),
            None => Term::Text(word.to_lowercase()),
        },
        ("in", "anywhere") => Term::Anywhere,
        ("in", "drafts") => label("DRAFT"),
        ("in" | "label", _) => label(value),
        ("is", "unread" | "starred" | "important") => label(value),
        ("category", _) => label(&format!("CATEGORY_{value}")),
        ("has", "attachment") => Term::Attachment,
        ("from", _) => Term::From(value_lower),
        ("subject", _) => Term::Subject(value_lower),
        _ => Term::Text(word.to_lowercase()),
    }
}

/// Epoch seconds, or a `YYYY/MM/DD` (or `-`-separated) date at UTC midnight, in ms.
fn instant(value: &str) -> Option<u64> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds * 1000);
    }
    let mut fields = value.split(['/', '-']);
    let year = fields.next()?.parse().ok()?;
    let month = fields.next()?.parse().ok()?;
    let day = fields.next()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    let seconds = clock::unix_midnight(year, month, day)?;
    u64::try_from(seconds).ok().map(|s| s * 1000)
}

/// The words of `q`: split at spaces, `"quoted phrases"` kept whole (without the quotes).
fn words(q: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operators() {
        let query = Query::parse(
            "after:2023/11/14 before:1700100000 -in:inbox label:receipts \"two words\" is:read",
        );
        assert_eq!(
            query.terms,
            [
                (false, Term::After(1_699_920_000_000)),
                (false, Term::Before(1_700_100_000_000)),
                (true, Term::Label(Some("INBOX".into()))),
                (false, Term::Label(Some("Label_1".into()))),
                (false, Term::Text("two words".into())),
                (true, Term::Label(Some("UNREAD".into()))),
            ]
        );
        assert_eq!(
            Query::parse("label:projects-alpha").terms[0].1,
            Term::Label(Some("Label_3".into()))
        );
    }
}
