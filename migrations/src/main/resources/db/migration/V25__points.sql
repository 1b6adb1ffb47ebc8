-- Loyalty points (package points, decision 35). Points are their own unit: whole points, never money. A customer's
-- balance is derived: Σ of its lots' remaining points (by state) = Σ of its entries (by bucket).

-- What checkout told the points domain about an order: its lines' earning basis (price excluding tax, after the
-- points discount) and the points it redeemed, so earning and returns need nothing else from the orders domain.
CREATE TABLE points_order (
    order_id          uuid        PRIMARY KEY,
    customer_id       uuid        NOT NULL,
    currency          char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- placed (points held at checkout) → paid (the redemption's money moved) | released (never paid: points back)
    state             text        NOT NULL DEFAULT 'placed' CHECK (state IN ('placed', 'paid', 'released')),
    redeemed_points   bigint      NOT NULL DEFAULT 0 CHECK (redeemed_points >= 0),
    payment_due_at    timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_order_unpaid_idx ON points_order (payment_due_at) WHERE state = 'placed';

CREATE TABLE points_order_line (
    order_id          uuid        NOT NULL REFERENCES points_order (order_id),
    sub_order_id      uuid        NOT NULL,
    merchant_id       uuid        NOT NULL,
    line_number       int         NOT NULL CHECK (line_number >= 0),
    category_id       uuid        NOT NULL,
    quantity          bigint      NOT NULL CHECK (quantity > 0),
    subtotal_amount   bigint      NOT NULL CHECK (subtotal_amount >= 0),
    -- The line's share of the order's redeemed points (1 point = points.point-value minor units of the currency).
    points            bigint      NOT NULL CHECK (points >= 0),
    returned_quantity bigint      NOT NULL DEFAULT 0 CHECK (returned_quantity BETWEEN 0 AND quantity),
    PRIMARY KEY (sub_order_id, line_number)
);
CREATE INDEX points_order_line_order_idx ON points_order_line (order_id);

-- A sub-order's points life: earned at payment, pending until its return window closes (delivery + window).
CREATE TABLE points_sub_order (
    sub_order_id      uuid        PRIMARY KEY,
    order_id          uuid        NOT NULL REFERENCES points_order (order_id),
    customer_id       uuid        NOT NULL,
    merchant_id       uuid        NOT NULL,
    -- open: paid, not delivered; window: delivered, pending until available_at; closed: points available;
    -- voided: cancelled or rejected before delivery
    state             text        NOT NULL CHECK (state IN ('open', 'window', 'closed', 'voided')),
    available_at      timestamptz,
    CHECK ((available_at IS NOT NULL) = (state IN ('window', 'closed')))
);
CREATE INDEX points_sub_order_window_idx ON points_sub_order (available_at) WHERE state = 'window';

-- Earning campaigns: a multiplier of the base rate for a time box, platform-wide or for one merchant, optionally one
-- category, capped per order. The platform funds its own campaigns, a merchant its own.
CREATE TABLE points_campaign (
    id                uuid        PRIMARY KEY,
    merchant_id       uuid,
    category_id       uuid,
    name              text        NOT NULL,
    -- 30000 = 3× the base rate: the campaign adds (multiplier − 1) × base points.
    multiplier_bp     int         NOT NULL CHECK (multiplier_bp BETWEEN 10001 AND 1000000),
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL CHECK (ends_at > starts_at),
    cap_per_order     bigint      NOT NULL CHECK (cap_per_order > 0),
    created_by        text        NOT NULL,
    version           bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_campaign_time_idx ON points_campaign (ends_at, starts_at);
CREATE INDEX points_campaign_merchant_idx ON points_campaign (merchant_id, created_at, id);

-- Tiers by rolling spend, each with a bonus rate on top of the base rate, funded by the platform.
CREATE TABLE points_tier (
    name              text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
    min_spend         bigint      NOT NULL UNIQUE CHECK (min_spend >= 0),
    bonus_bp          int         NOT NULL CHECK (bonus_bp BETWEEN 0 AND 10000),
    version           bigint      NOT NULL DEFAULT 1
);
INSERT INTO points_tier (name, min_spend, bonus_bp) VALUES
    ('regular', 0, 0), ('silver', 50000, 50), ('gold', 200000, 100), ('platinum', 500000, 200);

CREATE TABLE points_customer_tier (
    customer_id       uuid        PRIMARY KEY,
    tier              text        NOT NULL,
    rolling_spend     bigint      NOT NULL CHECK (rolling_spend >= 0),
    recalculated_at   timestamptz NOT NULL
);

-- A lot: points of one origin and one funder, spent first-expiring-first. remaining counts towards pending while
-- the lot is pending, towards available once available; voided and expired lots keep remaining = 0.
CREATE TABLE points_lot (
    id                uuid        PRIMARY KEY,
    customer_id       uuid        NOT NULL,
    -- who pays for the points: 'platform' or 'merchant:{uuid}'
    funder            text        NOT NULL CHECK (funder ~ '^(platform|merchant:[0-9a-f-]{36})$'),
    -- which rule earned them: base, campaign:{id}, tier:{name}, adjustment, refund_of_redemption
    rule              text        NOT NULL,
    order_id          uuid,
    sub_order_id      uuid,
    points            bigint      NOT NULL CHECK (points > 0),
    remaining         bigint      NOT NULL CHECK (remaining BETWEEN 0 AND points),
    -- points taken back from this lot's earning (cancellation, return), whether or not they were still in it
    revoked           bigint      NOT NULL DEFAULT 0 CHECK (revoked BETWEEN 0 AND points),
    state             text        NOT NULL CHECK (state IN ('pending', 'available', 'voided', 'expired')),
    earned_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    CHECK (state IN ('pending', 'available') OR remaining = 0)
);
CREATE INDEX points_lot_spend_idx ON points_lot (customer_id, expires_at, id) WHERE state = 'available' AND remaining > 0;
CREATE INDEX points_lot_sub_order_idx ON points_lot (sub_order_id) WHERE sub_order_id IS NOT NULL;
CREATE INDEX points_lot_expiry_idx ON points_lot (expires_at) WHERE state = 'available' AND remaining > 0;
CREATE INDEX points_lot_customer_idx ON points_lot (customer_id, earned_at, id);

-- The append-only points ledger: every change of a customer's points, signed, in its bucket.
CREATE TABLE points_entry (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id       uuid        NOT NULL,
    lot_id            uuid        REFERENCES points_lot (id),
    kind              text        NOT NULL CHECK (kind IN ('earned', 'became_available', 'voided', 'clawed_back',
                          'redeemed', 'redemption_returned', 'expired', 'adjusted')),
    bucket            text        NOT NULL CHECK (bucket IN ('pending', 'available')),
    points            bigint      NOT NULL CHECK (points <> 0),
    order_id          uuid,
    sub_order_id      uuid,
    actor             text        NOT NULL,
    reason            text,
    occurred_at       timestamptz NOT NULL
);
CREATE INDEX points_entry_customer_idx ON points_entry (customer_id, id);
CREATE FUNCTION points_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'points entries are append-only';
END $$;
CREATE TRIGGER points_entry_immutable BEFORE UPDATE OR DELETE ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_immutable();

-- Which lots an order's redemption took its points from, and how many of them went back.
CREATE TABLE points_redemption (
    order_id          uuid        NOT NULL REFERENCES points_order (order_id),
    lot_id            uuid        NOT NULL REFERENCES points_lot (id),
    points            bigint      NOT NULL CHECK (points > 0),
    returned          bigint      NOT NULL DEFAULT 0 CHECK (returned BETWEEN 0 AND points),
    PRIMARY KEY (order_id, lot_id)
);
