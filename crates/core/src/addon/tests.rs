//! Table-driven tests of the Order add-on's rules.

#![allow(clippy::unwrap_used)]

use super::*;

fn gid(n: u64) -> AppSubscriptionId {
    AppSubscriptionId::from_numeric(n).unwrap()
}

fn addon(status: AddonStatus, charge: Option<u64>) -> OrderAddon {
    OrderAddon {
        status,
        subscription: charge.map(gid),
        confirmation_url: charge.map(|n| format!("https://shop.example/charges/{n}/confirm")),
        test: true,
    }
}

#[test]
fn shopify_statuses_map_to_the_states_a_merchant_sees() {
    use AddonState::*;
    let cases = [
        ("PENDING", WaitingForApproval, "Waiting for approval"),
        ("ACCEPTED", WaitingForApproval, "Waiting for approval"),
        ("ACTIVE", Active, "Active"),
        ("active", Active, "Active"),
        ("DECLINED", Off(OffReason::Declined), "Off"),
        ("CANCELLED", Off(OffReason::Cancelled), "Off"),
        ("EXPIRED", Off(OffReason::Expired), "Off"),
        ("FROZEN", Off(OffReason::Frozen), "Off"),
    ];
    for (shopify, state, label) in cases {
        let status = AddonStatus::from_shopify(shopify).unwrap();
        assert_eq!(status.state(), state, "{shopify}");
        assert_eq!(status.state().label(), label, "{shopify}");
    }
    assert_eq!(
        AddonStatus::from_shopify("PAUSED"),
        Err(UnknownAddonStatus("PAUSED".into()))
    );
    assert_eq!(OrderAddon::off().state(), Off(OffReason::NeverSwitchedOn));
}

#[test]
fn off_reasons_tell_the_merchant_what_happened() {
    let cases = [
        (OffReason::Declined, "declined"),
        (OffReason::Expired, "within two days"),
        (OffReason::Cancelled, "switched off"),
        (OffReason::Frozen, "on hold"),
        (OffReason::NeverSwitchedOn, "not been switched on"),
    ];
    for (reason, words) in cases {
        assert!(reason.message().contains(words), "{reason:?}");
    }
}

#[test]
fn stored_names_round_trip() {
    for status in AddonStatus::ALL {
        assert_eq!(AddonStatus::parse(status.as_str()), Ok(status));
    }
    assert!(AddonStatus::parse("ACTIVE").is_err());
}

#[test]
fn only_an_active_add_on_lets_orders_be_pushed() {
    for status in AddonStatus::ALL {
        let a = addon(status, Some(1));
        let active = status == AddonStatus::Active;
        assert_eq!(a.can_push(), active, "{status}");
        match a.state().orders_banner() {
            None => assert!(active, "{status}"),
            Some(text) => {
                assert!(!active);
                assert!(text.contains("recorded but not pushed"), "{text}");
                assert!(text.contains("Settings → Plan & Billing"), "{text}");
            }
        }
    }
}

#[test]
fn switching_on() {
    let url = "https://shop.example/charges/7/confirm".to_owned();
    let cases: Vec<(OrderAddon, StoreRole, Result<SwitchOn, AddonRefusal>)> = vec![
        (
            OrderAddon::off(),
            StoreRole::Destination,
            Ok(SwitchOn::CreateCharge),
        ),
        (
            addon(AddonStatus::Pending, Some(7)),
            StoreRole::Destination,
            Ok(SwitchOn::AwaitApproval {
                confirmation_url: url,
            }),
        ),
        (
            addon(AddonStatus::Active, Some(7)),
            StoreRole::Destination,
            Ok(SwitchOn::AlreadyActive),
        ),
        (
            addon(AddonStatus::Declined, Some(7)),
            StoreRole::Destination,
            Ok(SwitchOn::CreateCharge),
        ),
        (
            addon(AddonStatus::Cancelled, Some(7)),
            StoreRole::Destination,
            Ok(SwitchOn::CreateCharge),
        ),
        (
            addon(AddonStatus::Expired, Some(7)),
            StoreRole::Destination,
            Ok(SwitchOn::CreateCharge),
        ),
        (
            addon(AddonStatus::Frozen, Some(7)),
            StoreRole::Destination,
            Err(AddonRefusal::Frozen),
        ),
        (
            OrderAddon::off(),
            StoreRole::Source,
            Err(AddonRefusal::NotADestination),
        ),
        (
            addon(AddonStatus::Active, Some(7)),
            StoreRole::Source,
            Err(AddonRefusal::NotADestination),
        ),
    ];
    for (a, role, expected) in cases {
        assert_eq!(a.switch_on(role), expected, "{:?} as {role:?}", a.status);
    }
    let refusal = AddonRefusal::NotADestination.to_string();
    assert!(
        refusal.contains("destination stores") && refusal.contains("source store"),
        "{refusal}"
    );
}

#[test]
fn switching_off() {
    for status in AddonStatus::ALL {
        let expected = match status {
            AddonStatus::Active | AddonStatus::Pending | AddonStatus::Frozen => {
                SwitchOff::Cancel(gid(3))
            }
            _ => SwitchOff::AlreadyOff,
        };
        assert_eq!(addon(status, Some(3)).switch_off(), expected, "{status}");
    }
    assert_eq!(OrderAddon::off().switch_off(), SwitchOff::AlreadyOff);
}

#[test]
fn shopify_reports_never_move_the_add_on_backwards() {
    use AddonStatus::*;
    use ShopifyUpdate::*;
    let cases = [
        (Pending, Active, Change(Active)),
        (Pending, Declined, Change(Declined)),
        (Pending, Expired, Change(Expired)),
        (Pending, Pending, Unchanged),
        (Active, Pending, Stale),
        (Active, Active, Unchanged),
        (Active, Cancelled, Change(Cancelled)),
        (Active, Frozen, Change(Frozen)),
        (Frozen, Active, Change(Active)),
        (Cancelled, Active, Stale),
        (Cancelled, Pending, Stale),
        (Declined, Active, Stale),
        (Expired, Active, Stale),
    ];
    for (current, reported, expected) in cases {
        assert_eq!(
            addon(current, Some(5)).apply_shopify(&gid(5), reported),
            expected,
            "{current} then {reported}"
        );
    }
    assert_eq!(
        addon(Active, Some(5)).apply_shopify(&gid(4), Cancelled),
        OtherCharge
    );
    assert_eq!(
        OrderAddon::off().apply_shopify(&gid(4), Active),
        OtherCharge
    );
}
