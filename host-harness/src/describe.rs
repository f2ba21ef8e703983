//! One-line descriptions of the component's errors that say what to do, and secret-free
//! summaries of the records that hold secrets, and messages as a terminal shows them.

use crate::types::{Account, App, AuthRejection, Error, MailboxAddress, Message, Provider};

/// What the host or the user should do about `error`, in one line.
pub fn error(error: &Error) -> String {
    match error {
        Error::ReauthorizationRequired(f) => {
            format!("re-authorize the account (connect it again): {}", f.message)
        }
        Error::RetryLater(f) => match f.retry_after_seconds {
            Some(seconds) => format!("retry after {seconds} s: {}", f.message),
            None => format!("retry later: {}", f.message),
        },
        Error::OutcomeUnknown(f) => {
            let mut check = Vec::new();
            if let Some(id) = &f.message_id {
                check.push(format!("Message-ID <{id}>"));
            }
            if let Some(id) = &f.draft_id {
                check.push(format!("draft {id}"));
            }
            let what = match check.is_empty() {
                true => String::new(),
                false => format!(" ({})", check.join(", ")),
            };
            format!(
                "do not send again before checking the sent mail{what}: {}",
                f.message
            )
        }
        Error::InvalidInput(f) => format!("fix the field {}: {}", f.field, f.message),
        Error::AuthRejected(f) => {
            let why = match f.reason {
                AuthRejection::StateMismatch => "state mismatch",
                AuthRejection::Expired => "expired",
                AuthRejection::AccessDenied => "access denied",
                AuthRejection::ProviderRefused => "provider refused",
            };
            format!("start the connect flow again ({why}): {}", f.message)
        }
        Error::Provider(f) => format!(
            "the provider refused{}: {}",
            f.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
            f.message
        ),
        Error::Transport(f) if f.denied => {
            format!("check the host's network policy: {}", f.message)
        }
        Error::Transport(f) => format!("check the network: {}", f.message),
        Error::Unsupported(f) => format!("not supported ({}): {}", f.feature, f.message),
    }
}

/// Seconds since the Unix epoch as an RFC 3339 date-time in UTC (`2026-05-04T09:23:14Z`).
pub fn date(seconds: i64) -> String {
    let (days, second) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days to a civil date: Howard Hinnant's `civil_from_days`
    // (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second / 3_600,
        second / 60 % 60,
        second % 60
    )
}

/// The provider's name.
pub fn provider(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "google",
        Provider::Microsoft => "microsoft",
    }
}

/// An app without its secret.
pub fn app(app: &App) -> String {
    format!(
        "{} client {} redirect {}{} scopes [{}]",
        provider(app.provider),
        app.client_id,
        app.redirect_uri,
        app.tenant
            .as_deref()
            .map(|t| format!(" tenant {t}"))
            .unwrap_or_default(),
        app.scopes.join(" ")
    )
}

/// An account without its tokens.
pub fn account(account: &Account) -> String {
    format!(
        "{} {}{} (token expires at {}, refresh token {}; scopes [{}])",
        provider(account.provider),
        account.email,
        account
            .display_name
            .as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default(),
        account.expires_at,
        if account.refresh_token.is_some() {
            "held"
        } else {
            "absent"
        },
        account.scopes.join(" ")
    )
}

/// A message as a terminal shows it: its headers, files and body (the text body, else the HTML).
pub fn message(message: &Message) -> String {
    let who = |a: &MailboxAddress| match &a.name {
        Some(name) => format!("{name} <{}>", a.address),
        None => a.address.clone(),
    };
    let list = |l: &[MailboxAddress]| l.iter().map(who).collect::<Vec<_>>().join(", ");
    let mut out = format!("id: {}\n", message.id);
    if let Some(from) = &message.from {
        out.push_str(&format!("From: {}\n", who(from)));
    }
    for (name, value) in [("To", &message.to), ("Cc", &message.cc)] {
        if !value.is_empty() {
            out.push_str(&format!("{name}: {}\n", list(value)));
        }
    }
    out.push_str(&format!(
        "Date: {}\nSubject: {}\nLabels: {}\n",
        message.date.map(date).unwrap_or_default(),
        message.subject.as_deref().unwrap_or(""),
        message.labels.join(", ")
    ));
    for file in &message.attachments {
        out.push_str(&format!(
            "Attachment [{}]: {} ({}, {} bytes)\n",
            file.id,
            file.filename.as_deref().unwrap_or("unnamed"),
            file.mime_type,
            file.size
        ));
    }
    out.push('\n');
    out.push_str(
        message
            .text_body
            .as_deref()
            .or(message.html_body.as_deref())
            .unwrap_or(""),
    );
    out.push('\n');
    out
}

/// A message on one line: flags, date, sender, subject and id.
pub fn summary(message: &Message) -> String {
    let flags = format!(
        "{}{}{}",
        if message.unread { 'U' } else { ' ' },
        if message.starred { '*' } else { ' ' },
        if message.attachments.iter().any(|a| !a.inline) {
            '@'
        } else {
            ' '
        }
    );
    let from = message
        .from
        .as_ref()
        .map(|f| f.name.clone().unwrap_or_else(|| f.address.clone()))
        .unwrap_or_default();
    format!(
        "{flags} {:<20} {:<24.24} {}  [{}]",
        message
            .date
            .map(date)
            .unwrap_or_default()
            .get(..16)
            .unwrap_or(""),
        from,
        message.subject.as_deref().unwrap_or("(no subject)"),
        message.id
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_in_utc_before_and_after_the_epoch() {
        assert_eq!(super::date(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::date(1_777_886_594), "2026-05-04T09:23:14Z");
        assert_eq!(super::date(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::date(-27_723_426), "1969-02-14T03:02:54Z");
    }
}
