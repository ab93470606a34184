-- How a webhook receipt's body is stored (sqlite). Keep in step with
-- ../postgres/0011_webhook_body_encoding.sql. `identity`: the exact bytes Shopify sent (every row
-- written before this migration, and redaction markers); `zstd`: those bytes compressed with
-- zstd; `dropped`: the body was removed by the raw-payload retention (the receipt row stays).
-- Every reader decodes through `ordersync_store::webhooks::decode_body`.

ALTER TABLE webhook_receipts ADD COLUMN body_encoding TEXT NOT NULL DEFAULT 'identity'
    CHECK (body_encoding IN ('identity', 'zstd', 'dropped'));
-- The retention job looks for processed receipts by age.
CREATE INDEX webhook_receipts_by_processed_at ON webhook_receipts (status, processed_at);
