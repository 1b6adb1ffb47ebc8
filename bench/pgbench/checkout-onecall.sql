-- checkout.sql's checkout in one round trip (decision 145): the same plan row read, then its 19 statements with the
-- same values in one PL/pgSQL procedure, committing where the script's transactions end (checkout-onecall-setup.sql;
-- run that first and checkout-onecall-teardown.sql after). What it saves against checkout.sql is the round trips.
SELECT cart_id, storefront_id, customer_id, variants, locations, products, categories, skus, line_sub_orders,
       line_merchants, line_numbers, merchants, sub_orders, order_id, reservation_id, pii_key_id
FROM pgbench_checkout.plan WHERE n = (SELECT nextval('pgbench_checkout.next')) \gset
CALL pgbench_onecall.checkout(:cart_id, :storefront_id, :customer_id, :variants, :locations, :products, :categories, :skus, :line_sub_orders,
  :line_merchants, :line_numbers, :merchants, :sub_orders, :order_id, :reservation_id, :pii_key_id);
