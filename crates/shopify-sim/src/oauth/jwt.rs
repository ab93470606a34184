//! Session tokens: the HS256 JWTs App Bridge hands an embedded app, signed with the app secret,
//! with Shopify's claims. The simulator mints them (for tests and the control API) and verifies
//! them in token exchange.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{hmac_sha256, random_hex};
use crate::state::World;

/// The claims of a Shopify session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// `https://{shop}/admin`.
    pub iss: String,
    /// `https://{shop}`.
    pub dest: String,
    /// The app's API key.
    pub aud: String,
    /// The staff member's user id.
    pub sub: String,
    /// Expiry (seconds since the epoch), `iat + 60`.
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Unique id.
    pub jti: String,
    /// Session id.
    pub sid: String,
}

impl SessionClaims {
    /// The shop domain, from `dest`.
    pub fn shop(&self) -> &str {
        self.dest.trim_start_matches("https://")
    }
}

/// A session token for a staff member of `shop` using the app, issued now. `None` when the app
/// is not registered.
pub fn mint_session_token(
    world: &World,
    shop: &str,
    api_key: &str,
    user_id: u64,
) -> Option<String> {
    mint_session_token_at(world, shop, api_key, user_id, Utc::now())
}

/// A session token issued at `iat` (tests mint expired ones with a past time).
pub fn mint_session_token_at(
    world: &World,
    shop: &str,
    api_key: &str,
    user_id: u64,
    iat: DateTime<Utc>,
) -> Option<String> {
    let app = world.apps.get(api_key)?;
    let shop = shop.to_ascii_lowercase();
    let iat = iat.timestamp();
    let claims = SessionClaims {
        iss: format!("https://{shop}/admin"),
        dest: format!("https://{shop}"),
        aud: api_key.to_owned(),
        sub: user_id.to_string(),
        exp: iat + 60,
        nbf: iat,
        iat,
        jti: random_hex(16),
        sid: random_hex(16),
    };
    Some(sign(&app.secret, &claims))
}

fn sign(secret: &str, claims: &SessionClaims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks a session token for the app `api_key` with secret `secret`: HS256 signature, `aud`,
/// `exp` and `nbf` (no leeway). The error says what is wrong.
pub fn verify_session_token(
    token: &str,
    api_key: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<SessionClaims, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the session token is not a JWT".into());
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the session token's header is not valid JSON")?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err("the session token is not signed with HS256".into());
    }
    let expected = hmac_sha256(secret, token_head(token).as_bytes());
    let given = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the session token's signature is not base64url")?;
    if !constant_time_eq(&expected, &given) {
        return Err("the session token's signature does not match the app secret".into());
    }
    let claims: SessionClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the session token's payload lacks Shopify's claims")?;
    if claims.aud != api_key {
        return Err(format!(
            "the session token's audience {} is not this app ({api_key})",
            claims.aud
        ));
    }
    let now = now.timestamp();
    if claims.exp <= now {
        return Err("the session token has expired".into());
    }
    if claims.nbf > now {
        return Err("the session token is not valid yet (nbf)".into());
    }
    Ok(claims)
}

/// `header.payload` of a JWT.
fn token_head(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(head, _)| head)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::state::App;

    fn world() -> World {
        let mut world = World::new();
        world.apps.insert(
            "key".into(),
            App {
                api_key: "key".into(),
                secret: "secret".into(),
                scopes: vec![],
                redirect_urls: vec![],
                title: "App".into(),
                compliance_url: None,
            },
        );
        world
    }

    #[test]
    fn a_minted_token_verifies_and_tampering_is_caught() {
        let world = world();
        let token = mint_session_token(&world, "a.myshopify.com", "key", 42).unwrap_or_default();
        let claims = verify_session_token(&token, "key", "secret", Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.iss, "https://a.myshopify.com/admin");
        assert_eq!(claims.shop(), "a.myshopify.com");
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.exp, claims.iat + 60);
        let err = verify_session_token(&token, "key", "other", Utc::now()).unwrap_err();
        assert!(err.contains("signature"), "{err}");
        let err = verify_session_token(&token, "other-key", "secret", Utc::now()).unwrap_err();
        assert!(err.contains("audience"), "{err}");
        let later = Utc::now() + chrono::Duration::seconds(61);
        let err = verify_session_token(&token, "key", "secret", later).unwrap_err();
        assert!(err.contains("expired"), "{err}");
    }
}
