-- Reconciliation, the scheduler and push attention (postgres). Keep in step with
-- ../sqlite/0007_reconciliation.sql.
-- schedules: one row per periodic task and shop; the process whose compare-and-set on
-- next_run_at succeeds enqueues that run's job, so a task runs once per interval across every
-- ordersync process sharing the database.
-- reconcile_cursors: per destination store, the newest Shopify updated_at that reconciliation
-- has taken in (Unix ms); the next run reads from it minus a safety overlap.
-- pushes.attention: why the push needs the merchant although its status is settled (the
-- destination order was cancelled after shipping, or edited after the push).

CREATE TABLE schedules (
    task        TEXT    NOT NULL,
    shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    next_run_at BIGINT NOT NULL,
    last_run_at BIGINT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (task, shop_id)
);
CREATE INDEX schedules_due ON schedules (next_run_at);

CREATE TABLE reconcile_cursors (
    shop_id    BIGINT PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    cursor_at  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE pushes ADD COLUMN attention TEXT;
