//! Authentication of the merchant pages over real HTTP (see `docs/ui.md`): a Shopify session
//! token (query, bearer header or form field) opens a page and is swapped for a page token that
//! every link and form carries; expired, forged, wrong-audience tokens and shops that have not
//! installed ordersync get the 401 page; embedded requests load App Bridge, standalone ones do
//! not; the page headers; the static files.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;
mod pages_support;

use auth_support::{start, EASTWIND, KEY, NORTHWIND, SECRET};
use engine_support::install;
use pages_support::{get, get_bearer, post};
use serde_json::json;

fn signed(secret: &str, aud: &str, shop: &str, iat: i64, exp: i64) -> String {
    ordersync_shopify::session_token::sign(
        secret,
        &json!({
            "iss": format!("https://{shop}/admin"), "dest": format!("https://{shop}"),
            "aud": aud, "sub": "1", "exp": exp, "nbf": iat, "iat": iat,
        }),
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_shopify_session_token_opens_the_page_and_is_swapped_for_a_page_token() {
    let world = start().await;
    install(&world, NORTHWIND, "destination").await;
    let shopify_token = world.session_token(NORTHWIND);

    let page = get(&world, &format!("/app?id_token={shopify_token}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.contains("<h1 class=\"page-title\">Orders</h1>"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<h1").count(), 1, "one h1 per page");

    // The page token: not Shopify's, valid for this shop, and in every in-app link and form.
    let token = page.token();
    assert_ne!(token, shopify_token);
    let shop = world
        .auth
        .verify_session_token(&token, ordersync_store::UnixMillis::now())
        .unwrap();
    assert_eq!(shop.as_str(), NORTHWIND);
    let in_app: Vec<String> = page
        .hrefs()
        .into_iter()
        .filter(|h| h.starts_with("/app"))
        .collect();
    assert!(in_app.len() >= 4, "{in_app:?}");
    for href in &in_app {
        assert!(href.contains(&format!("id_token={token}")), "{href}");
    }
    assert!(page.contains(&format!(r#"name="id_token" value="{token}""#)));

    // The headers of a page.
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains(&format!(
            "frame-ancestors https://{NORTHWIND} https://admin.shopify.com"
        )),
        "{csp}"
    );

    // Standalone: no App Bridge, but the vendored assets.
    assert!(!page.contains("app-bridge.js"));
    assert!(!page.contains("shopify-api-key"));
    assert!(page.contains("/assets/htmx.min.js?v="));
    assert!(page.contains("/assets/polaris-tokens.css?v="));

    // A link carrying the page token (not Shopify's) opens the next page.
    let next = get(&world, &page.link("/app?status=failed")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(next.contains("aria-current=\"page\""));

    // The bearer header works too.
    let bearer = get_bearer(&world, "/app", &world.session_token(NORTHWIND)).await;
    assert_eq!(bearer.status, 200, "{}", bearer.body);
    world.stop().await;
}

#[tokio::test]
async fn missing_expired_forged_and_foreign_tokens_get_the_401_page() {
    let world = start().await;
    install(&world, NORTHWIND, "destination").await;
    let t = now();
    let cases = [
        ("no token", "/app".to_owned()),
        ("empty token", "/app?id_token=".to_owned()),
        ("garbage", "/app?id_token=abc.def.ghi".to_owned()),
        (
            "expired Shopify token",
            format!(
                "/app?id_token={}",
                signed(SECRET, KEY, NORTHWIND, t - 7200, t - 7140)
            ),
        ),
        (
            "expired page token",
            format!(
                "/app?id_token={}",
                signed(SECRET, KEY, NORTHWIND, t - 7200, t - 3600)
            ),
        ),
        (
            "forged (another secret)",
            format!(
                "/app?id_token={}",
                signed("not-the-secret", KEY, NORTHWIND, t, t + 60)
            ),
        ),
        (
            "another app's token",
            format!(
                "/app?id_token={}",
                signed(SECRET, "another-app", NORTHWIND, t, t + 60)
            ),
        ),
        (
            "a shop that has not installed ordersync",
            format!("/app?id_token={}", signed(SECRET, KEY, EASTWIND, t, t + 60)),
        ),
    ];
    for (what, path) in cases {
        let page = get(&world, &path).await;
        assert_eq!(page.status, 401, "{what}: {}", page.body);
        assert!(
            page.text()
                .contains("Open ordersync again from your Shopify admin"),
            "{what}: {}",
            page.body
        );
        assert!(!page.contains("ordersync-token"), "{what}");
        assert!(!page.contains(NORTHWIND), "{what}");
        assert_eq!(page.header("cache-control"), "no-store", "{what}");
    }
    // Forms without a valid token are refused the same way, and change nothing.
    let page = post(
        &world,
        "/app/auto-push",
        &[("enabled", "true"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(page.status, 401, "{}", page.body);
    let forged = signed("not-the-secret", KEY, NORTHWIND, t, t + 60);
    let page = post(
        &world,
        "/app/auto-push",
        &[
            ("enabled", "true"),
            ("confirm", "yes"),
            ("id_token", &forged),
        ],
    )
    .await;
    assert_eq!(page.status, 401, "{}", page.body);
    let shop = world
        .store
        .shop_by_domain(&auth_support::domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert!(!world.store.push_settings(shop.id).await.unwrap().auto_push);
    world.stop().await;
}

#[tokio::test]
async fn a_form_field_token_authenticates_a_form() {
    let world = start().await;
    install(&world, NORTHWIND, "destination").await;
    let token = world.session_token(NORTHWIND);
    let page = post(
        &world,
        "/app/auto-push",
        &[("enabled", "true"), ("id_token", &token)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text().contains("Turn on automated push?"),
        "{}",
        page.body
    );
    world.stop().await;
}

#[tokio::test]
async fn embedded_requests_load_app_bridge_and_keep_host_in_links() {
    let world = start().await;
    install(&world, NORTHWIND, "destination").await;
    let token = world.session_token(NORTHWIND);
    let page = get(
        &world,
        &format!("/app?shop={NORTHWIND}&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbm9ydGh3aW5k&embedded=1&id_token={token}"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.contains(r#"<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js">"#));
    assert!(page.contains(&format!(r#"<meta name="shopify-api-key" content="{KEY}">"#)));
    let link = page.link("/app/connections");
    assert!(link.contains("embedded=1"), "{link}");
    assert!(
        link.contains("host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbm9ydGh3aW5k"),
        "{link}"
    );
    // Following an in-app link stays embedded.
    let next = get(&world, &page.link("/app?status=")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(next.contains("app-bridge.js"));
    // So does a form: its hidden fields carry `embedded` and `host`.
    let host = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbm9ydGh3aW5k";
    assert!(next.contains(r#"<input type="hidden" name="embedded" value="1">"#));
    let confirm = post(
        &world,
        "/app/auto-push",
        &[
            ("id_token", &next.token()),
            ("embedded", "1"),
            ("host", host),
            ("enabled", "true"),
        ],
    )
    .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.contains("app-bridge.js"));
    assert!(confirm.link("/app").contains(&format!("host={host}")));
    world.stop().await;
}

#[tokio::test]
async fn a_source_store_is_sent_to_its_received_orders() {
    let world = start().await;
    install(&world, NORTHWIND, "source").await;
    let page = get(
        &world,
        &format!("/app?id_token={}", world.session_token(NORTHWIND)),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location();
    assert!(
        location.starts_with("/app/received?id_token="),
        "{location}"
    );
    world.stop().await;
}

#[tokio::test]
async fn static_files_are_served_with_a_long_cache() {
    let world = start().await;
    for (file, kind) in [
        ("htmx.min.js", "text/javascript"),
        ("polaris-tokens.css", "text/css"),
        ("app.css", "text/css"),
        ("app.js", "text/javascript"),
    ] {
        let page = get(&world, &format!("/assets/{file}?v=1")).await;
        assert_eq!(page.status, 200, "{file}");
        assert!(page.header("content-type").starts_with(kind), "{file}");
        assert!(page.header("cache-control").contains("immutable"), "{file}");
        assert!(!page.body.is_empty());
    }
    assert!(get(&world, "/assets/htmx.min.js")
        .await
        .body
        .starts_with("/* htmx 2.0.11"));
    assert!(get(&world, "/assets/polaris-tokens.css")
        .await
        .body
        .contains("--p-color-bg-surface:"));
    assert_eq!(get(&world, "/assets/nope.js").await.status, 404);
    world.stop().await;
}
