-- A partner's daily cap as stripes (decision 75): every exchange of a partner raised one partner-wide row, which then
-- stayed locked to its commit, so the partner's exchanges passed one at a time. Now the day's cap is split into
-- allowances over a few stripe rows; an exchange raises one stripe within its allowance, and only when none has room
-- does it lock them all, check the cap against their sum, and share out what is left again. Σ allowance = the cap the
-- stripes were split for, used <= allowance on each, so Σ used never passes the cap.
CREATE TABLE partner_exchange_day_stripe (
    partner_id           uuid        NOT NULL,
    direction            text        NOT NULL,
    day                  date        NOT NULL,
    stripe               smallint    NOT NULL CHECK (stripe >= 0),
    used                 bigint      NOT NULL CHECK (used >= 0),
    allowance            bigint      NOT NULL,
    -- the global daily cap the allowances were split for: terms with another cap share them out again
    split_for_cap        bigint      NOT NULL,
    PRIMARY KEY (partner_id, direction, day, stripe),
    CHECK (used <= allowance)
);

-- The partner-wide counters (the nil customer id) become stripe 0 of their day, with no room left: the first exchange
-- after this splits the cap in force out again.
INSERT INTO partner_exchange_day_stripe (partner_id, direction, day, stripe, used, allowance, split_for_cap)
SELECT partner_id, direction, period_start, 0, points, points, 0
FROM partner_exchange_usage
WHERE period = 'day' AND customer_id = '00000000-0000-0000-0000-000000000000';
DELETE FROM partner_exchange_usage WHERE customer_id = '00000000-0000-0000-0000-000000000000';
