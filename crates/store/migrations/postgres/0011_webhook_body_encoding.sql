-- How a webhook receipt's body is stored (PostgreSQL). Keep in step with
-- ../sqlite/0011_webhook_body_encoding.sql. `identity`: the exact bytes Shopify sent (every row
-- written before this migration, and redaction markers); `zstd`: those bytes compressed with
-- zstd; `dropped`: the body was removed by the raw-payload retention (the receipt row stays).
-- Every reader decodes through `ordersync_store::webhooks::decode_body`.

ALTER TABLE webhook_receipts ADD COLUMN body_encoding TEXT NOT NULL DEFAULT 'identity'
    CHECK (body_encoding IN ('identity', 'zstd', 'dropped'));
-- The body is compressed by ordersync already: keep it out of line (TOAST) without compressing it
-- again with pglz, which would only spend CPU.
ALTER TABLE webhook_receipts ALTER COLUMN body SET STORAGE EXTERNAL;
-- The retention job looks for processed receipts by age.
CREATE INDEX webhook_receipts_by_processed_at ON webhook_receipts (status, processed_at);
