-- Decision 79: a checkout of a cart whose variant is known sold out is refused from memory, before its
-- Idempotency-Key is claimed, without reading the cart. Every node keeps the open carts as their last committed change
-- announced them: at commit (deferred triggers see the transaction's final state), each changed cart is announced on
-- the channel cart_changed as '<id> <storefront> <customer> <variant>,<variant>…' (the lines in the order checkout
-- reads them), or as '<id>' alone when it is checked out, anonymous, gone, or has too many lines for one payload:
-- forget it. PostgreSQL folds a transaction's identical notifications into one.
CREATE FUNCTION announce_cart(changed uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    SELECT c.id || ' ' || c.storefront_id || ' ' || c.customer_id || ' '
               || coalesce(string_agg(l.variant_id::text, ',' ORDER BY l.added_at, l.variant_id), '')
    INTO payload
    FROM cart c LEFT JOIN cart_line l ON l.cart_id = c.id
    WHERE c.id = changed AND c.checked_out_order_id IS NULL AND c.customer_id IS NOT NULL
    GROUP BY c.id;
    PERFORM pg_notify('cart_changed',
                      CASE WHEN payload IS NULL OR octet_length(payload) > 7000 THEN changed::text ELSE payload END);
END
$$;

-- TG_ARGV[0] names the column that holds the cart's id: id on cart, cart_id on cart_line.
CREATE FUNCTION announce_changed_cart() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM announce_cart((to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[0])::uuid);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER cart_changed AFTER INSERT OR UPDATE OR DELETE ON cart
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION announce_changed_cart('id');
CREATE CONSTRAINT TRIGGER cart_line_changed AFTER INSERT OR UPDATE OR DELETE ON cart_line
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION announce_changed_cart('cart_id');
