-- Servers keep serialized listings and search pages in memory (decision 19). Every change that can alter what a
-- listing or a search page shows is announced on the channel listing_changes, which PostgreSQL delivers to every
-- listening server node when (and only if) the writing transaction commits, in commit order. The payload names the
-- changed products (comma-separated ids), or is '*' when more than 100 products or anything else (categories)
-- changed: a node then drops everything it holds. One notification per statement, never per row.
--
-- What a listing shows comes from product and product_variant; whether it is listed, and the inStock filter, from
-- listing_search, whose rows the V8 triggers rewrite on every product update, merchant status change, stock
-- crossing zero and variant deletion; category filters follow catalog_category's materialized paths.

CREATE FUNCTION notify_listing_changes(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(products) > 0 THEN
        PERFORM pg_notify('listing_changes',
                          CASE WHEN cardinality(products) <= 100 THEN array_to_string(products, ',') ELSE '*' END);
    END IF;
END
$$;

-- At most 101 ids are collected: more than 100 is announced as '*' anyway, and a bulk statement's transition table
-- may hold hundreds of thousands of rows.
CREATE FUNCTION notify_listing_changes_of_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM (SELECT product_id FROM new_rows LIMIT 101) n));
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_listing_changes_of_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM (SELECT product_id FROM old_rows LIMIT 101) o));
    RETURN NULL;
END
$$;

CREATE FUNCTION notify_all_listings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('listing_changes', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER listing_search_notify_insert AFTER INSERT ON listing_search
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_new_rows();
CREATE TRIGGER listing_search_notify_update AFTER UPDATE ON listing_search
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_new_rows();
CREATE TRIGGER listing_search_notify_delete AFTER DELETE ON listing_search
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_old_rows();

CREATE TRIGGER product_variant_notify_insert AFTER INSERT ON product_variant
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_new_rows();
CREATE TRIGGER product_variant_notify_update AFTER UPDATE ON product_variant
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_new_rows();
CREATE TRIGGER product_variant_notify_delete AFTER DELETE ON product_variant
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_old_rows();

CREATE TRIGGER catalog_category_notify AFTER INSERT OR UPDATE OR DELETE ON catalog_category
    FOR EACH STATEMENT EXECUTE FUNCTION notify_all_listings_changed();
