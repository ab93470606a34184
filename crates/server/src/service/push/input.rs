//! The `orderCreate` input built from a push plan, and the choices it makes: the financial
//! status and the inventory behaviour of created source orders (see `docs/push.md`).

use ordersync_core::{Address, PushPlan};
use ordersync_shopify::admin::order_input::{
    AddressInput, MoneyBag, NewOrder, NewOrderLine, NewShippingLine, OrderCreateOptions,
};

/// The financial status of created source orders: PENDING, so the supplier collects payment
/// from the retailer (the shopper paid the retailer, not the supplier).
pub const FINANCIAL_STATUS: &str = "PENDING";

/// Inventory behaviour of created source orders: the supplier's stock is decremented, obeying
/// its inventory policy (an out-of-stock variant that does not allow overselling is refused).
pub const INVENTORY_BEHAVIOUR: &str = "DECREMENT_OBEYING_POLICY";

fn address(a: &Address) -> AddressInput {
    AddressInput {
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        company: a.company.clone(),
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        province_code: a.province_code.clone(),
        country_code: a.country_code.as_ref().map(|c| c.as_str().to_owned()),
        zip: a.zip.clone(),
        phone: a.phone.clone(),
    }
}

/// The `orderCreate` input of a plan: no discount codes, no original shipping.
pub fn new_order(plan: &PushPlan) -> NewOrder {
    let currency = plan.currency.as_str().to_owned();
    let mut shipping_address = address(&plan.shipping_address);
    shipping_address.first_name = plan
        .customer_first_name
        .clone()
        .or(shipping_address.first_name);
    shipping_address.last_name = plan
        .customer_last_name
        .clone()
        .or(shipping_address.last_name);
    NewOrder {
        email: Some(plan.email.as_str().to_owned()),
        phone: None,
        currency: Some(currency.clone()),
        line_items: plan
            .lines
            .iter()
            .map(|l| NewOrderLine {
                variant_id: Some(l.source_variant.as_str().to_owned()),
                title: None,
                sku: None,
                quantity: l.quantity,
                price_set: Some(MoneyBag::new(l.unit_price.amount(), currency.clone())),
            })
            .collect(),
        shipping_address: Some(shipping_address),
        billing_address: plan.billing_address.as_ref().map(address),
        shipping_lines: vec![NewShippingLine {
            title: plan.shipping.title.clone(),
            price_set: MoneyBag::new(plan.shipping.fee.amount(), currency),
        }],
        financial_status: Some(FINANCIAL_STATUS.to_owned()),
        note: Some(plan.note.clone()),
        tags: plan.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        source_identifier: Some(plan.push_key.as_str().to_owned()),
        test: false,
    }
}

pub(super) fn options() -> OrderCreateOptions {
    OrderCreateOptions {
        inventory_behaviour: Some(INVENTORY_BEHAVIOUR.to_owned()),
        send_receipt: false,
        send_fulfillment_receipt: false,
    }
}
