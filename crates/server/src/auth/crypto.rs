//! Encryption of access and refresh tokens at rest. A stolen database (or backup) must not hand
//! out working Shopify tokens, so every token is sealed with XChaCha20-Poly1305 (an AEAD) under
//! the configured key, with a fresh random 24-byte nonce per value and the shop id and purpose as
//! associated data (a sealed token moved to another row does not open). The id of the key is
//! stored beside the ciphertext, so after a rotation the previous keys still open old values
//! until `ordersync tokens rotate` has re-sealed them all.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use ordersync_store::auth::SealedSecret;
use rand::RngCore;
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;

/// Why a key could not be used or a value not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A configured key is not base64 of 32 bytes.
    #[error("is not base64 of exactly 32 bytes")]
    BadKey,
    /// The value was sealed with a key that is not configured any more.
    #[error("the token was encrypted with key {0}, which is not configured (token_encryption_previous_keys)")]
    UnknownKey(String),
    /// Wrong key, wrong row or tampered ciphertext.
    #[error("the token could not be decrypted (wrong key or tampered value)")]
    Open,
}

/// One encryption key and its id (the first 8 bytes of its SHA-256, in hex).
#[derive(Clone)]
struct TokenKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl TokenKey {
    fn parse(encoded: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let digest = Sha256::digest(&bytes);
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(TokenKey {
            id,
            cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }
}

/// Seals tokens with the current key and opens them with the current or a previous key.
#[derive(Clone)]
pub struct TokenCipher {
    current: TokenKey,
    previous: Vec<TokenKey>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher")
            .field("current_key_id", &self.current.id)
            .field(
                "previous_key_ids",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a sealed value is, bound into its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An offline access token.
    Access,
    /// A refresh token.
    Refresh,
}

fn associated_data(shop_id: i64, purpose: Purpose) -> Vec<u8> {
    let purpose = match purpose {
        Purpose::Access => "access",
        Purpose::Refresh => "refresh",
    };
    format!("ordersync-token/v1/{shop_id}/{purpose}").into_bytes()
}

impl TokenCipher {
    /// From base64 keys: the current one and those it replaced.
    pub fn new(current: &str, previous: &[String]) -> Result<Self, CryptoError> {
        Ok(TokenCipher {
            current: TokenKey::parse(current)?,
            previous: previous
                .iter()
                .map(|k| TokenKey::parse(k))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A fresh random key, base64 (for `docs/auth.md`'s key generation and tests).
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for `shop_id` with the current key and a random nonce.
    pub fn seal(&self, shop_id: i64, purpose: Purpose, plaintext: &str) -> SealedSecret {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = associated_data(shop_id, purpose);
        let sealed = self.current.cipher.encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: &aad,
            },
        );
        // Encryption fails only for messages of more than 256 GiB.
        let sealed = sealed.unwrap_or_default();
        let mut ciphertext = nonce.to_vec();
        ciphertext.extend_from_slice(&sealed);
        SealedSecret {
            key_id: self.current.id.clone(),
            ciphertext,
        }
    }

    /// Opens a sealed value with the key it names.
    pub fn open(
        &self,
        shop_id: i64,
        purpose: Purpose,
        sealed: &SealedSecret,
    ) -> Result<String, CryptoError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.ciphertext.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = sealed.ciphertext.split_at(NONCE_LEN);
        let aad = associated_data(shop_id, purpose);
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Open)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Open)
    }

    /// Whether a value is sealed with an older key (and so due for re-sealing).
    pub fn is_stale(&self, sealed: &SealedSecret) -> bool {
        sealed.key_id != self.current.id
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let cipher = TokenCipher::new(&TokenCipher::generate_key(), &[]).unwrap();
        let a = cipher.seal(7, Purpose::Access, "shpat_secret");
        let b = cipher.seal(7, Purpose::Access, "shpat_secret");
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!a
            .ciphertext
            .windows(b"shpat_secret".len())
            .any(|w| w == b"shpat_secret"));
        assert_eq!(cipher.open(7, Purpose::Access, &a).unwrap(), "shpat_secret");
        assert_eq!(cipher.open(7, Purpose::Access, &b).unwrap(), "shpat_secret");
    }

    #[test]
    fn wrong_key_other_row_or_tampering_is_refused() {
        let key = TokenCipher::generate_key();
        let cipher = TokenCipher::new(&key, &[]).unwrap();
        let sealed = cipher.seal(7, Purpose::Access, "shpat_secret");
        let other = TokenCipher::new(&TokenCipher::generate_key(), &[]).unwrap();
        assert!(matches!(
            other.open(7, Purpose::Access, &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        let mut same_id = sealed.clone();
        same_id.key_id = other.current_key_id().to_owned();
        assert_eq!(
            other.open(7, Purpose::Access, &same_id),
            Err(CryptoError::Open)
        );
        assert_eq!(
            cipher.open(8, Purpose::Access, &sealed),
            Err(CryptoError::Open)
        );
        assert_eq!(
            cipher.open(7, Purpose::Refresh, &sealed),
            Err(CryptoError::Open)
        );
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.ciphertext.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            cipher.open(7, Purpose::Access, &tampered),
            Err(CryptoError::Open)
        );
    }

    #[test]
    fn after_rotation_old_values_open_and_new_ones_use_the_new_key() {
        let old_key = TokenCipher::generate_key();
        let old = TokenCipher::new(&old_key, &[]).unwrap();
        let sealed_old = old.seal(1, Purpose::Refresh, "shprt_1");
        let rotated = TokenCipher::new(&TokenCipher::generate_key(), &[old_key]).unwrap();
        assert!(rotated.is_stale(&sealed_old));
        assert_eq!(
            rotated.open(1, Purpose::Refresh, &sealed_old).unwrap(),
            "shprt_1"
        );
        let resealed = rotated.seal(1, Purpose::Refresh, "shprt_1");
        assert!(!rotated.is_stale(&resealed));
        assert_ne!(resealed.key_id, sealed_old.key_id);
    }

    #[test]
    fn keys_must_be_base64_of_32_bytes() {
        assert_eq!(
            TokenCipher::new("c2hvcnQ=", &[]).unwrap_err(),
            CryptoError::BadKey
        );
        assert_eq!(
            TokenCipher::new("not base64!", &[]).unwrap_err(),
            CryptoError::BadKey
        );
    }
}
