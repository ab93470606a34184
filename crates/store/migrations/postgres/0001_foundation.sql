-- ordersync foundation schema (PostgreSQL). Keep in step with ../sqlite/0001_foundation.sql:
-- the `schemas_are_in_step` test compares tables, columns, types and indexes.
-- Times are Unix milliseconds (BIGINT); money is a decimal string beside its currency.

CREATE TABLE shops (
    id              BIGSERIAL PRIMARY KEY,
    domain          TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    admin_email     TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('destination', 'source')),
    connection_key  TEXT    NOT NULL UNIQUE,
    installed       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE connections (
    destination_shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    source_shop_id      BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (destination_shop_id, source_shop_id)
);
CREATE INDEX connections_by_source ON connections (source_shop_id);

CREATE TABLE synced_variants (
    destination_shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    destination_variant_gid TEXT    NOT NULL,
    source_shop_id          BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    source_variant_gid      TEXT    NOT NULL,
    sku                     TEXT    NOT NULL,
    source_price            TEXT,
    source_currency         TEXT,
    origin                  TEXT    NOT NULL CHECK (origin IN ('sku_match', 'manual')),
    updated_at              BIGINT NOT NULL,
    PRIMARY KEY (destination_shop_id, destination_variant_gid)
);
CREATE INDEX synced_variants_by_source ON synced_variants (source_shop_id, source_variant_gid);

CREATE TABLE push_settings (
    shop_id    BIGINT  PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    settings   TEXT    NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE destination_orders (
    id                  BIGSERIAL PRIMARY KEY,
    shop_id             BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    order_gid           TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    name_key            TEXT    COLLATE "C" NOT NULL,
    customer_name       TEXT,
    customer_key        TEXT    COLLATE "C" NOT NULL,
    email_key           TEXT    COLLATE "C" NOT NULL,
    financial_status    TEXT    NOT NULL,
    fulfillment_status  TEXT    NOT NULL,
    cancelled           BOOLEAN NOT NULL,
    total_amount        TEXT    NOT NULL,
    currency            TEXT    NOT NULL,
    eligible            BOOLEAN NOT NULL,
    ineligible_reasons  TEXT    NOT NULL,
    list_status         TEXT    NOT NULL,
    shopify_created_at  BIGINT NOT NULL,
    shopify_updated_at  BIGINT NOT NULL,
    model               TEXT    NOT NULL,
    raw_payload         BYTEA    NOT NULL,
    ingested_at         BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (shop_id, order_gid)
);
CREATE INDEX destination_orders_page ON destination_orders (shop_id, shopify_created_at DESC, id DESC);
CREATE INDEX destination_orders_status_page ON destination_orders (shop_id, list_status, shopify_created_at DESC, id DESC);
CREATE INDEX destination_orders_name ON destination_orders (shop_id, name_key);
CREATE INDEX destination_orders_customer ON destination_orders (shop_id, customer_key);
CREATE INDEX destination_orders_email ON destination_orders (shop_id, email_key);

CREATE TABLE pushes (
    id                 BIGSERIAL PRIMARY KEY,
    order_id           BIGINT NOT NULL REFERENCES destination_orders (id) ON DELETE CASCADE,
    source_shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    push_key           TEXT    NOT NULL UNIQUE,
    status             TEXT    NOT NULL,
    status_reason      TEXT,
    source_order_gid   TEXT,
    source_order_name  TEXT,
    shipping_title     TEXT,
    shipping_fee       TEXT,
    manual_fee         TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (order_id, source_shop_id)
);
CREATE INDEX pushes_by_source ON pushes (source_shop_id, created_at DESC, id DESC);
CREATE INDEX pushes_by_status ON pushes (status, updated_at);

CREATE TABLE push_lines (
    push_id              BIGINT NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
    destination_line_gid TEXT    NOT NULL,
    source_variant_gid   TEXT    NOT NULL,
    sku                  TEXT    NOT NULL,
    title                TEXT    NOT NULL,
    quantity             BIGINT NOT NULL CHECK (quantity > 0),
    unit_price           TEXT    NOT NULL,
    fulfilled_quantity   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (push_id, destination_line_gid)
);

CREATE TABLE order_events (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES destination_orders (id) ON DELETE CASCADE,
    push_id    BIGINT REFERENCES pushes (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    actor      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    data       TEXT
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    shop_id      BIGINT REFERENCES shops (id) ON DELETE CASCADE,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'dead')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    dedupe_key   TEXT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_at, id);
CREATE INDEX jobs_leases ON jobs (state, lease_until);
CREATE UNIQUE INDEX jobs_pending_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'queued';
