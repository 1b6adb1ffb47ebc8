-- Coupons and promotions (package promotions, decision 42). A coupon's discount is money (minor units of its
-- currency), paid by its funder: the platform, or the merchant that created it.

CREATE TABLE promotion_coupon (
    id                     uuid        PRIMARY KEY,
    -- Upper-cased; unique across the marketplace. NULL: an automatic promotion, applied to every order it fits.
    code                   text        UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{2,39}$'),
    -- The funder when set (its coupon covers only its own goods); NULL: the platform funds it.
    merchant_id            uuid,
    name                   text        NOT NULL,
    kind                   text        NOT NULL CHECK (kind IN ('percentage', 'fixed_amount')),
    percentage_bp          int         CHECK (percentage_bp BETWEEN 1 AND 10000),
    amount_off             bigint      CHECK (amount_off > 0),
    currency               char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The least price excluding tax of the lines the coupon covers.
    min_spend              bigint      NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL CHECK (ends_at > starts_at),
    -- Limits (NULL: none). max_uses is split over the coupon's stripes (promotion_coupon_stripe), so concurrent
    -- checkouts count their uses on different rows; a budget is counted on this row (budget_spent), by a
    -- conditional update the CHECK makes the database's decision.
    max_uses               bigint      CHECK (max_uses > 0),
    budget                 bigint      CHECK (budget > 0),
    budget_spent           bigint      NOT NULL DEFAULT 0 CHECK (budget_spent >= 0 AND budget_spent <= COALESCE(budget, 0)),
    max_uses_per_customer  int         CHECK (max_uses_per_customer > 0),
    -- What it covers (empty: everything its funder sells).
    merchant_ids           uuid[]      NOT NULL DEFAULT '{}',
    category_ids           uuid[]      NOT NULL DEFAULT '{}',
    product_ids            uuid[]      NOT NULL DEFAULT '{}',
    created_by             text        NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    version                bigint      NOT NULL DEFAULT 1,
    CHECK ((kind = 'percentage') = (percentage_bp IS NOT NULL) AND (kind = 'fixed_amount') = (amount_off IS NOT NULL))
);
CREATE INDEX promotion_coupon_merchant_idx ON promotion_coupon (merchant_id, created_at);
CREATE INDEX promotion_coupon_automatic_idx ON promotion_coupon (ends_at) WHERE code IS NULL;

-- A coupon's uses in up to 16 stripes whose max_uses add up to the coupon's: a checkout takes a use from a stripe
-- no other checkout holds (SKIP LOCKED), waiting only when every stripe with uses left is held. The CHECK makes
-- the limit the database's: 200 concurrent checkouts of a 50-use coupon take 50 uses, never 51.
CREATE TABLE promotion_coupon_stripe (
    coupon_id              uuid        NOT NULL REFERENCES promotion_coupon (id),
    stripe                 int         NOT NULL CHECK (stripe >= 0),
    max_uses               bigint      NOT NULL CHECK (max_uses > 0),
    uses                   bigint      NOT NULL DEFAULT 0 CHECK (uses BETWEEN 0 AND max_uses),
    PRIMARY KEY (coupon_id, stripe)
);

-- How often each customer used a coupon (held by placed and paid orders; an unpaid order gives its use back).
CREATE TABLE promotion_customer_use (
    coupon_id              uuid        NOT NULL REFERENCES promotion_coupon (id),
    customer_id            uuid        NOT NULL,
    uses                   bigint      NOT NULL CHECK (uses >= 0),
    PRIMARY KEY (coupon_id, customer_id)
);

-- What checkout told the promotions domain about an order that used coupons.
CREATE TABLE promotion_order (
    order_id               uuid        PRIMARY KEY,
    customer_id            uuid        NOT NULL,
    currency               char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- placed → paid (the funders' money moved) | released (never paid: uses and budget back)
    state                  text        NOT NULL DEFAULT 'placed' CHECK (state IN ('placed', 'paid', 'released')),
    payment_due_at         timestamptz NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promotion_order_unpaid_idx ON promotion_order (payment_due_at) WHERE state = 'placed';

-- A coupon's discount on one order: its total, and what cancellations and returns took back.
CREATE TABLE promotion_redemption (
    order_id               uuid        NOT NULL REFERENCES promotion_order (order_id),
    coupon_id              uuid        NOT NULL REFERENCES promotion_coupon (id),
    merchant_id            uuid,
    -- The stripe its use was counted on (NULL: the coupon has no use limit).
    stripe                 int,
    amount                 bigint      NOT NULL CHECK (amount > 0),
    returned               bigint      NOT NULL DEFAULT 0 CHECK (returned BETWEEN 0 AND amount),
    -- The use itself came back (the order was not paid, or every unit it discounted came back).
    use_returned           boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (order_id, coupon_id)
);
CREATE INDEX promotion_redemption_coupon_idx ON promotion_redemption (coupon_id);

-- Each coupon's discount on each line, allocated exactly; returns take back the cumulative share of their units.
CREATE TABLE promotion_order_line (
    order_id               uuid        NOT NULL REFERENCES promotion_order (order_id),
    coupon_id              uuid        NOT NULL REFERENCES promotion_coupon (id),
    sub_order_id           uuid        NOT NULL,
    merchant_id            uuid        NOT NULL,
    line_number            int         NOT NULL CHECK (line_number >= 0),
    quantity               bigint      NOT NULL CHECK (quantity > 0),
    discount               bigint      NOT NULL CHECK (discount >= 0),
    returned_quantity      bigint      NOT NULL DEFAULT 0 CHECK (returned_quantity BETWEEN 0 AND quantity),
    PRIMARY KEY (sub_order_id, line_number, coupon_id)
);
CREATE INDEX promotion_order_line_order_idx ON promotion_order_line (order_id);
