-- Set-based ledger posting (issue 14, decision 53). The subscriber now inserts a whole batch's entries in one
-- statement; the per-row entry trigger of V20 (a txid lookup and a balance UPDATE per entry: the hot accounts such as
-- escrow were updated once per entry) becomes one per statement, with the same guarantees:
--   * an entry joins only a transaction created by the same database transaction;
--   * each account's running balance moves by the sum of the statement's entries on it: one UPDATE per account,
--     accounts locked in id order (concurrent writers never deadlock on balances).
-- The deferred per-transaction balance check (ledger_transaction_balanced) is unchanged.
DROP TRIGGER ledger_entry_posted ON ledger_entry;
DROP FUNCTION ledger_entry_posted();

CREATE FUNCTION ledger_entries_posted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    foreign_transaction bigint;
BEGIN
    SELECT t.id INTO foreign_transaction
    FROM (SELECT DISTINCT transaction_id FROM posted) AS p JOIN ledger_transaction t ON t.id = p.transaction_id
    WHERE t.txid <> pg_current_xact_id()
    LIMIT 1;
    IF foreign_transaction IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % was created by another database transaction', foreign_transaction
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    PERFORM 1 FROM ledger_account WHERE id IN (SELECT account_id FROM posted) ORDER BY id FOR NO KEY UPDATE;
    UPDATE ledger_account a SET balance = a.balance + moved.total
    FROM (SELECT account_id, sum(amount)::bigint AS total FROM posted GROUP BY account_id) AS moved
    WHERE a.id = moved.account_id;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_posted AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS posted FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_posted();
