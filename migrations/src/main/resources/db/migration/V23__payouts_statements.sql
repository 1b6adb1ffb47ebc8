-- Payouts, operator adjustments and statements (issue 14, part 2b; decision 32). Package settlement.

-- What each posted event was, as its idempotency id (payment_refunded:{refund}, payout_paid:{payout},
-- adjustment:{adjustment}, escrow_released:{sub-order}, …): how a statement line is traced to its cause. Written by
-- the posting subscriber with the event; immutable like the ledger.
CREATE TABLE ledger_reference (
    event_id  uuid PRIMARY KEY,
    reference text NOT NULL
);
CREATE INDEX ledger_reference_reference_idx ON ledger_reference (reference);
INSERT INTO ledger_reference (event_id, reference)
SELECT t.event_id, e.idempotency_id FROM ledger_transaction t JOIN domain_event e ON e.event_id = t.event_id;
CREATE TRIGGER ledger_reference_immutable BEFORE UPDATE OR DELETE ON ledger_reference
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

-- A payout of a merchant's available balance in one currency: initiated (money moved from the payable to
-- payouts_clearing), then paid or failed (money back to the payable). One in flight per merchant and currency.
-- The provider is called outside any transaction with the idempotency key payout:{id}; attempted_at is the last
-- call, after which the reconciliation job asks the provider again.
CREATE TABLE payout (
    id                 uuid        PRIMARY KEY,
    merchant_id        uuid        NOT NULL,
    currency           char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount             bigint      NOT NULL CHECK (amount > 0),
    status             text        NOT NULL CHECK (status IN ('initiated', 'paid', 'failed')),
    provider           text        NOT NULL,
    provider_payout_id text,
    failure_code       text,
    initiated_at       timestamptz NOT NULL,
    attempted_at       timestamptz NOT NULL,
    settled_at         timestamptz,
    CHECK ((status = 'initiated') = (settled_at IS NULL)),
    CHECK ((status = 'failed') = (failure_code IS NOT NULL))
);
CREATE UNIQUE INDEX payout_in_flight_idx ON payout (merchant_id, currency) WHERE status = 'initiated';
CREATE INDEX payout_merchant_idx ON payout (merchant_id, initiated_at, id);
CREATE INDEX payout_listing_idx ON payout (initiated_at, id);

-- An operator's credit (amount > 0: the merchant is owed more) or debit (amount < 0) of a merchant's payable,
-- with its reason and who made it.
CREATE TABLE adjustment (
    id           uuid        PRIMARY KEY,
    merchant_id  uuid        NOT NULL,
    currency     char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount       bigint      NOT NULL CHECK (amount <> 0),
    reason       text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX adjustment_merchant_idx ON adjustment (merchant_id, created_at);

-- A closed statement: a merchant's payable in one currency over one calendar month (UTC), as the entries with ids
-- in (after_entry_id, through_entry_id]. Balances are the merchant's view (owed to it positive). Never changes.
CREATE TABLE settlement_statement (
    account_id       bigint      NOT NULL,
    cycle            date        NOT NULL CHECK (extract(day FROM cycle) = 1),
    merchant_id      uuid        NOT NULL,
    currency         char(3)     NOT NULL,
    opening_balance  bigint      NOT NULL,
    closing_balance  bigint      NOT NULL,
    after_entry_id   bigint      NOT NULL,
    through_entry_id bigint      NOT NULL CHECK (through_entry_id >= after_entry_id),
    line_count       bigint      NOT NULL,
    closed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, cycle),
    FOREIGN KEY (account_id, currency) REFERENCES ledger_account (id, currency)
);
CREATE INDEX settlement_statement_merchant_idx ON settlement_statement (merchant_id, cycle);
CREATE TRIGGER settlement_statement_immutable BEFORE UPDATE OR DELETE ON settlement_statement
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
