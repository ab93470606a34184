-- Fulfillment and tracking back (postgres). Keep in step with ../sqlite/0006_fulfillments.sql.
-- push_fulfillments: one row per shipment the source store made on a pushed order
-- (push, source fulfillment GID), with what the source says now (status, tracking, the
-- destination lines it ships, fixed when first seen) and what was done on the destination order:
-- state ('pending': nothing done yet; 'creating': fulfillmentCreate may have run, look before
-- creating again; 'created': the destination fulfillment exists; 'failed': the destination
-- refused it; 'none': nothing to create), the claim of the worker creating it, the lines sent,
-- the destination fulfillment GID and the status and tracking last applied to it.

CREATE TABLE push_fulfillments (
    id                          BIGSERIAL PRIMARY KEY,
    push_id                     BIGINT  NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
    source_fulfillment_gid      TEXT    NOT NULL,
    source_name                 TEXT,
    source_status               TEXT    NOT NULL CHECK (source_status IN ('pending', 'shipped', 'cancelled')),
    tracking                    TEXT    NOT NULL,
    lines                       TEXT    NOT NULL,
    state                       TEXT    NOT NULL CHECK (state IN ('pending', 'creating', 'created', 'failed', 'none')),
    claim_until                 BIGINT,
    sent_lines                  TEXT,
    destination_fulfillment_gid TEXT,
    applied_status              TEXT CHECK (applied_status IN ('shipped', 'cancelled')),
    applied_tracking            TEXT,
    failure                     TEXT,
    created_at                  BIGINT  NOT NULL,
    updated_at                  BIGINT  NOT NULL,
    UNIQUE (push_id, source_fulfillment_gid)
);

-- A source store's webhooks name its order: find the push that created it.
CREATE INDEX pushes_by_source_order ON pushes (source_shop_id, source_order_gid);
