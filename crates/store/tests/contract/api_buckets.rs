//! The Shopify API cost bucket shared by every process: reservations against one estimate,
//! reports, the probe of an unknown bucket, and reservations of a dead process expiring.

use std::time::Duration;

use ordersync_store::api_buckets::{BucketGrant, ReportedBucket, PROBE_WAIT};
use ordersync_store::{Store, UnixMillis};

use crate::fixtures::T0;
use crate::harness::contract_tests;

contract_tests!(
    one_call_probes_an_unknown_bucket_and_the_others_wait_for_its_answer,
    reservations_of_two_processes_spend_one_estimate,
    a_report_counts_the_calls_still_in_flight,
    a_dead_process_reservation_stops_counting_when_it_expires,
    two_processes_racing_never_spend_the_same_points,
);

const SHOP: &str = "Supplier.myshopify.com";
const HOLD: Duration = Duration::from_secs(30);

fn report(available: f64) -> Option<ReportedBucket> {
    Some(ReportedBucket {
        maximum: 100.0,
        available,
        restore_rate: 10.0,
    })
}

async fn granted(store: &Store, cost: f64, now: UnixMillis) -> i64 {
    match store
        .reserve_api_points(SHOP, cost, HOLD, now)
        .await
        .unwrap()
    {
        BucketGrant::Granted(id) => id,
        other => panic!("expected a grant of {cost} at {now:?}, got {other:?}"),
    }
}

async fn wait(store: &Store, cost: f64, now: UnixMillis) -> Duration {
    match store
        .reserve_api_points(SHOP, cost, HOLD, now)
        .await
        .unwrap()
    {
        BucketGrant::Wait(d) => d,
        other => panic!("expected a wait for {cost} at {now:?}, got {other:?}"),
    }
}

async fn one_call_probes_an_unknown_bucket_and_the_others_wait_for_its_answer(store: &Store) {
    let probe = granted(store, 10.0, T0).await;
    assert_eq!(
        wait(store, 10.0, T0).await,
        PROBE_WAIT,
        "one probe at a time"
    );
    store
        .settle_api_points(SHOP, probe, report(95.0), T0.plus_millis(50))
        .await
        .unwrap();
    let bucket = store
        .api_bucket("supplier.myshopify.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bucket.maximum, 100.0);
    assert_eq!(bucket.restore_rate, 10.0);
    assert_eq!(bucket.available, 95.0);
    granted(store, 10.0, T0.plus_millis(50)).await;
    // A probe whose call got no answer leaves the bucket unknown: the next call probes.
    let other = "other.myshopify.com";
    let BucketGrant::Granted(lost) = store
        .reserve_api_points(other, 5.0, HOLD, T0)
        .await
        .unwrap()
    else {
        panic!("the first call probes")
    };
    store
        .settle_api_points(other, lost, None, T0)
        .await
        .unwrap();
    assert!(matches!(
        store
            .reserve_api_points(other, 5.0, HOLD, T0)
            .await
            .unwrap(),
        BucketGrant::Granted(_)
    ));
}

async fn reservations_of_two_processes_spend_one_estimate(store: &Store) {
    let probe = granted(store, 1.0, T0).await;
    store
        .settle_api_points(SHOP, probe, report(100.0), T0)
        .await
        .unwrap();
    // Process A and process B each reserve 40: 20 left, whoever asks.
    granted(store, 40.0, T0).await;
    granted(store, 40.0, T0).await;
    // 30 more need 10 points restored at 10 per second.
    assert_eq!(wait(store, 30.0, T0).await, Duration::from_secs(1));
    assert_eq!(
        wait(store, 30.0, T0.plus_millis(500)).await,
        Duration::from_millis(500)
    );
    granted(store, 30.0, T0.plus_millis(1000)).await;
    // A cost above the bucket size waits for a full bucket, then goes.
    assert_eq!(
        wait(store, 500.0, T0.plus_millis(1000)).await,
        Duration::from_secs(10)
    );
    granted(store, 500.0, T0.plus_millis(11_000)).await;
}

async fn a_report_counts_the_calls_still_in_flight(store: &Store) {
    let probe = granted(store, 1.0, T0).await;
    store
        .settle_api_points(SHOP, probe, report(100.0), T0)
        .await
        .unwrap();
    let a = granted(store, 50.0, T0).await;
    let _b = granted(store, 30.0, T0).await;
    // A's answer: Shopify charged A only (B not yet): 50 left, minus B's 30 in flight.
    store
        .settle_api_points(SHOP, a, report(50.0), T0)
        .await
        .unwrap();
    let bucket = store.api_bucket(SHOP).await.unwrap().unwrap();
    assert_eq!(bucket.available, 20.0);
    assert_eq!(wait(store, 30.0, T0).await, Duration::from_secs(1));
}

async fn a_dead_process_reservation_stops_counting_when_it_expires(store: &Store) {
    let probe = granted(store, 1.0, T0).await;
    store
        .settle_api_points(SHOP, probe, report(100.0), T0)
        .await
        .unwrap();
    // A process reserves 90 and dies before its answer: it never settles.
    granted(store, 90.0, T0).await;
    let b = granted(store, 10.0, T0).await;
    // While the dead call's reservation lasts, a report still counts it.
    store
        .settle_api_points(SHOP, b, report(100.0), T0.plus_millis(100))
        .await
        .unwrap();
    assert_eq!(
        store.api_bucket(SHOP).await.unwrap().unwrap().available,
        10.0
    );
    // After its expiry (HOLD), a report no longer counts it: the whole bucket is usable.
    let after = T0.plus_millis(30_001);
    let c = granted(store, 10.0, after).await;
    store
        .settle_api_points(SHOP, c, report(100.0), after)
        .await
        .unwrap();
    assert_eq!(
        store.api_bucket(SHOP).await.unwrap().unwrap().available,
        100.0
    );
    granted(store, 100.0, after).await;
}

async fn two_processes_racing_never_spend_the_same_points(store: &Store) {
    let probe = granted(store, 1.0, T0).await;
    store
        .settle_api_points(SHOP, probe, report(100.0), T0)
        .await
        .unwrap();
    // Twenty reservations of 10 race from two "processes" at one instant: exactly ten fit.
    let race = |store: Store| async move {
        let mut got = 0;
        for _ in 0..10 {
            if let BucketGrant::Granted(_) = store
                .reserve_api_points(SHOP, 10.0, HOLD, T0)
                .await
                .unwrap()
            {
                got += 1;
            }
        }
        got
    };
    let (a, b) = tokio::join!(
        tokio::spawn(race(store.clone())),
        tokio::spawn(race(store.clone()))
    );
    let granted = a.unwrap() + b.unwrap();
    assert_eq!(granted, 10, "100 points, 10 each");
}
