//! What can go wrong on an Admin API call, told apart the way a caller must act on it: retry
//! later, give up and report, or look first because a mutation may have happened although no
//! answer said so.

use std::time::Duration;

use crate::admin::types::UserError;

/// A failed Admin API call. Messages name the shop and operation for logs; they are internal
/// detail and not meant for merchants.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AdminError {
    /// The request never reached Shopify (DNS, connect refused, TLS). Nothing happened.
    #[error("{operation} on {shop}: could not connect: {message}")]
    Connect {
        shop: String,
        operation: &'static str,
        message: String,
    },
    /// The call was sent but no answer came in time. For a mutation the change may have
    /// happened.
    #[error("{operation} on {shop}: timed out waiting for the answer")]
    Timeout {
        shop: String,
        operation: &'static str,
        mutation: bool,
    },
    /// The connection broke after the request was sent. For a mutation the change may have
    /// happened.
    #[error("{operation} on {shop}: the connection broke: {message}")]
    ConnectionLost {
        shop: String,
        operation: &'static str,
        mutation: bool,
        message: String,
    },
    /// An HTTP status other than 200 (5xx, 429, 4xx).
    #[error("{operation} on {shop}: HTTP {status}")]
    Http {
        shop: String,
        operation: &'static str,
        mutation: bool,
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The access token is invalid or revoked (HTTP 401/403).
    #[error("{operation} on {shop}: the access token was refused (HTTP {status})")]
    Unauthorized {
        shop: String,
        operation: &'static str,
        status: u16,
    },
    /// Shopify answered `THROTTLED` on every attempt.
    #[error("{operation} on {shop}: still THROTTLED after {attempts} attempts")]
    Throttled {
        shop: String,
        operation: &'static str,
        attempts: u32,
    },
    /// The app lacks an access scope (`ACCESS_DENIED`).
    #[error("{operation} on {shop}: access denied: {message}")]
    AccessDenied {
        shop: String,
        operation: &'static str,
        message: String,
    },
    /// Other top-level GraphQL errors (validation, `MAX_COST_EXCEEDED`, internal errors).
    #[error("{operation} on {shop}: GraphQL error {code}: {message}")]
    Graphql {
        shop: String,
        operation: &'static str,
        code: String,
        message: String,
    },
    /// The mutation ran and refused the input.
    #[error("{operation} on {shop}: {}", user_errors_text(.errors))]
    UserErrors {
        shop: String,
        operation: &'static str,
        errors: Vec<UserError>,
    },
    /// The answer did not have the expected shape.
    #[error("{operation} on {shop}: unexpected answer: {message}")]
    Decode {
        shop: String,
        operation: &'static str,
        message: String,
    },
}

fn user_errors_text(errors: &[UserError]) -> String {
    errors
        .iter()
        .map(|e| match &e.field {
            Some(f) if !f.is_empty() => format!("{}: {}", f.join("."), e.message),
            _ => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl AdminError {
    /// Whether trying again later may succeed: transport failures, 5xx, 429 and `THROTTLED`.
    /// User errors, `ACCESS_DENIED`, validation errors and other 4xx are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdminError::Connect { .. }
            | AdminError::Timeout { .. }
            | AdminError::ConnectionLost { .. }
            | AdminError::Throttled { .. } => true,
            AdminError::Http { status, .. } => *status >= 500 || *status == 429,
            AdminError::Unauthorized { .. }
            | AdminError::AccessDenied { .. }
            | AdminError::Graphql { .. }
            | AdminError::UserErrors { .. }
            | AdminError::Decode { .. } => false,
        }
    }

    /// Whether a mutation may have taken effect although the caller got no answer saying so:
    /// a timeout, a broken connection or a 5xx after the request was sent. The caller must look
    /// (e.g. find the order by tag) before trying again; the client never retries these itself.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            AdminError::Timeout { mutation, .. } | AdminError::ConnectionLost { mutation, .. } => {
                *mutation
            }
            AdminError::Http {
                mutation, status, ..
            } => *mutation && *status >= 500,
            _ => false,
        }
    }

    /// The user errors, when the mutation refused its input.
    pub fn user_errors(&self) -> Option<&[UserError]> {
        match self {
            AdminError::UserErrors { errors, .. } => Some(errors),
            _ => None,
        }
    }

    /// A short name of the case, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            AdminError::Connect { .. } => "connect",
            AdminError::Timeout { .. } => "timeout",
            AdminError::ConnectionLost { .. } => "connection_lost",
            AdminError::Http { .. } => "http_status",
            AdminError::Unauthorized { .. } => "unauthorized",
            AdminError::Throttled { .. } => "throttled",
            AdminError::AccessDenied { .. } => "access_denied",
            AdminError::Graphql { .. } => "graphql_error",
            AdminError::UserErrors { .. } => "user_errors",
            AdminError::Decode { .. } => "decode",
        }
    }
}
