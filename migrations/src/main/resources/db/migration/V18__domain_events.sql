-- Domain events (issue 13, decision 25): one transactional outbox for every domain, written in the transaction of
-- the change, read by durable subscribers in the server process. Replaces money_event, whose history moves here.

-- Positions are handed out like change_log's (V7, V9): only once every transaction older than the event's has
-- finished, by the same settle_changes(), so a subscriber reading by position never skips an event whose
-- transaction commits late. id is the insertion order; event_id names the event to the outside (webhooks).
CREATE TABLE domain_event (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    txid           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    position       bigint      UNIQUE,
    -- One event per fact, whoever records it and however often (e.g. payment_captured:<payment>).
    idempotency_id text        NOT NULL UNIQUE,
    -- The catalogue is EventType in the server (platform/events); its payloads are documented there.
    type           text        NOT NULL CHECK (type ~ '^[a-z][a-z_]*$'),
    -- Whom the event concerns, each null where it has none (a plan fee has no order, a payout no customer).
    order_id       uuid,
    sub_order_id   uuid,
    merchant_id    uuid,
    customer_id    uuid,
    payload        jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_event_unsettled_idx ON domain_event (txid, id) WHERE position IS NULL;
CREATE INDEX domain_event_order_idx ON domain_event (order_id, id);
-- A subscriber reads the settled events of its types after its cursor.
CREATE INDEX domain_event_type_idx ON domain_event (type, position) WHERE position IS NOT NULL;

-- settled_through: the highest position handed out to an event (the lag of a subscriber is measured against it).
CREATE TABLE domain_event_feed (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    settled_through bigint  NOT NULL
);

-- money_event's history, in its order, with each movement's ledger legs (positive debits, negative credits, summing
-- to zero): the same legs MoneyMovement computes for new events.
INSERT INTO domain_event (event_id, position, idempotency_id, type, order_id, sub_order_id, merchant_id, customer_id,
                          payload, occurred_at)
SELECT id, row_number() OVER (ORDER BY position), idempotency_id, type, order_id, sub_order_id, merchant_id,
       customer_id,
       jsonb_build_object(
           'amount', jsonb_build_object('amount', amount, 'currency', currency),
           'legs', CASE type
               WHEN 'payment_captured' THEN jsonb_build_array(
                   jsonb_build_object('account', 'customer_payments', 'amount', amount, 'currency', currency),
                   jsonb_build_object('account', 'escrow', 'amount', -amount, 'currency', currency))
               WHEN 'escrow_released' THEN jsonb_build_array(
                   jsonb_build_object('account', 'escrow', 'amount', amount, 'currency', currency),
                   jsonb_build_object('account', 'merchant_payable:' || merchant_id, 'amount', -amount, 'currency', currency))
               WHEN 'commission_accrued' THEN jsonb_build_array(
                   jsonb_build_object('account', 'merchant_payable:' || merchant_id, 'amount', amount, 'currency', currency),
                   jsonb_build_object('account', 'platform_commission_revenue', 'amount', -amount, 'currency', currency))
               WHEN 'commission_reversed' THEN jsonb_build_array(
                   jsonb_build_object('account', 'platform_commission_revenue', 'amount', amount, 'currency', currency),
                   jsonb_build_object('account', 'merchant_payable:' || merchant_id, 'amount', -amount, 'currency', currency))
               WHEN 'payment_refunded' THEN jsonb_build_array(
                   jsonb_build_object('account', 'refunds_clearing', 'amount', amount, 'currency', currency),
                   jsonb_build_object('account', 'customer_payments', 'amount', -amount, 'currency', currency))
               -- payment_authorized, payment_voided: funds held or let go at the provider; nothing moves in the ledger.
               ELSE '[]'::jsonb
           END),
       occurred_at
FROM money_event
ORDER BY position;
INSERT INTO domain_event_feed (settled_through) SELECT count(*) FROM domain_event;
DROP TABLE money_event;

-- Settles change_log as V9's version did, then domain_event the same way (its own counter), under the one lock.
DROP FUNCTION settle_changes();
CREATE FUNCTION settle_changes() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changes bigint;
    events  bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_log
                   WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot()))
       AND NOT EXISTS (SELECT 1 FROM domain_event
                       WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7277712);
    WITH pending AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY txid, id) AS rank
        FROM change_log
        WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ), counter AS (
        UPDATE change_feed SET settled_through = settled_through + (SELECT count(*) FROM pending)
        RETURNING settled_through - (SELECT count(*) FROM pending) AS base
    )
    UPDATE change_log SET position = counter.base + pending.rank
    FROM pending, counter
    WHERE change_log.id = pending.id;
    GET DIAGNOSTICS changes = ROW_COUNT;
    WITH pending AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY txid, id) AS rank
        FROM domain_event
        WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ), counter AS (
        UPDATE domain_event_feed SET settled_through = settled_through + (SELECT count(*) FROM pending)
        RETURNING settled_through - (SELECT count(*) FROM pending) AS base
    )
    UPDATE domain_event SET position = counter.base + pending.rank
    FROM pending, counter
    WHERE domain_event.id = pending.id;
    GET DIAGNOSTICS events = ROW_COUNT;
    RETURN changes + events;
END
$$;

-- A subscriber's durable cursor (the last position it handled) and its lease: one node at a time handles its
-- events; a node that stops renewing (killed) loses it at lease_expires_at. failing_position/failures count the
-- attempts at the event that keeps failing, until it is parked.
CREATE TABLE event_subscription (
    name             text        PRIMARY KEY,
    position         bigint      NOT NULL DEFAULT 0,
    lease_holder     text,
    lease_expires_at timestamptz,
    failing_position bigint,
    failures         integer     NOT NULL DEFAULT 0,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Events a subscriber gave up on after repeated failures, with the error, so it could carry on with the rest.
CREATE TABLE parked_event (
    subscriber     text        NOT NULL REFERENCES event_subscription (name),
    event_position bigint      NOT NULL,
    event_id       uuid        NOT NULL,
    attempts       integer     NOT NULL,
    error          text        NOT NULL,
    parked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscriber, event_position)
);
