//! A source store's `fulfillments/create|update` bodies, and the cancellation fields of its
//! `orders/*` bodies: what ordersync needs to bring a shipment or a cancellation back to the
//! destination order. Every error names the field that failed.
//!
//! Choices: the order is named by the numeric `order_id` (REST fulfillments carry no order GID),
//! turned into `gid://shopify/Order/N`; tracking numbers come from `tracking_numbers` (falling
//! back on the single `tracking_number`), their pages from `tracking_urls` (or `tracking_url`).

use serde::Deserialize;

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FulfillmentPayloadError {
    /// Not JSON, or a field has the wrong JSON type.
    #[error("{what} payload: field `{path}`: {message}")]
    Shape {
        /// `fulfillment` or `order`.
        what: &'static str,
        /// Where, e.g. `line_items[0].quantity`.
        path: String,
        /// What serde said.
        message: String,
    },
    /// A field has the right type but an unusable value.
    #[error("{what} payload: field `{field}`: {problem}")]
    Value {
        /// `fulfillment` or `order`.
        what: &'static str,
        /// Where.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

/// A shipment as a `fulfillments/*` webhook reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentPayload {
    /// `gid://shopify/Fulfillment/…`.
    pub id: String,
    /// The order it ships, `gid://shopify/Order/…`.
    pub order_id: String,
    /// e.g. `#1001.1`.
    pub name: Option<String>,
    /// `pending`, `open`, `success`, `cancelled`, `error`, `failure`.
    pub status: String,
    /// Carrier.
    pub tracking_company: Option<String>,
    /// Tracking numbers.
    pub tracking_numbers: Vec<String>,
    /// Tracking pages.
    pub tracking_urls: Vec<String>,
    /// What it ships.
    pub line_items: Vec<FulfillmentLinePayload>,
}

/// One line of a shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentLinePayload {
    /// The order line, `gid://shopify/LineItem/…`.
    pub line_item_id: String,
    /// Its variant, `gid://shopify/ProductVariant/…`, when it still exists.
    pub variant_id: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Units shipped.
    pub quantity: u32,
}

/// The cancellation state of an order, from an `orders/*` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCancellationPayload {
    /// `gid://shopify/Order/…`.
    pub id: String,
    /// e.g. `#1005`.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<String>,
    /// Why (`customer`, `inventory`, `fraud`, `declined`, `staff`, `other`).
    pub cancel_reason: Option<String>,
}

#[derive(Deserialize)]
struct RawFulfillment {
    admin_graphql_api_id: String,
    order_id: u64,
    name: Option<String>,
    status: Option<String>,
    tracking_company: Option<String>,
    tracking_number: Option<String>,
    #[serde(default)]
    tracking_numbers: Option<Vec<String>>,
    tracking_url: Option<String>,
    #[serde(default)]
    tracking_urls: Option<Vec<String>>,
    #[serde(default)]
    line_items: Vec<RawLine>,
}

#[derive(Deserialize)]
struct RawLine {
    admin_graphql_api_id: String,
    variant_id: Option<u64>,
    sku: Option<String>,
    quantity: u32,
}

#[derive(Deserialize)]
struct RawOrder {
    admin_graphql_api_id: String,
    name: String,
    #[serde(default)]
    tags: Option<String>,
    cancelled_at: Option<String>,
    cancel_reason: Option<String>,
}

fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn gid_of(
    what: &'static str,
    field: String,
    kind: &str,
    gid: &str,
) -> Result<String, FulfillmentPayloadError> {
    let prefix = format!("gid://shopify/{kind}/");
    match gid.strip_prefix(&prefix) {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => Ok(gid.to_owned()),
        _ => Err(FulfillmentPayloadError::Value {
            what,
            field,
            problem: format!("`{gid}` is not a {kind} GID"),
        }),
    }
}

