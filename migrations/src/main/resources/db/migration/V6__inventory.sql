-- Inventory: a merchant's stock locations (warehouses), stock per variant (SKU) and location, reservations held
-- for checkouts, and low-stock events. The database itself guarantees that stock is never oversold.

CREATE TABLE stock_location (
    id          uuid        PRIMARY KEY,
    merchant_id uuid        NOT NULL REFERENCES merchant (id),
    code        text        NOT NULL,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_location_code_key UNIQUE (merchant_id, code),
    UNIQUE (id, merchant_id)
);

-- One row per variant and location. reserved <= on_hand is the rule "available never goes below zero": any
-- statement that would break it fails, whatever the application checked before.
CREATE TABLE stock_level (
    variant_id           uuid        NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    location_id          uuid        NOT NULL,
    merchant_id          uuid        NOT NULL,
    on_hand              bigint      NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved             bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    -- The source sequence (or timestamp) of the last absolute update applied; older ones are ignored.
    last_source_sequence bigint,
    low_stock_threshold  bigint      CHECK (low_stock_threshold >= 0),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (variant_id, location_id),
    CONSTRAINT stock_level_reserved_within_on_hand CHECK (reserved <= on_hand),
    CONSTRAINT stock_level_location_fkey FOREIGN KEY (location_id, merchant_id)
        REFERENCES stock_location (id, merchant_id)
);
CREATE INDEX stock_level_merchant_idx ON stock_level (merchant_id, variant_id, location_id);

-- A hold on stock for a checkout, by whoever reserved it (operator or storefront).
CREATE TABLE stock_reservation (
    id          uuid        PRIMARY KEY,
    owner_type  text        NOT NULL,
    owner_id    uuid        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('active', 'released', 'committed', 'expired')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_reservation_expiry_idx ON stock_reservation (expires_at) WHERE status = 'active';

CREATE TABLE stock_reservation_line (
    reservation_id uuid   NOT NULL REFERENCES stock_reservation (id) ON DELETE CASCADE,
    line_number    int    NOT NULL,
    variant_id     uuid   NOT NULL,
    location_id    uuid   NOT NULL,
    quantity       bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, line_number),
    FOREIGN KEY (variant_id, location_id) REFERENCES stock_level (variant_id, location_id) ON DELETE CASCADE
);

-- Available stock of a variant at a location fell below its threshold (recorded once per crossing).
CREATE TABLE low_stock_event (
    id          uuid        PRIMARY KEY,
    merchant_id uuid        NOT NULL REFERENCES merchant (id),
    variant_id  uuid        NOT NULL,
    location_id uuid        NOT NULL,
    available   bigint      NOT NULL,
    threshold   bigint      NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX low_stock_event_merchant_idx ON low_stock_event (merchant_id, occurred_at, id);
