-- Commissions with GMV tiers and per-merchant overrides, plan and payment fees, deposits and the rolling reserve
-- (issue 14, decision 31). Package settlement; written by the ledger-posting subscriber, the operator's operations and
-- the settlement jobs.

-- The operator's commission rate for a merchant, replacing its categories' non-zero rates (decision 31).
CREATE TABLE settlement_commission_override (
    merchant_id       uuid        PRIMARY KEY,
    rate_basis_points integer     NOT NULL CHECK (rate_basis_points BETWEEN 0 AND 10000),
    set_by            text        NOT NULL,
    set_at            timestamptz NOT NULL DEFAULT now()
);

-- Each merchant's GMV per calendar month and currency: the commission bases of its sub-orders as settlement charged
-- them, in posting order (one subscriber batch at a time), which places each sub-order in the tiers.
CREATE TABLE settlement_merchant_gmv (
    merchant_id uuid    NOT NULL,
    currency    char(3) NOT NULL,
    month       date    NOT NULL CHECK (extract(day FROM month) = 1),
    gmv         bigint  NOT NULL CHECK (gmv >= 0),
    PRIMARY KEY (merchant_id, currency, month)
);

-- What a sub-order was charged: its base, where it fell in its month's GMV, the category-rate commission the orders
-- domain recorded and the commission charged; returns reverse in proportion of these two.
CREATE TABLE settlement_commission (
    sub_order_id        uuid        PRIMARY KEY,
    merchant_id         uuid        NOT NULL,
    currency            char(3)     NOT NULL,
    month               date        NOT NULL,
    base                bigint      NOT NULL CHECK (base >= 0),
    gmv_before          bigint      NOT NULL CHECK (gmv_before >= 0),
    category_commission bigint      NOT NULL CHECK (category_commission >= 0),
    charged             bigint      NOT NULL CHECK (charged >= 0),
    override_basis_points integer,
    charged_at          timestamptz NOT NULL
);
CREATE INDEX settlement_commission_charged_idx ON settlement_commission (charged_at);

-- A share of each escrow release held in merchant_reserve:{m} until release_due, then released by a job.
CREATE TABLE settlement_reserve_hold (
    sub_order_id uuid        PRIMARY KEY,
    merchant_id  uuid        NOT NULL,
    currency     char(3)     NOT NULL,
    amount       bigint      NOT NULL CHECK (amount > 0),
    release_due  timestamptz NOT NULL,
    released_at  timestamptz
);
CREATE INDEX settlement_reserve_hold_due_idx ON settlement_reserve_hold (release_due) WHERE released_at IS NULL;

-- Admission deposits the operator recorded; the reference (the bank transfer's) makes a repeat record nothing.
CREATE TABLE settlement_deposit (
    id          uuid        PRIMARY KEY,
    merchant_id uuid        NOT NULL,
    reference   text        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount > 0),
    currency    char(3)     NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, reference)
);

-- The platform summary reads transactions by when they were posted.
CREATE INDEX ledger_transaction_posted_idx ON ledger_transaction (posted_at);
