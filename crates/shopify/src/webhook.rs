//! Webhook authenticity: Shopify signs each delivery with `base64(HMAC-SHA256(app secret, raw body))`
//! in `X-Shopify-Hmac-Sha256`. The check runs on the exact bytes received, before any parsing,
//! and compares in constant time. During a secret rotation both the new and the old secret are
//! accepted.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is absent.
    #[error("the X-Shopify-Hmac-Sha256 header is missing")]
    Missing,
    /// The header is not base64 of a 32-byte digest.
    #[error("the X-Shopify-Hmac-Sha256 header is not a base64 SHA-256 digest")]
    Malformed,
    /// No configured secret produces this signature.
    #[error("the webhook signature does not match")]
    Mismatch,
}

/// The app secrets webhooks may be signed with: the current one and, during a rotation, the previous one.
#[derive(Clone)]
pub struct WebhookSecrets {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl WebhookSecrets {
    /// The current secret, and optionally the one it replaces.
    pub fn new(current: impl Into<Vec<u8>>, previous: Option<Vec<u8>>) -> Self {
        WebhookSecrets {
            current: current.into(),
            previous,
        }
    }

    /// The signature Shopify would send for `body` with the current secret.
    pub fn sign(&self, body: &[u8]) -> String {
        STANDARD.encode(digest(&self.current, body))
    }

    /// Checks the header value against the body with each secret.
    pub fn verify(&self, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
        let header = header
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or(SignatureError::Missing)?;
        let given = STANDARD
            .decode(header)
            .map_err(|_| SignatureError::Malformed)?;
        if given.len() != 32 {
            return Err(SignatureError::Malformed);
        }
        let matches = |secret: &[u8]| bool::from(digest(secret, body).as_slice().ct_eq(&given));
        let ok = matches(&self.current) | self.previous.as_deref().is_some_and(matches);
        if ok {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

fn digest(secret: &[u8], body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed independently: printf '{"id":1}' | openssl dgst -sha256 -hmac secret -binary | base64
    const KNOWN: &str = "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=";

    #[test]
    fn a_known_signature_verifies() {
        let secrets = WebhookSecrets::new("secret", None);
        assert_eq!(secrets.sign(br#"{"id":1}"#), KNOWN);
        assert_eq!(secrets.verify(br#"{"id":1}"#, Some(KNOWN)), Ok(()));
    }

    #[test]
    fn any_change_to_body_or_signature_is_refused() {
        let secrets = WebhookSecrets::new("secret", None);
        assert_eq!(
            secrets.verify(br#"{"id":2}"#, Some(KNOWN)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secrets.verify(br#"{"id":1} "#, Some(KNOWN)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(secrets.verify(b"x", None), Err(SignatureError::Missing));
        assert_eq!(
            secrets.verify(b"x", Some("  ")),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            secrets.verify(b"x", Some("not base64!")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            secrets.verify(b"x", Some("c2hvcnQ=")),
            Err(SignatureError::Malformed)
        );
        let other = WebhookSecrets::new("other", None);
        assert_eq!(
            other.verify(br#"{"id":1}"#, Some(KNOWN)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_previous_secret_is_accepted_during_rotation() {
        let rotated = WebhookSecrets::new("new-secret", Some(b"secret".to_vec()));
        assert_eq!(rotated.verify(br#"{"id":1}"#, Some(KNOWN)), Ok(()));
        let signed_new = rotated.sign(b"body");
        assert_eq!(rotated.verify(b"body", Some(&signed_new)), Ok(()));
        let done = WebhookSecrets::new("new-secret", None);
        assert_eq!(
            done.verify(br#"{"id":1}"#, Some(KNOWN)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let s = format!(
            "{:?}",
            WebhookSecrets::new("hunter2", Some(b"old".to_vec()))
        );
        assert!(!s.contains("hunter2") && !s.contains("old\""), "{s}");
    }
}
