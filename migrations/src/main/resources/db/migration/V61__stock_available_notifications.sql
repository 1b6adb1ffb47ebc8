-- Decision 70: every node remembers the variants it found sold out (nothing available at any location) and refuses
-- their checkouts from memory. A statement that makes stock available again announces its variants on the channel
-- stock_available; PostgreSQL delivers that with the commit, to every node, which then forgets them. Available rises
-- through updates (restock, released or expired reservations, cancellations and returns put back) and inserts of
-- levels with stock. More than 100 variants in one statement (a bulk update) are announced as '*': forget all.
CREATE FUNCTION notify_stock_available() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
    variants uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT variant_id) INTO variants FROM new_levels WHERE on_hand > reserved;
    ELSE
        SELECT array_agg(DISTINCT n.variant_id) INTO variants
        FROM new_levels n JOIN old_levels o USING (variant_id, location_id)
        WHERE n.on_hand - n.reserved > 0 AND n.on_hand - n.reserved > o.on_hand - o.reserved;
    END IF;
    IF variants IS NOT NULL THEN
        PERFORM pg_notify('stock_available',
                          CASE WHEN cardinality(variants) > 100 THEN '*' ELSE array_to_string(variants, ',') END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_available_on_insert AFTER INSERT ON stock_level
    REFERENCING NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION notify_stock_available();
CREATE TRIGGER stock_available_on_update AFTER UPDATE ON stock_level
    REFERENCING OLD TABLE AS old_levels NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION notify_stock_available();
