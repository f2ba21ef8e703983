//! The rules of replies and forwards, from the synced original: subject prefixes that do not
//! pile up, who a reply (all) goes to, the In-Reply-To / References chain, and the original
//! quoted below the new text.

use super::same_address;
use crate::types::{MailboxAddress, Message, ReplyMode};

/// Prefixes mail clients put before a subject (English and the common localized ones).
const PREFIXES: &[&str] = &["re", "fwd", "fw", "aw", "wg", "sv", "vs", "tr", "rv"];

/// The original's subject with one prefix for `mode`: `Re: ` or `Fwd: `, never `Re: Re: `.
pub fn subject(original: Option<&str>, mode: ReplyMode) -> String {
    let base = strip_prefixes(original.unwrap_or_default());
    let prefix = match mode {
        ReplyMode::Reply | ReplyMode::ReplyAll => "Re",
        ReplyMode::Forward => "Fwd",
    };
    format!("{prefix}: {base}")
}

/// `subject` without its leading `Re:`, `Fwd:`, `RE[2]:`... prefixes.
pub fn strip_prefixes(subject: &str) -> &str {
    let mut rest = subject.trim();
    loop {
        let Some((head, tail)) = rest.split_once(':') else {
            return rest;
        };
        let word = head.trim_end();
        let word = word
            .strip_suffix(']')
            .and_then(|w| w.rsplit_once('['))
            .filter(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()))
            .map_or(word, |(w, _)| w);
        if !PREFIXES.iter().any(|p| p.eq_ignore_ascii_case(word)) {
            return rest;
        }
        rest = tail.trim_start();
    }
}

/// Who a reply goes to when the host gives no recipients: To and Cc.
///
/// Reply: the original's Reply-To, else its From; when the account itself sent the original,
/// its To instead (as mail clients do). Reply all adds the original's To and Cc. The account's
/// own addresses (`own`) are left out, and no address appears twice.
pub fn recipients(
    original: &Message,
    mode: ReplyMode,
    own: &[String],
) -> (Vec<MailboxAddress>, Vec<MailboxAddress>) {
    let is_own = |a: &MailboxAddress| own.iter().any(|o| same_address(o, &a.address));
    let sent_by_me = original.from.as_ref().is_some_and(is_own);
    let mut to: Vec<MailboxAddress> = if sent_by_me {
        original.to.clone()
    } else if !original.reply_to.is_empty() {
        original.reply_to.clone()
    } else {
        original.from.iter().cloned().collect()
    };
    let mut cc = Vec::new();
    if mode == ReplyMode::ReplyAll {
        if !sent_by_me {
            to.extend(original.to.iter().cloned());
        }
        cc.extend(original.cc.iter().cloned());
    }
    tidy(to, cc, own)
}

/// To and Cc without the account's own addresses, without duplicates, and without Cc entries
/// already in To. When only own addresses remain (a note to self), To keeps the first of them.
pub fn tidy(
    to: Vec<MailboxAddress>,
    cc: Vec<MailboxAddress>,
    own: &[String],
) -> (Vec<MailboxAddress>, Vec<MailboxAddress>) {
    let self_only = to.first().cloned();
    let mut seen: Vec<String> = own.to_vec();
    let mut keep = |list: Vec<MailboxAddress>| -> Vec<MailboxAddress> {
        list.into_iter()
            .filter(|a| {
                let fresh = !seen.iter().any(|s| same_address(s, &a.address));
                if fresh {
                    seen.push(a.address.clone());
                }
                fresh
            })
            .collect()
    };
    let mut to = keep(to);
    let cc = keep(cc);
    if to.is_empty() && cc.is_empty() {
        to.extend(self_only);
    }
    (to, cc)
}

