//! The Admin API client against shopify-sim over real HTTP: every operation's happy path and
//! typed decoding, and how each failure is reported.

#![allow(clippy::unwrap_used)]

mod admin_support;

use admin_support::*;
use ordersync_shopify::admin::order_input::{MoneyBag, NewOrder, NewOrderLine};
use ordersync_shopify::admin::types::*;
use ordersync_shopify::admin::AdminError;
use rust_decimal_macros::dec;

fn custom_order(tag: &str) -> NewOrder {
    NewOrder {
        email: Some("ada@example.com".into()),
        currency: Some("USD".into()),
        line_items: vec![NewOrderLine {
            title: Some("Custom mug".into()),
            quantity: 2,
            price_set: Some(MoneyBag::new(dec!(12.50), "USD")),
            ..NewOrderLine::default()
        }],
        tags: vec![tag.into()],
        ..NewOrder::default()
    }
}

#[tokio::test]
async fn shop_installation_and_variants_decode_into_types() {
    let world = start().await;
    let api = world.api(SHOP);
    let shop = api.shop_info().await.unwrap();
    assert_eq!(shop.name, "Northwind Supply");
    assert_eq!(shop.myshopify_domain, SHOP);
    assert_eq!(shop.currency_code, "USD");
    assert!(!shop.plan.display_name.is_empty());

    let installation = api.current_app_installation().await.unwrap();
    assert!(installation
        .id
        .starts_with("gid://shopify/AppInstallation/"));
    assert!(installation.active_subscriptions.is_empty());

    let page = api.variants_by_sku("POT-1", 5, None).await.unwrap();
    assert_eq!(page.nodes.len(), 1);
    let variant = &page.nodes[0];
    assert_eq!(variant.sku.as_deref(), Some("POT-1"));
    assert_eq!(variant.price, dec!(34.50));
    assert_eq!(variant.product.title, "Teapot");
    assert!(!page.page_info.has_next_page);
    assert!(api
        .variants_by_sku("NOPE", 5, None)
        .await
        .unwrap()
        .nodes
        .is_empty());
    world.running.stop().await;
}

#[tokio::test]
async fn billing_and_webhook_subscriptions_round_trip() {
    let world = start().await;
    let api = world.api(SHOP);
    let created = api
        .app_subscription_create(&NewAppSubscription {
            name: "Pro".into(),
            return_url: "https://app.example/billing/done".into(),
            test: true,
            trial_days: Some(7),
            price: dec!(19.99),
            currency_code: "USD".into(),
            interval: BillingInterval::Every30Days,
        })
        .await
        .unwrap();
    assert_eq!(created.subscription.status, "PENDING");
    assert!(
        created.confirmation_url.contains("/confirm"),
        "{}",
        created.confirmation_url
    );
    let cancelled = api
        .app_subscription_cancel(&created.subscription.id)
        .await
        .unwrap();
    assert_eq!(cancelled.status, "CANCELLED");

    for (topic, uri) in [
        ("ORDERS_CREATE", "https://app.example/webhooks/orders"),
        ("APP_UNINSTALLED", "https://app.example/webhooks/app"),
    ] {
        let sub = api.webhook_subscription_create(topic, uri).await.unwrap();
        assert_eq!((sub.topic.as_str(), sub.uri.as_str()), (topic, uri));
    }
    // Paged one at a time.
    let first = api.webhook_subscriptions(1, None).await.unwrap();
    assert_eq!(first.nodes.len(), 1);
    assert!(first.page_info.has_next_page);
    let second = api
        .webhook_subscriptions(1, first.page_info.end_cursor.as_deref())
        .await
        .unwrap();
    assert_eq!(second.nodes.len(), 1);
    assert_ne!(first.nodes[0].id, second.nodes[0].id);
    let deleted = api
        .webhook_subscription_delete(&first.nodes[0].id)
        .await
        .unwrap();
    assert_eq!(deleted, first.nodes[0].id);
    assert_eq!(
        api.webhook_subscriptions(10, None)
            .await
            .unwrap()
            .nodes
            .len(),
        1
    );
    world.running.stop().await;
}

