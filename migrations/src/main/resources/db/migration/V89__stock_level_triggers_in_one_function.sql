-- Every write of stock levels (a lease, a checkout, a reservation's end, a bulk update) fired three statement
-- triggers of its own: the stock feed's (V9, V32, V39), the listings' in_stock (V8) and the sold-out announcement
-- (V61), each a plpgsql call reading the same transition tables, the update's pairing its old and new rows again.
-- About 1 ms of a lease's create and commit (decision 91). Now one function per statement does the three (decision
-- 99): an update pairs its rows once; the listings are recomputed, and the announcement sent, only when a level
-- crossed zero available or has more available than before (a sale does neither unless it sells out).
--
-- The rows are the same as before: the feed gets every inserted and deleted level and every updated one that changed
-- (with the writer's reason and the deltas); the listings' products of levels that crossed zero available (of
-- inserted levels with stock, of deleted ones that had stock); the announcement names the variants whose available
-- rose above what it was (inserts: any with stock), '*' beyond 100.
DROP TRIGGER stock_changes_on_insert ON stock_level;
DROP TRIGGER stock_changes_on_update ON stock_level;
DROP TRIGGER stock_changes_on_delete ON stock_level;
DROP TRIGGER stock_listing_search_insert ON stock_level;
DROP TRIGGER stock_listing_search_update ON stock_level;
DROP TRIGGER stock_listing_search_delete ON stock_level;
DROP TRIGGER stock_available_on_insert ON stock_level;
DROP TRIGGER stock_available_on_update ON stock_level;
DROP FUNCTION record_stock_changes();
DROP FUNCTION listing_search_stock_inserted();
DROP FUNCTION listing_search_stock_updated();
DROP FUNCTION listing_search_stock_deleted();
DROP FUNCTION notify_stock_available();

-- The pairing below runs with nested loops off (transition tables have no statistics; see V9), and listings'
-- recomputation is called from inside it: it plans with its own setting, the default, as it did from the triggers
-- before (with nested loops off, its per-product EXISTS over variants and levels would become a scan of all stock).
ALTER FUNCTION listing_search_restock(uuid[]) SET enable_nestloop = on;

CREATE FUNCTION stock_levels_changed() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
    crossed_zero   uuid[]; -- variants of levels that became available or ceased to be
    more_available uuid[]; -- variants with more available at a level than before, some of it
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'upserted', 'created', on_hand,
               reserved
        FROM new_levels;
        SELECT array_agg(DISTINCT variant_id) INTO crossed_zero FROM new_levels WHERE on_hand > reserved;
        more_available := crossed_zero;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH levels AS (
            SELECT n.merchant_id, n.variant_id, n.location_id, n.sku, n.location_code, n.last_change_reason,
                   n.on_hand - o.on_hand AS on_hand_delta, n.reserved - o.reserved AS reserved_delta,
                   o IS DISTINCT FROM n AS changed,
                   n.on_hand - n.reserved AS available, o.on_hand - o.reserved AS available_before
            FROM new_levels n JOIN old_levels o USING (variant_id, location_id)
        ), logged AS (
            INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                    on_hand_delta, reserved_delta)
            SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'upserted', last_change_reason,
                   on_hand_delta, reserved_delta
            FROM levels
            WHERE changed
        )
        SELECT array_agg(DISTINCT variant_id) FILTER (WHERE (available > 0) <> (available_before > 0)),
               array_agg(DISTINCT variant_id) FILTER (WHERE available > 0 AND available > available_before)
        INTO crossed_zero, more_available
        FROM levels;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'deleted', 'deleted', -on_hand,
               -reserved
        FROM old_levels;
        -- A deleted variant's levels (cascaded) no longer name their product: variant_listing_search_delete has them.
        SELECT array_agg(DISTINCT variant_id) INTO crossed_zero FROM old_levels WHERE on_hand > reserved;
    END IF;
    IF crossed_zero IS NOT NULL THEN
        PERFORM listing_search_restock(ARRAY(SELECT DISTINCT product_id FROM product_variant
                                             WHERE id = ANY (crossed_zero)));
    END IF;
    IF more_available IS NOT NULL THEN
        PERFORM pg_notify('stock_available', CASE WHEN cardinality(more_available) > 100 THEN '*'
                                                  ELSE array_to_string(more_available, ',') END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_levels_inserted AFTER INSERT ON stock_level
    REFERENCING NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION stock_levels_changed();
CREATE TRIGGER stock_levels_updated AFTER UPDATE ON stock_level
    REFERENCING OLD TABLE AS old_levels NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION stock_levels_changed();
CREATE TRIGGER stock_levels_deleted AFTER DELETE ON stock_level
    REFERENCING OLD TABLE AS old_levels FOR EACH STATEMENT EXECUTE FUNCTION stock_levels_changed();
