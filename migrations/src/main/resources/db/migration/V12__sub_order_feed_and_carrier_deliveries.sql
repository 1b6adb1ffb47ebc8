-- The sub-order feed for merchants' ERPs (GET /v1/sub-orders/changes): every insert and every change of a
-- sub-order is recorded in change_log by a statement-level trigger in the writing transaction, like the stock
-- feed (V9). Sub-orders are never deleted, so the feed has no tombstones.
ALTER TABLE change_log DROP CONSTRAINT change_log_feed_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_feed_check CHECK (feed IN ('products', 'stock', 'sub_orders'));

CREATE FUNCTION record_sub_order_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (feed, merchant_id, entity_id, kind)
    SELECT 'sub_orders', merchant_id, id, 'upserted' FROM changed_sub_orders;
    RETURN NULL;
END
$$;

CREATE TRIGGER sub_order_changes_on_insert AFTER INSERT ON sub_order
    REFERENCING NEW TABLE AS changed_sub_orders FOR EACH STATEMENT EXECUTE FUNCTION record_sub_order_changes();
CREATE TRIGGER sub_order_changes_on_update AFTER UPDATE ON sub_order
    REFERENCING NEW TABLE AS changed_sub_orders FOR EACH STATEMENT EXECUTE FUNCTION record_sub_order_changes();

-- Carriers report deliveries per parcel (POST /webhooks/carriers/{carrier}): a sub-order is delivered once every
-- parcel of it, fully shipped, is. Carriers are matched by name ignoring case, as merchants type them.
ALTER TABLE shipment ADD COLUMN delivered_at timestamptz;
CREATE INDEX shipment_carrier_tracking_idx ON shipment (lower(carrier), tracking_number);
