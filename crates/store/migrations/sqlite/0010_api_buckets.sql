-- The Shopify Admin API cost bucket shared by every ordersync process (sqlite). Keep in step
-- with ../postgres/0009_api_buckets.sql.
-- api_buckets: per shop, the estimate of its query-cost bucket every process reserves against:
-- the last reported size and restore rate (0 = no answer seen yet), the points available at
-- `estimated_at` after the reservations made since, all in thousandths of a point. `version` is the
-- compare-and-set token: every change moves it, so two processes never both spend one estimate.
-- api_reservations: the points a call in flight reserved; its process deletes the row when the
-- answer arrives. A row past `expires_at` (its process died) no longer counts.

CREATE TABLE api_buckets (
    shop          TEXT   PRIMARY KEY,
    maximum       INTEGER NOT NULL,
    restore_rate  INTEGER NOT NULL,
    available     INTEGER NOT NULL,
    estimated_at  INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE api_reservations (
    id         INTEGER PRIMARY KEY,
    shop       TEXT   NOT NULL,
    cost       INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX api_reservations_shop ON api_reservations (shop, expires_at);
