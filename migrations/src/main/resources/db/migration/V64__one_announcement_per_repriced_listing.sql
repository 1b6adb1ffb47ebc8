-- A statement changing variant prices announced its products twice on listing_changes: once by the variants' own
-- trigger (V13, V54), once more by listing_search's, which V49's lowest-price update of the product reaches through
-- the product's V8 trigger. PostgreSQL folds identical payloads of one transaction, but not two different id lists nor
-- two listing_change_batch rows: with more than 100 products every node re-read each of them twice. The products of
-- that lowest-price update are always among those the variants' trigger has just announced, so while it runs
-- (a transaction-local setting, unset again before it returns) listing_search's triggers announce nothing.

CREATE OR REPLACE FUNCTION product_lowest_price_from_variants(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('marketplace.listings_announced_by_variants', 'on', true);
    UPDATE product p SET min_price_amount = lowest.amount
    FROM (SELECT product_id, min(price_amount) AS amount FROM product_variant
          WHERE product_id = ANY (products) GROUP BY product_id) lowest
    WHERE p.id = lowest.product_id AND p.min_price_amount <> lowest.amount;
    PERFORM set_config('marketplace.listings_announced_by_variants', 'off', true);
END
$$;

CREATE OR REPLACE FUNCTION notify_listing_changes_of_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('marketplace.listings_announced_by_variants', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM changed_rows));
    RETURN NULL;
END
$$;
