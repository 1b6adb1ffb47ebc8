-- Bulk upserts find a merchant's products by the key its ERP knows them by: external_id, unique per merchant
-- (absent for products created one by one without one).
ALTER TABLE product ADD COLUMN external_id text;
ALTER TABLE product ADD CONSTRAINT product_external_id_key UNIQUE (merchant_id, external_id);

-- Change feeds: every write of a product or a stock level appends a row to change_log in the same transaction
-- (triggers, so cascaded deletes such as a removed variant's stock levels are recorded too). Integrators page
-- through the log by position to mirror products and stock without re-reading them.
--
-- Commit order is not insertion order: a row inserted first (lower id) may commit after a later one has been
-- read, and a poller that moved past it would never see it. So the feed's position is not the insertion id but
-- is assigned afterwards, by settle_changes(), only to rows whose transaction is older than every transaction
-- still running (txid < xmin of the current snapshot): no row can ever appear below a position already handed
-- out. See decision 12.

CREATE TABLE change_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    -- Assigned once settled; increasing in the order the feed serves.
    position    bigint      UNIQUE,
    feed        text        NOT NULL CHECK (feed IN ('products', 'stock')),
    merchant_id uuid        NOT NULL,
    -- products: the product; stock: the variant (with location_id).
    entity_id   uuid        NOT NULL,
    location_id uuid,
    kind        text        NOT NULL CHECK (kind IN ('upserted', 'deleted')),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((feed = 'stock') = (location_id IS NOT NULL))
);
CREATE INDEX change_log_unsettled_idx ON change_log (txid, id) WHERE position IS NULL;
CREATE INDEX change_log_feed_idx ON change_log (feed, position) WHERE position IS NOT NULL;
CREATE INDEX change_log_merchant_feed_idx ON change_log (merchant_id, feed, position) WHERE position IS NOT NULL;

CREATE FUNCTION record_product_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, kind) VALUES ('products', OLD.merchant_id, OLD.id, 'deleted');
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, kind) VALUES ('products', NEW.merchant_id, NEW.id, 'upserted');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER product_change AFTER INSERT OR DELETE ON product
    FOR EACH ROW EXECUTE FUNCTION record_product_change();
CREATE TRIGGER product_change_on_update AFTER UPDATE ON product
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_product_change();

CREATE FUNCTION record_stock_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind)
        VALUES ('stock', OLD.merchant_id, OLD.variant_id, OLD.location_id, 'deleted');
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind)
        VALUES ('stock', NEW.merchant_id, NEW.variant_id, NEW.location_id, 'upserted');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_change AFTER INSERT OR DELETE ON stock_level
    FOR EACH ROW EXECUTE FUNCTION record_stock_change();
CREATE TRIGGER stock_change_on_update AFTER UPDATE ON stock_level
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_stock_change();

-- Hands out positions to the rows of every finished transaction older than all running ones, in transaction
-- order. Serialized by an advisory lock (transaction-scoped), so positions become visible in increasing order on
-- every node. Called by the feed before each read; cheap when nothing is pending (a partial index).
CREATE FUNCTION settle_changes() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7277712);
    WITH pending AS (
        SELECT id, row_number() OVER (ORDER BY txid, id) AS rank
        FROM change_log
        WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ), settled AS (
        SELECT coalesce(max(position), 0) AS top FROM change_log
    )
    UPDATE change_log SET position = settled.top + pending.rank
    FROM pending, settled
    WHERE change_log.id = pending.id;
END
$$;
