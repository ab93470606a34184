-- Webhook intake and compliance (SQLite). Keep in step with ../postgres/0002_webhooks.sql.
-- A receipt is every signed webhook ordersync accepted, kept with its raw body until processed
-- (and after, for replay), deduplicated on Shopify's event id. Receipts name their shop by
-- domain, not by id: a webhook from a shop ordersync does not know is kept too.

CREATE TABLE webhook_receipts (
    id           INTEGER PRIMARY KEY,
    dedupe_key   TEXT    NOT NULL UNIQUE,
    topic        TEXT    NOT NULL,
    shop_domain  TEXT    NOT NULL,
    webhook_id   TEXT,
    event_id     TEXT,
    triggered_at INTEGER,
    api_version  TEXT,
    body         BLOB    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('received', 'processed', 'failed')),
    error        TEXT,
    resource_gid TEXT,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX webhook_receipts_by_status ON webhook_receipts (status, id);
CREATE INDEX webhook_receipts_by_shop ON webhook_receipts (shop_domain, resource_gid);

-- The records built for customers/data_request, for the merchant to download.
CREATE TABLE data_exports (
    id              INTEGER PRIMARY KEY,
    shop_domain     TEXT    NOT NULL,
    customer_email  TEXT,
    request_id      TEXT,
    record          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX data_exports_by_shop ON data_exports (shop_domain, id);

-- When Shopify says the change behind an order's stored state happened (the webhook's
-- X-Shopify-Triggered-At, milliseconds): breaks ties between states with the same updated_at,
-- which Shopify gives to the second only.
ALTER TABLE destination_orders ADD COLUMN event_at INTEGER;
