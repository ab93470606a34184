//! The Order add-on end to end: ordersync's add-on service against shopify-sim over real HTTP
//! (charges created and cancelled through the Admin API, approved or declined on the sim's
//! charge page), with the sim's `app_subscriptions/update` webhooks delivered to a real
//! ordersync server and processed by its worker.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use chrono::Utc;
use ordersync_core::{AddonState, OffReason, StoreRole};
use ordersync_server::config::AddonConfig;
use ordersync_server::service::addon::{self, AddonError, SwitchedOn};
use ordersync_shopify::admin::{AdminClient, AdminConfig, ShopApi};
use ordersync_store::shops::ShopRecord;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::state::{Topic, WebhookSubscription};
use support::*;

struct Billing {
    env: Env,
    api: ShopApi,
    config: AddonConfig,
}

/// Starts ordersync and the sim, subscribes the app to `app_subscriptions/update`, and builds
/// the Admin API handle of the destination store from its offline token.
async fn start_billing() -> Billing {
    let env = start().await;
    let hook = format!("{}/webhooks", env.base);
    let token = env.sim.sim.mutate(|w| {
        let id = w.next_id();
        let now = Utc::now();
        let installation = w
            .shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(API_KEY)
            .unwrap();
        installation
            .webhook_subscriptions
            .push(WebhookSubscription {
                id,
                topic: Topic::AppSubscriptionsUpdate.graphql(),
                uri: hook,
                format: "JSON".into(),
                created_at: now,
                updated_at: now,
            });
        installation
            .tokens
            .iter()
            .find(|t| t.expires_at.is_none())
            .unwrap()
            .token
            .clone()
    });
    let api = client(&env).shop(SHOP, token);
    let config = config(env.dir.path(), SECRET).addon;
    Billing { env, api, config }
}

fn client(env: &Env) -> AdminClient {
    AdminClient::new(AdminConfig {
        base_url: format!("http://{}/shops/{{shop}}", env.sim.addr),
        timeout: Duration::from_secs(5),
        max_attempts: 2,
        max_throttled_attempts: 4,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
    })
    .unwrap()
}

