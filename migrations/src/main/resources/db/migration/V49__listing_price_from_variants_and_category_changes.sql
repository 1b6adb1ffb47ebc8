-- Two gaps in the listing read model and its announcements (decision 59).
--
-- 1. A listing's price is its lowest variant price. product.min_price_amount, which V8 copies to
--    listing_search.min_price_amount (what price filters and sorts read), was written only by the application when it
--    wrote a product's content, so a price changed on product_variant by anything else — an operator's or ERP's bulk
--    SQL, the benchmark's repricing — left the read model at the old price while the listing, built from the
--    variants, showed the new one. Now every statement on product_variant sets the lowest price of the products it
--    touched, when it differs; the product's V8 trigger carries it to listing_search (and V7 records the product in
--    the change feed, as any change of its price is). The application's own writes already agree, so they change
--    nothing more.
--
-- 2. Every statement on catalog_category was announced as '*' (V13): every node dropped its kept listings and filled
--    its whole search index again. What listings depend on is a product's category and that category's ancestors
--    (the category filter includes descendants). So a move — the statement that rewrites a subtree's ancestor_ids —
--    announces the products in the categories whose ancestors changed (by id, or as a V47 batch); a new category has
--    no products and a rename or commission change no effect on listings, so they announce nothing; a deleted
--    category had neither products nor children, but a page kept for it (empty) must give way to the error an unknown
--    category gets, so a delete announces an empty batch, which drops kept pages and re-reads no listing.

CREATE FUNCTION product_lowest_price_from_variants(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    UPDATE product p SET min_price_amount = lowest.amount
    FROM (SELECT product_id, min(price_amount) AS amount FROM product_variant
          WHERE product_id = ANY (products) GROUP BY product_id) lowest
    WHERE p.id = lowest.product_id AND p.min_price_amount <> lowest.amount;
END
$$;

CREATE FUNCTION product_variant_prices_of_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_lowest_price_from_variants(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION product_variant_prices_of_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_lowest_price_from_variants(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    RETURN NULL;
END
$$;

CREATE TRIGGER product_variant_price_insert AFTER INSERT ON product_variant
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_variant_prices_of_new_rows();
CREATE TRIGGER product_variant_price_update AFTER UPDATE ON product_variant
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_variant_prices_of_new_rows();
CREATE TRIGGER product_variant_price_delete AFTER DELETE ON product_variant
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_variant_prices_of_old_rows();

-- Rows already apart (written by SQL before this migration) are set right once.
UPDATE product p SET min_price_amount = lowest.amount
FROM (SELECT product_id, min(price_amount) AS amount FROM product_variant GROUP BY product_id) lowest
WHERE p.id = lowest.product_id AND p.min_price_amount <> lowest.amount;

DROP TRIGGER catalog_category_notify ON catalog_category;

CREATE FUNCTION notify_listing_changes_of_moved_categories() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(
        SELECT s.product_id FROM listing_search s
        WHERE s.category_id IN (SELECT n.id FROM new_categories n JOIN old_categories o ON o.id = n.id
                                WHERE n.ancestor_ids IS DISTINCT FROM o.ancestor_ids)));
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_listing_pages_of_deleted_categories() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_categories) THEN
        RETURN NULL;
    END IF;
    INSERT INTO listing_change_batch (product_ids) VALUES ('{}') RETURNING id INTO batch;
    PERFORM pg_notify('listing_changes', '#' || batch);
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_category_notify_move AFTER UPDATE ON catalog_category
    REFERENCING OLD TABLE AS old_categories NEW TABLE AS new_categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_moved_categories();
CREATE TRIGGER catalog_category_notify_delete AFTER DELETE ON catalog_category
    REFERENCING OLD TABLE AS old_categories FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_pages_of_deleted_categories();
