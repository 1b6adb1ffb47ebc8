-- Partner platforms and the cross-platform points exchange (package partners, decision 37). A partner is keyed by
-- the id of the `partner` principal its OAuth client is bound to, so other domains name it without this table.

CREATE TABLE partner (
    id                   uuid        PRIMARY KEY,
    name                 text        NOT NULL,
    -- The partner's API: an outbound target (SSRF rules apply to every call); its credit API lives under it.
    api_base_url         text        NOT NULL,
    -- How we authenticate to it: OAuth2 client credentials at token_url, or an API key sent as X-Api-Key.
    auth_type            text        NOT NULL CHECK (auth_type IN ('oauth2_client_credentials', 'api_key')),
    token_url            text,
    auth_client_id       text,
    -- The client secret or API key and the partner's webhook secret, sealed with the personal-data keys.
    secret_key_id        text        NOT NULL,
    secret_sealed        bytea       NOT NULL,
    webhook_secret_sealed bytea      NOT NULL,
    status               text        NOT NULL CHECK (status IN ('active', 'suspended')),
    version              bigint      NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((auth_type = 'oauth2_client_credentials') = (token_url IS NOT NULL AND auth_client_id IS NOT NULL))
);

-- A customer's member id at a partner, linked with the customer's consent (a customer-bound token).
CREATE TABLE partner_member_link (
    customer_id          uuid        NOT NULL,
    partner_id           uuid        NOT NULL REFERENCES partner (id),
    member_id            text        NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, partner_id),
    UNIQUE (partner_id, member_id)
);

-- Dated terms per partner and direction: the latest effective_from at or before a moment is in force then.
-- outbound: partner points = floor(our points × rate); inbound: our points = floor(partner points × rate).
CREATE TABLE partner_exchange_terms (
    id                   uuid        PRIMARY KEY,
    partner_id           uuid        NOT NULL REFERENCES partner (id),
    direction            text        NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    effective_from       timestamptz NOT NULL,
    rate_numerator       bigint      NOT NULL CHECK (rate_numerator > 0),
    rate_denominator     bigint      NOT NULL CHECK (rate_denominator > 0),
    -- in the points the customer gives (ours outbound, the partner's inbound)
    minimum              bigint      NOT NULL CHECK (minimum > 0),
    step                 bigint      NOT NULL CHECK (step > 0),
    customer_daily_cap   bigint      NOT NULL CHECK (customer_daily_cap > 0),
    customer_monthly_cap bigint      NOT NULL CHECK (customer_monthly_cap > 0),
    global_daily_cap     bigint      NOT NULL CHECK (global_daily_cap > 0),
    -- the money one partner point settles at between the partner and the platform
    settlement_price     bigint      NOT NULL CHECK (settlement_price >= 0),
    currency             char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_by           text        NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, direction, effective_from)
);

-- One exchange, either direction. reference: the key the partner knows it by (theirs inbound, ours outbound).
CREATE TABLE partner_exchange (
    id                   uuid        PRIMARY KEY,
    partner_id           uuid        NOT NULL REFERENCES partner (id),
    direction            text        NOT NULL CHECK (direction IN ('outbound', 'inbound', 'compensation')),
    reference            text        NOT NULL,
    customer_id          uuid        NOT NULL,
    member_id            text        NOT NULL,
    terms_id             uuid        NOT NULL REFERENCES partner_exchange_terms (id),
    our_points           bigint      NOT NULL CHECK (our_points >= 0),
    partner_points       bigint      NOT NULL CHECK (partner_points >= 0),
    settlement_amount    bigint      NOT NULL CHECK (settlement_amount >= 0),
    currency             char(3)     NOT NULL,
    -- pending (outbound: our points held, the partner's answer unknown) → completed | failed; completed → reversed
    state                text        NOT NULL CHECK (state IN ('pending', 'completed', 'failed', 'reversed')),
    failure              text,
    -- the outbound exchange a compensation makes good (the partner credited after we released)
    compensates          uuid        REFERENCES partner_exchange (id),
    attempts             int         NOT NULL DEFAULT 0,
    next_check_at        timestamptz,
    business_date        date        NOT NULL,
    created_at           timestamptz NOT NULL,
    resolved_at          timestamptz,
    UNIQUE (partner_id, direction, reference)
);
CREATE INDEX partner_exchange_pending_idx ON partner_exchange (next_check_at) WHERE state = 'pending';
CREATE INDEX partner_exchange_day_idx ON partner_exchange (partner_id, business_date, id);
CREATE INDEX partner_exchange_customer_idx ON partner_exchange (customer_id, created_at);
CREATE UNIQUE INDEX partner_exchange_compensation_idx ON partner_exchange (compensates) WHERE compensates IS NOT NULL;

-- Cap counters: one row per partner, direction, period and customer (the nil uuid for the partner's global cap),
-- raised with a conditional upsert so a cap holds under any concurrency.
CREATE TABLE partner_exchange_usage (
    partner_id           uuid        NOT NULL,
    direction            text        NOT NULL,
    period               text        NOT NULL CHECK (period IN ('day', 'month')),
    period_start         date        NOT NULL,
    customer_id          uuid        NOT NULL,
    points               bigint      NOT NULL CHECK (points >= 0),
    PRIMARY KEY (partner_id, direction, period, period_start, customer_id)
);

-- A partner's own file of a day's exchanges, as uploaded, to compare with ours.
CREATE TABLE partner_file_line (
    partner_id           uuid        NOT NULL REFERENCES partner (id),
    business_date        date        NOT NULL,
    direction            text        NOT NULL CHECK (direction IN ('outbound', 'inbound', 'compensation')),
    reference            text        NOT NULL,
    partner_points       bigint      NOT NULL CHECK (partner_points >= 0),
    uploaded_at          timestamptz NOT NULL,
    PRIMARY KEY (partner_id, business_date, direction, reference)
);

-- Points held for an outbound exchange (package points): taken from the customer's lots at once, then posted
-- (gone to the partner) or released (back in new lots of the same funder and expiry).
CREATE TABLE points_exchange_hold (
    hold_id              uuid        NOT NULL,
    lot_id               uuid        NOT NULL REFERENCES points_lot (id),
    customer_id          uuid        NOT NULL,
    funder               text        NOT NULL,
    points               bigint      NOT NULL CHECK (points > 0),
    state                text        NOT NULL CHECK (state IN ('held', 'posted', 'released')),
    PRIMARY KEY (hold_id, lot_id)
);

ALTER TABLE points_entry DROP CONSTRAINT points_entry_kind_check;
ALTER TABLE points_entry ADD CONSTRAINT points_entry_kind_check CHECK (kind IN ('earned', 'became_available',
    'voided', 'clawed_back', 'redeemed', 'redemption_returned', 'expired', 'adjusted',
    'exchange_held', 'exchange_released', 'exchanged_in', 'exchange_reversed'));
