-- The settlement ledger (issue 14, decision 29): double entry, per currency, written only by the subscriber
-- settlement.ledger-posting. Balance, immutability and running totals are enforced here, not only in Java.

-- An account per name and currency (never two currencies in one account). merchant_id is the owner of the
-- merchant_*:{merchant} accounts, for tenancy. balance = Σ entries (debits positive), kept by the entry trigger.
CREATE TABLE ledger_account (
    id          bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text     NOT NULL CHECK (name ~ '^[a-z][a-z_]*(:[0-9a-f-]{36})?$'),
    currency    char(3)  NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    merchant_id uuid     CHECK ((merchant_id IS NOT NULL) = (name ~ '^merchant_[a-z_]*:')),
    balance     bigint   NOT NULL DEFAULT 0,
    UNIQUE (name, currency),
    UNIQUE (id, currency)
);
CREATE INDEX ledger_account_merchant_idx ON ledger_account (merchant_id, id) WHERE merchant_id IS NOT NULL;

-- One transaction per domain event at most (event_id unique: a replayed event posts nothing). Its cause is the
-- event: type, position, and whom it concerns. txid: only the database transaction that created it adds entries.
CREATE TABLE ledger_transaction (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    event_position bigint      NOT NULL,
    order_id       uuid,
    sub_order_id   uuid,
    merchant_id    uuid,
    customer_id    uuid,
    txid           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    posted_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_transaction_sub_order_idx ON ledger_transaction (sub_order_id) WHERE sub_order_id IS NOT NULL;

-- amount in minor units: positive a debit, negative a credit. The currency is the account's (composite key).
CREATE TABLE ledger_entry (
    id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id bigint  NOT NULL REFERENCES ledger_transaction,
    account_id     bigint  NOT NULL,
    currency       char(3) NOT NULL,
    amount         bigint  NOT NULL CHECK (amount <> 0),
    FOREIGN KEY (account_id, currency) REFERENCES ledger_account (id, currency)
);
CREATE INDEX ledger_entry_transaction_idx ON ledger_entry (transaction_id);
CREATE INDEX ledger_entry_account_idx ON ledger_entry (account_id, id);

-- Immutable: corrections are new (reversing) transactions.
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % rows are immutable', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ledger_transaction_immutable BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

-- An entry joins only a transaction created by the same database transaction (so a committed, checked transaction
-- never gains entries later, whatever runs concurrently), and moves its account's running balance with it.
CREATE FUNCTION ledger_entry_posted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT txid FROM ledger_transaction WHERE id = NEW.transaction_id) <> pg_current_xact_id() THEN
        RAISE EXCEPTION 'ledger transaction % was created by another database transaction', NEW.transaction_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    UPDATE ledger_account SET balance = balance + NEW.amount WHERE id = NEW.account_id;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entry_posted AFTER INSERT ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_posted();

-- At commit: every transaction has at least two entries and Σ debits = Σ credits in each currency. Deferred, so it
-- sees all of the transaction's entries (which only its own database transaction can insert: above).
CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
BEGIN
    IF (SELECT count(*) FROM ledger_entry WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has fewer than two entries', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(currency || ' ' || total, ', ') INTO unbalanced
    FROM (SELECT currency, sum(amount) AS total FROM ledger_entry WHERE transaction_id = NEW.id
          GROUP BY currency HAVING sum(amount) <> 0) AS per_currency;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: %', NEW.id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();

-- Commission accrues in the ledger when the sub-order's escrow is released (decision 29), while the orders domain
-- records it at payment: the subscriber holds each sub-order's commission_accrued here until its escrow_released
-- posts it, or the sub-order's own commission_reversed (rejection, cancellation) voids it. legs: the event's.
CREATE TABLE ledger_pending_commission (
    sub_order_id   uuid   PRIMARY KEY,
    event_id       uuid   NOT NULL UNIQUE,
    event_position bigint NOT NULL,
    order_id       uuid   NOT NULL,
    merchant_id    uuid   NOT NULL,
    customer_id    uuid,
    legs           jsonb  NOT NULL,
    state          text   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted', 'voided')),
    voided_by      uuid   CHECK ((voided_by IS NOT NULL) = (state = 'voided'))
);