/// The sim's charges on `shop`: (id, status).
fn charges(env: &Env, shop: &str) -> Vec<(u64, String)> {
    env.sim.sim.read(|w| {
        w.shop(shop)
            .map(|s| {
                s.installations
                    .values()
                    .flat_map(|i| i.app_subscriptions.iter())
                    .map(|c| (c.id, c.status.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The merchant clicks Approve or Decline on the sim's charge page; answers where Shopify sends
/// them back.
async fn decide(confirmation_url: &str, decision: &str) -> String {
    let page = reqwest::get(confirmation_url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Order add-on"));
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(confirmation_url)
        .form(&[("decision", decision)])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    answer.headers()["location"].to_str().unwrap().to_owned()
}

fn url(switched: SwitchedOn) -> String {
    match switched {
        SwitchedOn::Approve { confirmation_url } => confirmation_url,
        other => panic!("expected a charge to approve, got {other:?}"),
    }
}

async fn destination(b: &Billing) -> ShopRecord {
    b.env.destination.clone()
}

#[tokio::test]
async fn approving_the_charge_makes_the_add_on_active_through_the_webhook() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    let before = addon::status(&b.env.store, &shop).await.unwrap();
    assert_eq!(before.state, AddonState::Off(OffReason::NeverSwitchedOn));
    assert!(before
        .orders_banner
        .unwrap()
        .contains("recorded but not pushed"));
    assert!(!addon::can_push(&b.env.store, shop.id).await.unwrap());

    let confirmation = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    assert!(
        confirmation.contains(&format!("/shops/{SHOP}/admin/charges/")),
        "{confirmation}"
    );
    let waiting = addon::status(&b.env.store, &shop).await.unwrap();
    assert_eq!(waiting.state, AddonState::WaitingForApproval);
    assert_eq!(
        waiting.confirmation_url.as_deref(),
        Some(confirmation.as_str())
    );
    assert!(waiting.record.addon.test, "test charges by default");
    assert!(!addon::can_push(&b.env.store, shop.id).await.unwrap());
    assert_eq!(charges(&b.env, SHOP).len(), 1);

    let back = decide(&confirmation, "approve").await;
    assert!(
        back.starts_with(&format!(
            "{}/billing/return?shop={SHOP}&charge_id=",
            b.config.app_url
        )),
        "{back}"
    );
    b.env.settle().await;
    let active = addon::status(&b.env.store, &shop).await.unwrap();
    assert_eq!(active.state, AddonState::Active);
    assert_eq!(active.orders_banner, None);
    assert!(active.record.activated_at.is_some());
    assert!(addon::can_push(&b.env.store, shop.id).await.unwrap());

    // Switching on again changes nothing and creates no charge.
    assert_eq!(
        addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
            .await
            .unwrap(),
        SwitchedOn::AlreadyActive
    );
    assert_eq!(charges(&b.env, SHOP).len(), 1);
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn confirm_makes_the_add_on_active_when_the_webhook_is_lost() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    b.env.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SHOP.into()),
        operation: Some("app_subscriptions/update".into()),
        fault: FaultKind::Drop,
        times: Some(1),
        probability: None,
    });
    let confirmation = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    decide(&confirmation, "approve").await;
    b.env.settle().await;
    assert_eq!(
        b.env.sim.sim.faults().hits().len(),
        1,
        "the webhook was dropped"
    );
    assert_eq!(
        addon::status(&b.env.store, &shop).await.unwrap().state,
        AddonState::WaitingForApproval
    );
    let confirmed = addon::confirm(&b.env.store, &b.api, &shop).await.unwrap();
    assert_eq!(confirmed.state, AddonState::Active);
    assert!(addon::can_push(&b.env.store, shop.id).await.unwrap());
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn a_source_store_is_refused_and_no_charge_is_created() {
    let b = start_billing().await;
    let token = b.env.sim.sim.mutate(|w| {
        w.add_shop(SOURCE, "Supplier", "owner@supplier.example", "USD");
        shopify_sim::oauth::install_app(w, SOURCE, API_KEY, &["read_orders".to_owned()], false)
            .unwrap()
            .token
    });
    let api = client(&b.env).shop(SOURCE, token);
    let source = b
        .env
        .store
        .shop_by_domain(&ordersync_core::ShopDomain::parse(SOURCE).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(source.shop.role, StoreRole::Source);
    let err = addon::switch_on(&b.env.store, &api, &source, &b.config)
        .await
        .unwrap_err();
    assert!(matches!(err, AddonError::Refused(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("for destination stores") && message.contains("source store"),
        "{message}"
    );
    assert!(charges(&b.env, SOURCE).is_empty());
    assert!(b.env.sim.sim.journal().calls(Some(SOURCE), 0).is_empty());
    assert_eq!(
        addon::status(&b.env.store, &source).await.unwrap().state,
        AddonState::Off(OffReason::NeverSwitchedOn)
    );
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn declining_turns_the_add_on_off_with_the_reason() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    let confirmation = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    decide(&confirmation, "decline").await;
    b.env.settle().await;
    let off = addon::status(&b.env.store, &shop).await.unwrap();
    assert_eq!(off.state, AddonState::Off(OffReason::Declined));
    assert!(off.reason.unwrap().contains("declined"), "{:?}", off.reason);
    assert!(off.orders_banner.is_some());
    assert!(!addon::can_push(&b.env.store, shop.id).await.unwrap());

    // Switching on again asks for a new charge.
    let again = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    assert_ne!(again, confirmation);
    assert_eq!(charges(&b.env, SHOP).len(), 2);
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn switching_off_cancels_the_charge_in_shopify() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    let confirmation = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    decide(&confirmation, "approve").await;
    b.env.settle().await;
    assert!(addon::can_push(&b.env.store, shop.id).await.unwrap());

    let off = addon::switch_off(&b.env.store, &b.api, &shop)
        .await
        .unwrap();
    assert_eq!(off.state, AddonState::Off(OffReason::Cancelled));
    assert!(off.record.cancelled_at.is_some());
    assert_eq!(charges(&b.env, SHOP)[0].1, "CANCELLED");
    assert!(!addon::can_push(&b.env.store, shop.id).await.unwrap());
    // The CANCELLED webhook that follows changes nothing; switching off again does nothing.
    b.env.settle().await;
    let again = addon::switch_off(&b.env.store, &b.api, &shop)
        .await
        .unwrap();
    assert_eq!(again.state, AddonState::Off(OffReason::Cancelled));
    assert_eq!(charges(&b.env, SHOP).len(), 1);
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn a_second_switch_on_while_waiting_reuses_the_pending_charge() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    let first = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    let second = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    assert_eq!(first, second);
    assert_eq!(charges(&b.env, SHOP).len(), 1);
    b.env.shutdown.trigger();
}

#[tokio::test]
async fn a_late_pending_delivery_does_not_move_an_active_add_on_back() {
    let b = start_billing().await;
    let shop = destination(&b).await;
    // The creation's PENDING delivery (if any) and the approval's ACTIVE delivery arrive
    // reversed: ACTIVE first, then PENDING.
    let confirmation = url(addon::switch_on(&b.env.store, &b.api, &shop, &b.config)
        .await
        .unwrap());
    decide(&confirmation, "approve").await;
    b.env.settle().await;
    let record = b.env.store.order_addon(shop.id).await.unwrap();
    let gid = record.addon.subscription.clone().unwrap();
    let body = serde_json::json!({
        "app_subscription": {
            "admin_graphql_api_id": gid.as_str(),
            "name": "Order add-on",
            "status": "PENDING",
            "admin_graphql_api_shop_id": "gid://shopify/Shop/1",
            "created_at": "2026-01-01T00:00:00-05:00",
            "updated_at": "2026-01-01T00:00:00-05:00",
            "currency": "USD",
            "price": "19.00",
            "interval": "every_30_days"
        }
    })
    .to_string();
    let unknown = body.replace(gid.as_str(), "gid://shopify/AppSubscription/999999");
    for (event, body) in [("late-pending", &body), ("unknown-charge", &unknown)] {
        let status = b
            .env
            .post(
                body.as_bytes(),
                &[
                    ("X-Shopify-Topic", "app_subscriptions/update".to_owned()),
                    ("X-Shopify-Shop-Domain", SHOP.to_owned()),
                    ("X-Shopify-Event-Id", event.to_owned()),
                    ("X-Shopify-Hmac-Sha256", sign(SECRET, body.as_bytes())),
                ],
            )
            .await;
        assert_eq!(status, 200);
    }
    b.env.settle().await;
    assert_eq!(
        addon::status(&b.env.store, &shop).await.unwrap().state,
        AddonState::Active
    );
    let receipts = b.env.store.webhook_receipts(None, 50).await.unwrap();
    let ours: Vec<_> = receipts
        .iter()
        .filter(|r| r.topic == "app_subscriptions/update")
        .collect();
    assert!(ours.len() >= 3, "{ours:?}");
    assert!(
        ours.iter()
            .all(|r| r.status == ordersync_store::webhooks::ReceiptStatus::Processed),
        "{ours:?}"
    );
    b.env.shutdown.trigger();
}
