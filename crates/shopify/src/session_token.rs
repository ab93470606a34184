//! Session tokens: the HS256 JWTs that Shopify App Bridge gives an embedded app's pages, signed
//! with the app secret. Verifying one proves which shop (`dest`) a merchant UI or JSON API
//! request comes from; it exists so that check lives in one place and is done the same way
//! everywhere (signature in constant time, `aud`, `exp`/`nbf` with a small leeway).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::oauth::hmac_sha256;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 10;

/// The claims ordersync uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionClaims {
    /// `https://{shop}/admin`.
    #[serde(default)]
    pub iss: String,
    /// `https://{shop}`.
    pub dest: String,
    /// The app's API key.
    pub aud: String,
    /// The staff member's user id.
    #[serde(default)]
    pub sub: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
}

impl SessionClaims {
    /// The shop domain named by `dest` (not yet validated).
    pub fn shop(&self) -> &str {
        self.dest
            .trim_start_matches("https://")
            .trim_end_matches('/')
    }
}

/// Why a session token was refused (for logs; callers answer a plain 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionTokenError {
    /// Not three base64url parts with a JSON header and payload.
    #[error("the session token is malformed")]
    Malformed,
    /// Not HS256.
    #[error("the session token is not signed with HS256")]
    Algorithm,
    /// The signature was not made with the app secret.
    #[error("the session token's signature does not match")]
    Signature,
    /// Meant for another app.
    #[error("the session token's audience is not this app")]
    Audience,
    /// Past `exp` (plus leeway).
    #[error("the session token has expired")]
    Expired,
    /// Before `nbf` (minus leeway).
    #[error("the session token is not valid yet")]
    NotYetValid,
}

/// Verifies `token` for the app `api_key`, signed with one of `secrets`, at `now` (Unix seconds).
pub fn verify(
    token: &str,
    api_key: &str,
    secrets: &[&str],
    now: i64,
) -> Result<SessionClaims, SessionTokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SessionTokenError::Malformed);
    };
    #[derive(Deserialize)]
    struct Header {
        alg: String,
    }
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(SessionTokenError::Malformed)?;
    if header.alg != "HS256" {
        return Err(SessionTokenError::Algorithm);
    }
    let given = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| SessionTokenError::Malformed)?;
    let signing_input = &token[..token.len() - signature.len() - 1];
    let signed = secrets.iter().fold(false, |ok, secret| {
        let expected = hmac_sha256(secret.as_bytes(), signing_input.as_bytes());
        ok | (given.len() == expected.len() && bool::from(expected.as_slice().ct_eq(&given)))
    });
    if !signed {
        return Err(SessionTokenError::Signature);
    }
    let claims: SessionClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(SessionTokenError::Malformed)?;
    if claims.aud != api_key {
        return Err(SessionTokenError::Audience);
    }
    if now > claims.exp + LEEWAY_SECS {
        return Err(SessionTokenError::Expired);
    }
    if now < claims.nbf - LEEWAY_SECS {
        return Err(SessionTokenError::NotYetValid);
    }
    Ok(claims)
}

/// Signs claims as Shopify does (HS256). For tests of code that verifies session tokens.
pub fn sign(secret: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), input.as_bytes()));
    format!("{input}.{signature}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(exp: i64, nbf: i64) -> serde_json::Value {
        json!({"iss": "https://a.myshopify.com/admin", "dest": "https://a.myshopify.com",
               "aud": "key", "sub": "1", "exp": exp, "nbf": nbf, "iat": nbf})
    }

    #[test]
    fn a_good_token_names_its_shop() {
        let token = sign("s", &claims(1060, 1000));
        let got = verify(&token, "key", &["s"], 1030).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.shop(), "a.myshopify.com");
    }

    #[test]
    fn leeway_is_ten_seconds_each_way() {
        let token = sign("s", &claims(1060, 1000));
        assert!(verify(&token, "key", &["s"], 1070).is_ok());
        assert_eq!(
            verify(&token, "key", &["s"], 1071),
            Err(SessionTokenError::Expired)
        );
        assert!(verify(&token, "key", &["s"], 990).is_ok());
        assert_eq!(
            verify(&token, "key", &["s"], 989),
            Err(SessionTokenError::NotYetValid)
        );
    }

    #[test]
    fn wrong_secret_audience_or_shape_is_refused() {
        let token = sign("s", &claims(1060, 1000));
        assert_eq!(
            verify(&token, "key", &["t"], 1030),
            Err(SessionTokenError::Signature)
        );
        assert!(verify(&token, "key", &["t", "s"], 1030).is_ok());
        assert_eq!(
            verify(&token, "other", &["s"], 1030),
            Err(SessionTokenError::Audience)
        );
        assert_eq!(
            verify("abc.def", "key", &["s"], 1030),
            Err(SessionTokenError::Malformed)
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims(1060, 1000).to_string())
        );
        assert_eq!(
            verify(&none, "key", &["s"], 1030),
            Err(SessionTokenError::Algorithm)
        );
    }
}
