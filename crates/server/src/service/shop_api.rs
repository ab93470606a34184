//! A shop's Admin API as the services use it: the API with a fresh access token ([`shop_api`])
//! and the lookup of the source order a push created, by the push's unique tag
//! ([`find_pushed_order`]; see `docs/push.md`, exactly once). Each caller maps the errors to its
//! own job's error.

use ordersync_shopify::admin::{AdminError, ShopApi};
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;

use crate::auth::{AuthError, AuthService};

/// The shop's Admin API with an access token valid now (refreshed first if it expires soon).
pub(crate) async fn shop_api(
    auth: &AuthService,
    shop: &ShopRecord,
    now: UnixMillis,
) -> Result<ShopApi, AuthError> {
    let token = auth.access_token(shop, now).await?;
    Ok(auth.admin().shop(shop.shop.domain.as_str(), token))
}

/// The unique tag a push puts on its source order (`ordersync-<push key>`).
pub(crate) fn push_tag(push_key: &str) -> String {
    format!("{}-{push_key}", ordersync_core::plan::ORDERSYNC_TAG)
}

/// The source order carrying `tag` (a push's [`push_tag`]) on the shop of `api`, if any: its
/// GID and name. The search is by tag; the tag is checked exactly on what comes back.
pub(crate) async fn find_pushed_order(
    api: &ShopApi,
    tag: &str,
) -> Result<Option<(String, String)>, AdminError> {
    let page = api.orders(Some(&format!("tag:{tag}")), 5, None).await?;
    Ok(page
        .nodes
        .into_iter()
        .find(|o| o.tags.iter().any(|t| t == tag))
        .map(|o| (o.id, o.name)))
}
