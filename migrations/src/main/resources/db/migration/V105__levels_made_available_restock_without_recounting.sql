-- A product one of whose levels this statement made available is in stock: no need to count its stock again (decision
-- 121). Before, every product of a level that crossed zero available, either way, was recomputed with an EXISTS over
-- its variants and their levels (V8). A bulk stock update that brings a tenth of its levels back into stock recomputed
-- ~800 products per 10,000 levels this way: 150 ms of its trigger's 560 ms at load 34, most of it reading the variants'
-- and levels' pages again.
--
-- Why it holds under concurrency: the level was written (or inserted) by this transaction, which keeps it locked (or
-- unseen) until it commits, so nobody can take its stock before then; whoever takes it afterwards crosses zero and
-- recounts under V8's protocol (lock the listing, then read), seeing this commit. The listings are still locked first,
-- all in product order in one statement, exactly as before: the lock order and the "last to lock sees the other"
-- argument of V8 are unchanged. Products of levels that ceased to be available are recounted as before.
CREATE FUNCTION listing_search_restock(products uuid[], made_available uuid[]) RETURNS void LANGUAGE plpgsql
    SET enable_nestloop = on AS $$
DECLARE
    recounted uuid[] := ARRAY(SELECT unnest(products) EXCEPT SELECT unnest(made_available));
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM listing_search WHERE product_id = ANY (products) ORDER BY product_id FOR UPDATE;
    UPDATE listing_search SET in_stock = true WHERE product_id = ANY (made_available) AND NOT in_stock;
    IF cardinality(recounted) = 0 THEN
        RETURN;
    END IF;
    UPDATE listing_search s SET in_stock = NOT s.in_stock
    WHERE s.product_id = ANY (recounted)
      AND s.in_stock <> EXISTS (SELECT 1 FROM product_variant v JOIN stock_level l ON l.variant_id = v.id
                                WHERE v.product_id = s.product_id AND l.on_hand > l.reserved);
END
$$;

-- The variants' and products' callers (V8) know of no level made available: one way, with none.
CREATE OR REPLACE FUNCTION listing_search_restock(products uuid[]) RETURNS void LANGUAGE sql
    SET enable_nestloop = on AS $$
    SELECT listing_search_restock(products, '{}'::uuid[]);
$$;

CREATE OR REPLACE FUNCTION stock_levels_changed() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
DECLARE
    crossed_zero   uuid[]; -- variants of levels that became available or ceased to be
    made_available uuid[]; -- of those, the variants of levels that became available
    more_available uuid[]; -- variants with more available at a level than before, some of it
    products       uuid[];
    products_made_available uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'upserted', 'created', on_hand,
               reserved
        FROM new_levels;
        SELECT array_agg(DISTINCT variant_id) INTO crossed_zero FROM new_levels WHERE on_hand > reserved;
        made_available := crossed_zero;
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
               array_agg(DISTINCT variant_id) FILTER (WHERE available > 0 AND available_before <= 0),
               array_agg(DISTINCT variant_id) FILTER (WHERE available > 0 AND available > available_before)
        INTO crossed_zero, made_available, more_available
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
        -- The variants' products in one read: every product whose stock crossed zero, and those made available.
        SELECT coalesce(array_agg(DISTINCT product_id), '{}'),
               coalesce(array_agg(DISTINCT product_id) FILTER (WHERE id = ANY (made_available)), '{}')
        INTO products, products_made_available
        FROM product_variant WHERE id = ANY (crossed_zero);
        PERFORM listing_search_restock(products, products_made_available);
    END IF;
    IF more_available IS NOT NULL THEN
        PERFORM pg_notify('stock_available', CASE WHEN cardinality(more_available) > 100 THEN '*'
                                                  ELSE array_to_string(more_available, ',') END);
    END IF;
    RETURN NULL;
END
$$;
