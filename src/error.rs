//! The one error type of the crate, its mapping to the WIT `error` variant, and the scrubbing
//! that keeps secrets out of every message.

use crate::types;

/// Why an OAuth callback was refused; mirrors the WIT `auth-rejection` enum.
pub use types::AuthRejection;

/// Every failure the component reports. Each variant says what the host should do, and maps
/// one to one onto the WIT `error` variant.
///
/// Messages never hold a secret, token, code or verifier: they are built from provider error
/// codes and descriptions, and [`Error::scrub`] removes any secret a provider might echo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The token endpoint refused the grant itself (`invalid_grant`, `interaction_required`,
    /// `consent_required`): the user must connect again. Never used for a refusal of one API
    /// request.
    #[error("reauthorization required: {message}")]
    ReauthorizationRequired {
        /// The HTTP status, when there was a response.
        status: Option<u16>,
        /// The provider's error code.
        code: Option<String>,
        /// What the provider said.
        message: String,
    },
    /// Temporary failure: rate limit, outage, network.
    #[error("temporary failure, retry later: {message}")]
    RetryLater {
        /// Seconds to wait, when the provider said (`Retry-After`).
        retry_after_seconds: Option<u32>,
        /// The HTTP status, when there was a response.
        status: Option<u16>,
        /// The provider's error code.
        code: Option<String>,
        /// What went wrong.
        message: String,
    },
    /// A request that sends mail got no answer: it may or may not have been applied, so the
    /// host must check the sent mail before sending again.
    #[error("the send's outcome is unknown: {message}")]
    OutcomeUnknown {
        /// The Message-ID header of the message, without angle brackets.
        message_id: Option<String>,
        /// The Outlook draft the message was sent from.
        draft_id: Option<String>,
        /// What happened.
        message: String,
    },
    /// An input field is invalid.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The WIT name of the field (`redirect-uri`, `tenant`, `callback-url`, ...).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The OAuth callback was refused; the connect flow must start again.
    #[error("authorization refused ({reason:?}): {message}")]
    AuthRejected {
        /// Why.
        reason: AuthRejection,
        /// The provider's `error` code, when it sent one.
        code: Option<String>,
        /// What happened.
        message: String,
    },
    /// The provider refused the request for a reason the host cannot retry away.
    #[error("provider error{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Provider {
        /// The HTTP status, when there was a response.
        status: Option<u16>,
        /// The provider's error code.
        code: Option<String>,
        /// What the provider said.
        message: String,
    },
    /// The host denied the outgoing request, or it could not be delivered.
    #[error("transport: {message}")]
    Transport {
        /// The host's policy denied the request.
        denied: bool,
        /// What happened.
        message: String,
    },
    /// Not supported, yet or by this provider.
    #[error("not supported: {message}")]
    Unsupported {
        /// The WIT name of what is not supported (a function, a field, an action).
        feature: String,
        /// Why.
        message: String,
    },
}

impl Error {
    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// An [`Error::Transport`] for a request that could not be made or answered (not denied).
    pub fn transport(message: impl Into<String>) -> Self {
        Self::Transport {
            denied: false,
            message: message.into(),
        }
    }

    /// An [`Error::Unsupported`] for `feature`, named as in the WIT.
    pub fn unsupported(feature: &str, message: impl Into<String>) -> Self {
        Self::Unsupported {
            feature: feature.to_owned(),
            message: message.into(),
        }
    }

    /// An [`Error::AuthRejected`] without a provider code.
    pub fn rejected(reason: AuthRejection, message: impl Into<String>) -> Self {
        Self::AuthRejected {
            reason,
            code: None,
            message: message.into(),
        }
    }

    /// A [`Error::Provider`] for a response that could not be understood.
    pub fn malformed(status: Option<u16>, what: impl Into<String>) -> Self {
        Self::Provider {
            status,
            code: Some("malformed_response".to_owned()),
            message: what.into(),
        }
    }

    /// Replaces every occurrence of each non-empty secret in the error's texts by `[redacted]`.
    ///
    /// Called on every error that leaves an operation, with the secrets that operation held
    /// (client secret, tokens, authorization code, PKCE verifier), in case a provider echoes one.
    #[must_use]
    pub fn scrub(mut self, secrets: &[&str]) -> Self {
        let clean = |text: &mut String| {
            for secret in secrets.iter().filter(|s| s.len() >= 4) {
                if text.contains(*secret) {
                    *text = text.replace(*secret, "[redacted]");
                }
            }
        };
        match &mut self {
            Self::ReauthorizationRequired { code, message, .. }
            | Self::RetryLater { code, message, .. }
            | Self::AuthRejected { code, message, .. }
            | Self::Provider { code, message, .. } => {
                clean(message);
                if let Some(code) = code {
                    clean(code);
                }
            }
            Self::InvalidInput { message, .. }
            | Self::OutcomeUnknown { message, .. }
            | Self::Transport { message, .. }
            | Self::Unsupported { message, .. } => clean(message),
        }
        self
    }
}

/// How a call made with an account failed: the error, and the account when the call refreshed
/// its tokens before failing (the host must store it: a rotated refresh token is only there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong.
    pub error: Error,
    /// The account with refreshed tokens, when they were refreshed during the call (boxed:
    /// the error travels in `Result`s, which stay small).
    pub account: Option<Box<types::Account>>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            error,
            account: None,
        }
    }
}

impl From<Failure> for types::Failure {
    fn from(failure: Failure) -> Self {
        Self {
            error: failure.error.into(),
            account: failure.account.map(|a| *a),
        }
    }
}

impl From<Error> for types::Error {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::ReauthorizationRequired { status, code, .. } => {
                Self::ReauthorizationRequired(types::ProviderFailure {
                    status,
                    code,
                    message,
                })
            }
            Error::RetryLater {
                retry_after_seconds,
                status,
                code,
                ..
            } => Self::RetryLater(types::RetryFailure {
                retry_after_seconds,
                status,
                code,
                message,
            }),
            Error::OutcomeUnknown {
                message_id,
                draft_id,
                ..
            } => Self::OutcomeUnknown(types::UnknownOutcome {
                message_id,
                draft_id,
                message,
            }),
            Error::InvalidInput { field, .. } => {
                Self::InvalidInput(types::InvalidField { field, message })
            }
            Error::AuthRejected { reason, code, .. } => Self::AuthRejected(types::AuthFailure {
                reason,
                code,
                message,
            }),
            Error::Provider { status, code, .. } => Self::Provider(types::ProviderFailure {
                status,
                code,
                message,
            }),
            Error::Transport { denied, .. } => {
                Self::Transport(types::TransportFailure { denied, message })
            }
            Error::Unsupported { feature, .. } => {
                Self::Unsupported(types::UnsupportedFeature { feature, message })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_secret_from_message_and_code() {
        let error = Error::Provider {
            status: Some(400),
            code: Some("bad s3cr3t-value".into()),
            message: "client s3cr3t-value and code abcd-code were wrong".into(),
        }
        .scrub(&["s3cr3t-value", "abcd-code", ""]);
        let text = format!("{error} {error:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(!text.contains("abcd-code"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn wit_error_keeps_the_field_and_a_readable_message() {
        let wit: types::Error = Error::invalid("redirect-uri", "must be absolute").into();
        match wit {
            types::Error::InvalidInput(field) => {
                assert_eq!(field.field, "redirect-uri");
                assert_eq!(field.message, "invalid redirect-uri: must be absolute");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
