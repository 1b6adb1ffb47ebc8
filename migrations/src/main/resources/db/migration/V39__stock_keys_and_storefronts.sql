-- Stock levels and stock changes carry the ERP's own keys (issue 19): the variant's SKU and the location's code, so
-- an ERP mirroring stock needs no lookup per row. Both keys are fixed for the life of a level (the catalog replaces a
-- variant whose SKU changes by a new one; a location's code cannot be changed), so they are copied once, when the
-- level is created, and into each change_log entry by the statement trigger (a removed level's tombstone keeps them).

ALTER TABLE stock_level ADD COLUMN sku text, ADD COLUMN location_code text;
-- Filling in the keys changes no stock: with the table's triggers on, every level would announce a change to the stock
-- feed and the listings (found by UpgradeFromPreviousReleaseIT).
ALTER TABLE stock_level DISABLE TRIGGER USER;
UPDATE stock_level l SET sku = v.sku, location_code = s.code
FROM product_variant v, stock_location s
WHERE v.id = l.variant_id AND s.id = l.location_id;
ALTER TABLE stock_level ENABLE TRIGGER USER;
ALTER TABLE stock_level ALTER COLUMN sku SET NOT NULL, ALTER COLUMN location_code SET NOT NULL;

-- Whoever inserts a level (the inventory's writers, the demo data's COPY) names only ids: the keys are looked up
-- here, by primary key, once per new level.
CREATE FUNCTION stock_level_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT sku INTO NEW.sku FROM product_variant WHERE id = NEW.variant_id;
    SELECT code INTO NEW.location_code FROM stock_location WHERE id = NEW.location_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER stock_level_keys BEFORE INSERT ON stock_level FOR EACH ROW EXECUTE FUNCTION stock_level_keys();

ALTER TABLE change_log ADD COLUMN sku text, ADD COLUMN location_code text;
UPDATE change_log c SET sku = l.sku, location_code = l.location_code
FROM stock_level l
WHERE c.feed = 'stock' AND l.variant_id = c.entity_id AND l.location_id = c.location_id;

CREATE OR REPLACE FUNCTION record_stock_changes() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'deleted', 'deleted', -on_hand,
               -reserved
        FROM old_levels;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', merchant_id, variant_id, location_id, sku, location_code, 'upserted', 'created', on_hand,
               reserved
        FROM new_levels;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, sku, location_code, kind, reason,
                                on_hand_delta, reserved_delta)
        SELECT 'stock', n.merchant_id, n.variant_id, n.location_id, n.sku, n.location_code, 'upserted',
               n.last_change_reason, n.on_hand - o.on_hand, n.reserved - o.reserved
        FROM new_levels n JOIN old_levels o USING (variant_id, location_id)
        WHERE o IS DISTINCT FROM n;
    END IF;
    RETURN NULL;
END
$$;

-- Storefronts as a resource (issue 19): the operator registers a storefront and gets its id, the principal its clients
-- are then created for (principalType storefront), instead of an id the operator makes up.
CREATE TABLE storefront (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL,
    url              text,
    default_language text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
