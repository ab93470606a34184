//! Email addresses.
//!
//! A pushed order needs a contact email on the source store (the customer's,
//! the destination store admin's, or a custom one). Shopify rejects orders with
//! malformed emails, so we check them pragmatically up front and say why.

use serde::{Deserialize, Serialize};

use crate::ids::string_newtype_impls;

/// Why an email address was rejected (each variant carries the bad value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Blank.
    #[error("email address is empty")]
    Empty,
    /// Longer than 254 characters.
    #[error("email address {0:?} is longer than 254 characters")]
    TooLong(String),
    /// Zero or more than one '@'.
    #[error("email address {0:?} must contain exactly one '@'")]
    NotExactlyOneAt(String),
    /// Local part empty, over 64 characters, or with spaces/control characters.
    #[error("email address {0:?} has an invalid part before the '@'")]
    InvalidLocalPart(String),
    /// Domain without a dot, with a bad label, or a TLD shorter than 2 letters.
    #[error("email address {0:?} has an invalid domain")]
    InvalidDomain(String),
}

/// A pragmatically validated email address; the domain is lowercased, the
/// local part is kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Trims and validates: ≤ 254 characters, exactly one '@', a local part of
    /// 1..=64 characters without whitespace or control characters, and a domain
    /// of dot-separated `[A-Za-z0-9-]` labels (not starting or ending with '-')
    /// whose last label is at least two letters.
    pub fn parse(email: &str) -> Result<Self, EmailError> {
        let trimmed = email.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let owned = || trimmed.to_owned();
        if trimmed.chars().count() > 254 {
            return Err(EmailError::TooLong(owned()));
        }
        let (local, domain) = match trimmed.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::NotExactlyOneAt(owned())),
        };
        let local_ok = (1..=64).contains(&local.chars().count())
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if !local_ok {
            return Err(EmailError::InvalidLocalPart(owned()));
        }
        if !valid_domain(domain) {
            return Err(EmailError::InvalidDomain(owned()));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

string_newtype_impls!(Email, EmailError);

#[cfg(test)]
mod tests {
    //! Tests for `email`, named after the rule each one checks.
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn valid_emails_are_trimmed_and_domain_lowercased() {
        for (input, stored) in [
            ("jane@example.com", "jane@example.com"),
            (
                "  Jane.Doe+shop@Example.CO.uk ",
                "Jane.Doe+shop@example.co.uk",
            ),
            ("a@b-c.io", "a@b-c.io"),
            ("o'brien@mail.example.org", "o'brien@mail.example.org"),
        ] {
            let email = Email::parse(input).unwrap();
            assert_eq!(email.as_str(), stored);
            assert_eq!(email.to_string(), stored);
        }
    }

    #[test]
    fn each_rule_rejects_with_its_own_error() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let too_long = format!("a@{}.com", "b".repeat(250));
        type Case<'a> = (&'a str, fn(String) -> EmailError);
        let cases: Vec<Case<'_>> = vec![
            (&too_long, EmailError::TooLong),
            ("jane.example.com", EmailError::NotExactlyOneAt),
            ("jane@doe@example.com", EmailError::NotExactlyOneAt),
            ("@example.com", EmailError::InvalidLocalPart),
            (&long_local, EmailError::InvalidLocalPart),
            ("ja ne@example.com", EmailError::InvalidLocalPart),
            ("ja\u{7}ne@example.com", EmailError::InvalidLocalPart),
            ("jane@localhost", EmailError::InvalidDomain),
            ("jane@", EmailError::InvalidDomain),
            ("jane@example.c", EmailError::InvalidDomain),
            ("jane@example.c0m", EmailError::InvalidDomain),
            ("jane@-example.com", EmailError::InvalidDomain),
            ("jane@example-.com", EmailError::InvalidDomain),
            ("jane@exa_mple.com", EmailError::InvalidDomain),
            ("jane@example..com", EmailError::InvalidDomain),
            ("jane@.example.com", EmailError::InvalidDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Email::parse(input),
                Err(expected(input.trim().to_owned())),
                "{input:?}"
            );
        }
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
    }

    #[test]
    fn local_part_of_64_and_total_of_254_are_allowed() {
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
        let domain = format!("{0}.{0}.{0}.{0}.com", "b".repeat(60));
        let email = format!("{}@{domain}", "a".repeat(254 - 1 - domain.len()));
        assert_eq!(email.len(), 254);
        assert!(Email::parse(&email).is_ok());
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let email = Email::parse("Jane@Example.com").unwrap();
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, r#""Jane@example.com""#);
        assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), email);
        assert!(serde_json::from_str::<Email>(r#""not-an-email""#).is_err());
    }
}