/// In-Reply-To and References of an answer to `original` (RFC 5322 3.6.4): the original's
/// Message-ID, after its own References (or its In-Reply-To when it has no References).
pub fn thread_headers(original: &Message) -> (Option<String>, Vec<String>) {
    let Some(id) = original.message_id.clone() else {
        return (None, original.references.clone());
    };
    let mut references = if original.references.is_empty() {
        original.in_reply_to.iter().cloned().collect()
    } else {
        original.references.clone()
    };
    references.retain(|r| r != &id);
    references.push(id.clone());
    (Some(id), references)
}

/// The new text, then the original quoted below it: `> ` lines after an attribution line for a
/// reply, a "Forwarded message" block for a forward.
pub fn quote_text(new: Option<&str>, original: &Message, mode: ReplyMode) -> String {
    let body = original_text(original);
    let mut out = String::new();
    if let Some(new) = new.filter(|n| !n.trim().is_empty()) {
        out.push_str(new.trim_end());
        out.push_str("\r\n\r\n");
    }
    match mode {
        ReplyMode::Reply | ReplyMode::ReplyAll => {
            out.push_str(&attribution(original));
            out.push_str("\r\n");
            for line in body.lines() {
                out.push('>');
                if !line.is_empty() && !line.starts_with('>') {
                    out.push(' ');
                }
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        ReplyMode::Forward => {
            out.push_str("---------- Forwarded message ---------\r\n");
            for (name, value) in forward_header(original) {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
        }
    }
    out
}

/// The new HTML, then the original quoted below it in a `blockquote` (reply) or after a
/// "Forwarded message" block (forward). A text-only original is escaped into HTML.
pub fn quote_html(new: Option<&str>, original: &Message, mode: ReplyMode) -> String {
    let body = match &original.html_body {
        Some(html) => inner_body(html).to_owned(),
        None => text_to_html(&original_text(original)),
    };
    let new = new.unwrap_or_default();
    match mode {
        ReplyMode::Reply | ReplyMode::ReplyAll => format!(
            "<div dir=\"auto\">{new}</div><br><div class=\"email_quote\"><div class=\"email_attr\">{}</div>\
<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">{body}</blockquote></div>",
            escape_html(&attribution(original))
        ),
        ReplyMode::Forward => {
            let header: String = forward_header(original)
                .iter()
                .map(|(name, value)| format!("{name}: {}<br>", escape_html(value)))
                .collect();
            format!(
                "<div dir=\"auto\">{new}</div><br><div class=\"email_quote\"><div class=\"email_attr\">\
---------- Forwarded message ---------<br>{header}</div><br>{body}</div>"
            )
        }
    }
}

/// Plain text as HTML: escaped, with line breaks kept.
pub fn text_to_html(text: &str) -> String {
    escape_html(text)
        .replace("\r\n", "\n")
        .replace('\n', "<br>\n")
}

/// `&`, `<`, `>` and `"` as entities.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// What is inside `<body>` of a whole HTML document, or the text itself when it has none.
pub fn inner_body(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let Some(open) = lower.find("<body") else {
        return html;
    };
    let Some(start) = lower[open..].find('>').map(|i| open + i + 1) else {
        return html;
    };
    let end = lower[start..]
        .find("</body")
        .map_or(html.len(), |i| start + i);
    &html[start..end]
}

/// `ours` placed at the top of an HTML document's body (a provider-made draft that already
/// holds the quote), or before the text when it has no `<body>`.
pub fn prepend_html(document: &str, ours: &str) -> String {
    let block = format!("<div dir=\"auto\">{ours}</div><br>");
    let lower = document.to_ascii_lowercase();
    let at = lower
        .find("<body")
        .and_then(|open| lower[open..].find('>').map(|end| open + end + 1))
        .unwrap_or(0);
    format!("{}{block}{}", &document[..at], &document[at..])
}

/// The original's text: its text body, else its snippet.
fn original_text(original: &Message) -> String {
    original
        .text_body
        .clone()
        .or_else(|| original.snippet.clone())
        .unwrap_or_default()
}

/// `On 2026-05-04 09:23 UTC, Ann <ann@example.com> wrote:`.
fn attribution(original: &Message) -> String {
    let who = original
        .from
        .as_ref()
        .map(display)
        .unwrap_or_else(|| "someone".to_owned());
    match original.date.map(short_date) {
        Some(date) => format!("On {date}, {who} wrote:"),
        None => format!("{who} wrote:"),
    }
}

/// The header block of a forwarded message.
fn forward_header(original: &Message) -> Vec<(&'static str, String)> {
    let list =
        |addresses: &[MailboxAddress]| addresses.iter().map(display).collect::<Vec<_>>().join(", ");
    let mut header = vec![
        (
            "From",
            original.from.as_ref().map(display).unwrap_or_default(),
        ),
        ("Date", original.date.map(short_date).unwrap_or_default()),
        ("Subject", original.subject.clone().unwrap_or_default()),
        ("To", list(&original.to)),
    ];
    if !original.cc.is_empty() {
        header.push(("Cc", list(&original.cc)));
    }
    header
}

/// `Name <address>`, or the address alone.
fn display(address: &MailboxAddress) -> String {
    match &address.name {
        Some(name) => format!("{name} <{}>", address.address),
        None => address.address.clone(),
    }
}

/// Seconds since the Unix epoch as `2026-05-04 09:23 UTC`. (The message record keeps the
/// instant, not the sender's offset, so quoted dates are in UTC.)
fn short_date(seconds: i64) -> String {
    let d = mail_parser::DateTime::from_timestamp(seconds);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        d.year, d.month, d.day, d.hour, d.minute
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(name: Option<&str>, address: &str) -> MailboxAddress {
        MailboxAddress {
            name: name.map(str::to_owned),
            address: address.to_owned(),
        }
    }

    fn original() -> Message {
        Message {
            id: "m1".into(),
            thread_id: Some("t1".into()),
            message_id: Some("orig@example.com".into()),
            in_reply_to: Some("first@example.com".into()),
            references: vec!["root@example.com".into(), "first@example.com".into()],
            from: Some(addr(Some("Bob"), "bob@example.com")),
            sender: None,
            to: vec![
                addr(None, "me@example.com"),
                addr(Some("Carol"), "carol@example.com"),
            ],
            cc: vec![
                addr(None, "BOB@example.com"),
                addr(None, "dave@example.com"),
                addr(None, "alias@example.com"),
            ],
            bcc: vec![],
            reply_to: vec![],
            subject: Some("Re: RE: Lunch".into()),
            date: Some(1_777_886_594), // 2026-05-04T09:23:14Z
            snippet: None,
            text_body: Some("Noon?\n> earlier".into()),
            html_body: Some("<html><body><p>Noon?</p></body></html>".into()),
            attachments: vec![],
            labels: vec![],
            unread: false,
            starred: false,
            draft: false,
        }
    }

    fn own() -> Vec<String> {
        vec!["me@example.com".into(), "Alias@Example.com".into()]
    }

    fn addresses(list: &[MailboxAddress]) -> Vec<&str> {
        list.iter().map(|a| a.address.as_str()).collect()
    }

    #[test]
    fn subjects_never_pile_up() {
        assert_eq!(
            subject(Some("Re: RE: Lunch"), ReplyMode::Reply),
            "Re: Lunch"
        );
        assert_eq!(
            subject(Some("Fwd: Re: Lunch"), ReplyMode::Forward),
            "Fwd: Lunch"
        );
        assert_eq!(
            subject(Some("AW: Re[2]: Lunch"), ReplyMode::ReplyAll),
            "Re: Lunch"
        );
        assert_eq!(
            subject(Some("Reply: later"), ReplyMode::Reply),
            "Re: Reply: later"
        );
        assert_eq!(subject(None, ReplyMode::Reply), "Re: ");
        assert_eq!(strip_prefixes("Ré: été"), "Ré: été");
    }

    #[test]
    fn reply_goes_to_reply_to_else_from() {
        let (to, cc) = recipients(&original(), ReplyMode::Reply, &own());
        assert_eq!(addresses(&to), ["bob@example.com"]);
        assert!(cc.is_empty());
        let mut with_reply_to = original();
        with_reply_to.reply_to = vec![addr(None, "list@example.com")];
        let (to, _) = recipients(&with_reply_to, ReplyMode::Reply, &own());
        assert_eq!(addresses(&to), ["list@example.com"]);
    }

    #[test]
    fn reply_all_drops_own_addresses_and_duplicates() {
        let (to, cc) = recipients(&original(), ReplyMode::ReplyAll, &own());
        assert_eq!(addresses(&to), ["bob@example.com", "carol@example.com"]);
        assert_eq!(addresses(&cc), ["dave@example.com"]);
    }

    #[test]
    fn replying_to_my_own_message_goes_to_its_recipients() {
        let mut mine = original();
        mine.from = Some(addr(None, "ME@example.com"));
        let (to, _) = recipients(&mine, ReplyMode::Reply, &own());
        assert_eq!(addresses(&to), ["carol@example.com"]);
        let mut note = original();
        note.from = Some(addr(None, "me@example.com"));
        note.to = vec![addr(None, "me@example.com")];
        note.cc.clear();
        let (to, _) = recipients(&note, ReplyMode::ReplyAll, &own());
        assert_eq!(addresses(&to), ["me@example.com"]);
    }

    #[test]
    fn thread_headers_chain_the_references() {
        let (in_reply_to, references) = thread_headers(&original());
        assert_eq!(in_reply_to.as_deref(), Some("orig@example.com"));
        assert_eq!(
            references,
            ["root@example.com", "first@example.com", "orig@example.com"]
        );
        let mut first = original();
        first.references.clear();
        first.in_reply_to = None;
        assert_eq!(thread_headers(&first).1, ["orig@example.com"]);
    }

    #[test]
    fn quotes_go_below_the_new_text() {
        let text = quote_text(Some("Yes."), &original(), ReplyMode::Reply);
        assert_eq!(
            text,
            "Yes.\r\n\r\nOn 2026-05-04 09:23 UTC, Bob <bob@example.com> wrote:\r\n> Noon?\r\n>> earlier\r\n"
        );
        let html = quote_html(Some("<b>Yes.</b>"), &original(), ReplyMode::Reply);
        assert!(
            html.starts_with("<div dir=\"auto\"><b>Yes.</b></div>"),
            "{html}"
        );
        assert!(
            html.contains("Bob &lt;bob@example.com&gt; wrote:"),
            "{html}"
        );
        assert!(html.contains("<blockquote"), "{html}");
        assert!(html.contains("<p>Noon?</p></blockquote>"), "{html}");
        let forward = quote_text(None, &original(), ReplyMode::Forward);
        assert!(
            forward.starts_with(
                "---------- Forwarded message ---------\r\nFrom: Bob <bob@example.com>\r\n"
            ),
            "{forward}"
        );
        assert!(forward.contains("Subject: Re: RE: Lunch\r\n"), "{forward}");
        assert!(forward.ends_with("Noon?\n> earlier"), "{forward}");
    }

    #[test]
    fn html_helpers() {
        assert_eq!(inner_body("<HTML><Body class=x>hi</BODY></html>"), "hi");
        assert_eq!(inner_body("<p>bare</p>"), "<p>bare</p>");
        assert_eq!(
            prepend_html("<html><body dir=ltr><hr>quote</body></html>", "<b>new</b>"),
            "<html><body dir=ltr><div dir=\"auto\"><b>new</b></div><br><hr>quote</body></html>"
        );
        assert_eq!(
            prepend_html("quote", "new"),
            "<div dir=\"auto\">new</div><br>quote"
        );
        assert_eq!(text_to_html("a<b>\r\nc"), "a&lt;b&gt;<br>\nc");
        assert_eq!(short_date(1_777_886_594), "2026-05-04 09:23 UTC");
        assert_eq!(short_date(-27_723_426), "1969-02-14 03:02 UTC");
    }
}