#[tokio::test]
async fn an_order_is_created_found_shipped_tracked_and_cancelled() {
    let world = start().await;
    let api = world.api(SHOP);
    let variant = api
        .variants_by_sku("MUG-1", 1, None)
        .await
        .unwrap()
        .nodes
        .remove(0);
    let mut order = custom_order("ordersync-src-1");
    order.line_items.push(NewOrderLine {
        variant_id: Some(variant.id.clone()),
        quantity: 3,
        ..NewOrderLine::default()
    });
    let created = api.order_create(&order, None).await.unwrap();
    assert!(created.name.starts_with('#'));

    let found = api
        .orders(Some("tag:ordersync-src-1"), 10, None)
        .await
        .unwrap();
    assert_eq!(found.nodes.len(), 1);
    assert_eq!(found.nodes[0].id, created.id);
    assert!(api
        .orders(Some("tag:other"), 10, None)
        .await
        .unwrap()
        .nodes
        .is_empty());

    let full = api.order(&created.id).await.unwrap().unwrap();
    assert_eq!(full.line_items.nodes.len(), 2);
    assert_eq!(full.currency_code, "USD");
    let fo = &full.fulfillment_orders.nodes[0];
    assert_eq!(fo.status, "OPEN");
    let mug_line = full
        .line_items
        .nodes
        .iter()
        .find(|l| l.quantity == 3)
        .unwrap();
    let fo_line = fo
        .line_items
        .nodes
        .iter()
        .find(|l| l.line_item.id == mug_line.id)
        .unwrap();
    assert_eq!(fo_line.remaining_quantity, 3);

    // Ship one of the three mugs with tracking.
    let shipped = api
        .fulfillment_create(&NewFulfillment {
            line_items_by_fulfillment_order: vec![FulfillmentOrderLines {
                fulfillment_order_id: fo.id.clone(),
                fulfillment_order_line_items: vec![FulfillmentLineQuantity {
                    id: fo_line.id.clone(),
                    quantity: 1,
                }],
            }],
            tracking_info: Some(TrackingInput {
                company: Some("UPS".into()),
                numbers: vec!["1Z999".into()],
                urls: vec![],
            }),
            notify_customer: false,
        })
        .await
        .unwrap();
    assert_eq!(shipped.tracking_info[0].number.as_deref(), Some("1Z999"));
    let after = api.order(&created.id).await.unwrap().unwrap();
    let remaining = after
        .fulfillment_orders
        .nodes
        .iter()
        .flat_map(|f| &f.line_items.nodes)
        .filter(|l| l.line_item.id == mug_line.id)
        .map(|l| l.remaining_quantity)
        .sum::<i64>();
    assert_eq!(remaining, 2);
    assert_eq!(after.fulfillments.len(), 1);

    let retracked = api
        .fulfillment_tracking_info_update(
            &shipped.id,
            &TrackingInput {
                company: Some("FedEx".into()),
                numbers: vec!["FX-1".into()],
                urls: vec!["https://fedex.example/FX-1".into()],
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(retracked.tracking_info[0].company.as_deref(), Some("FedEx"));
    assert_eq!(retracked.tracking_info[0].number.as_deref(), Some("FX-1"));

    let cancelled = api.fulfillment_cancel(&shipped.id).await.unwrap();
    assert_eq!(cancelled.id, shipped.id);
    api.order_cancel(&created.id, CancelReason::Customer, false, false)
        .await
        .unwrap();
    let gone = api.order(&created.id).await.unwrap().unwrap();
    assert!(gone.cancelled_at.is_some());
    assert_eq!(
        api.order("gid://shopify/Order/999999999").await.unwrap(),
        None
    );
    world.running.stop().await;
}

#[tokio::test]
async fn user_errors_are_reported_once_with_their_field() {
    let world = start().await;
    let api = world.api(SHOP);
    let mut order = custom_order("bad");
    order.line_items[0].quantity = 0;
    let err = api.order_create(&order, None).await.unwrap_err();
    let errors = err.user_errors().expect("user errors");
    assert!(!errors.is_empty(), "{err}");
    assert!(!err.is_retryable());
    assert!(!err.outcome_unknown());
    assert_eq!(world.journal(SHOP, "orderCreate").len(), 1, "not retried");
    assert_eq!(world.orders_tagged("bad"), 0);
    world.running.stop().await;
}

#[tokio::test]
async fn access_denied_is_final() {
    let world = start().await;
    let token = world.running.sim.mutate(|w| {
        shopify_sim::oauth::install_app(w, SHOP, KEY, &["read_orders".to_owned()], false)
            .unwrap()
            .token
    });
    let api = world.client.shop(SHOP, token);
    let err = api.variants_by_sku("MUG-1", 1, None).await.unwrap_err();
    assert!(matches!(err, AdminError::AccessDenied { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(
        world.journal(SHOP, "productVariants").len(),
        1,
        "not retried"
    );

    let stranger = world.client.shop(SHOP, "shpat_revoked");
    let err = stranger.shop_info().await.unwrap_err();
    assert!(
        matches!(err, AdminError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    world.running.stop().await;
}

#[tokio::test]
async fn all_variants_pages_through_the_whole_catalogue() {
    let world = start().await;
    world.running.sim.mutate(|w| {
        for p in 0..3 {
            let variants = (0..100)
                .map(|i| shopify_sim::merchant::NewVariant {
                    title: Some(format!("Size {i}")),
                    sku: (i % 10 != 0).then(|| format!("SHIRT-{p}-{i}")),
                    price: rust_decimal::Decimal::new(1999, 2),
                    inventory: 1,
                })
                .collect();
            shopify_sim::merchant::create_product(
                w,
                SHOP,
                shopify_sim::merchant::NewProduct {
                    title: format!("Shirt {p}"),
                    vendor: None,
                    variants,
                },
            )
            .unwrap();
        }
    });
    let api = world.api(SHOP);
    let all = api.all_variants(10_000).await.unwrap();
    assert_eq!(all.len(), 302, "2 seeded + 300 over two pages");
    let ids: std::collections::BTreeSet<&str> = all.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 302, "no variant twice");
    let shirt = all
        .iter()
        .find(|v| v.sku.as_deref() == Some("SHIRT-1-7"))
        .unwrap();
    assert_eq!(shirt.display_name, "Shirt 1 - Size 7");
    assert_eq!(shirt.price, dec!(19.99));
    assert_eq!(shirt.product.title, "Shirt 1");
    assert_eq!(all.iter().filter(|v| v.sku.is_none()).count(), 30);
    assert!(matches!(
        api.all_variants(100).await,
        Err(AdminError::Decode { .. })
    ));
    assert_eq!(
        world.journal(SHOP, "productVariants").len(),
        3,
        "two pages of 250, then one page that went past the limit of 100"
    );
}
