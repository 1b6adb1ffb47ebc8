-- Sales channels (issue 24, decision 41; package channels): attribution of orders, tiered revenue share, deposits
-- and the inputs of quarterly scorecards. The share's money is in the settlement ledger (channel_payable:{channel},
-- channel_reserve:{channel}) through the channels' own money events; these tables say why each unit moved.

-- A channel and its programme. storefront and partner channels are their principal's (the id their clients are
-- bound to); a media channel may name a partner principal that reads its figures.
CREATE TABLE channel (
    id              uuid        PRIMARY KEY,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text        NOT NULL CHECK (kind IN ('storefront', 'partner', 'media')),
    principal_type  text        CHECK (principal_type IN ('storefront', 'partner')),
    principal_id    uuid,
    currency        char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    period          text        NOT NULL CHECK (period IN ('month', 'quarter')),
    funded_by       text        NOT NULL CHECK (funded_by IN ('platform', 'merchant')),
    -- [{"from": minor units, "rateBasisPoints": bp}, …] ascending, the first from 0
    tiers           jsonb       NOT NULL,
    gmv_target      bigint      NOT NULL DEFAULT 0 CHECK (gmv_target >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((principal_type IS NULL) = (principal_id IS NULL)),
    CHECK (kind = 'media' OR principal_type = kind),
    UNIQUE (principal_type, principal_id)
);

-- A campaign or creator code belongs to one channel; matched case-insensitively (code_key is lower case).
CREATE TABLE channel_code (
    code_key    text        PRIMARY KEY CHECK (code_key = lower(code_key)),
    code        text        NOT NULL CHECK (length(code) BETWEEN 3 AND 64),
    channel_id  uuid        NOT NULL REFERENCES channel,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_code_channel_idx ON channel_code (channel_id);

-- Every order's attribution, written by checkout in its transaction: who placed it, and the channel credited (a
-- code's channel wins over the placing client's; null when neither is a channel).
CREATE TABLE channel_order (
    order_id        uuid        PRIMARY KEY,
    channel_id      uuid        REFERENCES channel,
    attributed_by   text        CHECK (attributed_by IN ('code', 'client')),
    code            text,
    placed_by_type  text        NOT NULL,
    placed_by_id    uuid,
    customer_id     uuid        NOT NULL,
    currency        char(3)     NOT NULL,
    placed_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel_id IS NULL) = (attributed_by IS NULL)),
    CHECK ((attributed_by = 'code') = (code IS NOT NULL))
);
CREATE INDEX channel_order_channel_idx ON channel_order (channel_id, placed_at DESC, order_id DESC)
    WHERE channel_id IS NOT NULL;

-- An attributed order's sub-orders: their net sales (subtotal excluding tax, the share's base), what the customer
-- paid for them (the denominator of a refund's share), and the share as it stands.
CREATE TABLE channel_sub_order (
    sub_order_id    uuid        PRIMARY KEY,
    order_id        uuid        NOT NULL REFERENCES channel_order,
    channel_id      uuid        NOT NULL REFERENCES channel,
    merchant_id     uuid        NOT NULL,
    currency        char(3)     NOT NULL,
    net_sales       bigint      NOT NULL CHECK (net_sales >= 0),
    total           bigint      NOT NULL CHECK (total >= 0),
    refunded        bigint      NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    released_at     timestamptz,
    -- the tier period the release fell in (its first day)
    period_start    date,
    -- at release: the net sales the share was of (net_sales less refunds made before it), and the share
    base            bigint      NOT NULL DEFAULT 0 CHECK (base >= 0),
    shared          bigint      NOT NULL DEFAULT 0 CHECK (shared >= 0),
    reversed        bigint      NOT NULL DEFAULT 0 CHECK (reversed BETWEEN 0 AND shared),
    CHECK ((released_at IS NULL) = (period_start IS NULL))
);
CREATE INDEX channel_sub_order_order_idx ON channel_sub_order (order_id);
CREATE INDEX channel_sub_order_period_idx ON channel_sub_order (channel_id, period_start) WHERE released_at IS NOT NULL;

-- The channel's statement lines: each share accrued (one line per tier its base falls in), each reversal, each
-- deposit and draw; amount is the channel's view (owed to it positive). (reference, part) makes a replay a no-op.
CREATE TABLE channel_statement_line (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id       uuid        NOT NULL REFERENCES channel,
    type             text        NOT NULL CHECK (type IN ('share_accrued', 'share_reversed', 'deposit_recorded',
                                                          'deposit_drawn')),
    reference        text        NOT NULL,
    part             int         NOT NULL DEFAULT 0,
    order_id         uuid,
    sub_order_id     uuid,
    tier_from        bigint,
    rate_basis_points int        CHECK (rate_basis_points BETWEEN 0 AND 10000),
    base             bigint,
    reason           text,
    amount           bigint      NOT NULL,
    currency         char(3)     NOT NULL,
    occurred_at      timestamptz NOT NULL,
    UNIQUE (reference, part)
);
CREATE INDEX channel_statement_line_channel_idx ON channel_statement_line (channel_id, occurred_at, id);

-- Deposits the operator recorded and draws it decided, with who and why.
CREATE TABLE channel_deposit (
    id          uuid        PRIMARY KEY,
    channel_id  uuid        NOT NULL REFERENCES channel,
    kind        text        NOT NULL CHECK (kind IN ('deposit', 'draw')),
    reference   text,
    reason      text,
    amount      bigint      NOT NULL CHECK (amount > 0),
    currency    char(3)     NOT NULL,
    decided_by  text        NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'deposit') = (reference IS NOT NULL)),
    CHECK ((kind = 'draw') = (reason IS NOT NULL))
);
CREATE UNIQUE INDEX channel_deposit_reference_idx ON channel_deposit (channel_id, reference) WHERE kind = 'deposit';

-- Service tickets the channel answered: the scorecard's service-response measure.
CREATE TABLE channel_service_response (
    channel_id  uuid        NOT NULL REFERENCES channel,
    reference   text        NOT NULL,
    raised_at   timestamptz NOT NULL,
    answered_at timestamptz NOT NULL CHECK (answered_at >= raised_at),
    PRIMARY KEY (channel_id, reference)
);
