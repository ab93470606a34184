//! The static files of the pages, compiled into the binary and served at `/assets/{file}`
//! without authentication (they hold nothing of any shop). Links carry `?v=<content hash>`,
//! so the files are cached for a year and a new build is fetched at once.
//!
//! | file | what | from |
//! |---|---|---|
//! | `htmx.min.js` | progressive enhancement | npm `htmx.org` 2.0.11, 0BSD (`assets/HTMX-LICENSE`) |
//! | `polaris-tokens.css` | Polaris design tokens as CSS custom properties | npm `@shopify/polaris-tokens` 9.4.2, `dist/css/styles.css` (light theme block), Shopify's license (`assets/POLARIS-TOKENS-LICENSE.md`) |
//! | `app.css` | ordersync's styles, on those tokens | ours |
//! | `app.js` | session token refresh, small behaviours | ours |

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// Every served file: name, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx.min.js"),
    ),
    (
        "polaris-tokens.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/polaris-tokens.css"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
];

/// Each file's name and the first 16 hex digits of its SHA-256.
static HASHES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, _, bytes)| {
            let digest = Sha256::digest(bytes);
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            (*name, hex)
        })
        .collect()
});

/// The URL of an asset, with its content hash: `/assets/app.css?v=…`.
pub fn url(name: &str) -> String {
    let hash = HASHES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, h)| h.as_str());
    format!("/assets/{name}?v={hash}")
}

/// `GET /assets/{file}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut response = (*bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url() {
        for (name, _, bytes) in FILES {
            assert!(!bytes.is_empty(), "{name} is empty");
            let url = url(name);
            assert!(url.starts_with(&format!("/assets/{name}?v=")), "{url}");
            assert_eq!(url.len(), format!("/assets/{name}?v=").len() + 16, "{url}");
        }
    }
}
