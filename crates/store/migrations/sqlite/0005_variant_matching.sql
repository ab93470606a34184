-- Synced products matching (sqlite). Keep in step with ../postgres/0005_variant_matching.sql.
-- variant_choices: the merchant's manual link ('link', with the source variant) or unlink of a
-- destination variant; it overrides SKU matching and survives re-matches.
-- unsynced_variants: the destination variants the last re-match could not map, with the reason
-- (JSON, validated by the domain's NotSyncedReason when read) and the status shown in the list.

CREATE TABLE variant_choices (
    destination_shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    destination_variant_gid TEXT    NOT NULL,
    choice                  TEXT    NOT NULL CHECK (choice IN ('link', 'unlink')),
    source_shop_id          INTEGER REFERENCES shops (id) ON DELETE CASCADE,
    source_variant_gid      TEXT,
    updated_at              INTEGER NOT NULL,
    PRIMARY KEY (destination_shop_id, destination_variant_gid)
);
CREATE INDEX variant_choices_by_source ON variant_choices (source_shop_id);

CREATE TABLE unsynced_variants (
    destination_shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    destination_variant_gid TEXT    NOT NULL,
    title                   TEXT    NOT NULL,
    sku                     TEXT,
    status                  TEXT    NOT NULL CHECK (status IN ('unmatched', 'ambiguous', 'unlinked')),
    reason                  TEXT    NOT NULL,
    updated_at              INTEGER NOT NULL,
    PRIMARY KEY (destination_shop_id, destination_variant_gid)
);
