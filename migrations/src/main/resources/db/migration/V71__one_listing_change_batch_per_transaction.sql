-- A bulk creation (decision 81) inserts products, their variants and their stock in one transaction, one statement
-- each, and each statement's trigger announced its products: with more than 100, each through its own
-- listing_change_batch row, payloads PostgreSQL does not fold, so every node re-read each product two or three times.
-- A transaction now writes at most one batch: the first statement announcing more than 100 products opens it (its id
-- in a transaction-local setting, undone with a savepoint rolled back, as the row is), and every later announcement
-- of the transaction adds its products to that row and announces the same '#<batch id>' again, which PostgreSQL
-- folds into one notification. Listeners read the row after the commit, so they see every product once.

CREATE OR REPLACE FUNCTION notify_listing_changes(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    batch bigint := nullif(current_setting('marketplace.listing_change_batch', true), '')::bigint;
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    IF batch IS NOT NULL THEN
        UPDATE listing_change_batch SET product_ids = ARRAY(SELECT DISTINCT unnest(product_ids || products))
        WHERE id = batch;
        PERFORM pg_notify('listing_changes', '#' || batch);
        RETURN;
    END IF;
    IF cardinality(products) <= 100 THEN
        PERFORM pg_notify('listing_changes', array_to_string(products, ','));
        RETURN;
    END IF;
    DELETE FROM listing_change_batch WHERE created_at < now() - interval '1 hour';
    INSERT INTO listing_change_batch (product_ids) VALUES (products) RETURNING id INTO batch;
    PERFORM set_config('marketplace.listing_change_batch', batch::text, true);
    PERFORM pg_notify('listing_changes', '#' || batch);
END
$$;
