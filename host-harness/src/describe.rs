//! One-line descriptions of the component's errors that say what to do, and secret-free
//! summaries of the records that hold secrets, and messages as a terminal shows them.

use crate::types::{
    Account, AuthRejection, Error, MailboxAddress, Message, Provider, ProviderKind,
};

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
        Error::Transport(message) => format!("check the host's network policy: {message}"),
        Error::Unsupported(message) => message.clone(),
    }
}

/// The provider's name.
pub fn kind(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Google => "google",
        ProviderKind::Microsoft => "microsoft",
    }
}

/// A provider setting without its secret.
pub fn provider(provider: &Provider) -> String {
    format!(
        "{} client {} redirect {}{} scopes [{}]",
        kind(provider.kind),
        provider.client_id,
        provider.redirect_uri,
        provider
            .tenant
            .as_deref()
            .map(|t| format!(" tenant {t}"))
            .unwrap_or_default(),
        provider.scopes.join(" ")
    )
}

/// An account without its tokens.
pub fn account(account: &Account) -> String {
    format!(
        "{} {}{} (token expires at {}, refresh token {}; scopes [{}])",
        kind(account.provider),
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
        message.date.as_deref().unwrap_or(""),
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
            .as_deref()
            .unwrap_or("")
            .get(..16)
            .unwrap_or(""),
        from,
        message.subject.as_deref().unwrap_or("(no subject)"),
        message.id
    )
}
