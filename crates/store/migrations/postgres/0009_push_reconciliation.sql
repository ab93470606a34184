-- Push reconciliation by source store (postgres). Keep in step with
-- ../sqlite/0009_push_reconciliation.sql.
-- source_reconcile_cursors: per source store, the newest Shopify updated_at of its
-- ordersync-tagged orders that push reconciliation has read (Unix ms); the next run reads the
-- orders updated from it minus a safety overlap, and queues the re-read of those that are pushes.
-- cut: the last run stopped at its page limit; the next one goes on from the cursor itself.
-- pushes.source_updated_at: the source order's Shopify updated_at when the push last read it back
-- (the sync_fulfillments job finished); a run queues a re-read only for a newer updated_at.
-- pushes.checked_at: when that read was (ordersync's clock); reconciliation also re-reads, a few
-- per run, the open pushes not read for a long time, for the changes that do not move an order's
-- updated_at. pushes.rechecked_at: when that recheck last queued the push, so that pushes whose
-- read-back keeps failing do not hold the front of the line.

CREATE TABLE source_reconcile_cursors (
    shop_id    BIGINT PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    cursor_at  BIGINT NOT NULL,
    cut        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);

ALTER TABLE pushes ADD COLUMN source_updated_at BIGINT;
ALTER TABLE pushes ADD COLUMN checked_at BIGINT;
ALTER TABLE pushes ADD COLUMN rechecked_at BIGINT;
