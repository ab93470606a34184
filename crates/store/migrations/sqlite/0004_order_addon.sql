-- The Order add-on (billing), one row per shop (sqlite). Keep in step with ../postgres/0004_order_addon.sql.
-- status mirrors Shopify's AppSubscriptionStatus for the shop's current charge ('off' before the
-- first one); subscription_gid names that charge, confirmation_url is where the merchant approves
-- it. A shop without a row has never switched the add-on on.

CREATE TABLE order_addons (
    shop_id          INTEGER PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL CHECK (status IN ('off', 'pending', 'active', 'frozen', 'declined', 'cancelled', 'expired')),
    subscription_gid TEXT,
    confirmation_url TEXT,
    test             BOOLEAN NOT NULL DEFAULT FALSE,
    requested_at     INTEGER,
    activated_at     INTEGER,
    cancelled_at     INTEGER,
    last_error       TEXT,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX order_addons_by_subscription ON order_addons (subscription_gid);
