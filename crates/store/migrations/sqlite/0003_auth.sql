-- Install and auth (issue 4 §2): each shop's encrypted tokens and the OAuth state nonces.

CREATE TABLE shop_auth (
    shop_id                 INTEGER PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    access_token            BLOB    NOT NULL,
    access_token_key_id     TEXT    NOT NULL,
    access_expires_at       INTEGER,
    refresh_token           BLOB,
    refresh_token_key_id    TEXT,
    refresh_expires_at      INTEGER,
    scopes                  TEXT    NOT NULL,
    plan_name               TEXT,
    installed_at            INTEGER NOT NULL,
    uninstalled_at          INTEGER,
    last_refresh_error      TEXT,
    last_refresh_failed_at  INTEGER,
    updated_at              INTEGER NOT NULL
);
CREATE INDEX shop_auth_by_access_expiry ON shop_auth (access_expires_at);

CREATE TABLE oauth_states (
    nonce       TEXT    PRIMARY KEY,
    shop_domain TEXT    NOT NULL,
    role        TEXT    CHECK (role IN ('destination', 'source')),
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);
