-- Issue 22: a product's own handling time (decision 65). Days from payment to the promised shipment of a sub-order
-- holding it, instead of its merchant's merchant.handling_days (V46); NULL: the merchant's. The sub-order's
-- ship_by_at follows its longest line.
ALTER TABLE product ADD COLUMN handling_days smallint CHECK (handling_days BETWEEN 0 AND 60);

-- One trigger function for the change notifications of listing_search and product_variant rows, where V13 and V47
-- had two of the same body (one reading the new rows, one the old): each trigger now names its transition table
-- changed_rows, the inserted or updated rows, or the deleted ones. What is announced does not change.
CREATE FUNCTION notify_listing_changes_of_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM changed_rows));
    RETURN NULL;
END
$$;

DROP TRIGGER listing_search_notify_insert ON listing_search;
DROP TRIGGER listing_search_notify_update ON listing_search;
DROP TRIGGER listing_search_notify_delete ON listing_search;
DROP TRIGGER product_variant_notify_insert ON product_variant;
DROP TRIGGER product_variant_notify_update ON product_variant;
DROP TRIGGER product_variant_notify_delete ON product_variant;

CREATE TRIGGER listing_search_notify_insert AFTER INSERT ON listing_search
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();
CREATE TRIGGER listing_search_notify_update AFTER UPDATE ON listing_search
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();
CREATE TRIGGER listing_search_notify_delete AFTER DELETE ON listing_search
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();
CREATE TRIGGER product_variant_notify_insert AFTER INSERT ON product_variant
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();
CREATE TRIGGER product_variant_notify_update AFTER UPDATE ON product_variant
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();
CREATE TRIGGER product_variant_notify_delete AFTER DELETE ON product_variant
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_listing_changes_of_changed_rows();

DROP FUNCTION notify_listing_changes_of_new_rows();
DROP FUNCTION notify_listing_changes_of_old_rows();
