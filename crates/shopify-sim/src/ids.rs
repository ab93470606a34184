//! Shopify global ids: `gid://shopify/<Type>/<number>`.

/// The GID of a resource.
pub fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// The number inside a GID of the given kind, if it is one.
pub fn parse_gid(kind: &str, gid: &str) -> Option<u64> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let (k, n) = rest.split_once('/')?;
    let n = n.split('?').next()?;
    if k == kind {
        n.parse().ok()
    } else {
        None
    }
}

/// The type and number of any GID.
pub fn split_gid(gid: &str) -> Option<(&str, u64)> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let (k, n) = rest.split_once('/')?;
    Some((k, n.split('?').next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gids_round_trip_and_kinds_are_checked() {
        let g = gid("Order", 42);
        assert_eq!(g, "gid://shopify/Order/42");
        assert_eq!(parse_gid("Order", &g), Some(42));
        assert_eq!(parse_gid("Product", &g), None);
        assert_eq!(split_gid("gid://shopify/LineItem/7"), Some(("LineItem", 7)));
        assert_eq!(parse_gid("Order", "42"), None);
    }
}
