-- Drop-shipping (issue 18, decision 39): a merchant's supplier connections, the supplier variants imported as its
-- products, stock sync runs, and the sub-order lines forwarded to suppliers. Times the freshness guard compares
-- (last_success_at, next_sync_at, due_at) come from the module's injectable clock, not now().

-- A merchant's account at a supplier. kind names the connector (the SPI implementation); credentials are sealed with
-- the personal-data keys, bound to the connection's id. The pricing rule: price = cost × markup + fixed, raised to
-- the next price ending (price_ending_modulus, e.g. 100 with ending 80: ...80), and at least cost plus the minimum
-- margin. The merchant's stock location for the supplier's goods is location_id (inventory's).
CREATE TABLE dropship_connection (
    id                          uuid        PRIMARY KEY,
    merchant_id                 uuid        NOT NULL REFERENCES merchant (id),
    name                        text        NOT NULL,
    kind                        text        NOT NULL CHECK (kind IN ('simulated', 'rest', 'feed')),
    base_url                    text,
    credentials_key_id          text        NOT NULL,
    credentials_sealed          bytea       NOT NULL,
    currency                    text        NOT NULL,
    markup_basis_points         integer     NOT NULL CHECK (markup_basis_points >= 10000),
    fixed_amount                bigint      NOT NULL CHECK (fixed_amount >= 0),
    price_ending                integer     NOT NULL CHECK (price_ending >= 0),
    price_ending_modulus        integer     NOT NULL CHECK (price_ending_modulus >= 1 AND price_ending < price_ending_modulus),
    min_margin_basis_points     integer     NOT NULL CHECK (min_margin_basis_points >= 0),
    buffer_units                bigint      NOT NULL CHECK (buffer_units >= 0),
    buffer_percent              integer     NOT NULL CHECK (buffer_percent BETWEEN 0 AND 100),
    auto_forward                boolean     NOT NULL,
    -- supplier category -> marketplace category id
    category_mappings           jsonb       NOT NULL,
    default_category_id         uuid        NOT NULL,
    location_id                 uuid        NOT NULL,
    sync_every_seconds          integer     NOT NULL CHECK (sync_every_seconds >= 60),
    next_sync_at                timestamptz NOT NULL,
    -- a node's claim on the connection's sync (multi-node: claimed with SKIP LOCKED, held until this time)
    sync_claimed_until          timestamptz,
    sync_sequence               bigint      NOT NULL DEFAULT 0,
    -- incremental sync: the supplier's own change marker (REST: its server time at the last read; feed: the last
    -- ETag and Last-Modified; simulated: its change counter)
    sync_marker                 text,
    last_success_at             timestamptz NOT NULL,
    stale_since                 timestamptz,
    version                     bigint      NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dropship_connection_merchant_idx ON dropship_connection (merchant_id, created_at, id);
CREATE INDEX dropship_connection_due_idx ON dropship_connection (next_sync_at);

-- A supplier variant imported as one of the merchant's variants: keyed by supplier + supplier SKU, so re-importing
-- never duplicates. cost is the supplier's price; supplier_stock what it last reported.
CREATE TABLE dropship_variant (
    connection_id               uuid        NOT NULL REFERENCES dropship_connection (id),
    supplier_sku                text        NOT NULL,
    supplier_product_id         text        NOT NULL,
    merchant_id                 uuid        NOT NULL,
    product_id                  uuid        NOT NULL,
    variant_id                  uuid        NOT NULL UNIQUE,
    cost_amount                 bigint      NOT NULL CHECK (cost_amount >= 0),
    supplier_stock              bigint      NOT NULL DEFAULT 0,
    -- failover: the same goods at another connection of the merchant (decision 39)
    backup_connection_id        uuid        REFERENCES dropship_connection (id),
    backup_supplier_sku         text,
    PRIMARY KEY (connection_id, supplier_sku),
    CHECK ((backup_connection_id IS NULL) = (backup_supplier_sku IS NULL))
);
CREATE INDEX dropship_variant_product_idx ON dropship_variant (connection_id, supplier_product_id);

-- One stock sync of a connection: what it read and changed, or why it failed.
CREATE TABLE dropship_sync_run (
    id                          uuid        PRIMARY KEY,
    connection_id               uuid        NOT NULL REFERENCES dropship_connection (id),
    merchant_id                 uuid        NOT NULL,
    started_at                  timestamptz NOT NULL,
    duration_ms                 bigint      NOT NULL,
    outcome                     text        NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'unchanged')),
    incremental                 boolean     NOT NULL,
    items                       integer     NOT NULL,
    changes                     integer     NOT NULL,
    failures                    integer     NOT NULL,
    served_by                   uuid        NOT NULL,
    error                       text
);
CREATE INDEX dropship_sync_run_connection_idx ON dropship_sync_run (connection_id, started_at DESC, id DESC);

-- A sub-order line sent to its supplier, exactly once: the supplier's idempotency key is the line
-- (sub_order_id:line_number). pending until sent; forwarded_to_supplier with the supplier's reference; refused with
-- its reason (retry makes it pending again, cancel ends it); shipped and delivered follow the supplier's tracking.
CREATE TABLE dropship_forward (
    id                          uuid        PRIMARY KEY,
    merchant_id                 uuid        NOT NULL,
    sub_order_id                uuid        NOT NULL,
    line_number                 integer     NOT NULL,
    variant_id                  uuid        NOT NULL,
    quantity                    bigint      NOT NULL CHECK (quantity > 0),
    connection_id               uuid        NOT NULL REFERENCES dropship_connection (id),
    supplier_sku                text        NOT NULL,
    status                      text        NOT NULL CHECK (status IN ('pending', 'forwarded_to_supplier', 'refused',
                                                                       'shipped', 'delivered', 'cancelled')),
    supplier_order_ref          text,
    refusal_reason              text,
    attempts                    integer     NOT NULL DEFAULT 0,
    due_at                      timestamptz NOT NULL,
    carrier                     text,
    tracking_number             text,
    shipment_recorded           boolean     NOT NULL DEFAULT false,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sub_order_id, line_number)
);
CREATE INDEX dropship_forward_due_idx ON dropship_forward (due_at) WHERE status = 'pending';
CREATE INDEX dropship_forward_tracking_idx ON dropship_forward (due_at)
    WHERE status IN ('forwarded_to_supplier', 'shipped');
CREATE INDEX dropship_forward_merchant_idx ON dropship_forward (merchant_id, created_at, id);

-- Every failover: traffic of a connection moved to its backup, or back.
CREATE TABLE dropship_switch (
    id                          uuid        PRIMARY KEY,
    merchant_id                 uuid        NOT NULL,
    connection_id               uuid        NOT NULL REFERENCES dropship_connection (id),
    backup_connection_id        uuid        NOT NULL REFERENCES dropship_connection (id),
    direction                   text        NOT NULL CHECK (direction IN ('to_backup', 'to_primary')),
    reason                      text        NOT NULL,
    switched_at                 timestamptz NOT NULL
);
CREATE INDEX dropship_switch_connection_idx ON dropship_switch (connection_id, switched_at);
