-- Feed entries say what happened (issue 19), so an ERP need not diff states or tell its own writes from others':
-- each stock change carries its reason and the deltas of on_hand and reserved; each sub-order change the event.
--
-- The reason of a stock write is the writer's, stored on the level by the same UPDATE (one statement for a whole
-- batch, V9) and copied into change_log by the statement trigger: updated (by the merchant's API or a sync),
-- reserved, released (a reservation released or expired), committed (sold), restocked (sold units put back when a
-- paid sub-order is refused or cancelled), returned (a received return restocked). A new level is 'created' and a
-- removed one 'deleted'.
ALTER TABLE stock_level ADD COLUMN last_change_reason text NOT NULL DEFAULT 'updated'
    CHECK (last_change_reason IN ('updated', 'reserved', 'released', 'committed', 'restocked', 'returned'));
ALTER TABLE change_log ADD COLUMN reason text, ADD COLUMN on_hand_delta bigint, ADD COLUMN reserved_delta bigint;

CREATE OR REPLACE FUNCTION record_stock_changes() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind, reason, on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, 'deleted', 'deleted', -on_hand, -reserved FROM old_levels;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind, reason, on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, 'upserted', 'created', on_hand, reserved FROM new_levels;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind, reason, on_hand_delta, reserved_delta)
        SELECT 'stock', n.merchant_id, n.variant_id, n.location_id, 'upserted', n.last_change_reason,
               n.on_hand - o.on_hand, n.reserved - o.reserved
        FROM new_levels n JOIN old_levels o USING (variant_id, location_id)
        WHERE o IS DISTINCT FROM n;
    END IF;
    RETURN NULL;
END
$$;

-- A sub-order change's event: 'placed' when it is created, the status it moved to (paid sub-orders move to
-- awaiting_acceptance, then accepted, partially_shipped, shipped, delivered, closed, rejected, cancelled, expired),
-- or 'updated' when something else changed (a line shipped without a change of status, a tracking number).
ALTER TABLE change_log ADD COLUMN event text;

CREATE OR REPLACE FUNCTION record_sub_order_changes() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, kind, event)
        SELECT 'sub_orders', merchant_id, id, 'upserted', 'placed' FROM changed_sub_orders;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, kind, event)
        SELECT 'sub_orders', n.merchant_id, n.id, 'upserted',
               CASE WHEN n.status IS DISTINCT FROM o.status THEN n.status ELSE 'updated' END
        FROM changed_sub_orders n JOIN old_sub_orders o USING (id);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER sub_order_changes_on_update ON sub_order;
CREATE TRIGGER sub_order_changes_on_update AFTER UPDATE ON sub_order
    REFERENCING OLD TABLE AS old_sub_orders NEW TABLE AS changed_sub_orders
    FOR EACH STATEMENT EXECUTE FUNCTION record_sub_order_changes();
