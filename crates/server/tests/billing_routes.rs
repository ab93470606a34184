//! Settings → Plan & Billing over HTTP, as the merchant's browser drives it: a destination store
//! switches the Order add-on on, approves the charge in Shopify (shopify-sim), comes back and sees
//! it active, then switches it off; a source store is refused and no charge is created.

#![allow(clippy::unwrap_used)]

mod auth_support;

use auth_support::*;

fn charges(world: &World, shop: &str) -> Vec<String> {
    world
        .installation(shop)
        .map(|i| {
            i.app_subscriptions
                .iter()
                .map(|c| c.status.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_destination_switches_the_add_on_on_approves_and_switches_it_off() {
    let world = start().await;
    world.install(NORTHWIND, "").await;
    let token = world.session_token(NORTHWIND);

    let (status, addon) = world.api("GET", "/api/addon", Some(&token), None).await;
    assert_eq!(status, 200, "{addon}");
    assert_eq!(addon["state"], "off");
    assert!(addon["orders_banner"]
        .as_str()
        .unwrap()
        .contains("not pushed"));

    // The toggle, then Next: Shopify's approval page.
    let (status, waiting) = world.api("POST", "/api/addon", Some(&token), None).await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["state"], "waiting_for_approval");
    let confirmation = waiting["confirmation_url"].as_str().unwrap().to_owned();
    assert!(confirmation.starts_with(&world.sim.url()), "{confirmation}");
    assert_eq!(charges(&world, NORTHWIND), vec!["PENDING"]);
    let (_, still) = world.api("GET", "/api/addon", Some(&token), None).await;
    assert_eq!(
        still["state"], "waiting_for_approval",
        "active only once Shopify says so"
    );

    // The merchant approves in Shopify and is sent back to ordersync's return page.
    let approved = world
        .http
        .post(&confirmation)
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert!(approved.status().is_redirection());
    let back = approved.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&world.base), "{back}");
    let (status, location, body) = world.get(&back).await;
    assert!((300..400).contains(&status), "{status} {body}");
    assert!(location
        .unwrap()
        .contains(&format!("/shops/{NORTHWIND}/admin/apps/{KEY}")));
    let (_, active) = world.api("GET", "/api/addon", Some(&token), None).await;
    assert_eq!(active["state"], "active", "{active}");
    assert!(active["orders_banner"].is_null());
    assert_eq!(active["test"], true, "a test charge in the sandbox");

    // Switching on again changes nothing; switching off cancels the charge in Shopify.
    let (_, again) = world.api("POST", "/api/addon", Some(&token), None).await;
    assert_eq!(again["state"], "active");
    assert_eq!(charges(&world, NORTHWIND), vec!["ACTIVE"]);
    let (status, off) = world.api("DELETE", "/api/addon", Some(&token), None).await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["state"], "off");
    assert_eq!(charges(&world, NORTHWIND), vec!["CANCELLED"]);

    // Every Admin API call ordersync made shows in /metrics, by operation and outcome.
    let metrics = world
        .http
        .get(format!("{}/metrics", world.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "shopify_admin_attempts_total{operation=\"AppSubscriptionCreate\",outcome=\"ok\"} 1",
        "shopify_admin_attempts_total{operation=\"AppSubscriptionCancel\",outcome=\"ok\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    world.stop().await;
}

#[tokio::test]
async fn a_source_store_is_refused_with_the_reason_and_nothing_is_charged() {
    let world = start().await;
    world.install(EASTWIND, "&role=source").await;
    let token = world.session_token(EASTWIND);
    let (status, body) = world.api("POST", "/api/addon", Some(&token), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("destination stores"),
        "{body}"
    );
    assert!(charges(&world, EASTWIND).is_empty());
    let (_, addon) = world.api("GET", "/api/addon", Some(&token), None).await;
    assert_eq!(addon["state"], "off");

    // Without a session token nothing is reachable; the return page trusts only Shopify.
    let (status, _) = world.api("POST", "/api/addon", None, None).await;
    assert_eq!(status, 401);
    let (status, _, _) = world
        .get(&format!("{}/billing/return?shop=not-a-shop", world.base))
        .await;
    assert_eq!(status, 400);
    world.stop().await;
}

#[tokio::test]
async fn uninstalling_ends_the_add_on() {
    let world = start().await;
    world.install(NORTHWIND, "").await;
    let token = world.session_token(NORTHWIND);
    let (_, waiting) = world.api("POST", "/api/addon", Some(&token), None).await;
    let confirmation = waiting["confirmation_url"].as_str().unwrap().to_owned();
    let approved = world
        .http
        .post(&confirmation)
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    let back = approved.headers()["location"].to_str().unwrap().to_owned();
    world.get(&back).await;
    let shop = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert!(world.store.can_push_orders(shop.id).await.unwrap());

    // The merchant uninstalls: the app/uninstalled webhook ends the add-on with the install.
    assert!(shopify_sim::oauth::uninstall(
        &world.sim.sim,
        NORTHWIND,
        KEY
    ));
    let mut can_push = true;
    for _ in 0..300 {
        can_push = world.store.can_push_orders(shop.id).await.unwrap();
        if !can_push {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!can_push, "orders are no longer pushed after uninstall");
    let record = world.store.order_addon(shop.id).await.unwrap();
    assert_eq!(
        record.addon.status,
        ordersync_core::addon::AddonStatus::Cancelled
    );
    world.stop().await;
}