fn decode<'a, T: Deserialize<'a>>(
    what: &'static str,
    body: &'a [u8],
) -> Result<T, FulfillmentPayloadError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| FulfillmentPayloadError::Shape {
        what,
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Parses a `fulfillments/create` or `fulfillments/update` body.
pub fn parse_fulfillment(body: &[u8]) -> Result<FulfillmentPayload, FulfillmentPayloadError> {
    const W: &str = "fulfillment";
    let raw: RawFulfillment = decode(W, body)?;
    let id = gid_of(
        W,
        "admin_graphql_api_id".into(),
        "Fulfillment",
        &raw.admin_graphql_api_id,
    )?;
    if raw.order_id == 0 {
        return Err(FulfillmentPayloadError::Value {
            what: W,
            field: "order_id".into(),
            problem: "must be a positive order id".into(),
        });
    }
    let mut line_items = Vec::with_capacity(raw.line_items.len());
    for (i, l) in raw.line_items.into_iter().enumerate() {
        line_items.push(FulfillmentLinePayload {
            line_item_id: gid_of(
                W,
                format!("line_items[{i}].admin_graphql_api_id"),
                "LineItem",
                &l.admin_graphql_api_id,
            )?,
            variant_id: l
                .variant_id
                .map(|v| format!("gid://shopify/ProductVariant/{v}")),
            sku: non_blank(l.sku),
            quantity: l.quantity,
        });
    }
    let list = |many: Option<Vec<String>>, one: Option<String>| -> Vec<String> {
        let many: Vec<String> = many
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| non_blank(Some(s)))
            .collect();
        if many.is_empty() {
            non_blank(one).into_iter().collect()
        } else {
            many
        }
    };
    Ok(FulfillmentPayload {
        id,
        order_id: format!("gid://shopify/Order/{}", raw.order_id),
        name: non_blank(raw.name),
        status: non_blank(raw.status)
            .unwrap_or_else(|| "success".into())
            .to_ascii_lowercase(),
        tracking_company: non_blank(raw.tracking_company),
        tracking_numbers: list(raw.tracking_numbers, raw.tracking_number),
        tracking_urls: list(raw.tracking_urls, raw.tracking_url),
        line_items,
    })
}

/// Parses the order id, name, tags and cancellation of an `orders/*` body.
pub fn parse_order_cancellation(
    body: &[u8],
) -> Result<OrderCancellationPayload, FulfillmentPayloadError> {
    const W: &str = "order";
    let raw: RawOrder = decode(W, body)?;
    Ok(OrderCancellationPayload {
        id: gid_of(
            W,
            "admin_graphql_api_id".into(),
            "Order",
            &raw.admin_graphql_api_id,
        )?,
        name: raw.name,
        tags: raw
            .tags
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        cancelled_at: non_blank(raw.cancelled_at),
        cancel_reason: non_blank(raw.cancel_reason).map(|r| r.to_ascii_lowercase()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CREATE: &[u8] =
        include_bytes!("../../../../contracts/shopify/webhooks/fulfillments/create.json");
    const CANCELLED: &[u8] =
        include_bytes!("../../../../contracts/shopify/webhooks/orders/cancelled.json");

    #[test]
    fn shopify_s_example_fulfillment_is_read() {
        let f = parse_fulfillment(CREATE).unwrap();
        assert_eq!(f.id, "gid://shopify/Fulfillment/123456");
        assert_eq!(f.order_id, "gid://shopify/Order/820982911946154500");
        assert_eq!(f.status, "pending");
        assert_eq!(f.name.as_deref(), Some("#9999.1"));
        assert_eq!(f.tracking_company.as_deref(), Some("UPS"));
        assert_eq!(f.tracking_numbers, vec!["1z827wk74630".to_owned()]);
        assert_eq!(f.tracking_urls.len(), 1);
        assert_eq!(f.line_items.len(), 5);
        assert_eq!(
            f.line_items[0].line_item_id,
            "gid://shopify/LineItem/487817672276298554"
        );
        assert_eq!(f.line_items[0].variant_id, None);
        assert_eq!(f.line_items[0].quantity, 1);
    }

    #[test]
    fn a_bad_fulfillment_names_the_field() {
        let e = parse_fulfillment(
            br#"{"admin_graphql_api_id": "gid://shopify/Order/1", "order_id": 1}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`admin_graphql_api_id`"), "{e}");
        let e = parse_fulfillment(
            br#"{"admin_graphql_api_id": "gid://shopify/Fulfillment/1", "order_id": 1, "line_items": [{"admin_graphql_api_id": "gid://shopify/LineItem/2", "quantity": "two"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("line_items[0].quantity"), "{e}");
        let e = parse_fulfillment(br#"{"admin_graphql_api_id": "gid://shopify/Fulfillment/1"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("order_id"), "{e}");
    }

    #[test]
    fn shopify_s_example_cancellation_is_read() {
        let o = parse_order_cancellation(CANCELLED).unwrap();
        assert_eq!(o.id, "gid://shopify/Order/820982911946154508");
        assert_eq!(o.name, "#9999");
        assert_eq!(o.tags, vec!["tag1".to_owned(), "tag2".to_owned()]);
        assert!(o.cancelled_at.is_some());
        assert_eq!(o.cancel_reason.as_deref(), Some("customer"));
        let e = parse_order_cancellation(br##"{"admin_graphql_api_id": "x", "name": "#1"}"##)
            .unwrap_err();
        assert!(e.to_string().contains("`admin_graphql_api_id`"), "{e}");
    }
}
