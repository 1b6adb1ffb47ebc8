-- Partner inventory exchange (package partners.inventory, decision 38): a partner platform as a sales channel. Every
-- table is keyed by the partner's principal id (the `partner` principal its API client is bound to).

-- A partner order has no cart: it is committed from a lease, not checked out of a storefront's cart.
ALTER TABLE customer_order ALTER COLUMN cart_id DROP NOT NULL;

-- A merchant's consent to have its products offered through one partner (merchant API).
CREATE TABLE partner_merchant_opt_in (
    merchant_id       uuid        NOT NULL,
    partner_id        uuid        NOT NULL,
    opted_in_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, merchant_id)
);

-- What the operator shares with a partner: one merchant's products, or one category's (with its descendants), of
-- merchants that opted in to that partner, at the list price adjusted by price_adjustment_bp (-1000 = 10 % off).
CREATE TABLE partner_assortment_share (
    id                  uuid        PRIMARY KEY,
    partner_id          uuid        NOT NULL,
    merchant_id         uuid,
    category_id         uuid,
    price_adjustment_bp int         NOT NULL CHECK (price_adjustment_bp BETWEEN -9000 AND 10000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((merchant_id IS NULL) <> (category_id IS NULL)),
    UNIQUE (partner_id, merchant_id),
    UNIQUE (partner_id, category_id)
);

-- The operator's limits for one partner's leases; a partner without a row has the configured defaults.
CREATE TABLE partner_lease_limit (
    partner_id        uuid        PRIMARY KEY,
    max_units_held    bigint      NOT NULL CHECK (max_units_held BETWEEN 0 AND 1000000000),
    max_open_leases   int         NOT NULL CHECK (max_open_leases BETWEEN 0 AND 1000000),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- What a partner holds now: one row per partner, locked by every lease that opens or ends, so the limits hold under
-- any concurrency (a lease is checked against the counts its own lock saw).
CREATE TABLE partner_lease_holding (
    partner_id        uuid        PRIMARY KEY,
    units_held        bigint      NOT NULL DEFAULT 0 CHECK (units_held >= 0),
    open_leases       int         NOT NULL DEFAULT 0 CHECK (open_leases >= 0)
);

-- A lease: units of SKUs held for a partner through one inventory reservation, until committed into a partner order,
-- released, or lapsed at expires_at.
CREATE TABLE partner_lease (
    id                uuid        PRIMARY KEY,
    partner_id        uuid        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('active', 'committed', 'released', 'lapsed')),
    reservation_id    uuid        NOT NULL UNIQUE,
    units             bigint      NOT NULL CHECK (units > 0),
    currency          char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    expires_at        timestamptz NOT NULL,
    order_id          uuid        UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'committed') = (order_id IS NOT NULL))
);
CREATE INDEX partner_lease_partner_idx ON partner_lease (partner_id, created_at, id);
CREATE INDEX partner_lease_due_idx ON partner_lease (expires_at) WHERE status = 'active';

-- A lease's lines at the partner's price when the lease was taken (the price the partner order is placed at).
CREATE TABLE partner_lease_line (
    lease_id          uuid        NOT NULL REFERENCES partner_lease (id),
    line_number       int         NOT NULL CHECK (line_number >= 0),
    variant_id        uuid        NOT NULL,
    merchant_id       uuid        NOT NULL,
    quantity          bigint      NOT NULL CHECK (quantity > 0),
    unit_price_amount bigint      NOT NULL CHECK (unit_price_amount >= 0),
    PRIMARY KEY (lease_id, line_number)
);
