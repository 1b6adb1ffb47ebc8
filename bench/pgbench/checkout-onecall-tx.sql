-- checkout.sql's checkout in one round trip and one transaction (decision 145): the same plan row read, then its 19
-- statements with the same values in one PL/pgSQL function, one commit waiting for the disk
-- (checkout-onecall-setup.sql; run that first and checkout-onecall-teardown.sql after).
SELECT cart_id, storefront_id, customer_id, variants, locations, products, categories, skus, line_sub_orders,
       line_merchants, line_numbers, merchants, sub_orders, order_id, reservation_id, pii_key_id
FROM pgbench_checkout.plan WHERE n = (SELECT nextval('pgbench_checkout.next')) \gset
SELECT pgbench_onecall.checkout_in_one_transaction(:cart_id, :storefront_id, :customer_id, :variants, :locations, :products, :categories, :skus, :line_sub_orders,
  :line_merchants, :line_numbers, :merchants, :sub_orders, :order_id, :reservation_id, :pii_key_id);
