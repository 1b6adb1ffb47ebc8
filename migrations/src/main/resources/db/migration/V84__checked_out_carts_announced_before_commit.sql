-- Decision 94: a checkout no longer notifies in its own commit. A transaction that notifies holds PostgreSQL's
-- cluster-wide notify lock through its commit's WAL flush (decision 87), so checkouts committed one at a time. The
-- node checking a cart out now announces it ('<id>': forget it) itself, in a batch with other checkouts, committed
-- after the cart's row is locked and before the checkout commits; these triggers no longer announce checked-out carts.
CREATE OR REPLACE FUNCTION announce_cart(changed uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    checked_out boolean;
    payload text;
BEGIN
    -- NULL (no customer, so no payload) for an anonymous cart; no row at all for a cart deleted.
    SELECT c.checked_out_order_id IS NOT NULL,
           c.id || ' ' || c.storefront_id || ' ' || c.customer_id || ' '
               || coalesce(string_agg(l.variant_id::text, ',' ORDER BY l.added_at, l.variant_id), '')
    INTO checked_out, payload
    FROM cart c LEFT JOIN cart_line l ON l.cart_id = c.id
    WHERE c.id = changed
    GROUP BY c.id;
    IF checked_out THEN
        RETURN; -- announced by its checkout, before the checkout committed
    END IF;
    PERFORM pg_notify('cart_changed',
                      CASE WHEN payload IS NULL OR octet_length(payload) > 7000 THEN changed::text ELSE payload END);
END
$$;

-- The checkout's mark (the one update that sets checked_out_order_id) queues no deferred trigger at all.
DROP TRIGGER cart_changed ON cart;
CREATE CONSTRAINT TRIGGER cart_changed AFTER INSERT OR DELETE ON cart
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION announce_changed_cart('id');
CREATE CONSTRAINT TRIGGER cart_updated AFTER UPDATE ON cart
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.checked_out_order_id IS NULL)
    EXECUTE FUNCTION announce_changed_cart('id');
