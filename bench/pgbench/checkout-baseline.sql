-- Issue 20's baseline, kept as it was when the issue was filed (commit d04b042, 2026-11-22): one checkout (POST
-- /v1/orders of a cart of five lines from three merchants) as the server's SQL was then (decision 20), for pgbench -M
-- prepared; only these first comment lines are new. The server's checkout has changed since: checkout.sql is
-- today's, and the benchmark runs both (decision 74). The values the server holds in memory between statements
-- (the cart's variants, the ids it generates) come from the prepared plan row; reading it is the one statement
-- here the server does not run. Amounts are constants: PostgreSQL does the same work for any amount.
SELECT cart_id, storefront_id, customer_id, variants, locations, products, skus, line_sub_orders, line_numbers,
       merchants, sub_orders, order_id, reservation_id, pii_key_id
FROM pgbench_checkout.plan WHERE n = (SELECT nextval('pgbench_checkout.next')) \gset
-- Idempotency: a new key claimed in one statement.
INSERT INTO idempotency_record (client_id, idempotency_key, request_fingerprint, state, locked_until, expires_at)
VALUES ('pgbench-checkout', CAST(:cart_id AS text), decode(md5(CAST(:cart_id AS text)) || md5(CAST(:order_id AS text)), 'hex'), 'in_flight',
        now() + interval '5 minutes', now() + interval '24 hours')
ON CONFLICT DO NOTHING;
-- The cart with its lines.
SELECT cart.id, cart.storefront_id, cart.customer_id, cart.checked_out_order_id, cart.version, cart.created_at,
       cart.updated_at, cart_line.variant_id, cart_line.quantity, cart_line.seen_price_amount,
       cart_line.seen_price_currency
FROM cart LEFT OUTER JOIN cart_line ON cart_line.cart_id = cart.id
WHERE cart.id = CAST(:cart_id AS uuid)
  AND (cart.storefront_id = CAST(:storefront_id AS uuid)
       AND (cart.customer_id IS NULL OR cart.customer_id = CAST(:customer_id AS uuid)))
ORDER BY cart_line.added_at, cart_line.variant_id;
-- The variants for sale, with their category's commission rate.
SELECT product_variant.id, product_variant.product_id, product_variant.merchant_id, product.category_id,
       product_variant.sku, product.title, product.attributes, product_variant.price_amount,
       product_variant.price_currency, product.status, catalog_category.commission_rate_bps
FROM product_variant JOIN product ON product.id = product_variant.product_id
JOIN catalog_category ON catalog_category.id = product.category_id
WHERE product_variant.id = ANY (CAST(:variants AS uuid[]));
-- Which of their merchants may take orders.
SELECT merchant.id FROM merchant
WHERE merchant.id = ANY (CAST(:merchants AS uuid[])) AND merchant.status = 'active';
-- Is the stock visibly there (no lock)?
SELECT stock_level.variant_id, max(stock_level.on_hand - stock_level.reserved) FROM stock_level
WHERE stock_level.variant_id = ANY (CAST(:variants AS uuid[]))
GROUP BY stock_level.variant_id;
BEGIN;
-- The cart is checked out by this order, if still the version read.
UPDATE cart SET checked_out_order_id = CAST(:order_id AS uuid), version = cart.version + 1, updated_at = current_timestamp
WHERE cart.id = CAST(:cart_id AS uuid) AND cart.version = 1 AND cart.checked_out_order_id IS NULL;
INSERT INTO customer_order (id, storefront_id, customer_id, cart_id, status, currency, subtotal_amount, tax_amount,
                            total_amount, shipping_address_sealed, pii_key_id, reservation_id, payment_due_at)
VALUES (CAST(:order_id AS uuid), CAST(:storefront_id AS uuid), CAST(:customer_id AS uuid), CAST(:cart_id AS uuid),
        'placed', 'JPY', 15000, 1500, 16500, decode(repeat('5a', 240), 'hex'),
        :pii_key_id, CAST(:reservation_id AS uuid),
        now() + interval '30 minutes')
RETURNING customer_order.created_at;
INSERT INTO sub_order (id, order_id, merchant_id, status, currency, subtotal_amount, tax_amount, total_amount,
                       commission_amount)
SELECT s.id, CAST(:order_id AS uuid), s.merchant_id, 'pending_payment', 'JPY', 5000, 500, 5500, 500
FROM unnest(CAST(:sub_orders AS uuid[]), CAST(:merchants AS uuid[])) AS s(id, merchant_id);
INSERT INTO order_line (sub_order_id, line_number, variant_id, product_id, sku, title, quantity, unit_price_amount,
                        subtotal_amount, tax_rate_bp, tax_amount, commission_rate_bp)
SELECT l.sub_order_id, l.line_number, l.variant_id, l.product_id, l.sku,
       '{"ja":"有機緑茶ティーバッグ 20包","en":"Organic green tea, 20 bags"}'::jsonb, 1, 3000, 3000, 1000, 300, 1000
FROM unnest(CAST(:line_sub_orders AS uuid[]), CAST(:line_numbers AS int[]), CAST(:variants AS uuid[]),
            CAST(:products AS uuid[]), CAST(:skus AS text[])) AS l(sub_order_id, line_number, variant_id, product_id, sku);
INSERT INTO order_transition (order_id, sub_order_id, from_status, to_status, actor, reason)
SELECT CAST(:order_id AS uuid), t.sub_order_id, NULL, t.to_status, 'pgbench-checkout', 'checkout'
FROM unnest(ARRAY[NULL, (CAST(:sub_orders AS uuid[]))[1], (CAST(:sub_orders AS uuid[]))[2],
                  (CAST(:sub_orders AS uuid[]))[3]]::uuid[],
            ARRAY['placed', 'pending_payment', 'pending_payment', 'pending_payment']) WITH ORDINALITY
     AS t(sub_order_id, to_status, position)
ORDER BY t.position;
-- The reservation: the variants' levels locked in key order, written back, the reservation inserted.
SELECT stock_level.* FROM stock_level WHERE stock_level.variant_id = ANY (CAST(:variants AS uuid[]))
ORDER BY stock_level.variant_id, stock_level.location_id FOR UPDATE;
UPDATE stock_level SET on_hand = stock_level.on_hand, reserved = stock_level.reserved + 1,
       last_source_sequence = stock_level.last_source_sequence, low_stock_threshold = stock_level.low_stock_threshold,
       updated_at = current_timestamp
FROM unnest(CAST(:variants AS uuid[]), CAST(:locations AS uuid[])) AS changed(variant_id, location_id)
WHERE stock_level.variant_id = changed.variant_id AND stock_level.location_id = changed.location_id
RETURNING stock_level.*;
INSERT INTO stock_reservation (id, owner_type, owner_id, status, expires_at)
VALUES (CAST(:reservation_id AS uuid), 'operator', '00000000-0000-0000-0000-000000000000', 'active',
        now() + interval '45 minutes')
RETURNING stock_reservation.*;
INSERT INTO stock_reservation_line (reservation_id, line_number, variant_id, location_id, quantity)
SELECT CAST(:reservation_id AS uuid), r.position - 1, r.variant_id, r.location_id, 1
FROM unnest(CAST(:variants AS uuid[]), CAST(:locations AS uuid[])) WITH ORDINALITY AS r(variant_id, location_id, position);
COMMIT;
-- Idempotency: the answer kept for replays (about the size of the server's).
UPDATE idempotency_record SET state = 'completed', response_status = 201,
       response_headers = '{"Content-Type":"application/json","Location":"/v1/orders/x"}'::jsonb,
       response_body = decode(repeat('7b', 2600), 'hex')
WHERE idempotency_record.client_id = 'pgbench-checkout' AND idempotency_record.idempotency_key = CAST(:cart_id AS text);
-- The audit trail's line for the write.
INSERT INTO audit_event (request_id, client_id, principal_type, principal_id, method, path, status)
VALUES (CAST(:order_id AS text), 'pgbench-checkout', 'storefront', CAST(:storefront_id AS uuid), 'POST', '/v1/orders', 201);
