//! Products and variants: `product`, `products`, `productVariant`, `productVariants` (with
//! Shopify's search syntax: `sku:`, `title:`, `product_id:`, `updated_at:` …) and lookups.

use apollo_compiler::resolvers::FieldError;
use serde_json::{json, Value};

use super::orders::json::{money_scalar, reference, ts};
use super::orders::search::{
    self, matches_all, number_matches, text_contains, text_eq, time_matches, Term,
};
use super::{require_scope, Call};
use crate::graphql::value::Ctx;
use crate::ids::{gid, parse_gid};
use crate::state::{Product, Shop, Variant};

/// The `ProductVariant` object.
fn variant_json(shop: &Shop, v: &Variant) -> Value {
    let product = shop.products.get(&v.product_id);
    let product_title = product.map(|p| p.title.clone()).unwrap_or_default();
    json!({
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", v.id),
        "legacyResourceId": v.id.to_string(),
        "title": v.title,
        "displayName": format!("{product_title} - {}", v.title),
        "sku": v.sku,
        "price": money_scalar(v.price),
        "compareAtPrice": null,
        "barcode": null,
        "availableForSale": true,
        "inventoryQuantity": v.inventory_quantity,
        "inventoryItem": { "__typename": "InventoryItem", "id": gid("InventoryItem", v.inventory_item_id), "sku": v.sku, "tracked": true },
        "product": reference("Product", v.product_id),
        "createdAt": ts(v.created_at),
        "updatedAt": ts(v.updated_at),
    })
}

/// The `Product` object.
fn product_json(shop: &Shop, p: &Product) -> Value {
    let variants: Vec<&Variant> = p
        .variant_ids
        .iter()
        .filter_map(|id| shop.variants.get(id))
        .collect();
    json!({
        "__typename": "Product",
        "id": gid("Product", p.id),
        "legacyResourceId": p.id.to_string(),
        "title": p.title,
        "handle": p.handle,
        "vendor": p.vendor,
        "status": p.status,
        "productType": "",
        "tags": [],
        "totalInventory": variants.iter().map(|v| v.inventory_quantity).sum::<i64>(),
        "hasOnlyDefaultVariant": variants.len() == 1 && variants[0].title == "Default Title",
        "variants": variants.iter().map(|v| variant_json(shop, v)).collect::<Vec<_>>(),
        "createdAt": ts(p.created_at),
        "updatedAt": ts(p.updated_at),
    })
}

fn product_matches(p: &Product, shop: &Shop, term: &Term) -> bool {
    let skus = || {
        p.variant_ids
            .iter()
            .filter_map(|id| shop.variants.get(id))
            .filter_map(|v| v.sku.as_deref())
    };
    match term.key.as_deref() {
        None => text_contains(term, std::iter::once(p.title.as_str()).chain(skus())),
        Some("title") => text_eq(term, &p.title),
        Some("sku") => skus().any(|s| text_eq(term, s)),
        Some("vendor") => text_eq(term, &p.vendor),
        Some("status") => text_eq(term, &p.status),
        Some("handle") => text_eq(term, &p.handle),
        Some("id") => number_matches(term, p.id),
        Some("updated_at") => time_matches(term, p.updated_at),
        Some("created_at") => time_matches(term, p.created_at),
        _ => false,
    }
}

fn variant_matches(v: &Variant, shop: &Shop, term: &Term) -> bool {
    let product_title = shop
        .products
        .get(&v.product_id)
        .map(|p| p.title.as_str())
        .unwrap_or_default();
    match term.key.as_deref() {
        None => text_contains(
            term,
            [
                product_title,
                v.title.as_str(),
                v.sku.as_deref().unwrap_or_default(),
            ],
        ),
        Some("sku") => v.sku.as_deref().is_some_and(|s| text_eq(term, s)),
        Some("title") => text_eq(term, &v.title) || text_eq(term, product_title),
        Some("product_id") => number_matches(term, v.product_id),
        Some("id") => number_matches(term, v.id),
        Some("updated_at") => time_matches(term, v.updated_at),
        Some("created_at") => time_matches(term, v.created_at),
        _ => false,
    }
}

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    let kind = match (call.type_name, call.field) {
        ("Query", "product") => "Product",
        ("Query", "productVariant") => "ProductVariant",
        ("Query", "products") => "products",
        ("Query", "productVariants") => "productVariants",
        _ => return None,
    };
    if let Err(e) = require_scope(call.ctx, "read_products", call.field) {
        return Some(Err(e));
    }
    if kind.starts_with(char::is_uppercase) {
        return Some(Ok(call
            .str_arg("id")
            .and_then(|g| parse_gid(kind, g))
            .and_then(|id| lookup(call.ctx, kind, id))
            .unwrap_or(Value::Null)));
    }
    let world = call.ctx.world.borrow();
    let Some(shop) = world.shop(&call.ctx.caller.shop) else {
        return Some(Ok(Value::Array(vec![])));
    };
    let terms = search::parse(call.str_arg("query").unwrap_or_default());
    let sort = call.str_arg("sortKey").unwrap_or("ID");
    Some(Ok(if kind == "products" {
        let mut found: Vec<&Product> = shop
            .products
            .values()
            .filter(|p| matches_all(&terms, |t| product_matches(p, shop, t)))
            .collect();
        match sort {
            "TITLE" => found.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id))),
            "UPDATED_AT" => found.sort_by_key(|p| (p.updated_at, p.id)),
            "CREATED_AT" => found.sort_by_key(|p| (p.created_at, p.id)),
            _ => found.sort_by_key(|p| p.id),
        }
        Value::Array(found.into_iter().map(|p| product_json(shop, p)).collect())
    } else {
        let mut found: Vec<&Variant> = shop
            .variants
            .values()
            .filter(|v| matches_all(&terms, |t| variant_matches(v, shop, t)))
            .collect();
        match sort {
            "SKU" => found.sort_by(|a, b| a.sku.cmp(&b.sku).then(a.id.cmp(&b.id))),
            "TITLE" => found.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id))),
            _ => found.sort_by_key(|v| v.id),
        }
        Value::Array(found.into_iter().map(|v| variant_json(shop, v)).collect())
    }))
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    let world = ctx.world.borrow();
    let shop = world.shop(&ctx.caller.shop)?;
    match kind {
        "Product" => shop.products.get(&id).map(|p| product_json(shop, p)),
        "ProductVariant" => shop.variants.get(&id).map(|v| variant_json(shop, v)),
        _ => None,
    }
}
